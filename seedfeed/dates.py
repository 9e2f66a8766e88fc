"""Recognise and parse the dates that start seed items, in English and Russian.

The month vocabulary (MONTHS) makes one dateutil `parserinfo` and the regex that finds a
date at the start of a paragraph; dateutil parses what the regex found, and its answer for
each fragment ("16 February") is memoised, in the process and in a build's cache.  A
missing year is reported as missing (never filled from today) so that the parser can
infer it from the neighbouring items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateutil import parser as dateutil_parser



# English and Russian month names, every case and abbreviation: dateutil's vocabulary
# (SeedParserInfo) and the regular expression that finds dates are both made from them.
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
JUMP_WORDS = ["г", "г.", "года", "год", "в", "On"]


@cache
def parser_info() -> dateutil_parser.parserinfo:
    """dateutil's parserinfo taught the seeds' months, day first (imported when first
    needed: a build that finds every date in its memo never loads dateutil)."""
    from dateutil.parser import parserinfo

    class SeedParserInfo(parserinfo):
        """English and Russian month names (every case and abbreviation) for dateutil."""

        MONTHS = MONTHS
        JUMP = [*parserinfo.JUMP, *JUMP_WORDS]

    return SeedParserInfo(dayfirst=True)


_PLACEHOLDER_YEAR = 2000  # a leap year, so "29 February" without a year still parses

_MONTH = "|".join(
    sorted({re.escape(name) for names in MONTHS for name in names},
           key=len, reverse=True)
)
_YEAR_WORD = r"(?:\s*(?:года|год|г\.?)(?![\w]))?"
# Day and month names, with an optional year; the day may be any number so that
# "32 May" is recognised as a (bad) date rather than as ordinary text.
_DAY_MONTH = rf"(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTH})\.?(?:\s*,?\s+(?P<y1>\d{{4}}){_YEAR_WORD})?"
_MONTH_DAY = rf"(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,?\s+(?P<y2>\d{{4}}))?"
_NUMERIC = r"(?P<d3>\d{1,2})\.(?P<m3>\d{1,2})\.(?P<y3>\d{4})" + _YEAR_WORD

DATE_PREFIX = re.compile(
    rf"(?:(?:On|on|В|в)\s+)?(?:{_DAY_MONTH}|{_MONTH_DAY}|{_NUMERIC})(?![\w.]*\d)(?=[\s,.:;)]|$)"
    r"\s*[,:;.]?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text: month and day always, the year only if written."""

    month: int
    day: int
    year: int | None
    end: int  # where the text after the date (and its punctuation) starts

    def resolve(self, year: int) -> date:
        return date(year, self.month, self.day)


class BadDate(ValueError):
    """Text that is clearly meant as a date but names no real day, e.g. 31 February."""


def match_date_prefix(text: str) -> FoundDate | None:
    """The date an item starts with, or None; raises BadDate for an impossible one."""
    match = DATE_PREFIX.match(text)
    if match is None:
        return None
    month, day, year = _date_of(match.group(0), match.re)
    return FoundDate(month=month, day=day, year=year, end=match.end())


@lru_cache(maxsize=65536)
def _date_of(written: str, pattern: re.Pattern[str]) -> tuple[int, int, int | None]:
    """Month, day and year (None if not written) of a matched date; cached by its text.

    A corpus writes the same few thousand dates again and again.
    """
    match = pattern.search(written)
    assert match is not None
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    year_text = groups.get("y1") or groups.get("y2") or groups.get("y3")
    fragment = " ".join(groups[k] for k in ("d1", "m1", "m2", "d2", "d3", "m3") if k in groups)
    written = written.strip(" ,.:;")
    try:
        month, day = _parse_month_day(fragment, numeric="d3" in groups)
    except BadDate:
        raise BadDate(f"impossible date {written!r}") from None
    year = int(year_text) if year_text else None
    try:
        date(year if year is not None else _PLACEHOLDER_YEAR, month, day)
    except ValueError as exc:
        raise BadDate(f"impossible date {written!r}") from exc
    if year is not None and not 1000 <= year <= 9998:
        raise BadDate(f"year {year} is out of range in {written!r}")
    return month, day, year


_MONTH_DAYS: dict[tuple[str, bool], tuple[int, int]] = {}  # see known_month_days


def known_month_days(since: int = 0) -> dict[tuple[str, bool], tuple[int, int]]:
    """What dateutil made of each date fragment so far: a build keeps it in its cache.

    `since`: only what was learned after the first `since` (see month_days_learned); a
    process that parses for another sends back just what it learned.
    """
    return dict(islice(_MONTH_DAYS.items(), since, None))


def month_days_learned() -> int:
    return len(_MONTH_DAYS)


def learn_month_days(known: object) -> None:
    """Take what known_month_days() gave (anything else is ignored)."""
    if isinstance(known, dict):
        for key, value in known.items():
            if (isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str)
                    and isinstance(value, tuple) and len(value) == 2):
                _MONTH_DAYS.setdefault(key, value)


def _parse_month_day(fragment: str, numeric: bool) -> tuple[int, int]:
    """Month and day of a date fragment, parsed by dateutil with our vocabulary.

    Memoised: a corpus has few distinct fragments ("16 February"), and dateutil is the
    slow part of parsing.
    """
    found = _MONTH_DAYS.get((fragment, numeric))
    if found is None:
        found = _MONTH_DAYS[fragment, numeric] = _dateutil_month_day(fragment, numeric)
    return found


def _dateutil_month_day(fragment: str, numeric: bool) -> tuple[int, int]:
    from dateutil.parser import parse

    written = fragment
    if numeric:
        day_text, month_text = fragment.split()
        fragment = f"{day_text}.{month_text}.{_PLACEHOLDER_YEAR}"
    default = datetime(_PLACEHOLDER_YEAR, 1, 1)
    try:
        parsed = parse(fragment, parserinfo=parser_info(), default=default)
    except (ValueError, OverflowError) as exc:
        raise BadDate(f"impossible date {fragment!r}") from exc
    written_day = int(re.search(r"\d+", written).group(0))  # type: ignore[union-attr]
    if parsed.day != written_day:  # dateutil reads "32 May" as May of year 32
        raise BadDate(f"impossible date {fragment!r}")
    return parsed.month, parsed.day
