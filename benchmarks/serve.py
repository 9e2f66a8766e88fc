"""Requests per second: the seedfeed app vs a bare WSGI callable, both under gunicorn.

    python -m benchmarks.serve [--seconds 5] [--sizes 100,100000]

For each corpus size, builds a seeds folder, starts `seedfeed serve` (one gthread worker)
on 127.0.0.1 and, in the same run, gunicorn serving the very same bytes from a bare WSGI
callable (benchmarks/bare.py) and from the obvious Flask view with make_conditional
(benchmarks/naive.py); loads each in turn with wrk for 200s (no validators) and 304s
(If-None-Match), alternating rounds and keeping each server's best, and prints the rates,
the ratios to the bare callable and the rate at the largest corpus relative to the
smallest.  Traffic goes only to 127.0.0.1; every wrk run is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from gencorpus import write_corpus
from servers import gunicorn, seedfeed_serve

DOCUMENT = "/all.atom"
WRK_THREADS = 1
WRK_CONNECTIONS = 8


def wrk(url: str, seconds: int, headers: dict[str, str]) -> tuple[float, int, int]:
    """Requests/s, total requests and non-2xx/3xx responses of one bounded wrk run."""
    argv = ["wrk", "-t", str(WRK_THREADS), "-c", str(WRK_CONNECTIONS), "-d", f"{seconds}s",
            "--timeout", "5s", "--latency"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run([*argv, url], check=True, capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, total, int(bad.group(1)) if bad else 0


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), dict(response.headers)


def measure(base: str, seconds: int, etag: str) -> dict[str, float]:
    url = base + DOCUMENT
    wrk(url, 1, {})  # warm up
    ok_rate, _, ok_bad = wrk(url, seconds, {})
    nm_rate, _, nm_bad = wrk(url, seconds, {"If-None-Match": etag})
    if ok_bad or nm_bad:
        raise RuntimeError(f"{base}: {ok_bad + nm_bad} error responses under load")
    return {"200": ok_rate, "304": nm_rate}


def run_size(entries: int, seconds: int, rounds: int, work: Path
             ) -> dict[str, dict[str, float]]:
    """Best of `rounds` alternating runs for the app, the bare callable and naive Flask."""
    seeds = work / f"seeds-{entries}"
    write_corpus(seeds, entries)
    root = Path(__file__).parent.parent
    best: dict[str, dict[str, float]] = {}
    with seedfeed_serve(seeds, workers=1, timeout=900) as app_base:
        body, headers = fetch(app_base + DOCUMENT)
        etag = headers["ETag"]
        body_file = work / "body"
        body_file.write_bytes(body)
        env = {"BARE_BODY_FILE": str(body_file), "BARE_ETAG": etag,
               "BARE_CONTENT_TYPE": headers["Content-Type"]}
        with gunicorn("benchmarks.bare:app", env=env, cwd=root) as bare_base, \
                gunicorn("benchmarks.naive:app", env=env, cwd=root) as naive_base:
            for _ in range(rounds):
                for name, base in (("app", app_base), ("bare", bare_base),
                                   ("naive", naive_base)):
                    rates = measure(base, seconds, etag)
                    kept = best.setdefault(name, rates)
                    for kind, rate in rates.items():
                        kept[kind] = max(kept[kind], rate)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--sizes", default="100,100000", help="corpus sizes in entries")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (best kept)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk)")
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="seedfeed-serve-") as tmp:
        for size in sizes:
            results[size] = run_size(size, args.seconds, args.rounds, Path(tmp))
            app, bare, naive = (results[size][name] for name in ("app", "bare", "naive"))
            for kind in ("200", "304"):
                print(f"{size:>7} entries, {kind}s: app {app[kind]:7.0f}/s  bare "
                      f"{bare[kind]:7.0f}/s  naive Flask {naive[kind]:7.0f}/s  "
                      f"app/bare {app[kind] / bare[kind]:.2f}  "
                      f"naive/bare {naive[kind] / bare[kind]:.2f}", flush=True)
    small, large = results[sizes[0]]["app"], results[sizes[-1]]["app"]
    print(f"app at {sizes[-1]} vs {sizes[0]} entries: 200s {large['200'] / small['200']:.2f}, "
          f"304s {large['304'] / small['304']:.2f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
