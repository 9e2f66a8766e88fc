"""Hostile seed files: each is reported by `seedfeed check`, none stops `seedfeed build`.

The corpus is generated here, never committed: empty and binary files, damaged UTF-8 and
lone surrogates, a 10 MB line, 100,000 items in one file, impossible dates, every
character XML or HTML cannot carry, invisible characters, markup, a 5,000-character
sentence, links, unreadable files and awkward folder names.  Each case sits between good
items (in the same file where it can, and in a neighbouring file always); one check and
one build of the whole corpus are then held to four promises:

- `check` names every problem as `path:line: level: message` in words a person follows,
  and reports nothing for input that is odd but valid;
- `build` publishes every good entry around the damage (their ids are in the feeds);
- every document built is valid (feedparser without bozo, and feedcheck);
- parsing time grows linearly with the size of pathological input.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result
from feedcheck import check_atom, check_jsonfeed, check_opml, check_rss

from seedfeed.cli import main
from seedfeed.decode import clean_text
from seedfeed.load import SeedFile, load_seeds, parse_seed_bytes
from seedfeed.parse import MAX_ITEM_CHARS, has_text, parse_text
from seedfeed.render.links import section_slugs
from seedfeed.settings import parse_settings

BASE_URL = "https://hostile.example/"
SITE_TOML = f"""\
[site]
title = "Hostile"
base_url = "{BASE_URL}"
id_authority = "hostile.seedfeed.test"
entries_per_feed = 1000
"""
SETTINGS = parse_settings(SITE_TOML)
PROBLEM_LINE = re.compile(r"(?P<path>[^\s:][^:]*):(?P<line>\d+): (?P<level>error|warning): "
                          r"(?P<message>.+)")
# What no feed or page may carry: XML's forbidden characters, DEL and C1 (HTML errors).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# Every character the seeds may not bring through: C0 but tab, LF and CR (a line end),
# DEL, C1 and the two non-characters.
CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20),
                                    *range(0x7f, 0xa0), 0xfffe, 0xffff])
INVISIBLES = ("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
              "\u2066\u2067\u2068\u2069\ufeff")
LONG_LINE_BYTES = 10_000_000
MANY_ITEMS = 100_000


def text_of(*paragraphs: str | bytes) -> bytes:
    """A seed of paragraphs separated by blank lines: paragraph k starts on line 2k + 1."""
    return b"\n\n".join(p.encode() if isinstance(p, str) else p for p in paragraphs) + b"\n"


def line_of(paragraph: int) -> int:
    return 2 * paragraph + 1


def section_of(rel: str) -> str:
    return rel.split("/", 1)[0] if "/" in rel else "news"


Expected = list[tuple[str, int, str, tuple[str, ...]]]


@dataclass
class Case:
    """One kind of hostile input: its files, what check must say, the good items near it.

    `problems` holds (path, line, level, words): check prints exactly these for the case's
    files, each message holding every one of the words.  `good` holds (section, seed
    text) of the items that must be published, each text one entry when parsed alone;
    a neighbouring file of good items is added to every case, so even a case whose own
    file is skipped whole shows that the files around it are published.
    """

    name: str
    files: dict[str, bytes]
    problems: Expected
    good: list[tuple[str, str]] = field(default_factory=list)
    reported: str = ""  # what check says when it is not a problem, for the README table

    @property
    def folder(self) -> str:
        first = next(iter(self.files))
        return first.rsplit("/", 1)[0] if "/" in first else ""


def good_items(name: str, count: int = 2) -> list[str]:
    return [f"On {k + 2} June 2025, the {name} neighbour number {k} was published in full."
            for k in range(count)]


def _cases() -> list[Case]:
    rng = random.Random(5)
    cases: list[Case] = []

    def add(name: str, files: dict[str, bytes], problems: Expected,
            good: list[str] | None = None, reported: str = "") -> None:
        section = section_of(next(iter(files)))
        cases.append(Case(name, files, problems, [(section, text) for text in good or []],
                          reported))

    add("empty", {"news/empty.txt": b""},
        [("news/empty.txt", 1, "warning", ("empty",))])
    add("binary", {"news/binary.txt": b"\x00" + bytes(rng.randrange(256) for _ in range(4096))},
        [("news/binary.txt", 1, "error", ("binary", "not text", "skipped"))])
    add("png", {"news/picture.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)},
        [("news/picture.txt", 3, "error", ("binary", "not text", "skipped"))])

    good = good_items("utf8")
    russian = ["On 4 June 2025, Генеральный секретарь провёл встречу с министром.",
               "3 июня 2025 года состоялось заседание Совета министров."]
    add("invalid UTF-8 inside good UTF-8 text",
        {"news/damaged.txt": text_of(russian[0], good[0],
                                     b"On 1 June 2025, damaged \xff\xfe\xc3 bytes here.",
                                     russian[1], good[1])},
        [("news/damaged.txt", line_of(2), "error", ("invalid UTF-8", "U+FFFD", "encoding"))],
        good + russian)
    good = good_items("surrogate")
    add("lone surrogate (ED A0 80) in English text",
        {"news/surrogate.txt": text_of(good[0], b"On 1 June 2025, a lone \xed\xa0\x80 here.",
                                       good[1])},
        [("news/surrogate.txt", line_of(1), "error", ("invalid UTF-8", "U+FFFD"))], good)
    good = good_items("escape")
    escaped = "On 1 June 2025, an escaped \udcff\udcfe byte.".encode("utf-8", "surrogateescape")
    add("surrogateescape bytes in English text",
        {"news/escaped.txt": text_of(good[0], escaped, good[1])},
        [("news/escaped.txt", line_of(1), "error", ("invalid UTF-8", "U+FFFD"))], good)

    good = good_items("long line")
    huge = b"On 1 June 2025, " + b"endless words " * ((LONG_LINE_BYTES - 16) // 14)
    add("10 MB single line",
        {"news/long-line.txt": text_of(good[0], huge, good[1])},
        [("news/long-line.txt", line_of(1), "error", ("too long", "cut"))], good)

    good = good_items("dates", 6)
    add("impossible and odd dates",
        {"news/dates.txt": text_of(
            good[0], "On 31 February 2024, the impossible day.",
            good[1], "On 0 March, day zero.",
            good[2], "On 32 May 2024, day thirty-two.",
            good[3], "On 5 May 9999, the far future.",
            good[4], "20.06.2023", "The body of an article whose title line was lost.",
            "Go back", good[5])},
        [("news/dates.txt", line_of(1), "error", ("impossible date", "31 February", "skipped")),
         ("news/dates.txt", line_of(3), "error", ("impossible date", "0 March", "skipped")),
         ("news/dates.txt", line_of(5), "error", ("impossible date", "32 May", "skipped")),
         ("news/dates.txt", line_of(7), "error", ("year 9999", "out of range", "skipped"))],
        [*good, "On 20 June 2023, the body of an article whose title line was lost."])

    good = good_items("controls")
    controlled = "On 1 June 2025, every control " + CONTROLS + " character is gone."
    add("every XML-forbidden control character, DEL and C1",
        {"news/controls.txt": text_of(good[0], controlled, f"Ti{CONTROLS[1:4]}tle",
                                      f"Ti{CONTROLS[5]}tle 01.06.2025", "Article body.",
                                      "Go back", good[1])},
        [("news/controls.txt", line_of(1), "warning", (f"{len(CONTROLS)} control characters",
                                                       "removed", "U+0000", "…")),
         ("news/controls.txt", line_of(2), "warning", ("3 control characters removed",)),
         ("news/controls.txt", line_of(3), "warning", ("control character U+0005 removed",))],
        [*good, "On 1 June 2025, every control  character is gone.",
         "Title\n\nTitle 01.06.2025\n\nArticle body."])

    good = good_items("invisible")
    inside = ("On 1 June 2025, right-to-left \u200f and \u202ereversed\u202c, zero\u200bwidth,"
              " \u2066isolated\u2069 and \ufeff marks stay inside text.")
    add("right-to-left marks and zero-width characters",
        {"news/invisible.txt": text_of(good[0], inside, INVISIBLES * 3,
                                       "On 1 June 2025, " + INVISIBLES, good[1])},
        [("news/invisible.txt", line_of(3), "warning", ("date", "no text after it"))],
        [*good, inside])

    good = good_items("markup")
    markup = [
        "On 1 June 2025, <script>alert(1) and <b>bold stay text. So do </b></p></div> end "
        "tags (no title holds one: see README, \"Text as written\").",
        "On 1 June 2025, <!-- a comment --> <![CDATA[ x ]]> &amp; &lt; &#0; &bogus; are text.",
        "<img src=x onerror=alert(1)> Title",
        "<img src=x onerror=alert(1)> Title 01.06.2025",
        "Body with <iframe src='javascript:alert(1)'></iframe> inside.",
        "Go back",
    ]
    add("HTML and script tags", {"news/markup.txt": text_of(good[0], *markup, good[1])}, [],
        [*good, *markup[:2], "\n\n".join(markup[2:5])],
        reported="nothing: valid text, published escaped")

    good = good_items("sentence")
    sentence = "On 1 June 2025, the " + " ".join(["considerably"] * 400) + " long sentence."
    assert len(sentence) > 5000
    add("a 5,000-character first sentence",
        {"news/sentence.txt": text_of(good[0], sentence, good[1])}, [], [*good, sentence],
        reported="nothing: valid; its title is cut at a word to about 140 characters")

    add("a symbolic link to a file outside seeds/", {"news/link.txt": b""},
        [("news/link.txt", 1, "warning", ("symbolic link", "not followed"))])
    add("an unreadable file (a FIFO)", {"news/fifo.txt": b""},
        [("news/fifo.txt", 1, "warning", ("not a regular file", "skipped"))])
    add("a folder name with spaces", {"world news/a.txt": text_of(*good_items("spaces"))}, [],
        good_items("spaces"), reported="nothing: a section with a safe URL slug")
    add("a folder name in Cyrillic", {"Мировые новости/a.txt": text_of(*good_items("cyrillic"))},
        [], good_items("cyrillic"), reported="nothing: a section with a safe URL slug")
    add("two sections differing only in case",
        {"News/a.txt": text_of(*good_items("capital")),
         "news/lower.txt": text_of(*good_items("lower"))},
        [], good_items("capital"),
        reported="nothing: two sections, slugs that differ case-insensitively")
    cases[-1].good += [("news", text) for text in good_items("lower")]
    return cases


CASES = _cases()
OUTSIDE = "On 9 June 2025, a secret from outside the seeds folder."


def make_corpus(root: Path) -> Path:
    """Every case's files, a neighbour file of good items beside each, and the traps."""
    seeds = root / "seeds"
    (seeds / "news").mkdir(parents=True)
    (seeds / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for number, case in enumerate(CASES):
        for rel, data in case.files.items():
            path = seeds / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        neighbour = good_items(f"file {number}")
        (seeds / case.folder / f"neighbour-{number:02d}.txt").write_bytes(text_of(*neighbour))
        case.good += [(section_of(case.folder + "/x"), text) for text in neighbour]
    (seeds / "news/link.txt").unlink()
    (root / "outside.txt").write_text(OUTSIDE, encoding="utf-8")
    (seeds / "news/link.txt").symlink_to(root / "outside.txt")
    (seeds / "news/fifo.txt").unlink()
    os.mkfifo(seeds / "news/fifo.txt")
    return seeds


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


@dataclass
class Built:
    seeds: Path
    out: Path
    check: Result
    build: Result
    problems: list[re.Match[str]]
    files: dict[str, bytes]
    ids: dict[str, set[str]]  # feed path -> the entry ids in it


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("hostile")
    seeds = make_corpus(root)
    check = run("check", "--seeds", seeds)
    out = root / "out"
    build = run("build", "--seeds", seeds, "--out", out)
    lines = check.stdout.splitlines()
    problems = [PROBLEM_LINE.fullmatch(line) for line in lines]
    assert all(problems), [line for line, match in zip(lines, problems, strict=True)
                           if not match]
    files = {p.relative_to(out).as_posix(): p.read_bytes()
             for p in sorted(out.rglob("*")) if p.is_file()}
    ids = {rel: feed_ids(body, rel.rsplit(".", 1)[1]) for rel, body in files.items()
           if "/" not in rel and rel.endswith((".rss", ".atom", ".json"))}
    return Built(seeds, out, check, build, problems, files, ids)  # type: ignore[arg-type]


def entry_id(text: str) -> str:
    """The id a good item gets, from parsing it alone: ids follow the text, not the file."""
    seed = SeedFile(Path("alone.txt"), "alone.txt", "news")
    (entry,), problems = parse_seed_bytes(text.encode(), seed, SETTINGS)
    assert not problems, problems
    return entry.id


def feed_ids(body: bytes, fmt: str) -> set[str]:
    if fmt == "json":
        return {item["id"] for item in json.loads(body)["items"]}
    return {entry.id for entry in feedparser.parse(body).entries}


# --- the corpus, checked and built once --------------------------------------------------


def test_check_exits_1_and_build_0(built: Built) -> None:
    assert built.check.exit_code == 1, built.check.output
    assert re.search(r"\d+ entries in \d+ sections; \d+ errors, \d+ warnings",
                     built.check.stderr)
    assert built.build.exit_code == 0, built.build.output
    assert "Traceback" not in built.check.output + built.build.output


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_check_reports_the_case_on_its_line(built: Built, case: Case) -> None:
    reported = [m for m in built.problems if m["path"] in case.files]
    assert sorted((m["path"], int(m["line"]), m["level"]) for m in reported) == \
        sorted((path, line, level) for path, line, level, _words in case.problems)
    for path, line, level, words in case.problems:
        (message,) = [m["message"] for m in reported
                      if (m["path"], int(m["line"]), m["level"]) == (path, line, level)]
        for word in words:
            assert word.casefold() in message.casefold(), (word, message)
        assert "Traceback" not in message and "Error(" not in message
    neighbours = [m.group() for m in built.problems if "neighbour" in m["path"]]
    assert neighbours == []


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_build_publishes_every_good_entry_around_the_case(built: Built, case: Case) -> None:
    slugs = section_slugs({section_of(rel) for c in CASES for rel in c.files})
    assert len(case.good) >= 2
    for fmt in ("rss", "atom", "json"):
        for section, text in case.good:
            assert entry_id(text) in built.ids[f"{slugs[section]}.{fmt}"], (fmt, text[:80])
            assert entry_id(text) in built.ids[f"all.{fmt}"], (fmt, text[:80])


def test_every_document_is_valid(built: Built) -> None:
    feeds = 0
    for rel, body in built.files.items():
        fmt = rel.rsplit(".", 1)[-1]
        self_url = BASE_URL + rel
        if fmt in ("rss", "atom"):
            parsed = feedparser.parse(body)
            assert not parsed.bozo, (rel, parsed.get("bozo_exception"))
            check = check_rss if fmt == "rss" else check_atom
            assert check(body, self_url) == [], rel
            feeds += 1
        elif fmt == "json":
            json.loads(body)
            assert check_jsonfeed(body, self_url) == [], rel
            feeds += 1
        elif fmt == "opml":
            assert check_opml(body) == []
        elif fmt == "ico":
            continue  # (the icon: binary)
        text = body.decode("utf-8")
        assert not FORBIDDEN.search(text), (rel, FORBIDDEN.search(text))
        if fmt == "html":
            assert "<script" not in text.casefold() and "<iframe" not in text.casefold(), rel
            assert "<img" not in text.casefold(), rel
    assert feeds == 3 * 5  # four sections and "all"


def test_no_title_is_invisible_or_runaway(built: Built) -> None:
    corpus = load_seeds(built.seeds)
    assert corpus.entries
    for entry in corpus.entries:
        assert has_text(entry.title), entry
        assert len(entry.title) <= 150, entry.title[:200]
    sentence = [e for e in corpus.entries if e.title.startswith("The considerably")]
    assert len(sentence) == 1 and sentence[0].title.endswith("…")


def test_the_invisible_marks_stay_inside_content(built: Built) -> None:
    corpus = load_seeds(built.seeds)
    (entry,) = [e for e in corpus.entries if "right-to-left" in e.title.casefold()]
    for mark in ("\u200f", "\u202e", "\u202c", "\u200b", "\u2066", "\u2069", "\ufeff"):
        assert mark in entry.content_html


def test_the_10mb_line_is_cut_not_dropped(built: Built) -> None:
    corpus = load_seeds(built.seeds)
    (entry,) = [e for e in corpus.entries if e.source == f"news/long-line.txt:{line_of(1)}"]
    assert entry.title.startswith("Endless words")
    assert MAX_ITEM_CHARS // 2 < len(entry.content_html) < MAX_ITEM_CHARS + 100
    assert entry.content_html.endswith("…</p>\n")


def test_markup_is_published_as_text(built: Built) -> None:
    page_texts = [body.decode() for rel, body in built.files.items() if rel.endswith(".html")]
    assert any("&lt;script&gt;alert(1) and &lt;b&gt;bold" in text for text in page_texts)
    assert any("&lt;/b&gt;&lt;/p&gt;&lt;/div&gt;" in text for text in page_texts)
    feed = feedparser.parse(built.files["news.atom"])
    titles = {entry.title for entry in feed.entries}  # type="text": read as written
    assert "<img src=x onerror=alert(1)> Title" in titles
    # (the first letter is capitalised, markup or not)
    assert "<Script>alert(1) and <b>bold stay text" in titles


def test_nothing_from_outside_the_seeds_folder_is_published(built: Built) -> None:
    secret = b"a secret from outside"
    assert not any(secret in body for body in built.files.values())


def test_section_names_get_safe_distinct_slugs(built: Built) -> None:
    names = ["news", "News", "world news", "Мировые новости"]
    slugs = section_slugs(names)
    for name in names:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slugs[name]), slugs[name]
        assert f"{slugs[name]}/index.html" in built.files
        assert f"{slugs[name]}.rss" in built.files
    assert len({slug.casefold() for slug in slugs.values()}) == len(names)
    # On a case-insensitive disk or CDN no two published files may be one file.
    assert len({rel.casefold() for rel in built.files}) == len(built.files)
    capital, lower = built.ids[f"{slugs['News']}.json"], built.ids[f"{slugs['news']}.json"]
    assert entry_id(good_items("capital")[0]) in capital
    assert entry_id(good_items("lower")[0]) in lower
    assert not capital & lower


# --- cases of their own ------------------------------------------------------------------


def test_a_hundred_thousand_items_in_one_file(tmp_path: Path) -> None:
    """Checked, not built: 100,000 entry pages would take the test suite's whole budget."""
    seeds = tmp_path / "seeds"
    (seeds / "news").mkdir(parents=True)
    (seeds / "news/many.txt").write_text(
        "".join(f"On 1 May 2024, item {n}.\n\n" for n in range(MANY_ITEMS)), encoding="utf-8")
    (seeds / "news/next.txt").write_text(good_items("many")[0], encoding="utf-8")
    (seeds / "site.toml").write_text('[site]\nid_authority = "many.example"\n')
    result = run("check", "--seeds", seeds)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"{MANY_ITEMS + 1} entries in 1 sections; 0 errors, 0 warnings" in result.stderr


def test_lone_surrogates_in_text_never_reach_an_entry() -> None:
    text = "On 1 June 2025, half \ud800 a pair \udcff and \udfff.\n\nOn 2 June 2025, fine.\n"
    assert clean_text(text) == "On 1 June 2025, half  a pair  and .\n\nOn 2 June 2025, fine.\n"
    parsed = parse_text(clean_text(text), "news/x.txt")
    assert len(parsed.items) == 2
    seed = SeedFile(Path("x.txt"), "news/x.txt", "news")
    data = text.encode("utf-8", "surrogatepass")
    entries, problems = parse_seed_bytes(data, seed, SETTINGS)
    assert len(entries) == 1  # the damaged item is not published: its text is lost
    assert [(p.line, p.level.value) for p in problems] == [(1, "error")]
    for entry in entries:
        assert not FORBIDDEN.search(entry.title + entry.summary + entry.content_html)


def test_a_first_sentence_of_invisible_marks_is_no_title() -> None:
    seed = SeedFile(Path("x.txt"), "news/x.txt", "news")
    for lead in ("\u200b. Real text follows.", "\u202e\u200b! Next one.", "\u200f… More."):
        (entry,), _problems = parse_seed_bytes(f"On 8 May 2024, {lead}".encode(), seed,
                                               SETTINGS)
        assert has_text(entry.title), entry.title


def test_dates_alone_on_their_lines_keep_their_items_apart() -> None:
    """Each takes the paragraph below as its text: two items, not one id for both."""
    seed = SeedFile(Path("x.txt"), "news/x.txt", "news")
    data = text_of("On 1 May 2024,", "The council met.", "On 2 May 2024, a visit.",
                   "On 1 May 2024 —", "The council parted.")
    entries, problems = parse_seed_bytes(data, seed, SETTINGS)
    assert [e.title for e in entries] == ["The council met", "A visit", "The council parted"]
    assert len({e.id for e in entries}) == 3
    assert [p for p in problems if p.level.value in ("warning", "error")] == []


def test_a_runaway_article_title_is_cut() -> None:
    title = "Headline " * 600
    parsed = parse_text(f"{title}\n\n{title} 20.06.2023\n\nBody.\n", "news/x.txt")
    (item,) = parsed.items
    assert item.title is not None and 500 < len(item.title) <= 1_001
    assert item.title.endswith("…")
    assert [(p.line, p.level.value) for p in parsed.problems] == [(1, "error")]
    assert "too long" in parsed.problems[0].message


@pytest.mark.parametrize(("data", "entries", "message"), [
    (b"On 1 May 2024, a stray\x00 NUL.\n", 1, "control character U+0000 removed"),
    (b"On 1 May 2024, a run\x00\x00 of NULs.\n", 0, "binary file"),
    ("On 1 May 2024, the mayor of Moscow (Москва) spoke.\n".encode("cp1251"), 1, None),
    (b"On 1 May 2024, stray \xff\xfe bytes in English.\n", 0, "invalid UTF-8"),
])
def test_what_a_few_odd_bytes_in_english_text_mean(data: bytes, entries: int,
                                                   message: str | None) -> None:
    seed = SeedFile(Path("x.txt"), "news/x.txt", "news")
    found, problems = parse_seed_bytes(data, seed, SETTINGS)
    assert len(found) == entries
    assert [p.message for p in problems if message and message in p.message] or not message
    if message is None:
        assert [p.message for p in problems] == [
            "read as windows-1251 (not UTF-8): a guess; save seeds as UTF-8"]
        assert "Москва" in found[0].title


@pytest.fixture
def unreadable_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    (seeds / "news").mkdir(parents=True)
    (seeds / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    (seeds / "news/a.txt").write_text(good_items("readable")[0], encoding="utf-8")
    (seeds / "news/locked.txt").write_text("On 1 May 2024, locked away.", encoding="utf-8")
    return seeds


def assert_unreadable_reported(seeds: Path, tmp_path: Path) -> None:
    result = run("check", "--seeds", seeds)
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("news/locked.txt:1: error: cannot read")
    result = run("build", "--seeds", seeds, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert entry_id(good_items("readable")[0]) in feed_ids(
        (tmp_path / "out/news.json").read_bytes(), "json")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway; "
                    "test_a_file_that_fails_to_read_is_reported covers the same path as root")
def test_a_chmod_000_file_is_reported(unreadable_seeds: Path, tmp_path: Path) -> None:
    locked = unreadable_seeds / "news/locked.txt"
    locked.chmod(0)
    try:
        assert_unreadable_reported(unreadable_seeds, tmp_path)
    finally:
        locked.chmod(0o644)


def test_a_file_that_fails_to_read_is_reported(unreadable_seeds: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An EACCES on read, made to happen even for root (who can read a chmod 000 file)."""
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert_unreadable_reported(unreadable_seeds, tmp_path)


# --- time stays linear in the size of the input ------------------------------------------


SHAPES: dict[str, Callable[[int], bytes]] = {
    "tiny items": lambda size: b"".join(b"On 1 May 2024, item %d.\n\n" % n
                                        for n in range(size // 24)),
    "one paragraph of many lines": lambda size: b"On 1 May 2024, x\n" + b"w w\n" * (size // 4),
    "title lines without dates": lambda size: b"".join(b"T%d\n\nT%d\n\n" % (n, n)
                                                       for n in range(size // 14)),
    "articles": lambda size: b"".join(b"T%d\n\nT%d 20.06.2023\n\nBody.\n\nGo back\n\n" % (n, n)
                                      for n in range(size // 40)),
    "undated paragraphs": lambda size: b"x\n\n" * (size // 3),
    "bare dates": lambda size: b"On 1 May 2024,\n\n" * (size // 16),
    "dates without a year": lambda size: b"On 1 May, a.\n\n" * (size // 14),
    "control characters": lambda size: b"On 1 May 2024, " + b"a\x01\x7f\xc2\x85\n" * (size // 6),
    "invalid UTF-8 on every line": lambda size: "Ж\n".encode() + b"On 1 May 2024, \xff\n"
                                                * (size // 17),
    "one endless word": lambda size: b"On 1 May 2024, " + b"x" * size,
    "invisible marks": lambda size: b"On 1 May 2024, a" + "\u200b\u200f".encode() * (size // 6),
    # every "A." is a candidate end of the first sentence (the title), none is one
    "initials in one long item": lambda size: b"On 1 May 2024, " + b"A. " * (size // 3),
}
SMALL, LARGE = 50_000, 200_000  # a 4x step that stays within MAX_ITEM_CHARS for one item
LINEAR_BOUND = 8  # 4x the input may cost at most 8x the time; quadratic work costs 16x


def _cpu_seconds(data: bytes) -> float:
    seed = SeedFile(Path("x.txt"), "news/x.txt", "news")
    gc.collect()
    started = time.process_time()
    parse_seed_bytes(data, seed, SETTINGS)
    return time.process_time() - started


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES)
def test_parsing_time_is_linear_in_the_input(shape: Callable[[int], bytes]) -> None:
    """Decoding, parsing and making entries of 4x the input costs less than 8x the time.

    CPU time (not wall-clock), best of three runs of each size, interleaved so that a busy
    machine weighs on both sizes alike; the sizes dwarf the fixed costs.
    """
    small, large = shape(SMALL), shape(LARGE)
    assert 3.5 < len(large) / len(small) < 4.5
    _cpu_seconds(small)  # warm the caches (dateutil's, the regular expressions')
    runs: list[list[float]] = [[], []]
    for _ in range(3):
        runs[0].append(_cpu_seconds(small))
        runs[1].append(_cpu_seconds(large))
    best = [min(times) for times in runs]
    assert best[1] < LINEAR_BOUND * max(best[0], 1e-3), best
