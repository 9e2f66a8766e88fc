"""Static build times against Hugo, at one or more corpus sizes.

    python -m benchmarks.build N [N ...]          e.g. python -m benchmarks.build 10000 100000

For each N, generates a corpus of N entries over 10 sections (tests/gencorpus.py) and
times the `seedfeed build` command, start to exit, as Hugo is timed:
  1. a full build into an empty folder, with a new site database;
  2. a second build with nothing changed;
  3. a build after one seed file changed (an item added at its top).
Each is run --repeat times (3 by default) and the median reported, Hugo's too.
In the same run it converts the parsed entries into a Hugo site (one page per entry,
section RSS with the same entries per feed; benchmarks/hugo_site.py) and times `hugo`
building it.  Prints all times and their ratios to Hugo's build (the guardrails are
stated that way).

Both tools write under --dir, by default a folder on tmpfs (/dev/shm) when there is one:
on the machines this was written on, creating files in /tmp costs from 40 µs to 800 µs
each depending on the disk's recent history, which would measure the disk, not the tools.

The commands run with Python's bytecode cache on, as an installed seedfeed runs
(PYTHONDONTWRITEBYTECODE, if set, would compile every module on every run: 15 ms of a
build with nothing to do).  Also printed, from the same interpreter: the start-up floor
that no build can go below, Python starting and importing the command line (click
included), and that plus the parser and renderer (Jinja2, feedgen with lxml) that any
build with something to render imports, each as a share of the full build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gencorpus import write_corpus

from seedfeed.load import load_seeds

from .hugo_site import time_hugo, write_hugo_site

SUMMARY = re.compile(r"(\d+) sections, (\d+) entries: (\d+) written, (\d+) unchanged, "
                     r"(\d+) removed")


ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
FLOORS = {
    "start": "import seedfeed.cli",
    "start_render": "import seedfeed.cli, seedfeed.load, seedfeed.render.site",
}


def timed_build(seeds: Path, out: Path, state: Path) -> dict[str, float]:
    """`seedfeed build` as a user runs it: wall time from start to exit, and its summary."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds),
                             "--out", str(out), "--state", str(state)], check=True,
                            capture_output=True, text=True, timeout=3600, env=ENV)
    seconds = time.perf_counter() - started
    found = SUMMARY.search(result.stderr)
    if found is None or "error:" in result.stderr:
        raise SystemExit(f"unexpected build output:\n{result.stderr[-2000:]}")
    sections, entries, written, unchanged, removed = map(int, found.groups())
    return {"seconds": seconds, "entries": entries, "written": written,
            "unchanged": unchanged, "removed": removed}


def floor(code: str, runs: int = 15) -> float:
    """Median wall time of `python -c code`: what a build pays before it does anything."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        # (Output captured, as for the builds: without pipes to read to their end, a
        # timeout makes subprocess poll for the exit, late by up to 50 ms.)
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                       timeout=60, env=ENV)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def change_one_file(seeds: Path, serial: int) -> None:
    """Add a new dated item at the top of one seed file, as a new scrape would."""
    seed = sorted(seeds.glob("section-03/*.txt"))[0]
    text = seed.read_text(encoding="utf-8")
    seed.write_text(f"On {1 + serial} January 2025, the benchmark added new item {serial} to "
                    "this listing.\n\n" + text, encoding="utf-8")


def run_size(size: int, work: Path, repeat: int) -> dict[str, float]:
    """Each time is the median of `repeat` runs (tmpfs on a shared machine is noisy)."""
    # The floors first, while this process is small: it forks every command it times.
    floors = {name: floor(code) for name, code in FLOORS.items()}
    seeds = work / "seeds"
    write_corpus(seeds, size)
    fulls, nothings, ones = [], [], []
    for run in range(repeat):
        # A full build writes into an empty folder with a new site database every time.
        out, state = work / f"feeds{run}", work / f"site{run}.sqlite"
        fulls.append(full := timed_build(seeds, out, state))
        nothings.append(again := timed_build(seeds, out, state))
        change_one_file(seeds, run)
        ones.append(one := timed_build(seeds, out, state))
        if again["written"] or one["entries"] != full["entries"] + 1:
            raise SystemExit(f"incremental builds misbehaved: {full} {again} {one}")
        shutil.rmtree(out)
    corpus = load_seeds(seeds)
    settings = corpus.settings
    sections = {name: (settings.section(name).title, settings.section(name).description)
                for name in corpus.sections()}
    hugo_root = work / "hugo"
    write_hugo_site(hugo_root, corpus.entries, sections, settings.base_url,
                    settings.entries_per_feed)
    hugo = statistics.median(time_hugo(hugo_root) for _ in range(repeat))
    if fulls[0]["entries"] != size:
        raise SystemExit(f"expected {size} entries, got {fulls[0]}")

    def median(runs: list[dict[str, float]]) -> float:
        return statistics.median(run["seconds"] for run in runs)

    return {"full": median(fulls), "nothing": median(nothings), "one": median(ones),
            "hugo": hugo, "files": fulls[0]["written"], "one_written": ones[0]["written"],
            **floors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000])
    parser.add_argument("--dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                        help="where both tools write (default: /dev/shm when present)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement; the median is reported (default 3)")
    args = parser.parse_args()
    if shutil.which("hugo") is None:
        sys.exit("hugo is not installed (Debian package hugo)")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="seedfeed-build-", dir=args.dir) as tmp:
            r = run_size(size, Path(tmp), args.repeat)
        print(f"{size:>7} entries, {r['files']:.0f} files: full {r['full']:.2f} s, "
              f"hugo {r['hugo']:.2f} s, full/hugo {r['full'] / r['hugo']:.2f}; "
              f"nothing changed {r['nothing']:.3f} s ({r['nothing'] / r['hugo']:.3f} x hugo); "
              f"one file changed {r['one']:.3f} s ({r['one'] / r['hugo']:.3f} x hugo, "
              f"{r['one_written']:.0f} files written); median of {args.repeat}", flush=True)
        print(f"{'':>7} start-up floor: Python and the command line {r['start']:.3f} s "
              f"({r['start'] / r['full']:.1%} of full); and the parser and renderer "
              f"{r['start_render']:.3f} s ({r['start_render'] / r['full']:.1%} of full)",
              flush=True)
        print(json.dumps({size: r}))


if __name__ == "__main__":
    main()
