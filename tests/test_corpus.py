"""The parser against a corpus of made-up scrapes and what a careful reader expects.

`tests/corpus/expected.toml` was written by hand, independently of the parser: for every
seed file its entries (day, time if printed, title, the start of the content, furniture
that must not be in it) and whether errors or warnings are expected.  The problems
`check` prints for the corpus are golden too (`tests/corpus/problems.txt`): after a
deliberate change, `SEEDFEED_UPDATE_GOLDEN=1 pytest tests/test_corpus.py` rewrites them.
"""

from __future__ import annotations

import html
import os
import re
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from seedfeed.load import SeedFile, parse_seed_bytes
from seedfeed.model import Entry, Level, Problem
from seedfeed.settings import load_settings

CORPUS = Path(__file__).parent / "corpus"
SEEDS = CORPUS / "seeds"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text("utf-8"))["seed"]
GOLDEN_PROBLEMS = CORPUS / "problems.txt"
SETTINGS = load_settings(SEEDS)
# Every file is taken as written on this day: no year comes from a checkout's mtime.
WRITTEN = datetime(2026, 1, 15, 12, 0, tzinfo=SETTINGS.tz).timestamp()


def parse(rel: str) -> tuple[tuple[Entry, ...], tuple[Problem, ...]]:
    seed = SeedFile(SEEDS / rel, rel, rel.split("/")[0])
    return parse_seed_bytes((SEEDS / rel).read_bytes(), seed, SETTINGS, WRITTEN)


def plain(content_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content_html)).split())


def test_every_seed_file_has_expectations_and_no_more():
    files = {str(path.relative_to(SEEDS)) for path in SEEDS.rglob("*.txt")}
    listed = [seed["file"] for seed in EXPECTED]
    assert sorted(listed) == sorted(files)
    assert len(files) >= 40


@pytest.mark.parametrize("seed", EXPECTED, ids=[seed["file"] for seed in EXPECTED])
def test_seed_gives_the_entries_a_reader_expects(seed):
    entries, problems = parse(seed["file"])
    expected = seed.get("entry", [])
    got = [(e.published.date().isoformat(), e.title) for e in entries]
    assert got == [(x["date"], x["title"]) for x in expected], seed["about"]
    for entry, want in zip(entries, expected, strict=True):
        # "time": a printed time of day; without one the item is date-only
        assert entry.date_only == ("time" not in want), (entry.title, seed["about"])
        if "time" in want:
            assert entry.published.strftime("%H:%M") == want["time"], entry.title
        text = plain(entry.content_html)
        assert text.startswith(" ".join(want["content_start"].split())), (text[:120], want)
        for furniture in want.get("absent", []):
            assert furniture not in entry.title and furniture not in text, furniture
        assert "\ufffd" not in entry.title + text
    levels = {problem.level for problem in problems}
    assert (Level.ERROR in levels) == seed.get("errors", False), problems
    assert (Level.WARNING in levels) == seed.get("warnings", False), problems


def test_check_reports_the_corpus_as_golden():
    """Every decision (dropped, joined, guessed) is told, and told the same way."""
    lines = [str(problem) for seed in EXPECTED for problem in parse(seed["file"])[1]]
    text = "\n".join(lines) + "\n"
    if os.environ.get("SEEDFEED_UPDATE_GOLDEN"):
        GOLDEN_PROBLEMS.write_text(text, "utf-8")
    assert text == GOLDEN_PROBLEMS.read_text("utf-8")


def test_one_block_per_line_reads_like_blank_lines_between_blocks():
    text = (SEEDS / "en/lines-three-dated.txt").read_bytes()
    spaced = text.replace(b"\n", b"\n\n")
    seed = SeedFile(SEEDS / "en/x.txt", "en/x.txt", "en")
    assert parse_seed_bytes(text, seed, SETTINGS, WRITTEN)[0] == \
        parse_seed_bytes(spaced, seed, SETTINGS, WRITTEN)[0]
