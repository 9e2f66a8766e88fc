"""RSS 2.0 and Atom 1.0 documents, built with feedgen.

feedgen is confined to this module.  Its 1.0.0 traps are handled here: every date comes
from the data (a new generator and entry stamp now()), entries are appended in our order,
the self link is added before the alternate one (RSS takes the last link as <link>), the
generator carries no version, and what feedgen writes wrong (Atom entry links lose rel
and type, issue #135; sy:UpdatePeriod is capitalised) is written by us on its tree.
"""

from __future__ import annotations

import re
from html import escape
from typing import cast

from feedgen.feed import FeedGenerator
from lxml import etree

from ..settings import rss_language
from .channel import Channel, update_schedule

ATOM_NS = "http://www.w3.org/2005/Atom"
SY_NS = "http://purl.org/rss/1.0/modules/syndication/"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATOR = "seedfeed"
GENERATOR_URI = "https://pypi.org/project/seedfeed/"
# What the W3C feed validator takes for HTML in a plain-text element: an end tag.
_END_TAG = re.compile(r"</\w+>")


def _generator(channel: Channel, self_type: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(channel.feed_id)
    fg.title(channel.title)
    fg.subtitle(channel.description)
    fg.description(channel.description)  # plain text in RSS, as the validator reads it
    fg.language(rss_language(channel.language))  # Atom's xml:lang is set in render_atom
    fg.author({"name": channel.author})
    fg.generator(GENERATOR, uri=GENERATOR_URI)
    fg.link(href=channel.self_url, rel="self", type=self_type)
    fg.link(href=channel.html_url, rel="alternate", type="text/html")
    if channel.updated is not None:
        fg.updated(channel.updated)
        fg.lastBuildDate(channel.updated)
    fg.ttl(max(1, channel.max_age // 60))
    for item in channel.items:
        entry = item.entry
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.guid(entry.id, permalink=False)
        fe.title(entry.title)
        fe.link(href=item.url, rel="alternate", type="text/html")
        fe.published(entry.published)
        fe.updated(entry.modified)
        fe.summary(escape(entry.summary, quote=False), type="html")
        fe.description(escape(entry.summary, quote=False))
        fe.content(entry.content_html, type="html")
    return fg


def _serialize(root: etree._Element) -> bytes:
    """The document, with "&" and "<" as hexadecimal character references.

    The same characters to any XML parser; the RSS Profile (rssboard.org/rss-profile,
    "Encoding & and <") asks for this form in plain-text elements, and the W3C validator
    takes a title written "&lt;b" or "&amp;amp;" to be HTML (ContainsHTML) but not one
    written "&#x3C;b" or "&#x26;amp;".
    """
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return body.replace(b"&lt;", b"&#x3C;").replace(b"&amp;", b"&#x26;")


def _add_schedule(parent: etree._Element, max_age: int, before: etree._Element | None) -> None:
    period, frequency = update_schedule(max_age)
    for name, value in (("updatePeriod", period), ("updateFrequency", str(frequency))):
        element = etree.Element(f"{{{SY_NS}}}{name}", nsmap={"sy": SY_NS})
        element.text = value
        if before is not None:
            before.addprevious(element)
        else:
            parent.append(element)


def render_rss(channel: Channel) -> bytes:
    """RSS 2.0 with atom:link self, content:encoded and RFC 822 dates with numeric zones."""
    fg = _generator(channel, "application/rss+xml")
    root = etree.fromstring(fg.rss_str(pretty=False))
    # Titles and the channel's description are plain text, written as they read.  One
    # holding an end tag ("</b>") gets the validator's ContainsHTML whatever its escaping:
    # seedfeed keeps the text (see README, "Text as written").
    root = _with_namespace(root, "sy", SY_NS)
    if channel.current is not None:
        root = _with_namespace(root, "fh", FH_NS)
    channel_el = root.find("channel")
    assert channel_el is not None  # (feedgen writes one)
    first_item = channel_el.find("item")
    _add_schedule(channel_el, channel.max_age, first_item)
    _add_history(channel_el, channel, f"{{{ATOM_NS}}}link", "application/rss+xml", first_item)
    for element, item in zip(channel_el.iterfind("item"), channel.items, strict=True):
        if item.category is not None:
            category = etree.SubElement(element, "category")
            category.text = item.category[1]
    return _serialize(root)


def render_atom(channel: Channel) -> bytes:
    """Atom 1.0 (RFC 4287) with typed entry links, html summaries and per-entry language."""
    fg = _generator(channel, "application/atom+xml")
    root = etree.fromstring(fg.atom_str(pretty=False))
    root.set(XML_LANG, channel.language)
    root = _with_namespace(root, "sy", SY_NS)
    ns = {"a": ATOM_NS}
    for text_construct in root.iterfind(".//a:title", ns), root.iterfind("a:subtitle", ns):
        for element in text_construct:
            # Text is type="text" (readers show "AT&T", not "AT&amp;T"); one holding an
            # end tag is flagged there as undeclared HTML: written as escaped html.
            if element.text and _END_TAG.search(element.text):
                element.set("type", "html")
                element.text = escape(element.text, quote=False)
    if channel.current is not None:
        root = _with_namespace(root, "fh", FH_NS)
    for element, item in zip(root.iterfind("a:entry", ns), channel.items, strict=True):
        for link in element.iterfind("a:link", ns):
            link.set("rel", "alternate")
            link.set("type", "text/html")
        if item.language:
            element.set(XML_LANG, item.language)
        if item.category is not None:
            element.append(etree.Element(f"{{{ATOM_NS}}}category", term=item.category[0],
                                         label=item.category[1]))
    first_entry = root.find("a:entry", ns)
    _add_schedule(root, channel.max_age, first_entry)
    _add_history(root, channel, f"{{{ATOM_NS}}}link", "application/atom+xml", first_entry)
    return _serialize(root)


def _add_history(parent: etree._Element, channel: Channel, link_tag: str, media_type: str,
                 before: etree._Element | None) -> None:
    """RFC 5005 section 4: links to the next older and newer archive documents and, from
    an archive document (marked fh:archive), to the subscription document (current); and
    the WebSub hub (W3C WebSub section 4: a link rel="hub" beside rel="self")."""
    added = [etree.Element(link_tag, rel=rel, href=href, type=media_type)
             for rel, href in (("current", channel.current),
                               ("prev-archive", channel.prev_archive),
                               ("next-archive", channel.next_archive)) if href is not None]
    if channel.hub is not None:
        added.append(etree.Element(link_tag, rel="hub", href=channel.hub))
    if channel.current is not None:
        added.append(etree.Element(f"{{{FH_NS}}}archive"))
    for element in added:
        if before is not None:
            before.addprevious(element)
        else:
            parent.append(element)


def _with_namespace(root: etree._Element, prefix: str, uri: str) -> etree._Element:
    """A copy of root that declares prefix:uri, so children use it without redeclaring."""
    if root.nsmap.get(prefix) == uri:
        return root
    # (None is the default namespace's key: lxml takes it, its stubs do not say so)
    nsmap = cast("dict[str, str]", {**root.nsmap, prefix: uri})
    attrib = {str(key): str(value) for key, value in root.attrib.items()}
    new_root = etree.Element(root.tag, attrib=attrib, nsmap=nsmap)
    new_root.text = root.text
    new_root.extend(list(root))
    return new_root
