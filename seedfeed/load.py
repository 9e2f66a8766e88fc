"""A seeds folder to the site's entries: find seed files, parse each, merge them.

This is the I/O edge of parsing.  It keeps what it parsed per file so that a second load
re-reads only files that changed; a file is known unchanged by its size, mtime and inode,
and a file modified just before the previous scan (model.racy) is re-hashed, because two
writes can share one mtime (the same trick git uses for its index).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import cast

from .decode import DecodeError, decode_seed
from .entries import make_entry
from .files import atomic_write
from .model import Entry, Level, Problem, SeedError, content_hash, racy
from .parse import parse_text, short_lines
from .settings import RESERVED_SECTIONS, SETTINGS_FILE, Settings, load_settings
from .workers import fork_map

SEED_SUFFIX = ".txt"
REPEATED_FILES = 3  # a short line in this many files of a section, and in half, is furniture
PARALLEL_BYTES = 4_000_000  # seeds to parse before more processes pay (about 3,000 entries)
CACHE_VERSION = 8


@dataclass(frozen=True, slots=True)
class SeedFile:
    path: Path
    rel: str  # relative to the seeds folder, with forward slashes: used in messages
    section: str


class StoreDamaged(Exception):
    """An entry blob of the build cache is missing or damaged: rebuild without the cache."""


class EntryStore:
    """A folder of pickled entries, one file per seed file's entries, named by content hash.

    A build keeps its cache's entries here rather than in one file, so that it reads the
    entries of the few seed files it needs and writes those of the files it parsed, not
    every entry of the site each time.  Safe to delete, as the rest of the cache is.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, blob: bytes) -> str:
        name = content_hash(blob)
        path = self.folder / f"{name}.pickle"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(path, blob, None)
        return name

    def get(self, name: str) -> bytes:
        try:
            blob = (self.folder / f"{name}.pickle").read_bytes()
        except OSError as exc:
            raise StoreDamaged(f"{self.folder}: {exc}") from exc
        if content_hash(blob) != name:
            raise StoreDamaged(f"{self.folder}: {name} is damaged")
        return blob

    def keep_only(self, names: set[str]) -> None:
        """Remove everything but the blobs named: a killed build's temporary files and
        folders (see workers.fork_map) too."""
        with contextlib.suppress(OSError):
            for item in os.scandir(self.folder):
                if item.is_dir(follow_symlinks=False):
                    shutil.rmtree(item.path, ignore_errors=True)
                elif item.name.removesuffix(".pickle") not in names:
                    with contextlib.suppress(OSError):
                        os.unlink(item.path)


class FileResult:
    """Everything one seed file contributes; depends only on its bytes and the settings.

    Besides its entries it keeps each entry's id, slug, day and fingerprint: all that
    ordering and de-duplicating the corpus, and deciding what to render, need.  Restored
    from a build's cache, its entries stay in the EntryStore until they are asked for: a
    build after one seed file changed orders every entry but reads the entries of few
    files.
    """

    __slots__ = ("digest", "mtime", "problems", "ids", "days", "date_only", "_slugs",
                 "_prints", "_entries", "_blob", "_stored", "_store", "short_lines",
                 "repeated")

    def __init__(self, digest: str, mtime: float, entries: tuple[Entry, ...],
                 problems: tuple[Problem, ...], short_lines: frozenset[str] = frozenset(),
                 repeated: frozenset[str] = frozenset()) -> None:
        self.digest = digest
        self.mtime = mtime
        self.problems = problems
        self.short_lines = short_lines  # see furniture.short_lines
        self.repeated = repeated  # those of them dropped as repeated across the section
        self.ids = tuple(entry.id for entry in entries)
        self.days = tuple(entry.published.toordinal() for entry in entries)
        self.date_only = tuple(entry.date_only for entry in entries)
        self._slugs: tuple[str, ...] | None = None  # (made when first asked for: parsing
        self._prints: tuple[bytes, ...] | None = None  # alone never needs them)
        self._entries: tuple[Entry, ...] | None = entries
        self._blob: bytes | None = None  # the entries pickled, when parsed by a worker
        self._stored: str | None = None  # the entries' name in an EntryStore
        self._store: EntryStore | None = None

    @property
    def slugs(self) -> tuple[str, ...]:
        if self._slugs is None:
            self._slugs = tuple(entry.slug for entry in self.entries)
        return self._slugs

    @property
    def prints(self) -> tuple[bytes, ...]:
        """Each entry's Entry.fingerprint."""
        if self._prints is None:
            self._prints = tuple(entry.fingerprint() for entry in self.entries)
        return self._prints

    @property
    def entries(self) -> tuple[Entry, ...]:
        if self._entries is None and self._blob is not None:
            self._entries = pickle.loads(self._blob)
        if self._entries is None:
            assert self._store is not None and self._stored is not None
            blob = self._store.get(self._stored)
            try:
                self._entries = pickle.loads(blob)
            except Exception as exc:  # noqa: BLE001 - an unreadable cache is rebuilt
                raise StoreDamaged(f"{self._stored}: {exc!r}") from exc
        return self._entries

    def with_mtime(self, mtime: float) -> FileResult:
        """The same result for the same bytes, found under another mtime."""
        copy = FileResult.__new__(FileResult)
        for name in FileResult.__slots__:
            setattr(copy, name, getattr(self, name))
        copy.mtime = mtime
        return copy

    def store(self, store: EntryStore) -> str:
        """Put the entries in `store` (once) and return their name there."""
        if self._stored is None or self._store is not store:
            self._stored = store.put(self._blob if self._blob is not None
                                     else pickle.dumps(self.entries, pickle.HIGHEST_PROTOCOL))
            self._store = store
            self._blob = None
        return self._stored

    def __getstate__(self) -> tuple[object, ...]:
        # Put in a store (the build cache), a result is pickled without its entries; not
        # yet (a worker process sending back what it parsed), with them, pickled once.
        blob = None
        if self._stored is None:
            blob = self._blob if self._blob is not None else pickle.dumps(
                self.entries, pickle.HIGHEST_PROTOCOL)
        return (self.digest, self.mtime, self.problems, self.ids, self.slugs, self.days,
                self.date_only, self.prints, self._stored, blob, self.short_lines,
                self.repeated)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        (self.digest, self.mtime, self.problems, self.ids, self._slugs, self.days,
         self.date_only, self._prints, self._stored, self._blob, self.short_lines,
         self.repeated) = state  # type: ignore[assignment]
        self._entries = self._store = None


Ref = tuple[int, int]  # an entry of a corpus: (index of its file, index in that file)


@dataclass(frozen=True, slots=True)
class Identity:
    """What the ledger gives an entry beyond its words: the id and slug it was first
    published with, and when its content last changed (None: never)."""

    id: str
    slug: str
    updated: datetime | None


@dataclass(frozen=True)
class Corpus:
    """The parsed site: entries newest first, the problems found, and each file's mtime.

    Held as the seed files' results and the order of the entries that survive
    de-duplication (refs), so that a caller can order, count and group every entry by its
    id, slug and day without unpickling any (see FileResult).  `entries` gives them all.
    """

    settings: Settings
    problems: tuple[Problem, ...]
    mtimes: dict[str, float]  # seed rel path (folders end in "/") and site.toml -> mtime
    files: tuple[tuple[str, str, FileResult], ...]  # (rel path, section, result), seed order
    order: tuple[Ref, ...]  # newest first, one per id
    # By an entry's own id: what the ledger remembers of it (ledger.Ledger.reconcile).
    identities: dict[str, Identity] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings, files: Iterable[tuple[str, str, FileResult]],
           problems: tuple[Problem, ...] = (), mtimes: dict[str, float] | None = None
           ) -> Corpus:
        files = tuple(files)
        return cls(settings, problems, mtimes or {}, files, _order(files))

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(map(self.entry, self.order))

    @cached_property
    def seconds(self) -> dict[Ref, int]:
        """The seconds added to the stamp of each date-only entry that shares its day with
        others (absent: none), so that no two entries of a feed share a time and readers
        keep the seeds' order: the day's oldest date-only entry gets 0, the next 1, ...

        Counted from the oldest, so that an item added at the top of a day changes no
        other entry's time.  An entry's id does not depend on it.
        """
        files = self.files
        by_day: dict[int, list[Ref]] = {}
        for ref in self.order:
            result = files[ref[0]][2]
            if result.date_only[ref[1]]:
                by_day.setdefault(result.days[ref[1]], []).append(ref)
        return {ref: len(refs) - 1 - k for refs in by_day.values() if len(refs) > 1
                for k, ref in enumerate(refs) if k < len(refs) - 1}

    @cached_property
    def by_section(self) -> dict[str, tuple[Ref, ...]]:
        """Each section's entries, newest first; sections sorted by name."""
        grouped: dict[str, list[Ref]] = {}
        files = self.files
        for ref in self.order:
            grouped.setdefault(files[ref[0]][1], []).append(ref)
        return {name: tuple(grouped[name]) for name in sorted(grouped)}

    def sections(self) -> list[str]:
        return list(self.by_section)

    def with_identities(self, identities: dict[str, Identity]) -> Corpus:
        return replace(self, identities=identities)

    def entry(self, ref: Ref) -> Entry:
        result = self.files[ref[0]][2]
        entry = result.entries[ref[1]]
        seconds = self.seconds.get(ref)
        if seconds is not None:
            entry = replace(entry, published=entry.published + timedelta(seconds=seconds))
        known = self.identities.get(result.ids[ref[1]])
        if known is not None:  # (an edit seen before its item's stamp still comes after it)
            entry = replace(entry, id=known.id, slug=known.slug, updated=known.updated and max(
                known.updated, entry.published + timedelta(seconds=1)))
        return entry

    def slug(self, ref: Ref) -> str:
        """entry(ref).slug, known without reading the entry."""
        result = self.files[ref[0]][2]
        known = self.identities.get(result.ids[ref[1]]) if self.identities else None
        return result.slugs[ref[1]] if known is None else known.slug

    def fingerprint(self, ref: Ref) -> bytes:
        """Entry.fingerprint of entry(ref), known without reading the entry."""
        result = self.files[ref[0]][2]
        found = result.prints[ref[1]]
        seconds = self.seconds.get(ref)
        if seconds is not None:
            found += seconds.to_bytes(4, "big")
        known = self.identities.get(result.ids[ref[1]]) if self.identities else None
        if known is not None:
            found += repr((known.id, known.slug, known.updated)).encode()
        return found


def _order(files: tuple[tuple[str, str, FileResult], ...]) -> tuple[Ref, ...]:
    """All entries newest first, one per id; same-day items keep their seed order.

    From the ids and days alone: when two files hold the same item, the one in the first
    file (in seed order) is kept.
    """
    seen: set[str] = set()
    kept: list[tuple[int, int, int]] = []
    for f, (_, _, result) in enumerate(files):
        ids = result.ids
        if seen.isdisjoint(ids) and len(set(ids)) == len(ids):  # (nearly every file)
            seen.update(ids)
            kept.extend(zip(result.days, repeat(f), range(len(ids))))
            continue
        for i, (entry_id, day) in enumerate(zip(ids, result.days, strict=True)):
            if entry_id not in seen:
                seen.add(entry_id)
                kept.append((day, f, i))
    kept.sort(key=itemgetter(0), reverse=True)  # stable: ties keep seed order
    return tuple((f, i) for _, f, i in kept)


def discover(seeds: Path, settings: Settings,
             folders: dict[str, float] | None = None) -> tuple[list[SeedFile], list[Problem]]:
    """Seed files under the folder, in a stable order; links are reported, not followed.

    `folders` receives each folder's mtime (key "<rel>/", the root "./"): removing a seed
    changes only its folder's mtime, and a document's Last-Modified must still move on.
    """
    found: list[SeedFile] = []
    problems: list[Problem] = []
    root = str(seeds)
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        parts = [] if rel_folder == "." else rel_folder.split("/")
        if folders is not None:
            with contextlib.suppress(OSError):
                folders[rel_folder + "/" if parts else "./"] = os.stat(folder).st_mtime
        for name in sorted(dirs):
            if os.path.islink(os.path.join(folder, name)):
                rel = "/".join([*parts, name])
                problems.append(Problem(rel, 1, Level.WARNING,
                                        "symbolic link to a folder not followed"))
        for name in sorted(files):
            if name.startswith(".") or not name.endswith(SEED_SUFFIX):
                continue
            rel = "/".join([*parts, name])
            full = Path(folder, name)
            if full.is_symlink():
                problems.append(Problem(rel, 1, Level.WARNING,
                                        "symbolic link not followed: seeds must be real files"))
                continue
            section = parts[0] if parts else settings.default_section
            if section.casefold() in RESERVED_SECTIONS:
                problems.append(Problem(rel, 1, Level.ERROR,
                                        f"section name {section!r} is reserved; file skipped"))
                continue
            found.append(SeedFile(full, rel, section))
    return found, problems


def parse_seed_bytes(data: bytes, seed: SeedFile, settings: Settings,
                     mtime: float | None = None, describe: bool = False,
                     repeated: frozenset[str] = frozenset()
                     ) -> tuple[tuple[Entry, ...], tuple[Problem, ...]]:
    """One seed file's bytes to its entries and problems; never raises for bad input.

    mtime: when the file was last written (seconds since the epoch), for a year no item
    gives and to flag dates after it; describe: add an info line naming the file's layout
    and date forms; repeated: short lines found in many files of the section (furniture).
    """
    try:
        decoded = decode_seed(data, seed.rel)
    except DecodeError as exc:
        return (), (Problem(seed.rel, exc.line, Level.ERROR, f"{exc.message}; file skipped"),)
    written = (datetime.fromtimestamp(mtime, settings.tz).date() if mtime is not None
               else None)
    parsed = parse_text(decoded.text, seed.rel, hints=settings.hints(seed.section),
                        written=written, unreadable=decoded.unreadable, describe=describe,
                        repeated=repeated)
    tz, authority, language = settings.tz, settings.authority, settings.language
    entries = tuple(
        make_entry(item, section=seed.section, source_path=seed.rel, tz=tz,
                   authority=authority, site_language=language)
        for item in parsed.items
    )
    return entries, decoded.problems + parsed.problems


@dataclass(frozen=True, slots=True)
class _ParseJob:
    seed: SeedFile
    data: bytes
    digest: str
    mtime: float
    signature: tuple[int, int, int]
    short_lines: frozenset[str] = frozenset()  # see parse.short_lines
    repeated: frozenset[str] = frozenset()  # those repeated across the section


def _parse_job(job: _ParseJob, settings: Settings, describe: bool = False) -> FileResult:
    entries, problems = parse_seed_bytes(job.data, job.seed, settings, job.mtime, describe,
                                         job.repeated)
    return FileResult(job.digest, job.mtime, entries, problems, job.short_lines, job.repeated)


def _repeated_among(files: list[frozenset[str]]) -> frozenset[str]:
    """The short lines of a section that are furniture for being in many of its files: in
    at least REPEATED_FILES of them and in at least half."""
    counts: dict[str, int] = {}
    for found in files:
        for line in found:
            counts[line] = counts.get(line, 0) + 1
    least = max(REPEATED_FILES, (len(files) + 1) // 2)
    return frozenset(line for line, count in counts.items() if count >= least)


@dataclass
class Loader:
    """Loads a seeds folder again and again, re-parsing only files that changed."""

    seeds: Path
    on_progress: Callable[[int, int], None] | None = None
    base_url: str | None = None  # overrides site.toml's, e.g. from `build --base-url`
    _files: dict[str, tuple[tuple[int, int, int], FileResult]] = field(default_factory=dict)
    _settings_key: bytes = b""
    _racy: set[str] = field(default_factory=set)
    _corpus: Corpus | None = None
    _held: dict[str, tuple[tuple[int, int, int], float]] = field(default_factory=dict)
    _seen: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # see _in_flux
    _holding: set[str] = field(default_factory=set)  # files held back by this load
    reparsed: int = 0  # files the last load() parsed (0: everything came from the cache)
    jobs: int = 1  # processes that may parse at once (see workers.fork_map)
    describe: bool = False  # each file's layout and date forms as an info line (check -v)
    _repeated: dict[str, frozenset[str]] = field(default_factory=dict)  # by section
    store: EntryStore | None = None  # where restore_state's entries are (set by it)

    def load(self, now: float | None = None, settle: float = 0.0) -> Corpus:
        """Parse the folder; raises SeedError only for unusable settings.

        With `settle` (seconds) and `now`, a seed file modified less than `settle` ago may
        still be being written: its previous parse is kept (a new file waits) and a later
        load looks at it again.  A server polling the folder uses it so that it never
        publishes a file caught half-written.
        """
        settings = load_settings(self.seeds)
        if self.base_url is not None:
            settings = settings.with_base_url(self.base_url, str(self.seeds / SETTINGS_FILE))
        settings_key = pickle.dumps(settings)
        if settings_key != self._settings_key:
            self._files.clear()
            self._settings_key = settings_key
        folders: dict[str, float] = {}
        seeds, problems = discover(self.seeds, settings, folders)
        self._expect_repeated(seeds)
        results: dict[str, FileResult | _ParseJob] = {}
        flux = (now, settle) if settle > 0 and now is not None else None
        parse: list[_ParseJob] = []
        self.reparsed = 0
        self._holding = set()
        for done, seed in enumerate(seeds, start=1):
            found = self._load_file(seed, settings, problems, flux, parse)
            if found is not None:
                results[seed.rel] = found  # a job in `parse` is replaced once parsed
            if self.on_progress is not None and self.jobs <= 1:
                self.on_progress(done, len(seeds))
        for job, result in zip(parse, self._parse(parse, settings, len(seeds)), strict=True):
            self._files[job.seed.rel] = (job.signature, result)
            results[job.seed.rel] = result
        self.reparsed += len(parse)
        self._drop_repeated(seeds, results, settings)  # type: ignore[arg-type]
        self._racy = set() if now is None else {
            rel for rel, result in results.items() if racy(result.mtime, now)}
        for gone in set(self._files) - set(results):
            del self._files[gone]
        present = {seed.rel for seed in seeds}
        for gone in set(self._held) - present:
            del self._held[gone]
        for gone in set(self._seen) - present:
            del self._seen[gone]
        mtimes = {rel: result.mtime for rel, result in results.items()}
        mtimes.update(folders)
        before = self._corpus.mtimes if self._corpus is not None else {}
        for rel in self._holding:
            # A file held back to settle changed its folder's mtime already: that time
            # describes content not published yet, and a Last-Modified taken from it would
            # be sent with the old body (If-Modified-Since clients then miss the new one).
            # Its parent folders too: a new section's folder changed the root's.
            parts = rel.split("/")[:-1]
            for folder in ["./", *("/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))]:
                mtimes[folder] = before.get(folder, 0.0)
        settings_path = self.seeds / SETTINGS_FILE
        if settings_path.exists():
            mtimes[SETTINGS_FILE] = settings_path.stat().st_mtime
        previous = self._corpus
        if (self.reparsed == 0 and previous is not None and previous.mtimes == mtimes
                and previous.settings == settings):
            return previous  # nothing changed: callers can tell by identity
        # (named like the seeds, relative to the folder: "site.toml:1: warning: ...")
        problems[:0] = [replace(problem, path=SETTINGS_FILE) for problem in settings.problems]
        parsed = cast("dict[str, FileResult]", results)  # (every job is parsed by now)
        for result in parsed.values():
            problems.extend(result.problems)
        sections = {seed.rel: seed.section for seed in seeds}
        self._corpus = Corpus.of(settings, ((rel, sections[rel], result)
                                            for rel, result in parsed.items()),
                                 tuple(problems), mtimes)
        return self._corpus

    def _load_file(self, seed: SeedFile, settings: Settings, problems: list[Problem],
                   flux: tuple[float, float] | None, parse: list[_ParseJob]
                   ) -> FileResult | _ParseJob | None:
        """The file's result from the cache, or a job appended to `parse` (and returned)."""
        try:
            info = seed.path.stat()
        except OSError as exc:
            problems.append(Problem(seed.rel, 1, Level.ERROR, f"cannot read: {exc.strerror}"))
            return None
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(seed.rel, 1, Level.WARNING, "not a regular file; skipped"))
            return None
        signature = (info.st_size, info.st_mtime_ns, info.st_ino)
        cached = self._files.get(seed.rel)
        if cached is not None and cached[0] == signature and seed.rel not in self._racy:
            return cached[1]
        if flux is not None and self._in_flux(seed.rel, info, cached, *flux):
            self._holding.add(seed.rel)
            return cached[1] if cached is not None else None
        try:
            data = seed.path.read_bytes()
            after = seed.path.stat() if flux is not None else info
        except OSError as exc:
            problems.append(Problem(seed.rel, 1, Level.ERROR, f"cannot read: {exc.strerror}"))
            return None
        if (after.st_size, after.st_mtime_ns, after.st_ino) != signature:
            # Written to while being read: the bytes may be torn.  Look again next time.
            self._holding.add(seed.rel)
            return cached[1] if cached is not None else None
        digest = content_hash(data)
        if cached is not None and cached[1].digest == digest:
            result = cached[1].with_mtime(info.st_mtime)
            self._files[seed.rel] = (signature, result)
            return result
        # (parsed knowing what its section repeated last time: usually parsed once)
        lines = short_lines(data)
        job = _ParseJob(seed, data, digest, info.st_mtime, signature, lines,
                        self._repeated.get(seed.section, frozenset()) & lines)
        if self.jobs <= 1:  # parsed now, so that one file's bytes are held at a time
            result = _parse_job(job, settings, self.describe)
            self._files[seed.rel] = (signature, result)
            self.reparsed += 1
            return result
        parse.append(job)
        return job

    def _expect_repeated(self, seeds: list[SeedFile]) -> None:
        """Each section's repeated short lines, found before parsing (from the cache, or
        from the bytes of files that changed), so that a file is parsed once."""
        lines: dict[str, list[frozenset[str]]] = {}
        for seed in seeds:
            cached = self._files.get(seed.rel)
            try:
                info = seed.path.stat()
                if not stat.S_ISREG(info.st_mode):
                    continue  # (a FIFO would block: reported when read)
                if cached is not None and cached[0] == (info.st_size, info.st_mtime_ns,
                                                        info.st_ino):
                    found = cached[1].short_lines
                else:
                    found = short_lines(seed.path.read_bytes())
            except OSError:
                continue  # (reported when read)
            lines.setdefault(seed.section, []).append(found)
        self._repeated = {section: _repeated_among(found) for section, found in lines.items()}

    def _drop_repeated(self, seeds: list[SeedFile], results: dict[str, FileResult],
                       settings: Settings) -> None:
        """Parse again the files whose short lines repeated across their section changed
        (see _repeated_among): what one file's furniture is depends on the others."""
        by_section: dict[str, list[SeedFile]] = {}
        for seed in seeds:
            if seed.rel in results:
                by_section.setdefault(seed.section, []).append(seed)
        jobs: list[_ParseJob] = []
        for section, members in by_section.items():
            repeated = _repeated_among([results[seed.rel].short_lines for seed in members])
            self._repeated[section] = repeated
            for seed in members:
                result = results[seed.rel]
                wanted = repeated & result.short_lines
                if wanted != result.repeated:
                    signature = self._files[seed.rel][0]
                    try:
                        data = seed.path.read_bytes()
                    except OSError:
                        continue  # (reported when next read)
                    jobs.append(_ParseJob(seed, data, result.digest, result.mtime, signature,
                                          result.short_lines, wanted))
        for job, result in zip(jobs, self._parse(jobs, settings, len(jobs)), strict=True):
            self._files[job.seed.rel] = (job.signature, result)
            results[job.seed.rel] = result
        self.reparsed += len(jobs)

    def _parse(self, jobs: list[_ParseJob], settings: Settings, files: int
               ) -> list[FileResult]:
        """Parse the files that changed, on several processes when there is much to do."""
        if not jobs:
            return []

        def progress(done: int) -> None:  # files taken from the cache count as done
            if self.on_progress is not None:
                self.on_progress(files - len(jobs) + done, files)

        def parse(job: _ParseJob) -> FileResult:
            return _parse_job(job, settings, self.describe)

        # Few bytes to parse are parsed here: a pool costs more than it saves.
        processes = self.jobs if sum(len(job.data) for job in jobs) >= PARALLEL_BYTES else 1
        return fork_map(parse, jobs, processes, progress, min_items=2,
                        spool=self.store.folder if self.store else None)

    def _in_flux(self, rel: str, info: os.stat_result,
                 cached: tuple[tuple[int, int, int], FileResult] | None,
                 now: float, settle: float) -> bool:
        """Whether a changed file may still be being written (then its old parse stays).

        A file modified less than `settle` seconds ago may be half written.  A file whose
        size changed under an unchanged mtime is being truncated or written right now: on
        ext4 an in-place rewrite shows size 0 with the old mtime for milliseconds (longer
        under load), which no mtime check can tell from a file emptied long ago; it is
        held until its mtime moves or it has looked the same for `settle` seconds (two
        writes within one mtime tick, or a truncation on purpose).  Unchanged is measured
        against how the file looked when last seen whole, not when last parsed: a file
        rewritten since was seen while it settled, and its next rewrite starts from that.
        """
        signature = (info.st_size, info.st_mtime_ns, info.st_ino)
        seen = self._seen.get(rel, cached[0] if cached is not None else None)
        if info.st_mtime > now - settle:
            self._seen[rel] = signature
            return True
        if seen is None or seen[0] == info.st_size or seen[1:] != signature[1:]:
            self._held.pop(rel, None)
            self._seen[rel] = signature
            return False
        held, since = self._held.get(rel, (None, now))
        if held != signature:
            self._held[rel] = (signature, now)
            return True
        if now - since < settle:
            return True
        self._seen[rel] = signature  # looked so for `settle` seconds: it is the content
        return False

    def state(self, store: EntryStore) -> object:
        """What a later Loader needs to skip unchanged files (picklable), the entries put
        in `store`."""
        for _, result in self._files.values():
            result.store(store)
        return (CACHE_VERSION, self._settings_key, self._files, self._racy)

    def stored(self) -> set[str]:
        """The names in the store of the entries the last state() put there."""
        return {result._stored for _, result in self._files.values()
                if result._stored is not None}

    def restore_state(self, state: object, store: EntryStore) -> None:
        """Take what state() returned; anything else is ignored (a full parse follows).

        Entries are read from `store` when first asked for; StoreDamaged if they are gone.
        """
        self.store = store
        if isinstance(state, tuple) and len(state) == 4 and state[0] == CACHE_VERSION:
            _, self._settings_key, self._files, self._racy = state
            for _, result in self._files.values():
                result._store = store


def load_seeds(seeds: Path, now: float | None = None) -> Corpus:
    """Parse a seeds folder once (see Loader for repeated loads)."""
    return Loader(seeds).load(now)


__all__ = ["Corpus", "Loader", "SeedError", "discover", "load_seeds"]
