"""A seeds folder to entries: sections, merging, and re-parsing only what changed."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import seedfeed.model
from seedfeed import corpus as corpus_module
from seedfeed import load as load_module
from seedfeed.corpus import Parsed
from seedfeed.database import Database
from seedfeed.load import Loader, discover, load_seeds, walk
from seedfeed.model import Level, SeedError
from seedfeed.settings import Settings


def seed_problems(corpus) -> tuple:
    """The problems found in seed files (without site.toml's: its default base_url warns)."""
    return tuple(p for p in corpus.problems if not p.path.endswith("site.toml"))


def test_without_site_toml_the_default_authority_is_warned_of(tmp_path, write_seeds):
    corpus = load_seeds(write_seeds(tmp_path, {"news/a.txt": "On 2 May 2024, real."}))
    (problem,) = corpus.problems
    assert (problem.path, problem.line, problem.level) == ("site.toml", 1, Level.WARNING)
    assert "id_authority" in problem.message and "127.0.0.1" in problem.message
    assert corpus.entries[0].id.startswith("tag:seedfeed.invalid,2024-05-02:")


def titles(corpus) -> list[str]:
    return [entry.title for entry in corpus.entries]


def where(corpus) -> list[tuple[str, str]]:
    return [(entry.section, entry.source) for entry in corpus.entries]


# --- sections and discovery -----------------------------------------------------------


def test_folder_is_the_section_and_top_level_files_the_default(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "world/a.txt": "On 3 May 2024, world item.",
        "world/2024/b.txt": "On 2 May 2024, nested item.",
        "sport/c.txt": "On 1 May 2024, sport item.",
        "top.txt": "On 30 April 2024, top item.",
    })
    corpus = load_seeds(seeds)
    assert where(corpus) == [
        ("world", "world/a.txt:1"), ("world", "world/2024/b.txt:1"),
        ("sport", "sport/c.txt:1"), ("news", "top.txt:1"),
    ]
    assert seed_problems(corpus) == ()
    assert corpus.sections() == ["news", "sport", "world"]


def test_default_section_comes_from_settings(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "site.toml": '[site]\ndefault_section = "misc"\n',
        "top.txt": "On 30 April 2024, top item.",
    })
    assert where(load_seeds(seeds)) == [("misc", "top.txt:1")]


def test_only_visible_txt_files_are_seeds(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "news/a.txt": "On 3 May 2024, a.",
        "news/notes.md": "On 3 May 2024, markdown.",
        "news/.hidden.txt": "On 3 May 2024, hidden.",
        ".git/x.txt": "On 3 May 2024, in a hidden folder.",
        "news/b.txt.bak": "On 3 May 2024, backup.",
    })
    corpus = load_seeds(seeds)
    assert where(corpus) == [("news", "news/a.txt:1")]
    assert seed_problems(corpus) == ()


@pytest.mark.parametrize("folder", ["all", "All", "ALL"])
def test_section_all_is_reserved(tmp_path, write_seeds, folder):
    seeds = write_seeds(tmp_path, {
        f"{folder}/a.txt": "On 3 May 2024, reserved.",
        "news/b.txt": "On 2 May 2024, kept.",
    })
    corpus = load_seeds(seeds)
    assert where(corpus) == [("news", "news/b.txt:1")]
    (problem,) = seed_problems(corpus)
    assert problem.path == f"{folder}/a.txt"
    assert problem.level is Level.ERROR
    assert "reserved" in problem.message
    assert any(problem.level is Level.ERROR for problem in seed_problems(corpus))


def test_symlinked_seed_is_not_followed(tmp_path, write_seeds):
    outside = tmp_path / "outside.txt"
    outside.write_text("On 3 May 2024, from outside the seeds folder.")
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 2 May 2024, real."})
    (seeds / "news/link.txt").symlink_to(outside)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/c.txt").write_text("On 1 May 2024, in a linked folder.")
    (seeds / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    corpus = load_seeds(seeds)
    assert where(corpus) == [("news", "news/a.txt:1")]
    reported = {problem.path: problem for problem in seed_problems(corpus)}
    assert set(reported) == {"news/link.txt", "linked"}
    assert all("link" in problem.message for problem in reported.values())


def test_discover_order_is_stable(tmp_path, write_seeds):
    names = ["b/2.txt", "a/1.txt", "b/1.txt", "0.txt"]
    seeds = write_seeds(tmp_path, dict.fromkeys(names, "x"))
    found, problems = discover(walk(seeds), seeds, Settings())
    assert [seed.rel for seed in found] == ["0.txt", "a/1.txt", "b/1.txt", "b/2.txt"]
    assert problems == []


def test_broken_files_are_reported_and_the_rest_still_parsed(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "news/a.txt": "On 3 May 2024, good.",
        "news/b.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "news/c.txt": "",
        "news/d.txt": "Undated.\n\nOn 1 May 2024, also good.",
        "news/e.txt": "On 2 May 2024, good too.",
    })
    corpus = load_seeds(seeds)
    assert where(corpus) == [("news", "news/a.txt:1"), ("news", "news/e.txt:1"),
                             ("news", "news/d.txt:3")]
    assert [(p.path, p.line, p.level) for p in seed_problems(corpus)] == [
        ("news/b.txt", 3, Level.ERROR), ("news/c.txt", 1, Level.WARNING),
        ("news/d.txt", 1, Level.ERROR),
    ]


def test_malformed_settings_raise_seed_error(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"site.toml": "[site]\ntitle = \n", "a.txt": "x"})
    with pytest.raises(SeedError, match=r"site\.toml:2:"):
        load_seeds(seeds)


# --- merging: duplicates and order ----------------------------------------------------


def test_duplicates_across_files_give_one_entry(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "news/2024-02-a.txt": (
            "On 16 February 2024, the Secretary General met the minister.\n\n"
            "On 14 February 2024, a seminar was held.\n\n"
            "Summit\n\nSummit 20.06.2023\n\nBody.\n\nGo back\n"
        ),
        # an overlapping later scrape: other wrapping and line ends, year left out
        "news/2024-02-b.txt": (
            "On 20 February 2024, a new item.\r\n\r\n"
            "On 16 February, the Secretary General\r\nmet the minister.\r\n\r\n"
            "Summit\r\n\r\nSummit 20.06.2023\r\n\r\nBody, slightly edited.\r\n"
        ),
        "world/copy.txt": "On 14 February 2024, a seminar   was held.\n",
    })
    corpus = load_seeds(seeds)
    assert [(e.published.date().isoformat(), e.source) for e in corpus.entries] == [
        ("2024-02-20", "news/2024-02-b.txt:1"),
        ("2024-02-16", "news/2024-02-a.txt:1"),
        ("2024-02-14", "news/2024-02-a.txt:3"),
        ("2023-06-20", "news/2024-02-a.txt:5"),
    ]
    assert len({entry.id for entry in corpus.entries}) == 4


def test_newest_first_and_same_day_items_keep_listing_order(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"news/a.txt": (
        "On 10 February 2024, first of the 10th.\n\n"
        "On 12 February 2024, the 12th.\n\n"
        "On 10 February 2024, second of the 10th.\n\n"
        "On 14 February 2024, first of the 14th.\n\n"
        "On 14 February 2024, second of the 14th.\n\n"
        "On 10 February 2024, third of the 10th.\n\n"
        "On 14 February 2024, third of the 14th.\n"
    )})
    assert titles(load_seeds(seeds)) == [
        "First of the 14th", "Second of the 14th", "Third of the 14th", "The 12th",
        "First of the 10th", "Second of the 10th", "Third of the 10th",
    ]


def test_same_day_items_of_two_files_keep_file_then_listing_order(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "news/b.txt": "On 5 May 2024, b one.\n\nOn 5 May 2024, b two.\n",
        "news/a.txt": "On 5 May 2024, a one.\n\nOn 4 May 2024, a old.\n\nOn 5 May 2024, a two.",
        "arts/c.txt": "On 5 May 2024, c one.\n",
    })
    assert titles(load_seeds(seeds)) == ["C one", "A one", "A two", "B one", "B two", "A old"]


def test_same_result_every_time(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "news/a.txt": "On 5 May 2024, a.\n\nOn 5 May 2024, b.\n",
        "world/b.txt": "On 5 May 2024, c.\n\nT\n\nT 01.05.2024\n\nBody.\n",
    })
    assert load_seeds(seeds).entries == load_seeds(seeds).entries


# --- the loader: re-parse only what changed ------------------------------------------


def age(path, seconds: float) -> None:
    """Set a file's mtime `seconds` into the past, out of the racy window."""
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def parsed_files(monkeypatch) -> list[str]:
    """The rel path of every seed file the loader parses, in order."""
    calls: list[str] = []
    real = load_module.parse_seed_bytes

    def counting(data, seed, *args):
        calls.append(seed.rel)
        return real(data, seed, *args)

    monkeypatch.setattr(load_module, "parse_seed_bytes", counting)
    return calls


def test_second_load_reparses_only_changed_files(tmp_path, write_seeds, parsed_files):
    seeds = write_seeds(tmp_path, {
        "news/a.txt": "On 3 May 2024, a.",
        "news/b.txt": "On 2 May 2024, b.",
        "news/c.txt": "On 1 May 2024, c.",
    })
    for path in seeds.rglob("*.txt"):
        age(path, 100)
    loader = Loader(seeds)
    first = loader.load(now=time.time())
    assert loader.reparsed == 3
    assert parsed_files == ["news/a.txt", "news/b.txt", "news/c.txt"]
    again = loader.load(now=time.time())
    assert parsed_files == ["news/a.txt", "news/b.txt", "news/c.txt"]  # none parsed again
    assert again.entries == first.entries

    (seeds / "news/b.txt").write_text("On 2 May 2024, b changed.")
    (seeds / "news/d.txt").write_text("On 30 April 2024, d new.")
    (seeds / "news/c.txt").unlink()
    changed = loader.load(now=time.time() + 100)
    assert loader.reparsed == 2
    assert parsed_files[3:] == ["news/b.txt", "news/d.txt"]
    assert titles(changed) == ["A", "B changed", "D new"]


def test_reparsed_counts_this_load_only(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, a."})
    age(seeds / "news/a.txt", 100)
    loader = Loader(seeds)
    loader.load(now=time.time())
    assert loader.reparsed == 1
    loader.load(now=time.time())
    assert loader.reparsed == 0


def test_touched_but_unchanged_file_is_not_reparsed(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, a."})
    loader = Loader(seeds)
    loader.load(now=time.time())
    age(seeds / "news/a.txt", 50)
    loader.load(now=time.time())
    assert loader.reparsed == 0


def test_same_size_same_mtime_rewrite_in_the_racy_window_is_detected(tmp_path, write_seeds,
                                                                   monkeypatch):
    monkeypatch.setattr(seedfeed.model, "RACY_FINE", 60.0)  # "just written", however slow
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, aaa."})
    path = seeds / "news/a.txt"
    loader = Loader(seeds)
    assert titles(loader.load(now=time.time())) == ["Aaa"]
    before = path.stat()
    path.write_text("On 3 May 2024, bbb.")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)
    corpus = loader.load(now=time.time())
    assert loader.reparsed == 1
    assert titles(corpus) == ["Bbb"]


def test_settings_change_reparses_everything(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, a.", "b.txt": "On 2 May 2024, b."})
    loader = Loader(seeds)
    first = loader.load()
    (seeds / "site.toml").write_text('[site]\ntimezone = "Asia/Tokyo"\ndefault_section = "misc"\n')
    second = loader.load()
    assert loader.reparsed == 2
    assert [e.published.utcoffset().total_seconds() for e in second.entries] == [9 * 3600] * 2
    assert [e.section for e in second.entries] == ["news", "misc"]
    assert [e.id for e in second.entries] == [e.id for e in first.entries]
    assert "site.toml" in second.mtimes


@pytest.mark.parametrize("shared", [False, True])
def test_a_section_language_change_reparses_its_entries(tmp_path, write_seeds, shared):
    """An entry's language is told against its section's: a new section language marks
    the entries again, in memory and from the site database alike."""
    seeds = write_seeds(tmp_path, {"a/x.txt": "On 3 May 2024, the pier was painted.",
                                   "site.toml": '[site]\nlanguage = "en-GB"\n'
                                                '[sections.a]\nlanguage = "en"\n'})
    db = (lambda: Database(tmp_path / "site.sqlite")) if shared else (lambda: None)
    loader = Loader(seeds, db())
    assert [e.language for e in loader.load().entries] == [None]
    (seeds / "site.toml").write_text('[site]\nlanguage = "en-GB"\n'
                                     '[sections.a]\nlanguage = "ru"\n')
    again = (Loader(seeds, db()) if shared else loader).load()
    assert [e.language for e in again.entries] == ["en"]


def test_a_new_loader_takes_what_another_parsed_from_the_database(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {
        "news/a.txt": "On 3 May 2024, a.\n\nT\n\nT 01.05.2024\n\nBody.",
        "news/b.txt": "Undated.",
    })
    for path in seeds.rglob("*.txt"):
        age(path, 100)
    first = Loader(seeds, Database(tmp_path / "site.sqlite"))
    corpus = first.load(now=time.time())
    assert first.reparsed == 2
    restored = Loader(seeds, Database(tmp_path / "site.sqlite"))
    again = restored.load(now=time.time())
    assert restored.reparsed == 0
    assert again.entries == corpus.entries
    assert again.problems == corpus.problems
    assert [entry.source for entry in again.entries] == [e.source for e in corpus.entries]


def test_a_database_from_other_settings_or_another_seedfeed_is_not_used(tmp_path, write_seeds,
                                                                       monkeypatch):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, a."})
    age(seeds / "news/a.txt", 100)
    Loader(seeds, Database(tmp_path / "site.sqlite")).load(now=time.time())
    other = Loader(seeds, Database(tmp_path / "site.sqlite"), base_url="https://example.org/")
    other.load(now=time.time())
    assert other.reparsed == 1
    monkeypatch.setattr(load_module, "code_fingerprint", lambda: "an upgrade")
    upgraded = Loader(seeds, Database(tmp_path / "site.sqlite"), base_url="https://example.org/")
    upgraded.load(now=time.time())
    assert upgraded.reparsed == 1


def test_entries_missing_from_the_database_are_parsed_again(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, a.\n\nOn 2 May 2024, b."})
    age(seeds / "news/a.txt", 100)
    Loader(seeds, Database(tmp_path / "site.sqlite")).load(now=time.time())
    with sqlite3.connect(tmp_path / "site.sqlite") as db:
        db.execute("DELETE FROM parsed")
    again = Loader(seeds, Database(tmp_path / "site.sqlite"))
    assert titles(again.load(now=time.time())) == ["A", "B"]
    assert again.reparsed == 1


def test_progress_is_reported(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"a.txt": "On 3 May 2024, a.", "b.txt": "On 2 May 2024, b."})
    calls: list[tuple[int, int]] = []
    Loader(seeds, on_progress=lambda done, total: calls.append((done, total))).load()
    assert calls == [(1, 2), (2, 2)]


@given(st.lists(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(1, 4)),
                         max_size=12), max_size=6))
def test_the_order_keeps_the_first_copy_of_each_id_newest_first(files):
    """Corpus order against the plain definition: first copy by seed order, stable sort."""
    results = []
    for entries in files:
        ids, days = tuple(entry_id for entry_id, _ in entries), tuple(d for _, d in entries)
        result = Parsed("", (), frozenset(), frozenset(), ids, ids, days, (False,) * len(ids),
                        (b"",) * len(ids), lambda i: None)  # type: ignore[arg-type,return-value]
        results.append(("x.txt", "news", result))
    seen, expected = set(), []
    for f, entries in enumerate(files):
        for i, (entry_id, day) in enumerate(entries):
            if entry_id not in seen:
                seen.add(entry_id)
                expected.append((day, f, i))
    expected.sort(key=lambda kept: -kept[0])
    assert corpus_module._order(tuple(results)) == tuple((f, i) for _, f, i in expected)


def test_a_short_line_in_many_files_of_a_section_is_furniture(tmp_path, write_seeds):
    files = {f"news/{k}.txt": f"On {k + 1} May 2024, the board met.\nSubscribe today\n"
             + ("Harbour works go on\n" if k < 2 else "") for k in range(4)}
    files["other/x.txt"] = "On 9 May 2024, a visit.\nSubscribe today\n"
    seeds = write_seeds(tmp_path, files)
    loader = Loader(seeds)
    corpus = loader.load()
    contents = {e.source: e.content_html for e in corpus.entries}
    # in all four files of news: dropped; in two of them only, or in one file of another
    # section: content
    assert all("Subscribe" not in html for source, html in contents.items()
               if source.startswith("news/"))
    assert "Subscribe today" in contents["other/x.txt:1"]
    assert "Harbour works go on" in contents["news/0.txt:1"]
    dropped = [p for p in corpus.problems if "repeated in many files" in p.message]
    assert [(p.path, p.line) for p in dropped] == [(f"news/{k}.txt", 2) for k in range(4)]
    # the line gone from two files: no longer in half of them... still in two of four,
    # fewer than three files: the others read it as content again
    for k in (0, 1):
        (seeds / f"news/{k}.txt").write_text(f"On {k + 1} May 2024, the board met.\n")
    contents = {e.source: e.content_html for e in loader.load().entries}
    assert "Subscribe today" in contents["news/2.txt:1"]
    assert contents == {e.source: e.content_html for e in Loader(seeds).load().entries}


def test_navigation_repeated_in_every_file_still_ends_its_article(tmp_path, write_seeds):
    article = ("The board meets\n\nThe board meets 02.05.2024\n\nIt met.\n\nGo back\n\n"
               "On 1 May 2024, a visit took place.\n")
    seeds = write_seeds(tmp_path, {f"news/{k}.txt": article.replace("board", f"board {k}")
                                   .replace("visit", f"visit {k}") for k in range(4)})
    corpus = load_seeds(seeds)
    assert sorted(e.title for e in corpus.entries) == sorted(
        [f"The board {k} meets" for k in range(4)] + [f"A visit {k} took place" for k in range(4)])


def test_a_parse_still_read_by_one_process_outlives_another_s_edit(tmp_path, write_seeds):
    """A build reads its entries from the database while it renders; a server recording
    an edit of the same seed meanwhile must not collect the parse the build reads."""
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, the old text.\n"})
    age(seeds / "news/a.txt", 3 * 86400)
    Loader(seeds, Database(tmp_path / "site.sqlite")).load(now=time.time())
    with sqlite3.connect(tmp_path / "site.sqlite") as db:  # made days ago
        db.execute("UPDATE parse SET made = made - 2 * 86400")
    building = Loader(seeds, Database(tmp_path / "site.sqlite")).load(now=time.time())
    (seeds / "news/a.txt").write_text("On 3 May 2024, the new text.\n")
    age(seeds / "news/a.txt", 86400)
    serving = Loader(seeds, Database(tmp_path / "site.sqlite"), eager=True)
    assert titles(serving.load(now=time.time())) == ["The new text"]
    assert titles(building) == ["The old text"]  # (read from the database only now)
