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
    (XML well-formed and feedparser bozo == 0, JSON loads, HTML ends with </html>);
  - `seedfeed build` runs on the same seeds and site database every BUILD_EVERY seconds.
Reports requests, responses other than 200/304 (must be 0), bodies checked and invalid
(must be 0), dips in the entry count /healthz reports through the run (must be 0), the
workers' memory before and after (sampled through the run too: the first reloads raise
it once, by a quarter or so, then it must level off), and entries lost (the server's
entry count, once the seeds stop changing, against a fresh parse: must be equal).
"""

from __future__ import annotations

import collections
import json
import multiprocessing
import random
import re
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
from gencorpus import write_corpus
from lxml import etree
from servers import rss_kib, seedfeed_serve, worker_pids

from seedfeed.load import load_seeds

LUA = Path(__file__).resolve().parent.parent / "benchmarks" / "lua" / "rotate.lua"
MUTATION_INTERVAL = 0.1
BUILD_EVERY = 2.0  # seconds between the builds run beside the server


@dataclass
class SoakResult:
    seconds: float
    requests: int = 0
    bad_responses: int = 0
    socket_errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bodies_checked: int = 0
    bodies_invalid: int = 0
    invalid_examples: list[str] = field(default_factory=list)
    mutations: int = 0
    memory_before_kib: list[int] = field(default_factory=list)
    memory_after_kib: list[int] = field(default_factory=list)
    # (seconds into the run, all workers' resident KiB): whether memory levels off.
    memory_curve_kib: list[tuple[float, int]] = field(default_factory=list)
    entries_served: int = 0
    entries_expected: int = 0
    # /healthz polled through the run: a count that falls well below what either worker
    # served a moment before means entries vanished for a while (a seed read torn).
    entry_dips: int = 0
    entry_dip_examples: list[str] = field(default_factory=list)
    # `seedfeed build` run on the same seeds (and site database) every few seconds.
    builds: int = 0
    build_failures: list[str] = field(default_factory=list)
    # The server's last warnings and errors (its log): what a failure report shows.
    server_warnings: list[str] = field(default_factory=list)

    @property
    def entries_lost(self) -> int:
        return self.entries_expected - self.entries_served

    @property
    def memory_settled_kib(self) -> int:
        """All workers' memory a third into the run, once the first reloads are done."""
        third = [kib for t, kib in self.memory_curve_kib if t >= self.seconds / 3]
        return third[0] if third else sum(self.memory_before_kib)


def mutate(seeds: str, seconds: float, seed: int, counter: multiprocessing.Value) -> None:
    """Rewrite, add and remove seed files every 100 ms for `seconds` (a child process)."""
    rng = random.Random(seed)
    root = Path(seeds)
    sections = sorted(p for p in root.iterdir() if p.is_dir())
    added: list[Path] = []
    deadline = time.monotonic() + seconds
    serial = 0
    while time.monotonic() < deadline:
        serial += 1
        action = rng.choice(("rewrite", "add", "remove", "half"))
        day = 1 + serial % 28
        item = (f"On {day} March 2025, soak item {serial} was written by the mutator "
                f"for the load test.\n\n")
        if action == "add" or (action == "remove" and not added):
            path = rng.choice(sections) / f"soak_{serial:06d}.txt"
            path.write_text(item * 3 + f"On 1 March 2025, soak tail {serial}.\n",
                            encoding="utf-8")
            added.append(path)
        elif action == "remove":
            added.pop(rng.randrange(len(added))).unlink()
        else:
            path = rng.choice(sorted(rng.choice(sections).glob("*.txt")))
            data = item.encode() + path.read_bytes()
            if action == "half":
                with open(path, "wb") as handle:  # caught half-written, then finished
                    handle.write(data[: len(data) // 2])
                    handle.flush()
                    time.sleep(0.02)
                    handle.write(data[len(data) // 2:])
            else:
                path.write_bytes(data)
        with counter.get_lock():
            counter.value += 1
        time.sleep(MUTATION_INTERVAL)


def paths_file(base: str, work: Path) -> tuple[Path, list[str]]:
    """Every always-present document (feeds, section pages, index, OPML) with its ETag."""
    with urllib.request.urlopen(base + "/feeds.opml", timeout=10) as response:
        opml = response.read().decode()
    slugs = sorted(set(re.findall(r'xmlUrl="[^"]*/([^/"]+)\.atom"', opml)))
    paths = ["/", "/feeds.opml"] + [f"/{s}.{fmt}" for s in slugs for fmt in ("rss", "atom",
                                                                             "json")]
    paths += [f"/{s}/" for s in slugs if s != "all"]
    lines = []
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            lines.append(f"{path} {response.headers['ETag']}")
    target = work / "paths.txt"
    target.write_text("\n".join(lines) + "\n")
    return target, paths


def check_body(path: str, body: bytes, length: str | None) -> str | None:
    """Why a served body is torn or invalid, or None when it is complete and valid."""
    if length is None or int(length) != len(body):
        return f"{path}: {len(body)} bytes, Content-Length {length}"
    if path.endswith((".rss", ".atom")):
        parsed = feedparser.parse(body)
        if parsed.bozo:
            return f"{path}: feedparser bozo {parsed.get('bozo_exception')!r}"
    if path.endswith((".rss", ".atom", ".opml")):
        etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    elif path.endswith(".json"):
        json.loads(body)
    elif not body.rstrip().endswith(b"</html>"):
        return f"{path}: HTML does not end with </html>"
    return None


def sample(base: str, paths: list[str], stop: threading.Event, result: SoakResult) -> None:
    rng = random.Random(1)
    while not stop.is_set():
        path = rng.choice(paths)
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                problem = check_body(path, response.read(), response.headers["Content-Length"])
        except Exception as exc:  # noqa: BLE001 - every failure is a finding to report
            problem = f"{path}: {exc!r}"
        result.bodies_checked += 1
        if problem:
            result.bodies_invalid += 1
            if len(result.invalid_examples) < 5:
                result.invalid_examples.append(problem)
        time.sleep(0.02)


ENTRY_DIP = 25  # entries: more than a few removed soak files (4 items each) in 3 s


def watch_entries(base: str, stop: threading.Event, result: SoakResult) -> None:
    started = time.monotonic()
    recent: collections.deque[tuple[float, int]] = collections.deque()
    while not stop.wait(0.1):
        try:
            count = entries_served(base)
        except OSError:
            continue  # a failed request is counted by the sampler and wrk
        now = time.monotonic()
        while recent and recent[0][0] < now - 3:
            recent.popleft()
        high = max((n for _, n in recent), default=count)
        if count < high - ENTRY_DIP:
            result.entry_dips += 1
            if len(result.entry_dip_examples) < 5:
                result.entry_dip_examples.append(
                    f"{now - started:.1f} s: {count} entries, {high} a moment before")
        recent.append((now, count))


def watch_memory(pids: list[int], stop: threading.Event, result: SoakResult) -> None:
    started = time.monotonic()
    every = max(1.0, result.seconds / 12)
    while not stop.wait(every):
        try:
            total = sum(rss_kib(pid) for pid in pids)
        except (OSError, LookupError):  # a worker gone: the after reading says so
            continue
        result.memory_curve_kib.append((round(time.monotonic() - started, 1), total))


def run_wrk(url: str, seconds: float, paths: Path, result: SoakResult) -> None:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", "16", "-d", f"{int(seconds)}s", "--timeout", "5s",
         "-s", str(LUA), url, "--", str(paths)],
        check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    summary = re.search(r"SOAK requests=(\d+) bad=(\d+) socket_errors=(\d+)", out)
    if summary is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    result.requests, result.bad_responses, result.socket_errors = map(int, summary.groups())
    result.statuses = {code: int(n) for code, n in re.findall(r"SOAK status (\d+) (\d+)", out)}


def build_now_and_then(seeds: Path, out: Path, stop: threading.Event,
                       result: SoakResult) -> None:
    """Run `seedfeed build` on the server's seeds every BUILD_EVERY seconds: it shares the
    server's site database, so neither may fail or wait for long on the other."""
    while not stop.wait(BUILD_EVERY):
        done = subprocess.run([sys.executable, "-m", "seedfeed", "build", "--seeds",
                               str(seeds), "--out", str(out)], capture_output=True,
                              text=True, timeout=120, check=False)
        result.builds += 1
        if done.returncode != 0 or "Traceback" in done.stderr or "locked" in done.stderr:
            result.build_failures.append(done.stderr[-500:])


def entries_served(base: str) -> int:
    with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
        return json.loads(response.read())["entries"]


def soak(work: Path, seconds: float = 30, entries: int = 2000, workers: int = 2) -> SoakResult:
    seeds = work / "seeds"
    write_corpus(seeds, entries)
    result = SoakResult(seconds=seconds)
    env = {"SEEDFEED_RELOAD_INTERVAL": "0.5"}
    with seedfeed_serve(seeds, workers=workers, env=env, timeout=300,
                        log=work / "server.log") as base:
        paths, path_list = paths_file(base, work)
        for _ in worker_pids(base):  # warm every worker before the first reading
            for path in path_list:
                urllib.request.urlopen(base + path, timeout=10).close()
        result.memory_before_kib = [rss_kib(pid) for pid in worker_pids(base)]
        result.memory_curve_kib.append((0.0, sum(result.memory_before_kib)))
        counter = multiprocessing.Value("i", 0)
        mutator = multiprocessing.get_context("fork").Process(
            target=mutate, args=(str(seeds), seconds, 7, counter))
        stop = threading.Event()
        sampler = threading.Thread(target=sample, args=(base, path_list, stop, result))
        watchers = [threading.Thread(target=watch_memory, args=(worker_pids(base), stop, result)),
                    threading.Thread(target=watch_entries, args=(base, stop, result)),
                    threading.Thread(target=build_now_and_then,
                                     args=(seeds, work / "built", stop, result))]
        mutator.start()
        sampler.start()
        for watcher in watchers:
            watcher.start()
        try:
            run_wrk(base + "/", seconds, paths, result)
        finally:
            stop.set()
            sampler.join()
            for watcher in watchers:
                watcher.join()
            mutator.join(timeout=seconds + 30)
        result.mutations = counter.value
        result.entries_expected = len(load_seeds(seeds).entries)
        deadline = time.monotonic() + 30  # the seeds are still now: wait for the reload
        while time.monotonic() < deadline:
            counts = {entries_served(base) for _ in range(4 * workers)}
            if counts == {result.entries_expected}:
                break
            time.sleep(0.25)
        result.entries_served = min(counts)
        result.memory_after_kib = [rss_kib(pid) for pid in worker_pids(base)]
    result.server_warnings = [line for line in (work / "server.log").read_text(
        encoding="utf-8", errors="replace").splitlines() if any(mark in line for mark in (
            ": warning: ", ": error: ", "no longer published", "last good content",
            "Traceback", "[ERROR]"))][-20:]
    return result
