"""RSS 2.0 and Atom 1.0 documents (seedfeed.render.feeds) of real sites, read back.

Every feed of the bundled seeds and of small hostile test sites is checked twice: by
feedparser (what readers see: ids, titles, links, dates, content) and by the strict
structural checkers of feedcheck (what the specs and the W3C validator demand).
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from pathlib import Path

import feedgen.entry
import feedgen.feed
import feedparser
import pytest
from feedcheck import check_atom, check_rss
from lxml import etree
from sites import (
    HOSTILE_ENTRIES,
    RU_SLUG,
    SCRIPT,
    SITES,
    entry_path,
    feed_documents,
    feed_entries,
    feed_slug,
    hostile_seeds,
    render,
    render_variant,
)

from seedfeed.corpus import Corpus
from seedfeed.load import load_seeds
from seedfeed.render.channel import Channel, Item, update_schedule
from seedfeed.render.feeds import render_atom, render_rss

ATOM = "{http://www.w3.org/2005/Atom}"
SY = "{http://purl.org/rss/1.0/modules/syndication/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PERIOD_SECONDS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2592000}


@pytest.fixture(scope="module", params=SITES)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         ) -> tuple[Corpus, dict[str, bytes]]:
    return render_variant(request.param, tmp_path_factory.mktemp(request.param))


def _feeds(site: tuple[Corpus, dict[str, bytes]], fmt: str) -> list[tuple[str, bytes, str]]:
    parsed, files = site
    found = [(path, body, url) for path, kind, body, url
             in feed_documents(files, parsed.settings.base_url) if kind == fmt]
    assert found, f"no {fmt} feed rendered"
    return found


def _timestamp(struct: object) -> int:
    return calendar.timegm(struct)  # type: ignore[arg-type]


def test_the_hostile_site_has_what_the_tests_rely_on(tmp_path: Path) -> None:
    parsed = load_seeds(hostile_seeds(tmp_path))
    assert len(parsed.entries) == HOSTILE_ENTRIES
    assert {entry.language for entry in parsed.entries} == {None, "ru"}
    assert any(SCRIPT in entry.title for entry in parsed.entries)
    assert any("<b>" in entry.title and "&" in entry.title for entry in parsed.entries)
    assert not any(problem.level == "error" for problem in parsed.problems), parsed.problems


# --------------------------------------------------------------------------- validity


def test_every_rss_feed_is_valid(site: tuple[Corpus, dict[str, bytes]]) -> None:
    for path, body, url in _feeds(site, "rss"):
        assert check_rss(body, url) == [], path


def test_every_atom_feed_is_valid(site: tuple[Corpus, dict[str, bytes]]) -> None:
    for path, body, url in _feeds(site, "atom"):
        assert check_atom(body, url) == [], path


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feedparser_reads_every_feed_without_complaint(
        site: tuple[Corpus, dict[str, bytes]], fmt: str) -> None:
    for path, body, _url in _feeds(site, fmt):
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("rss20" if fmt == "rss" else "atom10"), path


# --------------------------------------------------------------------------- round trip


def test_rss_gives_back_every_entry(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, _files = site
    base = parsed.settings.base_url
    for path, body, _url in _feeds(site, "rss"):
        expected = feed_entries(parsed, feed_slug(path))
        items = feedparser.parse(body).entries
        assert [item.id for item in items] == [entry.id for entry in expected], path
        for item, entry in zip(items, expected, strict=True):
            assert item.guidislink is False
            assert item.title == entry.title
            assert item.link == base + entry_path(entry)
            assert _timestamp(item.published_parsed) == entry.published.timestamp()
            assert html.unescape(item.summary) == entry.summary
            assert item.content[0].value.strip() == entry.content_html.strip()


def test_atom_gives_back_every_entry(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, _files = site
    base = parsed.settings.base_url
    for path, body, _url in _feeds(site, "atom"):
        expected = feed_entries(parsed, feed_slug(path))
        items = feedparser.parse(body).entries
        assert [item.id for item in items] == [entry.id for entry in expected], path
        for item, entry in zip(items, expected, strict=True):
            title = item.title_detail
            assert (html.unescape(title.value) if title.type == "text/html"
                    else title.value) == entry.title
            assert title.language == (entry.language or parsed.settings.language)
            assert item.link == base + entry_path(entry)
            assert [(link.rel, link.type) for link in item.links] == [
                ("alternate", "text/html")]
            assert _timestamp(item.published_parsed) == entry.published.timestamp()
            assert _timestamp(item.updated_parsed) == entry.published.timestamp()
            assert html.unescape(item.summary) == entry.summary
            assert item.content[0].type == "text/html"
            assert item.content[0].value.strip() == entry.content_html.strip()


def test_feed_level_data_reads_back(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, _files = site
    settings = parsed.settings
    for fmt in ("rss", "atom"):
        for path, body, url in _feeds(site, fmt):
            feed = feedparser.parse(body).feed
            slug = feed_slug(path)
            home = settings.base_url + ("" if slug == "all" else f"{slug}/")
            assert feed.language == settings.language
            assert feed.link == home, path
            assert {(link.rel, link.href) for link in feed.links} >= {
                ("self", url), ("alternate", home)}
            newest = feed_entries(parsed, slug)[0].published
            assert _timestamp(feed.updated_parsed) == newest.timestamp(), path


# --------------------------------------------------------------------------- RSS structure


def test_rss_channel_follows_the_best_practices_profile(
        site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, _files = site
    settings = parsed.settings
    for path, body, url in _feeds(site, "rss"):
        channel = etree.fromstring(body).find("channel")
        self_links = [link for link in channel.iterfind(f"{ATOM}link")
                      if link.get("rel") == "self"]
        assert [(link.get("href"), link.get("type")) for link in self_links] == [
            (url, "application/rss+xml")]
        assert channel.findtext("description").strip(), path
        assert channel.findtext("language") == settings.language
        assert channel.findtext("ttl") == str(settings.max_age // 60)
        newest = feed_entries(parsed, feed_slug(path))[0]
        assert channel.findtext("lastBuildDate") == newest.published.strftime(
            "%a, %d %b %Y %H:%M:%S %z")
        for item in channel.iterfind("item"):
            assert item.find("guid").get("isPermaLink") == "false"
            assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}",
                                item.findtext("pubDate"))


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_update_schedule_announces_the_cache_lifetime(
        site: tuple[Corpus, dict[str, bytes]], fmt: str) -> None:
    parsed, _files = site
    max_age = parsed.settings.max_age
    for path, body, _url in _feeds(site, fmt):
        root = etree.fromstring(body)
        assert {etree.QName(el).localname for el in root.iter(f"{SY}*")} == {
            "updatePeriod", "updateFrequency"}, path
        period = root.findtext(f".//{SY}updatePeriod")
        frequency = int(root.findtext(f".//{SY}updateFrequency"))
        assert PERIOD_SECONDS[period] / frequency == max_age, path


@pytest.mark.parametrize("max_age", [60, 300, 600, 3600, 7200, 86400, 604800])
def test_update_schedule_of_each_lifetime(max_age: int) -> None:
    period, frequency = update_schedule(max_age)
    assert PERIOD_SECONDS[period] / frequency == max_age


def test_rss_titles_are_the_text_as_written(site: tuple[Corpus, dict[str, bytes]]) -> None:
    """Plain text in RSS: "<" and "&" are characters, not markup or look-alikes."""
    parsed, _files = site
    written = {parsed.settings.title,
               *(parsed.settings.section(name).title for name in parsed.sections()),
               *(entry.title for entry in parsed.entries)}
    for path, body, _url in _feeds(site, "rss"):
        titles = [title.text for title in etree.fromstring(body).iter("title")]
        assert set(titles) <= written, path
        assert any("<" in title and "&" in title for title in titles) or \
            parsed.settings.id_authority != "seedfeed.test", path


# --------------------------------------------------------------------------- Atom structure


def test_atom_feed_and_entries_follow_rfc_4287(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, _files = site
    settings = parsed.settings
    for path, body, url in _feeds(site, "atom"):
        feed = etree.fromstring(body)
        assert feed.get(XML_LANG) == settings.language
        assert feed.findtext(f"{ATOM}author/{ATOM}name") == settings.author_name
        links = [(link.get("rel", "alternate"), link.get("type"), link.get("href"))
                 for link in feed.iterfind(f"{ATOM}link")]
        alternates = [(rel, type_) for rel, type_, _href in links if rel == "alternate"]
        assert len(alternates) == len(set(alternates)), path
        assert ("self", "application/atom+xml", url) in links
        expected = feed_entries(parsed, feed_slug(path))
        for element, entry in zip(feed.iterfind(f"{ATOM}entry"), expected, strict=True):
            assert element.findtext(f"{ATOM}id") == entry.id
            assert [(link.get("rel"), link.get("type"), link.get("href"))
                    for link in element.iterfind(f"{ATOM}link")] == [
                ("alternate", "text/html", settings.base_url + entry_path(entry))]
            assert element.get(XML_LANG) == entry.language
            assert element.find(f"{ATOM}content").get("type") == "html"


@pytest.mark.parametrize(("language", "foreign"), [("en", "ru"), ("ru", "en")])
def test_entries_in_another_language_are_marked(tmp_path: Path, language: str,
                                                foreign: str) -> None:
    parsed, files = render(hostile_seeds(tmp_path, language=language))
    for path in ("all.atom", "news.atom", f"{RU_SLUG}.atom"):
        feed = etree.fromstring(files[path])
        assert feed.get(XML_LANG) == language
        marks = [element.get(XML_LANG) for element in feed.iterfind(f"{ATOM}entry")]
        # the news section is written in English, the other one in Russian
        expected = [foreign if (entry.section == "news") == (foreign == "en") else None
                    for entry in feed_entries(parsed, feed_slug(path))]
        assert marks == expected, path
    assert {element.get(XML_LANG) for element
            in etree.fromstring(files["all.atom"]).iterfind(f"{ATOM}entry")} == {None, foreign}


# --------------------------------------------------------------------------- selection


def test_feeds_hold_the_newest_n_entries_newest_first(tmp_path: Path) -> None:
    parsed, files = render(hostile_seeds(tmp_path, entries_per_feed=2))
    for fmt in ("rss", "atom"):
        for path, _kind, body, _url in feed_documents(files, parsed.settings.base_url):
            if not path.endswith(fmt):
                continue
            items = feedparser.parse(body).entries
            assert len(items) == 2, path
            dates = [_timestamp(item.published_parsed) for item in items]
            assert dates == sorted(dates, reverse=True), path
    all_ids = [item.id for item in feedparser.parse(files["all.atom"]).entries]
    assert all_ids == [entry.id for entry in parsed.entries[:2]]
    section_ids = [item.id for item in feedparser.parse(files["news.rss"]).entries]
    assert section_ids == [e.id for e in parsed.entries if e.section == "news"][:2]


def test_a_section_with_fewer_entries_than_n_lists_them_all(tmp_path: Path) -> None:
    parsed, files = render(hostile_seeds(tmp_path))
    ru = [entry.id for entry in parsed.entries if entry.language == "ru"]
    assert [item.id for item in feedparser.parse(files[f"{RU_SLUG}.rss"]).entries] == ru
    assert len(feedparser.parse(files["all.rss"]).entries) == HOSTILE_ENTRIES


# --------------------------------------------------------------------------- hostile text


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_markup_in_seed_text_stays_text(site: tuple[Corpus, dict[str, bytes]],
                                        fmt: str) -> None:
    """A <script> in a seed is text wherever it lands: in plain text and in html alike."""
    escaped = html.escape(SCRIPT, quote=False)
    for path, body, _url in _feeds(site, fmt):
        texts = [element.text or "" for element in etree.fromstring(body).iter()]
        # Where a reader reads HTML (RSS descriptions, Atom type="html"), no raw tag.
        markup = [element.text or "" for element in etree.fromstring(body).iter()
                  if element.get("type") == "html" or etree.QName(element).localname in
                  ("description", "encoded") and fmt == "rss"]
        assert not [text for text in markup if "<script" in text.lower()], path
        if any(SCRIPT in entry.content_html for entry in site[0].entries):
            pytest.fail("content_html itself carries a raw <script>")
        if path == "all." + fmt and site[0].settings.id_authority == "seedfeed.test":
            assert any(escaped in text for text in texts), "the hostile text was dropped"
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", body), path


def test_hostile_titles_survive_both_formats(tmp_path: Path) -> None:
    parsed, files = render(hostile_seeds(tmp_path))
    hostile = [entry for entry in parsed.entries if "<b>" in entry.title]
    assert hostile
    atom = {item.id: item for item in feedparser.parse(files["all.atom"]).entries}
    rss = {item.id: item for item in feedparser.parse(files["all.rss"]).entries}
    for entry in hostile:
        assert atom[entry.id].title == entry.title
        assert rss[entry.id].title == entry.title


# --------------------------------------------------------------------------- no clock


class _AnyDatetime(type):
    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, dt.datetime)


class _Future(dt.datetime, metaclass=_AnyDatetime):
    """A clock stuck in 2099 (feedgen's `datetime`): any output that used it shows it."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _Future:  # type: ignore[override]
        return cls(2099, 12, 31, 23, 59, 59, tzinfo=tz or dt.UTC)

    @classmethod
    def utcnow(cls) -> _Future:  # type: ignore[override]
        return cls(2099, 12, 31, 23, 59, 59)


def test_output_does_not_depend_on_the_clock(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = hostile_seeds(tmp_path)
    _parsed, today = render(seeds)
    monkeypatch.setattr(feedgen.feed, "datetime", _Future)
    monkeypatch.setattr(feedgen.entry, "datetime", _Future)
    _parsed, future = render(seeds)
    assert future == today
    assert not [path for path, body in future.items() if b"2099" in body]


# --------------------------------------------------------------------------- renderers


def _channel(entries: tuple, max_age: int = 300) -> Channel:
    return Channel(
        feed_id="tag:seedfeed.test,2024:feed/unit", title="Unit & <b>test",
        description="Channel for unit tests", language="en", author="Unit desk",
        html_url="https://example.org/unit/", self_url="https://example.org/unit.xml",
        updated=entries[0].published if entries else None, max_age=max_age,
        items=tuple(Item(entry, f"https://example.org/unit/{entry.slug}.html")
                    for entry in entries),
    )


def test_renderers_keep_the_given_order(tmp_path: Path) -> None:
    """feedgen prepends by default: items must come out in the order given."""
    entries = tuple(reversed(load_seeds(hostile_seeds(tmp_path)).entries))
    channel = _channel(entries)
    expected = [entry.id for entry in entries]
    assert [i.id for i in feedparser.parse(render_rss(channel)).entries] == expected
    assert [i.id for i in feedparser.parse(render_atom(channel)).entries] == expected


def test_short_lifetimes_still_give_a_positive_ttl(tmp_path: Path) -> None:
    entries = load_seeds(hostile_seeds(tmp_path)).entries[:1]
    body = render_rss(_channel(entries, max_age=30))
    assert etree.fromstring(body).findtext("channel/ttl") == "1"
    assert check_rss(body, "https://example.org/unit.xml") == []
    assert check_atom(render_atom(_channel(entries, max_age=30)),
                      "https://example.org/unit.xml") == []
