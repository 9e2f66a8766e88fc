"""Write a rendered site to a folder as static files, touching only what changed.

Every file is written to a temporary file in its own folder and renamed into place, so
a reader (or a build killed halfway) only ever sees a complete old or new file.  A file
whose bytes would not change is not written, and each file's mtime is when its content
last changed, so rsync, CDNs and a static server's Last-Modified see only real changes.

Two small files and a folder beside the output remember the previous build.  The stamp
holds the signature of every input (the seeds folder's files and folders, the options)
and the size and mtime of every file written: when nothing changed, comparing it with the
disk is the whole build, done before the parser and renderer are even imported.  The cache
holds what was parsed from each seed (each entry's id, slug, day and fingerprint; the
entries themselves are in the folder, one file per seed, read only when needed) and what
each document was rendered from, so that a change re-parses only its files and
re-renders only the documents it affects.  All are safe to delete: the next build is then
a full one, and still rewrites nothing that is already right.  The stamp is also what
says which files are ours to remove: a build never deletes a file it did not write.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .compress import GZIP_MIN_BYTES, gzip_body
from .files import atomic_write
from .model import Problem, content_hash, racy
from .workers import available

if TYPE_CHECKING:
    from .ledger import Ledger
    from .render.site import Document

STATE_VERSION = 15
_TEMPORARY = re.compile(r"\..+\.sf\d+\.tmp")  # atomic_write's: .<name>.sf<pid>.tmp
_ENTRY_PAGE = re.compile(r"[^./][^/]*/\d{4}-\d\d-\d\d-[0-9a-f]{10}\.html(?:\.gz)?")
_UNWRITTEN = (-1, -1)  # a stamp's signature for a file a killed build may have written


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
class Stamp:
    """The inputs and outputs of the previous build, checked before anything is parsed."""

    inputs: tuple[object, ...] = ()
    built_at: float = 0.0
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> size, mtime_ns
    sections: int = 0
    entries: int = 0
    complete: bool = False  # False while a build runs: a kill leaves it so
    racy: dict[str, str] = field(default_factory=dict)  # young seed path -> content hash
    problems: tuple[object, ...] = ()  # printed again by a build that has nothing to do


@dataclass
class Cache:
    """What the previous build parsed and rendered; see the module docstring."""

    loader: object = None
    # path -> media type, last modified, digest, and the key it was rendered from
    documents: dict[str, tuple[str, int, str, object]] = field(default_factory=dict)
    memo: Mapping[bytes, object] = field(default_factory=dict)
    slugs: tuple[tuple[str, ...], dict[str, str]] = ((), {})
    sections: Mapping[str, object] = field(default_factory=dict)  # RenderedSite.sections_rendered
    settings: object = None
    renderer: object = None  # renderer_fingerprint() of the seedfeed that wrote it

    def __getstate__(self) -> dict[str, bytes]:
        # Each part pickled on its own: one pickle of everything keeps every object of
        # every part in one memo, and reads back a third slower than the parts do.
        return {name: pickle.dumps(value, protocol=5) for name, value in vars(self).items()}

    def __setstate__(self, state: dict[str, bytes]) -> None:
        self.__init__()  # type: ignore[misc]
        for name, blob in state.items():
            if name in vars(self):
                setattr(self, name, pickle.loads(blob))


def state_path(out: Path) -> Path:
    """The build cache beside the output folder (the stamp sits next to it)."""
    out = out.resolve()
    return out.parent / f".{out.name}.seedfeed-cache"


def store_path(out: Path) -> Path:
    """The folder of the cache's entries (see load.EntryStore), beside the cache."""
    out = out.resolve()
    return out.parent / f".{out.name}.seedfeed-entries"


def stamp_path(out: Path) -> Path:
    return state_path(out).with_name(state_path(out).name + "-stamp")


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Cyclic garbage collection paused (see build)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(path: Path, kind: type) -> object:
    try:
        version, value = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - none yet, or a damaged one: build in full
        return kind()
    return value if version == STATE_VERSION and isinstance(value, kind) else kind()


def _write(path: Path, value: object) -> None:
    atomic_write(path, pickle.dumps((STATE_VERSION, value), protocol=5), None)


def input_signature(seeds: Path, options: tuple[object, ...]
                    ) -> tuple[tuple[object, ...], dict[str, float]]:
    """Every file and folder under the seeds folder with its size, mtime and inode.

    Any change to the seeds (an edit, a new or removed file, site.toml) changes it; so may
    harmless ones (an editor's backup file), which only cost a normal build.  Also returns
    each file's mtime, for the racy-mtime check.
    """
    found: list[object] = [options]
    mtimes: dict[str, float] = {}
    pending = [str(seeds)]
    while pending:
        folder = pending.pop()
        try:
            info = os.stat(folder)
            entries = sorted(os.scandir(folder), key=lambda item: item.name)
        except OSError:
            found.append((folder, None))
            continue
        found.append((folder, info.st_mtime_ns))
        for item in entries:
            if item.name.startswith("."):
                continue
            if item.is_dir(follow_symlinks=False):
                pending.append(item.path)
                continue
            stat_ = item.stat(follow_symlinks=False)
            found.append((item.path, stat_.st_size, stat_.st_mtime_ns, stat_.st_ino,
                          stat_.st_mode))
            if stat.S_ISREG(stat_.st_mode):  # never open a FIFO or device: it may block
                mtimes[item.path] = stat_.st_mtime
    return tuple(found), mtimes


def _racy(mtimes: dict[str, float], built_at: float) -> list[str]:
    """Files modified so close to a build's start that their mtime may hide a change."""
    return [path for path, mtime in mtimes.items() if racy(mtime, built_at)]


def _hashes(paths: list[str]) -> dict[str, str]:
    """Content hashes of regular files; anything else (it may have become a FIFO) is ""."""
    found = {}
    for path in paths:
        found[path] = ""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as handle:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                found[path] = content_hash(handle.read())
    return found


def renderer_fingerprint() -> tuple[object, ...]:
    """What identifies this version of seedfeed: its files' names, sizes and mtimes.

    Part of the inputs of every build: an upgrade (or an edited template) must re-render
    what the cache would otherwise reuse.  Stat calls only, a few dozen of them.
    """
    package = Path(__file__).parent
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".html", ".css")):
                info = os.stat(os.path.join(folder, name))
                found.append((os.path.relpath(os.path.join(folder, name), package),
                              info.st_size, info.st_mtime_ns))
    return tuple(found)


def _outputs_intact(out: Path, files: dict[str, tuple[int, int]]) -> bool:
    root = str(out) + os.sep
    for path, signature in files.items():
        try:
            info = os.stat(root + path)
        except OSError:
            return False
        if (info.st_size, info.st_mtime_ns) != signature:
            return False
    return True


def build(seeds: Path, out: Path, *, now: float, base_url: str | None = None,
          precompress: bool = False,
          on_progress: Callable[[str, int, int], None] | None = None,
          jobs: int = 1, state: Path | None = None) -> tuple[Report, list[Problem]]:
    """Parse, render and publish; returns the report and the problems found in the seeds.

    `jobs`: processes to parse and render with (0: one per available core).  `state`:
    the site database (ledger.Ledger; default beside the seeds, ledger.default_path).
    """
    # A build makes millions of objects and frees them by reference counting; cycles are
    # next to none (a 100k-entry build peaks lower without the collector), and the
    # collector going over everything read, parsed and rendered, again and again, cost a
    # tenth of a full build and a third of a small one.
    with _no_gc():
        inputs, mtimes = input_signature(seeds, (base_url, precompress,
                                                 renderer_fingerprint()))
        stamp = _read(stamp_path(out), Stamp)
        assert isinstance(stamp, Stamp)
        if (stamp.complete and stamp.inputs == inputs and state_path(out).exists()
                and _hashes(_racy(mtimes, stamp.built_at)) == stamp.racy
                and _outputs_intact(out, stamp.files)):
            # Nothing changed since a complete build: no need to parse or render anything.
            return Report(sections=stamp.sections, entries=stamp.entries,
                          unchanged=len(stamp.files)), cast("list[Problem]",
                                                            list(stamp.problems))
        from .ledger import Ledger, default_path

        ledger = Ledger(state or default_path(seeds))
        try:
            return _build(seeds, out, now=now, base_url=base_url, precompress=precompress,
                          on_progress=on_progress, stamp=stamp, inputs=inputs,
                          mtimes=mtimes, jobs=jobs or available(), ledger=ledger)
        finally:
            ledger.close()


def _build(seeds: Path, out: Path, *, now: float, base_url: str | None, precompress: bool,
           on_progress: Callable[[str, int, int], None] | None, stamp: Stamp,
           inputs: tuple[object, ...], mtimes: dict[str, float], jobs: int,
           ledger: Ledger) -> tuple[Report, list[Problem]]:
    from .load import EntryStore, Loader, StoreDamaged
    from .render.site import Document, RenderedSite, oversized_feeds, render_site

    def stage(name: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: on_progress(name, done, total)) if on_progress else None

    # Hashed before anything is read: whatever changes from here on shows as a difference.
    racy = _hashes(_racy(mtimes, now))
    cache = _read(state_path(out), Cache)
    assert isinstance(cache, Cache)
    renderer = inputs[0][2]  # type: ignore[index]
    if cache.renderer != renderer:
        cache = Cache(renderer=renderer)  # another seedfeed: parse and render everything
    interrupted = not stamp.complete and bool(stamp.files)
    store = EntryStore(store_path(out))

    def new_loader() -> Loader:
        return Loader(seeds, base_url=base_url, on_progress=stage("parse"), jobs=jobs,
                      store=store)

    loader = new_loader()
    loader.restore_state(cache.loader, store)
    try:
        corpus = ledger.reconcile(loader.load(now=now), now)
    except StoreDamaged:  # (the ledger reads the cache's entries of changed items)
        store.keep_only(set())
        loader = new_loader()
        corpus = ledger.reconcile(loader.load(now=now), now)
    root = str(out) + os.sep
    damaged = {path for path, signature in stamp.files.items()
               if _signature(root + path) != signature}
    damaged |= {path.removesuffix(".gz") for path in damaged if path.endswith(".gz")}
    if precompress:
        # A document big enough for a .gz that has none yet (the previous build ran
        # without --gzip) must be rendered again: a reused document carries no bytes.
        damaged |= {path for path, (size, _) in stamp.files.items()
                    if not path.endswith(".gz") and size >= GZIP_MIN_BYTES
                    and path + ".gz" not in stamp.files}
    previous = RenderedSite(
        settings=cache.settings, memo=cache.memo, slugs=cache.slugs,  # type: ignore[arg-type]
        sections_rendered=cache.sections)  # type: ignore[arg-type]
    for path, (media_type, last_modified, digest, key) in cache.documents.items():
        if path in stamp.files and path not in damaged:
            previous.documents[path] = Document(path, b"", media_type, last_modified, digest)
            previous.keys[path] = key
    record = _Record(stamp_path(out), stamp)
    placer = _Placer(root, record, precompress)
    try:
        site = render_site(corpus, previous, stage("render"), jobs, store.folder, placer)
    except StoreDamaged:
        # The cache's entries are gone or damaged: parse and render without the cache.
        store.keep_only(set())
        loader = new_loader()
        corpus = ledger.reconcile(loader.load(now=now), now)
        site = render_site(corpus, RenderedSite(), stage("render"), jobs, store.folder,
                           placer)
    report = Report(sections=len(corpus.sections()), entries=len(corpus.order),
                    reparsed=loader.reparsed, rendered=site.rendered)
    dates = ledger.date(((path, document.digest, document.last_modified)
                         for path, document in site.documents.items()),
                        corpus.settings.base_url)
    placed: dict[str, tuple[tuple[int, int], bool] | None] = {}
    for places in site.placed.values():
        placed.update(places)  # type: ignore[call-overload]
    wanted: dict[str, tuple[Document, bool]] = {
        path: (document, False) for path, document in site.documents.items()}
    if precompress:
        for path, document in site.documents.items():
            # A reused document has no bytes at hand: it keeps the .gz it had.
            twin = path + ".gz"
            if (placed[twin] is not None if twin in placed
                    else len(document.body) >= GZIP_MIN_BYTES if document.body
                    else twin in stamp.files):
                wanted[twin] = (document, True)
    # From here on a kill must leave a stamp that says a build was interrupted and that
    # owns every file this build may create (see _Record); placed files already are.
    record.before_writing(wanted)
    for folder in {path.rpartition("/")[0] for path in wanted}:
        os.makedirs(root + folder, exist_ok=True)
    files: dict[str, tuple[int, int]] = {}
    progress = stage("write")
    total = len(wanted)
    for done, (path, (document, zipped)) in enumerate(sorted(wanted.items()), start=1):
        if progress is not None and done % 256 == 0:
            progress(done, total)
        target = root + path
        done_already = placed.get(path)
        mtime = dates[document.path]  # (the ledger's: when these bytes were first made)
        if done_already is not None:  # written (or found right) by the render workers
            files[path], written = _dated(target, done_already[0], mtime), done_already[1]
        elif ((known := stamp.files.get(path)) is not None and not document.body
              and path not in damaged):
            # Not re-rendered (reused documents carry no bytes): the file already holds them.
            files[path], written = _dated(target, known, mtime), False
        else:
            files[path], written = _place(target, gzip_body(document.body) if zipped
                                          else document.body, mtime)
        if written:
            report.written += 1
        else:
            report.unchanged += 1
    report.removed = remove_stale(out, set(wanted), stamp.files, scan=interrupted or not
                                  stamp.files)
    problems = [*corpus.problems,
                *oversized_feeds((path, size) for path, (size, _) in files.items())]
    keys = site.keys
    _write(state_path(out), Cache(loader=loader.state(store), memo=site.memo, slugs=site.slugs,
                                  sections=site.sections_rendered,
                                  settings=site.settings, renderer=renderer,
                                  documents={path: (d.media_type, d.last_modified, d.digest,
                                                    keys[path])
                                             for path, d in site.documents.items()}))
    # The store is tidied (old entries, a killed build's spool folders) before the stamp
    # says the build is complete: a kill between the two would leave them to builds that
    # find nothing to do.
    store.keep_only(loader.stored())
    _write(stamp_path(out), Stamp(inputs=inputs, built_at=now, files=files,
                                  sections=report.sections, entries=report.entries,
                                  complete=True, racy=racy, problems=tuple(problems)))
    return report, problems


class _Record:
    """The stamp while a build writes: it must say the build is unfinished, and own every
    file the build may create before the build creates it.

    Nothing of the output is touched before the first call (parsing and rendering write
    only the cache's temporary files).  From then on a kill leaves a stamp that makes the
    next build look again at everything, and that lists every file this build may have
    created, so that none is left that no record owns (a later build that no longer
    wants it would never remove it).  Never matching, such files also count as damaged.
    """

    def __init__(self, path: Path, stamp: Stamp) -> None:
        self.path = path
        self.files = dict(stamp.files)
        self.unfinished = not stamp.complete

    def before_writing(self, paths: Iterable[str]) -> None:
        fresh = {path: _UNWRITTEN for path in paths if path not in self.files}
        if fresh or not self.unfinished:
            self.files.update(fresh)
            _write(self.path, Stamp(files=self.files))
            self.unfinished = True


class _Placer:
    """Writes pages into the output as the render workers render them (see render_site):
    a full build then shares out its writing and never holds every page's bytes.

    A call returns, for the page and its .gz twin (None: no twin), the signature and
    whether the file was written; it runs in a worker, so it changes nothing of its own.
    """

    def __init__(self, root: str, record: _Record, precompress: bool) -> None:
        self.root = root
        self.record = record
        self.precompress = precompress

    def prepare(self, paths: list[str]) -> None:
        self.record.before_writing(
            [twin for path in paths for twin in (path, path + ".gz")] if self.precompress
            else paths)

    def __call__(self, path: str, body: bytes, last_modified: int
                 ) -> dict[str, tuple[tuple[int, int], bool] | None]:
        places: dict[str, tuple[tuple[int, int], bool] | None] = {
            path: _place(self.root + path, body, last_modified)}
        if self.precompress:
            places[path + ".gz"] = (
                _place(self.root + path + ".gz", gzip_body(body), last_modified)
                if len(body) >= GZIP_MIN_BYTES else None)
        return places


def _place(target: str, body: bytes, mtime: int) -> tuple[tuple[int, int], bool]:
    """The file at `target` made to hold `body`, dated `mtime`, written only if its bytes
    differ: its signature, and whether it was written."""
    if _same_file(target, body):
        return _dated(target, _signature(target), mtime), False
    return atomic_write(target, body, mtime), True


def _dated(path: str, signature: tuple[int, int] | None, mtime: int) -> tuple[int, int]:
    """A file's signature once its mtime is `mtime` (set only when it differs)."""
    if signature is not None and signature[1] // 1_000_000_000 == mtime:
        return signature
    os.utime(path, (mtime, mtime))
    return _signature(path)  # type: ignore[return-value]


def _signature(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def _same_file(path: str, body: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(body):
            return False
        with open(path, "rb") as handle:
            return handle.read() == body
    except OSError:
        return False


def remove_stale(out: Path, wanted: set[str], owned: Iterable[str] = (), *,
                 scan: bool = True) -> int:
    """Delete files of ours that the site no longer has, and leftover temporary files.

    Ours are the files the previous build wrote (`owned`, from the stamp) and files named
    like entry pages: nothing else is touched, so the folder may hold other files (a
    robots.txt, a 404 page) and an --out pointed at the wrong folder never empties it.
    Only the root and its section folders are looked at: the layout is never deeper.
    The folders are scanned (`scan`) only when the previous build did not finish or left
    no record: otherwise every file there is one it wrote, and no temporary file is left.
    """
    if not out.is_dir():
        return 0
    root = str(out) + os.sep
    candidates = set(owned)
    if scan:
        folders = [""] + [item.name + "/" for item in os.scandir(out)
                          if item.is_dir(follow_symlinks=False) and not item.name.startswith(".")]
        for folder in folders:
            for child in os.scandir(root + folder):
                rel = folder + child.name
                if _TEMPORARY.fullmatch(child.name) and child.is_file(follow_symlinks=False):
                    os.unlink(child.path)  # a build killed between write and rename
                elif _ENTRY_PAGE.fullmatch(rel):
                    candidates.add(rel)
    removed = 0
    emptied = set()
    for rel in sorted(candidates - wanted):
        path = root + rel
        if os.path.isfile(path) and not os.path.islink(path):
            os.unlink(path)
            removed += 1
        if "/" in rel:
            emptied.add(root + rel.rpartition("/")[0])
    for folder in sorted(emptied):
        with contextlib.suppress(OSError):  # not empty, or gone: either way, leave it
            os.rmdir(folder)
    return removed
