"""A real feed reader: newsboat subscribes to the served feeds and keeps them in step.

newsboat runs headless (`-x reload`) with its own HOME, config, urls file and sqlite
cache, against (a) `seedfeed serve` over a copy of the bundled seeds and (b) a static
build of them under Python's http.server.  The cache is read with sqlite3 and compared
with the site's JSON Feeds (the same entries in another format); the server's access log
shows the 304s of polite polling.

newsboat keys items by guid across all feeds (newsboat issues #898, #1402): an entry that
is in a section feed and in the "all" feed is one item, filed under whichever feed was
reloaded last.  So with the OPML's subscriptions the cache must hold every entry of every
feed exactly once; one profile per feed checks each feed on its own, in RSS and Atom.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from feedcheck import opml_feed_urls
from livesites import (
    NEW_TITLE,
    LogTail,
    add_item,
    app_server,
    base_url,
    build,
    fetch,
    free_port,
    seeds_copy,
    static_server,
    wait_for,
)

from seedfeed.load import load_seeds

NEWSBOAT = shutil.which("newsboat")
pytestmark = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat is not installed (Debian package: newsboat)")

# newsboat 2.21 sends its first conditional request on the third reload of a feed.
CONDITIONAL_FROM_RELOAD = 3
RELOADS = 4

Items = dict[str, str]  # guid (entry id) -> title


@dataclass
class Site:
    kind: str
    base: str  # with a trailing slash, as in the feeds
    seeds: Path
    access_log: Path
    edit: Callable[[], None]  # add NEW_ITEM to the seeds and publish it
    republish: Callable[[], None]  # publish the seeds as they are now (the app: no-op)


@pytest.fixture(params=["app", "static"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The bundled seeds served by the app or as a static build, on their own port."""
    port = free_port()
    base = base_url(port)
    seeds = seeds_copy(tmp_path, base)
    access_log = tmp_path / "access.log"
    if request.param == "app":
        def edit() -> None:
            add_item(seeds)
            wait_for(lambda: NEW_TITLE in json_items(base, "news").values(),
                     "the app to serve the edited seed")

        with app_server(seeds, port, access_log=access_log, log=tmp_path / "server.log"):
            yield Site("app", base, seeds, access_log, edit, lambda: None)
    else:
        out = tmp_path / "feeds"
        build(seeds, out, base)

        def edit() -> None:
            add_item(seeds)
            build(seeds, out, base)

        with static_server(out, port, log=access_log):
            yield Site("static", base, seeds, access_log, edit, lambda: build(seeds, out, base))


def json_items(base: str, slug: str) -> Items:
    """The entries of a feed as its JSON Feed gives them: id -> title."""
    status, _headers, body = fetch(f"{base}{slug}.json")
    assert status == 200, slug
    return {item["id"]: item["title"] for item in json.loads(body)["items"]}


def title_of(base: str, url: str) -> str:
    """A feed's title, as its JSON Feed gives it."""
    status, _headers, body = fetch(f"{base}{feed_slug(url)}.json")
    assert status == 200
    return json.loads(body)["title"]


def seed_entries(seeds: Path) -> Items:
    """What the seeds say (as `seedfeed entries` prints it): id -> title, every entry."""
    corpus = load_seeds(seeds)
    assert len(corpus.entries) <= corpus.settings.entries_per_feed  # all fit in "all"
    return {entry.id: entry.title for entry in corpus.entries}


def feed_slug(url: str) -> str:
    """news for http://host/news.atom."""
    return url.rsplit("/", 1)[-1].rsplit(".", 1)[0]


class Newsboat:
    """One headless newsboat profile: HOME, config, urls file and cache in one folder."""

    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir()
        self.urls = home / "urls"
        self.cache = home / "cache.db"
        self.config = home / "config"
        self.errors = home / "error.log"
        self.config.write_text(
            "reload-threads 1\n"
            "download-timeout 10\n"
            "download-retries 1\n"
            "show-read-feeds yes\n"
            "browser /bin/false\n"
            f'error-log "{self.errors}"\n', encoding="utf-8")
        self.urls.touch()

    def run(self, *args: str) -> str:
        env = {"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
               "XDG_DATA_HOME": str(self.home / ".local"), "PATH": os.defpath,
               "LANG": "C.UTF-8", "TERM": "dumb", "no_proxy": "*"}
        result = subprocess.run(
            [NEWSBOAT or "newsboat", "-u", str(self.urls), "-c", str(self.cache),
             "-C", str(self.config), *args],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
            check=False)
        assert result.returncode == 0, f"newsboat {args}: {result.stdout}{result.stderr}"
        return result.stdout

    def import_opml(self, path: Path) -> None:
        self.run("-i", str(path))

    def reload(self) -> None:
        self.run("-x", "reload")
        errors = self.errors.read_text(encoding="utf-8") if self.errors.exists() else ""
        assert errors.strip() == "", f"newsboat reported errors:\n{errors}"

    def subscriptions(self) -> list[str]:
        return [line.split()[0] for line in self.urls.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]

    def query(self, sql: str, *params: str) -> list[tuple[str, ...]]:
        with closing(sqlite3.connect(f"file:{self.cache}?mode=ro", uri=True)) as db:
            return db.execute(sql, params).fetchall()

    def items(self) -> list[tuple[str, str, str]]:
        """(guid, title, feed URL) of every item newsboat holds, deleted or not."""
        return self.query("SELECT guid, title, feedurl FROM rss_item ORDER BY id")

    def feeds(self) -> dict[str, str]:
        """Feed URL -> title of every feed in the cache."""
        return dict(self.query("SELECT rssurl, title FROM rss_feed"))  # type: ignore[arg-type]


def assert_holds_each_once(reader: Newsboat, expected: Items, feeds: dict[str, Items]) -> None:
    """The cache holds exactly the expected entries, each once, titled right and filed
    under a feed that carries it."""
    items = reader.items()
    counts = Counter(guid for guid, _title, _feed in items)
    duplicated = {guid: n for guid, n in counts.items() if n > 1}
    assert not duplicated, f"newsboat holds entries more than once: {duplicated}"
    assert {guid: title for guid, title, _feed in items} == expected
    for guid, _title, feed in items:
        assert guid in feeds[feed], f"{guid} filed under {feed}, which does not carry it"


def test_newsboat_holds_every_entry_of_each_feed_in_rss_and_atom(site: Site,
                                                                 tmp_path: Path) -> None:
    """One profile per feed and format: newsboat reads each feed whole, titles intact."""
    urls = [url for name in ("feeds.opml", "all.opml")
            for url in opml_feed_urls(fetch(site.base + name)[2])]
    slugs = [feed_slug(url) for url in urls]
    assert slugs[-1] == "all" and len(slugs) >= 2, slugs
    for slug in slugs:
        expected = json_items(site.base, slug)
        assert expected, f"{slug} has no entries"
        for fmt in ("atom", "rss"):
            url = f"{site.base}{slug}.{fmt}"
            reader = Newsboat(tmp_path / f"{slug}-{fmt}")
            reader.urls.write_text(url + "\n", encoding="utf-8")
            reader.reload()
            assert sorted(reader.items()) == sorted(
                (guid, title, url) for guid, title in expected.items()), url
            assert reader.feeds() == {url: title_of(site.base, url)}


def test_newsboat_subscribes_by_opml_polls_politely_and_sees_an_edit(site: Site,
                                                                     tmp_path: Path) -> None:
    # Subscribe the way a person does: save feeds.opml, let newsboat import it.
    status, _headers, opml = fetch(site.base + "feeds.opml")
    assert status == 200
    (tmp_path / "feeds.opml").write_bytes(opml)
    reader = Newsboat(tmp_path / "newsboat")
    reader.import_opml(tmp_path / "feeds.opml")
    urls = opml_feed_urls(opml)
    assert reader.subscriptions() == urls
    assert all(url.startswith(site.base) for url in urls), urls
    paths = sorted("/" + url.removeprefix(site.base) for url in urls)

    def carried() -> dict[str, Items]:
        return {url: json_items(site.base, feed_slug(url)) for url in urls}

    def union(feeds: dict[str, Items]) -> Items:
        return {guid: title for items in feeds.values() for guid, title in items.items()}

    # Every reload polls each subscribed feed once; unchanged feeds get 304 once newsboat
    # sends conditional requests (its third reload).
    log = LogTail(site.access_log)
    log.skip()
    before = carried()
    assert union(before) == seed_entries(site.seeds)
    for reload in range(1, RELOADS + 1):
        reader.reload()
        requests = sorted(log.new_requests(paths, at_least=len(urls)))
        assert [path for path, _status in requests] == paths, f"reload {reload}: {requests}"
        statuses = {status for _path, status in requests}
        if reload == 1:
            assert statuses == {200}, requests
            assert reader.feeds() == {url: title_of(site.base, url) for url in urls}
            assert_holds_each_once(reader, union(before), before)
        elif reload >= CONDITIONAL_FROM_RELOAD:
            assert statuses == {304}, f"reload {reload} of unchanged feeds: {requests}"
        else:
            assert statuses <= {200, 304}, requests
    assert_holds_each_once(reader, union(before), before)

    # An edited seed: the next reload fetches the changed feeds and adds just the new entry.
    site.edit()
    after = carried()
    assert union(after) == seed_entries(site.seeds)
    new = set(union(after)) - set(union(before))
    assert [union(after)[guid] for guid in new] == [NEW_TITLE]
    reader.reload()
    requests = sorted(log.new_requests(paths, at_least=len(urls)))
    assert requests == [(path, 200) for path in paths], requests
    assert_holds_each_once(reader, union(after), after)
    assert len(reader.items()) == len(union(before)) + 1
    (new_guid,) = new
    assert reader.query("SELECT unread FROM rss_item WHERE guid = ?", new_guid) == [(1,)]

    reader.reload()  # and again: still nothing twice
    assert_holds_each_once(reader, union(after), after)



def test_newsboat_holds_an_entry_once_after_a_corrected_re_scrape(site: Site,
                                                                   tmp_path: Path) -> None:
    """The next scrape of a page fixes its wording: the entry keeps its id and URL, so a
    reader shows it once, with the new title."""
    url = f"{site.base}news.atom"
    reader = Newsboat(tmp_path / "newsboat")
    reader.urls.write_text(url + "\n", encoding="utf-8")
    reader.reload()
    before = json_items(site.base, "news")
    seed = next(path for path in sorted((site.seeds / "news").glob("*.txt"))
                if "met with the Deputy Prime Minister" in path.read_text(encoding="utf-8"))
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        "met with the Deputy Prime Minister", "met with the First Deputy Prime Minister", 1),
        encoding="utf-8")
    site.republish()
    wait_for(lambda: any("First Deputy" in title for title in json_items(
        site.base, "news").values()), "the re-scrape to be published")
    after = json_items(site.base, "news")
    assert after.keys() == before.keys()
    reader.reload()
    assert_holds_each_once(reader, after, {url: after})
    assert len(reader.items()) == len(before)
