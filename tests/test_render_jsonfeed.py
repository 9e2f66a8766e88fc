"""JSON Feed 1.1 documents (seedfeed.render.jsonfeed) of real sites, read back.

feedparser 6 does not read JSON Feed, so the documents are checked with feedcheck's
check_jsonfeed and read back with json.loads.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from feedcheck import check_jsonfeed
from sites import (
    RU_SLUG,
    SCRIPT,
    SITES,
    SLUGS,
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
from seedfeed.render.channel import Channel, Item
from seedfeed.render.jsonfeed import render_json

VERSION = "https://jsonfeed.org/version/1.1"
SECTIONS = {slug: name for name, slug in SLUGS.items()}


@pytest.fixture(scope="module", params=SITES)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         ) -> tuple[Corpus, dict[str, bytes]]:
    return render_variant(request.param, tmp_path_factory.mktemp(request.param))


def _feeds(site: tuple[Corpus, dict[str, bytes]]) -> list[tuple[str, bytes, str]]:
    parsed, files = site
    found = [(path, body, url) for path, fmt, body, url
             in feed_documents(files, parsed.settings.base_url) if fmt == "json"]
    assert found
    return found


def test_every_json_feed_is_valid(site: tuple[Corpus, dict[str, bytes]]) -> None:
    for path, body, url in _feeds(site):
        assert check_jsonfeed(body, url) == [], path


def test_feed_level_members(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, _files = site
    settings = parsed.settings
    for path, body, url in _feeds(site):
        feed = json.loads(body)
        slug = feed_slug(path)
        assert feed["version"] == VERSION
        assert feed["feed_url"] == url
        assert feed["home_page_url"] == settings.base_url + ("" if slug == "all" else slug + "/")
        assert feed["language"] == settings.language
        assert feed["authors"] == [{"name": settings.author_name}]
        if slug == "all":
            assert (feed["title"], feed["description"]) == (settings.title, settings.description)
        else:
            info = settings.section(SECTIONS[slug])
            assert (feed["title"], feed["description"]) == (info.title, info.description)


def test_items_give_back_every_entry(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, _files = site
    base = parsed.settings.base_url
    for path, body, _url in _feeds(site):
        items = json.loads(body)["items"]
        expected = feed_entries(parsed, feed_slug(path))
        assert [item["id"] for item in items] == [entry.id for entry in expected], path
        for item, entry in zip(items, expected, strict=True):
            assert item["url"] == base + entry_path(entry)
            assert item["title"] == entry.title  # JSON strings are text: no escaping
            assert item["summary"] == entry.summary
            assert item["content_html"] == entry.content_html
            assert datetime.fromisoformat(item["date_published"]) == entry.published
            assert item["date_published"] == entry.published.isoformat()
            assert item["date_modified"] == item["date_published"]
            assert item.get("language") == entry.language
        published = [datetime.fromisoformat(item["date_published"]) for item in items]
        assert published == sorted(published, reverse=True)


def test_language_only_where_it_differs(tmp_path: Path) -> None:
    for language, foreign in (("en", "ru"), ("ru", "en")):
        _parsed, files = render(hostile_seeds(tmp_path / language, language=language))
        feed = json.loads(files["all.json"])
        assert feed["language"] == language
        assert {item.get("language") for item in feed["items"]} == {None, foreign}
        assert not any("language" in item for item in json.loads(files[
            "news.json" if language == "en" else f"{RU_SLUG}.json"])["items"])


def test_newest_n_items_only(tmp_path: Path) -> None:
    parsed, files = render(hostile_seeds(tmp_path, entries_per_feed=2))
    assert [item["id"] for item in json.loads(files["all.json"])["items"]] == [
        entry.id for entry in parsed.entries[:2]]
    assert len(json.loads(files["news.json"])["items"]) == 2


def test_hostile_text_is_data_not_markup(tmp_path: Path) -> None:
    _parsed, files = render(hostile_seeds(tmp_path))
    body = files["all.json"]
    feed = json.loads(body)
    titles = [item["title"] for item in feed["items"]]
    assert any(SCRIPT in title for title in titles)  # kept verbatim: a title is text
    for item in feed["items"]:
        assert "<script" not in item["content_html"].lower()
    assert "Генеральный секретарь" in body.decode("utf-8")  # UTF-8, not \u escapes
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", body)


def test_renderer_is_deterministic_and_keeps_the_given_order(tmp_path: Path) -> None:
    entries = tuple(reversed(load_seeds(hostile_seeds(tmp_path)).entries))
    channel = Channel(
        feed_id="tag:seedfeed.test,2024:feed/unit", title="Unit", description="Unit feed",
        language="en", author="Unit desk", html_url="https://example.org/unit/",
        self_url="https://example.org/unit.json", updated=None, max_age=300,
        items=tuple(Item(entry, f"https://example.org/unit/{entry.slug}.html")
                    for entry in entries))
    body = render_json(channel)
    assert render_json(channel) == body
    assert body.endswith(b"\n")
    assert [item["id"] for item in json.loads(body)["items"]] == [e.id for e in entries]
    assert check_jsonfeed(body, "https://example.org/unit.json") == []
