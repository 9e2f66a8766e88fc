"""Dates that start items and end article date lines, English and Russian.

Tables of (input, expected) rows: expected is (year or None, month, day, text after the
date), None for text that does not start with a date, or BadDate for an impossible one.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from dateutil import parser as dateutil_parser

from seedfeed.dates import BadDate, match_date_prefix, parser_info

PREFIXES = [
    # empty and not-a-date
    ("", None),
    (" ", None),
    ("On", None),
    ("The CSTO met on 16 February 2024.", None),
    ("May 2024 was busy.", None),
    ("В 2024 году", None),
    ("2024 was busy", None),
    ("1 2 3", None),
    ("16.02.24 short year", None),
    ("On 16 Februaryx", None),
    ("16th of May", None),
    # English, day first
    ("On 16 February 2024, the CSTO Secretary General met",
     (2024, 2, 16, "the CSTO Secretary General met")),
    ("On 7 February, participants visited", (None, 2, 7, "participants visited")),
    ("16 February 2024: statement", (2024, 2, 16, "statement")),
    ("On 16 Feb 2024, x", (2024, 2, 16, "x")),
    ("On 7 Feb., x", (None, 2, 7, "x")),
    ("on 3 may 2024, x", (2024, 5, 3, "x")),
    ("On 3 May, 2024 x", (2024, 5, 3, "x")),
    ("On 3 March 10 people met", (None, 3, 3, "10 people met")),
    ("On 1 March 2024.", (2024, 3, 1, "")),
    ("12 May 1945 victory", (1945, 5, 12, "victory")),
    ("On 29 February, x", (None, 2, 29, "x")),
    # English, month first
    ("February 16, 2024, the meeting", (2024, 2, 16, "the meeting")),
    ("On April 3, the delegates", (None, 4, 3, "the delegates")),
    ("On Feb. 16, 2024 x", (2024, 2, 16, "x")),
    ("February 16th, 2024, x", (2024, 2, 16, "x")),
    ("Sept 5, 2024, x", (2024, 9, 5, "x")),
    ("May 3 2024 x", (2024, 5, 3, "x")),
    ("MAY 3 x", (None, 5, 3, "x")),
    # numeric, day first
    ("20.06.2023", (2023, 6, 20, "")),
    ("On 16.02.2024, x", (2024, 2, 16, "x")),
    ("05.06.2023 body", (2023, 6, 5, "body")),
    ("5.6.2023 body", (2023, 6, 5, "body")),
    ("03.05.2024г. Москва", (2024, 5, 3, "Москва")),
    # Russian
    ("16 февраля 2024 года состоялось заседание", (2024, 2, 16, "состоялось заседание")),
    ("14 февраля в Москве", (None, 2, 14, "в Москве")),
    ("В 3 мая прошла", (None, 5, 3, "прошла")),
    ("5 марта 2024 г. в Минске", (2024, 3, 5, "в Минске")),
    ("5 марта 2024г. Минск", (2024, 3, 5, "Минск")),
    ("5 сент. 2024 г. x", (2024, 9, 5, "x")),
    ("1 января 2024 года, x", (2024, 1, 1, "x")),
    ("31 декабря, x", (None, 12, 31, "x")),
    ("22 июня 1941 года", (1941, 6, 22, "")),
    ("7 ноября x", (None, 11, 7, "x")),
    # impossible dates
    ("On 31 February 2024, x", BadDate),
    ("On 30 February, x", BadDate),
    ("On 29 February 2023, x", BadDate),
    ("On 32 May 2024, x", BadDate),
    ("On 0 May 2024, x", BadDate),
    ("Feb 30 x", BadDate),
    ("On 00.05.2024", BadDate),
    ("On 12.13.2024", BadDate),
    ("31.04.2024 x", BadDate),
    ("On 3 May 0999 x", BadDate),
    ("31 июня 2024 года x", BadDate),
]


@pytest.mark.parametrize(("text", "expected"), PREFIXES)
def test_match_date_prefix(text, expected):
    if expected is BadDate:
        with pytest.raises(BadDate, match="impossible date|out of range"):
            match_date_prefix(text)
        return
    found = match_date_prefix(text)
    if expected is None:
        assert found is None
        return
    assert found is not None
    year, month, day, rest = expected
    assert (found.year, found.month, found.day) == (year, month, day)
    assert text[found.end:] == rest


def test_bad_date_message_quotes_the_written_date():
    with pytest.raises(BadDate, match="'On 31 February 2024'"):
        match_date_prefix("On 31 February 2024, the summit")


def test_resolve_gives_the_day_in_a_year():
    found = match_date_prefix("On 29 February, x")
    assert found is not None
    assert found.resolve(2024).isoformat() == "2024-02-29"
    with pytest.raises(ValueError):
        found.resolve(2023)




@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16 февраля 2024", datetime(2024, 2, 16)),
        ("3 мая 2024 года", datetime(2024, 5, 3)),
        ("1 янв 2024", datetime(2024, 1, 1)),
        ("20 июня 2023 г.", datetime(2023, 6, 20)),
        ("20.06.2023", datetime(2023, 6, 20)),
        ("February 16, 2024", datetime(2024, 2, 16)),
    ],
)
def test_parserinfo_teaches_dateutil_russian_months(text, expected):
    assert dateutil_parser.parse(text, parserinfo=parser_info()) == expected


def test_missing_year_is_missing_not_this_year():
    found = match_date_prefix("On 7 February, x")
    assert found is not None and found.year is None
