"""Write the rendered site to a folder as static files, touching only what changed.

Every file is written to a temporary file in its own folder and renamed into place, so a
reader (or a build killed halfway) only ever sees a complete old or new file.  A file
whose bytes would not change is not written, and each file's mtime is when its bytes last
changed (the site database's date, the server's Last-Modified), so rsync, CDNs and a
static server see only real changes.

The site database (database.py) remembers, for each output folder, every file the builds
wrote: its size and mtime as written and the key of what it was rendered from.  A
document whose key is unchanged and whose file is as written is not rendered again; a
build whose inputs (every file of the seeds folder, the options, seedfeed itself) are
those of the last complete build, and whose files are all as written, stops before it
parses anything.  A build records the files it may create before creating any, so that
a build killed at any moment leaves no file that no build owns, and the next build, which
trusts none of those, equals a clean build.  A build never deletes a file it did not
write, apart from entry pages, list pages, archive documents and temporary files of its
own making.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compress import GZIP_MIN_BYTES, gzip_body
from .database import Database, default_path, next_date
from .files import atomic_write
from .headers import SUBSCRIPTION
from .model import Problem, content_hash, racy
from .scan import Scan, code_fingerprint, walk

_TEMPORARY = re.compile(r"\..+\.sf\d+\.tmp")  # atomic_write's: .<name>.sf<pid>.tmp
# What only seedfeed writes in a section's folder: entry pages, list pages and archives.
_OURS = re.compile(r"[^./][^/]*/(?:\d{4}-\d\d-\d\d-[0-9a-f]{10}\.html|page-\d+\.html"
                   r"|archive-\d+\.(?:atom|rss|json))(?:\.gz)?")


@dataclass
class Report:
    """What a build did: counts of sections and entries, and of files written, found
    unchanged and removed; seed files parsed and documents rendered."""

    sections: int = 0
    entries: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    reparsed: int = 0
    rendered: int = 0
    # The site's WebSub hub ("" for none), and each subscription feed's URL and digest
    # (websub.announce_feeds); empty when the build had nothing to do.
    hub: str = ""
    feeds: list[tuple[str, str]] = field(default_factory=list)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Cyclic garbage collection paused: a build makes millions of objects and frees them
    by reference counting (it has next to no cycles), and the collector going over
    everything read, parsed and rendered, again and again, cost a tenth of a build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(seeds: Path, out: Path, *, now: float, base_url: str | None = None,
          precompress: bool = False,
          on_progress: Callable[[str, int, int], None] | None = None,
          state: Path | None = None) -> tuple[Report, list[Problem]]:
    """Parse, render and publish; returns the report and the problems found in the seeds.

    `state`: the site database (default beside the seeds, database.default_path).
    Raises SeedError for unusable settings, OSError when the output cannot be written.
    """
    state = state or default_path(seeds)
    with _no_gc(), _one_at_a_time(state):
        db = Database(state)
        try:
            return _build(db, seeds, out, now, base_url, precompress, on_progress)
        finally:
            db.close()


@contextlib.contextmanager
def _one_at_a_time(state: Path) -> Iterator[None]:
    """Builds sharing a site database run one after another (a `build --watch` and a
    build from cron, say): two at once would remove each other's temporary files and
    record each other's outputs wrongly.  A lock on a file beside the database, released
    by the system if the build is killed."""
    import fcntl

    with open(state.with_name(state.name + ".build-lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another build of these seeds to finish ({lock.name})",
                  file=sys.stderr, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _build(db: Database, seeds: Path, out: Path, now: float, base_url: str | None,
           precompress: bool, on_progress: Callable[[str, int, int], None] | None
           ) -> tuple[Report, list[Problem]]:
    folder = str(out.resolve())
    code = code_fingerprint()
    scan = walk(seeds)
    inputs = hashlib.blake2b(repr((scan.signature(), base_url, precompress, code)).encode(),
                             digest_size=16).hexdigest()
    last = db.last_build(folder)
    if last is not None and last[0] == inputs and _hashes(scan, last[1]) == last[2]:
        files = db.written(folder)
        root = folder + os.sep
        if all(_signature(root + path) == (size, mtime) for path, size, mtime in files):
            # Nothing changed since a complete build: nothing to parse or render.
            return Report(sections=last[3], entries=last[4], unchanged=len(files)), last[5]
    owned = db.outputs(folder)
    racy_now = _hashes(scan, now)  # (hashed before anything is read: later edits show)

    from .ledger import Ledger
    from .load import Loader
    from .render.site import content_digest, oversized_feeds, render_site

    def stage(name: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: on_progress(name, done, total)) if on_progress else None

    loader = Loader(seeds, db, on_progress=stage("parse"), base_url=base_url)
    corpus = loader.load(now=now, scan=scan)
    with db.transaction():
        corpus = Ledger(db).reconcile(corpus, now)
        documents = render_site(corpus)
        claimed = [twin for document in documents for twin in (
            (document.path, document.path + ".gz") if precompress else (document.path,))
            if twin not in owned]
        db.claim(folder, claimed)
    owned.update(dict.fromkeys(claimed, (None, None, None, None)))
    place = corpus.settings.base_url
    dated = db.dates(place)
    report = Report(sections=len(corpus.sections()), entries=len(corpus.order),
                    reparsed=loader.reparsed)
    salt = bytes.fromhex(code)
    root = folder + os.sep
    outputs: dict[str, tuple[Any, ...]] = {}
    changed: list[tuple[str, str, int]] = []
    progress = stage("write")
    for done, document in enumerate(documents, start=1):
        if progress is not None and done % 256 == 0:
            progress(done, len(documents))
        path, key = document.path, salt + document.key
        twin = path + ".gz"
        old, old_twin = owned.get(path), owned.get(twin)
        found = _signature(root + path)
        body = None
        if old is None or old[2] != key or found is None or found != old[:2] or (
                precompress and old[0] >= GZIP_MIN_BYTES and (
                    old_twin is None or old_twin[2] != key
                    or _signature(root + twin) != old_twin[:2])):
            body = document.render()
            report.rendered += 1
        digest = content_digest(body) if body is not None else old[3]  # type: ignore[index]
        known = dated.get(path)
        date = next_date(known, digest, document.mtime)
        if known is None or known[0] != digest:
            changed.append((place + path, digest, date))
        if body is None:
            outputs[path] = (*_dated(root + path, found, date), key, digest)
            report.unchanged += 1
            if precompress and old_twin is not None and old_twin[2] == key:
                outputs[twin] = (*_dated(root + twin, old_twin[:2], date), key, digest)
                report.unchanged += 1
            continue
        for target, data in ((path, body), (twin, gzip_body(body) if precompress and len(
                body) >= GZIP_MIN_BYTES else None)):
            if data is not None:
                signature, written = _place(root + target, data, date)
                outputs[target] = (*signature, key, digest)
                report.written += written
                report.unchanged += not written
    report.removed = _remove_stale(folder, set(outputs), set(owned))
    problems = [*corpus.problems, *oversized_feeds(
        (path, row[0]) for path, row in outputs.items())]
    with db.transaction():
        db.record_dates(changed)
        # (another process may have dated one of these documents meanwhile: its file
        # takes the date recorded, which never goes back)
        final = db.dates(place)
        for path, (size, mtime_ns, key, digest) in list(outputs.items()):
            date = final.get(path.removesuffix(".gz"), ("", mtime_ns // 10**9))[1]
            if mtime_ns != date * 10**9:
                outputs[path] = (*_dated(root + path, (size, mtime_ns), date), key, digest)
        db.built(folder, outputs, owned, inputs, now, racy_now, report.sections, report.entries,
                 problems)
    report.hub = corpus.settings.websub_hub
    report.feeds = [(place + path, row[3]) for path, row in outputs.items()
                    if SUBSCRIPTION.fullmatch(path)]
    return report, problems


def _hashes(scan: Scan, since: float) -> dict[str, str]:
    """The content hash of every regular file of the scan modified so shortly before
    `since` that a second write could share its mtime (model.racy): a later build trusts
    their signature only if their bytes are still these."""
    found = {}
    for rel, info in scan.files.items():
        if stat.S_ISREG(info.st_mode) and racy(info.st_mtime, since):
            found[rel] = ""
            with contextlib.suppress(OSError):
                # (non-blocking: it may have become a FIFO since the scan)
                fd = os.open(os.path.join(scan.root, rel), os.O_RDONLY | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as handle:
                    if stat.S_ISREG(os.fstat(fd).st_mode):
                        found[rel] = content_hash(handle.read())
    return found


def _place(target: str, body: bytes, mtime: int) -> tuple[tuple[int, int], bool]:
    """The file at `target` made to hold `body`, dated `mtime`, written only if its bytes
    differ: its signature, and whether it was written."""
    if _same_file(target, body):
        return _dated(target, _signature(target), mtime), False
    return atomic_write(target, body, mtime), True


def _dated(path: str, signature: tuple[int, int] | None, mtime: int) -> tuple[int, int]:
    """A file's signature once its mtime is `mtime` (set only when it differs)."""
    if signature is not None and signature[1] // 1_000_000_000 == mtime \
            and signature[1] % 1_000_000_000 == 0:
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


def _remove_stale(folder: str, wanted: set[str], owned: set[str]) -> int:
    """Delete files of ours that the site no longer has, and leftover temporary files.

    Ours are the files builds recorded (`owned`) and files named like entry pages, list
    pages and archive documents (_OURS): nothing else is touched, so the folder may hold other
    files (a robots.txt, a 404 page) and an --out pointed at the wrong folder never
    empties it.  Only the root and its section folders are looked at: the layout is
    never deeper.
    """
    if not os.path.isdir(folder):
        return 0
    root = folder + os.sep
    candidates = set(owned)
    for sub in ["", *(item.name + "/" for item in os.scandir(folder)
                      if item.is_dir(follow_symlinks=False) and not item.name.startswith("."))]:
        for child in os.scandir(root + sub):
            if _TEMPORARY.fullmatch(child.name) and child.is_file(follow_symlinks=False):
                os.unlink(child.path)  # a build killed between write and rename
            elif _OURS.fullmatch(sub + child.name):
                candidates.add(sub + child.name)
    removed = 0
    emptied = set()
    for rel in sorted(candidates - wanted):
        path = root + rel
        if os.path.isfile(path) and not os.path.islink(path):
            os.unlink(path)
            removed += 1
        if "/" in rel:
            emptied.add(root + rel.rpartition("/")[0])
    for empty in sorted(emptied):
        with contextlib.suppress(OSError):  # not empty, or gone: either way, leave it
            os.rmdir(empty)
    return removed
