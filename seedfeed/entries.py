"""Items to entries: readable titles, escaped HTML content and stable ids."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from html import escape
from zoneinfo import ZoneInfo

from .model import Entry
from .parse import Item, has_text

TITLE_LIMIT = 140
SUMMARY_LIMIT = 300  # characters of an entry's lead in feeds (the full text is content)
DATE_ONLY_TIME = time(12)  # in the site's zone, see _noon
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)]*(?=\s+[\"'«“(]?[A-ZА-ЯЁ0-9])")
# Words that end in a full stop without ending a sentence: initials and abbreviations.
_NOT_AN_END = re.compile(
    r"(?:[A-ZА-ЯЁ]|(?:[A-ZА-ЯЁa-zа-яё]\.)+[A-ZА-ЯЁa-zа-яё]|Mr|Mrs|Ms|Dr|St|Jr|"
    r"Sr|Gen|Col|Lt|No|Nos|vs|etc|i\.e|e\.g|т|т\.е|т\.д|т\.п|им|г|гг|ул|д|см)"
)
_ABBREVIATION_LIMIT = 40  # longer words are no abbreviation: initials are "A.E.", "т.е"
# Quotes and brackets before the first letter: «цитата» is capitalised as «Цитата».
_LEADING_PUNCTUATION = re.compile(r"\W*")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Languages written in Cyrillic: in their sections Cyrillic text is the section's language.
_CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"})
_ASCII_LETTER = re.compile("[A-Za-z]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph, not fooled by initials like "A.E. Snesarev"."""
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        # Look back no further than the longest abbreviation: searching back to the start
        # for every candidate made "A. B. C. ..." quadratic in the paragraph's length.
        start = max(0, end - _ABBREVIATION_LIMIT)
        word_start = max(text.rfind(" ", start, end), text.rfind("\n", start, end),
                         start - 1) + 1
        if not _NOT_AN_END.fullmatch(text, word_start, end):
            return text[: match.end()]
    return text


def make_title(text: str) -> str:
    """A headline from a brief item's text: first sentence, capitalised, cut at a word."""
    sentence = first_sentence(text.strip()).strip()
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    first = _LEADING_PUNCTUATION.match(sentence).end()  # type: ignore[union-attr]
    sentence = sentence[:first] + sentence[first:first + 1].upper() + sentence[first + 1:]
    return _limited(sentence)


def make_summary(body: tuple[str, ...]) -> str:
    """An entry's lead for feed summaries: its first paragraph, or as many of its first
    sentences as fit in SUMMARY_LIMIT characters; a first sentence longer than that is cut
    at a word and ends in "…".

    Feeds carry the full text as content too: a whole-paragraph summary of a scrape that
    is one long paragraph doubled a feed's size.
    """
    text = " ".join(body[0].split())
    if len(text) <= SUMMARY_LIMIT:
        return text
    lead = ""
    rest = text
    while rest:
        sentence = first_sentence(rest)
        if len(lead) + len(sentence) > SUMMARY_LIMIT:
            break
        lead += sentence
        rest = rest[len(sentence):]
    return lead.strip() or _limited(text, SUMMARY_LIMIT)


def _limited(sentence: str, limit: int = TITLE_LIMIT) -> str:
    """Text cut to `limit` characters at a word, ending in "…" when cut."""
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def identity(item: Item) -> str:
    """What makes an item the same item wherever it is found: its day and its words.

    Case and spacing are ignored so that a re-scrape with different line wrapping or a
    different file name gives the same id; an article is known by its title, a brief
    item by its text after the date (the date prefix may be written with or without year).
    """
    words = item.title if item.title is not None else item.paragraphs[0][item.lead_start:]
    return f"{item.day.isoformat()}\x1f{' '.join(words.casefold().split())}"


def make_entry(item: Item, *, section: str, source_path: str, tz: ZoneInfo, authority: str,
               section_language: str) -> Entry:
    digest = hashlib.sha1(identity(item).encode("utf-8")).hexdigest()
    day = item.day.isoformat()
    if item.title is not None:
        title = item.title
        body = item.paragraphs
    else:
        lead = item.paragraphs[0][item.lead_start:]
        title = make_title(lead)
        if not has_text(title):
            # "On 8 May 2024, \u200b. Text": the lead's first sentence shows nothing at
            # all (zero-width or direction marks, punctuation); the date's paragraph does.
            title = make_title(item.paragraphs[0])
        if not has_text(title):  # "??? 1, 2024": no sentence of it shows a word
            title = _limited(" ".join(item.paragraphs[0].split()))
        body = item.paragraphs
    summary = make_summary(body) if body else title
    content = _paragraphs_html(body)
    return Entry(
        id=f"tag:{authority},{day}:{digest[:24]}",
        section=section,
        slug=f"{day}-{digest[:10]}",
        title=title,
        published=_published(item, tz),
        summary=summary,
        content_html=content,
        source=f"{source_path}:{item.line}",
        language=_language(title[:400] + " " + summary[:400], section_language),
        date_only=item.clock is None,
    )


def _paragraphs_html(body: tuple[str, ...]) -> str:
    """Each paragraph as an escaped <p> on its own line.

    Paragraphs hold no line break (parse joins a paragraph's lines), so the body is
    escaped in one piece and split at its line breaks: a third of the time of escaping
    paragraph by paragraph.
    """
    if not body:
        return ""
    return "<p>" + escape("\n".join(body), quote=False).replace("\n", "</p>\n<p>") + "</p>\n"


def _published(item: Item, tz: ZoneInfo) -> datetime:
    """When the item was published: its printed time of day (in the zone it writes, else
    the site's), or DATE_ONLY_TIME on its day in the site's zone for a date-only item."""
    if item.clock is None:
        return _noon(item.day, tz)
    zone = timezone(item.offset) if item.offset is not None else tz
    published = datetime.combine(item.day, item.clock, tzinfo=zone)
    offset = published.utcoffset()
    if offset is None or not offset.seconds % 60:
        return published
    return published.replace(tzinfo=timezone(timedelta(minutes=offset // timedelta(minutes=1))))


@lru_cache(maxsize=65536)
def _noon(day: date, tz: ZoneInfo) -> datetime:
    """Noon of the day in the site's timezone, its offset in whole minutes (cached: a
    corpus has a few thousand days).

    Noon, not midnight: a reader converts the time into their own zone, and noon stays on
    the same calendar day for every reader within 12 hours of the site's zone (for Moscow,
    UTC-9 to UTC+14, where midnight showed the day before to all of Europe and the
    Americas).  Corpus.published adds a second per date-only item of the day (under an
    hour: still the same day from UTC-9 to UTC+14 for Moscow).

    Before standard time, zones kept local mean time (Moscow +02:30:17 until 1919), an
    offset RFC 3339 and RFC 822 dates cannot write; the seconds go (it is a date anyway).
    """
    start = datetime.combine(day, DATE_ONLY_TIME, tzinfo=tz)
    offset = start.utcoffset()
    if offset is None or not offset.seconds % 60:
        return start
    return start.replace(tzinfo=timezone(timedelta(minutes=offset // timedelta(minutes=1))))


def _language(text: str, section_language: str) -> str | None:
    """The entry's language when it differs from its section's and its letters tell: "ru"
    for Cyrillic text in a section in a Latin script, "en" for Latin text in a section in
    Cyrillic, else None (the section's).

    Decided by script, the one thing the text shows for sure: text in another script
    (Greek, Chinese) or mixed is left unmarked rather than labelled wrongly.
    """
    sample = text[:400]
    language: str | None
    if sample.isascii():  # (most entries of most sites: no counting needed)
        language = "en" if _ASCII_LETTER.search(sample) else None
    else:
        cyrillic = len(_CYRILLIC.findall(sample))
        latin = len(_LATIN.findall(sample))
        letters = sum(map(str.isalpha, sample))
        if cyrillic > 2 * latin and cyrillic * 2 > letters:
            language = "ru"
        elif latin > 2 * cyrillic and latin * 2 > letters:
            language = "en"
        else:
            language = None
    section = section_language.split("-")[0].casefold()
    section_script = "ru" if section in _CYRILLIC_LANGUAGES else "en"
    return None if language == section_script else language
