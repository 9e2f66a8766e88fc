"""A corpus to every document of the site (seedfeed.render.site).

The same function feeds the static build and the web app: these tests pin down which
documents exist, their metadata, and their keys (equal keys must mean equal bytes, and a
change must change the keys of exactly the documents that show it).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import feedparser
import pytest
from feedcheck import check_atom, check_jsonfeed, check_opml, check_rss, opml_feed_urls
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

from seedfeed.corpus import Corpus
from seedfeed.load import Loader, load_seeds
from seedfeed.render.links import section_slugs
from seedfeed.render.site import Document, render_site

MEDIA = {"rss": "application/rss+xml", "atom": "application/atom+xml",
         "json": "application/feed+json", "html": "text/html", "opml": "text/x-opml",
         "css": "text/css", "svg": "image/svg+xml", "ico": "image/vnd.microsoft.icon"}


def _expected_paths(sections: list[str], entries: list) -> set[str]:
    paths = {"index.html", "feeds.opml", "all.opml", "style.css", "favicon.svg", "favicon.ico"}
    for slug in ["all", *sections]:
        paths |= {f"{slug}.rss", f"{slug}.atom", f"{slug}.json"}
    paths |= {f"{slug}/index.html" for slug in [*sections, "all"]}
    paths |= {entry_path(entry) for entry in entries}
    return paths


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return hostile_seeds(tmp_path)


def documents(corpus: Corpus) -> dict[str, Document]:
    return {document.path: document for document in render_site(corpus)}


def bodies(site: dict[str, Document]) -> dict[str, bytes]:
    return {path: document.render() for path, document in site.items()}


def changed_keys(first: dict[str, Document], second: dict[str, Document]) -> set[str]:
    """The documents whose key changed; asserts that every other one's bytes did not."""
    changed = {path for path, d in second.items() if first[path].key != d.key}
    for path in set(second) - changed:
        assert first[path].render() == second[path].render(), f"{path}: same key, new bytes"
    return changed


def test_the_site_has_exactly_its_documents(seeds: Path) -> None:
    corpus = load_seeds(seeds)
    site = documents(corpus)
    assert set(site) == _expected_paths(["news", RU_SLUG], list(corpus.entries))
    assert len(site) == len(render_site(corpus))  # no path twice
    assert len(corpus.entries) == HOSTILE_ENTRIES
    for path, document in site.items():
        assert document.media_type == MEDIA[path.rsplit(".", 1)[1]]
        assert document.render()


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
    site = documents(corpus)
    settings = int(seed_mtimes["site.toml"])
    sections = {
        name: int(max(t for rel, t in seed_mtimes.items() if rel.startswith(SLUGS[name] + "/")
                      or rel.startswith(name + "/")))
        for name in ("news", RU_SECTION)
    }
    newest = int(max(seed_mtimes.values()))
    for entry in corpus.entries:
        source = entry.source.rsplit(":", 1)[0]
        assert site[entry_path(entry)].mtime == max(int(seed_mtimes[source]), settings)
    for name, mtime in sections.items():
        slug = SLUGS[name]
        for path in (f"{slug}.rss", f"{slug}.atom", f"{slug}.json", f"{slug}/index.html"):
            assert site[path].mtime == mtime, path
    for path in ("all.rss", "all.atom", "all.json", "index.html", "feeds.opml"):
        assert site[path].mtime == newest, path
    assert site["style.css"].mtime == settings
    assert len(set(sections.values())) == 2 and newest == max(sections.values())


def test_settings_are_behind_every_document(seeds: Path) -> None:
    age_seeds(seeds)
    set_mtimes(seeds, {"site.toml": T0 + 10**6 + 0.9})
    assert {d.mtime for d in documents(load_seeds(seeds)).values()} == {T0 + 10**6}


def test_rendering_twice_gives_the_same_bytes_and_keys(seeds: Path) -> None:
    first, second = documents(load_seeds(seeds)), documents(load_seeds(seeds))
    assert bodies(first) == bodies(second)
    assert {p: d.key for p, d in first.items()} == {p: d.key for p, d in second.items()}
    # (a feed's three formats share one key)
    assert len({d.key for d in first.values()}) == len(first) - 2 * 3


def test_a_changed_seed_changes_the_keys_of_what_shows_it(seeds: Path) -> None:
    age_seeds(seeds)
    loader = Loader(seeds)
    first = documents(loader.load())
    ru = seeds / RU_SECTION / "ru.txt"
    ru.write_text(ru.read_text().replace("безопасности", "безопасности и мира"))
    set_mtimes(seeds, {f"{RU_SECTION}/ru.txt": T0 + 10**6})
    corpus = loader.load()
    second = documents(corpus)
    article = next(e for e in corpus.entries if e.title == "Заседание Совета министров")
    shows = {entry_path(article), f"{RU_SLUG}.rss", f"{RU_SLUG}.atom", f"{RU_SLUG}.json",
             "all.rss", "all.atom", "all.json", f"{RU_SLUG}/index.html",
             "index.html",  # (the front page lists the newest few of each section)
             "all/index.html"}  # (and the page of every section's newest)
    # (and the pages of the entries next to it in its section, which link it by title)
    section = [e for e in corpus.entries if e.section == article.section]
    at = section.index(article)
    shows |= {entry_path(e) for e in section[max(0, at - 1):at + 2]}
    assert changed_keys(first, second) == shows
    assert {d.mtime for path, d in second.items() if path.startswith(RU_SLUG)} == {T0 + 10**6}


def test_removing_a_seed_moves_the_mtime_by_its_folder(seeds: Path) -> None:
    """What is left after a removal is older: the folder's mtime says when it changed."""
    age_seeds(seeds)
    loader = Loader(seeds)
    first = documents(loader.load())
    os.unlink(seeds / "news" / "listing.txt")
    removed_at = T0 + 5 * 10**6
    os.utime(seeds / "news", (removed_at + 0.5, removed_at + 0.5))
    second = documents(loader.load())
    changed = changed_keys(first, {p: d for p, d in second.items() if p in first})
    for path in ("news.rss", "news.atom", "news.json", "news/index.html", "all.rss",
                 "index.html"):
        assert path in changed and second[path].mtime == removed_at, path
    assert {d.mtime for p, d in second.items() if p.startswith(RU_SLUG)} \
        == {d.mtime for p, d in first.items() if p.startswith(RU_SLUG)}


def test_new_settings_change_every_key(tmp_path: Path) -> None:
    first = documents(load_seeds(hostile_seeds(tmp_path)))
    seeds = hostile_seeds(tmp_path, base_url="https://mirror.example.net/news/")
    second = documents(load_seeds(seeds))
    assert all(first[path].key != d.key for path, d in second.items()
               if path not in ("style.css", "favicon.svg", "favicon.ico"))
    for path, body in bodies(second).items():
        if path.endswith((".rss", ".atom", ".json", ".opml")):
            assert b"https://mirror.example.net/news/" in body, path
            assert BASE_URL.encode() not in body, path


def test_a_site_without_entries_is_still_valid(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, {"site.toml": '[site]\nbase_url = "https://e.org/"\n'})
    body = bodies(documents(load_seeds(seeds)))
    assert set(body) == {"index.html", "feeds.opml", "all.opml", "style.css", "favicon.svg",
                         "favicon.ico", "all.rss", "all.atom", "all.json", "all/index.html"}
    assert check_rss(body["all.rss"], "https://e.org/all.rss") == []
    assert check_atom(body["all.atom"], "https://e.org/all.atom") == []
    assert check_jsonfeed(body["all.json"], "https://e.org/all.json") == []
    assert check_opml(body["feeds.opml"]) == []
    assert check_opml(body["all.opml"]) == []
    assert opml_feed_urls(body["feeds.opml"]) == opml_feed_urls(body["all.opml"]) == [
        "https://e.org/all.atom"]


def test_sections_never_share_files(tmp_path: Path) -> None:
    """Folders that slugify alike ("a b", "a-b") or to "all" must not overwrite anything."""
    seeds = write_seeds(tmp_path, {
        "a-b/x.txt": "On 2 March 2024, the hyphen section spoke.\n",
        "a b/x.txt": "On 1 March 2024, the spaced section spoke.\n",
        "All!/x.txt": "On 3 March 2024, the loud section spoke.\n",
    })
    corpus = load_seeds(seeds)
    site = bodies(documents(corpus))
    feeds = sorted(path for path in site if path.endswith(".atom"))
    assert len(feeds) == 4  # three sections and the combined feed
    assert "a-b.atom" in feeds  # a folder already named as its URL keeps that URL
    assert len(feedparser.parse(site["all.atom"]).entries) == 3
    urls = opml_feed_urls(site["feeds.opml"]) + opml_feed_urls(site["all.opml"])
    assert sorted(url.removeprefix("http://127.0.0.1:8000/") for url in urls) == feeds
    pages = [path for path in site if path.count("/") == 1 and not path.endswith("index.html")]
    assert len(pages) == 3
    for entry in corpus.entries:  # each section's feed holds its own entry only
        (own,) = [path for path in pages if path.endswith(f"/{entry.slug}.html")]
        slug = own.split("/")[0]
        items = feedparser.parse(site[f"{slug}.atom"]).entries
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
