"""Tests for the feed validators in feedcheck.py.

Each checker gets one valid document that must pass cleanly, then one small mutation per
rule that must be reported.  Mutations are (old, new) text replacements on the valid
document so that each bad example differs from a good one in exactly one way.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from feedcheck import (
    check_atom,
    check_html_autodiscovery,
    check_jsonfeed,
    check_opml,
    check_rss,
    opml_feed_urls,
)

ATOM_URL = "https://example.org/feed.atom"
RSS_URL = "https://example.org/feed.rss"
JSON_URL = "https://example.org/feed.json"
SY = "http://purl.org/rss/1.0/modules/syndication/"


def mutate(doc: str, old: str, new: str) -> bytes:
    """Replace the first `old` by `new`, failing loudly if the test's anchor has drifted."""
    assert old in doc, f"anchor {old!r} not in the good document"
    return doc.replace(old, new, 1).encode()


def assert_flagged(problems: list[str], expected: str) -> None:
    assert any(expected in problem for problem in problems), problems


# --------------------------------------------------------------------------- Atom

GOOD_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>tag:example.org,2024:feed</id>
  <title>Example news</title>
  <subtitle type="html">Daily &lt;em&gt;news&lt;/em&gt;</subtitle>
  <updated>2024-02-16T00:00:00+03:00</updated>
  <author><name>Ed</name></author>
  <link rel="self" type="application/atom+xml" href="https://example.org/feed.atom"/>
  <link rel="alternate" type="text/html" href="https://example.org/"/>
  <entry>
    <id>tag:example.org,2024-02-16:a</id>
    <title>First &amp; foremost</title>
    <updated>2024-02-16T00:00:00Z</updated>
    <published>2024-02-15T23:59:59.5+03:00</published>
    <link rel="alternate" type="text/html" href="https://example.org/a"/>
    <summary>Plain summary, 1 &lt; 2</summary>
    <content type="html">&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;br&gt;&lt;p&gt;Bye</content>
  </entry>
  <entry>
    <id>urn:uuid:0f6c6c34-3c2b-4a3b-9b7e-1d2c3b4a5f60</id>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Second <b>one</b></div></title>
    <updated>2024-02-14T10:00:00-05:00</updated>
    <content type="text/plain">No link, so content is required.</content>
  </entry>
</feed>
"""

ENTRY_1_CONTENT = "&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;br&gt;&lt;p&gt;Bye"
SELF_LINK = '<link rel="self" type="application/atom+xml" href="https://example.org/feed.atom"/>'
FEED_ALTERNATE = '<link rel="alternate" type="text/html" href="https://example.org/"/>'
ENTRY_2_CONTENT = '<content type="text/plain">No link, so content is required.</content>'


def test_atom_good_document_passes() -> None:
    assert check_atom(GOOD_ATOM.encode(), ATOM_URL) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("</feed>", "", "not well-formed", id="malformed"),
        pytest.param("<title>Example news</title>", "<title>&nbsp;</title>", "not well-formed",
                     id="undefined-entity"),
        pytest.param('<?xml version="1.0" encoding="utf-8"?>',
                     '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY e "x">]>', "DOCTYPE",
                     id="doctype"),
        pytest.param("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#", "root element",
                     id="wrong-namespace"),
        pytest.param("<id>tag:example.org,2024:feed</id>", "", "feed: missing <id>",
                     id="feed-no-id"),
        pytest.param("<title>Example news</title>", "<title>A</title><title>B</title>",
                     "feed: 2 <title>", id="feed-two-titles"),
        pytest.param("<updated>2024-02-16T00:00:00+03:00</updated>", "", "feed: missing <updated>",
                     id="feed-no-updated"),
        pytest.param("tag:example.org,2024:feed", "example.org/feed", "not a full URI",
                     id="id-not-uri"),
        pytest.param("tag:example.org,2024:feed", "tag:example.org:feed", "not a valid tag URI",
                     id="tag-no-date"),
        pytest.param("tag:example.org,2024:feed", "tag:example.org,24:feed",
                     "not a valid tag URI", id="tag-short-year"),
        pytest.param("tag:example.org,2024:feed", "tag:example.org,2024-02-30:feed",
                     "impossible date", id="tag-bad-date"),
        pytest.param("tag:example.org,2024-02-16:a", "tag:example.org,2024-02-16:a b",
                     "whitespace", id="id-with-space"),
        pytest.param("tag:example.org,2024-02-16:a", "tag:-example.org,2024:a",
                     "not a valid tag URI", id="tag-bad-authority"),
        pytest.param("urn:uuid:", "urn:", "not a valid URN", id="bad-urn"),
        pytest.param("2024-02-16T00:00:00+03:00", "2024-02-16T00:00:00", "RFC 3339",
                     id="updated-no-zone"),
        pytest.param("2024-02-15T23:59:59.5+03:00", "2024-02-15", "RFC 3339",
                     id="published-date-only"),
        pytest.param("2024-02-16T00:00:00Z", "2024-02-16t00:00:00z", "RFC 3339",
                     id="lowercase-t-z"),
        pytest.param("2024-02-16T00:00:00Z", "2024-02-30T00:00:00Z", "RFC 3339",
                     id="impossible-date"),
        pytest.param("<author><name>Ed</name></author>", "", "no <author>", id="no-author"),
        pytest.param("<name>Ed</name>", "<email>ed@example.org</email>", "non-empty <name>",
                     id="author-no-name"),
        pytest.param('href="https://example.org/feed.atom"', 'href="https://example.org/atom"',
                     "not the feed's URL", id="self-mismatch"),
        pytest.param(SELF_LINK, "", 'missing <link rel="self"', id="no-self"),
        pytest.param(FEED_ALTERNATE, FEED_ALTERNATE * 2, "feed: 2 rel=alternate",
                     id="feed-duplicate-alternate"),
        pytest.param('<link rel="alternate" type="text/html" href="https://example.org/a"/>',
                     '<link href="https://example.org/a"/><link href="https://example.org/b"/>',
                     "2 rel=alternate", id="entry-duplicate-implicit-alternate"),
        pytest.param(FEED_ALTERNATE, '<link rel="alternate"/>', "without href", id="no-href"),
        pytest.param(ENTRY_2_CONTENT, "", "needs a rel=alternate <link> or a <content>",
                     id="entry-no-link-no-content"),
        pytest.param("<title>First &amp; foremost</title>", "", "missing <title>",
                     id="entry-no-title"),
        pytest.param("<updated>2024-02-14T10:00:00-05:00</updated>", "", "missing <updated>",
                     id="entry-no-updated"),
        pytest.param("<id>tag:example.org,2024-02-16:a</id>",
                     "<id>tag:example.org,2024-02-16:a</id><id>tag:example.org,2024:b</id>",
                     "2 <id>", id="entry-two-ids"),
        pytest.param("urn:uuid:0f6c6c34-3c2b-4a3b-9b7e-1d2c3b4a5f60",
                     "tag:example.org,2024-02-16:a", "duplicate entry id", id="duplicate-ids"),
        pytest.param('<subtitle type="html">', '<subtitle type="markdown">',
                     "expected text, html or xhtml", id="bad-text-type"),
        pytest.param('type="text/plain"', 'type="plain"', "or a MIME type",
                     id="bad-content-type"),
        pytest.param('type="text/plain"', 'type="image/png"', "needs a <summary>",
                     id="binary-content-no-summary"),
        pytest.param("First &amp; foremost", "First &lt;b&gt;foremost&lt;/b&gt;",
                     "<title> contains HTML '</b>'",
                     id="text-title-with-markup"),
        pytest.param("Plain summary, 1 &lt; 2", "Read &lt;a href='/x'&gt;more&lt;/a&gt;",
                     "ContainsUndeclaredHTML", id="text-summary-with-markup"),
        pytest.param("Plain summary, 1 &lt; 2", "Plain <b>bold</b>", "contains child elements",
                     id="text-with-child-elements"),
        pytest.param(ENTRY_1_CONTENT, "&lt;p&gt;Hi&lt;script&gt;alert(1)&lt;/script&gt;",
                     "<script>", id="html-script"),
        pytest.param(ENTRY_1_CONTENT, "&lt;p onclick='x()'&gt;Hi", "event handler",
                     id="html-event-handler"),
        pytest.param(ENTRY_1_CONTENT, "&lt;p&gt;Hello &lt;b&gt;world&lt;/p&gt;",
                     "<b> is closed by </p>", id="html-misnested"),
        pytest.param(ENTRY_1_CONTENT, "Hello &lt;em&gt;world", "<em> is never closed",
                     id="html-unclosed"),
        pytest.param(ENTRY_1_CONTENT, "Hello&lt;/div&gt;", "stray </div>", id="html-stray-end"),
        pytest.param(ENTRY_1_CONTENT, "&lt;![ x", "html cannot be parsed", id="html-unparseable"),
        pytest.param('<div xmlns="http://www.w3.org/1999/xhtml">Second <b>one</b></div>',
                     "Second", "exactly one xhtml:div", id="xhtml-no-div"),
        pytest.param("</entry>\n</feed>",
                     f'</entry><sy:UpdatePeriod xmlns:sy="{SY}">daily</sy:UpdatePeriod></feed>',
                     "sy:UpdatePeriod", id="sy-capital-u"),
    ],
)  # fmt: skip
def test_atom_rule_is_flagged(old: str, new: str, expected: str) -> None:
    assert_flagged(check_atom(mutate(GOOD_ATOM, old, new), ATOM_URL), expected)


def test_atom_self_link_resolves_xml_base() -> None:
    doc = mutate(GOOD_ATOM, SELF_LINK, '<link rel="self" xml:base="https://example.org/" '
                 'href="feed.atom"/>')  # fmt: skip
    assert check_atom(doc, ATOM_URL) == []


def test_atom_entry_author_suffices_without_feed_author() -> None:
    doc = GOOD_ATOM.replace("<author><name>Ed</name></author>", "")
    doc = doc.replace("<entry>", "<entry><author><name>Ann</name></author>")
    assert check_atom(doc.encode(), ATOM_URL) == []


# --------------------------------------------------------------------------- feedgen output

FIXED = datetime(2024, 2, 16, tzinfo=timezone(timedelta(hours=3)))


def _feedgen_feed(self_url: str = ATOM_URL, self_type: str = "application/atom+xml"):
    """A small, correct feed as the renderer would build it with feedgen 1.0.0."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id("tag:example.org,2024:feed")
    fg.title("Example news")
    fg.author({"name": "Ed", "email": "ed@example.org"})
    fg.link(href=self_url, rel="self", type=self_type)
    fg.link(href="https://example.org/", rel="alternate", type="text/html")
    fg.description("Daily news")
    fg.language("en")
    fg.updated(FIXED)
    fe = fg.add_entry(order="append")
    fe.id("tag:example.org,2024-02-16:a")
    fe.title("First & foremost")
    fe.link(href="https://example.org/a", rel="alternate", type="text/html")
    fe.content("<p>Hello <b>world</b></p>", type="html")
    fe.published(FIXED)
    fe.updated(FIXED)
    return fg, fe


def test_feedgen_atom_output_is_valid() -> None:
    fg, _ = _feedgen_feed()
    assert check_atom(fg.atom_str(pretty=True), ATOM_URL) == []


def test_feedgen_atom_entry_links_lose_rel() -> None:
    # feedgen 1.0.0 drops rel/type on entry links, so an enclosure becomes a second
    # alternate link with the same (type, hreflang) as the real one.
    fg, fe = _feedgen_feed()
    fe.link(href="https://example.org/a.mp3", rel="enclosure", type="audio/mpeg", length="1")
    problems = check_atom(fg.atom_str(), ATOM_URL)
    assert len(problems) == 1 and "2 rel=alternate links" in problems[0], problems


def test_feedgen_rss_syndication_uses_capital_u() -> None:
    fg, _ = _feedgen_feed(RSS_URL, "application/rss+xml")
    fg.load_extension("syndication")
    fg.syndication.update_period("daily")
    fg.syndication.update_frequency(1)
    problems = check_rss(fg.rss_str(), RSS_URL)
    assert len(problems) == 2, problems
    assert_flagged(problems, "sy:UpdatePeriod")
    assert_flagged(problems, "sy:UpdateFrequency")


# --------------------------------------------------------------------------- RSS

GOOD_RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:sy="{SY}">
  <channel>
    <title>Example news</title>
    <link>https://example.org/</link>
    <description>Daily news</description>
    <atom:link href="https://example.org/feed.rss" rel="self" type="application/rss+xml"/>
    <lastBuildDate>Fri, 16 Feb 2024 00:00:00 +0300</lastBuildDate>
    <ttl>60</ttl>
    <sy:updatePeriod>daily</sy:updatePeriod>
    <sy:updateFrequency>2</sy:updateFrequency>
    <item>
      <title>First &amp; foremost</title>
      <link>https://example.org/a</link>
      <description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;</description>
      <content:encoded><![CDATA[<p>Hello <b>world</b></p>]]></content:encoded>
      <guid isPermaLink="false">tag:example.org,2024-02-16:a</guid>
      <pubDate>Thu, 15 Feb 2024 23:00:00 -0500</pubDate>
    </item>
    <item>
      <description>No title; the guid is a permalink.</description>
      <guid>https://example.org/b</guid>
      <pubDate>1 Jan 2024 12:00 +0000</pubDate>
    </item>
  </channel>
</rss>
"""

ITEM_1_DESCRIPTION = "&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;"
LAST_BUILD = "Fri, 16 Feb 2024 00:00:00 +0300"


def test_rss_good_document_passes() -> None:
    assert check_rss(GOOD_RSS.encode(), RSS_URL) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("</channel>", "", "not well-formed", id="malformed"),
        pytest.param('version="2.0"', 'version="0.91"', "expected '2.0'", id="version"),
        pytest.param("<title>Example news</title>", "", "channel: missing <title>",
                     id="no-channel-title"),
        pytest.param("<link>https://example.org/</link>", "<link>/</link>",
                     "not an absolute http(s) URL", id="relative-channel-link"),
        pytest.param("<description>Daily news</description>", "<description> </description>",
                     "<description> is empty", id="empty-channel-description"),
        pytest.param("<description>Daily news</description>", "", "missing <description>",
                     id="no-channel-description"),
        pytest.param('<atom:link href="https://example.org/feed.rss" rel="self" '
                     'type="application/rss+xml"/>', "", "missing <atom:link", id="no-self"),
        pytest.param('href="https://example.org/feed.rss"', 'href="https://example.org/rss"',
                     "!= 'https://example.org/feed.rss'", id="self-mismatch"),
        pytest.param('type="application/rss+xml"', 'type="application/atom+xml"',
                     "expected 'application/rss+xml'", id="self-type"),
        pytest.param(LAST_BUILD, "Fri, 16 Feb 2024 00:00:00 GMT", "zone must be numeric",
                     id="named-zone"),
        pytest.param(LAST_BUILD, "Fri, 16 Feb 24 00:00:00 +0300", "not an RFC 822 date",
                     id="two-digit-year"),
        pytest.param(LAST_BUILD, "Sat, 16 Feb 2024 00:00:00 +0300", "does not match the date",
                     id="wrong-weekday"),
        pytest.param(LAST_BUILD, "2024-02-16T00:00:00+03:00", "not an RFC 822 date",
                     id="iso-date"),
        pytest.param(LAST_BUILD, "Fri, 30 Feb 2024 00:00:00 +0300", "impossible date",
                     id="impossible-date"),
        pytest.param("Thu, 15 Feb 2024 23:00:00 -0500", "Thu, 15 Feb 2024 23:00:00 +2500",
                     "bad zone offset", id="bad-zone"),
        pytest.param("<description>No title; the guid is a permalink.</description>", "",
                     "needs a <title> or a <description>", id="item-empty"),
        pytest.param('<guid isPermaLink="false">tag:example.org,2024-02-16:a</guid>', "",
                     "missing <guid>", id="no-guid"),
        pytest.param("<guid>https://example.org/b</guid>", "<guid>b-123</guid>",
                     "not an absolute URL", id="guid-not-permalink"),
        pytest.param('isPermaLink="false"', 'isPermaLink="no"', "must be true or false",
                     id="bad-ispermalink"),
        pytest.param("<link>https://example.org/a</link>", "<link>a.html</link>",
                     "not an absolute http(s) URL", id="relative-item-link"),
        pytest.param("First &amp; foremost", "First &lt;b&gt;foremost&lt;/b&gt;",
                     "contains HTML '</b>'", id="title-with-html"),
        pytest.param("http://purl.org/rss/1.0/modules/content/", "http://example.org/content",
                     "expected 'http://purl.org/rss/1.0/modules/content/'", id="content-ns"),
        pytest.param("<sy:updatePeriod>daily", "<sy:updatePeriod>fortnightly",
                     "is not hourly/daily", id="sy-period-value"),
        pytest.param("<sy:updateFrequency>2", "<sy:updateFrequency>0", "not a positive integer",
                     id="sy-frequency"),
        pytest.param("<sy:updatePeriod>daily</sy:updatePeriod>",
                     "<sy:UpdatePeriod>daily</sy:UpdatePeriod>", "sy:UpdatePeriod",
                     id="sy-capital-u"),
        pytest.param("<ttl>60</ttl>", "<ttl>-5</ttl>", "<ttl> '-5' is not a positive integer",
                     id="ttl"),
        pytest.param("https://example.org/b</guid>", "tag:example.org,2024-02-16:a</guid>",
                     "duplicate guid", id="duplicate-guid"),
        pytest.param("<guid>https://example.org/b</guid>",
                     '<guid isPermaLink="false">tag:example.org,2024-02-16:a</guid>',
                     "duplicate guid", id="duplicate-guid-not-permalink"),
        pytest.param(ITEM_1_DESCRIPTION, "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>",
                     id="description-script"),
        pytest.param("<![CDATA[<p>Hello <b>world</b></p>]]>",
                     "<![CDATA[<p>Hi</p><SCRIPT src=x></SCRIPT>]]>", "<script>",
                     id="content-encoded-script"),
        pytest.param(ITEM_1_DESCRIPTION, "&lt;b&gt;Hello &lt;i&gt;world&lt;/b&gt;",
                     "<i> is closed by </b>", id="description-misnested"),
        pytest.param(ITEM_1_DESCRIPTION, "<p>raw</p>", "contains child elements",
                     id="description-raw-markup"),
    ],
)  # fmt: skip
def test_rss_rule_is_flagged(old: str, new: str, expected: str) -> None:
    assert_flagged(check_rss(mutate(GOOD_RSS, old, new), RSS_URL), expected)


# --------------------------------------------------------------------------- JSON Feed

GOOD_JSON: dict = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Example news",
    "home_page_url": "https://example.org/",
    "feed_url": JSON_URL,
    "language": "en",
    "authors": [{"name": "Ed", "url": "https://example.org/ed"}],
    "items": [
        {
            "id": "tag:example.org,2024-02-16:a",
            "url": "https://example.org/a",
            "title": "First & foremost",
            "content_html": "<p>Hello <b>world</b></p>",
            "summary": "Hello",
            "date_published": "2024-02-16T00:00:00+03:00",
            "date_modified": "2024-02-16T01:00:00.123Z",
            "language": "en-GB",
            "tags": ["news"],
            "_seedfeed": {"section": "news"},
        },
        {
            "id": "b",
            "url": "https://example.org/b",
            "title": "",
            "content_text": "Plain",
            "date_published": "2024-02-14T10:00:00-05:00",
        },
    ],
}


def json_with(change: Callable[[dict], object]) -> bytes:
    doc = copy.deepcopy(GOOD_JSON)
    change(doc)
    return json.dumps(doc).encode()


def item(doc: dict) -> dict:
    return doc["items"][0]


def test_jsonfeed_good_document_passes() -> None:
    assert check_jsonfeed(json.dumps(GOOD_JSON).encode(), JSON_URL) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b'{"version": "\xff"}', "not valid UTF-8", id="not-utf8"),
        pytest.param(b"\xef\xbb\xbf{}", "not valid JSON", id="bom"),
        pytest.param(b'{"title": "a", "title": "b"}', "duplicate object key", id="dup-key"),
        pytest.param(b'{"title": NaN}', "NaN", id="nan"),
        pytest.param(b"[]", "must be an object", id="array"),
    ],
)
def test_jsonfeed_bad_bytes(data: bytes, expected: str) -> None:
    assert_flagged(check_jsonfeed(data, JSON_URL), expected)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda d: d.update(version="https://jsonfeed.org/version/1"),
                     "version", id="version"),
        pytest.param(lambda d: d.pop("title"), "title must be", id="no-title"),
        pytest.param(lambda d: d.update(home_page_url="/"), "home_page_url '/'",
                     id="relative-home"),
        pytest.param(lambda d: d.pop("feed_url"), "feed_url None", id="no-feed-url"),
        pytest.param(lambda d: d.update(feed_url="https://example.org/other.json"),
                     "not the feed's URL", id="feed-url-mismatch"),
        pytest.param(lambda d: d.update(items={}), "items must be a list", id="items-not-list"),
        pytest.param(lambda d: d.update(language="english!"), "not a language tag",
                     id="bad-language"),
        pytest.param(lambda d: d.update(authors={"name": "Ed"}), "authors must be a list",
                     id="authors-not-list"),
        pytest.param(lambda d: d.update(authors=[{"email": "ed@example.org"}]),
                     "needs a name, url or avatar", id="author-no-name"),
        pytest.param(lambda d: d.update(authors=[{"name": 3}]), "name must be a string",
                     id="author-name-type"),
        pytest.param(lambda d: d.update(homepage="https://example.org/"), "unknown key",
                     id="unknown-key"),
        pytest.param(lambda d: item(d).update(id=1), "id must be a non-empty string",
                     id="item-id-number"),
        pytest.param(lambda d: item(d).update(id="b"), "duplicate item id 'b'",
                     id="duplicate-id"),
        pytest.param(lambda d: item(d).update(url="/a"), "url '/a'", id="relative-url"),
        pytest.param(lambda d: item(d).pop("title"), "title must be a string",
                     id="item-no-title"),
        pytest.param(lambda d: item(d).pop("content_html"), "needs content_html or content_text",
                     id="no-content"),
        pytest.param(lambda d: item(d).update(content_html=["<p>"]), "content_html must be",
                     id="content-type"),
        pytest.param(lambda d: item(d).pop("date_published"), "missing date_published",
                     id="no-date"),
        pytest.param(lambda d: item(d).update(date_published="2024-02-16 00:00:00"),
                     "RFC 3339", id="date-space"),
        pytest.param(lambda d: item(d).update(date_modified="2024-02-16T00:00:00"),
                     "RFC 3339", id="modified-no-zone"),
        pytest.param(lambda d: item(d).update(summary=None), "summary must be a string",
                     id="summary-type"),
        pytest.param(lambda d: item(d).update(language=7), "not a language tag",
                     id="item-language-type"),
        pytest.param(lambda d: item(d).update(content_html="<script>x</script>"), "<script>",
                     id="content-script"),
        pytest.param(lambda d: item(d).update(tags="news"), "tags must be a list",
                     id="tags-type"),
        pytest.param(lambda d: d["items"].append("x"), "must be an object", id="item-not-object"),
    ],
)  # fmt: skip
def test_jsonfeed_rule_is_flagged(change: Callable[[dict], object], expected: str) -> None:
    assert_flagged(check_jsonfeed(json_with(change), JSON_URL), expected)


# --------------------------------------------------------------------------- OPML

GOOD_OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>Example feeds</title>
    <dateCreated>Fri, 16 Feb 2024 00:00:00 GMT</dateCreated>
    <dateModified>Fri, 16 Feb 2024 03:00:00 +0300</dateModified>
  </head>
  <body>
    <outline text="News">
      <outline type="rss" text="News (RSS)" title="News (RSS)"
               xmlUrl="https://example.org/feed.rss" htmlUrl="https://example.org/"/>
      <outline type="rss" text="News (Atom)" title="News (Atom)"
               xmlUrl="https://example.org/feed.atom"/>
    </outline>
  </body>
</opml>
"""


def test_opml_good_document_passes() -> None:
    assert check_opml(GOOD_OPML.encode()) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("</opml>", "", "not well-formed", id="malformed"),
        pytest.param('<opml version="2.0">', '<opml version="1.0">', "expected '2.0'",
                     id="version"),
        pytest.param("<title>Example feeds</title>", "", "head: missing <title>", id="no-title"),
        pytest.param("Fri, 16 Feb 2024 00:00:00 GMT", "2024-02-16", "not an RFC 822 date",
                     id="date-created"),
        pytest.param("Fri, 16 Feb 2024 03:00", "Thu, 16 Feb 2024 03:00", "does not match",
                     id="date-modified-weekday"),
        pytest.param('<outline text="News">', '<outline title="News">',
                     "missing text attribute", id="outline-no-text"),
        pytest.param('title="News (RSS)"', "", "rss outline needs a non-empty title",
                     id="rss-no-title"),
        pytest.param('text="News (Atom)"', 'text=""', "rss outline needs a non-empty text",
                     id="rss-empty-text"),
        pytest.param('xmlUrl="https://example.org/feed.atom"', "",
                     "rss outline needs a non-empty xmlUrl", id="rss-no-xmlurl"),
        pytest.param('xmlUrl="https://example.org/feed.atom"', 'xmlUrl="feed.atom"',
                     "xmlUrl 'feed.atom' is not absolute", id="relative-xmlurl"),
        pytest.param('htmlUrl="https://example.org/"', 'htmlUrl="/"', "htmlUrl '/' is not",
                     id="relative-htmlurl"),
    ],
)  # fmt: skip
def test_opml_rule_is_flagged(old: str, new: str, expected: str) -> None:
    assert_flagged(check_opml(mutate(GOOD_OPML, old, new)), expected)


def test_opml_empty_body_is_flagged() -> None:
    doc = b'<opml version="2.0"><head><title>x</title></head><body/></opml>'
    assert check_opml(doc) == ["body: needs at least one <outline>"]


def test_opml_feed_urls() -> None:
    assert opml_feed_urls(GOOD_OPML.encode()) == [
        "https://example.org/feed.rss",
        "https://example.org/feed.atom",
    ]
    with pytest.raises(ValueError, match="not well-formed"):
        opml_feed_urls(b"<opml>")


# --------------------------------------------------------------------------- HTML pages

PAGE = b"""<!DOCTYPE html>
<html lang="en"><head>
  <meta charset="utf-8"><title>Example</title>
  <link rel="stylesheet" href="/static/site.css">
  <link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.rss">
  <link rel="Alternate" type="Application/Atom+XML" href="https://example.org/feed.atom">
  <link rel="alternate feed" type="application/feed+json" href="/feed.json">
  <link rel="alternate" type="application/json; charset=utf-8" href="/legacy.json">
  <link rel="alternate" hreflang="fr" type="text/html" href="/fr/">
  <link rel="alternative" type="application/rss+xml" href="/typo.rss">
</head><body>
  <link rel="alternate" type="application/rss+xml" href="/body.rss">
  <p>Hello</p>
</body></html>
"""


def test_html_autodiscovery_finds_feed_links_in_head() -> None:
    assert check_html_autodiscovery(PAGE) == [
        ("application/rss+xml", "/feed.rss"),
        ("application/atom+xml", "https://example.org/feed.atom"),
        ("application/feed+json", "/feed.json"),
        ("application/json", "/legacy.json"),
    ]


@pytest.mark.parametrize("page", [b"", b"<html><body><p>No head links</p></body></html>"])
def test_html_autodiscovery_without_feeds(page: bytes) -> None:
    assert check_html_autodiscovery(page) == []


# --------------------------------------------------------------------------- W3C message classes
# Rules the W3C feed validator reports under a named class; each case edits one of the good
# documents above and expects either that class's message or no problem at all (None).

GOOD_DOCS = {
    "atom": (GOOD_ATOM, check_atom, ATOM_URL),
    "rss": (GOOD_RSS, check_rss, RSS_URL),
    "json": (json.dumps(GOOD_JSON), check_jsonfeed, JSON_URL),
}
_NOW = datetime.now(UTC)
RSS_ITEM_1_DATE = "Thu, 15 Feb 2024 23:00:00 -0500"
ENTRY_2_UPDATED = "2024-02-14T10:00:00-05:00"
PUBLISHED = "2024-02-15T23:59:59.5+03:00"


def check_edited(kind: str, old: str, new: str, expected: str | None) -> None:
    doc, check, url = GOOD_DOCS[kind]
    problems = check(mutate(doc, old, new), url)
    if expected is None:
        assert problems == []
    else:
        assert_flagged(problems, expected)


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        pytest.param("atom", ENTRY_2_UPDATED, "2024-02-16T00:00:00Z",
                     "DuplicateUpdated: entries 1, 2 have the same <updated>", id="same-text"),
        pytest.param("atom", ENTRY_2_UPDATED, "2024-02-15T19:00:00.000-05:00",
                     "DuplicateUpdated: entries 1, 2", id="same-instant-other-zone"),
        pytest.param("atom", ENTRY_2_UPDATED, "2024-02-16T00:00:01Z", None, id="one-second-apart"),
        pytest.param("atom", ENTRY_2_UPDATED, "2024-02-15T21:00:00Z", None,
                     id="same-as-feed-updated"),
        pytest.param("atom", PUBLISHED, "2024-02-14T18:00:00+03:00", None,
                     id="published-same-as-other-updated"),
        pytest.param("rss", "1 Jan 2024 12:00 +0000", RSS_ITEM_1_DATE, None,
                     id="rss-same-pubdate"),
    ],
)  # fmt: skip
def test_duplicate_updated(kind: str, old: str, new: str, expected: str | None) -> None:
    check_edited(kind, old, new, expected)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("Daily news", "Q&amp;amp;A corner",
                     "ContainsHTML: channel: <description> contains '&amp;'",
                     id="channel-description-double-escaped"),
        pytest.param("Daily news", "Daily &lt;i&gt;news&lt;/i&gt;",
                     "ContainsHTML: channel: <description> contains HTML '</i>'",
                     id="channel-description-html"),
        pytest.param("<ttl>", "<copyright>&lt;b&gt;Ed&lt;/b&gt;</copyright><ttl>",
                     "<copyright> contains HTML '</b>'", id="copyright-html"),
        pytest.param("First &amp; foremost", "Fee: 5 &amp;#8364;", "<title> contains '&#8364;'",
                     id="title-numeric-reference"),
        pytest.param("<guid>https://example.org/b", "<category>A &amp;apos;b</category><guid>"
                     "https://example.org/b", "<category> contains '&apos;'", id="category-apos"),
        pytest.param("First &amp; foremost", "Why Vector&lt;int&gt;?",
                     "ContainsHTML (CharacterData): item 1", id="title-less-than"),
        pytest.param("<ttl>", "<image><title>Logo&lt;/p&gt;</title></image><ttl>",
                     "channel: <image>: <title> contains HTML '</p>'", id="image-title"),
        pytest.param("First &amp; foremost", "AT&amp;T &amp; R&amp;D", None, id="ampersands"),
        pytest.param("First &amp; foremost", "1 &lt; 2", None, id="less-than-space"),
        pytest.param("First &amp; foremost", "Q&#x26;amp;A, Vector&#x3C;int>", None,
                     id="hex-references"),
    ],
)  # fmt: skip
def test_contains_html(old: str, new: str, expected: str | None) -> None:
    check_edited("rss", old, new, expected)


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        pytest.param("rss", LAST_BUILD, "Thu, 01 Jan 1970 00:00:00 +0000",
                     "ImplausibleDate: channel: <lastBuildDate> 'Thu, 01 Jan 1970", id="rss-1970"),
        pytest.param("rss", RSS_ITEM_1_DATE, format_datetime(_NOW + timedelta(hours=1)),
                     "ImplausibleDate: item 1", id="rss-next-hour"),
        pytest.param("rss", RSS_ITEM_1_DATE, format_datetime(_NOW + timedelta(minutes=5)), None,
                     id="rss-in-5-minutes"),
        pytest.param("rss", LAST_BUILD, "1 Jan 1990 00:00 +0100", None, id="rss-1990"),
        pytest.param("atom", PUBLISHED, "1989-12-31T23:59:59Z",
                     "ImplausibleDate: entry 1 (tag:example.org,2024-02-16:a): <published>",
                     id="atom-1989"),
        pytest.param("atom", PUBLISHED, "1990-01-01T01:00:00+02:00", None,
                     id="atom-written-1990"),
        pytest.param("atom", "2024-02-16T00:00:00+03:00",
                     (_NOW + timedelta(days=2)).isoformat(timespec="seconds"),
                     "ImplausibleDate: feed: <updated>", id="atom-in-2-days"),
        pytest.param("atom", PUBLISHED, (_NOW + timedelta(hours=12)).isoformat(), None,
                     id="atom-in-12-hours"),
        pytest.param("json", "2024-02-16T01:00:00.123Z", "1970-01-01T00:00:00Z",
                     "ImplausibleDate: item 1 (tag:example.org,2024-02-16:a): date_modified",
                     id="json-1970"),
    ],
)  # fmt: skip
def test_implausible_date(kind: str, old: str, new: str, expected: str | None) -> None:
    check_edited(kind, old, new, expected)


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        pytest.param("rss", "<ttl>", "<language>en_US</language><ttl>",
                     "InvalidLanguage: channel: <language> 'en_US'", id="rss-underscore"),
        pytest.param("rss", "<ttl>", "<language>english</language><ttl>",
                     "InvalidLanguage: channel: <language>", id="rss-name"),
        pytest.param("rss", "<ttl>", "<language>en-US</language><ttl>", None, id="rss-en-US"),
        pytest.param("rss", "<ttl>", "<language>ru</language><ttl>", None, id="rss-ru"),
        pytest.param("rss", "<item>", '<item xml:lang="e">', "InvalidLanguage: <item xml:lang>",
                     id="rss-xml-lang"),
        pytest.param("atom", 'xml:lang="en"', 'xml:lang="en_GB"',
                     "InvalidLanguage: <feed xml:lang> 'en_GB'", id="atom-feed"),
        pytest.param("atom", "<summary>", '<summary xml:lang="fr_CA">',
                     "InvalidLanguage: <summary xml:lang>", id="atom-summary"),
        pytest.param("atom", 'xml:lang="en"', 'xml:lang="EN-gb"', None, id="atom-en-gb"),
        pytest.param("atom", "<summary>", '<summary xml:lang="">', None, id="atom-empty"),
        pytest.param("json", '"language": "en"', '"language": "en_US"',
                     "InvalidLanguage: feed: language 'en_US'", id="json-underscore"),
        pytest.param("json", '"language": "en-GB"', '"language": "en-"',
                     "InvalidLanguage: item 1", id="json-trailing-dash"),
        pytest.param("json", '"language": "en"', '"language": "zh-Hant-TW"', None,
                     id="json-script-region"),
    ],
)  # fmt: skip
def test_invalid_language(kind: str, old: str, new: str, expected: str | None) -> None:
    check_edited(kind, old, new, expected)
