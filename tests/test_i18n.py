"""A section's language: its pages' words and dates (Babel), its feeds' language.

The site is English; the section "vesti" is Russian (`language = "ru"` in its table) and
holds one English item among its Russian ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sites import render, write_seeds

import seedfeed
from seedfeed.i18n import catalogue_languages, long_date

SITE = """\
[site]
title = "Harbour Desk"
description = "What the harbour did"
language = "en"
base_url = "https://news.example.org/"
id_authority = "news.example.org"
entries_per_feed = 2

[sections.vesti]
title = "Вести гавани"
description = "Новости гавани"
language = "ru"
"""
NEWS = """\
On 16 February 2024, the harbour council approved the new pier lighting plan.

On 14 February 2024, volunteers repainted the lighthouse railings.
"""
VESTI = """\
16 февраля 2024 года совет гавани утвердил план освещения причала.

15 февраля 2024 года волонтёры покрасили перила маяка.

On 14 February 2024, the harbour choir sang on the old pier.
"""
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    seeds = write_seeds(tmp_path_factory.mktemp("i18n"), {
        "site.toml": SITE, "news/a.txt": NEWS, "vesti/a.txt": VESTI})
    corpus, found = render(seeds)
    assert corpus.problems == () or all(p.level.value in ("note", "info")
                                        for p in corpus.problems), corpus.problems
    return found


def page(files: dict[str, bytes], path: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(files[path])


def text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def test_a_russian_section_s_pages_are_in_russian(files: dict[str, bytes]) -> None:
    doc = page(files, "vesti/index.html")
    assert doc.get("lang") == "ru"
    assert doc.findtext("head/title") == "Вести гавани — Harbour Desk"
    nav = doc.find(".//header/nav")
    assert nav.get("aria-label") == "Разделы"
    assert [text(a) for a in nav.iter("a")] == ["Harbour Desk: news", "Вести гавани",
                                                 "Все разделы"]
    assert text(doc.find(".//footer/p")) == "Подписаться:"
    days = [text(t) for t in doc.iter("time")]
    assert days == ["16 февраля 2024 г.", "15 февраля 2024 г."]
    assert [text(a) for a in doc.find(".//nav[@class='pages']").iter("a")] == [
        "Предыдущие записи", "Страница 1"]
    older = page(files, "vesti/page-1.html")
    assert text(older.find(".//h1")) == "Вести гавани · страница 1"
    assert text(older.find(".//nav[@class='pages']")).startswith("Новые записи")
    # The English item is marked as such on the Russian page.
    (choir,) = [a for a in older.iter("a") if "choir" in text(a)]
    assert choir.get("lang") == "en"


def test_a_russian_entry_page(files: dict[str, bytes]) -> None:
    path = next(p for p, body in files.items() if p.startswith("vesti/2024-02-15")
                and p.endswith(".html"))
    doc = page(files, path)
    assert doc.get("lang") == "ru"
    assert doc.find(".//nav[@class='crumbs']").get("aria-label") == "Навигационная цепочка"
    assert text(doc.find(".//article//time")) == "15 февраля 2024 г."
    assert doc.find(".//article//time").get("datetime") == "2024-02-15"
    neighbours = doc.find(".//nav[@class='neighbours']")
    assert neighbours.get("aria-label") == "Ещё в разделе «Вести гавани»"
    assert [text(li).split(":")[0] for li in neighbours.iter("li")] == ["Раньше", "Позже"]
    english = next(p for p in files if p.startswith("vesti/2024-02-14"))
    assert page(files, english).find(".//article").get("lang") == "en"


def test_the_english_pages_stay_english_and_mark_the_russian_entries(
        files: dict[str, bytes]) -> None:
    for path in ("index.html", "all/index.html", "news/index.html"):
        assert page(files, path).get("lang") == "en", path
    index = page(files, "index.html")
    assert text(index.find(".//h2[@id='latest']")) == "Latest"
    headlines = index.find(".//section[@class='latest']")
    assert [text(t) for t in headlines.iter("time")] == [
        "16 February 2024", "16 February 2024", "15 February 2024", "14 February 2024",
        "14 February 2024"]
    marked = {text(a): a.get("lang") for a in headlines.iter("a")
              if a.get("class") != "section"}
    assert marked == {  # (the English item of the Russian section is not marked)
        "The harbour council approved the new pier lighting plan": None,
        "Совет гавани утвердил план освещения причала": "ru",
        "Волонтёры покрасили перила маяка": "ru",
        "Volunteers repainted the lighthouse railings": None,
        "The harbour choir sang on the old pier": None}
    cards = [text(c.find_class("meta")[0]) for c in index.find_class("card")[:-1]]
    assert cards[1].startswith("3 entries; newest:")
    assert text(page(files, "all/index.html").find(".//h1")) == "All sections"


def test_a_section_s_feeds_carry_its_language(files: dict[str, bytes]) -> None:
    assert b"<language>ru</language>" in files["vesti.rss"]
    assert b"<language>en</language>" in files["news.rss"]
    atom = lxml.etree.fromstring(files["vesti.atom"])
    assert atom.get(XML_LANG) == "ru"
    assert [entry.get(XML_LANG) for entry in atom.iter(f"{ATOM}entry")] == [None, None]
    archive = lxml.etree.fromstring(files["vesti/archive-1.atom"])
    assert [entry.get(XML_LANG) for entry in archive.iter(f"{ATOM}entry")] == [None, "en"]
    feed = json.loads(files["vesti.json"])
    assert feed["language"] == "ru"
    assert all("language" not in item for item in feed["items"])


def test_the_combined_feeds_mark_each_entry_not_in_the_site_s_language(
        files: dict[str, bytes]) -> None:
    atom = lxml.etree.fromstring(files["all.atom"])
    assert atom.get(XML_LANG) == "en"
    langs = {entry.findtext(f"{ATOM}title"): entry.get(XML_LANG)
             for entry in atom.iter(f"{ATOM}entry")}
    feed = json.loads(files["all.json"])
    assert feed["language"] == "en"
    json_langs = {item["title"]: item.get("language") for item in feed["items"]}
    assert langs == json_langs
    assert sorted(langs.values(), key=str) == [None, "ru"]  # (two entries a feed)


@pytest.mark.parametrize(("counts", "expected"), [
    ((1, 2, 5), ["1 запись", "2 записи", "5 записей"]),
    ((11, 21, 22), ["11 записей", "21 запись", "22 записи"]),
])
def test_russian_counts_take_russian_plurals(tmp_path: Path, counts: tuple[int, ...],
                                             expected: list[str]) -> None:
    seeds = {"site.toml": '[site]\nlanguage = "ru"\nid_authority = "news.example.org"\n'}
    for k, count in enumerate(counts):
        seeds[f"part{k}/a.txt"] = "\n".join(
            f"{day} марта 2024 года в гавани прошло событие номер {day} раздела {k}.\n"
            for day in range(count, 0, -1))
    _, found = render(write_seeds(tmp_path, seeds))
    cards = page(found, "index.html").find_class("card")[:-1]
    assert [text(c.find_class("meta")[0]).split(";")[0] for c in cards] == expected


def test_dates_are_babel_s_long_form_in_each_language() -> None:
    from datetime import date
    day = date(2024, 2, 16)
    assert long_date(day, "en") == "16 February 2024"
    assert long_date(day, "en-US") == "February 16, 2024"
    assert long_date(day, "ru") == "16 февраля 2024\u202fг."
    assert long_date(day, "x-harbour") == "16 February 2024"  # (unknown to Babel)


def test_every_interface_word_is_in_every_catalogue() -> None:
    """What the templates and code mark for translation, extracted as `pybabel extract`
    does with babel.cfg, is translated in each catalogue, with the same placeholders."""
    package = Path(seedfeed.__file__).parent
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    wanted = Catalog()
    for _file, line, message, comments, context in extract_from_dir(
            package, method_map, options):
        wanted.add(message, None, [(_file, line)], auto_comments=comments, context=context)
    assert len(wanted) >= 15
    for language in sorted(catalogue_languages() - {"en"}):
        path = package / "locale" / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        for message in wanted:
            if not message.id:
                continue
            found = catalogue.get(message.id)
            assert found is not None and not found.fuzzy, (language, message.id)
            strings = found.string if isinstance(found.string, tuple) else (found.string,)
            assert all(strings), (language, message.id)
        assert [errors for _, errors in catalogue.check() if errors] == []


def test_words_in_another_language_than_the_page_s_are_marked(
        files: dict[str, bytes]) -> None:
    """Section names in the English chrome, cards and headlines; on a Russian entry page
    the English neighbour, and on the English entry's page its Russian meta line."""
    index = page(files, "index.html")
    nav = {text(a): a.get("lang") for a in index.find(".//header/nav").iter("a")}
    assert nav == {"Harbour Desk: news": None, "Вести гавани": "ru", "All sections": None}
    cards = index.find_class("card")
    assert [card.find("h2").get("lang") for card in cards] == [None, "ru", None]
    assert [card.find("p").get("lang") for card in cards] == [None, "ru", None]
    labels = {a.get("lang") for a in index.iter("a") if a.get("class") == "section"
              and text(a) == "Вести гавани"}
    assert labels == {"ru"}
    every = page(files, "all/index.html")
    assert {a.get("lang") for a in every.iter("a") if a.get("class") == "section"} == \
        {None, "ru"}
    ru_nav = {text(a): a.get("lang") for a in page(files, "vesti/index.html").find(
        ".//header/nav").iter("a")}
    assert ru_nav == {"Harbour Desk: news": "en", "Вести гавани": None, "Все разделы": None}
    russian = next(p for p in files if p.startswith("vesti/2024-02-15"))
    older = page(files, russian).find(".//a[@rel='prev']")
    assert (text(older), older.get("lang")) == ("The harbour choir sang on the old pier", "en")
    english = page(files, next(p for p in files if p.startswith("vesti/2024-02-14")))
    assert english.find(".//article").get("lang") == "en"
    meta = english.find(".//article/p[@class='meta']")
    assert meta.get("lang") == "ru" and text(meta.find("time")) == "14 февраля 2024 г."
    crumb = english.find(".//nav[@class='crumbs']//li[@aria-current='page']")
    assert crumb.get("lang") == "en"


def test_a_language_babel_does_not_know_is_noted_with_english_dates() -> None:
    from seedfeed.settings import parse_settings

    (note,) = parse_settings('[site]\nid_authority = "news.example.org"\nlanguage = "tlh"\n',
                             "seeds/site.toml").problems
    assert note.message.endswith("its pages use English words and English dates")
    from datetime import date

    assert long_date(date(2024, 2, 16), "tlh") == "16 February 2024"
    assert long_date(date(2024, 2, 16), "und") == "16 February 2024"
    assert long_date(date(2024, 2, 16), "en-x-house") == "16 February 2024"


def test_a_trans_block_over_several_lines_is_translated_as_extracted() -> None:
    from seedfeed.i18n import translations
    from seedfeed.render.pages import environment

    words = translations("ru")
    template = environment().from_string("{% trans %}Older\n      entries{% endtrans %}")
    assert template.render(gettext=words.gettext, ngettext=words.ngettext) == \
        "Предыдущие записи"
