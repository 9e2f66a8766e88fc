"""Soak: the app under load while another process keeps changing the seeds.

    python -m benchmarks.soak [--seconds 30] [--entries 2000] [--workers 2]

Starts `seedfeed serve` (gunicorn, several gthread workers, reloading every 0.5 s) on
127.0.0.1 over a generated corpus, then for the given time, all at once:
  - wrk loads it over every feed, section page, the index and the OPML (a validator on
    every other request, gzip on every third, a new connection after every 16th: kept
    alive, all of them may sit on one worker);
  - another process rewrites, adds and removes seed files every 100 ms, some of them
    written in two halves so that the server can catch them half-written;
  - a sampler fetches documents and checks each body complete (Content-Length) and valid
    (XML well-formed and feedparser bozo == 0, JSON loads, HTML ends with </html>).
Reports requests, responses other than 200/304 (must be 0), bodies checked and invalid
(must be 0), dips in the entry count /healthz reports through the run (must be 0), the
workers' memory before and after (sampled through the run too: the first reloads raise
it once, by a quarter or so, then it must level off), and entries lost (the server's
entry count, once the seeds stop changing, against a fresh parse: must be equal).
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
