"""A seeds folder to the site's entries: find seed files, parse each, merge them.

This is the I/O edge of parsing.  It keeps what it parsed per file so that a second load
re-reads only files that changed; a file is known unchanged by its size, mtime and inode,
and a file modified within RACY_SECONDS of the previous scan is re-hashed, because two
writes can share one mtime (the same trick git uses for its index).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .decode import DecodeError, decode_seed
from .entries import make_entry
from .model import Entry, Level, Problem, SeedError, content_hash
from .parse import parse_text
from .settings import RESERVED_SECTIONS, SETTINGS_FILE, Settings, load_settings

SEED_SUFFIX = ".txt"
RACY_SECONDS = 2.0
CACHE_VERSION = 1


@dataclass(frozen=True, slots=True)
class SeedFile:
    path: Path
    rel: str  # relative to the seeds folder, with forward slashes: used in messages
    section: str


@dataclass(frozen=True, slots=True)
class FileResult:
    """Everything one seed file contributes; depends only on its bytes and the settings."""

    digest: str
    mtime: float
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Corpus:
    """The parsed site: entries newest first, the problems found, and each file's mtime."""

    settings: Settings
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    mtimes: dict[str, float]  # seed rel path (folders end in "/") and site.toml -> mtime

    def sections(self) -> list[str]:
        return sorted({entry.section for entry in self.entries})


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


def parse_seed_bytes(data: bytes, seed: SeedFile, settings: Settings) -> tuple[
        tuple[Entry, ...], tuple[Problem, ...]]:
    """One seed file's bytes to its entries and problems; never raises for bad input."""
    try:
        decoded = decode_seed(data, seed.rel)
    except DecodeError as exc:
        return (), (Problem(seed.rel, exc.line, Level.ERROR, f"{exc.message}; file skipped"),)
    parsed = parse_text(decoded.text, seed.rel)
    tz, authority, language = settings.tz, settings.authority, settings.language
    entries = tuple(
        make_entry(item, section=seed.section, source_path=seed.rel, tz=tz,
                   authority=authority, site_language=language)
        for item in parsed.items
    )
    return entries, decoded.problems + parsed.problems


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
    reparsed: int = 0  # files the last load() parsed (0: everything came from the cache)

    def load(self, now: float | None = None, settle: float = 0.0) -> Corpus:
        """Parse the folder; raises SeedError only for unusable settings.

        With `settle` (seconds, less than RACY_SECONDS) and `now`, a seed file modified
        less than `settle` ago may still be being written: its previous parse is kept (a
        new file waits) and a later load looks at it again.  A server polling the folder
        uses it so that it never publishes a file caught half-written.
        """
        settings = load_settings(self.seeds)
        if self.base_url is not None:
            settings = replace(settings, base_url=self.base_url.rstrip("/") + "/")
        settings_key = pickle.dumps(settings)
        if settings_key != self._settings_key:
            self._files.clear()
            self._settings_key = settings_key
        folders: dict[str, float] = {}
        seeds, problems = discover(self.seeds, settings, folders)
        results: dict[str, FileResult] = {}
        reparsed = 0
        racy: set[str] = set()
        flux = (now, settle) if settle > 0 and now is not None else None
        for done, seed in enumerate(seeds, start=1):
            result, was_parsed = self._load_file(seed, settings, problems, flux)
            if result is not None:
                results[seed.rel] = result
                if now is not None and now - result.mtime < RACY_SECONDS:
                    racy.add(seed.rel)
            reparsed += was_parsed
            if self.on_progress is not None:
                self.on_progress(done, len(seeds))
        self._racy = racy
        self.reparsed = reparsed
        for gone in set(self._files) - set(results):
            del self._files[gone]
        for gone in set(self._held) - {seed.rel for seed in seeds}:
            del self._held[gone]
        mtimes = {rel: result.mtime for rel, result in results.items()}
        mtimes.update(folders)
        settings_path = self.seeds / SETTINGS_FILE
        if settings_path.exists():
            mtimes[SETTINGS_FILE] = settings_path.stat().st_mtime
        previous = self._corpus
        if (reparsed == 0 and previous is not None and previous.mtimes == mtimes
                and previous.settings == settings):
            return previous  # nothing changed: callers can tell by identity
        for result in results.values():
            problems.extend(result.problems)
        entries = merge(result.entries for result in results.values())
        self._corpus = Corpus(settings, entries, tuple(problems), mtimes)
        return self._corpus

    def _load_file(self, seed: SeedFile, settings: Settings, problems: list[Problem],
                   flux: tuple[float, float] | None = None) -> tuple[FileResult | None, bool]:
        try:
            info = seed.path.stat()
        except OSError as exc:
            problems.append(Problem(seed.rel, 1, Level.ERROR, f"cannot read: {exc.strerror}"))
            return None, False
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(seed.rel, 1, Level.WARNING, "not a regular file; skipped"))
            return None, False
        signature = (info.st_size, info.st_mtime_ns, info.st_ino)
        cached = self._files.get(seed.rel)
        if cached is not None and cached[0] == signature and seed.rel not in self._racy:
            return cached[1], False
        if flux is not None and self._in_flux(seed.rel, info, cached, *flux):
            return (cached[1] if cached is not None else None), False
        try:
            data = seed.path.read_bytes()
            after = seed.path.stat() if flux is not None else info
        except OSError as exc:
            problems.append(Problem(seed.rel, 1, Level.ERROR, f"cannot read: {exc.strerror}"))
            return None, False
        if (after.st_size, after.st_mtime_ns, after.st_ino) != signature:
            # Written to while being read: the bytes may be torn.  Look again next time.
            return (cached[1] if cached is not None else None), False
        digest = content_hash(data)
        if cached is not None and cached[1].digest == digest:
            result = FileResult(digest, info.st_mtime, cached[1].entries, cached[1].problems)
            self._files[seed.rel] = (signature, result)
            return result, False
        entries, file_problems = parse_seed_bytes(data, seed, settings)
        result = FileResult(digest, info.st_mtime, entries, file_problems)
        self._files[seed.rel] = (signature, result)
        return result, True

    def _in_flux(self, rel: str, info: os.stat_result,
                 cached: tuple[tuple[int, int, int], FileResult] | None,
                 now: float, settle: float) -> bool:
        """Whether a changed file may still be being written (then its old parse stays).

        A file modified less than `settle` seconds ago may be half written.  A file whose
        size changed under an unchanged mtime is being truncated or written right now: on
        ext4 an in-place rewrite shows size 0 with the old mtime for milliseconds (longer
        under load), which no mtime check can tell from a file emptied long ago; it is
        held until its mtime moves or it has looked the same for `settle` seconds (two
        writes within one mtime tick, or a truncation on purpose).
        """
        if info.st_mtime > now - settle:
            return True
        signature = (info.st_size, info.st_mtime_ns, info.st_ino)
        if cached is None or cached[0][0] == info.st_size or cached[0][1:] != signature[1:]:
            self._held.pop(rel, None)
            return False
        held, since = self._held.get(rel, (None, now))
        if held != signature:
            self._held[rel] = (signature, now)
            return True
        return now - since < settle

    def state(self) -> object:
        """What a later Loader needs to skip unchanged files (picklable)."""
        return (CACHE_VERSION, self._settings_key, self._files, self._racy)

    def restore_state(self, state: object) -> None:
        """Take what state() returned; anything else is ignored (a full parse follows)."""
        if isinstance(state, tuple) and len(state) == 4 and state[0] == CACHE_VERSION:
            _, self._settings_key, self._files, self._racy = state


def merge(groups: Iterable[Iterable[Entry]]) -> tuple[Entry, ...]:
    """All entries newest first, one per id; same-day items keep their seed order.

    Groups arrive in seed path order, so when two files hold the same item the one in
    the first file (by path) is kept: a deterministic choice.
    """
    seen: set[str] = set()
    unique: list[Entry] = []
    for group in groups:
        for entry in group:
            if entry.id not in seen:
                seen.add(entry.id)
                unique.append(entry)
    unique.sort(key=lambda entry: entry.published.toordinal(), reverse=True)
    return tuple(unique)


def load_seeds(seeds: Path, now: float | None = None) -> Corpus:
    """Parse a seeds folder once (see Loader for repeated loads)."""
    return Loader(seeds).load(now)


__all__ = ["Corpus", "Loader", "SeedError", "discover", "load_seeds", "merge"]
