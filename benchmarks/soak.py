"""Soak: the app under load while another process keeps changing the seeds.

    python -m benchmarks.soak [--seconds 30] [--entries 2000] [--workers 2]

The longer run of the soak the tests make (tests/soaking.py says what it does and what
each figure must be); prints the figures and them as JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from soaking import soak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seedfeed-soak-") as tmp:
        result = soak(Path(tmp), args.seconds, args.entries, args.workers)
    before, after = sum(result.memory_before_kib), sum(result.memory_after_kib)
    settled = result.memory_settled_kib
    print(f"{result.seconds:.0f} s, {result.mutations} seed changes: {result.requests} requests,"
          f" {result.bad_responses} not 200/304, {result.socket_errors} socket errors; "
          f"{result.bodies_checked} bodies checked, {result.bodies_invalid} invalid; workers' "
          f"memory {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after "
          f"({(after - before) / before:+.1%}; {settled / 1024:.1f} MiB a third in, "
          f"{(after - settled) / settled:+.1%} since); entries lost: {result.entries_lost}, "
          f"{result.entry_dips} dips on the way")
    print(json.dumps({**asdict(result), "entries_lost": result.entries_lost,
                      "memory_settled_kib": settled}))


if __name__ == "__main__":
    main()
