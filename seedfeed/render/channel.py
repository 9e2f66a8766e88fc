"""What every feed format needs to know about one feed, in our terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..model import Entry


@dataclass(frozen=True, slots=True)
class Item:
    entry: Entry
    url: str  # the entry's page
    # The entry's section (term: its URL name, label: its title), in feeds of several.
    category: tuple[str, str] | None = None
    language: str | None = None  # BCP 47, when not the channel's


@dataclass(frozen=True, slots=True)
class Channel:
    """One feed (a section, or all of them), independent of its format."""

    feed_id: str
    title: str
    description: str
    language: str
    author: str
    html_url: str
    self_url: str
    updated: datetime | None  # the newest entry's date: never the build's clock
    max_age: int  # seconds a copy stays fresh: RSS ttl and sy:update* follow it
    items: tuple[Item, ...]
    # RFC 5005 archived feeds: the next older and the next newer archive document
    # (prev-archive, which is JSON Feed's next_url; next-archive) and, in an archive
    # document (fh:archive), the subscription document (current).
    prev_archive: str | None = None
    next_archive: str | None = None
    current: str | None = None
    hub: str | None = None  # a WebSub hub announcing this document's changes (W3C WebSub)


def update_schedule(max_age: int) -> tuple[str, int]:
    """sy:updatePeriod and sy:updateFrequency announcing the same lifetime as max_age."""
    for period, seconds in (("hourly", 3600), ("daily", 86400), ("weekly", 604800),
                            ("monthly", 2592000)):
        if max_age <= seconds:
            return period, max(1, seconds // max_age)
    return "yearly", 1
