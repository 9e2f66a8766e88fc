"""A second corpus: whole scraped pages written by a newcomer before seedfeed read them.

`tests/scrapes/seeds/` holds made-up pages (listings and articles, furniture, decorated
date lines, datelines, numbered listings, hard wraps, legacy encodings) and
`tests/scrapes/expected.json` what a careful reader expects of each: every entry's date
(and time), a part of its title, how its content starts and what it contains, the
furniture no entry may hold, and how many errors `check` should report.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from seedfeed.load import SeedFile, parse_seed_bytes
from seedfeed.model import Level
from seedfeed.settings import load_settings

ROOT = Path(__file__).parent / "scrapes"
SEEDS = ROOT / "seeds"
EXPECTED: dict[str, dict] = json.loads((ROOT / "expected.json").read_text("utf-8"))
SETTINGS = load_settings(SEEDS)
WRITTEN = datetime(2026, 1, 15, 12, 0, tzinfo=SETTINGS.tz).timestamp()


def plain(content_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content_html)).split())


def test_every_scrape_has_expectations():
    files = {str(path.relative_to(SEEDS)) for path in SEEDS.rglob("*.txt")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_scrape_reads_as_a_careful_reader_expects(rel: str):
    want = EXPECTED[rel]
    seed = SeedFile(SEEDS / rel, rel, rel.split("/")[0])
    entries, problems = parse_seed_bytes((SEEDS / rel).read_bytes(), seed, SETTINGS, WRITTEN)
    assert len(entries) == len(want["entries"]), [e.title for e in entries]
    for entry, expected in zip(entries, want["entries"], strict=True):
        text = plain(entry.content_html)
        # "pub": a date alone for a date-only item, else the printed time with its offset
        assert entry.published.isoformat().startswith(expected["pub"]), entry.title
        assert entry.date_only == (len(expected["pub"]) == 10), entry.title
        assert expected["title"].casefold() in entry.title.casefold(), entry.title
        if expected["start"][0] is not None:  # (None: a title with no text of its own)
            assert any(text.startswith(start) for start in expected["start"]), text[:100]
        for part in expected["contains"]:
            assert part in text, part
        for part in expected["title_not"]:
            assert part not in entry.title, entry.title
        for furniture in want["forbid"]:
            assert furniture not in text or furniture in expected["title"], furniture
    errors = [p for p in problems if p.level is Level.ERROR]
    assert len(errors) == want["errors"], errors
