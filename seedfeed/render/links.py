"""Where every document of a site lives: one place decides paths and URLs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from slugify import slugify

from ..model import Entry
from ..settings import Settings

ALL = "all"
FEED_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
FEED_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


def section_slug(name: str) -> str:
    """A URL-safe, lower-case name for a section folder (any script, spaces allowed)."""
    return slugify(name) or "section"


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
    def section_path(slug: str) -> str:
        """The section page's file; served at its folder URL."""
        return f"{slug}/index.html"

    @staticmethod
    def section_url_path(slug: str) -> str:
        return f"{slug}/"

    @staticmethod
    def entry_path(slug: str, entry: Entry) -> str:
        return f"{slug}/{entry.slug}.html"
