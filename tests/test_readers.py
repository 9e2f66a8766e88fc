"""Real feed readers, in New York and in Tokyo, read the site as its readers would.

sfeed, rss2email, the reader library and feedparser (see readersites for how each is
driven) subscribe to the RSS and Atom feeds (and JSON Feeds, for reader) of an English
and a Russian section, served by `seedfeed serve` (gunicorn) and by a static build under
Python's http.server.  Each runs with TZ=America/New_York or TZ=Asia/Tokyo, and must show
every entry exactly once, titled exactly as the seed (an "&" as "&", a "<" as "<"), on
the calendar day the seed prints, in local time; same-day items in the seed's order (each
its own time); nothing twice after polling again; an item added to a seed exactly once
after the next poll.  The server's access log must show every feed fetched once per
poll, 200 the first time and 304 the second (the readers send validators), except where
the reader and the host cannot agree on one (sfeed on http.server, see Sfeed).

One site per server kind serves every test of this module: each test adds its own item
(a newer day each time) and expects the entries the seeds hold at that moment.
"""

from __future__ import annotations

import html
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from livesites import LogTail, app_server, base_url, build, fetch, free_port, static_server
from livesites import wait_for as wait_until
from readersites import (
    EDITED_SEED,
    READERS,
    ZONES,
    Item,
    Reader,
    Shown,
    added_item,
    write_seeds,
)
from readersites import ITEMS as SEED_ITEMS
from readersites import SECTION_TITLES as FEED_TITLES

SECTIONS = ("en", "ru")


@dataclass
class Site:
    """The test site, served by the app or as a static build, and what its seeds say."""

    kind: str
    base: str
    seeds: Path
    access_log: Path
    publish: Callable[[str], None]  # make an edit of the seeds visible: (the new title)
    items: list[Item] = field(default_factory=lambda: list(SEED_ITEMS))
    rounds: int = 0

    def add_item(self) -> Item:
        """Put a new item, newer than every entry, at the top of EDITED_SEED."""
        self.rounds += 1
        text, item = added_item(self.rounds)
        path = self.seeds / EDITED_SEED
        path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")
        self.items.append(item)
        self.publish(item.title)
        return item


@pytest.fixture(scope="module", params=["app", "static"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    root = tmp_path_factory.mktemp(f"readers-{request.param}")
    port = free_port()
    base = base_url(port)
    seeds = write_seeds(root / "seeds", base)
    access_log = root / "access.log"
    if request.param == "app":
        def wait_for_app(title: str) -> None:
            def served() -> bool:
                # all.json: no reader here reads it, so the access log counts only theirs
                status, _headers, body = fetch(f"{base}all.json")
                return status == 200 and title in {
                    item["title"] for item in json.loads(body)["items"]}

            wait_until(served, "the app to serve the edited seed")

        with app_server(seeds, port, access_log=access_log, log=root / "server.log"):
            yield Site("app", base, seeds, access_log, wait_for_app)
    else:
        out = root / "feeds"
        build(seeds, out, base)

        def rebuild(_title: str) -> None:
            build(seeds, out, base)

        with static_server(out, port, log=access_log):
            yield Site("static", base, seeds, access_log, rebuild)


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class Findings:
    """What a person using the reader would see wrong, in the order it turned up."""

    def __init__(self, who: str) -> None:
        self.who = who
        self.seen: dict[str, int] = {}
        self.poll = 0

    def add(self, problem: str) -> None:
        self.seen.setdefault(problem, self.poll)

    def report(self) -> str:
        return f"{self.who}:\n" + "\n".join(
            f"  [after poll {poll}] {problem}" for problem, poll in self.seen.items())


def loose(title: str) -> str:
    """A title's letters and digits, whatever escaping a reader left in it: to tell which
    seed item a shown entry is, before checking its title exactly."""
    for _ in range(3):
        title = html.unescape(title)
    return "".join(char for char in title.casefold() if char.isalnum())


def check_shown(found: Findings, reader: Reader, items: list[Item]) -> None:
    """Every item of each subscribed feed shown once, titled and dated as the seed says."""
    shown = reader.shown()
    by_feed: dict[str, list[Shown]] = defaultdict(list)
    for entry in shown:
        by_feed[entry.feed].append(entry)
    for feed in reader.feeds:
        section = feed.split(".")[0]
        expected = [item for item in items if item.section == section]
        keys = {loose(item.title): item for item in expected}
        assert len(keys) == len(expected), "the test's titles must differ in their letters"
        matches: dict[str, list[Shown]] = defaultdict(list)
        for entry in by_feed.get(feed, []):
            key = loose(entry.title)
            if key in keys:
                matches[key].append(entry)
            else:
                found.add(f"{feed}: shows {entry.title!r}, which is no entry of the seeds")
        for key, item in keys.items():
            got = matches.get(key, [])
            if len(got) != 1:
                found.add(f"{feed}: {item.title!r} is shown {len(got)} times, expected once")
            for entry in got[:1]:
                check_entry(found, reader.zone, feed, item, entry)
        check_same_day_order(found, feed, expected, matches)


def check_entry(found: Findings, zone: str, feed: str, item: Item, entry: Shown) -> None:
    if entry.title != item.title:
        found.add(f"{feed}: shows the title {entry.title!r}, the seed says {item.title!r}")
    if entry.local.date() != item.day:
        found.add(f"{feed}: {item.title!r} is dated {day_text(entry.local.date())} "
                  f"({entry.local:%Y-%m-%d %H:%M} local time), the seed says "
                  f"{day_text(item.day)}")
    expected = item.local(zone)
    if expected is not None and entry.local.replace(second=0) != expected:
        found.add(f"{feed}: {item.title!r} is shown at {entry.local:%Y-%m-%d %H:%M}, the "
                  f"seed's {item.clock:%H:%M} Moscow time is {expected:%Y-%m-%d %H:%M} "
                  f"in {zone}")


def check_same_day_order(found: Findings, feed: str, expected: list[Item],
                         matches: dict[str, list[Shown]]) -> None:
    """Date-only items of one day, listed newest first in their seed, must have times
    newer to older in that order: with one time for all, a reader orders them at random."""
    days: dict[date, list[Item]] = defaultdict(list)
    for item in expected:
        if item.clock is None:
            days[item.day].append(item)
    for day, group in days.items():
        shown = [matches[loose(item.title)][0] for item in group
                 if matches.get(loose(item.title))]
        if len(group) < 2 or len(shown) < len(group):
            continue  # a missing entry is reported as such
        stamps = [entry.stamp for entry in shown]
        if all(a > b for a, b in zip(stamps, stamps[1:], strict=False)):
            continue
        times = ", ".join(f"{item.title!r} at {entry.local:%H:%M:%S}"
                          for item, entry in zip(group, shown, strict=True))
        same = " (all at one time)" if len(set(stamps)) == 1 else ""
        found.add(f"{feed}: the {len(group)} items of {day_text(day)} are not dated newest "
                  f"first in the seed's order, so the reader orders them as it likes{same}: "
                  f"{times}")


def check_feed_titles(found: Findings, reader: Reader) -> None:
    if not reader.shows_feed_titles:
        return
    titles = reader.feed_titles()
    for feed in reader.feeds:
        want = FEED_TITLES[feed.split(".")[0]]
        got = titles.get(feed)
        if got is not None and got != want:
            found.add(f"{feed}: shows the feed title {got!r}, site.toml says {want!r}")


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("reader_name", list(READERS))
def test_reader_shows_each_entry_once_titled_and_dated_as_the_seed_and_polls_politely(
        site: Site, reader_name: str, zone: str, tmp_path: Path) -> None:
    kind = READERS[reader_name]
    feeds = [f"{section}.{fmt}" for section in SECTIONS for fmt in kind.formats]
    reader = kind(tmp_path / reader_name, zone, site.base, feeds)
    found = Findings(f"{reader_name} with TZ={zone}, reading the {site.kind} "
                     f"({', '.join(feeds)})")
    paths = ["/" + feed for feed in feeds]
    log = LogTail(site.access_log)
    log.skip()
    last_poll = 0.0

    def poll(expected: dict[str, set[int]], why: str) -> None:
        nonlocal last_poll
        found.poll += 1
        reader.poll()
        last_poll = time.time()
        requests = log.new_requests(paths, at_least=len(paths))
        for path in paths:
            statuses = [status for requested, status in requests if requested == path]
            if len(statuses) != 1 or statuses[0] not in expected[path]:
                want = " or ".join(map(str, sorted(expected[path])))
                found.add(f"GET {path} ({why}) was answered "
                          f"{statuses or 'never (no request)'}, expected one {want}")
        check_shown(found, reader, site.items)
        check_feed_titles(found, reader)

    # 1: a new subscription reads everything.
    poll(dict.fromkeys(paths, {200}), "first poll")
    # 2: nothing changed, and the reader sends the validators of its last answer: 304s,
    # but for sfeed on a host without ETags (see Sfeed.conditional_without_etag).
    unchanged = {304} if site.kind == "app" or reader.conditional_without_etag else {200}
    poll(dict.fromkeys(paths, unchanged), "second poll, nothing changed")

    # 3: an item is added to an English seed: those feeds change, the Russian ones do not.
    if site.kind == "static" or reader.modified_since_own_clock:
        # HTTP dates have whole seconds: where Last-Modified decides (http.server sends no
        # ETag; sfeed's curl -z compares it with its own clock), an edit within the second
        # of the last poll (or of the last edit) could not be told from what the reader
        # has. Edits come later than that in life.
        time.sleep(max(0.0, last_poll + 1.1 - time.time()))
    if site.kind == "static":
        # http.server's 304s repeat no Last-Modified, which rss2email then forgets (feedparser
        # gives it none): its next poll is unconditional. So only the app is held to 304s
        # for the unchanged feeds on this poll.
        unchanged |= {200}
    new = site.add_item()
    poll({path: {200} if path.startswith("/en.") else unchanged for path in paths},
         f"after adding {new.title!r} to {EDITED_SEED}")
    if found.seen:
        pytest.fail(found.report(), pytrace=False)


def test_the_seed_texts_give_the_items_written_down(tmp_path: Path) -> None:
    """The hand-written expectations match what seedfeed parses (titles and days), so that
    a failure above is about what the readers are sent, not about this test's seeds."""
    from seedfeed.load import load_seeds

    corpus = load_seeds(write_seeds(tmp_path / "seeds", "http://127.0.0.1:1/"))
    got = sorted((entry.section, entry.title, entry.published.date().isoformat())
                 for entry in corpus.entries)
    want = sorted((item.section, item.title, item.day.isoformat()) for item in SEED_ITEMS)
    assert got == want
