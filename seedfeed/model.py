"""The data that flows through the pipeline: entries and the problems found making them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Level(StrEnum):
    """How bad a problem is: an error's text is not published, a warning's is published
    on a guess, a note tells a decision taken with confidence (furniture dropped, a year
    carried from a neighbour) so that nothing the parser does is silent; info describes
    a file (its layout, the date forms found) for `check -v`."""

    INFO = "info"
    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a seed, located as `path:line` so a person can go and fix it."""

    path: str
    line: int
    level: Level
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level.value}: {self.message}"


class SeedError(Exception):
    """A problem that stops one input (a file or the settings) from being used at all."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.problem = Problem(path, line, Level.ERROR, message)


@dataclass(frozen=True, slots=True)
class Hints:
    """A section's hints to the parser, from `[sections.<name>]` in site.toml.

    date_order: "dmy" or "mdy", how to read an all-numeric date such as 03/04/2024.
    year: the year of dates written without one when no dated item in the file gives it.
    drop: furniture lines to remove; stop_at: lines where an entry's content stops.  Each
    is a pattern matched against a whole stripped line, case-insensitively (see
    `line_pattern`).
    """

    date_order: str = "dmy"
    year: int | None = None
    drop: tuple[re.Pattern[str], ...] = ()
    stop_at: tuple[re.Pattern[str], ...] = ()


def line_pattern(written: str) -> re.Pattern[str]:
    """A hint line as a pattern: `/regex/` is a regular expression, anything else the
    literal text of a whole line; both match whole stripped lines, ignoring case.

    Raises re.error for a malformed regular expression.
    """
    if len(written) > 2 and written.startswith("/") and written.endswith("/"):
        return re.compile(written[1:-1], re.IGNORECASE)
    return re.compile(re.escape(" ".join(written.split())), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One news item, ready to render: everything a feed item or page needs."""

    id: str
    section: str
    slug: str
    title: str
    published: datetime
    summary: str
    content_html: str
    # Where the item was found: provenance, not content.  Left out of equality so that an
    # item that merely moved down its file (an item added above it) renders as unchanged.
    source: str = field(compare=False)
    language: str | None = None  # BCP 47, when not its section's (see Settings.section_language)
    # The seed printed no time of day: `published` is a stamp on its day (see
    # entries._noon and corpus.Corpus.entry), not a time anyone wrote.
    date_only: bool = False
    # When its content last changed, if it did after it was first published (see ledger).
    updated: datetime | None = None

    def fingerprint(self) -> bytes:
        """A hash of everything a rendering shows (all but `source`): equal for equal entries.

        Documents are keyed by it, so that deciding to reuse one never compares entries.
        """
        text = "\x1f".join((self.id, self.section, self.slug, self.title,
                            self.published.isoformat(), self.summary, self.content_html,
                            self.language or "",
                            self.updated.isoformat() if self.updated else ""))
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    @property
    def modified(self) -> datetime:
        """When the entry last changed: `updated`, else when it was published."""
        return self.updated or self.published

    def as_json(self) -> dict[str, str]:
        """The public JSON shape printed by `seedfeed entries`."""
        return {
            "id": self.id,
            "section": self.section,
            "title": self.title,
            "published": self.published.isoformat(),
            "updated": self.modified.isoformat(),
            "summary": self.summary,
            "content_html": self.content_html,
            "source": self.source,
        }


def content_hash(data: bytes) -> str:
    """How a seed file's content is recognised (by the loader and the build's no-op check)."""
    return hashlib.sha1(data).hexdigest()


RACY_COARSE = 2.0  # seconds, where a file system keeps whole seconds (FAT: even ones)
RACY_FINE = 0.1  # seconds, where it keeps finer times (its clock lags by a tick, <= 10 ms)


def racy(mtime: float, since: float) -> bool:
    """Whether a file with this mtime, seen unchanged at `since`, may yet change unseen.

    Two writes within one tick of the file system's clock leave one mtime, so a file
    written just before a scan can be written again, same size, without its signature
    changing (the same trick git uses for its index): such a file is recognised by its
    content hash instead.  The tick is a second or two where mtimes are whole seconds;
    elsewhere the kernel's file clock lags the wall clock by a scheduler tick at most,
    and a tenth of a second leaves room for a network file server's clock drift too.
    """
    return mtime >= since - (RACY_COARSE if mtime.is_integer() else RACY_FINE)
