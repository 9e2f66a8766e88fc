"""The site database: everything seedfeed remembers between runs, in one SQLite file.

- `entry`: the ledger of every entry ever published (see ledger.py): ids are permanent.
- `document`: for every document at every base URL, the digest of its bytes and when
  they last changed (its Last-Modified, in the server and as a static file's mtime).
- `seed`, `parse`, `parsed`: what each seed file held when last parsed (its signature,
  its entries), so that a run parses only the files that changed.
- `announced`: each feed's URL and the digest its WebSub hub was last told of.
- `output`, `build`: for each output folder, the files the last build wrote (whose they
  are, what they were rendered from) and that build's inputs, so that a build with
  nothing to do stops before parsing, and a build never removes a file it did not write.

Opened in WAL mode, so that a build and a server's workers share it: readers never wait,
writers take turns.  Deleting it is safe: the next run makes a new one, losing only the
memory of edits (see ledger.py) and the time a full build takes.  The tables that only
save work (`seed`, `parse`, `parsed`, `output`, `build`) are emptied when seedfeed's storage
changes (SCHEMA_VERSION); the ledger and the dates are kept.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import Entry, Level, Problem

if TYPE_CHECKING:
    from .corpus import Parsed

SUFFIX = ".seedfeed.sqlite"
BUSY_SECONDS = 30.0  # how long a run waits for another one's write to finish
SCHEMA_VERSION = 6
PRINT_BYTES = 16  # the length of an Entry.fingerprint
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entry (
    id TEXT PRIMARY KEY,      -- the id it was first published with: never changes
    slug TEXT NOT NULL,       -- its page's name, fixed with the id
    section TEXT NOT NULL,
    day INTEGER NOT NULL,     -- proleptic ordinal of its day
    text TEXT NOT NULL,       -- its current title and text (HTML), compared by words()
    own TEXT NOT NULL,        -- the id its current words give (entries.identity)
    raw BLOB NOT NULL,        -- Entry.fingerprint of its current parse: unchanged, unread
    first_print BLOB NOT NULL,
    print BLOB NOT NULL,      -- a hash of its current title and text
    first_seen REAL NOT NULL, -- unix seconds
    changed REAL,             -- when its content last changed (NULL: never)
    gone REAL                 -- when it left the seeds (NULL: it is there)
);
CREATE INDEX IF NOT EXISTS entry_day ON entry (section, day);
CREATE INDEX IF NOT EXISTS entry_own ON entry (own);
CREATE TABLE IF NOT EXISTS document (
    path TEXT PRIMARY KEY,    -- base_url + the path under the output root
    digest TEXT NOT NULL,
    changed INTEGER NOT NULL  -- unix seconds: when these bytes were first made
);
CREATE TABLE IF NOT EXISTS seed (
    parse_key TEXT NOT NULL,  -- the settings and seedfeed parses are made with
    path TEXT NOT NULL,       -- relative to the seeds folder
    parse TEXT NOT NULL,      -- what it held when last parsed (a row of parse)
    size INTEGER, mtime_ns INTEGER, ino INTEGER,  -- its signature then
    seen REAL NOT NULL,       -- when that signature was taken (see model.racy)
    PRIMARY KEY (parse_key, path)
);
CREATE TABLE IF NOT EXISTS parse (
    id TEXT PRIMARY KEY,      -- a hash of the settings, seedfeed, path, bytes and furniture
    digest TEXT NOT NULL,     -- model.content_hash of the bytes
    short_lines TEXT NOT NULL, repeated TEXT NOT NULL, problems TEXT NOT NULL,  -- JSON
    entries TEXT NOT NULL,    -- JSON: the entries' ids, slugs, days and date_only flags
    prints BLOB NOT NULL,     -- their Entry.fingerprint, one after the other
    made REAL NOT NULL        -- unix seconds: made or last used (see forget_seeds)
);
CREATE TABLE IF NOT EXISTS parsed (
    parse TEXT NOT NULL, n INTEGER NOT NULL,  -- the parse, and the entry's place in it
    data TEXT NOT NULL,       -- the entry, as JSON
    PRIMARY KEY (parse, n)
);
CREATE TABLE IF NOT EXISTS output (
    folder TEXT NOT NULL, path TEXT NOT NULL,  -- an output folder, a file under it
    size INTEGER, mtime_ns INTEGER,  -- as written (NULL: a build may have written it)
    key BLOB, digest TEXT,     -- what it was rendered from, a hash of its bytes
    PRIMARY KEY (folder, path)
);
CREATE TABLE IF NOT EXISTS announced (
    url TEXT PRIMARY KEY,     -- a feed's URL (a WebSub topic)
    digest TEXT NOT NULL,     -- the digest of the bytes its hub was told (or is being told) of
    pending REAL              -- unix seconds: being told since (NULL: told)
);
CREATE TABLE IF NOT EXISTS build (
    folder TEXT PRIMARY KEY,  -- the output folder
    inputs TEXT NOT NULL,     -- a hash of every seed's signature and the options
    built_at REAL NOT NULL, racy TEXT NOT NULL,  -- young seeds' content hashes (JSON)
    sections INTEGER NOT NULL, entries INTEGER NOT NULL, problems TEXT NOT NULL
);
"""
_CACHES = ("seed", "parse", "parsed", "output", "build", "announced")
KEEP_PARSES = 3600.0  # seconds an unused parse stays: a running build may still read it


class DatabaseError(Exception):
    """The site database cannot be used (damaged, not a database, not writable)."""


def default_path(seeds: Path) -> Path:
    """Beside the seeds folder, never in it (a new file there would look like an edit):
    `seeds/` keeps its database in `seeds.seedfeed.sqlite`."""
    seeds = seeds.resolve()
    return seeds.parent / (seeds.name + SUFFIX)


class Database:
    """The site database at `path`, created on first use.

    DatabaseError when the file is not one; sqlite3.Error when a later use fails.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._open()
        except sqlite3.OperationalError:
            raise  # (locked for longer than BUSY_SECONDS, read-only, ...: said as it is)
        except sqlite3.DatabaseError as exc:
            # Never replaced silently: it holds the ids of everything published.
            raise DatabaseError(
                f"{path}: not a site database ({exc}): move it away to start a new one "
                "(entries edited since first published then get new ids)") from exc

    def _open(self) -> None:
        self.db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None,
                                  check_same_thread=False)
        # Switching a new database to WAL takes a lock that SQLite does not wait for:
        # processes starting together (a server's workers) wait for each other here.
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        self.db.execute("PRAGMA synchronous=NORMAL")
        with self.transaction() as db:
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                for table in _CACHES:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            for statement in _SCHEMA.split(";"):  # (executescript would commit first)
                db.execute(statement)
        self._version = self.db.execute("PRAGMA data_version").fetchone()[0]
        self._file = _identity(self.path)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its start: what is read in it is
        what is written over (two processes writing at once take turns).  `commit` False:
        rolled back (what it would write is only looked at)."""
        if self.db.in_transaction:  # (nested: part of the enclosing one)
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT" if commit else "ROLLBACK")

    def changed_elsewhere(self) -> bool:
        """Whether another connection (process) wrote since the last call (SQLite's
        data_version: a few microseconds, no file read)."""
        if _identity(self.path) != self._file:
            # Deleted (or replaced) under a running server: a new database is made, as a
            # new run would (an open connection to a deleted file would pair it with the
            # new one's WAL).
            self.db.close()
            self._open()
            return True
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        changed = version != self._version
        self._version = version
        return bool(changed)

    # --- WebSub: what the hub was told (websub.py) ----------------------------------------

    def claim_announcements(self, feeds: Iterable[tuple[str, str]], now: float,
                            stale: float) -> list[str]:
        """The URLs among (URL, digest) whose hub has not been told of that digest, now
        being told (pending): of processes seeing one change, one tells it.  A claim
        pending for over `stale` seconds (its process was killed) is taken over."""
        claimed = []
        with self.transaction() as db:
            for url, digest in feeds:
                if db.execute("INSERT INTO announced VALUES (?, ?, ?) ON CONFLICT (url) DO "
                              "UPDATE SET digest=excluded.digest, pending=excluded.pending "
                              "WHERE digest != excluded.digest OR pending < ?",
                              (url, digest, now, now - stale)).rowcount:
                    claimed.append(url)
        return claimed

    def settle_announcements(self, told: Iterable[str], failed: Iterable[str]) -> None:
        """Claims done: `told` are told; `failed` are forgotten (the next run that sees
        these feeds tells them)."""
        with self.transaction() as db:
            db.executemany("UPDATE announced SET pending=NULL WHERE url=?",
                           [(url,) for url in told])
            db.executemany("DELETE FROM announced WHERE url=?", [(url,) for url in failed])

    # --- seeds: what each file held when last parsed -------------------------------------
    # A parse's rows never change (its id hashes everything it depends on), so that a
    # process reading entries from it later (a build rendering) reads what it parsed,
    # whatever other processes record meanwhile.

    def stored(self, parse_key: str, path: str, eager: bool = False
               ) -> tuple[Any, ...] | None:
        """(signature, seen, parse id, digest, short lines, repeated, problems, ids, slugs,
        days, date_only, prints, entries) of a seed parsed with `parse_key`, or None;
        entries: a tuple of Entry when `eager`, else None (see entry())."""
        self.db.execute("BEGIN")  # (one snapshot of the tables)
        try:
            row = self.db.execute(
                "SELECT size, mtime_ns, ino, seen, parse, digest, short_lines, repeated, "
                "problems, entries, prints FROM seed JOIN parse ON parse = id "
                "WHERE parse_key = ? AND path = ?", (parse_key, path)).fetchone()
            if row is None:
                return None
            size, mtime_ns, ino, seen, parse, digest, lines, repeated, problems, meta, \
                prints = row
            ids, slugs, days, date_only = json.loads(meta)
            rows: list[str] = [data for data, in self.db.execute(
                "SELECT data FROM parsed WHERE parse=? ORDER BY n", (parse,))] if eager \
                else [""] * self.db.execute("SELECT count(*) FROM parsed WHERE parse=?",
                                            (parse,)).fetchone()[0]
        finally:
            self.db.execute("COMMIT")
        if len(rows) != len(ids):
            return None  # (rows lost: parsed again)
        return ((size, mtime_ns, ino), seen, parse, digest, frozenset(json.loads(lines)),
                frozenset(json.loads(repeated)), _problems(problems), tuple(ids),
                tuple(slugs), tuple(days), tuple(date_only),
                tuple(prints[k:k + PRINT_BYTES] for k in range(0, len(prints), PRINT_BYTES)),
                tuple(map(_entry, rows)) if eager else None)

    def put_seed(self, parse_key: str, path: str, parse: str,
                 signature: tuple[int, int, int], seen: float, parsed: Parsed) -> None:
        """Record a seed's parse (`parse`: its id, see load.Loader) and signature; the
        parse's entries are read only if the database does not have them yet."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM parse WHERE id=?", (parse,)).fetchone() is None:
                db.execute("INSERT INTO parse VALUES (?,?,?,?,?,?,?,?)", (
                    parse, parsed.digest, json.dumps(sorted(parsed.short_lines)),
                    json.dumps(sorted(parsed.repeated)), _json(parsed.problems),
                    json.dumps((parsed.ids, parsed.slugs, parsed.days, parsed.date_only),
                               ensure_ascii=False), b"".join(parsed.prints), seen))
                db.executemany("INSERT INTO parsed VALUES (?,?,?)", (
                    (parse, n, json.dumps(
                        (e.id, e.section, e.slug, e.title, e.published.isoformat(), e.summary,
                         e.content_html, e.source, e.language, e.date_only),
                        ensure_ascii=False)) for n, e in enumerate(parsed.entries)))
            # (a parse no seed has any more is kept KEEP_PARSES from now: see forget_seeds)
            db.execute("UPDATE parse SET made=? WHERE id IN (SELECT parse FROM seed WHERE "
                       "parse_key=? AND path=? AND parse != ?)", (seen, parse_key, path, parse))
            db.execute("INSERT OR REPLACE INTO seed VALUES (?,?,?,?,?,?,?)",
                       (parse_key, path, parse, *signature, seen))

    def forget_seeds(self, keep: Iterable[str], now: float, used: Iterable[str]) -> None:
        """Forget the seeds not in `keep` (removed from the folder); parses no seed has
        had for KEEP_PARSES seconds go too.  `used`: parses a process read entries from
        (or will): kept KEEP_PARSES from now, however long ago they were made."""
        keep = set(keep)
        gone = [(path,) for path, in self.db.execute("SELECT DISTINCT path FROM seed")
                if path not in keep]
        with self.transaction() as db:
            db.executemany("UPDATE parse SET made=? WHERE id IN "
                           "(SELECT parse FROM seed WHERE path=?)", ((now, *p) for p in gone))
            db.executemany("DELETE FROM seed WHERE path=?", gone)
            db.executemany("UPDATE parse SET made=? WHERE id=? AND made < ?",
                           ((now, parse, now - KEEP_PARSES / 2) for parse in used))
            old = db.execute("SELECT id FROM parse WHERE made < ? AND id NOT IN "
                             "(SELECT parse FROM seed)", (now - KEEP_PARSES,)).fetchall()
            db.executemany("DELETE FROM parse WHERE id=?", old)
            db.executemany("DELETE FROM parsed WHERE parse=?", old)

    def entry(self, parse: str, n: int) -> Entry:
        """The n-th entry of a parse (KeyError when the database no longer has it: a parse
        no seed has had for KEEP_PARSES seconds)."""
        row = self.db.execute("SELECT data FROM parsed WHERE parse=? AND n=?",
                              (parse, n)).fetchone()
        if row is None:
            raise KeyError(f"{self.path}: entry {n} of parse {parse} is gone")
        return _entry(row[0])

    # --- documents: when each one's bytes last changed --------------------------------

    def date(self, documents: Iterable[tuple[str, str, int]], base_url: str = ""
             ) -> dict[str, int]:
        """When each document's bytes last changed, by path; `documents`: (path, digest,
        the newest mtime of its inputs), recorded for those that are new or changed.
        `base_url`: where they are published (`build --base-url` may differ from the
        server's): each place keeps its own dates.  See next_date."""
        with self.transaction():
            known = self.dates(base_url)
            dates: dict[str, int] = {}
            changed: list[tuple[str, str, int]] = []
            for path, digest, mtime in documents:
                dates[path] = next_date(known.get(path), digest, mtime)
                if known.get(path, ("", 0))[0] != digest:
                    changed.append((base_url + path, digest, dates[path]))
            self.record_dates(changed)
        return dates

    def dates(self, base_url: str) -> dict[str, tuple[str, int]]:
        """path -> (digest, when it was first made) of every document at `base_url`."""
        return {path[len(base_url):]: (digest, changed) for path, digest, changed in
                self.db.execute("SELECT path, digest, changed FROM document "
                                "WHERE substr(path, 1, ?) = ?", (len(base_url), base_url))}

    def record_dates(self, dates: Iterable[tuple[str, str, int]]) -> None:
        """Record (base_url + path, digest, date) of documents whose bytes changed.

        What another process recorded meanwhile is not overwritten with an older date: a
        digest already there keeps its date, another one is dated no earlier than one
        second after it (next_date's rule, applied again at the moment of writing).
        """
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO document VALUES (?,?,?) ON CONFLICT (path) DO UPDATE SET "
                "changed = CASE WHEN digest = excluded.digest THEN changed "
                "ELSE max(excluded.changed, changed + 1) END, digest = excluded.digest",
                dates)

    # --- outputs: the files a build wrote, and its inputs ------------------------------

    def outputs(self, folder: str) -> dict[str, tuple[Any, ...]]:
        """path -> (size, mtime_ns, key, digest) of each file the builds into `folder`
        own (size None: claimed by a build that may have been killed)."""
        return {path: tuple(row) for path, *row in self.db.execute(
            "SELECT path, size, mtime_ns, key, digest FROM output WHERE folder=?", (folder,))}

    def written(self, folder: str) -> list[tuple[str, int | None, int | None]]:
        """(path, size, mtime_ns) of each file the builds into `folder` own: outputs()
        without the keys, which a build with nothing to do need not read."""
        return self.db.execute("SELECT path, size, mtime_ns FROM output WHERE folder=?",
                               (folder,)).fetchall()

    def claim(self, folder: str, paths: Iterable[str]) -> None:
        """Own these files before they are written: a build killed after writing one
        leaves it to the next build, which checks it like any file it does not trust."""
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO output (folder, path) VALUES (?, ?)",
                           ((folder, path) for path in paths))

    def built(self, folder: str, outputs: dict[str, tuple[Any, ...]],
              owned: dict[str, tuple[Any, ...]], inputs: str, built_at: float,
              racy: dict[str, str], sections: int, entries: int, problems: list[Problem]
              ) -> None:
        """Record a complete build of `folder`: it now owns exactly `outputs` (see
        outputs()), where it owned `owned`."""
        with self.transaction() as db:
            db.executemany("DELETE FROM output WHERE folder=? AND path=?",
                           ((folder, path) for path in owned.keys() - outputs.keys()))
            db.executemany("INSERT OR REPLACE INTO output VALUES (?,?,?,?,?,?)",
                           ((folder, path, *row) for path, row in outputs.items()
                            if owned.get(path) != row))
            db.execute("INSERT OR REPLACE INTO build VALUES (?,?,?,?,?,?,?)", (
                folder, inputs, built_at, json.dumps(racy), sections, entries,
                _json(problems)))

    def last_build(self, folder: str) -> tuple[str, float, dict[str, str], int, int,
                                               list[Problem]] | None:
        """(inputs, built_at, racy, sections, entries, problems) of the last complete
        build of `folder`, if any."""
        row = self.db.execute("SELECT inputs, built_at, racy, sections, entries, problems "
                              "FROM build WHERE folder=?", (folder,)).fetchone()
        if row is None:
            return None
        return row[0], row[1], json.loads(row[2]), row[3], row[4], list(_problems(row[5]))


def _json(problems: Iterable[Problem]) -> str:
    return json.dumps([(p.path, p.line, p.level.value, p.message) for p in problems],
                      ensure_ascii=False)


def _problems(text: str) -> tuple[Problem, ...]:
    return tuple(Problem(p, n, Level(level), m) for p, n, level, m in json.loads(text))


def _entry(data: str) -> Entry:
    (entry_id, section, slug, title, published, summary, html, source, language,
     date_only) = json.loads(data)
    return Entry(entry_id, section, slug, title, datetime.fromisoformat(published), summary,
                 html, source, language, date_only)


def next_date(known: tuple[str, int] | None, digest: str, mtime: int) -> int:
    """A document's date (unix seconds) given what is known of it (digest, date): the
    known date while its bytes (digest) are the same; when they change, the newest mtime
    of its inputs (`mtime`), but never before the previous change: a seed restored with
    its old mtime (`cp -p`) cannot move a Last-Modified back, which would make
    If-Modified-Since clients miss the new bytes."""
    if known is None:
        return mtime
    return known[1] if known[0] == digest else max(mtime, known[1] + 1)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino
