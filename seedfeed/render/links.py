"""Where every document of a site lives: one place decides paths and URLs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from ..headers import MEDIA_TYPES
from ..model import Entry
from ..settings import Settings

ALL = "all"
FEED_TYPES = {fmt: MEDIA_TYPES[fmt] for fmt in ("rss", "atom", "json")}
FEED_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


def section_slug(name: str) -> str:
    """A URL-safe, lower-case name for a section folder (any script, spaces allowed)."""
    from slugify import slugify  # (imported when needed: see section_slugs' callers)

    return slugify(name) or "section"


def section_slugs(names: Iterable[str]) -> dict[str, str]:
    """Each section's URL name: unique in the site, and never the combined feed's.

    Folders such as "a b" and "a-b" slugify alike, and "All!" to "all": they would write
    over each other's files.  A name that is its own slug keeps it; any other claimant
    gets a suffix made from its own name, so its URLs do not depend on the order found.
    """
    wanted = {name: section_slug(name) for name in names}
    taken = {ALL}
    slugs: dict[str, str] = {}
    for name in sorted(wanted, key=lambda name: (wanted[name] != name, name)):
        slug, digest = wanted[name], hashlib.sha1(name.encode("utf-8")).hexdigest()
        length = 6
        while slug in taken:
            slug, length = f"{wanted[name]}-{digest[:length]}", length + 1
        taken.add(slug)
        slugs[name] = slug
    return slugs


@dataclass(frozen=True)
class Links:
    """Paths (relative to the output root) and absolute URLs under the site's base_url."""

    settings: Settings

    @cached_property
    def base(self) -> str:
        return self.settings.base_url

    def url(self, path: str) -> str:
        return self.base + path

    @staticmethod
    def feed_path(slug: str, fmt: str) -> str:
        return f"{slug}.{fmt}"

    @staticmethod
    def archive_path(slug: str, page: int, fmt: str) -> str:
        """Archive page `page` (numbered from the oldest) of a feed: RFC 5005."""
        return f"{slug}/archive-{page}.{fmt}"

    @staticmethod
    def page_path(slug: str, number: int) -> str:
        """Page `number` (numbered from the oldest) of a section's list of entries."""
        return f"{slug}/page-{number}.html"

    @staticmethod
    def section_path(slug: str) -> str:
        """The section page's file; served at its folder URL."""
        return f"{slug}/index.html"

    @staticmethod
    def section_url_path(slug: str) -> str:
        return f"{slug}/"

    @staticmethod
    def entry_path(slug: str, entry: Entry) -> str:
        return f"{slug}/{entry.slug}.html"
