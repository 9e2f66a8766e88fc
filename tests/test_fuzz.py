"""Fuzzing: whatever a seed holds, nothing escapes the parser and every output is valid.

Hypothesis writes seeds of three kinds: seed-shaped text (dates of every form, valid and
impossible, title lines, navigation, hostile words), arbitrary text (lone surrogates and
control characters included), and arbitrary bytes (also text in the encodings seeds come
in, damaged).  Two properties:

- no exception escapes `seedfeed.parse.parse_text` or `seedfeed.load.parse_seed_bytes`,
  and what comes out is sane (lines inside the file, XML-safe text, visible titles);
- the entries of a few such seeds, in sections with awkward names, render to a site whose
  RSS and Atom feedparser reads without bozo, whose JSON Feed json.loads, and on which
  every feedcheck validator finds no problem.

The examples are derandomized and no database is kept, so CI runs the same ones each time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
from feedcheck import check_atom, check_jsonfeed, check_opml, check_rss
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedfeed.corpus import Corpus, Parsed
from seedfeed.load import SeedFile, parse_seed_bytes
from seedfeed.model import Entry, Level, Problem
from seedfeed.parse import has_text, parse_text
from seedfeed.render.site import render_site
from seedfeed.settings import Settings

SETTINGS = Settings(title="Fuzz & <b>co", base_url="https://fuzz.example/feeds/",
                    id_authority="fuzz.seedfeed.test", entries_per_feed=20)
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# --- what seeds hold --------------------------------------------------------------------

MONTHS = ["January", "February", "Feb", "May", "Sept.", "December", "march", "МАЯ", "февраля",
          "мая", "декабря", "янв", "июня", "марта"]
NAVIGATION = ["Go back", "Back to the section", "Back to the all news", "Вернуться назад",
              "Назад", "Все новости", "Print"]
HOSTILE = ("\x00\x01\x07\x0b\x0c\x1b\x1f\x7f\x80\x85\x9f\ufffe\uffff\ufffd"
           "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\u00ad\u2028\u2029"
           "\xa0\u3000\t\r")
MARKUP = ["<script>alert(1)</script>", "</b>", "<b>", "&amp;", "&", "<", "]]>", "<![CDATA[",
          "<!--", "-->", '"', "'", "\\", "%s", "{{ x }}", "{% raw %}"]

days = st.one_of(st.sampled_from(["1", "7", "28", "29", "30", "31", "0", "32", "00", "99"]),
                 st.integers(0, 40).map(str))
years = st.sampled_from(["2024", "2023", "2000", "", "", "", "1999", "0999", "1000", "9998",
                         "9999", "0000", "20245"])
months = st.sampled_from(MONTHS)
day_first = st.builds(lambda on, d, m, y, g: f"{on}{d} {m} {y}{g}".strip(),
                      st.sampled_from(["", "On ", "on ", "В ", "в "]), days, months, years,
                      st.sampled_from(["", "", " года", " г.", ","]))
month_first = st.builds(lambda on, m, d, y: f"{on}{m} {d}, {y}".strip(" ,"),
                        st.sampled_from(["", "On "]), months, days, years)
numeric = st.builds(lambda d, m, y: f"{d}.{m}.{y}", days, st.integers(0, 14).map(str),
                    st.sampled_from(["2023", "2024", "0001", "12", "9999"]))
dates = st.one_of(day_first, month_first, numeric)
words = st.lists(st.one_of(st.sampled_from("abc xyz АБВ гд ,.;:!?…«»()—-"),
                          st.sampled_from(HOSTILE), st.sampled_from(MARKUP)),
                 max_size=30).map("".join)
dated = st.builds(lambda d, sep, w: f"{d}{sep}{w}", dates,
                  st.sampled_from([", ", ": ", " ", ". ", "", " — "]), words)
titles = st.builds(lambda t, gap, d: f"{t}\n\n{t}{gap}{d}", words,
                   st.sampled_from([" ", "  ", " \u200f", ""]), dates)
blank = st.sampled_from(["", "\n", "\r\n", "\r", " ", "\t", "\u200b", "\ufeff", "\u3000"])
fragments = st.one_of(dated, dated, titles, words, st.sampled_from(NAVIGATION), blank,
                      st.sampled_from(MARKUP))
seed_texts = st.builds(lambda parts, sep: sep.join(parts), st.lists(fragments, max_size=20),
                       st.sampled_from(["\n\n", "\n", "\r\n\r\n", "\n\n\n", "\n \n"]))
any_text = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"]),
                             st.sampled_from(HOSTILE)), max_size=300)
texts = st.one_of(seed_texts, seed_texts, any_text)

# Items that parse: the render property needs entries to render.
good_dates = st.builds(lambda d, m, y: f"On {d} {m} {y}", st.integers(1, 28), months,
                       st.one_of(st.integers(1990, 2030), st.integers(1000, 9998)))
good_items = st.builds(lambda d, w: f"{d}, {w}", good_dates, words)
listings = st.builds(lambda first, parts, sep: sep.join([first, *parts]), good_items,
                     st.lists(st.one_of(good_items, good_items, fragments), max_size=15),
                     st.sampled_from(["\n\n", "\r\n\r\n", "\n\n\n"]))

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1251", "koi8-r", "cp1252"]


@st.composite
def seed_bytes(draw: st.DrawFn) -> bytes:
    """A seed file's bytes: text in some encoding, damaged or not, or any bytes at all."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=400))
    text = draw(texts)
    encoding = draw(st.sampled_from(ENCODINGS))
    errors = "surrogatepass" if encoding.startswith("utf") else "replace"
    data = text.encode(encoding, errors)
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    damage = draw(st.sampled_from([b"", b"", b"", b"\xff", b"\xed\xa0\x80", b"\x00",
                                   b"\xc2\x85", b"\xef\xbf\xbf", b"\xd0", b"\x80\x81\x82\x83"]))
    if damage:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + damage + data[at:]
    return data


# --- property: nothing escapes the parser -------------------------------------------------


def check_parsed_text(text: str) -> None:
    parsed = parse_text(text, "news/x.txt")
    last_line = text.count("\n") + 1
    for item in parsed.items:
        assert isinstance(item.day, date)
        assert 1 <= item.line <= last_line
        assert item.paragraphs or item.title is not None
        if item.paragraphs:
            assert 0 <= item.lead_start <= len(item.paragraphs[0])
    for problem in parsed.problems:
        assert problem.path == "news/x.txt"
        assert 1 <= problem.line <= last_line
        assert problem.message


SEED = SeedFile(Path("x.txt"), "news/x.txt", "news")


def check_entries(data: bytes, seed: SeedFile = SEED) -> tuple[tuple[Entry, ...],
                                                               tuple[Problem, ...]]:
    entries, problems = parse_seed_bytes(data, seed, SETTINGS)
    # a file's lines as the decoder counts them (CRLF, lone CR and LF are each one end)
    last_line = len(re.findall(rb"\r\n|\r|\n", data)) + 1
    for entry in entries:
        assert entry.published.tzinfo is not None
        assert has_text(entry.title), entry.title
        for text in (entry.title, entry.summary, entry.content_html):
            assert not XML_FORBIDDEN.search(text), text
        path, line = entry.source.rsplit(":", 1)
        assert path == seed.rel and 1 <= int(line) <= last_line
        assert entry.id.startswith("tag:fuzz.seedfeed.test,")
    for problem in problems:
        assert problem.path == seed.rel
        assert 1 <= problem.line <= last_line, (problem, last_line)
        assert problem.level in (Level.ERROR, Level.WARNING, Level.NOTE)
        assert not XML_FORBIDDEN.search(problem.message)
    return entries, problems


@fuzz(1000)
@given(texts)
def test_no_text_escapes_the_parser(text: str) -> None:
    check_parsed_text(text)
    check_entries(text.encode("utf-8", "surrogatepass"))


@fuzz(1000)
@given(seed_bytes())
def test_no_bytes_escape_the_parser(data: bytes) -> None:
    check_entries(data)


# --- property: every output renders to valid documents -----------------------------------

SECTIONS = ["news", "News", "Мировые новости", "a b", "a-b", "all", "ALL", "!!!", "<b>x</b>",
            "\u202eevil", "x" * 80]


@st.composite
def corpora(draw: st.DrawFn) -> Corpus:
    """The entries of one to three fuzzed seeds, in one or two sections, merged."""
    groups: list[tuple[str, str, tuple[Entry, ...]]] = []
    for number in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from(SECTIONS))
        rel = f"{section}/{number}.txt"
        data = draw(st.one_of(seed_bytes(), listings.map(lambda text: text.encode(
            "utf-8", "surrogatepass")), listings.map(lambda text: text.encode(
                "utf-8", "surrogatepass")), listings.map(lambda text: text.encode("cp1251",
                                                                                 "replace"))))
        entries, _ = check_entries(data, SeedFile(Path(rel), rel, section))
        groups.append((rel, section, entries))
    return corpus_of(groups)


def corpus_of(files: list[tuple[str, str, tuple[Entry, ...]]]) -> Corpus:
    """A corpus of seed files parsed here (one given mtime for all)."""
    return Corpus.of(SETTINGS, [(rel, section, Parsed.of(rel, entries, ()))
                                for rel, section, entries in files],
                     mtimes={rel: 1_700_000_000.0 for rel, _, _ in files})


def check_site(corpus: Corpus, expected: Callable[[str], bool] = lambda _: False) -> None:
    """Every document of the corpus's site valid; `expected`: problems the test wants."""
    documents = {document.path: document.render() for document in render_site(corpus)}
    base = SETTINGS.base_url
    feeds = 0
    for path, body in documents.items():
        fmt = path.rsplit(".", 1)[-1]
        if fmt in ("rss", "atom"):
            parsed = feedparser.parse(body)
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            problems = (check_rss if fmt == "rss" else check_atom)(body, base + path)
            assert [p for p in problems if not expected(p)] == [], (path, problems)
            assert len(parsed.entries) == len(json.loads(documents[
                path.replace(f".{fmt}", ".json")])["items"])
            feeds += 1
        elif fmt == "json":
            json.loads(body)
            assert [p for p in check_jsonfeed(body, base + path) if not expected(p)] == [], path
            feeds += 1
        elif fmt == "opml":
            assert check_opml(body) == []
        elif fmt == "ico":
            continue  # (the icon: binary)
        assert not XML_FORBIDDEN.search(body.decode("utf-8")), path
    sections = {entry.section for entry in corpus.entries}
    assert feeds == 3 * (len(sections) + 1)
    pages = [path for path in documents if path.endswith(".html") and "/" in path
             and not path.endswith("/index.html")]
    assert len(pages) == len(corpus.entries)


@fuzz(500)
@given(corpora())
def test_every_output_renders_to_valid_feeds(corpus: Corpus) -> None:
    # Fuzzed years run from 1000 to 9998: the parser warns of those before 1990 or after
    # the file was written, and the validator finds such dates implausible too.
    soon = datetime.now(UTC) + timedelta(days=1)
    odd = any(e.published.year < 1990 or e.published > soon for e in corpus.entries)
    # A title (or a section named from a folder, also an entry's category in the combined
    # feed) holding an HTML end tag is published as written: ContainsHTML in RSS (README,
    # "Text as written").
    check_site(corpus, lambda problem: odd and problem.startswith("ImplausibleDate") or bool(
        re.match(r"ContainsHTML: (item|channel)\b.*: <(title|description|category)> "
                 r"contains HTML '</", problem)))



def test_an_item_from_before_standard_time_renders() -> None:
    """Moscow kept local mean time (+02:30:17) until 1919: no date format can write that."""
    seed = SeedFile(Path("x.txt"), "news/x.txt", "news")
    entries, problems = check_entries(b"On 16 February 1900, an old item.\n", seed)
    assert len(entries) == 1
    assert [p.message for p in problems] == ["date 1900-02-16 is before 1990: a typo?"]
    assert entries[0].published.utcoffset().seconds % 60 == 0  # type: ignore[union-attr]
    # An item from 1900 is implausible to the validator too, as the parser warned.
    check_site(corpus_of([("news/x.txt", "news", entries)]),
               lambda problem: problem.startswith("ImplausibleDate") and "1900" in problem)
