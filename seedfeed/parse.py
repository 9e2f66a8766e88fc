"""Seed text to dated items, in every layout and item shape scraped news pages come in.

Pure functions: text in, items and problems out.  The text is cut into blocks
(`layout`), page furniture is dropped (`furniture`), and each item is recognised by its
shape:

- a block that opens with a date (`On 16 February 2024, ...`): a brief item, continued
  by the undated blocks below it;
- a date line, then the text; a date line, a title line, then a lead;
- a title line, then a date line (perhaps with a time), then the body;
- a title line, then the title repeated with its date (`Title` / `Title 20.06.2023`);
- a title line ending in its date (`Title — 16.02.2024`, `Title (16 February 2024)`);
- a title line, then a paragraph that opens with the date.

An article runs to its navigation footer (`Go back`) or the next article.  Every
decision is told as a Problem: an error when text is not published, a warning when it is
published on a guess, a note for what was dropped or joined with confidence, and an info
line with the layout and date forms found (`check -v`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta

from . import furniture
from .dates import BadDate, FoundDate, leading_date, trailing_date, whole_date
from .layout import Block, layout
from .model import Hints, Level, Problem

# An item's text and an article's title beyond these are a scraper's accident (a page's
# script or data in one line), not news.  Cut, they stay well inside a feed reader's
# limits and libxml2's 10 MB per text node, which the feed renderer parses back with.
MAX_ITEM_CHARS = 200_000
MAX_TITLE_CHARS = 1_000
MAX_TITLE_LINE = 250  # a longer line is a paragraph, not a title
_DATE_LINE = 80  # no date line, with its weekday and time, is longer
# Something to read after an item's date: a letter, a digit or a pictograph.
_TEXT = re.compile(r"[^\W_]|[\u2600-\u27bf\U0001f000-\U0001faff]")
_TERMINAL = ".!?…:;"
_SENTENCE_INSIDE = re.compile(r"[a-zа-яё)][.!?]\s+[A-ZА-ЯЁ]")
_LIST_MARKER = re.compile(r"(?:\d{1,3}[.)]|[•·▪►*–—-])\s+")
_READ_MORE = re.compile(r"\s+(?:Read more|Read full|More|Подробнее|Читать далее|Далее)"
                        r"\s*[.…»>→]*$", re.IGNORECASE)
_YEAR_IN_TEXT = re.compile(r"(?<![\d.])(?:19[5-9]\d|20\d\d)(?![\d.])")
NEIGHBOUR_DAYS = 42  # an item this much later than its neighbour is in the neighbour's year
EARLIEST_YEAR = 1990  # older dates are usually typos in news listings


@dataclass(frozen=True, slots=True)
class Item:
    """One news item as found in a seed, its date resolved to a calendar day."""

    line: int
    day: date
    title: str | None  # an article's title line; None for a brief item
    lead_start: int  # where the first paragraph's text starts after its date prefix
    paragraphs: tuple[str, ...]
    clock: time | None = None  # the time of day, when the seed prints one
    offset: timedelta | None = None  # the UTC offset, when the seed writes one


@dataclass(frozen=True, slots=True)
class ParsedSeed:
    items: tuple[Item, ...]
    problems: tuple[Problem, ...]


class _BadArticleDate(BadDate):
    """An impossible date in an article's header (line: the date's line): the article
    goes whole, as its body may hold dated paragraphs."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(slots=True)
class _Draft:
    line: int
    found: FoundDate
    title: str | None
    lead_start: int
    paragraphs: list[str]
    last: int
    article: bool  # runs to its footer, taking every undated block below it
    bare: bool = False  # a date line whose text is the block below it (or nothing)
    shape: str = ""  # "date line", "dated block", "title, date line", "title, dated block"...
    strict: bool = False  # a title repeated with its date: runs to its footer whatever
    # follows, while any other article ends where the next item's date or header starts


def has_text(text: str, start: int = 0) -> bool:
    """Whether there is something to read from `start` on: a letter, digit or pictograph."""
    return _TEXT.search(text, start) is not None


def is_navigation(text: str) -> bool:
    return furniture.kind(text) == "navigation"


def _title_like(text: str, words: int = 1, limit: int | None = MAX_TITLE_LINE) -> bool:
    """A line that can be a headline: short, unpunctuated at its end, with words, and no
    sentence ending inside it (a photo caption "The ceremony. Photo: ..." is none)."""
    return (bool(text) and (limit is None or len(text) <= limit) and text[-1] not in _TERMINAL
            and has_text(text) and len(text.split()) >= words and not text[0].islower()
            and (limit is None or text[0].isalnum() or text[0] in "«\"'“„‘(<")
            and (limit is None or _SENTENCE_INSIDE.search(text) is None))


@dataclass
class _Parser:
    path: str
    hints: Hints
    written: date | None
    repeated: frozenset[str] = frozenset()
    problems: list[Problem] = field(default_factory=list)
    forms: set[str] = field(default_factory=set)
    # the line of the block that follows each block, furniture included: a title stands
    # right above the paragraph it names
    next_line: dict[int, int] = field(default_factory=dict)

    def tell(self, line: int, level: Level, message: str) -> None:
        self.problems.append(Problem(self.path, line, level, message))

    def leading(self, text: str) -> FoundDate | None:
        found = leading_date(text, self.hints.date_order)
        if found is not None:
            self.forms.add(found.form)
        return found

    def whole(self, text: str) -> FoundDate | None:
        if len(text) > _DATE_LINE:
            return None
        try:
            found = whole_date(text, self.hints.date_order)
        except BadDate:
            return None
        if found is not None:
            self.forms.add(found.form)
        return found

    def trailing(self, text: str) -> FoundDate | None:
        # ("Friday, 16 February 2024" is a date line, not a title "Friday" and its date.)
        if len(text) > MAX_TITLE_LINE + _DATE_LINE or self.whole(text) is not None:
            return None
        found = trailing_date(text, self.hints.date_order)
        if found is not None and _title_like(text[:found.start]):
            self.forms.add(found.form)
            return found
        return None

    # --- furniture ------------------------------------------------------------------

    def cleaned(self, blocks: tuple[Block, ...]) -> tuple[Block, ...]:
        """Blocks without a list marker before a date or a headline ("1. 16.02.2024 ...",
        "• Council meets") and without a "Read more" link at their end."""
        result = []
        for block in blocks:
            text = block.text
            more = _READ_MORE.search(text, max(0, len(text) - 30))  # (a link at the end)
            if more is not None and more.start() > 0:
                text = text[:more.start()]
            marker = _LIST_MARKER.match(text)
            if marker is not None:
                rest = text[marker.end():]
                if rest and (self.dated_text(rest) or _title_like(rest, words=2)):
                    text = rest
            result.append(block if text == block.text else replace(block, text=text))
        return tuple(result)

    def furnished(self, blocks: tuple[Block, ...]) -> list[tuple[Block, str | None]]:
        """Each block with its furniture kind (None for text); dropped kinds are told."""
        kinds = [self._kind(block) for block in blocks]
        counts: dict[str, int] = {}
        for block in blocks:
            if len(block.text) <= 40:
                counts[block.text] = counts.get(block.text, 0) + 1
        for k, block in enumerate(blocks):
            if kinds[k] is None and counts.get(block.text, 0) >= 3 \
                    and not self.dated_text(block.text):
                kinds[k] = "line repeated in the file"
            # A site header: today's date over a clock.
            if (kinds[k] is None and k + 1 < len(blocks) and kinds[k + 1] == "clock"
                    and self.whole(block.text) is not None):
                kinds[k] = "site header date"
        self._menus(blocks, kinds)
        dropped: list[Block] = []
        names: list[str] = []
        for block, kind in zip(blocks, kinds, strict=True):
            if kind in (None, "navigation", "related-items heading", "stop"):
                self._tell_dropped(dropped, names)
                dropped, names = [], []
            else:
                dropped.append(block)
                names.append(kind)
        self._tell_dropped(dropped, names)
        return list(zip(blocks, kinds, strict=True))

    def _kind(self, block: Block) -> str | None:
        known = furniture.kind(block.text)
        if known == "navigation":  # it ends an article, however often it is repeated
            return known
        if furniture.matches(block.text, self.hints.drop):
            return "line named by the section's drop hint"
        if furniture.matches(block.text, self.hints.stop_at):
            return "stop"
        if known is None and self.repeated and _short_line(block.text) in self.repeated:
            return "line repeated in many files of the section"
        return known

    def dated_text(self, text: str) -> bool:
        try:
            return leading_date(text, self.hints.date_order) is not None
        except BadDate:
            return True

    def _menus(self, blocks: tuple[Block, ...], kinds: list[str | None]) -> None:
        """Runs of four or more one- or two-word lines with no date: a menu."""
        run: list[int] = []
        for k, block in enumerate([*blocks, Block(0, 0, "")]):
            if (k < len(blocks) and kinds[k] is None and len(block.text) <= 25
                    and len(block.text.split()) <= 2 and block.text[-1] not in _TERMINAL
                    and not self.dated_text(block.text)):
                run.append(k)
                continue
            if len(run) >= 4:
                for index in run:
                    kinds[index] = "menu"
            run = []

    def _tell_dropped(self, dropped: list[Block], names: list[str]) -> None:
        if not dropped:
            return
        shown = ", ".join(_quoted(block.text) for block in dropped[:3])
        more = f" and {len(dropped) - 3} more" if len(dropped) > 3 else ""
        kinds = ", ".join(dict.fromkeys(names))
        self.tell(dropped[0].line, Level.NOTE, f"page furniture dropped ({kinds}): {shown}{more}")

    # --- items ----------------------------------------------------------------------

    def drafts(self, blocks: list[tuple[Block, str | None]]) -> list[_Draft]:
        drafts: list[_Draft] = []
        current: _Draft | None = None
        orphans: list[Block] = []
        skipping: str | None = None  # why blocks are being dropped: a heading, a bad date
        skipped: list[Block] = []
        text_blocks = [(block, kind) for block, kind in blocks if kind in (
            None, "navigation", "related-items heading", "stop")]
        self.next_line = {a.line: b.line for (a, _), (b, _) in zip(blocks, blocks[1:],
                                                                   strict=False)}
        text_blocks = self._dates_below(text_blocks)
        i = 0
        count = len(text_blocks)

        def flush(ended_by_navigation: bool) -> None:
            if orphans and all(_title_like(o.text) and len(o.text) <= 80 for o in orphans):
                shown = ", ".join(_quoted(o.text) for o in orphans[:3])
                self.tell(orphans[0].line, Level.NOTE, f"heading with no item below it "
                          f"dropped: {shown}")
                orphans.clear()
            if orphans:
                where = (f"lines {orphans[0].line}-{orphans[-1].last}"
                         if orphans[-1].last > orphans[0].line else f"line {orphans[0].line}")
                if ended_by_navigation and len(orphans) > 1:
                    message = (f"article without a date line ({where}, "
                               f"{_quoted(orphans[0].text)}): no date below its title, after "
                               "it or at the start of its text; not published")
                else:
                    message = (f"undated item ({where}, {_quoted(orphans[0].text)}): text that "
                               "does not start with a date and belongs to no item; not published")
                self.tell(orphans[0].line, Level.ERROR, message)
                orphans.clear()

        def end_skip() -> None:
            nonlocal skipping
            if skipped and skipping is not None:
                self.tell(skipped[0].line, Level.NOTE,
                          f"{len(skipped)} block(s) after {skipping} dropped (lines "
                          f"{skipped[0].line}-{skipped[-1].last}): not an entry's content")
            skipped.clear()
            skipping = None

        while i < count:
            block, kind = text_blocks[i]
            following: list[Block] = []
            for b, k in text_blocks[i + 1:i + 4]:
                if k is not None:
                    break
                following.append(b)
            if (kind is None and current is not None and current.bare and skipping is None
                    and has_text(block.text) and not self.dated_text(block.text)
                    and self.trailing(block.text) is None):
                current.paragraphs[0] = block.text  # a date line's text
                current.lead_start, current.bare = 0, False
                current.line, current.last = (min(current.line, block.line),
                                              max(current.last, block.last))
                i += 1
                continue
            if kind == "navigation":
                flush(ended_by_navigation=True)
                end_skip()
                current = None
                i += 1
                continue
            if kind == "related-items heading" and not drafts:
                # "Latest news" above a listing heads it: nothing to end yet.
                self.tell(block.line, Level.NOTE, f"heading dropped: {_quoted(block.text)}")
                i += 1
                continue
            if kind in ("related-items heading", "stop"):
                flush(ended_by_navigation=False)
                end_skip()
                what = (f"the related-items heading {_quoted(block.text)}"
                        if kind != "stop" else f"the stop_at line {_quoted(block.text)}")
                self.tell(block.line, Level.NOTE, f"content stops at {what}")
                skipping, current = what, None
                i += 1
                continue
            try:
                header = self._header(block, following, current, skipping)
            except BadDate as exc:
                article = isinstance(exc, _BadArticleDate)
                line = exc.line if isinstance(exc, _BadArticleDate) else block.line
                self.tell(line, Level.ERROR, f"{exc}; item skipped")
                flush(ended_by_navigation=False)
                end_skip()
                # An article's body may hold dated paragraphs: it goes whole.
                current = None
                skipping = "an article with an impossible date" if article else \
                    "an impossible date"
                i += 1
                continue
            if header is not None and header[0].bare and self._page_date(following, current):
                self.tell(block.line, Level.NOTE, "date line above the page's header dropped: "
                          "the page's date, not an item's")
                i += 1
                continue
            if header is not None:
                draft, used = header
                flush(ended_by_navigation=False)
                end_skip()
                drafts.append(draft)
                current = draft
                i += used
                continue
            if skipping is not None:
                skipped.append(block)
            elif current is not None:
                if not current.article:
                    self.tell(block.line, Level.NOTE,
                              f"undated block joined to the item of line {current.line}")
                current.paragraphs.append(block.text)
                current.last = block.last
            else:
                orphans.append(block)
            i += 1
        flush(ended_by_navigation=False)
        end_skip()
        return drafts

    def _header(self, block: Block, following: list[Block], current: _Draft | None,
                skipping: str | None, probe: bool = False) -> tuple[_Draft, int] | None:
        """The item that starts at `block`, and how many text blocks it takes, or None.

        While skipping what follows a related-items heading or an article with a bad
        date, only a title repeated with its date starts an item; after a stop_at line,
        anything dated does.
        """
        strong_only = skipping is not None and ("related" in skipping or "article" in skipping)
        text = block.text
        after = following[0] if following else None
        in_article = current is not None and current.strict
        # Title / title repeated with its date (the bundled article).
        # (A title said twice is a title whatever its length: _bounded cuts it.)
        if after is not None and after.text.startswith(text) and _title_like(text, limit=None):
            rest = after.text[len(text):].strip()
            try:
                found = leading_date(rest, self.hints.date_order) if rest else None
            except BadDate as exc:
                raise _BadArticleDate(str(exc), after.line) from exc
            if found is not None and found.end == len(rest) and not found.subject:
                self.forms.add(found.form)
                return _Draft(block.line, found, text, 0, [], after.last, True, strict=True), 2
        if strong_only:
            return None
        # A title line ending in its date.
        found = self.trailing(text)
        if found is not None:
            return _Draft(block.line, found, text[:found.start], 0, [], block.last, True), 1
        # A title line, then a date line (unless a title and a lead follow the date line:
        # then the line above is the page's heading).
        if after is not None and _title_like(text) and \
                leading_date(text, self.hints.date_order) is None:
            found = self.whole(after.text)
            if found is not None and len(following) >= 3 \
                    and self._titled_lead(following[1].text, following[2].text):
                if not probe:
                    self.tell(block.line, Level.NOTE, f"heading dropped: {_quoted(text)} (a "
                              "date line, a title and a lead follow it)")
                return None
            if found is not None:
                return _Draft(block.line, found, text, 0, [], after.last, True,
                              shape="title, date line"), 2
        if in_article:
            return None
        found = self.whole(text) or self.leading(text)
        # A date line, a title line, then a lead.
        if found is not None and found.end == len(text) and len(following) >= 2 \
                and self._titled_lead(following[0].text, following[1].text):
            return _Draft(block.line, found, following[0].text, 0, [],
                          following[0].last, True), 2
        if found is not None and current is not None and current.article and (
                not current.paragraphs or (found.month, found.day) == (current.found.month,
                                                                      current.found.day)):
            return None  # an article's first paragraph, or one of its day, opens with a date
        if found is not None:
            lead_start = 0 if found.subject else found.end
            if found.end == len(text) or not has_text(text, found.end):
                # A date line: its text is the block below.
                return _Draft(block.line, found, None, len(text), [text], block.last, False,
                              bare=True, shape="date line"), 1
            return _Draft(block.line, found, None, lead_start, [text], block.last, False,
                          shape="dated block"), 1
        # A title line above a paragraph that opens with the date.
        if after is not None and skipping is None and _title_like(text, words=3) \
                and self.next_line.get(block.line) == after.line:
            try:
                below = self.leading(after.text)
            except BadDate:
                return None  # told when its own block is read
            if below is not None and below.end < len(after.text) \
                    and has_text(after.text, below.end):
                if not probe:
                    self.tell(block.line, Level.NOTE, "title taken from the line above "
                              f"the date (line {after.line})")
                return _Draft(block.line, below, text, 0, [after.text], after.last, True,
                              shape="title, dated block"), 2
        return None

    def _dates_below(self, blocks: list[tuple[Block, str | None]]
                     ) -> list[tuple[Block, str | None]]:
        """Blocks with each date line moved above the text it stands below, when a listing
        puts dates under its items: undated text first, a date line last, and every date
        line right under an undated sentence."""
        texts = [k for k, (_, kind) in enumerate(blocks) if kind is None]
        if len(texts) < 2:
            return blocks
        first, last = blocks[texts[0]][0].text, blocks[texts[-1]][0].text
        if self.dated_text(first) or first[-1] not in ".!?…»\"”" or self.whole(last) is None:
            return blocks
        lines = [k for k in texts if self.whole(blocks[k][0].text) is not None]
        if any(k == 0 or blocks[k - 1][1] is not None or self.dated_text(blocks[k - 1][0].text)
               for k in lines):
            return blocks
        moved = list(blocks)
        for k in lines:
            moved[k - 1], moved[k] = moved[k], moved[k - 1]
        self.tell(blocks[texts[0]][0].line, Level.NOTE,
                  "dates stand below their items in this file: each is read with the text "
                  "above it")
        return moved

    def _page_date(self, following: list[Block], current: _Draft | None) -> bool:
        """Whether a date line stands over a page's header: a title-like line below it,
        then an article's header."""
        if len(following) < 2 or not _title_like(following[0].text):
            return False
        try:
            below = self._header(following[1], following[2:], current, None, probe=True)
        except BadDate:
            return False
        return below is not None and below[0].article

    def _titled_lead(self, title: str, lead: str) -> bool:
        """Whether a title line and a lead follow a date line: a headline, then a sentence
        (or a paragraph), neither dated."""
        return (_title_like(title, words=2) and (lead[-1] in ".!?…»\"”)" or len(lead) > 200)
                and self._dateless(title) and self._dateless(lead))

    def _dateless(self, text: str) -> bool:
        try:
            return (leading_date(text, self.hints.date_order) is None
                    and trailing_date(text, self.hints.date_order) is None)
        except BadDate:
            return False


def parse_text(text: str, path: str, *, hints: Hints | None = None,
               written: date | None = None,
               unreadable: frozenset[int] = frozenset(), describe: bool = False,
               repeated: frozenset[str] = frozenset()) -> ParsedSeed:
    """Split seed text into items; every problem names `path` and a line.

    hints: the section's hints (site.toml); written: the day the file was last written
    (for a year no item gives, and to flag dates after it); unreadable: lines the decoder
    could not read right, whose items are not published; describe: add an info line
    naming the layout and the date forms found; repeated: short lines (as short_lines
    gives them) found in many files of the section, dropped as furniture.
    """
    parser = _Parser(path, hints or Hints(), written, repeated)
    found_layout = layout(text, starts_item=parser.dated_text)
    if not found_layout.blocks:
        parser.tell(1, Level.WARNING, "empty seed file: no text")
        return ParsedSeed((), tuple(parser.problems))
    drafts = parser.drafts(parser.furnished(parser.cleaned(found_layout.blocks)))
    _page_heading(drafts, parser)
    for draft in drafts:
        if draft.bare:
            parser.tell(draft.line, Level.WARNING,
                        "date with no text after it: the entry is titled by its date")
    drafts = [d for d in drafts if _readable(d, unreadable, parser)]
    items = _resolve_years(drafts, parser)
    for item in items:
        if item.title is not None and not item.paragraphs:
            parser.tell(item.line, Level.WARNING, "article has a title and a date but no body text")
        _suspicious(item, parser)
    items = [_bounded(item, path, parser.problems) for item in items]
    if describe:
        forms = ", ".join(sorted(parser.forms)) or "none"
        parser.tell(1, Level.INFO, f"layout: {found_layout.name}; date forms: {forms}; "
                    f"items: {len(items)}")
    problems = sorted(parser.problems, key=lambda problem: problem.line)
    return ParsedSeed(tuple(items), tuple(problems))


def _page_heading(drafts: list[_Draft], parser: _Parser) -> None:
    """The first item's "title" is the page's heading when every other item has the shape
    the first has without it: "Newsroom" over a listing of dated paragraphs, or of date
    lines and their text."""
    first = drafts[0] if drafts else None
    if first is None or not first.shape.startswith("title, ") or not first.paragraphs \
            or not has_text(first.paragraphs[0]) \
            or len(drafts) < 2 or any(draft.shape != first.shape[len("title, "):]
                                      for draft in drafts[1:]):
        return
    parser.tell(first.line, Level.NOTE, f"heading dropped: {_quoted(first.title or '')} "
                "(no other item of the listing has a title)")
    first.title, first.shape, first.article = None, first.shape[len("title, "):], False
    first.lead_start = 0
    if first.shape == "dated block" and not first.found.subject:
        first.lead_start = first.found.end  # (the block's own date, read when it was found)


def _readable(draft: _Draft, unreadable: frozenset[int], parser: _Parser) -> bool:
    if not unreadable:
        return True
    bad = [line for line in range(draft.line, draft.last + 1) if line in unreadable]
    if bad and bad != [draft.line]:  # (the decoder tells of the line itself)
        parser.tell(draft.line, Level.ERROR,
                    f"item not published: line {bad[0]} could not be decoded right")
    return not bad


def _suspicious(item: Item, parser: _Parser) -> None:
    if parser.written is not None and item.day > parser.written + timedelta(days=1):
        parser.tell(item.line, Level.WARNING,
                    f"date {item.day.isoformat()} is after the file was written "
                    f"({parser.written.isoformat()}): a typo?")
    if item.day.year < EARLIEST_YEAR:
        parser.tell(item.line, Level.WARNING,
                    f"date {item.day.isoformat()} is before {EARLIEST_YEAR}: a typo?")


def _short_line(line: str) -> str | None:
    """A line of one to three words and some letters, not a date or a number, in the form
    short_lines gives (case and spacing folded); None for any other line."""
    if not line or len(line) > 40 or not line[0].isalpha():
        return None
    words = line.split()
    return " ".join(words).casefold() if len(words) <= 3 else None


def short_lines(data: bytes) -> frozenset[str]:
    """The short lines of a seed file's bytes (see _short_line): a section's furniture is
    found among those repeated in many of its files (load._repeated_among)."""
    found = set()
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        short = _short_line(line)
        if short is not None and furniture.kind(line) is None:  # (known furniture: known)
            found.add(short)
    return frozenset(found)


def _quoted(text: str, limit: int = 40) -> str:
    """A block's start, quoted for a message ("…" where it is cut)."""
    return repr(text if len(text) <= limit else text[:limit].rstrip() + "…")


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


def _year_without_neighbour(draft: _Draft, parser: _Parser) -> int | None:
    """A year for a file where no item writes one: path, section hint, text, mtime."""
    match = _YEAR_IN_TEXT.search(parser.path)
    if match is not None:
        parser.tell(draft.line, Level.NOTE, f"year {match.group(0)} taken from the file's path")
        return int(match.group(0))
    if parser.hints.year is not None:
        parser.tell(draft.line, Level.NOTE,
                    f"year {parser.hints.year} taken from the section's year hint")
        return parser.hints.year
    match = _YEAR_IN_TEXT.search(" ".join([draft.title or "", *draft.paragraphs]))
    if match is not None:
        parser.tell(draft.line, Level.WARNING,
                    f"date has no year: {match.group(0)}, written in the item's text, used")
        return int(match.group(0))
    if parser.written is not None:
        parser.tell(draft.line, Level.WARNING,
                    f"date has no year: {parser.written.year}, the year the file was "
                    "last written, used")
        return parser.written.year
    return None


def _nearby_year(found: FoundDate, neighbour: date, below: bool) -> int:
    """The year of a date next to a dated neighbour in a newest-first listing.

    Newest first, an item below its neighbour is no later than it, one above no earlier;
    but a listing is not always strict, and an item a few weeks out of order is in its
    neighbour's year whichever side it stands on.
    """
    try:
        same = found.resolve(neighbour.year)
    except ValueError:
        same = None
    if same is not None and abs((same - neighbour).days) <= NEIGHBOUR_DAYS:
        return neighbour.year
    if below:
        return neighbour.year if (found.month, found.day) <= (neighbour.month,
                                                             neighbour.day) \
            else neighbour.year - 1
    return neighbour.year if (found.month, found.day) >= (neighbour.month, neighbour.day) \
        else neighbour.year + 1


def _resolve_years(drafts: list[_Draft], parser: _Parser) -> list[Item]:
    """Give every date its year: written, or inferred from the items around it."""
    days: list[date | None] = [None] * len(drafts)
    first_known = next((k for k, d in enumerate(drafts) if d.found.year is not None), None)
    if first_known is None:
        years = [_year_without_neighbour(draft, parser) for draft in drafts[:1]]
        if years and years[0] is not None:
            days[0] = _day(drafts[0], years[0], parser)
            first_known = 0 if days[0] is not None else None
        if first_known is None:
            for draft in drafts:
                parser.tell(draft.line, Level.ERROR,
                            "date has no year and no item in the file gives one; "
                            "item skipped")
            return []
    else:
        days[first_known] = _day(drafts[first_known], drafts[first_known].found.year,
                                 parser)
    for order in (range(first_known - 1, -1, -1), range(first_known + 1, len(drafts))):
        neighbour = days[first_known]
        for k in order:
            draft = drafts[k]
            year = draft.found.year
            if year is None and neighbour is not None:
                year = _nearby_year(draft.found, neighbour, below=k > first_known)
                where = "below" if k < first_known else "above"
                parser.tell(draft.line, Level.NOTE,
                            f"year {year} taken from the dated item {where}")
            days[k] = _day(draft, year, parser)
            neighbour = days[k] or neighbour
    return [
        Item(d.line, day, d.title, d.lead_start, tuple(d.paragraphs), d.found.clock,
             d.found.offset)
        for d, day in zip(drafts, days, strict=True)
        if day is not None
    ]


def _day(draft: _Draft, year: int | None, parser: _Parser) -> date | None:
    if year is None:
        return None
    if not 1000 <= year <= 9998:  # (as for a written year: inferred from one next to it)
        parser.tell(draft.line, Level.ERROR,
                    f"impossible date: the year inferred for it, {year}, is out of range; "
                    "item skipped")
        return None
    try:
        return draft.found.resolve(year)
    except ValueError:
        parser.tell(draft.line, Level.ERROR,
                    f"impossible date: {draft.found.day:02d}.{draft.found.month:02d} "
                    f"does not exist in {year}; item skipped")
        return None
