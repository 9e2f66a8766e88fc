"""Crash safety: `seedfeed build` killed with SIGKILL at random moments, never a torn file.

A real build process writes a few thousand files; the test kills it at seeded random
moments spread over a build's duration (measured from a first timed build) and then looks
at every file of the output: each one must be complete and valid, byte for byte either
the previous complete build's version or the one a clean build of the new seeds writes,
and a temporary file may only ever be visible as a hidden `.<name>.sf<pid>.tmp`.  After
the kills of each round the build runs again to completion, and the output must then
equal a clean build byte for byte: the same files and folders, the same mtimes.

Between rounds the seeds change (items added, a file edited, a file or a whole section
removed, a section added, the site title changed so that every document differs), some
rounds build with --gzip and some without, and some start with the site database deleted
(then the build knows no file of the output as its own).  A killed build's writes to the
database are SQLite's to undo.

Two more tests kill a build at a chosen moment (the first file of a new section written,
the first .gz written) and then change what the next build wants.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
from gencorpus import write_corpus

from seedfeed.database import default_path

ENTRIES = 2000
SECTIONS = 5  # two seed files per section: removing one keeps the section
MIN_KILLS = 20
KILLS_PER_ROUND = 4
OVERHEAD = 0.4  # of a full build: what a restarted build spends before it writes
TEMPORARY = re.compile(r"\..+\.sf\d+\.tmp")  # what atomic_write names its temporary files
SEED = 20240216

# A file: its bytes and mtime (ns); a folder: None.  Paths relative to the output root.
Snapshot = dict[str, tuple[bytes, int] | None]


@dataclass(frozen=True)
class Round:
    changes: tuple[str, ...]
    gzip: bool = False
    # Delete the site database first.  Without it a build cannot know which old files are
    # its own, so such rounds remove no section and keep --gzip as it was.
    forget: bool = False


ROUNDS = (  # most change the title: every document differs, so every build writes a lot
    Round(("title", "add")),
    Round(("title", "remove"), forget=True),
    Round(("add", "edit", "drop"), gzip=True),
    Round(("title", "section"), gzip=True, forget=True),
    Round(("title", "edit")),
    Round(("title", "add"), gzip=True),
    Round(("title", "remove", "add"), gzip=True, forget=True),
    Round(("section", "add")),
    Round(("title", "edit"), forget=True),
    Round(("title", "drop"), gzip=True),
    Round(("title", "add"), gzip=True, forget=True),
    Round(("title", "remove")),
    Round(("title", "add"), gzip=True),
    Round(("title", "edit")),
)
MANDATORY_ROUNDS = 7  # every change, --gzip on and off, the database deleted
# When the planned rounds landed too few kills (a fast machine finishes builds before their
# kill comes), more rounds of these follow until MIN_KILLS, at most MAX_ROUNDS in all.
EXTRA_ROUNDS = (Round(("title", "add")), Round(("title", "edit"), gzip=True))
MAX_ROUNDS = 30


@dataclass
class Tally:
    kills: int = 0
    wrote: int = 0  # kills of a build that had published part of the new version
    mixed: int = 0  # kills that left old and new versions of documents side by side
    temporaries: int = 0  # kills that left a hidden temporary file behind
    completed: int = 0  # builds that finished before their kill came

    def summary(self, seconds: float, first: float) -> str:
        return (f"{self.kills} kills survived ({self.wrote} after writing part of the new "
                f"version, {self.mixed} leaving old and new documents side by side, "
                f"{self.temporaries} leaving a hidden temporary file; {self.completed} "
                f"builds finished before their kill) in {seconds:.1f} s; first build "
                f"{first:.2f} s")


def snapshot(out: Path) -> Snapshot:
    found: Snapshot = {}
    for folder, dirs, files in os.walk(out):
        for name in dirs:
            found[Path(folder, name).relative_to(out).as_posix()] = None
        for name in files:
            path = Path(folder, name)
            found[path.relative_to(out).as_posix()] = (path.read_bytes(),
                                                       path.stat().st_mtime_ns)
    return found


def problem_in(rel: str, body: bytes) -> str | None:
    """Why a published file is not a complete, valid document (None when it is)."""
    try:
        if rel.endswith(".gz"):
            body = gzip.decompress(body)
            rel = rel.removesuffix(".gz")
        if rel.endswith((".rss", ".atom")):
            parsed = feedparser.parse(body)
            if parsed.bozo:
                return f"{rel}: feedparser bozo: {parsed.get('bozo_exception')!r}"
        elif rel.endswith((".json", ".opml")):
            json.loads(body) if rel.endswith(".json") else feedparser.parse(body)
        elif rel.endswith(".html") and not body.rstrip().endswith(b"</html>"):
            return f"{rel}: HTML does not end with </html>"
    except Exception as exc:  # noqa: BLE001 - any failure to read it back is the finding
        return f"{rel}: {exc!r}"
    return None


def check_valid(site: Snapshot, valid: set[tuple[str, bytes]]) -> None:
    """Every file of `site` complete and valid; `valid` remembers bytes already checked.

    After a kill each file must equal a version already checked here in full, so only
    bytes never seen before (there should be none) are parsed again.
    """
    problems = []
    for rel, value in site.items():
        if value is None or (rel, value[0]) in valid:
            continue
        problem = problem_in(rel, value[0])
        if problem:
            problems.append(problem)
        else:
            valid.add((rel, value[0]))
    assert problems == [], problems[:10]


def check_after_kill(out: Path, old: Snapshot, new: Snapshot, valid: set[tuple[str, bytes]]
                     ) -> tuple[int, int, int]:
    """Every file is the old or the new version, complete and valid; none is torn.

    Returns how many differing documents are at their old and at their new version, and
    how many temporary files are left.
    """
    site = snapshot(out)
    torn, strangers, temporaries = [], [], []
    old_seen = new_seen = 0
    for rel, value in site.items():
        if TEMPORARY.fullmatch(rel.rsplit("/", 1)[-1]):
            temporaries.append(rel)
            continue
        versions = [v[0] for v in (old.get(rel), new.get(rel)) if v is not None]
        if rel not in old and rel not in new:
            strangers.append(rel)
        elif value is not None and value[0] not in versions:
            torn.append(rel)
        elif value is not None and old.get(rel) != new.get(rel):
            old_seen += old.get(rel) is not None and value[0] == old[rel][0]  # type: ignore
            new_seen += new.get(rel) is not None and value[0] == new[rel][0]  # type: ignore
    missing = sorted(rel for rel in old.keys() & new.keys() if rel not in site)
    assert torn == [], f"torn or unknown bytes: {torn[:10]}"
    assert strangers == [], (f"files of neither version (a temporary file under a "
                             f"document's name?): {strangers[:10]}")
    assert missing == [], f"documents of both versions missing: {missing[:10]}"
    check_valid({rel: value for rel, value in site.items() if rel not in temporaries}, valid)
    return old_seen, new_seen, len(temporaries)


def assert_same_as_clean(out: Path, clean: Snapshot, what: str) -> None:
    repaired = snapshot(out)
    assert repaired.keys() == clean.keys(), (
        f"{what}: the next build leaves {sorted(repaired.keys() - clean.keys())[:10]} "
        f"and lacks {sorted(clean.keys() - repaired.keys())[:10]}")
    differ = [f"{rel} ({'mtime' if value[0] == clean[rel][0] else 'bytes'})"  # type: ignore
              for rel, value in sorted(repaired.items()) if value != clean[rel]]
    assert differ == [], f"{what}: differs from a clean build: {differ[:10]}"


def build_argv(seeds: Path, out: Path, precompress: bool) -> list[str]:
    argv = [sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds), "--out", str(out)]
    return [*argv, "--gzip"] if precompress else argv


def run_build(seeds: Path, out: Path, precompress: bool) -> float:
    started = time.monotonic()
    done = subprocess.run(build_argv(seeds, out, precompress), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return time.monotonic() - started


def killed_build(seeds: Path, out: Path, precompress: bool, delay: float) -> float | None:
    """Start a build and SIGKILL it after `delay` s; None when it was killed, else how
    long it took to finish before its kill came."""
    started = time.monotonic()
    process = subprocess.Popen(build_argv(seeds, out, precompress),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == -signal.SIGKILL:
        return None
    assert process.returncode == 0, stderr.decode(errors="replace")
    return time.monotonic() - started


def planned_rounds() -> Iterator[tuple[int, Round]]:
    for number in range(1, MAX_ROUNDS + 1):
        plan = (ROUNDS[number - 1] if number <= len(ROUNDS)
                else EXTRA_ROUNDS[number % len(EXTRA_ROUNDS)])
        yield number, plan


class SeedEditor:
    """Seeded changes to a seeds folder, so that every round has genuinely new content."""

    def __init__(self, seeds: Path, rng: random.Random) -> None:
        self.seeds = seeds
        self.rng = rng
        self.serial = 0

    def files(self) -> list[Path]:
        return sorted(self.seeds.glob("*/*.txt"))

    def apply(self, change: str) -> None:
        self.serial += 1
        n = self.serial
        if change == "title":
            toml = self.seeds / "site.toml"
            text = re.sub(r'^title = ".*"$', f'title = "Benchmark, edition {n}"',
                          toml.read_text(encoding="utf-8"), count=1, flags=re.M)
            toml.write_text(text, encoding="utf-8")
        elif change == "add":
            for path in self.rng.sample(self.files(), 3):
                item = (f"On {1 + n % 28} March 2025, crash test item {n} was added to "
                        f"{path.stem} before the build was killed.\n\n")
                path.write_bytes(item.encode() + path.read_bytes())
        elif change == "edit":
            path = self.rng.choice(self.files())
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(" the ", f" the (edit {n}) ", 5), encoding="utf-8")
        elif change == "remove":  # one file of a section that has several
            files = self.files()
            self.rng.choice([p for p in files
                             if sum(q.parent == p.parent for q in files) > 1]).unlink()
        elif change == "drop":  # a whole section
            shutil.rmtree(self.rng.choice(sorted({p.parent for p in self.files()})))
        elif change == "section":
            add_section(self.seeds / f"crash-{n:02d}", n)
        else:
            raise ValueError(change)


def add_section(folder: Path, n: int) -> None:
    folder.mkdir()
    (folder / "a.txt").write_text(
        "".join(f"On {day} April 2025, crash section {n} item {day} was filed.\n\n"
                for day in range(20, 0, -1)), encoding="utf-8")


def test_sigkill_at_random_moments_never_tears_a_file_and_the_next_build_repairs(
        tmp_path: Path) -> None:
    rng = random.Random(SEED)
    seeds = tmp_path / "seeds"
    write_corpus(seeds, ENTRIES, SECTIONS)
    editor = SeedEditor(seeds, rng)
    out = tmp_path / "site" / "out"
    first = run_build(seeds, out, False)  # the first build, timed
    old = snapshot(out)
    valid: set[tuple[str, bytes]] = set()
    check_valid(old, valid)
    tally = Tally()
    # Kill moments are fractions of a build's expected duration, scaled down each time a
    # build finishes before its kill (a killed build's restart reuses the cache and is
    # faster than a clean build) and back up a little after each kill.
    scale = 1.0
    started = time.monotonic()
    for number, plan in planned_rounds():
        if tally.kills >= MIN_KILLS and number > MANDATORY_ROUNDS:
            break
        for change in plan.changes:
            editor.apply(change)
        if plan.forget:  # (before the clean build: both then build on the same history)
            default_path(seeds).unlink()
        clean = tmp_path / f"clean{number:02d}" / "out"
        full = max(first, run_build(seeds, clean, plan.gzip))
        new = snapshot(clean)
        check_valid(new, valid)
        assert new != old
        # Kill moments spread over what is left of the build: a full build the first
        # time, then what a killed build left undone plus a restart's parse and render.
        left = full
        published = 0
        for _ in range(KILLS_PER_ROUND):
            # Half of them in the second half, where the files are written.
            delay = scale * left * rng.uniform(0.05 if rng.random() < 0.5 else 0.5, 0.95)
            finished = killed_build(seeds, out, plan.gzip, delay)
            if finished is not None:
                tally.completed += 1
                scale = max(0.05, min(scale * 0.7, finished / left))
                break
            scale = min(1.0, scale * 1.1)
            old_seen, new_seen, temporaries = check_after_kill(out, old, new, valid)
            tally.kills += 1
            tally.wrote += new_seen > published or temporaries > 0
            tally.mixed += old_seen > 0 and new_seen > 0
            tally.temporaries += temporaries > 0
            published = new_seen
            left = max(left - delay, 0.0) + OVERHEAD * full
        run_build(seeds, out, plan.gzip)
        assert_same_as_clean(out, new, f"round {number} {plan}")
        old = new
    summary = tally.summary(time.monotonic() - started, first)
    print(f"\n{summary}")
    assert tally.kills >= MIN_KILLS, summary
    assert tally.wrote >= 3, summary  # kills do land while files are being written


# --- killed at a chosen moment, then the next build wants something else ----------------


def kill_when_written(argv: list[str], target: Path, timeout: float = 60) -> None:
    """Run a build and SIGKILL it the moment `target` appears in its output."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while not target.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the build ended ({process.returncode}) before "
                                   f"{target.name} was written")
            time.sleep(0.0005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    if process.returncode != -signal.SIGKILL:
        raise RuntimeError(f"the build finished before it could be killed: {argv}")


# Both failed until the build recorded the files it may create before creating any (a
# killed build's new files were in no record, so no later build removed them).


def test_a_section_added_by_a_killed_build_then_removed_leaves_nothing_behind(
        tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 1000, SECTIONS)
    out = tmp_path / "site" / "out"
    run_build(seeds, out, False)
    add_section(seeds / "aaa", 1)  # its documents sort first: written early in the build
    SeedEditor(seeds, random.Random(1)).apply("title")  # and a lot follows them
    kill_when_written(build_argv(seeds, out, False), out / "aaa.atom")
    shutil.rmtree(seeds / "aaa")
    run_build(seeds, out, False)
    clean = tmp_path / "clean" / "out"
    run_build(seeds, clean, False)
    assert_same_as_clean(out, snapshot(clean), "section added, killed, section removed")


def test_a_gzip_build_killed_then_a_build_without_gzip_leaves_no_stale_gz(
        tmp_path: Path) -> None:
    """A stale all.rss.gz beside a fresh all.rss: nginx gzip_static would serve it."""
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 1000, SECTIONS)
    out = tmp_path / "site" / "out"
    run_build(seeds, out, False)
    kill_when_written(build_argv(seeds, out, True), out / "all.atom.gz")
    SeedEditor(seeds, random.Random(1)).apply("add")
    run_build(seeds, out, False)
    clean = tmp_path / "clean" / "out"
    run_build(seeds, clean, False)
    assert_same_as_clean(out, snapshot(clean), "--gzip killed, then built without")
