"""Static build times against Hugo, at one or more corpus sizes.

    python -m benchmarks.build N [N ...]          e.g. python -m benchmarks.build 10000 100000

For each N, generates a corpus of N entries over 10 sections (benchmarks/corpus.py) and,
each in a fresh child process, times `seedfeed build`:
  1. a full build into an empty folder;
  2. a second build with nothing changed;
  3. a build after one seed file changed (an item added at its top).
In the same run it converts the parsed entries into a Hugo site (one page per entry,
section RSS with the same entries per feed; benchmarks/hugo_site.py) and times `hugo`
building it.  Prints all times and the ratios: full/Hugo, nothing-changed/full and
one-file/full.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from seedfeed.load import load_seeds

from .corpus import write_corpus
from .hugo_site import time_hugo, write_hugo_site

CHILD = r"""
import json, sys, time
from pathlib import Path
from seedfeed.publish import build
started = time.perf_counter()
report, problems = build(Path(sys.argv[1]), Path(sys.argv[2]), now=time.time())
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "written": report.written,
                  "unchanged": report.unchanged, "removed": report.removed,
                  "reparsed": report.reparsed, "rendered": report.rendered,
                  "entries": report.entries, "problems": len(problems)}))
"""


def timed_build(seeds: Path, out: Path) -> dict[str, float]:
    """One `build()` in a fresh interpreter, so every run pays its imports and cache load."""
    result = subprocess.run([sys.executable, "-c", CHILD, str(seeds), str(out)], check=True,
                            capture_output=True, text=True, timeout=3600)
    return json.loads(result.stdout)


def change_one_file(seeds: Path) -> None:
    """Add a dated item at the top of one seed file, as a new scrape would."""
    seed = sorted(seeds.glob("section-03/*.txt"))[0]
    text = seed.read_text(encoding="utf-8")
    seed.write_text("On 1 January 2025, the benchmark added one new item to this listing.\n\n"
                    + text, encoding="utf-8")


def run_size(size: int, work: Path) -> dict[str, float]:
    seeds, out = work / "seeds", work / "feeds"
    write_corpus(seeds, size)
    full = timed_build(seeds, out)
    again = timed_build(seeds, out)
    change_one_file(seeds)
    one = timed_build(seeds, out)
    corpus = load_seeds(seeds)
    settings = corpus.settings
    sections = {name: (settings.section(name).title, settings.section(name).description)
                for name in corpus.sections()}
    hugo_root = work / "hugo"
    write_hugo_site(hugo_root, corpus.entries, sections, settings.base_url,
                    settings.entries_per_feed)
    hugo = time_hugo(hugo_root)
    if full["entries"] != size or full["problems"]:
        raise SystemExit(f"expected {size} entries without problems, got {full}")
    if again["written"] or one["entries"] != size + 1:
        raise SystemExit(f"incremental builds misbehaved: {again} {one}")
    return {"full": full["seconds"], "nothing": again["seconds"], "one": one["seconds"],
            "hugo": hugo, "files": full["written"], "one_written": one["written"],
            "one_rendered": one["rendered"]}


def main() -> None:
    if shutil.which("hugo") is None:
        sys.exit("hugo is not installed (Debian package hugo)")
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000]
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="seedfeed-build-") as tmp:
            r = run_size(size, Path(tmp))
        print(f"{size:>7} entries, {r['files']:.0f} files: full {r['full']:.2f} s, "
              f"hugo {r['hugo']:.2f} s, full/hugo {r['full'] / r['hugo']:.2f}; "
              f"nothing changed {r['nothing']:.3f} s ({r['nothing'] / r['full']:.1%} of full); "
              f"one file changed {r['one']:.3f} s ({r['one'] / r['full']:.1%} of full, "
              f"{r['one_rendered']:.0f} rendered, {r['one_written']:.0f} written)", flush=True)
        print(json.dumps({size: r}))


if __name__ == "__main__":
    main()
