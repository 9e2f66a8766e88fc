"""The whole history in feeds: RFC 5005 archived feeds, JSON Feed paging, categories.

Every feed (each section's and the combined one) keeps its newest entries_per_feed
entries in the subscription document and all of them in archive documents of as many
entries, numbered from the oldest; complete pages only, so that an archive document never
changes once published.  The tests walk the archives as RFC 5005 section 4.2 tells a
client to (prev-archive from the subscription document) and read them with feedparser.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import feedparser
import pytest
from feedcheck import check_atom, check_jsonfeed, check_rss
from lxml import etree
from sites import write_seeds

from seedfeed.load import load_seeds
from seedfeed.publish import build
from seedfeed.web import create_app

BASE = "https://news.example.org/"
PER_FEED = 3
ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"


def site_toml(per_feed: int = PER_FEED) -> str:
    return (f'[site]\nbase_url = "{BASE}"\nentries_per_feed = {per_feed}\n\n'
            '[sections.harbour]\ntitle = "Harbour news"\n\n'
            '[sections.rail]\ntitle = "Rail news"\n')


def listing(section: str, days: range) -> str:
    return "\n\n".join(f"On {day} April 2025, the {section} office posted notice number {day} "
                       f"about works on {section} line {day % 4}." for day in reversed(days))


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return write_seeds(tmp_path, {"site.toml": site_toml(),
                                  "harbour/a.txt": listing("harbour", range(1, 12)),
                                  "rail/b.txt": listing("rail", range(1, 8))})


def built(seeds: Path, out: Path) -> dict[str, bytes]:
    build(seeds, out, now=time.time(), state=out.parent / f"{out.name}.sqlite")
    return {path.relative_to(out).as_posix(): path.read_bytes()
            for path in out.rglob("*") if path.is_file()}


def link(document: bytes, rel: str) -> str | None:
    """The href of an Atom link (RSS: atom:link) with this rel, if any."""
    found = etree.fromstring(document).xpath(f"//*[local-name()='link'][@rel='{rel}']/@href")
    return str(found[0]) if found else None


def walk(files: dict[str, bytes], feed: str) -> list[list[str]]:
    """The entry ids of the subscription document, then of each archive document from the
    newest, following prev-archive; each archive must link back to the subscription."""
    pages = [feed]
    while (older := link(files[pages[-1]], "prev-archive")) is not None:
        pages.append(older.removeprefix(BASE))
    ids = []
    for number, path in enumerate(pages):
        parsed = feedparser.parse(files[path])
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        ids.append([entry.id for entry in parsed.entries])
        if number:
            assert link(files[path], "current") == BASE + feed, path
    return ids


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize(("feed", "count"), [("harbour", 11), ("rail", 7), ("all", 18)])
def test_walking_the_archives_finds_every_entry_exactly_once(
        seeds: Path, tmp_path: Path, fmt: str, feed: str, count: int) -> None:
    files = built(seeds, tmp_path / "out")
    subscription, *archives = walk(files, f"{feed}.{fmt}")
    assert len(subscription) == PER_FEED
    assert len(archives) == count // PER_FEED
    assert all(len(page) == PER_FEED for page in archives)  # complete pages only
    archived = [entry for page in archives for entry in page]
    assert len(set(archived)) == len(archived)  # each once
    corpus = load_seeds(seeds)
    expected = [e.id for e in corpus.entries if feed == "all" or e.section == feed]
    assert set(archived) | set(subscription) == set(expected)  # nothing lost
    assert set(expected) - set(archived) <= set(subscription)  # the tail is subscribed
    # numbered from the oldest: page 1 holds the oldest entries
    assert archives[-1] == list(reversed(expected))[:PER_FEED][::-1]


def test_archive_documents_are_valid_and_marked(seeds: Path, tmp_path: Path) -> None:
    files = built(seeds, tmp_path / "out")
    archives = sorted(path for path in files if "/archive-" in path)
    assert archives == sorted(f"{feed}/archive-{n}.{fmt}" for feed, pages in
                              (("harbour", 3), ("rail", 2), ("all", 6))
                              for n in range(1, pages + 1) for fmt in ("atom", "rss", "json"))
    for path in archives:
        body, url = files[path], BASE + path
        if path.endswith(".atom"):
            assert check_atom(body, url) == [], path
        elif path.endswith(".rss"):
            assert check_rss(body, url) == [], path
        else:
            assert check_jsonfeed(body, url) == [], path
            continue
        root = etree.fromstring(body)
        assert root.find(f".//{FH}archive") is not None, path  # RFC 5005: an archive
    assert etree.fromstring(files["all.atom"]).find(f".//{FH}archive") is None


def test_json_feed_pages_through_next_url(seeds: Path, tmp_path: Path) -> None:
    files = built(seeds, tmp_path / "out")
    seen, url = [], BASE + "rail.json"
    while url:
        feed = json.loads(files[url.removeprefix(BASE)])
        seen += [item["id"] for item in feed["items"]]
        url = feed.get("next_url")
    subscription = json.loads(files["rail.json"])["items"]
    assert len(seen) == 7 + len(subscription) - 7 % PER_FEED  # the tail only twice over
    assert len(set(seen)) == 7


def test_complete_archives_never_change_as_entries_are_added(seeds: Path,
                                                             tmp_path: Path) -> None:
    before = built(seeds, tmp_path / "out")
    (seeds / "harbour" / "c.txt").write_text(listing("harbour", range(20, 22)),
                                             encoding="utf-8")
    after = built(seeds, tmp_path / "out")
    old = {path for path in before if "/archive-" in path}
    assert all(after[path] == before[path] for path in old)
    # 13 harbour entries now: a fourth complete page, where the third said it would be
    assert "harbour/archive-4.atom" in after and "harbour/archive-4.atom" not in before
    for fmt in ("atom", "rss"):
        assert link(before[f"harbour/archive-3.{fmt}"], "next-archive") == \
            f"{BASE}harbour/archive-4.{fmt}"
        assert link(after[f"harbour/archive-4.{fmt}"], "prev-archive") == \
            f"{BASE}harbour/archive-3.{fmt}"
    assert link(after["harbour.atom"], "prev-archive") == f"{BASE}harbour/archive-4.atom"


def test_the_combined_feed_tells_each_entry_s_section(seeds: Path, tmp_path: Path) -> None:
    files = built(seeds, tmp_path / "out")

    def combined(fmt: str) -> list[bytes]:  # the subscription document and the archives
        return [body for path, body in files.items()
                if path == f"all.{fmt}" or path.startswith("all/") and path.endswith(fmt)]

    atom = [entry for body in combined("atom") for entry in feedparser.parse(body).entries]
    assert len(atom) == 18 + PER_FEED and all(len(entry.tags) == 1 for entry in atom)
    assert {(entry.tags[0].term, entry.tags[0].label) for entry in atom} == {
        ("harbour", "Harbour news"), ("rail", "Rail news")}
    rss = [entry for body in combined("rss") for entry in feedparser.parse(body).entries]
    assert {tag.term for entry in rss for tag in entry.tags} == {"Harbour news", "Rail news"}
    items = [item for body in combined("json") for item in json.loads(body)["items"]]
    assert {tag for item in items for tag in item["tags"]} == {"Harbour news", "Rail news"}
    assert not [entry for entry in feedparser.parse(files["rail.atom"]).entries
                if entry.get("tags")]  # a section's own feed needs none


def test_the_server_sends_archives_as_immutable_and_the_same_bytes(
        seeds: Path, tmp_path: Path) -> None:
    files = built(seeds, tmp_path / "out")
    client = create_app(seeds, {"RELOAD_INTERVAL": 0,
                                "STATE": str(tmp_path / "out.sqlite")}).test_client()
    archive = client.get("/harbour/archive-2.atom")
    assert archive.status_code == 200
    assert archive.data == files["harbour/archive-2.atom"]
    assert archive.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    current = client.get("/harbour.atom")
    assert current.data == files["harbour.atom"]
    assert current.headers["Cache-Control"] == "public, max-age=300"
