"""Telling a WebSub hub that feeds changed (W3C WebSub, section 7: "publish").

A site with `websub_hub` names the hub in every subscription feed (render: rel="hub"
beside rel="self"; the server also sends both as Link headers) and, whenever a feed's
bytes change, POSTs `hub.mode=publish` with the feed's URL to the hub (as `hub.url`,
which most hubs read, and `hub.topic`, which others do).  The hub then fetches the feed
and pushes it to its subscribers.

Announcing never fails what caused it: a build, a deploy, a server's reload.  Each URL
is tried a few times with backoff; what could not be announced is returned as problems
to report.  Where a site database is at hand, the (URL, digest) announced is recorded in
it, so that the server's workers and a build on the same seeds announce each change
once, and an unchanged rebuild announces nothing.
"""

from __future__ import annotations

import http.client
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlencode

from .database import Database

ATTEMPTS = 4  # tries for each URL
FIRST_DELAY = 1.0  # seconds before the second try; doubled after each failed one
TIMEOUT = 10.0  # seconds for one request
DEADLINE = 15.0  # seconds for all of one run's announcements: a build waits no longer
STALE = 300.0  # seconds after which an announcement still pending (its process gone) is redone
USER_AGENT = "seedfeed (WebSub publisher)"

log = logging.getLogger("seedfeed")


def announce(hub: str, urls: Iterable[str], *, attempts: int = ATTEMPTS,
             delay: float = FIRST_DELAY, timeout: float = TIMEOUT,
             deadline: float = DEADLINE,
             sleep: Callable[[float], None] = time.sleep) -> list[tuple[str, str]]:
    """POST a publish request for each URL to the hub; (URL, why) of those not taken.

    A 2xx answer is taken; a 4xx other than 429 is not retried (the hub refuses); a
    5xx, a 429, a garbled answer or none is retried after `delay`, 2 × `delay`, ...
    seconds.  When a URL could not be announced for all its attempts, or `deadline`
    seconds have passed, the rest are not tried (the hub is failing) and returned too.
    """
    urls = list(urls)
    failed: list[tuple[str, str]] = []
    until = time.monotonic() + deadline
    for index, url in enumerate(urls):
        data = urlencode({"hub.mode": "publish", "hub.url": url, "hub.topic": url}).encode()
        request = urllib.request.Request(hub, data=data, headers={
            "Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT})
        cause, out_of_time = "", False
        for attempt in range(attempts):
            left = until - time.monotonic()
            if left <= 0:
                out_of_time = True
                break
            try:
                with urllib.request.urlopen(request, timeout=min(timeout, left)) as response:
                    response.read()
                break
            except urllib.error.HTTPError as exc:
                exc.close()
                cause = f"HTTP {exc.code} {exc.reason}"
                if exc.code < 500 and exc.code != 429:
                    failed.append((url, cause))
                    break
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                cause = str(getattr(exc, "reason", None) or exc) or type(exc).__name__
            if attempt + 1 < attempts:
                sleep(max(0.0, min(delay * 2**attempt, until - time.monotonic())))
        else:
            return [*failed, (url, cause), *(
                (rest, f"not tried after {url} failed") for rest in urls[index + 1:])]
        if out_of_time:
            return [*failed, (url, f"{cause}; out of time" if cause else "out of time"), *(
                (rest, "not tried: out of time") for rest in urls[index + 1:])]
    return failed


def announce_feeds(db: Database | None, hub: str, feeds: Iterable[tuple[str, str]],
                   wait: float = 0.0, **options: object) -> tuple[list[str], list[str]]:
    """Announce the feeds among (URL, digest) whose change the hub was not told of yet;
    (URLs announced, problems).  Without a database every feed given is announced.
    `wait`: seconds between claiming the change and telling the hub (see Announcer).

    A claim is settled whatever happens: told, or forgotten so that the next run tells
    it; a process killed meanwhile leaves it pending, and a run after STALE seconds
    tells it (Database.claim_announcements)."""
    feeds = list(feeds)
    urls = (db.claim_announcements(feeds, time.time(), STALE) if db is not None
            else [url for url, _ in feeds])
    if not urls:
        return [], []
    failed: list[tuple[str, str]] = [(url, "not tried") for url in urls]
    try:
        time.sleep(wait)
        failed = announce(hub, urls, **options)  # type: ignore[arg-type]
    finally:
        missed = {url for url, _ in failed}
        if db is not None:
            db.settle_announcements([url for url in urls if url not in missed], missed)
    shown = ", ".join(f"{url} ({cause})" for url, cause in failed[:3])
    problems = ([f"websub: {hub} was not told of {len(failed)} changed feeds: {shown}"
                 f"{' ...' if len(failed) > 3 else ''}"] if failed else [])
    return [url for url in urls if url not in missed], problems


class Announcer:
    """A daemon thread announcing feed changes for a server: a reload hands them over
    and goes on; the hub's answers (or silence) never hold a request or a reload.

    The hub fetches a feed as soon as it is told, from any worker: it is told once
    every worker serves the new bytes (they follow each other within FOLLOW_SECONDS
    and a reload, serve.py), SERVER_WAIT seconds after the change was recorded.
    """

    SERVER_WAIT = 2.0

    def __init__(self, state: Path) -> None:
        self.state = state
        self._queue: queue.Queue[tuple[str, list[tuple[str, str]]]] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, hub: str, feeds: list[tuple[str, str]]) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="seedfeed-websub",
                                            daemon=True)
            self._thread.start()
        self._queue.put((hub, feeds))

    def _run(self) -> None:
        db: Database | None = None
        while True:
            hub, feeds = self._queue.get()
            try:
                db = db or Database(self.state)
                sent, problems = announce_feeds(db, hub, feeds, wait=self.SERVER_WAIT)
                if sent:
                    log.info("websub: told %s of %d changed feeds", hub, len(sent))
                for problem in problems:
                    log.warning("%s", problem)
            except Exception:  # noqa: BLE001 - announcing must never stop the server
                log.exception("websub: announcing to %s failed", hub)
