"""`seedfeed build`: the command line around seedfeed.publish, run in-process."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from feedcheck import check_atom, check_rss, opml_feed_urls
from sites import (
    BASE_URL,
    HOSTILE_ENTRIES,
    REPO_FEEDS,
    REPO_SEEDS,
    age_seeds,
    entry_path,
    hostile_seeds,
    tree,
    write_seeds,
)

from seedfeed.cli import main
from seedfeed.load import load_seeds

SUMMARY = re.compile(r"(\d+) sections, (\d+) entries: (\d+) written, (\d+) unchanged, "
                     r"(\d+) removed in \d+\.\d+ s")
PROBLEM = re.compile(r"[^\s:][^:]*:\d+: (?:error|warning): .+")


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], env=env)


def summary(result: Result) -> tuple[int, ...]:
    lines = result.stderr.splitlines()
    match = SUMMARY.fullmatch(lines[-1]) if lines else None
    assert match, f"no summary line at the end of stderr: {result.stderr!r}"
    return tuple(int(group) for group in match.groups())


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    seeds = hostile_seeds(tmp_path)
    age_seeds(seeds)
    return seeds


def test_help_explains_the_options() -> None:
    result = run("build", "--help")
    assert result.exit_code == 0
    for option in ("--seeds", "--out", "--base-url", "--gzip"):
        assert option in result.output
    assert "static" in result.output


def test_build_publishes_and_prints_one_summary_line(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("build", "--seeds", seeds, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    files = tree(out)
    assert summary(result) == (2, HOSTILE_ENTRIES, len(files), 0, 0)
    assert check_atom(files["all.atom"], BASE_URL + "all.atom") == []

    again = run("build", "--seeds", seeds, "--out", out)
    assert again.exit_code == 0
    assert summary(again) == (2, HOSTILE_ENTRIES, 0, len(files), 0)
    assert tree(out) == files


def test_problems_are_reported_and_good_entries_still_published(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, {
        "news/good.txt": "On 16 February 2024, the good item was published.\n",
        "news/bad.txt": ("Text without any date at all.\n\n"
                         "On 31 February 2024, an impossible day.\n\n"
                         "On 14 February 2024, a good item after bad ones.\n"),
    })
    out = tmp_path / "site"
    result = run("build", "--seeds", seeds, "--out", out)
    problems = result.stderr.splitlines()[:-1]
    assert problems, result.stderr
    assert all(PROBLEM.fullmatch(line) for line in problems), problems
    assert any(line.startswith("news/bad.txt:1: error: ") for line in problems)
    assert any(line.startswith("news/bad.txt:3: error: ") for line in problems)
    corpus = load_seeds(seeds)
    assert len(corpus.entries) == 2
    assert summary(result)[:2] == (1, 2)
    for entry in corpus.entries:
        assert (out / entry_path(entry)).is_file()
        assert entry.id.encode() in (out / "news.rss").read_bytes()


def test_a_missing_seeds_folder_fails(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("build", "--seeds", tmp_path / "nowhere", "--out", out)
    assert result.exit_code != 0
    assert "nowhere" in result.stderr
    assert not out.exists()


def test_an_output_folder_that_cannot_be_written_fails(seeds: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    result = run("build", "--seeds", seeds, "--out", blocker / "site")
    assert result.exit_code != 0
    assert "cannot write" in result.stderr
    assert run("build", "--seeds", seeds, "--out", blocker).exit_code != 0
    assert blocker.read_text() == "not a folder\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_fails(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = run("build", "--seeds", seeds, "--out", out)
    finally:
        out.chmod(0o755)
    assert result.exit_code != 0
    assert "cannot write" in result.stderr


def test_unusable_settings_fail_with_their_location(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, {"site.toml": "[site]\nlanguage = \n",
                                   "news/a.txt": "On 1 March 2024, an item.\n"})
    result = run("build", "--seeds", seeds, "--out", tmp_path / "site")
    assert result.exit_code != 0
    assert re.search(r"site\.toml:\d+: ", result.stderr), result.stderr


def test_base_url_option_moves_every_url(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("build", "--seeds", seeds, "--out", out,
                 "--base-url", "https://cdn.example.net/news")
    assert result.exit_code == 0, result.output
    files = tree(out)
    assert check_rss(files["all.rss"], "https://cdn.example.net/news/all.rss") == []
    assert opml_feed_urls(files["all.opml"]) == ["https://cdn.example.net/news/all.atom"]
    assert not [path for path, body in files.items() if BASE_URL.encode() in body]


@pytest.mark.parametrize("url", ["ftp://example.org/", "https://", "https:///path/",
                                 "https://example.org:99999/"])
def test_base_url_must_be_absolute(seeds: Path, tmp_path: Path, url: str) -> None:
    result = run("build", "--seeds", seeds, "--out", tmp_path / "site", "--base-url", url)
    assert result.exit_code == 2
    assert "--base-url" in result.stderr and "with a host" in result.stderr
    assert not (tmp_path / "site").exists()


def test_gzip_option(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("build", "--seeds", seeds, "--out", out, "--gzip")
    assert result.exit_code == 0, result.output
    files = tree(out)
    zipped = [path for path in files if path.endswith(".gz")]
    assert "all.rss.gz" in zipped
    for path in zipped:
        assert gzip.decompress(files[path]) == files[path.removesuffix(".gz")]
    assert summary(result)[2] == len(files)


def test_defaults_build_seeds_into_feeds(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    hostile_seeds(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEEDFEED_SEEDS", raising=False)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "feeds" / "index.html").is_file()
    assert summary(result)[:2] == (2, HOSTILE_ENTRIES)


def test_seeds_folder_from_the_environment(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("build", "--out", out, env={"SEEDFEED_SEEDS": str(seeds)})
    assert result.exit_code == 0, result.output
    assert summary(result)[:2] == (2, HOSTILE_ENTRIES)


def test_an_empty_seeds_folder_builds_an_empty_site(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("build", "--seeds", tmp_path / "empty", "--out", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert summary(result)[:2] == (0, 0)
    assert (tmp_path / "site" / "all.atom").is_file()


def test_the_repository_build_command_reproduces_feeds(tmp_path: Path) -> None:
    result = run("build", "--seeds", REPO_SEEDS, "--out", tmp_path / "feeds",
                 "--state", tmp_path / "site.sqlite")
    assert result.exit_code == 0, result.output
    assert tree(tmp_path / "feeds") == tree(REPO_FEEDS)


def test_check_and_build_warn_of_a_feed_over_4_mib(tmp_path: Path) -> None:
    # Ten long articles a day: each feed holds their full texts (summaries are short).
    paragraph = " ".join(f"The harbour board reviewed berth {n} and its cranes." for n in
                         range(3000))
    items = "\n\n".join(f"On {day} March 2024, {paragraph}" for day in range(28, 0, -1))
    seeds = write_seeds(tmp_path, {"site.toml": '[site]\nid_authority = "big.example"\n',
                                   "news/long.txt": items + "\n"})
    age_seeds(seeds)
    checked = run("check", "--seeds", seeds)
    built = run("build", "--seeds", seeds, "--out", tmp_path / "out")
    assert checked.exit_code == built.exit_code == 0, (checked.output, built.output)
    big = {path.name for path in (tmp_path / "out").glob("*.*")
           if path.stat().st_size > 4 * 2**20}
    assert big == {"all.atom", "all.rss", "all.json", "news.atom", "news.rss", "news.json"}
    for output in (checked.stdout, built.stderr):
        warned = re.findall(r"site\.toml:1: warning: (\S+) is \d+\.\d MiB, over 4 MiB", output)
        assert sorted(warned) == sorted(big), output
    small = write_seeds(tmp_path, {"site.toml": '[site]\nid_authority = "big.example"\n',
                                   "news/short.txt": "On 1 March 2024, a short item.\n"},
                        name="small")
    assert "MiB" not in run("check", "--seeds", small).output


def test_strict_build_writes_the_site_then_fails_on_warnings(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 1980, an old item.\n",
                                   "site.toml": '[site]\nbase_url = "https://e.org/"\n'})
    out = tmp_path / "site"
    result = run("build", "--seeds", seeds, "--out", out, "--strict")
    assert result.exit_code == 1
    assert "warning: date 1980-05-03 is before 1990" in result.stderr
    assert "--strict: the seeds have warnings or errors" in result.stderr
    assert (out / "news.atom").exists()  # written all the same
    assert run("build", "--seeds", seeds, "--out", out).exit_code == 0
    clean = write_seeds(tmp_path / "clean", {"news/a.txt": "On 3 May 2024, an item.\n",
                                             "site.toml": '[site]\nbase_url = "https://e.org/"\n'})
    assert run("build", "--seeds", clean, "--out", tmp_path / "c", "--strict").exit_code == 0


def test_init_starts_a_site_that_builds_without_warnings_and_never_overwrites(
        tmp_path: Path) -> None:
    folder = tmp_path / "mysite"
    result = run("init", folder)
    assert result.exit_code == 0, result.stderr
    made = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.is_file())
    assert made == ["news/hard-wrapped.txt", "news/listing.txt",
                    "news/one-block-per-line.txt", "site.toml"]
    settings = (folder / "site.toml").read_text(encoding="utf-8")
    site, section = settings.split("\n[sections.")
    for table, keys in ((site, ("title", "description", "base_url", "id_authority",
                                "language", "timezone", "entries_per_feed",
                                "default_section", "preferred_format", "max_age", "author",
                                "websub_hub")),
                        (section, ("title", "description", "language", "date_order", "year",
                                   "drop", "stop_at"))):
        for key in keys:
            assert re.search(rf"^(# )?{key} = ", table, re.MULTILINE), key
    check = run("check", "--seeds", folder, "--strict", "-v")
    assert check.exit_code == 0, check.output
    layouts = {line.split("layout: ")[1].split(";")[0] for line in check.stdout.splitlines()
               if "layout: " in line}
    assert layouts == {"paragraphs", "one block per line", "hard-wrapped at 75 columns"}
    built = run("build", "--seeds", folder, "--out", tmp_path / "out", "--strict",
                "--state", tmp_path / "site.sqlite")
    assert built.exit_code == 0, built.stderr
    assert summary(built)[:2] == (1, 6)
    (folder / "news" / "listing.txt").write_text("mine\n", encoding="utf-8")
    again = run("init", folder)
    assert again.exit_code == 1 and "not overwriting" in again.stderr
    assert (folder / "news" / "listing.txt").read_text(encoding="utf-8") == "mine\n"


def test_watch_builds_again_once_per_edit(tmp_path: Path) -> None:
    """`build --watch`: the first build, then one build per change of the seeds."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 May 2024, a first item.\n",
                                   "site.toml": '[site]\nbase_url = "https://e.org/"\n'})
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds), "--out", str(out),
         "--watch"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()

    def wait_for(condition: object, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not condition():  # type: ignore[operator]
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)

    def summaries() -> list[str]:
        return [line.strip() for line in list(lines) if SUMMARY.fullmatch(line.strip())]

    try:
        wait_for(lambda: any(line.startswith("watching") for line in list(lines)), 60)
        assert len(summaries()) == 1
        (seeds / "news" / "a.txt").write_text("On 4 May 2024, a second item.\n\n"
                                             "On 3 May 2024, a first item.\n")
        wait_for(lambda: len(summaries()) >= 2)
        assert summaries()[1].startswith("1 sections, 2 entries:")
        assert b"A second item" in (out / "news.atom").read_bytes()
        time.sleep(2.5)  # (well past the debounce: a second build for one edit shows by now)
        assert len(summaries()) == 2
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        reader.join(timeout=10)
        if process.stderr is not None:
            process.stderr.close()
    assert code == 0, lines
