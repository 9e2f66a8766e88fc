"""Dates as news pages print them, English and Russian: one table of every form.

Rows of (input, expected): expected is (year or None, month, day, text after the date
[, time of day]), None for text that does not start with a date, or BadDate for an
impossible one.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from dateutil import parser as dateutil_parser

from seedfeed.dates import BadDate, leading_date, parser_info, trailing_date, whole_date

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
    ("16.02.24 short year", (2024, 2, 16, "short year")),
    ("16.02.2024.5 x", None),
    ("On 16 Februaryx", None),
    ("16th of May", (None, 5, 16, "")),
    ("16th February 2024, x", (2024, 2, 16, "x")),
    ("2024.02.16 x", (2024, 2, 16, "x")),
    ("16-02-2024 x", (2024, 2, 16, "x")),
    # labels, datelines and decorated date lines
    ("Posted: 16.02.2024", (2024, 2, 16, "")),
    ("Published on 16 February 2024", (2024, 2, 16, "")),
    ("Опубликовано: 16.02.2024", (2024, 2, 16, "")),
    ("Дата публикации: 16.02.2024", (2024, 2, 16, "")),
    ("Во вторник, 13 февраля 2024 года, совет", (2024, 2, 13, "совет")),
    ("Minsk, 16 February 2024 – The council met.", (2024, 2, 16, "The council met.")),
    ("Москва, 16 февраля 2024 г. — Совет собрался.", (2024, 2, 16, "Совет собрался.")),
    ("Minsk, the capital, hosted", None),
    ("16 February 2024, Minsk – The council met.", (2024, 2, 16, "The council met.")),
    ("Friday, 16 February 2024 – The council met.", (2024, 2, 16, "The council met.")),
    ("February 16, 2024 4:30 PM", (2024, 2, 16, "", "16:30")),
    ("4:30 PM, February 16, 2024", (2024, 2, 16, "", "16:30")),
    ("12:15 a.m., February 16, 2024", (2024, 2, 16, "", "00:15")),
    ("14:30 | 16.02.2024", (2024, 2, 16, "", "14:30")),
    ("16.02.2024 | 14:30", (2024, 2, 16, "", "14:30")),
    ("Fri, 16 Feb 2024 14:30:00 +0300", (2024, 2, 16, "", "14:30")),
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
    ("On 14 March 20244, the board met", BadDate),
    ("16.02.20244 x", BadDate),
    # ISO 8601, with a time and zone
    ("2024-02-16 the board met", (2024, 2, 16, "the board met")),
    ("2024-02-16T09:30:00+03:00 x", (2024, 2, 16, "x", "09:30")),
    ("2024-02-16 09:30 x", (2024, 2, 16, "x", "09:30")),
    ("2024-02-30 x", BadDate),
    # numeric with the Russian year word, slashes (day first unless the section says mdy)
    ("16.02.2024 г.", (2024, 2, 16, "")),
    ("03/04/2024 x", (2024, 4, 3, "x")),
    # a weekday in front, lead-in words
    ("Friday, 16 February 2024", (2024, 2, 16, "")),
    ("Пятница, 16 февраля 2024 года", (2024, 2, 16, "")),
    ("Today, 16 February 2024, the board met", (2024, 2, 16, "the board met")),
    ("Friday night was calm", None),
    ("16 фев 2024 x", (2024, 2, 16, "x")),
    ("Feb. 16", (None, 2, 16, "")),
    # ranges: the first day
    ("14-16 June 2022", (2022, 6, 14, "")),
    ("On 3–5 June, staff talks", (None, 6, 3, "staff talks")),
    ("On 27-30 May, a workshop", (None, 5, 27, "a workshop")),
    ("from 25 to 27 July x", (None, 7, 25, "x")),
    ("с 25 по 27 июля прошли учения", (None, 7, 25, "прошли учения")),
    ("25–27 июля 2023 г. прошли учения", (2023, 7, 25, "прошли учения")),
    ("30 May – 2 June 2024 x", (2024, 5, 30, "x")),
    ("June 3-5, 2024, x", (2024, 6, 3, "x")),
    # a time of day before or after
    ("09.04.2021 22:46", (2021, 4, 9, "", "22:46")),
    ("16:11, 17 April 2020", (2020, 4, 17, "", "16:11")),
    ("17 April 2020, 16:11", (2020, 4, 17, "", "16:11")),
    ("17 April 2020, 16:11 The talks", (2020, 4, 17, "The talks", "16:11")),
    ("17 April 2020 at 16:11, x", (2020, 4, 17, "x", "16:11")),
    ("25:61, 17 April 2020", None),
]


@pytest.mark.parametrize(("text", "expected"), PREFIXES)
def test_leading_date(text, expected):
    if expected is BadDate:
        with pytest.raises(BadDate, match="impossible date|out of range"):
            leading_date(text)
        return
    found = leading_date(text)
    if expected is None:
        assert found is None
        return
    assert found is not None
    year, month, day, rest, *clock = expected
    assert (found.year, found.month, found.day) == (year, month, day)
    assert text[found.end:] == rest
    assert (found.clock.strftime("%H:%M") if found.clock else None) == (clock[0] if clock
                                                                         else None)


def test_month_first_numeric_dates_follow_the_sections_order():
    found = leading_date("03/04/2024 x", order="mdy")
    assert found is not None and (found.month, found.day) == (3, 4)
    found = leading_date("03.04.2024 x", order="mdy")  # dotted dates are always day first
    assert found is not None and (found.month, found.day) == (4, 3)


def test_a_date_that_is_the_sentences_subject_is_marked_so():
    found = leading_date("15 May 2024 is the 32nd anniversary of the treaty.")
    assert found is not None and found.subject
    found = leading_date("On 15 May 2024 the treaty turned 32.")
    assert found is not None and not found.subject


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Weekly briefing by the spokesperson, September 10, 2015",
         ("Weekly briefing by the spokesperson", 2015, 9, 10)),
        ("Council session closes — 16.02.2024", ("Council session closes", 2024, 2, 16)),
        ("Council session closes (16 February 2024)", ("Council session closes", 2024, 2, 16)),
        ("Council session closes 16.02.2024", ("Council session closes", 2024, 2, 16)),
        ("Council session closes | 16 February 2024, 10:15",
         ("Council session closes", 2024, 2, 16)),
        ("Совет завершил сессию, 16 февраля 2024 года", ("Совет завершил сессию", 2024, 2, 16)),
        # a sentence that ends in a date is not a title with its date
        ("The session closed on 16 February 2024", None),
        ("Council session closes (16 February 2024", None),
        ("16.02.2024", None),
        ("", None),
    ],
)
def test_trailing_date(text, expected):
    found = trailing_date(text)
    if expected is None:
        assert found is None
        return
    assert found is not None
    title, year, month, day = expected
    assert (text[:found.start], found.year, found.month, found.day) == (title, year, month, day)


def test_whole_date_is_a_date_line_only():
    assert whole_date("16:11, 17 April 2020") is not None
    assert whole_date("16.02.2024 | Moscow") is not None
    assert whole_date("16 February 2024 (Friday)") is not None
    assert whole_date("16.02.2024 | Moscow and the region 12 more") is None
    assert whole_date("17 April 2020 the talks") is None
    assert whole_date("15 May 2024 is") is None


def test_bad_date_message_quotes_the_written_date():
    with pytest.raises(BadDate, match="'31 February 2024'"):
        leading_date("On 31 February 2024, the summit")


def test_resolve_gives_the_day_in_a_year():
    found = leading_date("On 29 February, x")
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
    found = leading_date("On 7 February, x")
    assert found is not None and found.year is None
