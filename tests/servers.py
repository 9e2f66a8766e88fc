"""Start and stop HTTP servers on 127.0.0.1 for benchmarks and tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The server process behind each base URL yielded by running(), for callers that need to
# look at its workers (benchmarks/soak.py reads their memory).
PROCESSES: dict[str, subprocess.Popen[bytes]] = {}
GUNICORN_FLAGS = ["--worker-class", "gthread", "--no-control-socket", "--graceful-timeout", "2"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def running(argv: list[str], port: int, *, env: dict[str, str] | None = None,
            cwd: Path | None = None, probe: str = "/", timeout: float = 120.0,
            log: Path | None = None, stop: int = signal.SIGTERM) -> Iterator[str]:
    """Run a server command listening on `port`; yields its base URL, stops it after
    (with `stop`, then SIGKILL if it is still there 15 s later)."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, cwd=cwd,
                               start_new_session=True, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    PROCESSES[base] = process
    try:
        wait_until_up(base + probe, process, timeout)
        yield base
    finally:
        PROCESSES.pop(base, None)
        with_signal(process, stop)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with_signal(process, signal.SIGKILL)
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def with_signal(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


@contextmanager
def gunicorn(target: str, *, workers: int = 1, threads: int = 4, **kwargs: object
             ) -> Iterator[str]:
    """gunicorn serving a WSGI target ("module:callable") on a free port."""
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), *GUNICORN_FLAGS,
            "--log-level", "warning", target]
    with running(argv, port, **kwargs) as base:  # type: ignore[arg-type]
        yield base


@contextmanager
def seedfeed_serve(seeds: Path, *, workers: int = 1, threads: int = 4,
                   access_log: Path | None = None, options: tuple[str, ...] = (),
                   **kwargs: object) -> Iterator[str]:
    """The product's own `seedfeed serve` on a free port (`options`: more of its own)."""
    port = free_port()
    argv = [sys.executable, "-m", "seedfeed", "serve", "--seeds", str(seeds),
            "--port", str(port), "--workers", str(workers), "--threads", str(threads),
            *options]
    if access_log is not None:
        argv += ["--access-log", str(access_log)]
    with running(argv, port, **kwargs) as base:  # type: ignore[arg-type]
        yield base


def worker_pids(base: str) -> list[int]:
    """The pids of a gunicorn's worker processes (children of its master)."""
    master = PROCESSES[base].pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(pid)
