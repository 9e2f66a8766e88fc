"""The OPML subscription list (seedfeed.render.opml): one subscription per feed."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from feedcheck import check_opml, opml_feed_urls
from lxml import etree
from sites import BASE_URL, RU_SLUG, SITES, SLUGS, hostile_seeds, render, render_variant

from seedfeed.corpus import Corpus
from seedfeed.render.opml import Subscription, render_opml


@pytest.fixture(scope="module", params=SITES)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         ) -> tuple[Corpus, dict[str, bytes]]:
    return render_variant(request.param, tmp_path_factory.mktemp(request.param))


def _outlines(body: bytes) -> list[etree._Element]:
    return list(etree.fromstring(body).find("body").iter("outline"))


def test_opml_is_valid(site: tuple[Corpus, dict[str, bytes]]) -> None:
    assert check_opml(site[1]["feeds.opml"]) == []
    assert check_opml(site[1]["all.opml"]) == []


def test_one_subscription_per_section_and_the_combined_feed_apart(
        site: tuple[Corpus, dict[str, bytes]]) -> None:
    """Importing feeds.opml must not make a reader store every entry twice: the combined
    feed, which repeats every section's entries, has an OPML of its own."""
    parsed, files = site
    settings = parsed.settings
    fmt = settings.preferred_format
    slugs = sorted({SLUGS[entry.section] for entry in parsed.entries})
    urls = opml_feed_urls(files["feeds.opml"])
    assert len(set(urls)) == len(urls)
    assert sorted(urls) == [f"{settings.base_url}{slug}.{fmt}" for slug in slugs]
    assert opml_feed_urls(files["all.opml"]) == [f"{settings.base_url}all.{fmt}"]
    for url in urls:  # each subscription is a feed the site really has
        assert url.removeprefix(settings.base_url) in files


def test_outlines_carry_titles_and_html_urls(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    settings = parsed.settings
    outlines = _outlines(files["feeds.opml"])
    for outline, name in zip(outlines, sorted({e.section for e in parsed.entries}),
                             strict=False):
        info = settings.section(name)
        slug = outline.get("xmlUrl").removeprefix(settings.base_url).rsplit(".", 1)[0]
        assert outline.get("type") == "rss"
        assert outline.get("text") == outline.get("title") == info.title
        assert outline.get("description") == info.description
        assert outline.get("htmlUrl") == f"{settings.base_url}{slug}/"
        assert f"{slug}/index.html" in files
    (combined,) = _outlines(files["all.opml"])
    assert combined.get("title") == settings.title
    assert combined.get("htmlUrl") == settings.base_url


def test_head_dates_are_the_newest_entry(site: tuple[Corpus, dict[str, bytes]]) -> None:
    parsed, files = site
    head = etree.fromstring(files["feeds.opml"]).find("head")
    assert head.findtext("title") == parsed.settings.title
    newest = parsed.entries[0].published
    for name in ("dateCreated", "dateModified"):
        assert parsedate_to_datetime(head.findtext(name)) == newest


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_preferred_format_is_a_setting(tmp_path: Path, fmt: str) -> None:
    _parsed, files = render(hostile_seeds(tmp_path, preferred_format=fmt))
    assert opml_feed_urls(files["feeds.opml"]) == [
        f"{BASE_URL}news.{fmt}", f"{BASE_URL}{RU_SLUG}.{fmt}"]
    assert opml_feed_urls(files["all.opml"]) == [f"{BASE_URL}all.{fmt}"]
    assert check_opml(files["feeds.opml"]) == []


def test_default_preferred_format_is_atom(tmp_path: Path) -> None:
    seeds = hostile_seeds(tmp_path)
    text = (seeds / "site.toml").read_text()
    assert "preferred_format" not in text
    _parsed, files = render(seeds)
    assert all(url.endswith(".atom") for url in opml_feed_urls(files["feeds.opml"]))


def test_renderer_escapes_and_omits_unknown_dates() -> None:
    hostile = 'A & <b>"B"</b>'
    body = render_opml(hostile, [Subscription(hostile, "https://example.org/a.atom",
                                              "https://example.org/a/", hostile)], None)
    assert check_opml(body) == []
    root = etree.fromstring(body)
    assert root.findtext("head/title") == hostile
    assert root.find("head/dateModified") is None
    assert root.find("body/outline").get("text") == hostile
    assert body.startswith(b"<?xml") and body.endswith(b"\n")


def test_renderer_date_format() -> None:
    moment = datetime(2024, 2, 16, tzinfo=ZoneInfo("Europe/Moscow"))
    body = render_opml("T", [Subscription("T", "https://example.org/a.rss",
                                          "https://example.org/", "d")], moment)
    assert etree.fromstring(body).findtext("head/dateModified") == format_datetime(moment)
    assert b"Fri, 16 Feb 2024 00:00:00 +0300" in body
