"""WebSub: feeds name their hub, and the hub is told when they change (a real hub).

The hub and the subscriber are flask-websub's (tests/websubhub.py), on 127.0.0.1.  The
subscriber finds the hub from a seedfeed feed itself, subscribes, and must receive the
new feed when a seed gains an item; `seedfeed serve` (two workers) and `seedfeed build`
on the same seeds tell the hub of each change once, and of no change nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lxml.etree
import pytest
from feedcheck import check_atom, check_jsonfeed, check_rss
from servers import free_port, running
from servesites import NEW_ITEM, NEW_WORD, RU_SLUG, add_item, make_seeds
from websubhub import Hub, Subscriber, websub_hub, websub_subscriber

from seedfeed.model import SeedError
from seedfeed.settings import parse_settings

FEEDS = [f"{slug}.{fmt}" for slug in ("news", RU_SLUG, "all") for fmt in ("atom", "rss", "json")]
CHANGED = [f"{slug}.{fmt}" for slug in ("news", "all") for fmt in ("atom", "rss", "json")]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with websub_hub(tmp_path) as found:
        yield found


@pytest.fixture
def subscriber(tmp_path: Path) -> Iterator[Subscriber]:
    with websub_subscriber(tmp_path) as found:
        yield found


def site(root: Path, hub_url: str, base: str) -> Path:
    seeds = make_seeds(root, extra_settings=f'websub_hub = "{hub_url}"\n')
    settings = seeds / "site.toml"
    settings.write_text(re.sub(r'(?m)^base_url = "[^"]*"', f'base_url = "{base}"',
                               settings.read_text(encoding="utf-8")), encoding="utf-8")
    return seeds


def wait_for(check: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def build(seeds: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds),
                           "--out", str(out), *options], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done


def test_a_subscriber_gets_the_new_feed_once_a_seed_gains_an_item(
        tmp_path: Path, hub: Hub, subscriber: Subscriber) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    seeds = site(tmp_path, hub.url, base)
    argv = [sys.executable, "-m", "seedfeed", "serve", "--seeds", str(seeds), "--port",
            str(port), "--workers", "2"]
    with running(argv, port, env={"SEEDFEED_RELOAD_INTERVAL": "0.2"}, probe="/healthz",
                 log=tmp_path / "server.log"):
        # Both workers load the site; the hub is told of every feed once, not twice.
        wait_for(lambda: len(hub.published) >= len(FEEDS), "the first announcements")
        time.sleep(1.0)
        assert sorted(hub.published) == sorted(base + feed for feed in FEEDS)
        with urllib.request.urlopen(base + "news.atom", timeout=10) as response:
            assert response.headers["Link"] == (
                f'<{hub.url}>; rel="hub", <{base}news.atom>; rel="self"')
        with urllib.request.urlopen(base + "news/", timeout=10) as response:
            assert response.headers["Link"] is None

        subscriber.subscribe(base + "news.atom")  # (the hub found in the feed)
        wait_for(lambda: subscriber.confirmed == [base + "news.atom"], "the subscription")
        before = len(hub.published)
        add_item(seeds, text=NEW_ITEM)
        wait_for(lambda: subscriber.received, "the pushed feed")
        (topic, body), = subscriber.received
        assert topic == base + "news.atom"
        assert NEW_WORD in body
        assert lxml.etree.fromstring(body).tag == "{http://www.w3.org/2005/Atom}feed"
        wait_for(lambda: len(hub.published) >= before + len(CHANGED), "the announcements")
        time.sleep(1.0)
        assert sorted(hub.published[before:]) == sorted(base + feed for feed in CHANGED)

        # A build of the same seeds for the same URLs changes nothing: it tells nothing.
        told = len(hub.published)
        done = build(seeds, tmp_path / "out")
        assert "websub" not in done.stderr
        time.sleep(0.5)
        assert len(hub.published) == told
        assert len(subscriber.received) == 1


def test_a_build_tells_the_hub_of_the_feeds_it_changed_and_of_nothing_else(
        tmp_path: Path, hub: Hub) -> None:
    seeds = site(tmp_path, hub.url, "https://news.example.org/")
    out = tmp_path / "out"
    first = build(seeds, out)
    assert sorted(hub.published) == sorted(f"https://news.example.org/{f}" for f in FEEDS)
    assert f"websub: told {hub.url} of {len(FEEDS)} changed feeds" in first.stderr
    again = build(seeds, out)
    assert "websub" not in again.stderr and len(hub.published) == len(FEEDS)
    add_item(seeds, text=NEW_ITEM)
    build(seeds, out)
    assert sorted(hub.published[len(FEEDS):]) == sorted(
        f"https://news.example.org/{f}" for f in CHANGED)
    add_item(seeds, text=NEW_ITEM.replace("20 March", "21 March"))
    quiet = build(seeds, out, "--no-websub")
    assert "websub" not in quiet.stderr and len(hub.published) == len(FEEDS) + len(CHANGED)


def test_a_hub_that_does_not_answer_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/hub"
    seeds = site(tmp_path, dead, "https://news.example.org/")
    done = build(seeds, tmp_path / "out")
    assert f"warning: websub: {dead} was not told of {len(FEEDS)} changed feeds" in done.stderr
    assert "Connection refused" in done.stderr
    # Not told, so told at the next build that changes something (here, the next one).
    (tmp_path / "out" / "news.atom").unlink()
    again = build(seeds, tmp_path / "out")
    assert "was not told" in again.stderr


def test_subscription_feeds_name_the_hub_and_archives_do_not(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, extra_settings='websub_hub = "https://hub.example.org/"\n'
                       'entries_per_feed = 2\n')
    out = tmp_path / "out"
    build(seeds, out, "--no-websub")
    base = "https://example.org/feeds/"
    for slug in ("news", RU_SLUG, "all"):
        rss, atom = (lxml.etree.fromstring((out / f"{slug}.{fmt}").read_bytes())
                     for fmt in ("rss", "atom"))
        links = {link.get("rel"): link.get("href") for link in rss.iter(
            "{http://www.w3.org/2005/Atom}link")}
        assert links["hub"] == "https://hub.example.org/"
        assert links["self"] == f"{base}{slug}.rss"
        links = {link.get("rel"): link.get("href") for link in atom.iter(
            "{http://www.w3.org/2005/Atom}link") if link.getparent() is atom}
        assert links["hub"] == "https://hub.example.org/"
        assert links["self"] == f"{base}{slug}.atom"
        feed = json.loads((out / f"{slug}.json").read_bytes())
        assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example.org/"}]
        for fmt, check in (("rss", check_rss), ("atom", check_atom), ("json", check_jsonfeed)):
            assert check((out / f"{slug}.{fmt}").read_bytes(), f"{base}{slug}.{fmt}") == []
    archives = sorted(out.rglob("archive-*.*"))
    assert archives
    for path in archives:
        assert b"hub.example.org" not in path.read_bytes(), path


def test_a_hub_that_is_no_http_url_is_an_error_on_its_line() -> None:
    with pytest.raises(SeedError) as caught:
        parse_settings('[site]\nid_authority = "news.example.org"\n'
                       'websub_hub = "hub.example.org"\n', "seeds/site.toml")
    assert str(caught.value) == ("seeds/site.toml:3: site.websub_hub must be an absolute "
                                 "http(s) URL (a WebSub hub)")


def test_no_hub_no_link(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path)
    build(seeds, tmp_path / "out", "--no-websub")
    assert b'rel="hub"' not in (tmp_path / "out" / "news.atom").read_bytes()
    assert "hubs" not in json.loads((tmp_path / "out" / "news.json").read_bytes())
    assert os.path.exists(tmp_path / "out" / "news.rss")


@contextmanager
def raw_server(answer: bytes | None) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that reads a request and sends `answer` as it is (None:
    never answers); yields its URL."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            if answer is None:
                held.append(conn)  # (silent until the test ends)
                continue
            conn.sendall(answer)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hub"
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()


def test_a_hub_answering_garbage_is_a_warning_and_the_feeds_are_told_later(
        tmp_path: Path) -> None:
    with raw_server(b"HELLO\r\n\r\n") as garbled:
        seeds = site(tmp_path, garbled, "https://news.example.org/")
        done = build(seeds, tmp_path / "out")
        assert f"warning: websub: {garbled} was not told of {len(FEEDS)} changed feeds" \
            in done.stderr
        assert "Traceback" not in done.stderr
        (tmp_path / "out" / "news.atom").unlink()  # (the next build has work to do)
        again = build(seeds, tmp_path / "out")
        assert f"was not told of {len(FEEDS)} changed feeds" in again.stderr  # all again


def test_a_silent_hub_is_given_up_on_at_the_deadline() -> None:
    from seedfeed.websub import announce

    with raw_server(None) as silent:
        failed = announce(silent, ["https://a.example/x.atom", "https://a.example/y.atom"],
                          timeout=10.0, deadline=0.5, delay=0.1)
    assert [url for url, _ in failed] == ["https://a.example/x.atom",
                                          "https://a.example/y.atom"]
    assert failed[0][1].endswith("out of time") and failed[1][1] == "not tried: out of time"


def test_an_announcement_a_killed_process_left_pending_is_made_by_a_later_run(
        tmp_path: Path) -> None:
    from seedfeed.database import Database
    from seedfeed.websub import STALE

    db = Database(tmp_path / "site.sqlite")
    feeds = [("https://a.example/x.atom", "d1")]
    assert db.claim_announcements(feeds, 1000.0, STALE) == ["https://a.example/x.atom"]
    # (killed here: never settled) another process soon after leaves it to the first...
    assert db.claim_announcements(feeds, 1000.0 + STALE / 2, STALE) == []
    # ...and takes it over once it is stale; once told, it is not told again.
    assert db.claim_announcements(feeds, 1001.0 + STALE, STALE) == ["https://a.example/x.atom"]
    db.settle_announcements(["https://a.example/x.atom"], [])
    assert db.claim_announcements(feeds, 10**6, STALE) == []
    assert db.claim_announcements([("https://a.example/x.atom", "d2")], 10**6, STALE) == [
        "https://a.example/x.atom"]
