"""Site settings from `seeds/site.toml`, every one with a default."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import SeedError

SETTINGS_FILE = "site.toml"
RESERVED_SECTIONS = frozenset({"all"})
FEED_FORMATS = ("atom", "rss", "json")


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about a site; the core gets it as plain values."""

    title: str = "News"
    description: str = "News feeds"
    base_url: str = "http://127.0.0.1:8000/"
    language: str = "en"
    timezone: str = "Europe/Moscow"
    entries_per_feed: int = 50
    default_section: str = "news"
    preferred_format: str = "atom"
    max_age: int = 300
    author: str = ""
    id_authority: str = ""
    sections: dict[str, Section] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def authority(self) -> str:
        """The tag: URI authority of entry ids: stable even if base_url later changes."""
        if self.id_authority:
            return self.id_authority
        host = re.sub(r"^[a-z]+://", "", self.base_url).split("/")[0].split(":")[0]
        return host or "seedfeed.invalid"

    def section(self, name: str) -> Section:
        found = self.sections.get(name)
        if found is not None:
            return found
        return Section(title=f"{self.title}: {name}", description=f"{self.description}: {name}")

    @property
    def author_name(self) -> str:
        return self.author or self.title


_SITE_KEYS: dict[str, type] = {
    "title": str,
    "description": str,
    "base_url": str,
    "language": str,
    "timezone": str,
    "entries_per_feed": int,
    "default_section": str,
    "preferred_format": str,
    "max_age": int,
    "author": str,
    "id_authority": str,
}


def load_settings(seeds: Path) -> Settings:
    """Read `site.toml` in the seeds folder; a missing file gives the defaults."""
    path = seeds / SETTINGS_FILE
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(str(path), 1, f"cannot read settings: {exc}") from exc
    return parse_settings(text, str(path))


def parse_settings(text: str, path: str = SETTINGS_FILE) -> Settings:
    """Settings from TOML text; errors name the file and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        raise SeedError(path, line, f"malformed TOML: {exc}") from exc
    site = data.get("site", {})
    if not isinstance(site, dict):
        raise SeedError(path, _line_of(text, "site"), "[site] must be a table")
    values: dict[str, Any] = {}
    for key, value in site.items():
        expected = _SITE_KEYS.get(key)
        if expected is None:
            raise SeedError(path, _line_of(text, key, "site"), f"unknown setting site.{key}")
        if not isinstance(value, expected) or isinstance(value, bool):
            raise SeedError(
                path, _line_of(text, key, "site"), f"site.{key} must be a {expected.__name__}"
            )
        values[key] = value
    _validate(values, text, path)
    sections = {}
    raw_sections = data.get("sections", {})
    if not isinstance(raw_sections, dict):
        raise SeedError(path, _line_of(text, "sections"), "[sections] must be a table")
    for name, table in raw_sections.items():
        if not isinstance(table, dict):
            raise SeedError(path, _line_of(text, name, "sections"),
                            f"sections.{name} must be a table")
        for key, value in table.items():
            if key not in ("title", "description"):
                raise SeedError(path, _line_of(text, key, f"sections.{name}"),
                                f"unknown setting sections.{name}.{key}")
            if not isinstance(value, str):
                raise SeedError(path, _line_of(text, key, f"sections.{name}"),
                                f"sections.{name}.{key} must be a str")
        title = table.get("title", name)
        sections[name] = Section(title=title, description=table.get("description", title))
    for key in set(data) - {"site", "sections"}:
        raise SeedError(path, _line_of(text, key), f"unknown table [{key}]")
    return Settings(**values, sections=sections)


def _validate(values: dict[str, Any], text: str, path: str) -> None:
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SeedError(path, _line_of(text, "timezone", "site"),
                            f"unknown timezone {values['timezone']!r}") from exc
    for key in ("entries_per_feed", "max_age"):
        if key in values and values[key] < 1:
            raise SeedError(path, _line_of(text, key, "site"),
                            f"site.{key} must be at least 1")
    if values.get("preferred_format", "atom") not in FEED_FORMATS:
        raise SeedError(path, _line_of(text, "preferred_format", "site"),
                        f"site.preferred_format must be one of {', '.join(FEED_FORMATS)}")
    base_url = values.get("base_url")
    if base_url is not None:
        if not re.match(r"^https?://[^/\s]+", base_url):
            raise SeedError(path, _line_of(text, "base_url", "site"),
                            "site.base_url must be an absolute http(s) URL")
        if not base_url.endswith("/"):
            values["base_url"] = base_url + "/"
    section = values.get("default_section")
    if section is not None and section.casefold() in RESERVED_SECTIONS:
        raise SeedError(path, _line_of(text, "default_section", "site"),
                        f"section {section!r} is reserved")


def _line_of(text: str, key: str, table: str | None = None) -> int:
    """The line that defines a key (inside `[table]` if given), so an error can point at it.

    Only spaces and tabs may precede the key: a `\\s*` would run across blank lines and
    point at the line above.
    """
    start, end = 0, len(text)
    if table is not None:
        header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", text, re.MULTILINE)
        if header is not None:
            start = header.end()
            following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(text, start)
            end = following.start() if following is not None else len(text)
    pattern = re.compile(rf"^[ \t]*(\[[^\]\n]*\b)?[\"']?{re.escape(key)}\b", re.MULTILINE)
    match = pattern.search(text, start, end) or pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1
