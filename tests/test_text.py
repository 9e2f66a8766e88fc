"""Text as written: every text from site.toml and the seeds reads back exactly from every
format, parsed the way a reader parses it (lxml for XML and HTML, json, feedparser)."""

from __future__ import annotations

import json

import feedparser
import lxml.html
import pytest
from feedcheck import check_atom, check_jsonfeed, check_opml, check_rss
from lxml import etree
from sites import age_seeds, render, write_seeds

ATOM = "{http://www.w3.org/2005/Atom}"
# Each holds & < > " ' and letters beyond ASCII; none holds an HTML end tag (README).
SITE_TITLE = "Q&A corner <daily> \"harbour\" 'desk' — Überfahrt ёж"
SITE_DESCRIPTION = "Q&A corner: a < b > c, \"quoted\" & 'single' — Ærø, ёлка"
AUTHOR = "Desk & <crew> \"Nord\" 'Süd'"
SECTION_TITLE = "Ports & <piers> \"east\" 'west' — Öresund"
SECTION_DESCRIPTION = "Arrivals & departures, 1 < 2 > 0, \"daily\" 'log' — Гавань"
ARTICLE_TITLE = "AT&T < B > \"cargo\" 'deck' — Ålesund & Мурманск"
BRIEF_TEXT = "On 3 March 2024, the pilots' club & <crew> met \"early\" at Tromsø."
BRIEF_TITLE = "The pilots' club & <crew> met \"early\" at Tromsø"

SITE_TOML = f"""\
[site]
title = {json.dumps(SITE_TITLE, ensure_ascii=False)}
description = {json.dumps(SITE_DESCRIPTION, ensure_ascii=False)}
author = {json.dumps(AUTHOR, ensure_ascii=False)}
base_url = "https://example.org/"
id_authority = "example.org"

[sections.ports]
title = {json.dumps(SECTION_TITLE, ensure_ascii=False)}
description = {json.dumps(SECTION_DESCRIPTION, ensure_ascii=False)}
"""
ARTICLE = f"{ARTICLE_TITLE}\n\n{ARTICLE_TITLE} 04.03.2024\n\nThe ferry came in.\n\nGo back\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    seeds = write_seeds(tmp_path_factory.mktemp("text"), {
        "site.toml": SITE_TOML, "ports/article.txt": ARTICLE, "ports/brief.txt": BRIEF_TEXT})
    age_seeds(seeds)
    return render(seeds)[1]


def atom_text(element: etree._Element) -> str:
    """An Atom text construct as a reader shows it (RFC 4287 section 3.1)."""
    if element.get("type") == "html":
        return lxml.html.fragment_fromstring(element.text, create_parent="div").text_content()
    return element.text or ""


@pytest.mark.parametrize("feed", ["all", "ports"])
def test_atom_reads_back_as_written(files: dict[str, bytes], feed: str) -> None:
    root = etree.fromstring(files[f"{feed}.atom"])
    title, description = ((SITE_TITLE, SITE_DESCRIPTION) if feed == "all"
                          else (SECTION_TITLE, SECTION_DESCRIPTION))
    assert atom_text(root.find(f"{ATOM}title")) == title
    assert atom_text(root.find(f"{ATOM}subtitle")) == description
    assert root.findtext(f"{ATOM}author/{ATOM}name") == AUTHOR
    titles = [atom_text(t) for t in root.iterfind(f"{ATOM}entry/{ATOM}title")]
    assert titles == [ARTICLE_TITLE, BRIEF_TITLE]
    # Plain text is declared plain: readers that trust the type show "AT&T", not "AT&amp;T".
    assert {t.get("type", "text") for t in root.iter(f"{ATOM}title")} == {"text"}
    assert check_atom(files[f"{feed}.atom"], f"https://example.org/{feed}.atom") == []


@pytest.mark.parametrize("feed", ["all", "ports"])
def test_rss_reads_back_as_written(files: dict[str, bytes], feed: str) -> None:
    channel = etree.fromstring(files[f"{feed}.rss"]).find("channel")
    title, description = ((SITE_TITLE, SITE_DESCRIPTION) if feed == "all"
                          else (SECTION_TITLE, SECTION_DESCRIPTION))
    assert channel.findtext("title") == title
    assert channel.findtext("description") == description
    assert [item.findtext("title") for item in channel.iterfind("item")] == [
        ARTICLE_TITLE, BRIEF_TITLE]
    assert check_rss(files[f"{feed}.rss"], f"https://example.org/{feed}.rss") == []


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feedparser_reads_the_titles_as_written(files: dict[str, bytes], fmt: str) -> None:
    parsed = feedparser.parse(files[f"ports.{fmt}"])
    assert parsed.feed.title == SECTION_TITLE
    assert [entry.title for entry in parsed.entries] == [ARTICLE_TITLE, BRIEF_TITLE]


@pytest.mark.parametrize("feed", ["all", "ports"])
def test_json_feed_reads_back_as_written(files: dict[str, bytes], feed: str) -> None:
    document = json.loads(files[f"{feed}.json"])
    title, description = ((SITE_TITLE, SITE_DESCRIPTION) if feed == "all"
                          else (SECTION_TITLE, SECTION_DESCRIPTION))
    assert (document["title"], document["description"]) == (title, description)
    assert [author["name"] for author in document["authors"]] == [AUTHOR]
    assert [item["title"] for item in document["items"]] == [ARTICLE_TITLE, BRIEF_TITLE]
    assert check_jsonfeed(files[f"{feed}.json"], f"https://example.org/{feed}.json") == []


def test_opml_reads_back_as_written(files: dict[str, bytes]) -> None:
    root = etree.fromstring(files["feeds.opml"])
    assert root.findtext("head/title") == SITE_TITLE
    outlines = {o.get("title"): o for name in ("feeds.opml", "all.opml")
                for o in etree.fromstring(files[name]).iter("outline")}
    assert set(outlines) == {SECTION_TITLE, SITE_TITLE}
    assert outlines[SECTION_TITLE].get("text") == SECTION_TITLE
    assert outlines[SECTION_TITLE].get("description") == SECTION_DESCRIPTION
    assert check_opml(files["feeds.opml"]) == check_opml(files["all.opml"]) == []


def test_pages_read_back_as_written(files: dict[str, bytes]) -> None:
    def page(path: str) -> lxml.html.HtmlElement:
        return lxml.html.fromstring(files[path])

    index, section = page("index.html"), page("ports/index.html")
    for shown in (SITE_TITLE, SITE_DESCRIPTION, SECTION_TITLE, SECTION_DESCRIPTION):
        assert shown in index.text_content(), shown
    assert SITE_TITLE in index.findtext(".//title")
    for shown in (SECTION_TITLE, SECTION_DESCRIPTION, ARTICLE_TITLE, BRIEF_TITLE):
        assert shown in section.text_content(), shown
    entry = next(path for path in files if path.startswith("ports/2024-03-04-"))
    assert page(entry).findtext(".//h1") == ARTICLE_TITLE
    assert ARTICLE_TITLE in page(entry).findtext(".//title")
