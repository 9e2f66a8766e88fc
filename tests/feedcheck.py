"""Strict, offline validators for the documents seedfeed publishes.

The tests cannot call the W3C feed validator (no network, and it is slow), so this module
re-implements the rules we care about: the ones a feed reader or the validator would
reject or warn about.  Every checker takes the document's bytes (plus, for feeds, the
URL the document is served at, because a feed must point at itself) and returns a list
of human-readable problems.  An empty list means the document is valid.  Checkers never
raise on bad input: malformed input is itself reported as a problem, so one assertion
(`assert check_atom(...) == []`) shows everything that is wrong at once.  A problem the
W3C feed validator also reports starts with its message class ("DuplicateUpdated: ...").

Public API:

- ``check_atom(data, self_url)``        Atom 1.0 (RFC 4287)
- ``check_rss(data, self_url)``         RSS 2.0, RSS Advisory Board best-practices profile
- ``check_jsonfeed(data, self_url)``    JSON Feed 1.1
- ``check_opml(data)``                  OPML 2.0 subscription lists
- ``opml_feed_urls(data)``              the xmlUrl of every rss outline
- ``check_html_autodiscovery(html)``    the feed ``<link rel="alternate">`` tags of a page
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from email.utils import mktime_tz, parsedate_tz
from html.entities import name2codepoint
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

__all__ = [
    "check_atom",
    "check_html_autodiscovery",
    "check_jsonfeed",
    "check_opml",
    "check_rss",
    "opml_feed_urls",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
XHTML_NS = "http://www.w3.org/1999/xhtml"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
SY_NS = "http://purl.org/rss/1.0/modules/syndication/"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# RFC 822 named zones (military single letters are excluded: RFC 1123 says they are
# unreliable).  Only OPML accepts these; the RSS profile demands numeric zones.
_NAMED_ZONES = frozenset({"UT", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"})

_RFC822_RE = re.compile(
    r"(?:(?P<wday>[A-Za-z]{3}), )?(?P<day>\d{1,2}) (?P<mon>[A-Za-z]{3}) (?P<year>\d{4}) "
    r"(?P<hh>\d{2}):(?P<mi>\d{2})(?::(?P<ss>\d{2}))? (?P<zone>[+-]\d{4}|[A-Z]{1,3})"
)
# RFC 4287 section 3.3 tightens RFC 3339: uppercase "T" and "Z" only.
_RFC3339_RE = re.compile(
    r"(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})"
)

# RFC 4151: tag:authority,date:specific[#fragment]
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DNS_NAME = rf"{_LABEL}(?:\.{_LABEL})*"
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_TAG_URI_RE = re.compile(
    rf"tag:(?P<authority>{_DNS_NAME}|[A-Za-z0-9\-._]+@{_DNS_NAME}),"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    rf":(?:{_PCHAR}|[/?])*(?:#(?:{_PCHAR}|[/?])*)?"
)
_URN_RE = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+", re.IGNORECASE)
_MIME_RE = re.compile(r"[A-Za-z0-9][\w!#$&.+^-]*/[A-Za-z0-9][\w!#$&.+^-]*")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# RFC 5646 section 2.1 well-formedness (grandfathered irregular tags like "i-klingon" excluded).
_BCP47_RE = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?"
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*"
    r"(?:-x(?:-[a-z\d]{1,8})+)?|x(?:-[a-z\d]{1,8})+",
    re.IGNORECASE | re.ASCII,
)
# The W3C validator (validators.py iso639_validate, iso639codes.py) wants the part before the
# first "-", lowercased, to be "x", one of these ISO 639-1 codes or an ISO 639-2 code.
_ISO639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mo mr ms mt my na nb nd ne ng
    nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si
    sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur
    uz ve vi vo wa wo xh yi yo za zh zu""".split()  # noqa: SIM905 - a compact table
)
# W3C ImplausibleDate (validators.py implausible_822/_8601): written year before 1990, or later
# than now + 10 min (RFC 822) or + 1 day (RFC 3339: its finer check needs the gone PyXML).
_PLAUSIBLE_YEAR = 1990
_RFC822_GRACE = 600
_RFC3339_GRACE = 86400

# Element names that make "<name>" in plain text look like HTML that was meant to be
# markup.  A fixed list (rather than any "<word>") avoids flagging "Vector<int>".
_HTML_ELEMENTS = frozenset(
    {
        "a", "abbr", "address", "article", "aside", "audio", "b", "bdi", "bdo", "big",
        "blockquote", "body", "br", "button", "canvas", "caption", "center", "cite", "code",
        "col", "colgroup", "data", "dd", "del", "details", "dfn", "dialog", "div", "dl", "dt",
        "em", "embed", "fieldset", "figcaption", "figure", "font", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "i", "iframe", "img", "input",
        "ins", "kbd", "label", "legend", "li", "link", "main", "mark", "meta", "nav",
        "noscript", "object", "ol", "optgroup", "option", "p", "param", "picture", "pre", "q",
        "rp", "rt", "ruby", "s", "samp", "script", "section", "select", "small", "source",
        "span", "strike", "strong", "style", "sub", "summary", "sup", "table", "tbody", "td",
        "template", "textarea", "tfoot", "th", "thead", "time", "title", "tr", "track", "tt",
        "u", "ul", "var", "video", "wbr",  # and the rest of the W3C validator's htmltags:
        "acronym", "applet", "area", "base", "basefont", "command", "comment", "datagrid",
        "datalist", "dir", "eventsource", "frame", "frameset", "hgroup", "isindex", "listing",
        "m", "map", "menu", "meter", "noframes", "output", "plaintext", "progress", "slot", "xmp"
    }
)  # fmt: skip
# The W3C validator's "nonhtml" rule (validators.py) on decoded plain text: an HTML end tag;
# else an entity or character reference (double escaping); else "<" + letter or "/".
_END_TAG_RE = re.compile(r"</(\w+)>")
_ENTITY_RE = re.compile(r"&(#?\w+)")
_CHARDATA_RE = re.compile(r"&#[x0-9]|<[/a-zA-Z]")
_DANGEROUS_RE = re.compile(r"<(script|applet|embed|object|iframe)\b", re.IGNORECASE)

_VOID_ELEMENTS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"
    }
)  # fmt: skip
# Elements whose end tag HTML lets you omit; leaving them open is not "unbalanced".
_OPTIONAL_END = frozenset(
    {
        "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
        "optgroup", "colgroup", "caption", "rt", "rp", "html", "head", "body"
    }
)  # fmt: skip


# --------------------------------------------------------------------------- shared helpers


def _parse_xml(data: bytes) -> tuple[etree._Element | None, list[str]]:
    """Parse untrusted bytes without touching the network or expanding entities.

    A DOCTYPE is reported because feed readers do not load DTDs, so any entity it
    declares would be undefined for them.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return None, [f"not well-formed XML: {exc}"]
    problems = []
    if root.getroottree().docinfo.doctype:
        problems.append("document has a DOCTYPE; feed readers do not load DTDs")
    return root, problems


def _children(parent: etree._Element, tag: str) -> list[etree._Element]:
    """Direct children with a given Clark-notation tag (comments and PIs skipped)."""
    return [child for child in parent if child.tag == tag]


def _text(el: etree._Element | None) -> str:
    """The decoded character content of an element, or "" if it is absent."""
    return "" if el is None else "".join(el.itertext())


def _has_child_elements(el: etree._Element) -> bool:
    """True when an element that should hold only text holds markup instead."""
    return any(isinstance(child.tag, str) for child in el)


def _count_problems(
    parent: etree._Element, where: str, tags: Iterable[str], *, exactly_one: bool
) -> list[str]:
    """Cardinality checks: "exactly one" for required elements, "at most one" otherwise."""
    problems = []
    for tag in tags:
        n = len(_children(parent, tag))
        name = etree.QName(tag).localname
        if exactly_one and n == 0:
            problems.append(f"{where}: missing <{name}>")
        elif n > 1:
            problems.append(f"{where}: {n} <{name}> elements, expected at most one")
    return problems


def _is_absolute_url(value: object, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """An absolute URL with a host: relative links break once a feed is copied elsewhere."""
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(host)


def _rfc822_problem(value: str, *, numeric_zone_only: bool) -> str | None:
    """Why `value` is not an RFC 822 date (4-digit year), or None if it is one.

    The RSS best-practices profile wants numeric zones (`+0300`) because named zones
    other than GMT are ambiguous to many readers; OPML keeps plain RFC 822.
    """
    m = _RFC822_RE.fullmatch(value.strip())
    if not m:
        example = "Fri, 16 Feb 2024 00:00:00 +0300"
        return f"{value!r} is not an RFC 822 date like {example!r}"
    if m["mon"] not in _MONTHS:
        return f"{value!r}: unknown month {m['mon']!r}"
    zone = m["zone"]
    if zone[0] in "+-":
        zh, zm = int(zone[1:3]), int(zone[3:5])
        if zh > 23 or zm > 59:
            return f"{value!r}: bad zone offset {zone!r}"
    elif numeric_zone_only:
        return f"{value!r}: zone must be numeric (like +0000), not {zone!r}"
    elif zone not in _NAMED_ZONES:
        return f"{value!r}: unknown time zone {zone!r}"
    try:
        moment = datetime(
            int(m["year"]), _MONTHS.index(m["mon"]) + 1, int(m["day"]),
            int(m["hh"]), int(m["mi"]), int(m["ss"] or 0),
        )  # fmt: skip
    except ValueError as exc:
        return f"{value!r}: impossible date or time ({exc})"
    if m["wday"] is not None:
        if m["wday"] not in _WEEKDAYS:
            return f"{value!r}: unknown weekday {m['wday']!r}"
        actual = _WEEKDAYS[moment.weekday()]
        if m["wday"] != actual:
            return f"{value!r}: weekday {m['wday']} does not match the date (it is a {actual})"
    return None


def _parse_rfc3339(value: str) -> datetime | None:
    """An aware datetime if `value` is an RFC 3339 date-time with a zone, else None."""
    m = _RFC3339_RE.fullmatch(value)
    if not m:
        return None
    frac = (m["frac"] or "")[:6].ljust(6, "0")
    zone = "+00:00" if m["zone"] == "Z" else m["zone"]
    try:
        parsed = datetime.fromisoformat(f"{m['base']}.{frac}{zone}")
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _rfc3339_problem(value: object, where: str) -> str | None:
    """A problem message unless `value` is a plausible RFC 3339 date-time with a time zone."""
    moment = _parse_rfc3339(value) if isinstance(value, str) else None
    if moment is None:
        return f"{where}: {value!r} is not an RFC 3339 date-time with a time zone"
    return _implausible(value, where, moment.year, moment.timestamp(), _RFC3339_GRACE)


def _implausible(value: object, where: str, year: int, stamp: float, grace: int) -> str | None:
    """ImplausibleDate for a valid date written with a year before 1990 or later than now+grace."""
    if year < _PLAUSIBLE_YEAR:
        return f"ImplausibleDate: {where} {value!r} is before {_PLAUSIBLE_YEAR}"
    if stamp > time.time() + grace:
        return f"ImplausibleDate: {where} {value!r} is more than {grace} s in the future"
    return None


def _iso639_problem(value: str, where: str) -> str | None:
    """InvalidLanguage unless the part before the first "-" is an ISO 639 code (W3C rule;
    any three ASCII letters stand in for its ISO 639-2 table)."""
    primary = value.split("-", 1)[0].lower()
    if primary in _ISO639_1 or primary == "x" or re.fullmatch(r"[a-z]{3}", primary):
        return None
    return f"InvalidLanguage: {where} {value!r} is not an ISO 639 language code like 'en-US'"


def _xml_lang_problems(root: etree._Element) -> list[str]:
    """The W3C validator checks every non-empty xml:lang attribute, on any element."""
    return [
        problem
        for el in root.iter()
        if isinstance(el.tag, str) and (lang := el.get(XML_LANG))
        if (problem := _iso639_problem(lang, f"<{etree.QName(el).localname} xml:lang>"))
    ]


class _HtmlBalance(HTMLParser):
    """Tracks open elements to spot stray, unclosed and misnested tags in an HTML fragment.

    This is deliberately "well-formed-ish": void elements and elements whose end tag
    HTML allows you to omit (p, li, td, ...) are not reported when left open.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check_attrs(tag, attrs)
        if tag not in _VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check_attrs(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_ELEMENTS:
            return
        if tag not in self.stack:
            self.problems.append(f"stray </{tag}> without a matching start tag")
            return
        while self.stack[-1] != tag:
            inner = self.stack.pop()
            if inner not in _OPTIONAL_END:
                self.problems.append(f"<{inner}> is closed by </{tag}> (misnested tags)")
        self.stack.pop()

    def close(self) -> None:
        super().close()
        for tag in self.stack:
            if tag not in _OPTIONAL_END:
                self.problems.append(f"<{tag}> is never closed")
        self.stack.clear()

    def _check_attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Event handlers and javascript: URLs are stripped or refused by feed readers."""
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler attribute {name!r}")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}> uses a javascript: URL")


def _html_problems(html: str, where: str) -> list[str]:
    """Problems in an HTML fragment: active content, or tags that do not balance."""
    problems = [
        f"{where}: html contains a <{m.group(1).lower()}> element"
        for m in _DANGEROUS_RE.finditer(html)
    ]
    checker = _HtmlBalance()
    try:
        checker.feed(html)
        checker.close()
    except AssertionError as exc:  # html.parser's way of giving up on bad declarations
        checker.problems.append(f"html cannot be parsed ({exc})")
    problems.extend(f"{where}: {problem}" for problem in checker.problems)
    return problems


def _syndication_problems(root: etree._Element) -> list[str]:
    """RSS syndication module (sy:) checks, shared by RSS and Atom.

    The module's names start lowercase; feedgen 1.0.0 writes `sy:UpdatePeriod`, which
    readers ignore, so any other name is reported.
    """
    problems = []
    known = {"updatePeriod", "updateFrequency", "updateBase"}
    for el in root.iter(f"{{{SY_NS}}}*"):
        name = etree.QName(el).localname
        if name not in known:
            problems.append(
                f"unknown element sy:{name} (the syndication module defines "
                "sy:updatePeriod, sy:updateFrequency and sy:updateBase)"
            )
    for el in root.iter(f"{{{SY_NS}}}updatePeriod"):
        if _text(el).strip() not in {"hourly", "daily", "weekly", "monthly", "yearly"}:
            problems.append(f"sy:updatePeriod {_text(el)!r} is not hourly/daily/weekly/...")
    for el in root.iter(f"{{{SY_NS}}}updateFrequency"):
        if not _is_positive_int(_text(el).strip()):
            problems.append(f"sy:updateFrequency {_text(el)!r} is not a positive integer")
    return problems


def _is_positive_int(value: str) -> bool:
    """Digits only (no sign, no spaces inside) and greater than zero."""
    return value.isascii() and value.isdigit() and int(value) > 0


def _duplicates(values: Iterable[str]) -> list[str]:
    """Values that occur more than once, in first-seen order."""
    return [value for value, n in Counter(values).items() if n > 1]


# --------------------------------------------------------------------------- Atom


def _atom(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _atom_id_problem(value: str, where: str) -> str | None:
    """Atom ids are compared character by character, so they must be full, stable URIs."""
    lowered = value.lower()
    if value != value.strip() or any(c.isspace() for c in value):
        return f"{where}: id {value!r} contains whitespace"
    if lowered.startswith("tag:"):
        m = _TAG_URI_RE.fullmatch(value)
        if not m:
            return f"{where}: id {value!r} is not a valid tag URI (tag:authority,YYYY:specific)"
        try:
            datetime(int(m["year"]), int(m["month"] or 1), int(m["day"] or 1))
        except ValueError:
            return f"{where}: id {value!r} has an impossible date in its tag URI"
        return None
    if lowered.startswith("urn:"):
        return None if _URN_RE.fullmatch(value) else f"{where}: id {value!r} is not a valid URN"
    if lowered.startswith(("http:", "https:")):
        return None if _is_absolute_url(value) else f"{where}: id {value!r} is not a full URL"
    return f"{where}: id {value!r} is not a full URI (use tag:, urn:, http: or https:)"


def _link_rel(link: etree._Element) -> str:
    """A missing rel means "alternate" (RFC 4287 section 4.2.7.2)."""
    rel = link.get("rel", "alternate").strip()
    return "alternate" if rel == "http://www.iana.org/assignments/relation/alternate" else rel


def _atom_link_problems(parent: etree._Element, where: str) -> list[str]:
    """Every link needs an href; alternates must be unique per (type, hreflang)."""
    links = _children(parent, _atom("link"))
    problems = [f"{where}: <link> without href" for link in links if not link.get("href")]
    alternates = Counter(
        (link.get("type"), link.get("hreflang")) for link in links if _link_rel(link) == "alternate"
    )
    for (type_, hreflang), n in alternates.items():
        if n > 1:
            problems.append(
                f"{where}: {n} rel=alternate links with type={type_!r} and hreflang={hreflang!r}"
            )
    return problems


def _atom_date_problems(parent: etree._Element, where: str, names: Iterable[str]) -> list[str]:
    problems = []
    for name in names:
        for el in _children(parent, _atom(name)):
            problem = _rfc3339_problem(_text(el).strip(), f"{where}: <{name}>")
            if problem:
                problems.append(problem)
    return problems


def _atom_text_construct_problems(el: etree._Element, where: str,
                                  hex_lines: frozenset[int] = frozenset()) -> list[str]:
    """RFC 4287 section 3.1 text constructs, plus atom:content (section 4.1.3)."""
    name = etree.QName(el).localname
    label = f"{where}: <{name}>"
    is_content = name == "content"
    type_ = el.get("type", "text")
    src = el.get("src") if is_content else None
    if type_ not in {"text", "html", "xhtml"}:
        if not is_content:
            return [f"{label} has type {type_!r}; expected text, html or xhtml"]
        if not _MIME_RE.fullmatch(type_) or type_.lower().startswith("multipart/"):
            return [f"{label} has type {type_!r}; expected text, html, xhtml or a MIME type"]
        return []
    if src is not None:
        return [f"{label} has src, so its type must be a MIME type, not {type_!r}"]
    if type_ == "xhtml":
        return _xhtml_problems(el, label)
    if _has_child_elements(el):
        return [f"{label} (type={type_}) contains child elements; escape the markup"]
    text = _text(el)
    if type_ == "html":
        return _html_problems(text, label)
    if not is_content:
        return _nonhtml_problems(el, label, hex_lines, rss=False)
    return []


def _xhtml_problems(el: etree._Element, label: str) -> list[str]:
    """type="xhtml" content must be exactly one xhtml:div wrapping the markup."""
    elements = [child for child in el if isinstance(child.tag, str)]
    stray = (el.text or "").strip() or any((child.tail or "").strip() for child in el)
    if len(elements) != 1 or elements[0].tag != f"{{{XHTML_NS}}}div" or stray:
        return [f"{label} (type=xhtml) must contain exactly one xhtml:div element"]
    return [
        f"{label} contains a <{etree.QName(bad).localname}> element"
        for bad in elements[0].iter(
            *(f"{{{XHTML_NS}}}{tag}" for tag in ("script", "applet", "embed", "object", "iframe"))
        )
    ]


def _atom_author_problems(parent: etree._Element, where: str) -> list[str]:
    """Each person construct needs exactly one non-empty name."""
    problems = []
    for tag in ("author", "contributor"):
        for person in _children(parent, _atom(tag)):
            names = _children(person, _atom("name"))
            if len(names) != 1 or not _text(names[0]).strip():
                problems.append(f"{where}: <{tag}> must have exactly one non-empty <name>")
    return problems


def _atom_common_problems(el: etree._Element, where: str,
                          hex_lines: frozenset[int] = frozenset()) -> list[str]:
    """Checks that apply in the same way to atom:feed and atom:entry."""
    problems = _count_problems(el, where, map(_atom, ("id", "title", "updated")), exactly_one=True)
    for id_el in _children(el, _atom("id")):
        if problem := _atom_id_problem(_text(id_el), where):
            problems.append(problem)
    problems += _atom_date_problems(el, where, ("updated", "published"))
    problems += _atom_author_problems(el, where)
    problems += _atom_link_problems(el, where)
    for name in ("title", "subtitle", "summary", "content", "rights"):
        for text_el in _children(el, _atom(name)):
            problems += _atom_text_construct_problems(text_el, where, hex_lines)
    return problems


def _atom_entry_problems(entry: etree._Element, where: str, feed_has_author: bool,
                         hex_lines: frozenset[int] = frozenset()) -> list[str]:
    problems = _atom_common_problems(entry, where, hex_lines)
    singles = ("content", "published", "rights", "source", "summary")
    problems += _count_problems(entry, where, map(_atom, singles), exactly_one=False)
    contents = _children(entry, _atom("content"))
    alternates = [
        link for link in _children(entry, _atom("link")) if _link_rel(link) == "alternate"
    ]
    if not contents and not alternates:
        problems.append(f"{where}: needs a rel=alternate <link> or a <content>")
    for content in contents:
        type_ = content.get("type", "text")
        opaque = type_ not in {"text", "html", "xhtml"} and not (
            type_.startswith("text/") or type_.endswith(("/xml", "+xml"))
        )
        if (content.get("src") is not None or opaque) and not _children(entry, _atom("summary")):
            problems.append(f"{where}: <content> with src or a binary type needs a <summary>")
    source_authors = [
        author
        for source in _children(entry, _atom("source"))
        for author in _children(source, _atom("author"))
    ]
    if not feed_has_author and not _children(entry, _atom("author")) and not source_authors:
        problems.append(f"{where}: no <author> on the entry and none on the feed")
    return problems


def check_atom(data: bytes, self_url: str) -> list[str]:
    """Validate an Atom 1.0 feed (RFC 4287) served at `self_url`."""
    feed, problems = _parse_xml(data)
    if feed is None:
        return problems
    if feed.tag != _atom("feed"):
        return problems + [f"root element is {feed.tag!r}, expected {{{ATOM_NS}}}feed"]

    hex_lines = _hex_lines(data)
    problems += _atom_common_problems(feed, "feed", hex_lines)
    singles = ("subtitle", "rights", "icon", "logo", "generator")
    problems += _count_problems(feed, "feed", map(_atom, singles), exactly_one=False)

    self_links = [link for link in _children(feed, _atom("link")) if _link_rel(link) == "self"]
    hrefs = [urljoin(link.base or "", link.get("href", "")) for link in self_links]
    if not self_links:
        problems.append(f'feed: missing <link rel="self" href={self_url!r}>')
    elif self_url not in hrefs:
        problems.append(f"feed: rel=self link {hrefs[0]!r} is not the feed's URL {self_url!r}")

    feed_has_author = bool(_children(feed, _atom("author")))
    entries = _children(feed, _atom("entry"))
    ids = []
    updated: dict[datetime, list[int]] = {}  # instant -> entry numbers (W3C DuplicateUpdated)
    for index, entry in enumerate(entries, start=1):
        entry_id = _text(entry.find(_atom("id")))
        ids.append(entry_id)
        where = f"entry {index} ({entry_id})" if entry_id else f"entry {index}"
        problems += _atom_entry_problems(entry, where, feed_has_author, hex_lines)
        for el in _children(entry, _atom("updated")):
            if (moment := _parse_rfc3339(_text(el).strip())) is not None:
                updated.setdefault(moment, []).append(index)
    problems += [f"duplicate entry id {dup!r}" for dup in _duplicates(i for i in ids if i)]
    problems += [
        f"DuplicateUpdated: entries {', '.join(map(str, numbers))} have the same <updated> "
        f"instant {moment.isoformat()}"
        for moment, numbers in updated.items()
        if len(numbers) > 1
    ]
    problems += _xml_lang_problems(feed)
    problems += _syndication_problems(feed)
    return problems


# --------------------------------------------------------------------------- RSS


def _rss_date_problems(parent: etree._Element, where: str, names: Iterable[str]) -> list[str]:
    problems = []
    for name in names:
        for el in _children(parent, name):
            value = _text(el).strip()
            if reason := _rfc822_problem(_text(el), numeric_zone_only=True):
                problems.append(f"{where}: <{name}> {reason}")
            elif parsed := parsedate_tz(value):
                label, stamp = f"{where}: <{name}>", mktime_tz(parsed)
                if problem := _implausible(value, label, parsed[0], stamp, _RFC822_GRACE):
                    problems.append(problem)
    return problems


def _rss_text_only_problems(parent: etree._Element, where: str) -> list[str]:
    """Core RSS elements hold (escaped) text; raw child elements mean unescaped HTML."""
    names = ("title", "link", "description", "guid", "pubDate", "lastBuildDate", "author")
    return [
        f"{where}: <{name}> contains child elements; escape the HTML inside it"
        for name in names
        for el in _children(parent, name)
        if _has_child_elements(el)
    ]


# RSS elements the W3C validator checks as plain text (its "nonhtml" validator).
_RSS_PLAIN_TEXT = {
    "channel": ("title", "description", "copyright", "category"),
    "item": ("title", "category", "source"),
    "image": ("title", "description"),
    "textInput": ("title",),
}


def _rss_plain_text_problems(
    parent: etree._Element, where: str, hex_lines: frozenset[int]
) -> list[str]:
    """ContainsHTML in plain-text RSS elements (see _nonhtml_problems)."""
    return [problem for name in _RSS_PLAIN_TEXT[etree.QName(parent).localname]
            for el in _children(parent, name)
            for problem in _nonhtml_problems(el, f"{where}: <{name}>", hex_lines, rss=True)]


def _nonhtml_problems(el: etree._Element, label: str, hex_lines: frozenset[int], *,
                      rss: bool) -> list[str]:
    """The validator's "nonhtml" rule on an element's decoded plain text: an HTML end tag
    (ContainsHTML in RSS, ContainsUndeclaredHTML in an Atom type="text" construct); else an
    entity or character reference (double escaping); else, in RSS, "<" + letter or "/".
    All but end tags are forgiven on lines that use hex references (`hex_lines`), as the
    RSS profile asks."""
    name = "ContainsHTML" if rss else "ContainsUndeclaredHTML"
    text = _text(el).strip()
    tags = [m[0] for m in _END_TAG_RE.finditer(text) if m[1].lower() in _HTML_ELEMENTS]
    first = el.sourceline or 0
    if tags:
        return [f"{name}: {label} contains HTML {tags[0]!r}"]
    if hex_lines.intersection(range(first, first + _text(el).count("\n") + 1)):
        return []
    refs = [f"&{m[1]};" for m in _ENTITY_RE.finditer(text)
            if m[1] in name2codepoint or m[1] == "apos" or not m[1].isalpha()]
    if refs:
        return [f"{name}: {label} contains {refs[0]!r} (escaped twice?)"]
    if rss and not _ENTITY_RE.search(text) and (m := _CHARDATA_RE.search(text)):
        return [f"ContainsHTML (CharacterData): {label} has {m[0]!r}; write '<' and '&' "
                "in plain text as &#x3C; and &#x26;"]
    return []


def _hex_lines(data: bytes) -> frozenset[int]:
    """Numbers of the lines that use hexadecimal character references."""
    return frozenset(n for n, line in enumerate(data.split(b"\n"), 1) if b"&#x" in line)


def _rss_html_problems(parent: etree._Element, where: str) -> list[str]:
    """description and content:encoded are HTML; check them like Atom html content."""
    problems = []
    for el in _children(parent, "description") + _children(parent, f"{{{CONTENT_NS}}}encoded"):
        name = "content:encoded" if el.tag != "description" else "description"
        problems += _html_problems(_text(el), f"{where}: <{name}>")
    return problems


def _rss_channel_problems(channel: etree._Element, self_url: str) -> list[str]:
    where = "channel"
    problems = _count_problems(channel, where, ("title", "link", "description"), exactly_one=True)
    singles = ("language", "pubDate", "lastBuildDate", "ttl", "image")
    problems += _count_problems(channel, where, singles, exactly_one=False)
    for link in _children(channel, "link"):
        if not _is_absolute_url(_text(link).strip()):
            problems.append(f"channel: <link> {_text(link)!r} is not an absolute http(s) URL")
    for desc in _children(channel, "description"):
        if not _text(desc).strip():
            problems.append("channel: <description> is empty")
    problems += _rss_date_problems(channel, where, ("pubDate", "lastBuildDate"))
    problems += _rss_text_only_problems(channel, where)
    for el in _children(channel, "language"):
        if problem := _iso639_problem(_text(el).strip(), "channel: <language>"):
            problems.append(problem)
    for ttl in _children(channel, "ttl"):
        if not _is_positive_int(_text(ttl).strip()):
            problems.append(f"channel: <ttl> {_text(ttl)!r} is not a positive integer")

    self_links = [
        link for link in _children(channel, f"{{{ATOM_NS}}}link") if link.get("rel") == "self"
    ]
    if not self_links:
        problems.append(
            f'channel: missing <atom:link rel="self" type="application/rss+xml" href={self_url!r}>'
        )
    for link in self_links:
        if link.get("href") != self_url:
            problems.append(
                f"channel: atom:link rel=self href {link.get('href')!r} != {self_url!r}"
            )
        if link.get("type") != "application/rss+xml":
            problems.append(
                f"channel: atom:link rel=self has type {link.get('type')!r}, "
                "expected 'application/rss+xml'"
            )
    return problems


def _rss_item_problems(item: etree._Element, where: str) -> list[str]:
    singles = ("title", "link", "description", "guid", "pubDate", "author", "source")
    problems = _count_problems(item, where, singles, exactly_one=False)
    if not _children(item, "title") and not _children(item, "description"):
        problems.append(f"{where}: needs a <title> or a <description>")
    guids = _children(item, "guid")
    if not guids:
        problems.append(f"{where}: missing <guid>")
    for guid in guids:
        permalink = guid.get("isPermaLink", "true")
        if permalink not in {"true", "false"}:
            problems.append(f"{where}: <guid isPermaLink={permalink!r}> must be true or false")
        elif permalink == "true" and not _is_absolute_url(_text(guid).strip()):
            problems.append(
                f"{where}: <guid> {_text(guid)!r} is a permalink but not an absolute URL "
                '(add isPermaLink="false")'
            )
        if not _text(guid).strip():
            problems.append(f"{where}: <guid> is empty")
    for link in _children(item, "link"):
        if not _is_absolute_url(_text(link).strip()):
            problems.append(f"{where}: <link> {_text(link)!r} is not an absolute http(s) URL")
    problems += _rss_date_problems(item, where, ("pubDate",))
    problems += _rss_text_only_problems(item, where)
    problems += _rss_html_problems(item, where)
    return problems


def _rss_namespace_problems(root: etree._Element) -> list[str]:
    """`content:encoded` is only understood in the real content module namespace."""
    problems = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        if qname.localname == "encoded" and qname.namespace != CONTENT_NS:
            problems.append(
                f"<{el.prefix + ':' if el.prefix else ''}encoded> is in namespace "
                f"{qname.namespace!r}, expected {CONTENT_NS!r}"
            )
    return problems


def check_rss(data: bytes, self_url: str) -> list[str]:
    """Validate an RSS 2.0 feed served at `self_url` (RSS Advisory Board profile)."""
    root, problems = _parse_xml(data)
    if root is None:
        return problems
    if root.tag != "rss":
        return problems + [f"root element is {root.tag!r}, expected 'rss'"]
    if root.get("version") != "2.0":
        problems.append(f"<rss version={root.get('version')!r}>, expected '2.0'")
    channels = _children(root, "channel")
    if len(channels) != 1:
        return problems + [f"<rss> has {len(channels)} <channel> elements, expected one"]
    channel = channels[0]
    problems += _rss_channel_problems(channel, self_url)
    hex_lines = _hex_lines(data)
    problems += _rss_plain_text_problems(channel, "channel", hex_lines)
    for sub in ("image", "textInput"):
        for el in _children(channel, sub):
            problems += _rss_plain_text_problems(el, f"channel: <{sub}>", hex_lines)

    guids = []
    for index, item in enumerate(_children(channel, "item"), start=1):
        guid = _text(item.find("guid")).strip()
        guids.append(guid)
        where = f"item {index} ({guid})" if guid else f"item {index}"
        problems += _rss_item_problems(item, where)
        problems += _rss_plain_text_problems(item, where, hex_lines)
    problems += [f"duplicate guid {dup!r}" for dup in _duplicates(g for g in guids if g)]
    problems += _rss_namespace_problems(root)
    problems += _xml_lang_problems(root)
    problems += _syndication_problems(root)
    return problems


# --------------------------------------------------------------------------- JSON Feed

_JSONFEED_TOP_KEYS = frozenset(
    {
        "version", "title", "home_page_url", "feed_url", "description", "user_comment",
        "next_url", "icon", "favicon", "authors", "author", "language", "expired", "hubs",
        "items"
    }
)  # fmt: skip
_JSONFEED_ITEM_KEYS = frozenset(
    {
        "id", "url", "external_url", "title", "content_html", "content_text", "summary",
        "image", "banner_image", "date_published", "date_modified", "authors", "author", "tags",
        "language", "attachments"
    }
)  # fmt: skip
_JSONFEED_AUTHOR_KEYS = frozenset({"name", "url", "avatar"})


class _JsonProblem(ValueError):
    """Raised from json.loads hooks for input the JSON spec calls invalid or ambiguous."""


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Duplicate keys are legal for Python's parser but readers disagree on which wins."""
    keys = [key for key, _ in pairs]
    if dups := _duplicates(keys):
        raise _JsonProblem(f"duplicate object key {dups[0]!r}")
    return dict(pairs)


def _reject_constant(name: str) -> object:
    raise _JsonProblem(f"{name} is not valid JSON")


def _load_json(data: bytes) -> tuple[object, list[str]]:
    """Decode strictly: UTF-8 without BOM, no duplicate keys, no NaN/Infinity."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"not valid UTF-8: {exc}"]
    try:
        return json.loads(
            text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
        ), []
    except ValueError as exc:  # includes json.JSONDecodeError and _JsonProblem
        return None, [f"not valid JSON: {exc}"]


def _unknown_keys(obj: dict[str, object], known: frozenset[str], where: str) -> list[str]:
    """JSON Feed extensions must start with "_"; anything else is a typo or invalid."""
    return [
        f"{where}: unknown key {key!r} (extensions must start with '_')"
        for key in obj
        if key not in known and not key.startswith("_")
    ]


def _json_optional_problems(obj: dict[str, object], where: str, spec: dict[str, str]) -> list[str]:
    """Type-check optional members; `spec` maps key -> "str", "url", "bool", "lang" or "date"."""
    problems = []
    for key, kind in spec.items():
        if key not in obj:
            continue
        value = obj[key]
        label = f"{where}: {key}"
        if kind == "url" and not _is_absolute_url(value):
            problems.append(f"{label} {value!r} is not an absolute http(s) URL")
        elif kind == "str" and not isinstance(value, str):
            problems.append(f"{label} must be a string, not {type(value).__name__}")
        elif kind == "bool" and not isinstance(value, bool):
            problems.append(f"{label} must be true or false")
        elif kind == "lang" and not (isinstance(value, str) and _BCP47_RE.fullmatch(value)):
            problems.append(f"InvalidLanguage: {label} {value!r} is not a language tag (BCP 47)")
        elif kind == "date" and (problem := _rfc3339_problem(value, label)):
            problems.append(problem)
    return problems


def _json_authors_problems(obj: dict[str, object], where: str) -> list[str]:
    """`authors` is a list of objects, each with at least one of name, url, avatar."""
    problems = []
    candidates: list[tuple[str, object]] = []
    if "authors" in obj:
        authors = obj["authors"]
        if not isinstance(authors, list):
            return [f"{where}: authors must be a list"]
        candidates += [(f"{where}: authors[{i}]", a) for i, a in enumerate(authors)]
    if "author" in obj:  # deprecated in 1.1 but allowed for 1.0 readers
        candidates.append((f"{where}: author", obj["author"]))
    for label, author in candidates:
        if not isinstance(author, dict):
            problems.append(f"{label} must be an object")
            continue
        if not _JSONFEED_AUTHOR_KEYS & author.keys():
            problems.append(f"{label} needs a name, url or avatar")
        problems += _unknown_keys(author, _JSONFEED_AUTHOR_KEYS, label)
        problems += _json_optional_problems(
            author, label, {"name": "str", "url": "url", "avatar": "url"}
        )
    return problems


def _json_item_problems(item: object, where: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: must be an object"]
    problems = _unknown_keys(item, _JSONFEED_ITEM_KEYS, where)
    if not isinstance(item.get("id"), str) or not item["id"]:
        problems.append(f"{where}: id must be a non-empty string")
    if not _is_absolute_url(item.get("url")):
        problems.append(f"{where}: url {item.get('url')!r} is not an absolute http(s) URL")
    if not isinstance(item.get("title"), str):
        problems.append(f"{where}: title must be a string")
    if "content_html" not in item and "content_text" not in item:
        problems.append(f"{where}: needs content_html or content_text")
    if "date_published" not in item:
        problems.append(f"{where}: missing date_published")
    problems += _json_optional_problems(
        item,
        where,
        {
            "content_html": "str", "content_text": "str", "summary": "str",
            "external_url": "url", "image": "url", "banner_image": "url",
            "date_published": "date", "date_modified": "date", "language": "lang",
        },
    )  # fmt: skip
    if isinstance(item.get("content_html"), str):
        problems += _html_problems(item["content_html"], f"{where}: content_html")
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.append(f"{where}: tags must be a list of strings")
    problems += _json_authors_problems(item, where)
    attachments = item.get("attachments", [])
    if not isinstance(attachments, list):
        problems.append(f"{where}: attachments must be a list")
    else:
        for i, att in enumerate(attachments):
            ok = isinstance(att, dict) and _is_absolute_url(att.get("url"))
            if not ok or not isinstance(att.get("mime_type"), str):
                problems.append(f"{where}: attachments[{i}] needs an absolute url and a mime_type")
    return problems


def check_jsonfeed(data: bytes, self_url: str) -> list[str]:
    """Validate a JSON Feed 1.1 document served at `self_url`."""
    feed, problems = _load_json(data)
    if problems:
        return problems
    if not isinstance(feed, dict):
        return [f"top level must be an object, not {type(feed).__name__}"]
    if feed.get("version") != JSONFEED_VERSION:
        problems.append(f"version {feed.get('version')!r}, expected {JSONFEED_VERSION!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        problems.append("title must be a non-empty string")
    for key in ("home_page_url", "feed_url"):
        if not _is_absolute_url(feed.get(key)):
            problems.append(f"{key} {feed.get(key)!r} is not an absolute http(s) URL")
    if "feed_url" in feed and feed["feed_url"] != self_url:
        problems.append(f"feed_url {feed['feed_url']!r} is not the feed's URL {self_url!r}")
    problems += _unknown_keys(feed, _JSONFEED_TOP_KEYS, "feed")
    problems += _json_optional_problems(
        feed,
        "feed",
        {
            "description": "str", "user_comment": "str", "next_url": "url", "icon": "url",
            "favicon": "url", "language": "lang", "expired": "bool",
        },
    )  # fmt: skip
    problems += _json_authors_problems(feed, "feed")

    items = feed.get("items")
    if not isinstance(items, list):
        return problems + ["items must be a list"]
    for index, item in enumerate(items, start=1):
        item_id = item.get("id") if isinstance(item, dict) else None
        where = f"item {index} ({item_id})" if isinstance(item_id, str) else f"item {index}"
        problems += _json_item_problems(item, where)
    ids = [
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    problems += [f"duplicate item id {dup!r}" for dup in _duplicates(ids)]
    return problems


# --------------------------------------------------------------------------- OPML


def _opml_outlines(root: etree._Element) -> list[etree._Element]:
    """Every outline under body, at any depth, in document order."""
    body = root.find("body")
    return [] if body is None else list(body.iter("outline"))


def _is_rss_outline(outline: etree._Element) -> bool:
    return outline.get("type", "").lower() == "rss"


def _opml_outline_problems(outline: etree._Element, where: str) -> list[str]:
    problems = []
    if outline.attrib and "text" not in outline.attrib:
        problems.append(f"{where}: missing text attribute")
    if _is_rss_outline(outline):
        for attr in ("text", "title", "xmlUrl"):
            if not outline.get(attr, "").strip():
                problems.append(f"{where}: rss outline needs a non-empty {attr}")
        if outline.get("xmlUrl") and not _is_absolute_url(outline.get("xmlUrl")):
            problems.append(f"{where}: xmlUrl {outline.get('xmlUrl')!r} is not absolute")
    if outline.get("type", "").lower() in {"link", "include"} and not _is_absolute_url(
        outline.get("url")
    ):
        problems.append(f"{where}: {outline.get('type')} outline needs an absolute url")
    if "htmlUrl" in outline.attrib and not _is_absolute_url(outline.get("htmlUrl")):
        problems.append(f"{where}: htmlUrl {outline.get('htmlUrl')!r} is not absolute")
    if "created" in outline.attrib and (
        reason := _rfc822_problem(outline.get("created", ""), numeric_zone_only=False)
    ):
        problems.append(f"{where}: created {reason}")
    return problems


def check_opml(data: bytes) -> list[str]:
    """Validate an OPML 2.0 subscription list."""
    root, problems = _parse_xml(data)
    if root is None:
        return problems
    if root.tag != "opml":
        return problems + [f"root element is {root.tag!r}, expected 'opml'"]
    if root.get("version") != "2.0":
        problems.append(f"<opml version={root.get('version')!r}>, expected '2.0'")
    problems += _count_problems(root, "opml", ("head", "body"), exactly_one=True)
    head = root.find("head")
    if head is not None:
        problems += _count_problems(head, "head", ("title",), exactly_one=True)
        if (title := head.find("title")) is not None and not _text(title).strip():
            problems.append("head: <title> is empty")
        for name in ("dateCreated", "dateModified"):
            for el in _children(head, name):
                if reason := _rfc822_problem(_text(el), numeric_zone_only=False):
                    problems.append(f"head: <{name}> {reason}")
    body = root.find("body")
    if body is not None and not _children(body, "outline"):
        problems.append("body: needs at least one <outline>")
    for index, outline in enumerate(_opml_outlines(root), start=1):
        label = outline.get("text") or outline.get("xmlUrl") or ""
        problems += _opml_outline_problems(outline, f"outline {index} ({label})")
    return problems


def opml_feed_urls(data: bytes) -> list[str]:
    """The xmlUrl of every type="rss" outline, in document order.

    Raises ValueError for a document that is not well-formed, because silently
    returning [] would let a test assert "no feeds" on garbage.
    """
    root, problems = _parse_xml(data)
    if root is None:
        raise ValueError(problems[0])
    return [
        outline.get("xmlUrl", "")
        for outline in _opml_outlines(root)
        if _is_rss_outline(outline) and outline.get("xmlUrl")
    ]


# --------------------------------------------------------------------------- HTML pages


def check_html_autodiscovery(html: bytes) -> list[tuple[str, str]]:
    """(type, href) of every feed `<link rel="alternate">` in the page's <head>.

    rel is a space-separated, case-insensitive token list and type may carry
    parameters, so both are normalised; the returned type is lowercase without
    parameters and href is returned exactly as written.
    """
    if not html.strip():
        return []
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    head = doc.find("head")
    if head is None:
        return []
    found = []
    for link in head.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        type_ = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rels and type_ in FEED_TYPES:
            found.append((type_, link.get("href") or ""))
    return found
