"""Parsing speed and memory: entries per second and peak memory, at one or more sizes.

    python -m benchmarks.parse N [N ...] [--baseline CHECKOUT]
        e.g. python -m benchmarks.parse 10000 100000 --baseline /tmp/seedfeed-main

With --baseline, each corpus is parsed also by the seedfeed package of another checkout
(an older commit, in a `git worktree`), in the same run, and the ratio of the two costs
per entry is printed.

For each N, writes a generated corpus of N entries (tests/gencorpus.py) and parses it in a
fresh child process on one core (`Loader.load`: discover, read, decode, parse, build
entries, merge).  Reports wall seconds, entries per second, microseconds per entry, the
child's peak memory above its memory after imports, and each size's cost per entry relative
to the first size (1.00 = perfectly linear).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gencorpus import write_corpus

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
from seedfeed.load import Loader
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
corpus = Loader(Path(sys.argv[1])).load()
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
serious = [p for p in corpus.problems if p.level.value in ("warning", "error")]
print(json.dumps({"entries": len(corpus.entries), "problems": len(serious),
                  "seconds": seconds, "peak_kib": peak - base}))
"""


def measure(seeds: Path, checkout: Path | None = None) -> dict[str, float]:
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    out = subprocess.run([sys.executable, "-c", CHILD, str(seeds)], check=True, env=env,
                         capture_output=True, text=True, timeout=1800,
                         cwd=checkout or Path.cwd()).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000],
                        help="corpus sizes in entries (default 10000 100000)")
    parser.add_argument("--baseline", type=Path,
                        help="another checkout (e.g. a git worktree) to parse the same "
                        "corpora with, in the same run")
    args = parser.parse_args()
    baseline = args.baseline.resolve() if args.baseline else None
    sizes = args.sizes
    first_cost = None
    with tempfile.TemporaryDirectory(prefix="seedfeed-parse-") as tmp:
        for size in sizes:
            seeds = Path(tmp, f"seeds-{size}")
            counts = write_corpus(seeds, size)
            result = measure(seeds)
            if result["entries"] != size or result["problems"]:
                sys.exit(f"expected {size} entries and no problems, got {result}")
            cost = result["seconds"] / size
            first_cost = first_cost or cost
            print(f"{size:>8} entries ({counts['bytes'] / 1e6:6.1f} MB, {counts['files']} files): "
                  f"{result['seconds']:6.2f} s  {size / result['seconds']:9.0f} entries/s  "
                  f"{cost * 1e6:5.1f} us/entry  peak +{result['peak_kib'] / 1024:6.1f} MiB  "
                  f"cost/entry vs {sizes[0]}: {cost / first_cost:.2f}", flush=True)
            if baseline is not None:
                old = measure(seeds, baseline)
                print(f"{'':>8} baseline {baseline.name}: {old['seconds']:6.2f} s  "
                      f"{size / old['seconds']:9.0f} entries/s; this code costs "
                      f"{result['seconds'] / old['seconds']:.2f}x the baseline per entry",
                      flush=True)


if __name__ == "__main__":
    main()
