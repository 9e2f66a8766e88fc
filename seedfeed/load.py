"""A seeds folder to the site's corpus: find the seed files, parse each, merge them.

This is the I/O edge of parsing.  What each file held is kept (in memory, and in the site
database when there is one) so that a later load parses only the files that changed.  A
file is known unchanged by its size, mtime and inode, unless it was modified so shortly
before it was last looked at that a second write could share its mtime (model.racy): then
by its content hash (the same rule git applies to its index).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

from .corpus import Corpus, Parsed
from .database import Database
from .decode import DecodeError, decode_seed
from .entries import make_entry
from .model import Entry, Level, Problem, SeedError, content_hash, racy
from .parse import parse_text, short_lines
from .scan import Scan, code_fingerprint, walk
from .settings import RESERVED_SECTIONS, SETTINGS_FILE, Settings, load_settings

SEED_SUFFIX = ".txt"
REPEATED_FILES = 3  # a short line in this many files of a section, and in half, is furniture
Signature = tuple[int, int, int]  # size, mtime_ns, inode


@dataclass(frozen=True, slots=True)
class SeedFile:
    path: Path
    rel: str  # relative to the seeds folder, with forward slashes: used in messages
    section: str


def discover(scan: Scan, seeds: Path, settings: Settings
             ) -> tuple[list[SeedFile], list[Problem]]:
    """The seed files of a scan, each with its section; problems: links, reserved names."""
    found: list[SeedFile] = []
    problems = list(scan.links)
    named = {rel.split("/")[0] if "/" in rel else settings.default_section
             for rel in scan.files if rel.endswith(SEED_SUFFIX)}
    for name, line in settings.section_lines.items():
        if name not in named:
            problems.append(Problem(SETTINGS_FILE, line, Level.WARNING, (
                f"[sections.{name}] names no section (no folder {name!r} holds seeds): the "
                f"sections are {', '.join(repr(n) for n in sorted(named))}") if named else (
                f"[sections.{name}] names no section: no seed files yet")))
    for rel, info in scan.files.items():
        if not rel.endswith(SEED_SUFFIX):
            continue
        if stat.S_ISLNK(info.st_mode):
            problems.append(Problem(rel, 1, Level.WARNING,
                                    "symbolic link not followed: seeds must be real files"))
            continue
        section = rel.split("/")[0] if "/" in rel else settings.default_section
        if section.casefold() in RESERVED_SECTIONS:
            problems.append(Problem(rel, 1, Level.ERROR,
                                    f"section name {section!r} is reserved; file skipped"))
            continue
        found.append(SeedFile(seeds / rel, rel, section))
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
    tz, authority = settings.tz, settings.authority
    language = settings.section_language(seed.section)  # (an entry's own is told apart)
    entries = tuple(
        make_entry(item, section=seed.section, source_path=seed.rel, tz=tz,
                   authority=authority, section_language=language)
        for item in parsed.items
    )
    return entries, decoded.problems + parsed.problems


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
class _Known:
    """A seed file as last parsed: its signature then, when that was taken, its parse."""

    signature: Signature
    seen: float
    parsed: Parsed


@dataclass
class Loader:
    """Loads a seeds folder again and again, parsing only the files that changed.

    With a `db` (database.Database), what it parsed is kept there too: a new process (a
    build, a server worker) parses only what changed since any run parsed it.
    """

    seeds: Path
    db: Database | None = None
    on_progress: Callable[[int, int], None] | None = None
    base_url: str | None = None  # overrides site.toml's, e.g. from `build --base-url`
    describe: bool = False  # each file's layout and date forms as an info line (check -v)
    # Entries taken from the database are read at once (a server, which keeps them),
    # not when first asked for (a build, which reads few of them).
    eager: bool = False
    reparsed: int = 0  # files the last load() parsed
    _known: dict[str, _Known] = field(default_factory=dict)
    _parse_key: str = ""
    _used: set[str] = field(default_factory=set)  # parses read from the database
    _corpus: Corpus | None = None
    _held: dict[str, tuple[Signature, float]] = field(default_factory=dict)
    _seen: dict[str, Signature] = field(default_factory=dict)  # see _in_flux
    _holding: set[str] = field(default_factory=set)  # files held back by this load
    _pending: list[tuple[str, _Known]] = field(default_factory=list)  # to record

    def load(self, now: float | None = None, settle: float = 0.0, scan: Scan | None = None
             ) -> Corpus:
        """Parse the folder (`scan`: as walked already); SeedError only for unusable
        settings.  The same Corpus object as last time when nothing changed.

        With `settle` (seconds) and `now`, a seed file modified less than `settle` ago may
        still be being written: its previous parse is kept (a new file waits) and a later
        load looks at it again.  A server polling the folder uses it so that it never
        publishes a file caught half-written.
        """
        settings = load_settings(self.seeds)
        if self.base_url is not None:
            settings = settings.with_base_url(self.base_url, str(self.seeds / SETTINGS_FILE))
        # (what parsing depends on: a new title or max_age parses nothing again)
        parse_key = _hash(settings.timezone, settings.authority, settings.language,
                          settings.default_section, code_fingerprint(), self.describe,
                          {name: (section.hints, section.language)
                           for name, section in settings.sections.items()})
        if parse_key != self._parse_key:
            self._known.clear()
            self._parse_key = parse_key
        scan = scan or walk(self.seeds)
        seen_at = now if now is not None else time.time()
        seeds, problems = discover(scan, self.seeds, settings)
        self.reparsed, self._holding, self._pending, self._used = 0, set(), [], set()
        # First what each file's short lines are, for the lines repeated in a section.
        # found: rel -> (seed, signature, the parse to keep or None, short lines, the
        # previous parse to fall back on if the file changes while it is read again)
        found: dict[str, tuple[SeedFile, Signature, _Known | None, frozenset[str],
                               _Known | None]] = {}
        for seed in seeds:
            info = scan.files[seed.rel]
            if not stat.S_ISREG(info.st_mode):
                problems.append(Problem(seed.rel, 1, Level.WARNING,
                                        "not a regular file; skipped"))
                continue
            signature = (info.st_size, info.st_mtime_ns, info.st_ino)
            known = self._known.get(seed.rel) or self._stored_known(seed.rel)
            if known is not None and known.signature == signature \
                    and not racy(info.st_mtime, known.seen):
                found[seed.rel] = (seed, signature, known, known.parsed.short_lines, known)
            elif settle > 0 and now is not None and self._in_flux(seed.rel, info, known,
                                                                  now, settle):
                self._holding.add(seed.rel)
                if known is not None:
                    found[seed.rel] = (seed, known.signature, known, known.parsed.short_lines,
                                       known)
            else:
                data = self._read(seed, signature, problems)
                if data is None:  # (unreadable, or written to while read: held)
                    if known is not None and seed.rel in self._holding:
                        found[seed.rel] = (seed, known.signature, known,
                                           known.parsed.short_lines, known)
                    continue
                if known is not None and known.parsed.digest == content_hash(data) and \
                        _written(known.signature, settings) == _written(signature, settings):
                    known = _Known(signature, seen_at, known.parsed)  # touched only
                    self._remember(seed.rel, known)
                    found[seed.rel] = (seed, signature, known, known.parsed.short_lines, known)
                else:
                    found[seed.rel] = (seed, signature, None, short_lines(data), known)
        by_section: dict[str, list[frozenset[str]]] = {}
        for seed, _, _, lines, _ in found.values():
            by_section.setdefault(seed.section, []).append(lines)
        repeated = {section: _repeated_among(lines) for section, lines in by_section.items()}
        # Then parse what changed (a file is parsed again when its section's repeated
        # lines among its own changed: what one file's furniture is depends on the others).
        files: list[tuple[str, str, Parsed]] = []
        mtimes: dict[str, float] = {}
        for done, (seed, signature, known, lines, prior) in enumerate(found.values(), start=1):
            wanted = repeated[seed.section] & lines
            if known is None or known.parsed.repeated != wanted:
                known = self._parse(seed, signature, seen_at, lines, wanted, settings,
                                    problems)
                if known is None and seed.rel in self._holding:  # (changed while read)
                    known = prior
                    problems.append(Problem(seed.rel, 1, Level.WARNING, (
                        "changed while being read: its previous content is published until "
                        "the next run") if prior is not None else (
                        "changed while being read: skipped until the next run")))
            if known is not None:
                files.append((seed.rel, seed.section, known.parsed))
                mtimes[seed.rel] = known.signature[1] / 1e9  # (of the content published)
                problems.extend(known.parsed.problems)
            if self.on_progress is not None:
                self.on_progress(done, len(found))
        if self.db is not None:  # (one short transaction: never one held while parsing)
            with self.db.transaction():
                for rel, known in self._pending:
                    self.db.put_seed(self._parse_key, rel, self._parse_id(rel, known, settings),
                                     known.signature, known.seen, known.parsed)
                self.db.forget_seeds((seed.rel for seed in seeds), seen_at, self._used)
        self._pending = []
        present = {seed.rel for seed in seeds}
        for memory in (self._known, self._held, self._seen):
            for gone in set(memory) - present:
                del memory[gone]
        return self._corpus_of(settings, files, problems, mtimes, scan)

    def _corpus_of(self, settings: Settings, files: list[tuple[str, str, Parsed]],
                   problems: list[Problem], mtimes: dict[str, float], scan: Scan) -> Corpus:
        mtimes.update(scan.folders)
        before = self._corpus.mtimes if self._corpus is not None else {}
        for rel in self._holding:
            # A file held back to settle changed its folder's mtime already: that time
            # describes content not published yet, and a Last-Modified taken from it would
            # be sent with the old body (If-Modified-Since clients then miss the new one).
            # Its parent folders too: a new section's folder changed the root's.
            parts = rel.split("/")[:-1]
            for folder in ["./", *("/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))]:
                mtimes[folder] = before.get(folder, 0.0)
        if SETTINGS_FILE in scan.files:
            mtimes[SETTINGS_FILE] = scan.files[SETTINGS_FILE].st_mtime
        previous = self._corpus
        if (self.reparsed == 0 and previous is not None and previous.mtimes == mtimes
                and previous.settings == settings
                and [f[2] for f in previous.files] == [f[2] for f in files]):
            return previous  # nothing changed: callers can tell by identity
        # (named like the seeds, relative to the folder: "site.toml:1: warning: ...")
        problems[:0] = [replace(problem, path=SETTINGS_FILE) for problem in settings.problems]
        self._corpus = Corpus.of(settings, files, tuple(problems), mtimes)
        return self._corpus

    def _stored_known(self, rel: str) -> _Known | None:
        """The database's record of a seed file, for this parse key."""
        if self.db is None:
            return None
        found = self.db.stored(self._parse_key, rel, self.eager)
        if found is None:
            return None
        (signature, seen, parse, digest, lines, repeated, problems, ids, slugs, days,
         date_only, prints, entries) = found
        self._used.add(parse)
        read = entries.__getitem__ if entries is not None else partial(self.db.entry, parse)
        return _Known(signature, seen, Parsed(digest, problems, lines, repeated, ids, slugs,
                                              days, date_only, prints, read))

    def _parse_id(self, rel: str, known: _Known, settings: Settings) -> str:
        """A parse's id: everything its entries depend on (the parse key, the file's
        path, bytes, furniture and the day it was written, see parse_seed_bytes)."""
        parsed = known.parsed
        return self._parse_key + _hash(rel, parsed.digest, sorted(parsed.repeated),
                                       _written(known.signature, settings))

    def _read(self, seed: SeedFile, signature: Signature, problems: list[Problem]
              ) -> bytes | None:
        """The file's bytes; None when unreadable (reported) or written to while being
        read (the bytes may be torn: held for a later look)."""
        try:
            data = seed.path.read_bytes()
            after = seed.path.stat()
        except OSError as exc:
            problems.append(Problem(seed.rel, 1, Level.ERROR, f"cannot read: {exc.strerror}"))
            return None
        if (after.st_size, after.st_mtime_ns, after.st_ino) != signature:
            self._holding.add(seed.rel)
            return None
        return data

    def _parse(self, seed: SeedFile, signature: Signature, seen_at: float,
               lines: frozenset[str], repeated: frozenset[str], settings: Settings,
               problems: list[Problem]) -> _Known | None:
        data = self._read(seed, signature, problems)
        if data is None:
            return None
        mtime = signature[1] / 1e9
        entries, found = parse_seed_bytes(data, seed, settings, mtime, self.describe,
                                          repeated)
        known = _Known(signature, seen_at, Parsed.of(content_hash(data), entries, found,
                                                     lines, repeated))
        self._remember(seed.rel, known)
        self.reparsed += 1
        return known

    def _remember(self, rel: str, known: _Known) -> None:
        """Keep what a file holds, in memory (and in the database at the end of the load)."""
        self._known[rel] = known
        self._pending.append((rel, known))

    def _in_flux(self, rel: str, info: os.stat_result, known: _Known | None,
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
        seen = self._seen.get(rel, known.signature if known is not None else None)
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


def _written(signature: Signature, settings: Settings) -> str:
    """The day a file was last written, where the site is (parse_seed_bytes uses it)."""
    return datetime.fromtimestamp(signature[1] / 1e9, settings.tz).date().isoformat()


def _hash(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def load_seeds(seeds: Path, now: float | None = None) -> Corpus:
    """Parse a seeds folder once, without a database (see Loader for repeated loads)."""
    return Loader(seeds).load(now)


__all__ = ["Corpus", "Loader", "SeedError", "discover", "load_seeds", "walk"]
