"""Seed text to dated items: brief items of a listing and full articles.

Pure functions: text in, items and problems out.  A seed is a run of paragraphs
(separated by blank lines).  An article starts where a paragraph is followed by the same
text plus a date ("Title" / "Title 20.06.2023") and runs to its navigation footer; outside
articles, a paragraph that starts with a date starts a brief item and any other paragraph
continues the item before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from .dates import BadDate, FoundDate, match_date_prefix
from .model import Level, Problem

NAVIGATION = frozenset(
    line.casefold()
    for line in (
        "Go back", "Back", "Back to the section", "Back to section", "Back to the all news",
        "Back to all news", "Back to the news", "Back to news", "Back to the list",
        "Back to top", "All news", "Print", "Print version", "Share",
        "Вернуться назад", "Назад", "Вернуться в раздел", "Вернуться к разделу",
        "Вернуться к списку", "Вернуться к списку новостей", "Вернуться ко всем новостям",
        "Ко всем новостям", "Все новости", "Версия для печати", "Поделиться", "Наверх",
    )
)


# Zero-width, direction and filler characters.  Legitimate inside text, so content keeps
# them; but a line of nothing else is blank, and no title may consist of them alone.
INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e"
             "\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066"
             "\u2067\u2068\u2069\u2800\u3164\ufeff\uffa0")
_EDGES = INVISIBLE + "".join(char for char in map(chr, range(0x3001)) if char.isspace())
# An item's text and an article's title beyond these are a scraper's accident (a page's
# script or data in one line), not news.  Cut, they stay well inside a feed reader's
# limits and libxml2's 10 MB per text node, which the feed renderer parses back with.
MAX_ITEM_CHARS = 200_000
MAX_TITLE_CHARS = 1_000
# Something to read after an item's date: a letter, a digit or a pictograph.
_TEXT = re.compile(r"[^\W_]|[\u2600-\u27bf\U0001f000-\U0001faff]")


@dataclass(frozen=True, slots=True)
class Paragraph:
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Item:
    """One news item as found in a seed, its date resolved to a calendar day."""

    line: int
    day: date
    title: str | None  # an article's title line; None for a brief item
    lead_start: int  # where the first paragraph's text starts after its date prefix
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedSeed:
    items: tuple[Item, ...]
    problems: tuple[Problem, ...]


@dataclass(slots=True)
class _Draft:
    line: int
    found: FoundDate
    title: str | None
    lead_start: int
    paragraphs: list[str]
    bare: bool = False  # a brief item's date with nothing to read after it (yet)


def paragraphs(text: str) -> Iterator[Paragraph]:
    """Runs of non-blank lines, joined by a space, with the line each starts on.

    Invisible characters at a line's ends go with its spaces: a line of zero-width
    spaces is blank, and an article title line is never invisible.
    """
    start = 0
    lines: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line and (line[0] in INVISIBLE or line[-1] in INVISIBLE):
            line = line.strip(_EDGES)
        if line:
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            yield Paragraph(start, " ".join(lines))
            lines = []
    if lines:
        yield Paragraph(start, " ".join(lines))


def has_text(text: str, start: int = 0) -> bool:
    """Whether there is something to read from `start` on: a letter, digit or pictograph."""
    return _TEXT.search(text, start) is not None


def is_navigation(text: str) -> bool:
    return len(text) < 40 and text.casefold().rstrip(" .…>»←→") in NAVIGATION


def _article_date(title: str, next_text: str) -> FoundDate | None:
    """The date of an article header: the title repeated with a date, or a bare date."""
    repeated = next_text.startswith(title)
    # A direction mark between the title and its date is no reason to miss the date.
    rest = (next_text[len(title):] if repeated else next_text).strip(_EDGES)
    if not rest or len(rest) > 40 or not has_text(title):
        return None  # (a "title" of punctuation or marks alone is no title)
    found = match_date_prefix(rest)
    if found is None or found.end != len(rest):
        return None
    if not repeated and match_date_prefix(title) is not None:
        return None  # a dated paragraph followed by a bare date is not a title line
    return found


def parse_text(text: str, path: str) -> ParsedSeed:
    """Split seed text into items; every problem names `path` and a line."""
    paras = list(paragraphs(text))
    problems: list[Problem] = []
    if not paras:
        problems.append(Problem(path, 1, Level.WARNING, "empty seed file: no text"))
        return ParsedSeed((), tuple(problems))
    drafts: list[_Draft] = []
    current: _Draft | None = None
    in_article = False
    discarding = False
    orphans: list[Paragraph] = []

    def flush_orphans(ended_by_navigation: bool) -> None:
        if not orphans:
            return
        if ended_by_navigation and len(orphans) > 1:
            message = ("article without a date line: its title must be repeated with a date "
                       "(e.g. 'Title 20.06.2023'); skipped")
        else:
            message = "undated item: text that does not start with a date; skipped"
        problems.append(Problem(path, orphans[0].line, Level.ERROR, message))
        orphans.clear()

    i = 0
    count = len(paras)
    while i < count:
        para = paras[i]
        if is_navigation(para.text):
            flush_orphans(ended_by_navigation=True)
            current, in_article, discarding = None, False, False
            i += 1
            continue
        if i + 1 < count:
            try:
                header = _article_date(para.text, paras[i + 1].text)
            except BadDate as exc:
                header = None
                if paras[i + 1].text.startswith(para.text):
                    problems.append(Problem(path, paras[i + 1].line, Level.ERROR, str(exc)))
                    flush_orphans(ended_by_navigation=False)
                    # skip the whole article: its body may hold dated paragraphs too
                    current, in_article, discarding = None, True, True
                    i += 2
                    continue
            if header is not None:
                flush_orphans(ended_by_navigation=False)
                current = _Draft(para.line, header, para.text, 0, [])
                drafts.append(current)
                in_article, discarding = True, False
                i += 2
                continue
        if in_article:
            if current is not None:  # None while skipping an article with a bad date
                current.paragraphs.append(para.text)
            i += 1
            continue
        try:
            found = match_date_prefix(para.text)
        except BadDate as exc:
            problems.append(Problem(path, para.line, Level.ERROR, f"{exc}; item skipped"))
            flush_orphans(ended_by_navigation=False)
            current, discarding = None, True
            i += 1
            continue
        if found is not None:
            flush_orphans(ended_by_navigation=False)
            current = _Draft(para.line, found, None, found.end, [para.text])
            if not has_text(para.text, found.end):
                # Punctuation or invisible marks after a date are no title: leave the
                # lead empty, and the entry is titled by the date itself.
                current.lead_start, current.bare = len(para.text), True
            drafts.append(current)
            discarding = False
        elif current is not None and current.bare:
            # "16.02.2024" on its own, the text below it: one item, as if on one line.
            problems.append(Problem(path, current.line, Level.WARNING,
                                    "date with no text after it: the paragraph below is "
                                    "taken as its text (is an article's title line missing?)"))
            first = current.paragraphs[0]
            current.paragraphs[0] = f"{first} {para.text}"
            current.lead_start, current.bare = len(first) + 1, False
        elif current is not None:
            current.paragraphs.append(para.text)
        elif not discarding:
            orphans.append(para)
        i += 1
    flush_orphans(ended_by_navigation=False)
    items = _resolve_years(drafts, path, problems)
    kept = {item.line for item in items}
    problems.extend(Problem(path, draft.line, Level.WARNING,
                            "date with no text after it: the entry is titled by its date")
                    for draft in drafts if draft.bare and draft.line in kept)
    for item in items:
        if item.title is not None and not item.paragraphs:
            problems.append(Problem(path, item.line, Level.WARNING,
                                    "article has a title and a date but no body text"))
    items = [_bounded(item, path, problems) for item in items]
    problems.sort(key=lambda problem: problem.line)
    return ParsedSeed(tuple(items), tuple(problems))


def _cut(text: str, limit: int) -> str:
    """Text shortened to about `limit` characters at a word boundary, ending in "…"."""
    cut = text[:limit]
    space = cut.rfind(" ", limit // 2)
    return (cut[:space] if space > 0 else cut).rstrip() + "…"


def _bounded(item: Item, path: str, problems: list[Problem]) -> Item:
    """The item, its text and title cut to MAX_ITEM_CHARS and MAX_TITLE_CHARS if longer."""
    size = sum(map(len, item.paragraphs))
    title = item.title
    if title is not None and len(title) > MAX_TITLE_CHARS:
        problems.append(Problem(path, item.line, Level.ERROR,
                                f"title of {len(title):,} characters is too long; "
                                f"cut to about {MAX_TITLE_CHARS:,}"))
        title = _cut(title, MAX_TITLE_CHARS)
    if size <= MAX_ITEM_CHARS:
        return item if title is item.title else replace(item, title=title)
    kept: list[str] = []
    room = MAX_ITEM_CHARS
    for paragraph in item.paragraphs:
        if len(paragraph) > room:
            if room > 0:
                kept.append(_cut(paragraph, room))
            break
        kept.append(paragraph)
        room -= len(paragraph)
    problems.append(Problem(path, item.line, Level.ERROR,
                            f"item of {size:,} characters is too long for a feed; "
                            f"cut to about {MAX_ITEM_CHARS:,}"))
    return replace(item, title=title, paragraphs=tuple(kept),
                   lead_start=min(item.lead_start, len(kept[0])))


def _resolve_years(drafts: list[_Draft], path: str, problems: list[Problem]) -> list[Item]:
    """Give every date its year: written, or inferred from the items around it.

    A listing runs newest first, so an undated item takes the latest year that does not
    put it after the item above it ("27 December" below "9 January 2024" is 2023).  Items
    above the first written year count upwards from the item below them instead.
    """
    days: list[date | None] = [None] * len(drafts)
    first_known = next((k for k, d in enumerate(drafts) if d.found.year is not None), None)
    if first_known is None:
        for draft in drafts:
            problems.append(Problem(path, draft.line, Level.ERROR,
                                    "date has no year and no item in the file gives one; "
                                    "item skipped"))
        return []
    below: date | None = None
    for k in range(first_known, -1, -1):
        found = drafts[k].found
        year = found.year
        if year is None and below is not None:
            year = below.year if (found.month, found.day) >= (below.month, below.day) \
                else below.year + 1
        days[k] = _day(found, year, drafts[k], path, problems)
        below = days[k] or below
    above: date | None = days[first_known]
    for k in range(first_known + 1, len(drafts)):
        found = drafts[k].found
        year = found.year
        if year is None and above is not None:
            year = above.year if (found.month, found.day) <= (above.month, above.day) \
                else above.year - 1
        days[k] = _day(found, year, drafts[k], path, problems)
        above = days[k] or above
    return [
        Item(d.line, day, d.title, d.lead_start, tuple(d.paragraphs))
        for d, day in zip(drafts, days, strict=True)
        if day is not None
    ]


def _day(found: FoundDate, year: int | None, draft: _Draft, path: str,
         problems: list[Problem]) -> date | None:
    if year is None:
        return None
    try:
        return found.resolve(year)
    except ValueError:
        problems.append(Problem(path, draft.line, Level.ERROR,
                                f"impossible date: {found.day:02d}.{found.month:02d} "
                                f"does not exist in {year}; item skipped"))
        return None
