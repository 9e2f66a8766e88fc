"""The ledger of the site database (database.py): every entry ever published.

The ledger keeps an entry's id and URL for ever.  An entry's id is made from its day and
words (entries.identity), so a re-scrape that fixes a typo, curls the quotes, adds soft
hyphens, splits a paragraph or appends a sentence would give it a new one: readers would
show it twice and its old page would be gone.  A new id whose text is nearly that of an
entry of the ledger (same section, same or adjacent day, `same_item`) takes that entry's
id and URL instead, and its `updated` says when the text changed.

Deleting the database is safe: the next run starts a new one, and ids are what entries'
words make them (an entry edited since it was first published gets its new id then).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
import unicodedata
from datetime import UTC, datetime
from difflib import SequenceMatcher
from typing import NamedTuple

from .corpus import Corpus, Identity, Ref
from .database import Database
from .model import Entry

TYPO_RATIO = 0.85  # two spellings of one word: "secratary"/"secretary" 0.89, "Minsk"/"Pinsk" 0.8
SHARED_OF_SHORTER = 0.9  # a corrected text keeps nearly all of what it had...
SHARED_OF_LONGER = 0.5  # ...and adds at most as much again (an appended sentence)
FUZZY_TRIES = 3  # known entries of the days around compared word by word with a new one
_WORD = re.compile(r"\w+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")  # soft hyphens, zero widths
def words(text: str) -> list[str]:
    """A text's words as an edit leaves them: case, accents' composition, punctuation,
    quotes, soft hyphens and spacing do not count."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return _WORD.findall(text)


def _typo(old: str, new: str) -> bool:
    """Two spellings of one word (or run of words): a fixed typo, not another name."""
    if any(c.isdigit() for c in old + new):
        return False  # "2024" and "2025" are two facts
    return SequenceMatcher(None, old, new, autojunk=False).ratio() >= TYPO_RATIO


def same_item(old: list[str], new: list[str]) -> bool:
    """Whether `new` is `old` edited (typos fixed, words or a sentence added or taken
    away) rather than another item worded alike ("met with X" and "met with Y", one
    event in two countries): no word is replaced by a different one, and nearly all of
    the shorter text is in the longer one."""
    if not old or not new:
        return False
    shorter, longer = sorted((len(old), len(new)))
    if shorter < SHARED_OF_LONGER * longer or len(set(old) & set(new)) < 0.5 * min(
            len(set(old)), len(set(new))):
        return False  # (cheap: most texts of a day share few words)
    shared = 0
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            shared += i2 - i1
        elif tag == "replace":
            if not _typo(" ".join(old[i1:i2]).replace(" ", ""),
                         " ".join(new[j1:j2]).replace(" ", "")):
                return False
            shared += min(i2 - i1, j2 - j1)
    return shared >= SHARED_OF_SHORTER * shorter and shared >= SHARED_OF_LONGER * longer


class _Known(NamedTuple):
    """A row of the ledger (a tuple: a build reads every row)."""

    id: str
    slug: str
    section: str
    day: int
    own: str
    raw: bytes
    print: bytes
    changed: float | None
    gone: float | None


class Ledger:
    """The ledger of the site database `db` (see database.py)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._open_days: set[tuple[str, int]] = set()

    def reconcile(self, corpus: Corpus, now: float | None = None, record: bool = True
                  ) -> Corpus:
        """The corpus with the ids, URLs and times the ledger gives its entries, after
        recording it: new entries, changed texts, entries that came back or left.

        An entry whose id the ledger does not know takes the id of a known entry of its
        section, of the same or an adjacent day, that is not in the corpus and whose text
        `same_item` finds it an edit of (the most alike if several).  An entry's content
        changed when its title or text did: `changed` is then the mtime of the seed that
        brought the change (never before the previous change), so that a rebuild of the
        same seeds gives the same times.  Entries are read only when their fingerprint
        differs from the ledger's (new or edited).  `record` False: the database is left
        as it was (`seedfeed entries` shows what a build would publish).
        """
        now = time.time() if now is None else now
        with self.db.transaction(record) as db:
            known = {row[0]: _Known._make(row) for row in db.execute(
                "SELECT id, slug, section, day, own, raw, print, changed, gone FROM entry")}
            by_own = {row.own: row for row in known.values()}
            files = corpus.files
            own_ids = {files[f][2].ids[i] for f, i in corpus.order}
            taken = {row.id for row in known.values() if row.id in own_ids or
                     row.own in own_ids}
            # The days that have a known entry missing from the corpus: only an entry of
            # such a day (or the next) can be an edit of one.
            self._open_days = {(row.section, row.day) for row in known.values()
                               if row.id not in taken}
            identities: dict[str, Identity] = {}
            self._new: list[tuple[object, ...]] = []
            self._days: dict[tuple[str, int], list[tuple[_Known, list[str], set[str]]]] = {}
            # Each row goes to one entry: an entry whose own id is a row's id first (two
            # files may hold an item and its corrected copy, each the other's row).
            rows: dict[Ref, _Known | None] = {}
            assigned: set[str] = set()
            for ref in corpus.order:
                old = known.get(files[ref[0]][2].ids[ref[1]])
                if old is not None:
                    rows[ref] = old
                    assigned.add(old.id)
            for ref in corpus.order:
                if ref not in rows:
                    old = by_own.get(files[ref[0]][2].ids[ref[1]])
                    if old is not None and old.id in assigned:
                        old = None  # (its row went to the entry whose id it is)
                    elif old is not None:
                        assigned.add(old.id)
                    rows[ref] = old
            # Then the entries whose words are exactly a missing entry's (quotes, soft
            # hyphens, spacing, paragraphs changed), before any is matched word by word:
            # a loose match must not take the row of an exact one further down.
            for ref in corpus.order:
                if rows[ref] is None:
                    rows[ref] = self._same_words(db, corpus, ref, taken)
            for ref in corpus.order:
                result = files[ref[0]][2]
                own, raw = result.ids[ref[1]], result.prints[ref[1]]
                old = rows[ref]
                if old is None or old.raw != raw:
                    old = self._record(db, corpus, ref, old, taken)
                if old is None:
                    continue
                taken.add(old.id)
                if old.gone is not None:
                    db.execute("UPDATE entry SET gone=NULL WHERE id=?", (old.id,))
                if old.id != own or old.changed is not None:
                    identities[own] = Identity(old.id, old.slug, None if old.changed is None
                                               else datetime.fromtimestamp(old.changed, UTC))
            db.executemany("INSERT INTO entry VALUES (?,?,?,?,?,?,?,?,?,?,NULL,NULL)",
                           self._new)
            db.executemany("UPDATE entry SET gone=? WHERE id=?",
                           [(now, row.id) for row in known.values()
                            if row.id not in taken and row.gone is None])
        return corpus.with_identities(identities)

    def _record(self, db: sqlite3.Connection, corpus: Corpus, ref: Ref, old: _Known | None,
                taken: set[str]) -> _Known | None:
        """Record a new or changed entry; the ledger's entry it is (None: a new one)."""
        entry = corpus.parsed(ref)  # (as parsed: its own id and day)
        text = f"{entry.title}\n{entry.content_html}"
        mtime = corpus.mtimes.get(corpus.files[ref[0]][0], time.time())
        raw, content = corpus.files[ref[0]][2].prints[ref[1]], _content(entry)
        day = entry.published.toordinal()
        if old is None and self._may_be_edit(entry.section, day):
            old = self._adopt(db, entry.section, day, text, taken)
        if old is None:
            self._new.append((entry.id, entry.slug, entry.section, day, text, entry.id,
                              raw, content, content, mtime))
            taken.add(entry.id)  # (in the corpus: no other entry may take it)
            return None
        changed = old.changed
        if content != old.print:
            changed = max(mtime, (old.changed or 0) + 1)
        # (an entry may move to another section or day: where its page is now, and so
        # where it is answered Gone if it leaves; its id and slug stay)
        db.execute("UPDATE entry SET text=?, own=?, raw=?, print=?, changed=?, section=?, "
                   "day=? WHERE id=?",
                   (text, entry.id, raw, content, changed, entry.section, day, old.id))
        return old._replace(own=entry.id, raw=raw, print=content, changed=changed,
                            section=entry.section, day=day)

    def _same_words(self, db: sqlite3.Connection, corpus: Corpus, ref: Ref,
                    taken: set[str]) -> _Known | None:
        """The missing entry (taken from now on) whose words are exactly the entry's."""
        entry = corpus.parsed(ref)
        day = entry.published.toordinal()
        if not self._may_be_edit(entry.section, day):
            return None
        key = words(f"{entry.title}\n{entry.content_html}")
        for near in (day, day - 1, day + 1):
            for old, old_words, _ in self._candidates(db, entry.section, near):
                if old.id not in taken and old_words == key:
                    taken.add(old.id)
                    return old
        return None

    def _may_be_edit(self, section: str, day: int) -> bool:
        """Whether a known entry missing from the corpus has this day or one next to it."""
        return any((section, near) in self._open_days for near in (day - 1, day, day + 1))

    def _adopt(self, db: sqlite3.Connection, section: str, day: int, new: str,
               taken: set[str]) -> _Known | None:
        """The known entry, not in the corpus, that `new` is an edit of: the most alike of
        the FUZZY_TRIES that share most words with it, if `same_item` says so (entries of
        the very same words were matched first, by _same_words)."""
        text = words(new)
        candidates = [c for near in (day - 1, day, day + 1)
                      for c in self._candidates(db, section, near) if c[0].id not in taken]
        vocabulary = set(text)
        candidates.sort(key=lambda c: len(c[2] & vocabulary), reverse=True)
        best: tuple[float, _Known] | None = None
        for old, old_words, _ in candidates[:FUZZY_TRIES]:
            if same_item(old_words, text):
                ratio = SequenceMatcher(None, old_words, text, autojunk=False).ratio()
                if best is None or ratio > best[0]:
                    best = (ratio, old)
        return None if best is None else best[1]

    def _candidates(self, db: sqlite3.Connection, section: str, day: int
                    ) -> list[tuple[_Known, list[str], set[str]]]:
        """The known entries of a section's day with their words (made once a reconcile:
        a file of many edited items compares each with the same missing ones)."""
        found = self._days.get((section, day))
        if found is None:
            found = self._days[(section, day)] = []
            for row in db.execute(
                    "SELECT id, slug, section, day, own, raw, print, changed, gone, text "
                    "FROM entry WHERE section=? AND day=?", (section, day)):
                old_words = words(row[9])
                found.append((_Known._make(row[:9]), old_words, set(old_words)))
        return found

    def gone(self) -> list[tuple[str, str]]:
        """(section, slug) of every entry that left the seeds: their pages are Gone."""
        return list(self.db.db.execute("SELECT section, slug FROM entry WHERE gone IS NOT NULL"))


def _content(entry: Entry) -> bytes:
    """A hash of what an entry says (its title and text): what an edit changes."""
    text = f"{entry.title}\x1f{entry.content_html}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).digest()
