"""The parsed site: every seed file's entries, merged into one ordered set of entries.

Built by `load` (which reads and parses the seeds folder), given ids by `ledger`, read by
`render`.  A corpus orders, counts and groups entries by what each seed file's parse
recorded about them (id, slug, day, fingerprint), so that deciding what to render reads
no entry: an entry is read (from memory, or from the site database) when a document that
shows it is rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from itertools import repeat
from operator import itemgetter

from .model import Entry, Problem
from .settings import Settings

Ref = tuple[int, int]  # an entry of a corpus: (index of its file, index in that file)


@dataclass(frozen=True, slots=True, eq=False)
class Parsed:
    """What one seed file contributes; depends only on its bytes and the settings.

    `read(i)` gives its i-th entry; the tuples give what ordering, de-duplicating and
    keying documents need of every entry without reading it.
    """

    digest: str  # model.content_hash of the file's bytes
    problems: tuple[Problem, ...]
    short_lines: frozenset[str]  # see parse.short_lines
    repeated: frozenset[str]  # those dropped as repeated across the section
    ids: tuple[str, ...]
    slugs: tuple[str, ...]
    days: tuple[int, ...]  # proleptic ordinals
    date_only: tuple[bool, ...]
    prints: tuple[bytes, ...]  # Entry.fingerprint
    read: Callable[[int], Entry]

    @classmethod
    def of(cls, digest: str, entries: tuple[Entry, ...],
           problems: tuple[Problem, ...], short_lines: frozenset[str] = frozenset(),
           repeated: frozenset[str] = frozenset()) -> Parsed:
        return cls(digest, problems, short_lines, repeated,
                   tuple(entry.id for entry in entries), tuple(entry.slug for entry in entries),
                   tuple(entry.published.toordinal() for entry in entries),
                   tuple(entry.date_only for entry in entries),
                   tuple(entry.fingerprint() for entry in entries), entries.__getitem__)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(map(self.read, range(len(self.ids))))


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

    Held as the seed files' parses and the order of the entries that survive
    de-duplication (`order`); `entries` gives them all.
    """

    settings: Settings
    problems: tuple[Problem, ...]
    mtimes: dict[str, float]  # seed rel path (folders end in "/") and site.toml -> mtime
    files: tuple[tuple[str, str, Parsed], ...]  # (rel path, section, parse), seed order
    order: tuple[Ref, ...]  # newest first, one per id
    # By an entry's own id: what the ledger remembers of it (ledger.reconcile).
    identities: dict[str, Identity] = field(default_factory=dict)
    _read: dict[Ref, Entry] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, settings: Settings, files: Iterable[tuple[str, str, Parsed]],
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
            parsed = files[ref[0]][2]
            if parsed.date_only[ref[1]]:
                by_day.setdefault(parsed.days[ref[1]], []).append(ref)
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
        return replace(self, identities=identities, _read={})

    def own_id(self, ref: Ref) -> str:
        """The id the entry's words give it (entries.identity), before the ledger's."""
        return self.files[ref[0]][2].ids[ref[1]]

    def parsed(self, ref: Ref) -> Entry:
        """The entry as its seed file gives it: its own id, slug and stamp."""
        return self.files[ref[0]][2].read(ref[1])

    def entry(self, ref: Ref) -> Entry:
        """The entry as published: with its stamp's seconds and the ledger's identity."""
        found = self._read.get(ref)
        if found is not None:
            return found
        entry = self.parsed(ref)
        seconds = self.seconds.get(ref)
        if seconds is not None:
            entry = replace(entry, published=entry.published + timedelta(seconds=seconds))
        known = self.identities.get(entry.id)
        if known is not None:  # (an edit seen before its item's stamp still comes after it)
            entry = replace(entry, id=known.id, slug=known.slug, updated=known.updated and max(
                known.updated, entry.published + timedelta(seconds=1)))
        self._read[ref] = entry
        return entry

    def slug(self, ref: Ref) -> str:
        """entry(ref).slug, known without reading the entry."""
        known = self.identities.get(self.own_id(ref))
        return self.files[ref[0]][2].slugs[ref[1]] if known is None else known.slug

    def fingerprint(self, ref: Ref) -> bytes:
        """What entry(ref) shows, as bytes: equal for equal entries; known without
        reading the entry."""
        found = self.files[ref[0]][2].prints[ref[1]]
        seconds = self.seconds.get(ref)
        if seconds is not None:
            found += seconds.to_bytes(4, "big")
        known = self.identities.get(self.own_id(ref))
        if known is not None:
            found += repr((known.id, known.slug, known.updated)).encode()
        return found


def _order(files: tuple[tuple[str, str, Parsed], ...]) -> tuple[Ref, ...]:
    """All entries newest first, one per id; same-day items keep their seed order.

    From the ids and days alone: when two files hold the same item, the one in the first
    file (in seed order) is kept.
    """
    seen: set[str] = set()
    kept: list[tuple[int, int, int]] = []
    for f, (_, _, parsed) in enumerate(files):
        ids = parsed.ids
        if seen.isdisjoint(ids) and len(set(ids)) == len(ids):  # (nearly every file)
            seen.update(ids)
            kept.extend(zip(parsed.days, repeat(f), range(len(ids))))
            continue
        for i, (entry_id, day) in enumerate(zip(ids, parsed.days, strict=True)):
            if entry_id not in seen:
                seen.add(entry_id)
                kept.append((day, f, i))
    kept.sort(key=itemgetter(0), reverse=True)  # stable: ties keep seed order
    return tuple((f, i) for _, f, i in kept)
