"""A build's CPU work (parsing seeds, rendering pages) spread over forked processes.

Only `seedfeed build` asks for more than one process: it is a short-lived command with no
threads of its own.  The server never does (it renders in a thread, and forking a
threaded process is unsafe), so a server's output never depends on this module.  The
work reaches the workers by fork, not by pickling; only the results travel back, in
order, so the outcome is the same as doing the work in one process.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Below this many items (pages) a pool costs more than it saves: forking a large process
# takes milliseconds, and each result is pickled back.
MIN_ITEMS = 512

_task: tuple[Callable[[Any], Any], Sequence[Any], str] | None = None


MAX_JOBS = 8  # more cost memory (each a copy of a large process) for little more speed


def available(cgroup: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The processes a build may use by default: the cores this process may run on, as
    far as its scheduler affinity and its container's CPU quota allow, at most MAX_JOBS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = cgroup.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota to respect
    return max(1, min(cores, MAX_JOBS))


def fork_map(function: Callable[[Any], Any], items: Sequence[Any], jobs: int,
             on_progress: Callable[[int], None] | None = None,
             min_items: int = MIN_ITEMS, chunks_per_job: int = 4,
             spool: Path | None = None) -> list[Any]:
    """[function(item) for item in items], on up to `jobs` forked processes.

    Serial when one process is asked for, when there are fewer than `min_items` items,
    where fork is missing, or when this process has threads (a forked copy of a threaded
    process can deadlock).  `on_progress` gets how many items are done, as chunks complete.
    Items are cut into `chunks_per_job` runs per process: more even out the processes'
    loads, fewer keep neighbouring items (which read the same data) in one process.
    Results come back through files in a temporary folder made in `spool` (the system's
    temporary folder by default): a build puts it among its own records, so that the
    next build removes what a killed one left there.
    """
    results: list[Any] = []
    if jobs <= 1 or len(items) < min_items or not _can_fork():
        for item in items:
            results.append(function(item))
            if on_progress is not None:
                on_progress(len(results))
        return results
    import multiprocessing
    import tempfile

    global _task
    size = max(1, -(-len(items) // (jobs * chunks_per_job)))
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    if spool is not None:
        spool.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".spool-", dir=spool) as folder:
        _task = (function, items, folder)
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for path in pool.imap(_run_chunk, chunks):
                    with open(path, "rb") as handle:
                        results.extend(pickle.load(handle))
                    os.unlink(path)
                    if on_progress is not None:
                        on_progress(len(results))
        finally:
            _task = None
    return results


def _can_fork() -> bool:
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    import multiprocessing  # (imported here: a build with little to do never needs it)

    return "fork" in multiprocessing.get_all_start_methods()


def _run_chunk(bounds: tuple[int, int]) -> str:
    """Do a chunk of the work; its results go back through a file, not the pool's pipe.

    A pipe moves tens of megabytes of pages (a build's results) several times slower
    than a file in the page cache does.
    """
    assert _task is not None, "a worker runs only in a process forked by fork_map"
    function, items, spool = _task
    path = os.path.join(spool, f"{bounds[0]}.pickle")
    with open(path, "wb") as handle:
        pickle.dump([function(items[index]) for index in range(*bounds)], handle,
                    pickle.HIGHEST_PROTOCOL)
    return path
