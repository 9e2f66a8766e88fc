"""Dates as news pages print them, in English and Russian: one small handler per form.

Modelled on feedparser's `datetimes/`: each handler reads one written form of a date at a
position of a text and returns month, day, year (None when not written) and where the
date ends, or None; `date_at` tries them in turn.  python-dateutil does what a handler
cannot say better itself: the month vocabulary (a `parserinfo` taught every English and
Russian spelling) and ISO 8601 (`isoparser`).  Around the date, `leading_date` reads what
a block may open with (`On`, `В`, `Today,`, a weekday, a time of day before or after) and
`trailing_date` the date that ends a title line (`Title, September 10, 2015`,
`Title — 16.02.2024`, `Title (16 February 2024)`).

A missing year is reported as missing, never taken from today: the parser infers it from
the items around.  A range (`3–5 June`, `from 25 to 27 July`, `с 25 по 27 июля`) is dated
by its first day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from functools import cache

from dateutil.parser import isoparser, parserinfo

# English and Russian month names, every case and abbreviation (dateutil's vocabulary).
MONTHS = [
    ("Jan", "January", "янв", "январь", "января", "январе"),
    ("Feb", "February", "фев", "февр", "февраль", "февраля", "феврале"),
    ("Mar", "March", "мар", "март", "марта", "марте"),
    ("Apr", "April", "апр", "апрель", "апреля", "апреле"),
    ("May", "мая", "май", "мае"),
    ("Jun", "June", "июн", "июнь", "июня", "июне"),
    ("Jul", "July", "июл", "июль", "июля", "июле"),
    ("Aug", "August", "авг", "август", "августа", "августе"),
    ("Sep", "Sept", "September", "сен", "сент", "сентябрь", "сентября", "сентябре"),
    ("Oct", "October", "окт", "октябрь", "октября", "октябре"),
    ("Nov", "November", "ноя", "нояб", "ноябрь", "ноября", "ноябре"),
    ("Dec", "December", "дек", "декабрь", "декабря", "декабре"),
]
WEEKDAYS = [
    ("Mon", "Monday", "пн", "понедельник"),
    ("Tue", "Tues", "Tuesday", "вт", "вторник"),
    ("Wed", "Wednesday", "ср", "среда", "среду"),
    ("Thu", "Thur", "Thurs", "Thursday", "чт", "четверг"),
    ("Fri", "Friday", "пт", "пятница", "пятницу"),
    ("Sat", "Saturday", "сб", "суббота", "субботу"),
    ("Sun", "Sunday", "вс", "воскресенье"),
]


class SeedParserInfo(parserinfo):
    """dateutil's vocabulary taught the seeds' months and weekdays (English and Russian);
    its JUMP is extended, not replaced, with the Russian year words."""

    MONTHS = MONTHS  # type: ignore[assignment]
    WEEKDAYS = WEEKDAYS  # type: ignore[assignment]
    JUMP = [*parserinfo.JUMP, "г", "г.", "года", "год", "в", "On"]


@cache
def parser_info() -> SeedParserInfo:
    return SeedParserInfo(dayfirst=True)


def _alternation(names: list[tuple[str, ...]]) -> str:
    return "|".join(sorted({re.escape(n) for group in names for n in group}, key=len,
                           reverse=True))


_MONTH = rf"(?P<month>{_alternation(MONTHS)})(?![^\W\d_])\.?"
_DAY = r"(?P<day>\d{1,2})(?!\d)"
_YEAR = r"(?P<year>\d{4,})"
_YEAR_WORD = r"(?:\s*(?:года|год|г\.?)(?![^\W\d_]))?"
_DASH = r"\s*[-–—]\s*"
_TIME = (r"(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::[0-5]\d)?(?![\d:])"
         r"(?:\s*(?P<half>[AaPp])\.?[Mm]\.?(?![^\W\d_]))?"
         r"(?:\s*(?P<zone>[+-]\d{2}:?\d{2}|GMT|UTC|MSK|МСК)(?![^\W\d_]))?")


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text: month and day always, the year only if written.

    start/end: where the date (with its lead-in words, time and punctuation) starts and
    where the text after it starts.  clock: the time of day if printed; offset: the UTC
    offset if written (ISO 8601).  subject: the date is the sentence's subject (`15 May
    2024 is ...`), so a title made from the text keeps it.  form: the handler's name.
    """

    month: int
    day: int
    year: int | None
    end: int
    start: int = 0
    clock: time | None = None
    offset: timedelta | None = None
    subject: bool = False
    form: str = ""

    def resolve(self, year: int) -> date:
        return date(year, self.month, self.day)


class BadDate(ValueError):
    """Text that is clearly meant as a date but names no real day, e.g. 31 February."""


@dataclass(frozen=True, slots=True)
class _Read:
    month: int
    day: int
    year: int | None
    end: int
    clock: time | None = None
    offset: timedelta | None = None


Handler = Callable[[str, int, str], "_Read | None"]


def _named_month(match: re.Match[str]) -> int:
    month = parser_info().month(match["month"].rstrip("."))
    assert month is not None  # the pattern only matches the vocabulary's names
    return month


def _read(match: re.Match[str], month: int, day: int) -> _Read:
    groups = match.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    if groups.get("short"):  # 16.02.24: this century
        year = 2000 + int(groups["short"])
    return _Read(month, day, year, match.end())


def _handler(pattern: str, fields: Callable[[re.Match[str], str], tuple[int, int]]) -> Handler:
    compiled = re.compile(pattern, re.IGNORECASE)

    def handle(text: str, pos: int, order: str) -> _Read | None:
        match = compiled.match(text, pos)
        if match is None:
            return None
        month, day = fields(match, order)
        return _read(match, month, day)

    return handle


def _iso(text: str, pos: int, order: str) -> _Read | None:
    """2024-02-16, 2024-02-16T09:30, 2024-02-16 09:30:00+03:00 (ISO 8601, by dateutil)."""
    match = _ISO.match(text, pos)
    if match is None:
        return None
    try:
        parsed = isoparser(sep=match["sep"] or "T").isoparse(match.group(0)) if match["sep"] \
            else isoparser().isoparse(match.group(0))
    except ValueError as exc:
        raise BadDate(f"impossible date {match.group(0)!r}") from exc
    clock = parsed.time() if match["sep"] else None
    offset = parsed.utcoffset()
    return _Read(parsed.month, parsed.day, parsed.year, match.end(), clock, offset)


_ISO = re.compile(r"(?P<year>\d{4})-\d{2}-\d{2}(?:(?P<sep>[T ])\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                  r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?(?![\d:])")


def _numeric(match: re.Match[str], order: str) -> tuple[int, int]:
    first, second = int(match["a"]), int(match["b"])
    return (first, second) if order == "mdy" and match["sep"] == "/" else (second, first)


# The table: tried in turn at a position; the first that reads a date wins, so a range
# comes before the single day it starts with.
HANDLERS: list[tuple[str, Handler]] = [
    ("yyyy-mm-dd", _iso),
    ("dd.mm.yyyy", _handler(
        rf"(?P<a>\d{{1,2}})(?P<sep>[.-])(?P<b>\d{{1,2}})(?P=sep){_YEAR}{_YEAR_WORD}", _numeric)),
    ("yyyy.mm.dd", _handler(
        r"(?P<year>\d{4})\.(?P<b>\d{1,2})\.(?P<a>\d{1,2})(?!\d)", _numeric)),
    ("dd.mm.yy", _handler(
        rf"(?P<a>\d{{1,2}})(?P<sep>\.)(?P<b>\d{{1,2}})\.(?P<short>\d{{2}})(?![\d.]){_YEAR_WORD}",
        _numeric)),
    ("nn/nn/yyyy", _handler(
        rf"(?P<a>\d{{1,2}})(?P<sep>/)(?P<b>\d{{1,2}})/{_YEAR}", _numeric)),
    ("d–d month", _handler(
        rf"{_DAY}{_DASH}\d{{1,2}}\s+{_MONTH}(?:\s*,?\s+{_YEAR}{_YEAR_WORD})?",
        lambda m, _: (_named_month(m), int(m["day"])))),
    ("from d to d month", _handler(
        rf"(?:from|с)\s+{_DAY}\s+(?:to|till|until|по|до)\s+\d{{1,2}}\s+{_MONTH}"
        rf"(?:\s*,?\s+{_YEAR}{_YEAR_WORD})?",
        lambda m, _: (_named_month(m), int(m["day"])))),
    ("d month – d month", _handler(
        rf"{_DAY}\s+{_MONTH}{_DASH}\d{{1,2}}\s+(?:{_alternation(MONTHS)})\.?"
        rf"(?:\s*,?\s+{_YEAR}{_YEAR_WORD})?",
        lambda m, _: (_named_month(m), int(m["day"])))),
    ("d month", _handler(
        rf"{_DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s*,?\s+{_YEAR}{_YEAR_WORD})?",
        lambda m, _: (_named_month(m), int(m["day"])))),
    ("month d", _handler(
        rf"{_MONTH}\s+{_DAY}(?:st|nd|rd|th)?(?:{_DASH}\d{{1,2}}(?!\d))?(?:\s*,?\s+{_YEAR})?",
        lambda m, _: (_named_month(m), int(m["day"])))),
]

_LEAD_IN = re.compile(
    r"(?:(?:On|В|Во|Today|Сегодня|Yesterday|Вчера|Posted|Published|Date|Dated|Опубликовано|"
    r"Дата(?: публикации)?)(?:\s+on)?\b\s*[,:]?\s+)?", re.IGNORECASE)
# A dateline: the place the news comes from, before or after its date ("Minsk, 16
# February 2024 – The council met"; "16 February 2024, Minsk – ..."), then a dash.
_PLACE = r"[A-ZА-ЯЁ][^\W\d_]+(?:[ -][A-ZА-ЯЁ]?[^\W\d_]+){0,2}"
_PLACE_BEFORE = re.compile(rf"{_PLACE},\s+")
_PLACE_AFTER = re.compile(rf"(?:,\s*{_PLACE})?\s+[–—-]\s+")
# What may follow the date on a date line: its weekday, a place after a bar.
_DATE_LINE_TAIL = re.compile(
    rf"\s*(?:\((?:{_alternation(WEEKDAYS)})\)|[|/]\s*[^\W\d_][^|\d]{{0,30}})\s*$",
    re.IGNORECASE)
_WEEKDAY = re.compile(rf"(?:{_alternation(WEEKDAYS)})(?![^\W\d_])\.?,?\s+", re.IGNORECASE)
_TIME_BEFORE = re.compile(rf"{_TIME}\s*[,|]?\s+", re.IGNORECASE)
_TIME_AFTER = re.compile(rf"(?:\s*[,|]\s*|\s+)(?:(?:at|в)\s+)?{_TIME}", re.IGNORECASE)
# After a leading date: the punctuation that separates it from the text.
_SEPARATOR = re.compile(r"\s*[,:;.]?\s*")
_SUBJECT = re.compile(r"\s+(?:is|was|will|marks|marked|has|had|became|becomes|—|–|-|стал|"
                      r"станет|является|был|была|будет|отмечается)\b", re.IGNORECASE)


def date_at(text: str, pos: int = 0, order: str = "dmy") -> tuple[str, _Read] | None:
    """The form and reading of a date written at `pos`, or None; raises BadDate for a
    date that names no real day or has a year of other than four digits."""
    for form, handle in HANDLERS:
        read = handle(text, pos, order)
        if read is None:
            continue
        written = text[pos:read.end]
        if read.year is not None and not 1000 <= read.year <= 9998:
            raise BadDate(f"impossible date {written!r}: year {read.year} is out of range")
        try:
            date(read.year if read.year is not None else 2000, read.month, read.day)
        except ValueError:
            raise BadDate(f"impossible date {written!r}") from None
        return form, read
    return None


def _checked_end(text: str, read: _Read, pos: int) -> bool:
    """Whether a date ends where a word does: not `16 Februaryx`, `3 May 20244`."""
    follows = text[read.end:read.end + 1]
    if follows.isdigit():
        raise BadDate(f"impossible date {text[pos:read.end + 8].split(',')[0]!r}: "
                      "a year needs four digits")
    if follows in ".,/-" and text[read.end + 1:read.end + 2].isdigit():
        return False  # 16.02.2024.5, a version or a phone number, not a date
    return not follows or not (follows.isalnum() or follows == "_")


def _clock(match: re.Match[str]) -> tuple[time, timedelta | None]:
    """A time of day (12-hour with AM/PM too) and the UTC offset written after it."""
    hour = int(match["hour"])
    if match["half"] and hour <= 12:
        hour = hour % 12 + (12 if match["half"] in "Pp" else 0)
    zone, offset = match["zone"], None
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    elif zone in ("GMT", "UTC"):
        offset = timedelta(0)
    elif zone:
        offset = timedelta(hours=3)  # MSK
    return time(hour, int(match["minute"])), offset


def leading_date(text: str, order: str = "dmy") -> FoundDate | None:
    """The date a block opens with, after `On`/`В`/`Today,`/`Posted:`, a weekday or a
    dateline's place, with a time of day before or after it, or None.  `end` is where
    the text after it starts."""
    pos = _LEAD_IN.match(text).end()  # type: ignore[union-attr]
    lead_in = pos > 0
    weekday = _WEEKDAY.match(text, pos)
    if weekday is not None and date_at(text, weekday.end(), order) is not None:
        pos = weekday.end()
    place = _PLACE_BEFORE.match(text, pos) if not lead_in and pos == 0 else None
    if place is not None and date_at(text, place.end(), order) is not None:
        pos = place.end()
    else:
        place = None
    clock: time | None = None
    offset: timedelta | None = None
    before = _TIME_BEFORE.match(text, pos)
    if before is not None and date_at(text, before.end(), order) is not None:
        (clock, offset), pos = _clock(before), before.end()
    found = date_at(text, pos, order)
    if found is None:
        return None
    form, read = found
    if not _checked_end(text, read, pos):
        return None
    end = read.end
    if clock is None and read.clock is None:
        after = _TIME_AFTER.match(text, end)
        if after is not None:
            (clock, offset), end = _clock(after), after.end()
    dateline = _PLACE_AFTER.match(text, end)
    if place is not None and dateline is None:
        return None  # "Minsk, 16 February" alone is no dateline
    subject = not lead_in and dateline is None and _SUBJECT.match(text, end) is not None
    end = dateline.end() if dateline is not None else \
        _SEPARATOR.match(text, end).end()  # type: ignore[union-attr]
    return FoundDate(read.month, read.day, read.year, end, 0, clock or read.clock,
                     offset or read.offset, subject, form)


def whole_date(text: str, order: str = "dmy") -> FoundDate | None:
    """The date when a block is nothing but a date (and a time): a date line."""
    found = leading_date(text, order)
    if found is None or found.subject:
        return None
    if found.end != len(text):
        tail = _DATE_LINE_TAIL.match(text, found.end)
        if tail is None:
            return None
        found = replace(found, end=len(text))
    return found


# Separators between a title and the date at its end; a space alone only before a
# numeric date (`Title 20.06.2023`), as a sentence ending "held on 16 February 2024"
# is not a title.
_TITLE_SEPARATOR = re.compile(r"(?:\s*[,|/]\s*|\s+[-–—]\s*|\s*\(\s*|\s+)$")
_CANDIDATE = re.compile(rf"(?<![\w.])(?:\d|{_alternation(MONTHS)})", re.IGNORECASE)
_TRAILING_SPAN = 60  # a date and its time at the end of a line are shorter than this


def trailing_date(text: str, order: str = "dmy") -> FoundDate | None:
    """The date that ends a title line, or None: `start` is where the title ends."""
    for candidate in _CANDIDATE.finditer(text, max(0, len(text) - _TRAILING_SPAN)):
        pos = candidate.start()
        if pos == 0:
            continue
        try:
            found = leading_date(text[pos:].rstrip(").").rstrip(), order)
        except BadDate:
            return None
        if found is None or found.end != len(text[pos:].rstrip(").").rstrip()):
            continue
        separator = _TITLE_SEPARATOR.search(text, 0, pos)
        if separator is None:
            return None
        bare_space = not separator.group(0).strip()
        if bare_space and found.form not in ("dd.mm.yyyy", "nn/nn/yyyy", "yyyy-mm-dd"):
            return None
        if text[pos:].rstrip().endswith(")") != ("(" in separator.group(0)):
            return None
        return FoundDate(found.month, found.day, found.year, len(text), separator.start(),
                         found.clock, found.offset, False, found.form)
    return None
