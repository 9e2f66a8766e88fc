"""Write a rendered site to a folder as static files, touching only what changed.

Every file is written to a temporary file in its own folder and renamed into place, so
a reader (or a build killed halfway) only ever sees a complete old or new file.  A file
whose bytes would not change is not written, and each file's mtime is when its content
last changed, so rsync, CDNs and a static server's Last-Modified see only real changes.

A small state file beside the output remembers the seeds' signatures, what was rendered
from what, and the size and mtime of every file written.  It is safe to delete: the next
build is then a full one, and still rewrites nothing that is already right.  It is also
what says which files are ours to remove: a build never deletes a file it did not write.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import pickle
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .load import Loader
from .render.site import Document, RenderedSite, render_site

STATE_VERSION = 3
_TEMPORARY = re.compile(r"\..+\.sf\d+\.tmp")  # atomic_write's: .<name>.sf<pid>.tmp
_ENTRY_PAGE = re.compile(r"[^./][^/]*/\d{4}-\d\d-\d\d-[0-9a-f]{10}\.html(?:\.gz)?")
GZIP_MIN_BYTES = 256


@dataclass
class Report:
    sections: int = 0
    entries: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    reparsed: int = 0
    rendered: int = 0


@dataclass
class State:
    """What the previous build knew; see the module docstring."""

    loader: object = None
    documents: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    keys: dict[str, object] = field(default_factory=dict)
    settings: object = None
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> size, mtime_ns


def state_path(out: Path) -> Path:
    out = out.resolve()
    return out.parent / f".{out.name}.seedfeed-cache"


def read_state(out: Path) -> State:
    try:
        version, state = pickle.loads(state_path(out).read_bytes())
    except Exception:  # noqa: BLE001 - no cache, or a damaged one: build in full
        return State()
    return state if version == STATE_VERSION and isinstance(state, State) else State()


def write_state(out: Path, state: State) -> None:
    atomic_write(state_path(out), pickle.dumps((STATE_VERSION, state), protocol=5), None)


def atomic_write(path: Path, body: bytes, mtime: int | None) -> tuple[int, int]:
    """Write via a temporary file in the same folder and a rename: never a torn file.

    Returns the file's (size, mtime_ns).  The temporary name is derived from the process
    id instead of drawn at random: a build runs once per output folder at a time, and
    mkstemp's retries cost as much as the write itself.
    """
    tmp = path.with_name(f".{path.name}.sf{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
            if mtime is not None:
                os.utime(fd, (mtime, mtime))
            info = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return info.st_size, info.st_mtime_ns


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def gzip_body(body: bytes) -> bytes:
    """Precompressed bytes, deterministic (no name, no timestamp in the header)."""
    return gzip.compress(body, compresslevel=9, mtime=0)


def build(seeds: Path, out: Path, *, now: float, base_url: str | None = None,
          precompress: bool = False,
          on_progress: Callable[[str, int, int], None] | None = None) -> tuple[Report, list]:
    """Parse, render and publish; returns the report and the problems found in the seeds."""
    state = read_state(out)
    loader = Loader(seeds, base_url=base_url,
                    on_progress=(lambda d, t: on_progress("parse", d, t)) if on_progress
                    else None)
    loader.restore_state(state.loader)
    corpus = loader.load(now=now)
    damaged = {path for path, signature in state.files.items()
               if _signature(out / path) != signature}
    damaged |= {path.removesuffix(".gz") for path in damaged if path.endswith(".gz")}
    if precompress:
        # A document big enough for a .gz that has none yet (the previous build ran
        # without --gzip) must be rendered again: a reused document carries no bytes.
        damaged |= {path for path, (size, _) in state.files.items()
                    if not path.endswith(".gz") and size >= GZIP_MIN_BYTES
                    and path + ".gz" not in state.files}
    previous = RenderedSite(settings=state.settings)
    for path, (media_type, last_modified, digest) in state.documents.items():
        if path not in damaged:
            previous.documents[path] = Document(path, b"", media_type, last_modified, digest)
            previous.keys[path] = state.keys.get(path)
    site = render_site(corpus, previous, (lambda d, t: on_progress("render", d, t))
                       if on_progress else None)
    report = Report(sections=len(corpus.sections()), entries=len(corpus.entries),
                    reparsed=loader.reparsed, rendered=site.rendered)
    files: dict[str, tuple[int, int]] = {}
    wanted: dict[str, tuple[Document, bytes | None]] = {}
    for path, document in site.documents.items():
        wanted[path] = (document, None)
        # A reused document has no bytes at hand: it keeps the .gz it had.
        zipped = (len(document.body) >= GZIP_MIN_BYTES if document.body
                  else (path + ".gz") in state.files)
        if precompress and zipped:
            wanted[path + ".gz"] = (document, b"gz")
    total = len(wanted)
    for done, (path, (document, variant)) in enumerate(sorted(wanted.items()), start=1):
        target = out / path
        reused = previous.documents.get(path) is document
        if reused and path in state.files and path not in damaged:
            report.unchanged += 1
            files[path] = state.files[path]
            continue
        if not document.body and path in state.files and path not in damaged:
            # Same bytes as the file on disk (it was not re-rendered): only its time moved.
            os.utime(target, (document.last_modified, document.last_modified))
            report.unchanged += 1
            files[path] = _signature(target)  # type: ignore[assignment]
            continue
        body = document.body if variant is None else gzip_body(document.body)
        if _same_file(target, body):
            report.unchanged += 1
            if int(target.stat().st_mtime) != document.last_modified:
                os.utime(target, (document.last_modified, document.last_modified))
            files[path] = _signature(target)  # type: ignore[assignment]
        else:
            files[path] = atomic_write(target, body, document.last_modified)
            report.written += 1
        if on_progress is not None and done % 256 == 0:
            on_progress("write", done, total)
    report.removed = remove_stale(out, set(wanted), state.files)
    write_state(out, State(
        loader=loader.state(),
        documents={path: (d.media_type, d.last_modified, d.digest)
                   for path, d in site.documents.items()},
        keys=site.keys, settings=site.settings, files=files,
    ))
    return report, list(corpus.problems)


def _same_file(path: Path, body: bytes) -> bool:
    try:
        if path.stat().st_size != len(body):
            return False
        return path.read_bytes() == body
    except OSError:
        return False


def remove_stale(out: Path, wanted: set[str], owned: Iterable[str] = ()) -> int:
    """Delete files of ours that the site no longer has, and leftover temporary files.

    Ours are the files the previous build wrote (`owned`, from the state) and files named
    like entry pages: nothing else is touched, so the folder may hold other files (a
    robots.txt, a 404 page) and an --out pointed at the wrong folder never empties it.
    Only the root and its section folders are looked at: the layout is never deeper.
    """
    if not out.is_dir():
        return 0
    candidates = set(owned)
    for folder in [out, *(p for p in out.iterdir() if p.is_dir() and not p.is_symlink()
                          and not p.name.startswith("."))]:
        for child in folder.iterdir():
            rel = child.relative_to(out).as_posix()
            if _TEMPORARY.fullmatch(child.name) and child.is_file():
                child.unlink()  # a build killed between write and rename
            elif _ENTRY_PAGE.fullmatch(rel):
                candidates.add(rel)
    removed = 0
    for rel in sorted(candidates - wanted):
        path = out / rel
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed += 1
        folder = path.parent
        if folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return removed
