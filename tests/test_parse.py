"""Seed text to items: listings, articles, year inference, navigation, problems."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedfeed.dates import leading_date
from seedfeed.layout import layout
from seedfeed.load import SeedFile, parse_seed_bytes
from seedfeed.model import Level
from seedfeed.parse import is_navigation, parse_text
from seedfeed.settings import Settings

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def items_of(text: str) -> list[tuple[int, str, str | None, tuple[str, ...]]]:
    """(line, ISO day, article title, paragraphs) of every item; asserts no problems."""
    parsed = parse_text(text, "news/a.txt")
    assert [p for p in parsed.problems if p.level in (Level.WARNING, Level.ERROR)] == []
    return [(i.line, i.day.isoformat(), i.title, i.paragraphs) for i in parsed.items]


def days_of(text: str) -> list[str]:
    return [item.day.isoformat() for item in parse_text(text, "a.txt").items]


def serious(parsed) -> list:
    """The warnings and errors of a parse: notes and info lines tell decisions."""
    return [p for p in parsed.problems if p.level in (Level.WARNING, Level.ERROR)]


def problems_of(text: str) -> list[str]:
    """The warnings and errors (notes and info lines tell decisions, not problems)."""
    return [str(problem) for problem in parse_text(text, "news/a.txt").problems
            if problem.level in (Level.WARNING, Level.ERROR)]


# --- paragraphs and navigation ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("\n\n  \n\t\n", []),
        ("one", [(1, "one")]),
        # one block per line, unless the line plainly runs on
        ("One\nTwo\n\nthree", [(1, "One"), (2, "Two"), (4, "three")]),
        ("\n\n  wrapped in  \n  line  \n\n\n\nnext\n", [(3, "wrapped in line"), (8, "next")]),
        ("The council met,\nas planned.\nThen it rose.", [(1, "The council met, as planned."),
                                                        (3, "Then it rose.")]),
        ("A title\nthe text goes on", [(1, "A title the text goes on")]),
    ],
)
def test_blocks(text, expected):
    assert [(b.line, b.text) for b in layout(text).blocks] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", False),
        ("Go back", True),
        ("go back", True),
        ("Back to the section", True),
        ("Back to the all news", True),
        ("Back to all news »", True),
        ("Go back...", True),
        ("Вернуться назад", True),
        ("Назад", True),
        ("Вернуться к списку новостей", True),
        ("Go back to the talks, the minister said.", False),
        ("Back", True),
        ("Backing the section", False),
    ],
)
def test_is_navigation(text, expected):
    assert is_navigation(text) is expected


# --- listings -----------------------------------------------------------------------


def test_english_listing():
    text = (
        "On 16 February 2024, the Secretary General met the minister.\n\n\n"
        "On 14 February 2024, a seminar was held.\n\n"
        "On 7 February, delegates visited the Joint Staff.\n"
    )
    assert items_of(text) == [
        (1, "2024-02-16", None, ("On 16 February 2024, the Secretary General met the minister.",)),
        (4, "2024-02-14", None, ("On 14 February 2024, a seminar was held.",)),
        (6, "2024-02-07", None, ("On 7 February, delegates visited the Joint Staff.",)),
    ]


def test_russian_listing():
    text = (
        "16 февраля 2024 года Генеральный секретарь ОДКБ провёл встречу.\n\n"
        "14 февраля состоялось заседание.\n\n"
        "В 7 февраля прошёл брифинг.\n\n"
        "Вернуться назад\n"
    )
    assert [(line, day) for line, day, _, _ in items_of(text)] == [
        (1, "2024-02-16"), (3, "2024-02-14"), (5, "2024-02-07"),
    ]


def test_month_first_listing():
    text = "February 16, 2024, the council met.\n\nOn February 3, a briefing.\n"
    assert days_of(text) == ["2024-02-16", "2024-02-03"]


def test_numeric_dates_start_items_too():
    assert days_of("16.02.2024 Meeting.\n\n03.02.2024 Briefing.") == ["2024-02-16", "2024-02-03"]


def test_undated_paragraph_continues_the_item_before_it():
    text = "On 3 May 2024, a summit opened.\n\nIt lasted two days.\n\nOn 2 May 2024, b.\n"
    assert items_of(text) == [
        (1, "2024-05-03", None, ("On 3 May 2024, a summit opened.", "It lasted two days.")),
        (5, "2024-05-02", None, ("On 2 May 2024, b.",)),
    ]


def test_wrapped_lines_join_into_one_paragraph():
    text = "On 3 May 2024, a summit\nopened in\r\nMinsk.\n"
    assert items_of(text)[0][3] == ("On 3 May 2024, a summit opened in Minsk.",)


def test_navigation_between_listing_items_is_dropped():
    text = "On 3 May 2024, a.\n\nBack to the section\n\nOn 2 May 2024, b.\n\nВсе новости\n"
    assert [paras for *_, paras in items_of(text)] == [("On 3 May 2024, a.",),
                                                       ("On 2 May 2024, b.",)]


# --- year inference -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # the year carries down a newest-first listing
        (["16 February 2024", "14 February", "7 February"],
         ["2024-02-16", "2024-02-14", "2024-02-07"]),
        # ... and across a new year
        (["9 January 2024", "27 December", "3 December"],
         ["2024-01-09", "2023-12-27", "2023-12-03"]),
        (["9 January 2024", "9 January"], ["2024-01-09", "2024-01-09"]),
        (["2 March 2024", "1 March", "29 February"], ["2024-03-02", "2024-03-01", "2024-02-29"]),
        (["3 January 2025", "31 December", "2 January", "30 December"],
         ["2025-01-03", "2024-12-31", "2024-01-02", "2023-12-30"]),
        # a written year resets the count
        (["5 May 2024", "1 May", "20 April 2022", "2 April"],
         ["2024-05-05", "2024-05-01", "2022-04-20", "2022-04-02"]),
        # undated items before the first written year count up from the item below
        (["7 February", "16 January 2024"], ["2024-02-07", "2024-01-16"]),
        (["3 January", "28 December 2023"], ["2024-01-03", "2023-12-28"]),
        (["5 March", "27 December", "9 January 2024"], ["2025-03-05", "2024-12-27", "2024-01-09"]),
        (["16 January", "16 January 2024"], ["2024-01-16", "2024-01-16"]),
        # Russian and month-first dates take part alike
        (["16 февраля 2024 года", "14 февраля", "28 декабря"],
         ["2024-02-16", "2024-02-14", "2023-12-28"]),
        (["February 16, 2024", "On February 14", "On December 28"],
         ["2024-02-16", "2024-02-14", "2023-12-28"]),
    ],
)
def test_year_inference(dates, expected):
    text = "\n\n".join(f"On {d}, item {k}." if d[0].isdigit() else f"{d}, item {k}."
                       for k, d in enumerate(dates))
    assert days_of(text) == expected


def test_no_year_anywhere_is_an_error_for_each_item():
    problems = problems_of("On 7 February, a.\n\nOn 3 February, b.\n")
    assert [p.split(": ")[0:2] for p in problems] == [["news/a.txt:1", "error"],
                                                     ["news/a.txt:3", "error"]]
    assert all("no year" in p for p in problems)
    assert days_of("On 7 February, a.") == []


@pytest.mark.parametrize(
    ("text", "days", "bad_line"),
    [
        ("On 1 March 2023, a.\n\nOn 29 February, b.\n\nOn 28 February, c.\n",
         ["2023-03-01", "2023-02-28"], 3),
        # above the first written year: the bad item is skipped, not given its neighbour's day
        ("On 29 February, a.\n\nOn 1 February 2023, b.\n", ["2023-02-01"], 1),
        ("On 2 March, a.\n\nOn 29 February, b.\n\nOn 1 February 2023, c.\n",
         ["2023-03-02", "2023-02-01"], 3),
    ],
)
def test_inferred_29_february_in_a_common_year_is_skipped(text, days, bad_line):
    parsed = parse_text(text, "news/a.txt")
    assert [item.day.isoformat() for item in parsed.items] == days
    assert [(p.line, p.level) for p in serious(parsed)] == [(bad_line, Level.ERROR)]
    assert "29.02" in serious(parsed)[0].message
    assert all("29 February" not in item.paragraphs[0] for item in parsed.items)


# --- articles -----------------------------------------------------------------------

ARTICLE = (
    "The President held a meeting with foreign ministers\n"
    "\n"
    "The President held a meeting with foreign ministers 20.06.2023\n"
    "\n"
    "The President held a meeting with foreign ministers on June 20.\n"
    "\n"
    "On April 3, the delegates had agreed the agenda.\n"
    "\n"
    "16 February 2024 was named as the date of the next summit.\n"
    "\n"
    "Go back\n"
    "\n"
    "Back to the section\n"
    "\n"
    "Back to the all news\n"
)


def test_article():
    assert items_of(ARTICLE) == [(
        1, "2023-06-20", "The President held a meeting with foreign ministers", (
            "The President held a meeting with foreign ministers on June 20.",
            "On April 3, the delegates had agreed the agenda.",
            "16 February 2024 was named as the date of the next summit.",
        ),
    )]


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("Summit 20.06.2023", "2023-06-20"),
        ("Summit 5.6.2023", "2023-06-05"),
        ("Summit 20.06.2023 г.", "2023-06-20"),
        ("Summit 16 February 2024", "2024-02-16"),
        ("Summit February 16, 2024", "2024-02-16"),
        ("Summit 16 февраля 2024 года", "2024-02-16"),
        ("Summit  20.06.2023", "2023-06-20"),
        ("20.06.2023", "2023-06-20"),  # a bare date line under the title
    ],
)
def test_article_date_lines(date_line, expected):
    text = f"Summit\n\n{date_line}\n\nThe body.\n\nGo back\n"
    assert items_of(text) == [(1, expected, "Summit", ("The body.",))]


def test_russian_article_drops_russian_navigation():
    text = (
        "Заседание Совета министров иностранных дел ОДКБ\n\n"
        "Заседание Совета министров иностранных дел ОДКБ 20.06.2023\n\n"
        "16 февраля 2024 года будет следующее заседание.\n\n"
        "Министры обсудили повестку.\n\n"
        "Вернуться назад\n\n"
        "Вернуться в раздел\n"
    )
    assert items_of(text) == [(1, "2023-06-20", "Заседание Совета министров иностранных дел ОДКБ",
                               ("16 февраля 2024 года будет следующее заседание.",
                                "Министры обсудили повестку."))]


def test_several_articles_in_one_file():
    text = (
        "First title\n\nFirst title 20.06.2023\n\nFirst body.\n\nGo back\n\n"
        "Second title\n\nSecond title 21.06.2023\n\nOn 21 June, second body.\n\n"
        "Third title\n\nThird title 19.06.2023\n\nThird body.\n\nBack to the all news\n"
    )
    assert items_of(text) == [
        (1, "2023-06-20", "First title", ("First body.",)),
        (9, "2023-06-21", "Second title", ("On 21 June, second body.",)),
        (15, "2023-06-19", "Third title", ("Third body.",)),
    ]


def test_listing_followed_by_articles():
    text = (
        "On 16 February 2024, a.\n\nOn 7 February, b.\n\n"
        "Title one\n\nTitle one 20.06.2023\n\nOn April 3, body one.\n\nGo back\n\n"
        "Title two\n\nTitle two 01.05.2023\n\nBody two.\n\nBack to the section\n"
    )
    assert [(line, day, title) for line, day, title, _ in items_of(text)] == [
        (1, "2024-02-16", None), (3, "2024-02-07", None),
        (5, "2023-06-20", "Title one"), (13, "2023-05-01", "Title two"),
    ]


def test_sample_seed_items(repo_seeds):
    text = (repo_seeds / "news/000_953f9ee9bceb9942.txt").read_text("utf-8")
    parsed = parse_text(text, "news/000_953f9ee9bceb9942.txt")
    assert serious(parsed) == []
    assert [(i.line, i.day) for i in parsed.items] == [
        (1, date(2024, 2, 16)), (4, date(2024, 2, 14)), (7, date(2024, 2, 14)),
        (10, date(2024, 2, 7)), (13, date(2024, 2, 7)), (15, date(2023, 6, 20)),
    ]
    article = parsed.items[-1]
    assert article.title == ("The President of the Republic of Belarus Alexander Lukashenko "
                             "held a meeting with foreign ministers of the CSTO member states")
    assert not any(is_navigation(p) for item in parsed.items for p in item.paragraphs)
    assert article.paragraphs[-1].startswith("Alexander Lukashenko expressed confidence")


# --- problems -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["news/a.txt:1: warning: empty seed file"]),
        ("\n \n\t\n", ["news/a.txt:1: warning: empty seed file"]),
        ("No date here.\n\nOn 3 May 2024, x.", ["news/a.txt:1: error: undated item"]),
        ("On 3 May 2024, x.\n\nGo back\n\nStray text.\n", ["news/a.txt:5: error: undated item"]),
        ("Title\n\nBody without a date.\n\nMore body.\n\nGo back\n",
         ["news/a.txt:1: error: article without a date line"]),
        ("Go back\n\nTitle\n\nBody.\n\nBack to the section\n",
         ["news/a.txt:3: error: article without a date line"]),
        ("On 31 February 2024, x.\n\nOn 1 February 2024, y.",
         ["news/a.txt:1: error: impossible date '31 February 2024'"]),
        ("On 1 June 2024, x.\n\n\nOn 32 May 2024, y.",
         ["news/a.txt:4: error: impossible date '32 May 2024'"]),
        ("On 3 May 0999, x.",
         ["news/a.txt:1: error: impossible date '3 May 0999': year 999 is out of range"]),
        ("Title\n\nTitle 31.02.2023\n\nBody.\n\nGo back\n",
         ["news/a.txt:3: error: impossible date '31.02.2023'"]),
        ("Title\n\nTitle 20.06.2023\n\nGo back\n",
         ["news/a.txt:1: warning: article has a title and a date but no body"]),
        ("On 7 February, x.", ["news/a.txt:1: error: date has no year"]),
    ],
)
def test_problems(text, expected):
    problems = problems_of(text)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start)


def test_impossible_date_skips_its_continuation_not_the_next_item():
    text = "On 31 February 2024, x.\n\nMore about x.\n\nOn 1 February 2024, y.\n"
    parsed = parse_text(text, "a.txt")
    assert [(i.line, i.paragraphs) for i in parsed.items] == [(5, ("On 1 February 2024, y.",))]
    assert [p.line for p in serious(parsed)] == [1]


def test_body_of_an_article_with_an_impossible_date_is_skipped_whole():
    text = (
        "Title\n\nTitle 31.02.2023\n\nOn April 3, the delegates met.\n\n"
        "16 February 2024 was named.\n\nGo back\n\nOn 1 May 2024, a later item.\n"
    )
    parsed = parse_text(text, "a.txt")
    assert [p.line for p in serious(parsed)] == [3]
    assert [(i.line, i.day.isoformat()) for i in parsed.items] == [(11, "2024-05-01")]


def test_problems_are_sorted_by_line_and_good_items_survive():
    text = "Stray.\n\nOn 31 February 2024, x.\n\nOn 1 February 2024, y.\n\nOn 3 January, z.\n"
    parsed = parse_text(text, "a.txt")
    assert [p.line for p in serious(parsed)] == [1, 3]
    assert [i.day.isoformat() for i in parsed.items] == ["2024-02-01", "2024-01-03"]
    assert all(p.level is Level.ERROR for p in serious(parsed))


def test_hostile_text_is_kept_as_text():
    text = "On 3 May 2024, <script>alert(1)</script> &amp; <b>bold</b>.\n"
    assert items_of(text)[0][3] == ("On 3 May 2024, <script>alert(1)</script> &amp; <b>bold</b>.",)


# --- property: no text crashes the parser --------------------------------------------

MONTHS = ["January", "February", "May", "Dec", "Sept.", "февраля", "мая", "декабря", "янв",
          "июня", "марта", "МАЯ", "march"]
NAVIGATION = ["Go back", "Back to the section", "Back to the all news", "Вернуться назад",
              "Назад", "Все новости"]

# biased towards the days and years that make year inference and validation interesting
day_numbers = st.one_of(st.sampled_from(["1", "28", "29", "31"]), st.integers(0, 35).map(str))
years = st.sampled_from(["2024", "2023", "", "", "1999", "0999", "9999", "0000", "20245"])
months = st.sampled_from(MONTHS)
day_first = st.builds(lambda o, d, m, y: f"{o}{d} {m} {y}".strip(),
                      st.sampled_from(["", "On ", "on ", "В "]), day_numbers, months, years)
month_first = st.builds(lambda o, m, d, y: f"{o}{m} {d}, {y}".strip(" ,"),
                        st.sampled_from(["", "On "]), months, day_numbers, years)
numeric = st.builds(lambda d, m, y: f"{d}.{m}.{y}", day_numbers, st.integers(0, 14).map(str),
                    st.sampled_from(["2023", "2024", "0001", "12"]))
dates = st.one_of(day_first, month_first, numeric)
words = st.text(st.sampled_from("abc АБВ<>&.\"'…,;:\x00\x0b\ufffe\t"), max_size=12)
dated_paragraph = st.builds(lambda d, p, w: f"{d}{p}{w}", dates,
                            st.sampled_from([", ", ": ", " ", ". ", ""]), words)
title_lines = st.builds(lambda t, d: f"{t}\n\n{t} {d}", words, dates)
fragments = st.one_of(dated_paragraph, title_lines, words, st.sampled_from(NAVIGATION),
                      st.sampled_from(["", "\n", "\r\n", "\r", " ", "\ufeff"]))
seed_texts = st.lists(fragments, max_size=25).map("\n\n".join)
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)

SEED = SeedFile(Path("x.txt"), "news/x.txt", "news")
SITE = Settings()


def check_parse(text: str) -> None:
    parsed = parse_text(text, "news/x.txt")
    last_line = text.count("\n") + 1
    for item in parsed.items:
        assert isinstance(item.day, date)
        assert 1 <= item.line <= last_line
        assert item.paragraphs or item.title is not None
        if item.title is None and item.lead_start:  # a brief item's day is the one it
            found = leading_date(item.paragraphs[0])  # starts with (not a date line's text)
            assert found is not None
            assert (found.month, found.day) == (item.day.month, item.day.day)
            assert found.year in (None, item.day.year)
    for problem in parsed.problems:
        assert problem.path == "news/x.txt"
        assert 1 <= problem.line <= last_line


def check_bytes(data: bytes) -> None:
    entries, problems = parse_seed_bytes(data, SEED, SITE)
    for entry in entries:
        assert entry.published.tzinfo is not None
        assert entry.title
        for text in (entry.title, entry.summary, entry.content_html):
            assert not XML_FORBIDDEN.search(text), text
        assert re.fullmatch(r"news/x\.txt:\d+", entry.source)
    for problem in problems:
        assert problem.path == "news/x.txt"


PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.one_of(any_text, seed_texts))
def test_no_text_crashes_the_parser(text):
    check_parse(text)
    check_parse(text.replace("\r", "\n"))
    check_bytes(text.encode("utf-8"))
    check_bytes(text.encode("utf-8-sig").replace(b"\n", b"\r\n"))
    check_bytes(text.encode("utf-16"))
    check_bytes(text.encode("cp1251", errors="replace"))


@PROPERTY
@given(st.binary(max_size=600))
def test_no_bytes_crash_the_parser(data):
    check_bytes(data)
    check_bytes(b"On 3 May 2024, " + data)


# --- layouts and shapes of real scrapes ----------------------------------------------------


def test_dates_standing_below_their_items_date_the_text_above():
    text = ("The council met in the capital to discuss trade.\n16.02.2024\n"
            "The secretariat hosted a seminar on border security.\n15.02.2024\n")
    parsed = parse_text(text, "news/a.txt")
    assert [(i.line, i.day.isoformat(), i.paragraphs[0][:15]) for i in parsed.items] == [
        (1, "2024-02-16", "The council met"), (3, "2024-02-15", "The secretariat")]
    assert [p.level for p in parsed.problems] == [Level.NOTE]


def test_a_listing_date_line_over_a_clock_is_the_sites_header_not_an_item():
    text = ("Friday, 16 February 2024\n14:05\nNorthbridge Council\n"
            "On 14 February 2024, the council met.\n")
    parsed = parse_text(text, "news/a.txt")
    assert [i.day.isoformat() for i in parsed.items] == ["2024-02-14"]
    assert serious(parsed) == []


def test_a_dated_paragraph_after_an_articles_body_starts_the_next_item():
    text = ("Conference on logistics\n25.07.2023\nThe college hosted a conference.\n"
            "14 June 2023, border guards held joint drills.\n")
    parsed = parse_text(text, "news/a.txt")
    assert [(i.title, i.day.isoformat()) for i in parsed.items] == [
        ("Conference on logistics", "2023-07-25"), (None, "2023-06-14")]


def test_an_undated_block_joined_to_the_item_above_is_told():
    parsed = parse_text("On 3 May 2024, a summit opened.\n\nIt lasted two days.\n", "a.txt")
    assert [(p.line, p.level, p.message) for p in parsed.problems] == [
        (3, Level.NOTE, "undated block joined to the item of line 1")]


def test_a_date_far_after_the_file_was_written_is_a_warning():
    parsed = parse_text("On 3 May 2204, a typo.\n", "a.txt", written=date(2024, 5, 3))
    assert [(p.level, p.message) for p in parsed.problems] == [
        (Level.WARNING, "date 2204-05-03 is after the file was written (2024-05-03): a typo?")]


def test_describe_names_the_layout_and_date_forms():
    parsed = parse_text("16.02.2024\nThe board met.\n", "a.txt", describe=True)
    assert [str(p) for p in parsed.problems] == [
        "a.txt:1: info: layout: one block per line; date forms: dd.mm.yyyy; items: 1"]


def test_a_year_inferred_below_1000_is_an_error_not_a_date() -> None:
    """A year carried back from a neighbour dated 1000 would be 999: no feed can write it
    (RFC 822 dates have four-digit years), so it is refused like a written one."""
    text = "On 2 January 1000, the first item.\n\nOn 20 August, an older one.\n"
    entries, problems = parse_seed_bytes(text.encode(), SeedFile(Path("x.txt"), "x.txt",
                                                                 "news"), Settings())
    assert [e.published.year for e in entries] == [1000]
    assert any("year inferred for it, 999, is out of range" in p.message and p.line == 3
               and p.level is Level.ERROR for p in problems)
