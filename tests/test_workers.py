"""Work spread over forked processes: the same results, in order, as in one process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from gencorpus import write_corpus

import seedfeed.load
import seedfeed.render.site
import seedfeed.workers
from seedfeed.publish import build
from seedfeed.workers import fork_map


def where(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


def test_results_come_back_in_order_from_other_processes() -> None:
    items = list(range(2000))
    results = fork_map(where, items, 2)
    assert [square for square, _ in results] == [item * item for item in items]
    pids = {pid for _, pid in results}
    # (one worker may take every chunk when the other is slow to start)
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_results_travel_through_the_spool_folder_given(tmp_path: Path) -> None:
    def look(item: int) -> list[str]:  # what a worker sees in the spool folder
        return [path.name for path in tmp_path.iterdir()] if item % 500 == 0 else []

    seen = [names for names in fork_map(look, list(range(2000)), 2, spool=tmp_path) if names]
    assert len(seen) == 4
    assert all(len(names) == 1 and names[0].startswith(".spool-") for names in seen)
    assert list(tmp_path.iterdir()) == []  # removed once the work is done


def test_progress_counts_every_item() -> None:
    seen: list[int] = []
    fork_map(where, list(range(1000)), 2, seen.append)
    assert seen == sorted(seen) and seen[-1] == 1000


@pytest.mark.parametrize(("items", "jobs"), [(100, 2), (2000, 1)])
def test_little_work_or_one_job_stays_in_this_process(items: int, jobs: int) -> None:
    assert {pid for _, pid in fork_map(where, list(range(items)), jobs)} == {os.getpid()}


def test_a_process_with_threads_never_forks() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert {pid for _, pid in fork_map(where, list(range(2000)), 2)} == {os.getpid()}
    finally:
        release.set()
        thread.join()


def fails(item: int) -> int:
    if item == 1500:
        raise ValueError("item 1500")
    return item


def test_an_error_in_a_worker_is_raised_here() -> None:
    with pytest.raises(ValueError, match="item 1500"):
        fork_map(fails, list(range(2000)), 2)
    assert seedfeed.workers._task is None


@pytest.mark.parametrize(("cpu_max", "cap"), [("max 100000", None), ("150000 100000", 2),
                                              ("50000 100000", 1), ("garbage", None),
                                              (None, None)])
def test_available_respects_a_container_quota(tmp_path: Path, cpu_max: str | None,
                                              cap: int | None) -> None:
    cgroup = tmp_path / "cpu.max"
    if cpu_max is not None:
        cgroup.write_text(cpu_max + "\n")
    cores = min(len(os.sched_getaffinity(0)), seedfeed.workers.MAX_JOBS)
    assert seedfeed.workers.available(cgroup) == (cores if cap is None else min(cores, cap))


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("precompress", [False, True])
def test_a_build_on_two_processes_writes_the_same_bytes(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       precompress: bool) -> None:
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 3000)
    forks: list[int] = []
    real = fork_map

    def counting(function, items, jobs, *args, **kwargs):  # type: ignore[no-untyped-def]
        forks.append(len(items))
        return real(function, items, jobs, *args, **kwargs)

    monkeypatch.setattr(seedfeed.load, "fork_map", counting)  # parsing
    monkeypatch.setattr(seedfeed.render.site, "fork_map", counting)  # rendering
    one, _ = build(seeds, tmp_path / "one", now=1e9, jobs=1, precompress=precompress)
    two, _ = build(seeds, tmp_path / "two", now=1e9, jobs=2, precompress=precompress)
    assert len(forks) == 2  # parsing (the seed files) and rendering (the pages) forked
    assert forks[0] == len(list(seeds.rglob("*.txt"))) and forks[1] > 3000
    assert (one.written, one.entries) == (two.written, two.entries) == (one.written, 3000)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert precompress == any(path.endswith(".gz") for path in tree(tmp_path / "two"))
    assert sum(p.stat().st_size for p in seeds.rglob("*.txt")) > seedfeed.load.PARALLEL_BYTES
