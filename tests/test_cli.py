"""The command line: `seedfeed entries` and `seedfeed check` on seeds folders."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from seedfeed.cli import main

SAMPLE = "news/000_953f9ee9bceb9942.txt"
ARTICLE_TITLE = ("The President of the Republic of Belarus Alexander Lukashenko held a meeting "
                 "with foreign ministers of the CSTO member states")
NAVIGATION = ("Go back", "Back to the section", "Back to the all news")
KEYS = ["id", "section", "title", "published", "updated", "summary", "content_html",
        "source"]
PROBLEM_LINE = re.compile(
    r"^(?P<path>[^:\s]+):(?P<line>\d+): (?P<level>error|warning|note|info): .+$")


def run_entries(runner, *args: str, env: dict[str, str] | None = None) -> list[dict]:
    result = runner.invoke(main, ["entries", *args], env=env)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def run_check(runner, seeds) -> tuple[int, list[str], str]:
    result = runner.invoke(main, ["check", "--seeds", str(seeds)])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout.splitlines(), result.stderr


# --- the sample seed ----------------------------------------------------------------


def check_sample_entries(entries: list[dict]) -> None:
    assert len(entries) == 6
    assert [list(entry) for entry in entries] == [KEYS] * 6
    assert [entry["published"] for entry in entries] == [
        # Noon in Moscow, a second apart on a day of several items, newest first.
        "2024-02-16T12:00:00+03:00", "2024-02-14T12:00:01+03:00", "2024-02-14T12:00:00+03:00",
        "2024-02-07T12:00:01+03:00", "2024-02-07T12:00:00+03:00", "2023-06-20T12:00:00+03:00",
    ]
    for entry in entries:
        assert datetime.fromisoformat(entry["published"]).utcoffset().total_seconds() == 3 * 3600
        assert entry["section"] == "news"
        assert re.fullmatch(re.escape(SAMPLE) + r":\d+", entry["source"])
        assert entry["id"].startswith("tag:")
        assert entry["title"] and entry["summary"] and entry["content_html"].startswith("<p>")
        for line in NAVIGATION:
            assert f"<p>{line}</p>" not in entry["content_html"]
            assert line not in entry["summary"]
    assert [entry["source"] for entry in entries] == [
        f"{SAMPLE}:{line}" for line in (1, 4, 7, 10, 13, 15)
    ]
    article = entries[-1]
    assert article["title"] == ARTICLE_TITLE
    assert article["summary"].startswith(ARTICLE_TITLE + " on June 20.")
    assert "Back to the" not in article["content_html"]
    assert article["content_html"].rstrip().endswith("</p>")
    assert [entry["title"] for entry in entries[:5]] == [
        "The CSTO Secretary General Imangali Tasmagambetov met with the Deputy Prime Minister – "
        "Minister of Foreign Affairs of the Republic of…",
        "The CSTO Secretariat hosted an educational seminar (coaching session) on the theme: "
        "\"Topical issues of Eurasian security\", which was…",
        "Chief of the Joint Staff of the Collective Security Treaty Organization, "
        "Colonel-General Andrei Nikolayevich Serdyukov, held a briefing on…",
        "Participants in a meeting of the chairmen of the committees (commissions) of the "
        "parliaments of the CSTO member states, with jurisdiction…",
        "The CSTO Secretary General Imangali Tasmagambetov met with the Russian Foreign "
        "Minister Sergey Lavrov",
    ]
    assert len({entry["id"] for entry in entries}) == 6


def test_sample_seed_copy(runner, sample_seeds):
    check_sample_entries(run_entries(runner, "--seeds", str(sample_seeds)))


def test_sample_seed_in_the_repository(runner, repo_seeds):
    check_sample_entries(run_entries(runner, "--seeds", str(repo_seeds)))


def test_sample_seed_ids_are_stable_between_copies(runner, repo_seeds, sample_seeds):
    first = run_entries(runner, "--seeds", str(repo_seeds))
    second = run_entries(runner, "--seeds", str(sample_seeds))
    assert [e["id"] for e in first] == [e["id"] for e in second]


def test_sample_seed_renamed_keeps_ids_and_moves_sources(runner, repo_seeds, sample_seeds):
    before = run_entries(runner, "--seeds", str(repo_seeds))
    (sample_seeds / SAMPLE).rename(sample_seeds / "news/renamed.txt")
    after = run_entries(runner, "--seeds", str(sample_seeds))
    assert [e["id"] for e in after] == [e["id"] for e in before]
    assert {e["source"].split(":")[0] for e in after} == {"news/renamed.txt"}


def test_sample_seed_checks_clean(runner, repo_seeds):
    status, lines, _ = run_check(runner, repo_seeds)
    # no warnings or errors; the two items written without a year say where it came from
    assert (status, lines) == (0, [
        f"{SAMPLE}:10: note: year 2024 taken from the dated item above",
        f"{SAMPLE}:13: note: year 2024 taken from the dated item above",
    ])


def test_verbose_check_names_each_files_layout_and_date_forms(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "news/lines.txt": "On 28 May 2025, the council met.\nOn 27 May 2025, a seminar.\n",
        "news/wide.txt": "16.02.2024\n\nThe board met.\n",
    })
    quiet = runner.invoke(main, ["check", "--seeds", str(seeds)])
    loud = runner.invoke(main, ["check", "-v", "--seeds", str(seeds)])
    assert "info:" not in quiet.stdout
    assert "news/lines.txt:1: info: layout: one block per line; date forms: d month; " \
        "items: 2" in loud.stdout.splitlines()
    assert "news/wide.txt:1: info: layout: paragraphs; date forms: dd.mm.yyyy; items: 1" \
        in loud.stdout.splitlines()


def test_section_filter(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "world/a.txt": "On 3 May 2024, world.",
        "sport/b.txt": "On 2 May 2024, sport.",
    })
    assert [e["title"] for e in run_entries(runner, "--seeds", str(seeds), "--section", "sport")] \
        == ["Sport"]


def test_an_unknown_section_is_an_error_listing_the_sections(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {"world/a.txt": "On 3 May 2024, world.",
                                   "sport/b.txt": "On 2 May 2024, sport."})
    result = runner.invoke(main, ["entries", "--seeds", str(seeds), "--section", "nothing"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "no section 'nothing'; the sections are 'sport', 'world'" in result.stderr


def test_seeds_folder_from_the_environment(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, from the environment."})
    entries = run_entries(runner, env={"SEEDFEED_SEEDS": str(seeds)})
    assert [e["title"] for e in entries] == ["From the environment"]
    status, lines, _ = run_check(runner, seeds)
    assert status == 0


def test_seeds_option_beats_the_environment(runner, write_seeds, tmp_path):
    one = write_seeds(tmp_path, {"a.txt": "On 3 May 2024, one."}, "one")
    two = write_seeds(tmp_path, {"a.txt": "On 3 May 2024, two."}, "two")
    entries = run_entries(runner, "--seeds", str(two), env={"SEEDFEED_SEEDS": str(one)})
    assert [e["title"] for e in entries] == ["Two"]


def test_default_seeds_folder_is_seeds_in_the_working_directory(runner, sample_seeds,
                                                                 monkeypatch):
    monkeypatch.delenv("SEEDFEED_SEEDS", raising=False)
    monkeypatch.chdir(sample_seeds.parent)
    sample_seeds.rename(sample_seeds.parent / "seeds")
    assert len(run_entries(runner)) == 6


def test_missing_seeds_folder_is_a_clear_error(runner, tmp_path):
    for command in ("entries", "check", "build", "serve"):
        result = runner.invoke(main, [command, "--seeds", str(tmp_path / "nope")])
        assert result.exit_code == 1
        assert (f"seeds folder not found: {tmp_path / 'nope'} (choose it with --seeds or "
                "SEEDFEED_SEEDS)") in result.stderr
        assert "Traceback" not in result.output


def test_bare_seedfeed_prints_help_and_succeeds(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "seedfeed"], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: ") and "Commands:" in done.stdout
    assert all(name in done.stdout for name in main.commands)


def test_strict_check_fails_on_warnings_too(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 1980, an old item.\n",
                                   "site.toml": '[site]\nbase_url = "https://e.org/"\n'})
    plain = runner.invoke(main, ["check", "--seeds", str(seeds)])
    strict = runner.invoke(main, ["check", "--seeds", str(seeds), "--strict"])
    assert plain.exit_code == 0 and strict.exit_code == 1
    assert "warning: date 1980-05-03 is before 1990" in strict.stdout
    clean = write_seeds(tmp_path / "clean", {"news/a.txt": "On 3 May 2024, an item.\n",
                                             "site.toml": '[site]\nbase_url = "https://e.org/"\n'})
    assert runner.invoke(main, ["check", "--seeds", str(clean), "--strict"]).exit_code == 0


@pytest.mark.parametrize(("toml", "line", "message"), [
    ('title = "News"\n[site]\n', 1, "title is outside any table: title belongs under [site]"),
    ('drop = ["x"]\n', 1, "drop is outside any table: drop belongs under a section's table"),
    ("[site]\nentries_per_feed = \"ten\"\n", 2, "site.entries_per_feed must be an integer"),
    ("[site]\ntitle = 3\n", 2, "site.title must be a string"),
    ('[site]\nstop_at = ["End"]\n', 2,
     "unknown setting site.stop_at: stop_at belongs under a section's table"),
    ('[sections.news]\nbase_url = "https://e.org/"\n', 2,
     "unknown setting sections.news.base_url: base_url belongs under [site]"),
    ("[sections.news]\ntitle = 3\n", 2, "sections.news.title must be a string"),
])
def test_misplaced_and_mistyped_settings_say_where_they_belong(runner, write_seeds, tmp_path,
                                                               toml, line, message):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, an item.\n", "site.toml": toml})
    result = runner.invoke(main, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert f"site.toml:{line}: {message}" in result.stderr


def test_a_section_table_that_names_no_folder_is_warned_of(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "news/a.txt": "On 3 May 2024, an item.\n", "world/b.txt": "On 2 May 2024, another.\n",
        "site.toml": '[site]\nbase_url = "https://e.org/"\n\n[sections.wrold]\ntitle = "W"\n'})
    code, lines, _ = run_check(runner, seeds)
    assert code == 0
    assert ("site.toml:4: warning: [sections.wrold] names no section (no folder 'wrold' "
            "holds seeds): the sections are 'news', 'world'") in lines


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(main.commands))])
def test_help(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    if command in (["entries"], ["check"]):
        assert "--seeds" in result.stdout and "SEEDFEED_SEEDS" in result.stdout


# --- check ----------------------------------------------------------------------------


def test_check_reports_each_problem_with_path_and_line(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "news/good.txt": "On 5 May 2024, good.",
        "news/undated.txt": "On 4 May 2024, fine.\n\nGo back\n\nNo date here.\n",
        "news/article.txt": "A title\n\nBody one.\n\nBody two.\n\nGo back\n",
        "news/binary.txt": b"GIF89a\n\x01\x00\x01\x00\x80\x00\x00\xff",
        "news/empty.txt": "",
        "news/feb.txt": "\nOn 31 February 2024, impossible.\n\nOn 1 February 2024, fine too.",
        "news/may.txt": "On 1 June 2024, fine as well.\n\nOn 32 May 2024, impossible.\n",
        "news/ru.txt": "Вернуться назад\n\n14 февраля, без года.\n".encode("cp1251"),
    })
    status, lines, summary = run_check(runner, seeds)
    assert status == 1
    for line in lines:
        assert PROBLEM_LINE.match(line), line
    found = [(m["path"], int(m["line"]), m["level"])
             for m in map(PROBLEM_LINE.match, lines) if m is not None and m["level"] != "note"]
    assert sorted(found) == sorted([
        ("site.toml", 1, "warning"),  # none: the default base_url gives no id authority
        ("news/ru.txt", 1, "warning"),  # read as windows-1251
        ("news/undated.txt", 5, "error"),
        ("news/article.txt", 1, "error"),
        ("news/binary.txt", 2, "error"),
        ("news/empty.txt", 1, "warning"),
        ("news/feb.txt", 2, "error"),
        ("news/may.txt", 3, "error"),
        ("news/ru.txt", 3, "warning"),  # the year taken from the file's mtime
    ])
    text = "\n".join(lines)
    assert "undated item" in text
    assert "article without a date line" in text
    assert "binary" in text
    assert "empty" in text
    assert "'31 February 2024'" in text and "'32 May 2024'" in text
    assert "errors" in summary

    entries = run_entries(runner, "--seeds", str(seeds))
    assert sorted(e["title"] for e in entries) == [
        "Fine", "Fine as well", "Fine too", "Good", "Без года",
    ]


def test_check_with_only_warnings_exits_zero(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "site.toml": '[site]\nid_authority = "cli.example"\n',
        "news/a.txt": "On 3 May 2024, a.",
        "news/empty.txt": "\n\n",
        "news/bare.txt": "Title\n\nTitle 01.05.2024\n\nGo back\n",
    })
    status, lines, _ = run_check(runner, seeds)
    assert status == 0
    assert sorted(lines) == sorted([
        "news/empty.txt:1: warning: empty seed file: no text",
        "news/bare.txt:1: warning: article has a title and a date but no body text",
    ])


def test_check_reports_invalid_utf8_with_its_line(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "site.toml": '[site]\nid_authority = "cli.example"\n',"news/a.txt": (
        "16 февраля 2024 года — встреча.\r\n\r\n14 февраля — заседание ".encode()
        + b"\xff\xfe.\r\n"
    )})
    status, lines, _ = run_check(runner, seeds)
    assert status == 1
    assert [line.split(": ")[:2] for line in lines] == [["news/a.txt:3", "error"]]


def test_check_malformed_site_toml_names_file_and_line(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "site.toml": '[site]\ntitle = "ok"\n\ntimezone = Europe/Moscow\n',
        "news/a.txt": "On 3 May 2024, a.",
    })
    for command in ("check", "entries"):
        result = runner.invoke(main, [command, "--seeds", str(seeds)])
        assert result.exit_code not in (0, None)
        assert "site.toml:4" in result.stderr
        assert "Traceback" not in result.output
        assert result.stdout == ""


def test_check_bad_setting_names_file_and_line(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {"site.toml": '[site]\n\ntimezone = "Mars/Base"\n'})
    result = runner.invoke(main, ["check", "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert "site.toml:3" in result.stderr and "Mars/Base" in result.stderr


def test_check_reports_reserved_section_and_symlinks(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {
        "all/a.txt": "On 3 May 2024, reserved.",
        "news/b.txt": "On 2 May 2024, kept.",
    })
    (seeds / "news/link.txt").symlink_to(seeds / "news/b.txt")
    status, lines, _ = run_check(runner, seeds)
    assert status == 1
    assert any(line.startswith("all/a.txt:") and ": error: " in line for line in lines)
    assert any(line.startswith("news/link.txt:") and "link" in line for line in lines)
    assert [e["source"] for e in run_entries(runner, "--seeds", str(seeds))] == ["news/b.txt:1"]


def test_entries_prints_problems_on_stderr_only(runner, write_seeds, tmp_path):
    seeds = write_seeds(tmp_path, {"news/a.txt": "Stray.\n\nOn 3 May 2024, a."})
    result = runner.invoke(main, ["entries", "--seeds", str(seeds)])
    assert result.exit_code == 0
    assert "news/a.txt:1: error: undated item" in result.stderr
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["A"]


def test_encodings_through_the_command_line(runner, write_seeds, tmp_path):
    russian = "16 февраля 2024 года генеральный секретарь провёл встречу.\n"
    seeds = write_seeds(tmp_path, {
        "site.toml": '[site]\nid_authority = "cli.example"\n',
        "news/cp1251.txt": russian.replace("16", "15").encode("cp1251"),
        "news/bom.txt": b"\xef\xbb\xbf" + russian.replace("16", "14").encode(),
        "news/crlf.txt": b"\r\n\r\nOn 13 February 2024,\r\ncrlf.\r\n",
        "news/cr.txt": b"\r\r\rOn 12 February 2024, lone cr.\r",
        "news/utf16.txt": russian.replace("16", "11").encode("utf-16"),
    })
    result = runner.invoke(main, ["entries", "--seeds", str(seeds)])
    # the legacy encoding is a guess, and says so
    assert (result.exit_code, result.stderr) == (0, "news/cp1251.txt:1: warning: read as "
                                                    "windows-1251 (not UTF-8): a guess; save "
                                                    "seeds as UTF-8\n")
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["title"], e["source"]) for e in entries] == [
        ("Генеральный секретарь провёл встречу", "news/cp1251.txt:1"),
        ("Генеральный секретарь провёл встречу", "news/bom.txt:1"),
        ("Crlf", "news/crlf.txt:3"),
        ("Lone cr", "news/cr.txt:4"),
        ("Генеральный секретарь провёл встречу", "news/utf16.txt:1"),
    ]


def test_long_work_shows_a_progress_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """Work past the delay gets a bar (tqdm's) on stderr; quick work gets none."""
    from seedfeed.progress import Progress

    quick = Progress("Parsing seeds")
    for done in range(1, 4):
        quick(done, 3)
    quick.close()
    assert capsys.readouterr().err == ""
    slow = Progress("Parsing seeds", delay=0.0)
    for done in range(1, 4):
        slow(done, 4)
    slow.close()
    err = capsys.readouterr().err
    assert "Parsing seeds" in err and "3/4" in err


@pytest.mark.parametrize("benchmark", ["build", "parse", "serve", "soak"])
def test_every_benchmark_explains_itself(benchmark: str) -> None:
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", f"benchmarks.{benchmark}", "--help"],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:") and "-h, --help" in done.stdout
