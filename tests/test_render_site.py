"""A corpus to every document of the site (seedfeed.render.site), and re-rendering.

The same function feeds the static build and the web app: these tests pin down which
documents exist, their metadata, and which ones a second rendering reuses.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import feedparser
import pytest
from feedcheck import check_atom, check_jsonfeed, check_opml, check_rss, opml_feed_urls
from gencorpus import write_corpus
from sites import (
    BASE_URL,
    HOSTILE_ENTRIES,
    RU_SECTION,
    RU_SLUG,
    SITES,
    SLUGS,
    T0,
    age_seeds,
    entry_path,
    hostile_seeds,
    render_variant,
    set_mtimes,
    write_seeds,
)

from seedfeed.load import Loader, load_seeds
from seedfeed.render.links import section_slugs
from seedfeed.render.site import Document, RenderedSite, content_digest, render_site

MEDIA = {"rss": "application/rss+xml", "atom": "application/atom+xml",
         "json": "application/feed+json", "html": "text/html", "opml": "text/x-opml",
         "css": "text/css"}


def _expected_paths(sections: list[str], entries: list) -> set[str]:
    paths = {"index.html", "feeds.opml", "style.css"}
    for slug in ["all", *sections]:
        paths |= {f"{slug}.rss", f"{slug}.atom", f"{slug}.json"}
    paths |= {f"{slug}/index.html" for slug in sections}
    paths |= {entry_path(entry) for entry in entries}
    return paths


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return hostile_seeds(tmp_path)


def test_the_site_has_exactly_its_documents(seeds: Path) -> None:
    corpus = load_seeds(seeds)
    site = render_site(corpus)
    assert set(site.documents) == _expected_paths(["news", RU_SLUG], list(corpus.entries))
    assert len(corpus.entries) == HOSTILE_ENTRIES
    assert site.sections == 2
    assert site.rendered == len(site.documents)
    for path, document in site.documents.items():
        assert document.path == path
        assert document.media_type == MEDIA[path.rsplit(".", 1)[1]]
        assert document.digest == content_digest(document.body)
        assert document.body


@pytest.mark.parametrize("name", SITES)
def test_every_feed_item_links_to_its_entry_page(tmp_path: Path, name: str) -> None:
    parsed, files = render_variant(name, tmp_path)
    base = parsed.settings.base_url
    for path, body in files.items():
        fmt = path.rsplit(".", 1)[1]
        if fmt in ("rss", "atom"):
            links = [item.link for item in feedparser.parse(body).entries]
        elif fmt == "json":
            links = [item["url"] for item in json.loads(body)["items"]]
        else:
            continue
        assert links, path
        for link in links:
            assert link.startswith(base)
            page = link.removeprefix(base)
            assert page in files and page.endswith(".html") and "/" in page, (path, link)


def test_last_modified_is_the_newest_seed_behind_each_document(seeds: Path) -> None:
    seed_mtimes = age_seeds(seeds)  # site.toml is the newest but one: listing.txt is newer
    set_mtimes(seeds, {"site.toml": T0 + 0.5})  # ... and make it the oldest of all
    seed_mtimes["site.toml"] = T0 + 0.5
    corpus = load_seeds(seeds)
    site = render_site(corpus)
    settings = int(seed_mtimes["site.toml"])
    sections = {
        name: int(max(t for rel, t in seed_mtimes.items() if rel.startswith(SLUGS[name] + "/")
                      or rel.startswith(name + "/")))
        for name in ("news", RU_SECTION)
    }
    newest = int(max(seed_mtimes.values()))
    for entry in corpus.entries:
        source = entry.source.rsplit(":", 1)[0]
        assert site.documents[entry_path(entry)].last_modified == max(
            int(seed_mtimes[source]), settings)
    for name, mtime in sections.items():
        slug = SLUGS[name]
        for path in (f"{slug}.rss", f"{slug}.atom", f"{slug}.json", f"{slug}/index.html"):
            assert site.documents[path].last_modified == mtime, path
    for path in ("all.rss", "all.atom", "all.json", "index.html", "feeds.opml"):
        assert site.documents[path].last_modified == newest, path
    assert site.documents["style.css"].last_modified == settings
    assert len(set(sections.values())) == 2 and newest == max(sections.values())


def test_settings_are_behind_every_document(seeds: Path) -> None:
    age_seeds(seeds)
    set_mtimes(seeds, {"site.toml": T0 + 10**6 + 0.9})
    site = render_site(load_seeds(seeds))
    assert {d.last_modified for d in site.documents.values()} == {T0 + 10**6}


def test_rendering_twice_gives_the_same_bytes(seeds: Path) -> None:
    first = render_site(load_seeds(seeds))
    second = render_site(load_seeds(seeds))
    assert {p: d.body for p, d in first.documents.items()} == {
        p: d.body for p, d in second.documents.items()}


def test_unchanged_corpus_reuses_every_document(seeds: Path) -> None:
    loader = Loader(seeds)
    first = render_site(loader.load())
    second = render_site(loader.load(), first)
    assert second.rendered == 0
    assert all(second.documents[path] is document
               for path, document in first.documents.items())
    assert set(second.documents) == set(first.documents)


def test_a_changed_seed_re_renders_only_what_depends_on_it(seeds: Path) -> None:
    age_seeds(seeds)
    loader = Loader(seeds)
    first = render_site(loader.load())
    ru = seeds / RU_SECTION / "ru.txt"
    ru.write_text(ru.read_text().replace("безопасности", "безопасности и мира"))
    set_mtimes(seeds, {f"{RU_SECTION}/ru.txt": T0 + 10**6})
    corpus = loader.load()
    second = render_site(corpus, first)
    changed = {path for path, document in second.documents.items()
               if document.digest != first.documents[path].digest}
    article = next(e for e in corpus.entries if e.title == "Заседание Совета министров")
    assert changed == {entry_path(article), f"{RU_SLUG}.rss", f"{RU_SLUG}.atom",
                       f"{RU_SLUG}.json", "all.rss", "all.atom", "all.json"}
    # The section page, the index and the OPML were looked at again but did not change;
    # everything of the Russian section now dates from its seed's new mtime.
    assert second.rendered < len(second.documents)
    assert {d.last_modified for path, d in second.documents.items()
            if path.startswith(RU_SLUG)} == {T0 + 10**6}
    assert not [path for path in second.documents if path.startswith("news")
                and second.documents[path] is not first.documents[path]]


def test_removing_a_seed_moves_last_modified_by_its_folder(seeds: Path) -> None:
    """What is left after a removal is older: the folder's mtime says when it changed."""
    age_seeds(seeds)
    loader = Loader(seeds)
    first = render_site(loader.load())
    os.unlink(seeds / "news" / "listing.txt")
    removed_at = T0 + 5 * 10**6
    os.utime(seeds / "news", (removed_at + 0.5, removed_at + 0.5))
    second = render_site(loader.load(), first)
    for path in ("news.rss", "news.atom", "news.json", "news/index.html", "all.rss",
                 "index.html"):
        assert second.documents[path].digest != first.documents[path].digest, path
        assert second.documents[path].last_modified == removed_at, path
    assert {d.last_modified for p, d in second.documents.items() if p.startswith(RU_SLUG)} \
        == {d.last_modified for p, d in first.documents.items() if p.startswith(RU_SLUG)}


def test_new_settings_render_everything_again(tmp_path: Path) -> None:
    first = render_site(load_seeds(hostile_seeds(tmp_path)))
    seeds = hostile_seeds(tmp_path, base_url="https://mirror.example.net/news/")
    second = render_site(load_seeds(seeds), first)
    assert second.rendered == len(second.documents)
    for path, document in second.documents.items():
        if path.endswith((".rss", ".atom", ".json", ".opml")):
            assert b"https://mirror.example.net/news/" in document.body, path
            assert BASE_URL.encode() not in document.body, path


def test_a_site_without_entries_is_still_valid(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, {"site.toml": '[site]\nbase_url = "https://e.org/"\n'})
    site = render_site(load_seeds(seeds))
    assert set(site.documents) == {"index.html", "feeds.opml", "style.css", "all.rss",
                                   "all.atom", "all.json"}
    body = {path: document.body for path, document in site.documents.items()}
    assert check_rss(body["all.rss"], "https://e.org/all.rss") == []
    assert check_atom(body["all.atom"], "https://e.org/all.atom") == []
    assert check_jsonfeed(body["all.json"], "https://e.org/all.json") == []
    assert check_opml(body["feeds.opml"]) == []
    assert opml_feed_urls(body["feeds.opml"]) == ["https://e.org/all.atom"]


def test_previous_documents_without_bytes_are_reused_by_key(seeds: Path) -> None:
    """What a build keeps between runs: metadata only, the body stays on disk."""
    loader = Loader(seeds)
    first = render_site(loader.load())
    slim = RenderedSite(settings=first.settings, keys=dict(first.keys), documents={
        path: Document(path, b"", d.media_type, d.last_modified, d.digest)
        for path, d in first.documents.items()}, sections_rendered=first.sections_rendered)
    second = render_site(loader.load(), slim)
    assert second.rendered == 0
    # Without the sections entry pages were rendered for, no entry page can be trusted.
    slim.sections_rendered = {}
    entry_pages = sum(1 for path in first.documents if path.count("/") == 1
                      and not path.endswith("/index.html"))
    assert render_site(loader.load(), slim).rendered == entry_pages
    assert all(second.documents[path] is slim.documents[path] for path in slim.documents)


def test_sections_never_share_files(tmp_path: Path) -> None:
    """Folders that slugify alike ("a b", "a-b") or to "all" must not overwrite anything."""
    seeds = write_seeds(tmp_path, {
        "a-b/x.txt": "On 2 March 2024, the hyphen section spoke.\n",
        "a b/x.txt": "On 1 March 2024, the spaced section spoke.\n",
        "All!/x.txt": "On 3 March 2024, the loud section spoke.\n",
    })
    corpus = load_seeds(seeds)
    site = render_site(corpus)
    feeds = sorted(path for path in site.documents if path.endswith(".atom"))
    assert len(feeds) == 4  # three sections and the combined feed
    assert "a-b.atom" in feeds  # a folder already named as its URL keeps that URL
    assert len(feedparser.parse(site.documents["all.atom"].body).entries) == 3
    urls = opml_feed_urls(site.documents["feeds.opml"].body)
    assert sorted(url.removeprefix("http://127.0.0.1:8000/") for url in urls) == feeds
    pages = [path for path in site.documents if path.count("/") == 1
             and not path.endswith("index.html")]
    assert len(pages) == 3
    for entry in corpus.entries:  # each section's feed holds its own entry only
        (own,) = [path for path in pages if path.endswith(f"/{entry.slug}.html")]
        slug = own.split("/")[0]
        items = feedparser.parse(site.documents[f"{slug}.atom"].body).entries
        assert [item.id for item in items] == [entry.id]


def test_section_slugs_are_unique_stable_and_readable() -> None:
    names = ["news", "a-b", "a b", "A B", "All!", "Мировые новости", "???"]
    slugs = section_slugs(names)
    assert section_slugs(reversed(names)) == slugs  # not the order they were found in
    assert len(set(slugs.values())) == len(names) and "all" not in slugs.values()
    assert (slugs["news"], slugs["a-b"]) == ("news", "a-b")  # already URL names: kept
    assert slugs["Мировые новости"] == "mirovye-novosti"
    assert slugs["???"] == "section"
    for name in ("a b", "A B", "All!"):
        assert re.fullmatch(r"(a-b|all)-[0-9a-f]{6}", slugs[name]), slugs[name]


class _Placer:
    """Records where each page was placed: which process, with which bytes."""

    def __init__(self) -> None:
        self.prepared: list[str] = []

    def prepare(self, paths: list[str]) -> None:
        self.prepared.extend(paths)

    def __call__(self, path: str, body: bytes, last_modified: int) -> object:
        return os.getpid(), content_digest(body), last_modified


def test_on_several_processes_pages_are_placed_where_they_are_rendered(tmp_path: Path) -> None:
    """The static build's placer writes each page in the process that rendered it: its
    document comes back with no bytes, and only what the placer returned."""
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 1200)
    corpus = load_seeds(seeds)
    alone = render_site(corpus)
    placer = _Placer()
    site = render_site(corpus, jobs=2, placer=placer)
    assert set(site.placed) == set(placer.prepared)
    assert len(site.placed) > len(corpus.entries)  # every entry page, the feeds too
    assert {pid for pid, _, _ in site.placed.values()} - {os.getpid()}  # placed elsewhere
    for path, document in site.documents.items():
        expected = alone.documents[path]
        assert document.digest == expected.digest
        if path in site.placed:
            assert document.body == b""
            assert site.placed[path][1:] == (expected.digest, expected.last_modified)
        else:
            assert document.body == expected.body
