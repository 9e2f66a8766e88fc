"""HTML pages (seedfeed.render.pages and its templates): index, section and entry pages."""

from __future__ import annotations

import html
import posixpath
from pathlib import Path

import lxml.html
import pytest
from feedcheck import check_html_autodiscovery
from sites import (
    FORMATS,
    RU_SECTION,
    RU_SLUG,
    SCRIPT,
    SITES,
    SLUGS,
    entry_path,
    hostile_seeds,
    render,
    render_variant,
)

from seedfeed.corpus import Corpus
from seedfeed.i18n import long_date, translations
from seedfeed.render.pages import chrome, render_page, stylesheet

TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml",
         "json": "application/feed+json"}


@pytest.fixture(scope="module", params=SITES)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         ) -> tuple[Corpus, dict[str, bytes]]:
    return render_variant(request.param, tmp_path_factory.mktemp(request.param))


def _pages(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: body for path, body in files.items() if path.endswith(".html")}


def _doc(body: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(body)


def _text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _resolve(page: str, href: str) -> str:
    """A relative href on page `page` as a path under the output root."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), href))
    return target + "/index.html" if href.endswith("/") else target


def _sections(parsed: Corpus) -> list[str]:
    return sorted({entry.section for entry in parsed.entries})


# --------------------------------------------------------------------------- every page


def test_every_page_declares_the_site_language(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    for path, body in _pages(files).items():
        assert _doc(body).get("lang") == parsed.settings.language, path


def test_every_page_is_readable_without_javascript(site: tuple[Corpus, dict[str, bytes]]) -> None:
    _parsed, files = site
    for path, body in _pages(files).items():
        doc = _doc(body)
        assert body.startswith(b"<!doctype html>"), path
        assert doc.find("head/meta[@charset]").get("charset") == "utf-8"
        assert doc.find("head/meta[@name='viewport']") is not None, path
        assert list(doc.iter("script")) == [], path
        styles = [link.get("href") for link in doc.iterfind("head/link[@rel='stylesheet']")]
        assert [_resolve(path, href) for href in styles] == ["style.css"], path
        canonical = doc.find("head/link[@rel='canonical']").get("href")
        assert canonical.startswith(("http://", "https://")), path
        assert doc.find("body/main") is not None


def test_every_local_link_leads_to_a_document(site: tuple[Corpus, dict[str, bytes]]) -> None:
    _parsed, files = site
    for path, body in _pages(files).items():
        for element, _attr, href, _pos in _doc(body).iterlinks():
            if element.tag == "link" and element.get("rel") == "canonical":
                continue
            assert _resolve(path, href) in files, (path, href)


def test_seed_text_is_escaped_on_every_page(tmp_path: Path) -> None:
    parsed, files = render(hostile_seeds(tmp_path))
    for path, body in _pages(files).items():
        assert b"<script" not in body.lower(), path
        assert b"</b>" not in body and b"<i>" not in body, path  # titles hold those as text
    for entry in parsed.entries:
        page = _doc(files[entry_path(entry)])
        assert _text(page.find(".//h1")) == " ".join(entry.title.split())
        if SCRIPT in entry.title:  # shown as text, exactly as written
            assert SCRIPT in page.find(".//article").text_content()
    index = _doc(files["index.html"])
    assert index.findtext("head/title") == parsed.settings.title
    assert _text(index.find(".//h1")) == parsed.settings.title


# --------------------------------------------------------------------------- index


def test_index_autodiscovers_every_feed_in_every_format(
        site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    found = check_html_autodiscovery(files["index.html"])
    slugs = [SLUGS[name] for name in _sections(parsed)] + ["all"]
    expected = [(TYPES[fmt], f"{slug}.{fmt}") for slug in slugs
                for fmt in ("atom", "rss", "json")]
    assert sorted(found) == sorted(expected)
    assert len(found) == len(set(found)) == len(FORMATS) * len(slugs)
    for _type, href in found:
        assert href in files


def test_index_cards_show_count_and_newest_entry(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    cards = _doc(files["index.html"]).find_class("card")
    sections = _sections(parsed)
    assert len(cards) == len(sections) + 1  # and one for everything
    for card, name in zip(cards, sections, strict=False):
        entries = [entry for entry in parsed.entries if entry.section == name]
        heading = card.find(".//h2/a")
        assert _text(heading) == parsed.settings.section(name).title
        assert heading.get("href") == f"{SLUGS[name]}/"
        meta = _text(card.find_class("meta")[0])
        words = translations(parsed.settings.language)  # (see test_i18n for the words)
        count = words.ngettext("%(count)s entry", "%(count)s entries", len(entries))
        assert meta.startswith(count % {"count": len(entries)}), meta
        newest = card.find_class("meta")[0].find("a")
        assert newest.get("href") == entry_path(entries[0])
        assert _text(newest) == " ".join(entries[0].title.split())
        day = entries[0].published.date()
        time = card.find_class("meta")[0].find("time")
        assert time.get("datetime") == day.isoformat()
        assert _text(time) == " ".join(long_date(day, parsed.settings.language).split())
        subscribe = [a.get("href") for a in card.find_class("subscribe")[0].iter("a")]
        assert subscribe == [f"{SLUGS[name]}.{fmt}" for fmt in ("atom", "rss", "json")]
    combined = [a.get("href") for a in cards[-1].find_class("subscribe")[0].iter("a")]
    assert combined == ["all.atom", "all.rss", "all.json", "all.opml"]


def test_index_links_the_subscription_list(site: tuple[Corpus, dict[str, bytes]]) -> None:
    _parsed, files = site
    hrefs = [a.get("href") for a in _doc(files["index.html"]).iter("a")]
    assert "feeds.opml" in hrefs


# --------------------------------------------------------------------------- sections


def test_section_pages_list_every_entry_newest_first(
        site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    for name in _sections(parsed):
        slug = SLUGS[name]
        entries = [entry for entry in parsed.entries if entry.section == name]
        page = _doc(files[f"{slug}/index.html"])
        assert _text(page.find(".//h1")) == parsed.settings.section(name).title
        rows = page.find_class("entries")[0].findall("li")
        newest = entries[:parsed.settings.entries_per_feed]  # (older ones: page-N.html)
        assert [row.find("a").get("href") for row in rows] == [
            f"{entry.slug}.html" for entry in newest]
        assert [_text(row.find("a")) for row in rows] == [
            " ".join(entry.title.split()) for entry in newest]
        days = [row.find("time").get("datetime") for row in rows]
        assert days == sorted(days, reverse=True)
        assert sorted(check_html_autodiscovery(files[f"{slug}/index.html"])) == sorted(
            (TYPES[fmt], f"../{slug}.{fmt}") for fmt in FORMATS)


def test_cyrillic_section_gets_a_latin_folder(tmp_path: Path) -> None:
    parsed, files = render(hostile_seeds(tmp_path))
    assert f"{RU_SLUG}/index.html" in files
    page = _doc(files[f"{RU_SLUG}/index.html"])
    assert RU_SECTION in _text(page.find(".//h1"))
    assert not [path for path in files if RU_SECTION in path]
    assert {SLUGS[entry.section] for entry in parsed.entries} == {"news", RU_SLUG}


# --------------------------------------------------------------------------- entries


def test_one_page_per_entry(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    entry_pages = {path for path in _pages(files) if "/" in path
                   and not path.endswith("/index.html") and "/page-" not in path}
    assert entry_pages == {entry_path(entry) for entry in parsed.entries}


def test_entry_pages_show_the_entry(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    for entry in parsed.entries:
        path = entry_path(entry)
        page = _doc(files[path])
        article = page.find(".//article")
        assert article.get("lang") == entry.language
        assert _text(article.find("h1")) == " ".join(entry.title.split())
        assert article.find(".//time").get("datetime") == entry.published.date().isoformat()
        body = lxml.html.tostring(article, encoding="unicode")
        paragraphs = [_text(p) for p in article.findall("p") if p.get("class") != "meta"]
        assert paragraphs == [_text(lxml.html.fragment_fromstring(p, create_parent="div"))
                              for p in entry.content_html.splitlines()], path
        assert "<script" not in body
        back = article.find(".//p[@class='meta']/a")
        assert _resolve(path, back.get("href")) == f"{SLUGS[entry.section]}/index.html"
        assert sorted(check_html_autodiscovery(files[path])) == sorted(
            (TYPES[fmt], f"../{SLUGS[entry.section]}.{fmt}") for fmt in FORMATS)


def test_foreign_entries_carry_their_language(tmp_path: Path) -> None:
    parsed, files = render(hostile_seeds(tmp_path, language="ru"))
    english = [entry for entry in parsed.entries if entry.section == "news"]
    assert english and all(entry.language == "en" for entry in english)
    for entry in english:
        page = _doc(files[entry_path(entry)])
        assert page.get("lang") == "ru"
        assert page.find(".//article").get("lang") == "en"
    rows = _doc(files["news/index.html"]).find_class("entries")[0].iter("a")
    assert {row.get("lang") for row in rows} == {"en"}


# --------------------------------------------------------------------------- renderer


def test_templates_escape_everything_they_are_given() -> None:
    class Site:
        title = SCRIPT
        description = "a & b"

    feed = {"type": TYPES["atom"], "href": "all.atom", "label": "Atom", "title": SCRIPT}
    shared = chrome("", SCRIPT, (tuple(feed.items()),))
    words = translations("en")
    body = render_page("index.html", site=Site(), site_title=SCRIPT, lang="en",
                       gettext=words.gettext, ngettext=words.ngettext,
                       canonical="https://e/", chrome=shared, sections=[],
                       all_feeds=[feed]).decode()
    assert "<script" not in body
    assert html.escape(SCRIPT, quote=False) in body
    assert "a &amp; b" in body


def test_one_small_stylesheet(site: tuple[Corpus, dict[str, bytes]]) -> None:
    _parsed, files = site
    assert files["style.css"] == stylesheet()
    assert 0 < len(stylesheet()) < 8192
    assert b"@media" in stylesheet() or b"max-width" in stylesheet()


def test_every_page_has_the_site_s_header_footer_title_and_icon(
        site: tuple[Corpus, dict[str, bytes]]) -> None:
    """Header: the site and every section; footer: the page's feeds and both OPMLs;
    <title>: Entry — Section — Site; an SVG icon and /favicon.ico, both published."""
    parsed, files = site
    settings = parsed.settings
    sections = {settings.section(name).title: f"{SLUGS[name]}/index.html"
                for name in _sections(parsed)}
    assert files["favicon.svg"].startswith(b"<svg") and files["favicon.ico"][:4] == \
        b"\x00\x00\x01\x00"
    titles = {entry_path(entry): entry for entry in parsed.entries}
    for path, body in _pages(files).items():
        doc = _doc(body)
        header = doc.find(".//header")
        links = {_text(a): _resolve(path, a.get("href")) for a in header.iter("a")}
        every = translations(settings.language).gettext("All sections")
        assert links == {settings.title: "index.html", **sections,
                         every: "all/index.html"}, path
        footer = [_resolve(path, a.get("href")) for a in doc.find(".//footer").iter("a")]
        feeds = [_resolve(path, link.get("href")) for link in doc.iter("link")
                 if link.get("rel") == "alternate"]
        assert footer == [*feeds, "feeds.opml", "all.opml"] and feeds, path
        assert all(target in files for target in footer), path
        icons = [_resolve(path, link.get("href")) for link in doc.iter("link")
                 if link.get("rel") == "icon"]
        assert icons == ["favicon.svg", "favicon.ico"], path
        title = doc.findtext(".//title")
        if path in titles:
            entry = titles[path]
            section = settings.section(entry.section).title
            assert title == f"{entry.title} — {section} — {settings.title}", path
        elif path.endswith("/index.html") or "/page-" in path:
            assert title.endswith(f" — {settings.title}") and title.count(" — ") == 1, path
        else:
            assert title == settings.title, path


def test_entry_pages_lead_through_their_section_and_back_up(
        site: tuple[Corpus, dict[str, bytes]]) -> None:
    """Breadcrumbs to the site and the section; "older" and "newer" links walk the
    section's entries in order, one page to the next."""
    parsed, files = site
    for name in _sections(parsed):
        entries = [entry for entry in parsed.entries if entry.section == name]
        pages = [entry_path(entry) for entry in entries]  # newest first
        for k, page in enumerate(pages):
            doc = _doc(files[page])
            crumbs = [_resolve(page, a.get("href")) for a in doc.find_class("crumbs")[0]
                      .iter("a")]
            assert crumbs == ["index.html", f"{SLUGS[name]}/index.html"], page
            assert _text(doc.find_class("crumbs")[0].findall(".//li")[-1]) == " ".join(
                entries[k].title.split())
            links = {a.get("rel"): _resolve(page, a.get("href")) for a in doc.iter("a")
                     if a.get("rel") in ("prev", "next")}
            assert links.get("next") == (pages[k - 1] if k else None), page
            assert links.get("prev") == (pages[k + 1] if k + 1 < len(pages) else None), page


def test_the_front_page_leads_with_the_newest_headlines_of_every_section(
        site: tuple[Corpus, dict[str, bytes]]) -> None:
    """The newest entries of all sections, each with its date, section and lead; then
    each section's card with its newest few."""
    parsed, files = site
    doc = _doc(files["index.html"])
    latest = doc.find_class("latest")[0]
    items = latest.findall(".//li")
    expected = parsed.entries[:10]
    assert len(items) == len(expected) > 0
    for item, entry in zip(items, expected, strict=True):
        links = item.findall(".//a")
        assert _resolve("index.html", links[0].get("href")) == \
            f"{SLUGS[entry.section]}/index.html"
        assert links[1].get("href") == entry_path(entry)
        assert _text(links[1]) == " ".join(entry.title.split())
        assert item.find(".//time").get("datetime") == entry.published.date().isoformat()
        lead = _text(item.find_class("lead")[0])
        assert " ".join(entry.summary.split()).startswith(lead.removesuffix("...").strip())
    for card, name in zip(doc.find_class("card"), _sections(parsed), strict=False):
        entries = [entry for entry in parsed.entries if entry.section == name]
        more = [a.get("href") for ul in card.find_class("more") for a in ul.iter("a")]
        assert more == [entry_path(entry) for entry in entries[1:3]], name


@pytest.mark.parametrize("count", [0, 1, 3, 4, 7])
def test_section_pages_are_numbered_from_the_oldest(tmp_path: Path, count: int) -> None:
    """Pagination at its boundaries (no entry, one, exactly a page, a page and one, two
    pages and one): the index lists the newest page's worth and links every page; page N
    holds the Nth oldest entries_per_feed entries and links the one before it."""
    from sites import write_seeds

    from seedfeed.load import load_seeds
    from seedfeed.render.site import render_site

    per = 3
    items = "\n\n".join(f"On {day} May 2024, the quay office posted notice {day}."
                        for day in range(count, 0, -1))
    files = {"site.toml": f'[site]\nbase_url = "https://e.org/"\nentries_per_feed = {per}\n'}
    if count:
        files["quay/a.txt"] = items + "\n"
    seeds = write_seeds(tmp_path, files)
    corpus = load_seeds(seeds)
    site = {d.path: d.render() for d in render_site(corpus)}
    for slug in (["quay"] if count else []) + ["all"]:
        entries = list(corpus.entries)  # newest first
        pages = sorted(path for path in site if path.startswith(f"{slug}/page-"))
        assert pages == [f"{slug}/page-{n}.html" for n in range(1, count // per + 1)]
        index = _doc(site[f"{slug}/index.html"])
        listed = [_resolve(f"{slug}/index.html", a.get("href"))
                  for a in index.find_class("entries")[0].iter("a")
                  if "section" not in (a.get("class") or "")]
        assert listed == [f"quay/{e.slug}.html" for e in entries[:per]]
        links = [a.get("href") for nav in index.find_class("pages") for a in nav.iter("a")]
        older = [f"page-{count // per}.html"] if count >= per else []
        assert links == older + [f"page-{n}.html" for n in range(count // per, 0, -1)]
        for n in range(1, count // per + 1):
            page = _doc(site[f"{slug}/page-{n}.html"])
            rows = [_resolve(f"{slug}/x.html", a.get("href"))
                    for a in page.find_class("entries")[0].iter("a")
                    if "section" not in (a.get("class") or "")]
            oldest_first = entries[::-1]
            chosen = oldest_first[(n - 1) * per:n * per]
            assert rows == [f"quay/{e.slug}.html" for e in chosen][::-1]
            nav = [a.get("href") for a in page.find_class("pages")[0].iter("a")]
            assert nav == ["index.html"] + ([f"page-{n - 1}.html"] if n > 1 else [])


def test_a_complete_page_never_changes_as_entries_are_added(tmp_path: Path) -> None:
    from sites import write_seeds

    from seedfeed.load import load_seeds
    from seedfeed.render.site import render_site

    def site(days: int) -> dict[str, bytes]:
        items = "\n\n".join(f"On {day} May 2024, the quay office posted notice {day}."
                            for day in range(days, 0, -1))
        seeds = write_seeds(tmp_path, {"site.toml": '[site]\nentries_per_feed = 3\n',
                                       "quay/a.txt": items + "\n"}, name=f"seeds{days}")
        return {d.path: d.render() for d in render_site(load_seeds(seeds))}

    before, after = site(7), site(8)
    pages = [path for path in before if "/page-" in path]
    assert sorted(pages) == ["all/page-1.html", "all/page-2.html", "quay/page-1.html",
                             "quay/page-2.html"]
    assert all(after[path] == before[path] for path in pages)
    assert after["quay/index.html"] != before["quay/index.html"]
