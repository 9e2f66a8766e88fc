"""Helpers of test_readers: the test site's seeds and four real feed readers to point at it.

The site has an English and a Russian section, titles with "&" and "<", several date-only
items on one day, lone date-only items and articles with a printed time.  What a reader
must show is written here by hand from the seed texts (`ITEMS`), not taken from seedfeed.

Each reader runs as its own process with TZ set to the zone of the person reading, and
reports what that person sees: the title, and the date and time in local time.

- sfeed: `sfeed_update` with an sfeedrc whose fetch() is the one sfeed's README gives
  for "Caching, incremental data updates and bandwidth-saving" (curl --etag-save,
  --etag-compare and -z), then `sfeed_plain` prints what a user reads (local time).
- rss2email: `r2e` with its own config and data files (-c, -d) delivering into a local
  maildir (`email-protocol = maildir`), `date-header = True` so a message is dated by its
  entry; a mail client shows the Date header in local time.
- reader (PyPI): `make_reader` on an sqlite file, `update_feeds()`, entries'
  `published` in local time (`astimezone()` in a process with TZ set).
- feedparser: `feedparser.parse(url, etag=..., modified=...)` as an application polls
  with it, keeping entries by id between polls; `time.localtime` of `published_parsed`.
"""

from __future__ import annotations

import email
import email.policy
import importlib.util
import json
import mailbox
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ZONES = ("America/New_York", "Asia/Tokyo")
SITE_ZONE = ZoneInfo("Europe/Moscow")  # the site's timezone (site.toml's default)
TIMEOUT = 60  # seconds, for any one reader command

SECTION_TITLES = {"en": "Briefs & notes: a < b", "ru": "Лента & заметки: a < b"}

SITE_TOML = f"""\
[site]
title = "Readers & friends"
description = "A site for real feed readers"
base_url = "{{base}}"
id_authority = "readers.seedfeed.test"

[sections.en]
title = "{SECTION_TITLES["en"]}"

[sections.ru]
title = "{SECTION_TITLES["ru"]}"
"""

EN_LISTING = """\
On 16 February 2024, the council met in Astana & agreed that a < b.

On 16 February 2024, ministers signed the R&D plan for 2024 < 2025 budgets.

On 16 February 2024, the secretariat opened a "Q&A" desk in Minsk.

On 14 February 2024, a seminar on A&B <-> C relations took place in Moscow.
"""

EN_ARTICLE = """\
Q&A: why a < b matters
15.02.2024 14:30
Print
The secretary general answered questions about the treaty.

Go back
"""

RU_LISTING = """\
16 февраля 2024 года Совет & комиссия провели заседание в Москве.

16 февраля 2024 года Генеральный секретарь встретился с послом: a < b.

12 февраля 2024 года в Ереване прошёл семинар «Q&A».
"""

RU_ARTICLE = """\
Итоги встречи & планы: a < b
13.02.2024 10:15
Печать
Министры обсудили итоги встречи.

Вернуться назад
"""

SEED_TEXTS = {
    "en/listing.txt": EN_LISTING,
    "en/article.txt": EN_ARTICLE,
    "ru/lenta.txt": RU_LISTING,
    "ru/statya.txt": RU_ARTICLE,
}
EDITED_SEED = "en/listing.txt"  # where added items go, at the top (newest first)


@dataclass(frozen=True)
class Item:
    """An entry as a reader must show it: the seed's title, day and printed time."""

    section: str
    title: str
    day: date
    clock: time | None = None  # the printed time (site's zone); None for a date-only item

    def local(self, zone: str) -> datetime | None:
        """The printed time in the reader's zone (naive), for an item with a time."""
        if self.clock is None:
            return None
        moment = datetime.combine(self.day, self.clock, tzinfo=SITE_ZONE)
        return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


# Every entry of SEED_TEXTS, written down from the texts above: each file's items in seed
# order (a listing runs newest first).  The articles' times, 14:30 and 10:15 in Moscow,
# fall on the same calendar day in New York and in Tokyo.
ITEMS = (
    Item("en", "The council met in Astana & agreed that a < b", date(2024, 2, 16)),
    Item("en", "Ministers signed the R&D plan for 2024 < 2025 budgets", date(2024, 2, 16)),
    Item("en", 'The secretariat opened a "Q&A" desk in Minsk', date(2024, 2, 16)),
    Item("en", "A seminar on A&B <-> C relations took place in Moscow", date(2024, 2, 14)),
    Item("en", "Q&A: why a < b matters", date(2024, 2, 15), time(14, 30)),
    Item("ru", "Совет & комиссия провели заседание в Москве", date(2024, 2, 16)),
    Item("ru", "Генеральный секретарь встретился с послом: a < b", date(2024, 2, 16)),
    Item("ru", "В Ереване прошёл семинар «Q&A»", date(2024, 2, 12)),
    Item("ru", "Итоги встречи & планы: a < b", date(2024, 2, 13), time(10, 15)),
)


def added_item(round_: int) -> tuple[str, Item]:
    """The text of the round_-th item added to EDITED_SEED (newer than every entry) and
    the entry it must give."""
    text = (f"On {round_} March 2024, the widget council met in Zlatoust & Omsk for round "
            f"{round_} < {round_ + 1}.\n\n")
    title = f"The widget council met in Zlatoust & Omsk for round {round_} < {round_ + 1}"
    return text, Item("en", title, date(2024, 3, round_))


def write_seeds(folder: Path, base: str) -> Path:
    """The test site's seeds folder, every file and folder with an old mtime (1 April
    2024: after every date in the seeds, so that no date is "after the file was written",
    and long before any edit a test makes)."""
    folder.mkdir(parents=True)
    (folder / "site.toml").write_text(SITE_TOML.format(base=base), encoding="utf-8")
    for rel, text in SEED_TEXTS.items():
        path = folder / rel
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    stamp = datetime(2024, 4, 1, tzinfo=UTC).timestamp()
    paths = sorted(folder.rglob("*"), key=lambda p: (p.is_dir(), str(p)))
    for path in [*paths, folder]:
        os.utime(path, (stamp, stamp))
    return folder


# ----------------------------------------------------------------------------- readers

@dataclass(frozen=True)
class Shown:
    """One entry as a reader shows it."""

    feed: str  # the feed's file name on the site: en.atom
    title: str
    local: datetime  # naive: the date and time the reader shows in its zone
    stamp: float  # the same moment as a POSIX timestamp (to the second), for ordering


def reader_env(home: Path, zone: str) -> dict[str, str]:
    """A reader's environment: its own HOME, the reader's zone, no proxy for 127.0.0.1."""
    return {"HOME": str(home), "TZ": zone, "PATH": os.defpath, "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "no_proxy": "*", "NO_PROXY": "*",
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local"),
            "XDG_CACHE_HOME": str(home / ".cache")}


def run(argv: list[str], env: dict[str, str], what: str, stdin: bytes | None = None,
        cwd: Path | None = None) -> str:
    result = subprocess.run(argv, env=env, input=stdin, capture_output=True,
                            timeout=TIMEOUT, check=False, cwd=cwd)
    out = result.stdout.decode("utf-8", "replace")
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, (
        f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{out}{err}")
    return out


def need_program(name: str, package: str) -> str:
    path = shutil.which(name, path=os.defpath)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package: {package})")
    return path


def need_module(name: str, package: str) -> None:
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"the Python module {name} is not installed (PyPI package: {package}, "
                    "in seedfeed's test extra)")


class Reader:
    """A reader subscribed to some feeds of a site, with its own files under home."""

    name = ""
    formats: tuple[str, ...] = ()
    shows_feed_titles = False
    # Whether a host that sends no ETag (http.server) can answer it 304.
    conditional_without_etag = True
    # Whether it sends its own clock's time of the last poll as If-Modified-Since (rather
    # than the server's Last-Modified).
    modified_since_own_clock = False

    def __init__(self, home: Path, zone: str, base: str, feeds: list[str]) -> None:
        self.home = home
        self.zone = zone
        self.base = base
        self.feeds = feeds  # file names on the site: en.atom
        home.mkdir()
        self.env = reader_env(home, zone)

    def url(self, feed: str) -> str:
        return self.base + feed

    def feed_of(self, url: str) -> str:
        assert url.startswith(self.base), url
        return url.removeprefix(self.base)

    def poll(self) -> None:
        raise NotImplementedError

    def shown(self) -> list[Shown]:
        raise NotImplementedError

    def feed_titles(self) -> dict[str, str]:
        """Feed file name -> the feed's title as the reader shows it."""
        return {}


SFEED_PLAIN_LINE = re.compile(
    r"^[ N] (?P<when>\d{4}-\d\d-\d\d \d\d:\d\d)  (?P<title>.*?) +(?P<link>\S+)$")


class Sfeed(Reader):
    """sfeed_update with an sfeedrc; sfeed_plain shows the stored entries in local time."""

    name = "sfeed"
    formats = ("atom", "rss")
    # curl 7.88 --etag-compare sends `If-None-Match: ""` when the host sent no ETag, and
    # with If-None-Match a server ignores If-Modified-Since (RFC 9110, 13.2.2): such a
    # host answers 200 to every poll.
    conditional_without_etag = False
    # curl -z FILE sends the ETag file's mtime (this machine's clock at the last poll) as
    # If-Modified-Since, and drops a 200's body whose Last-Modified is not newer.
    modified_since_own_clock = True

    def __init__(self, home: Path, zone: str, base: str, feeds: list[str]) -> None:
        self.update = need_program("sfeed_update", "sfeed")
        self.plain = need_program("sfeed_plain", "sfeed")
        need_program("curl", "curl")  # sfeed_update's fetcher
        super().__init__(home, zone, base, feeds)
        self.store = home / "feeds"
        etags = home / "etags"
        etags.mkdir()
        lines = "\n".join(f'\tfeed "{feed}" "{self.url(feed)}"' for feed in feeds)
        self.rc = home / "sfeedrc"
        # fetch() as sfeed's README gives it under "Caching, incremental data updates and
        # bandwidth-saving": the saved ETag as If-None-Match, the ETag file's time as
        # If-Modified-Since.
        self.rc.write_text(f"""\
sfeedpath="{self.store}"
maxjobs=1

fetch() {{
\tetag="{etags}/$(basename "$3")"
\tcurl -L --max-redirs 0 -H "User-Agent:" -f -s -m 15 --compressed \\
\t\t--etag-save "${{etag}}" --etag-compare "${{etag}}" -z "${{etag}}" \\
\t\t"$2" 2>/dev/null
}}

feeds() {{
{lines}
}}
""", encoding="utf-8")

    def poll(self) -> None:
        run([self.update, str(self.rc)], self.env, "sfeed_update")

    def shown(self) -> list[Shown]:
        shown = []
        for feed in self.feeds:
            path = self.store / feed
            if not path.exists():
                continue
            rows = [line.split("\t") for line in
                    path.read_text(encoding="utf-8").splitlines() if line]
            plain = run([self.plain], self.env, "sfeed_plain",
                        stdin=path.read_bytes()).splitlines()
            assert len(plain) == len(rows), (rows, plain)
            for row, line in zip(rows, plain, strict=True):
                match = SFEED_PLAIN_LINE.match(line)
                assert match, f"sfeed_plain printed {line!r}"
                shown.append(Shown(feed, match["title"],
                                   datetime.strptime(match["when"], "%Y-%m-%d %H:%M"),
                                   float(row[0])))
        return shown


class Rss2email(Reader):
    """r2e with its own config and data files, delivering into a maildir."""

    name = "rss2email"
    formats = ("atom", "rss")
    shows_feed_titles = True

    def __init__(self, home: Path, zone: str, base: str, feeds: list[str]) -> None:
        self.r2e = need_program("r2e", "rss2email")
        super().__init__(home, zone, base, feeds)
        self.config = home / "rss2email.cfg"
        self.data = home / "rss2email.json"
        self.maildir = home / "Maildir"
        self.maildir.mkdir()
        self.r2e_run("new", "reader@example.invalid")  # writes the default config
        self.config.write_text(f"""\
[DEFAULT]
to = reader@example.invalid
from = reader@rss2email.invalid
email-protocol = maildir
maildir-path = {self.maildir}
maildir-mailbox = INBOX
date-header = True
name-format = {{feed-title}}
""", encoding="utf-8")
        for feed in feeds:
            self.r2e_run("add", feed.replace(".", "-"), self.url(feed))

    def r2e_run(self, *args: str) -> str:
        return run([self.r2e, "-c", str(self.config), "-d", str(self.data), *args],
                   self.env, f"r2e {args[0]}")

    def poll(self) -> None:
        self.r2e_run("run")

    def messages(self) -> list[email.message.EmailMessage]:
        box = mailbox.Maildir(self.maildir / "INBOX", create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
                for key in sorted(box.keys())]  # type: ignore[misc]

    def shown(self) -> list[Shown]:
        if not (self.maildir / "INBOX").exists():
            return []
        shown = []
        for message in self.messages():
            when = parsedate_to_datetime(str(message["Date"]))
            shown.append(Shown(self.feed_of(str(message["X-RSS-Feed"])),
                               str(message["Subject"]),
                               when.astimezone(ZoneInfo(self.zone)).replace(tzinfo=None),
                               when.timestamp()))
        return shown

    def feed_titles(self) -> dict[str, str]:
        """The sender's name: name-format = {feed-title}."""
        return {self.feed_of(str(message["X-RSS-Feed"])):
                message["From"].addresses[0].display_name  # type: ignore[union-attr]
                for message in self.messages()}


# Runs in a process of its own, with TZ set: prints what the reader holds, in local time.
READER_SCRIPT = """\
import json, sys
from reader import make_reader

db, *urls = sys.argv[1:]
with make_reader(db) as reader:
    for url in urls:
        reader.add_feed(url, exist_ok=True)
    # scheduled=False: update every feed now (by default reader updates a feed at most
    # hourly, and each poll here stands for a later one).
    reader.update_feeds(scheduled=False)
    errors = {f.url: repr(f.last_exception) for f in reader.get_feeds() if f.last_exception}
    assert not errors, errors
    entries = []
    for entry in reader.get_entries():
        when = entry.published or entry.updated
        entries.append({"feed": entry.feed_url, "title": entry.title,
                        "local": when.astimezone().replace(tzinfo=None).isoformat(),
                        "stamp": when.timestamp()})
    titles = {feed.url: feed.title for feed in reader.get_feeds()}
print(json.dumps({"entries": entries, "titles": titles}))
"""


class ReaderLibrary(Reader):
    """The reader library (PyPI reader): an sqlite database, update_feeds()."""

    name = "reader"
    formats = ("atom", "rss", "json")
    shows_feed_titles = True

    def __init__(self, home: Path, zone: str, base: str, feeds: list[str]) -> None:
        need_module("reader", "reader")
        super().__init__(home, zone, base, feeds)
        self.db = home / "reader.sqlite"
        self.state: dict = {"entries": [], "titles": {}}

    def poll(self) -> None:
        out = run([sys.executable, "-c", READER_SCRIPT, str(self.db),
                   *map(self.url, self.feeds)], self.env, "reader", cwd=self.home)
        self.state = json.loads(out)

    def shown(self) -> list[Shown]:
        return [Shown(self.feed_of(e["feed"]), e["title"], datetime.fromisoformat(e["local"]),
                      e["stamp"]) for e in self.state["entries"]]

    def feed_titles(self) -> dict[str, str]:
        return {self.feed_of(url): title for url, title in self.state["titles"].items()}


# Runs in a process of its own, with TZ set: polls every feed with the validators of the
# last answer, keeps entries by id (as an application does) and prints them in local time.
FEEDPARSER_SCRIPT = """\
import calendar, json, sys, time
from pathlib import Path
import feedparser

state_path, *urls = sys.argv[1:]
state_file = Path(state_path)
state = json.loads(state_file.read_text()) if state_file.exists() else {}
for url in urls:
    feed = state.setdefault(url, {"etag": None, "modified": None, "entries": {},
                                  "title": None})
    parsed = feedparser.parse(url, etag=feed["etag"], modified=feed["modified"])
    status = parsed.get("status")
    assert status in (200, 304), (url, status, parsed.get("bozo_exception"))
    if status == 304:
        continue
    assert not parsed.bozo, (url, parsed.bozo_exception)
    feed["etag"] = parsed.get("etag")
    feed["modified"] = parsed.get("modified")
    feed["title"] = parsed.feed.get("title")
    for entry in parsed.entries:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        stamp = calendar.timegm(when)
        local = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp))
        feed["entries"][entry.id] = {"title": entry.title, "local": local, "stamp": stamp}
state_file.write_text(json.dumps(state))
"""


class Feedparser(Reader):
    """feedparser polling with etag and modified, entries kept by id between polls."""

    name = "feedparser"
    formats = ("atom", "rss")
    shows_feed_titles = True

    def __init__(self, home: Path, zone: str, base: str, feeds: list[str]) -> None:
        need_module("feedparser", "feedparser")
        super().__init__(home, zone, base, feeds)
        self.state = home / "state.json"

    def poll(self) -> None:
        run([sys.executable, "-c", FEEDPARSER_SCRIPT, str(self.state),
             *map(self.url, self.feeds)], self.env, "feedparser", cwd=self.home)

    def load(self) -> dict:
        return json.loads(self.state.read_text()) if self.state.exists() else {}

    def shown(self) -> list[Shown]:
        return [Shown(self.feed_of(url), e["title"], datetime.fromisoformat(e["local"]),
                      e["stamp"])
                for url, feed in self.load().items() for e in feed["entries"].values()]

    def feed_titles(self) -> dict[str, str]:
        return {self.feed_of(url): feed["title"] for url, feed in self.load().items()}


READERS: dict[str, type[Reader]] = {
    reader.name: reader for reader in (Sfeed, Rss2email, ReaderLibrary, Feedparser)}
