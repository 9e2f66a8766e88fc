"""Parsing speed and memory: entries per second and peak memory, at one or more sizes.

    python -m benchmarks.parse N [N ...]        e.g. python -m benchmarks.parse 10000 100000

For each N, writes a generated corpus of N entries (benchmarks/corpus.py) and parses it in a
fresh child process on one core (`Loader.load`: discover, read, decode, parse, build
entries, merge).  Reports wall seconds, entries per second, microseconds per entry, the
child's peak memory above its memory after imports, and each size's cost per entry relative
to the first size (1.00 = perfectly linear).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from .corpus import write_corpus

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
print(json.dumps({"entries": len(corpus.entries), "problems": len(corpus.problems),
                  "seconds": seconds, "peak_kib": peak - base}))
"""


def measure(seeds: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(seeds)], check=True,
                         capture_output=True, text=True, timeout=1800).stdout
    return json.loads(out)


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
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


if __name__ == "__main__":
    main()
