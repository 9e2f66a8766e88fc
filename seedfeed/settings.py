"""Site settings from `seeds/site.toml`, every one with a default."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import Hints, SeedError, line_pattern

SETTINGS_FILE = "site.toml"
RESERVED_SECTIONS = frozenset({"all"})
FEED_FORMATS = ("atom", "rss", "json")
DATE_ORDERS = ("dmy", "mdy")
YEAR_RANGE = (1900, 2200)
_SECTION_TEXT_KEYS = ("title", "description")


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    description: str
    hints: Hints = Hints()


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

    def hints(self, name: str) -> Hints:
        """The parser hints of a section: the defaults for one not in site.toml."""
        found = self.sections.get(name)
        return found.hints if found is not None else Hints()

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
    sections: dict[str, Section] = {}
    raw_sections = data.get("sections", {})
    if not isinstance(raw_sections, dict):
        raise SeedError(path, _line_of(text, "sections"), "[sections] must be a table")
    for name, table in raw_sections.items():
        if not isinstance(table, dict):
            raise SeedError(path, _line_of(text, name, "sections"),
                            f"sections.{name} must be a table")
        sections[name] = _parse_section(name, table, text, path)
    for key in set(data) - {"site", "sections"}:
        raise SeedError(path, _line_of(text, key), f"unknown table [{key}]")
    return Settings(**values, sections=sections)


def _parse_section(name: str, table: dict[str, Any], text: str, path: str) -> Section:
    """One `[sections.<name>]` table: its title, description and parser hints."""
    prefix = f"sections.{name}"

    def fail(key: str, message: str) -> SeedError:
        return SeedError(path, _line_of(text, key, prefix), message)

    hints: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SECTION_TEXT_KEYS:
            if not isinstance(value, str):
                raise fail(key, f"{prefix}.{key} must be a str")
        elif key == "date_order":
            if not isinstance(value, str):
                raise fail(key, f"{prefix}.date_order must be a string")
            if value not in DATE_ORDERS:
                raise fail(key, f"{prefix}.date_order must be one of {', '.join(DATE_ORDERS)},"
                                f" not {value!r}")
            hints[key] = value
        elif key == "year":
            if not isinstance(value, int) or isinstance(value, bool):
                raise fail(key, f"{prefix}.year must be an integer")
            low, high = YEAR_RANGE
            if not low <= value <= high:
                raise fail(key, f"{prefix}.year must be between {low} and {high}, not {value}")
            hints[key] = value
        elif key in ("drop", "stop_at"):
            hints[key] = _line_patterns(f"{prefix}.{key}", value, partial(fail, key))
        else:
            raise fail(key, f"unknown setting {prefix}.{key}")
    title = table.get("title", name)
    return Section(title=title, description=table.get("description", title), hints=Hints(**hints))


def _line_patterns(
    setting: str, value: object, fail: Callable[[str], SeedError]
) -> tuple[re.Pattern[str], ...]:
    """A list of hint lines (`drop`, `stop_at`) compiled by `line_pattern`."""
    if not isinstance(value, list):
        raise fail(f"{setting} must be a list of strings")
    patterns: list[re.Pattern[str]] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise fail(f"{setting}[{index}] must be a string")
        if not item.strip():
            raise fail(f"{setting}[{index}] is empty")
        try:
            patterns.append(line_pattern(item.strip()))
        except re.error as exc:
            raise fail(f"{setting}: bad regular expression {item!r}: {exc}") from exc
    return tuple(patterns)


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
