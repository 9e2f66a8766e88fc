"""Site settings from `seeds/site.toml`, every one with a default."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import langcodes

from .i18n import catalogue_languages, knows_dates, primary
from .model import Hints, Level, Problem, SeedError, line_pattern

SETTINGS_FILE = "site.toml"
RESERVED_SECTIONS = frozenset({"all"})
FEED_FORMATS = ("atom", "rss", "json")
DATE_ORDERS = ("dmy", "mdy")
YEAR_RANGE = (1900, 2200)
_SECTION_TEXT_KEYS = ("title", "description")
# The tag: authority of entry ids when base_url's host cannot be one: RFC 6761 reserves
# `.invalid` so that no one can own it, and the repository's own site uses a name under it.
FALLBACK_AUTHORITY = "seedfeed.invalid"
_IDS = "entry ids"  # the start of the warning about them (see `with_base_url`)
# RFC 4151 section 2.1: authorityName = DNSname / emailAddress (labels capped at 63 as in DNS)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_EMAIL = re.compile(rf"[A-Za-z0-9._-]+@(?P<domain>{_DNS_NAME.pattern})")


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    description: str
    hints: Hints = Hints()
    language: str | None = None  # a BCP 47 tag; None: the site's


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
    websub_hub: str = ""  # a WebSub hub's URL: feeds name it, changes are announced to it
    sections: dict[str, Section] = field(default_factory=dict)
    # Warnings about the settings (`path:line: warning: ...`); not part of what they are.
    problems: tuple[Problem, ...] = field(default=(), compare=False)
    # The line of each [sections.<name>] table (a name no folder has is warned of).
    section_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def authority(self) -> str:
        """The authority of tag: entry ids (RFC 4151): see `tag_authority`."""
        return tag_authority(self.id_authority, self.base_url)[0]

    @property
    def rss_language(self) -> str:
        return rss_language(self.language)

    def with_base_url(self, base_url: str, path: str) -> Settings:
        """These settings published at another base_url (`--base-url`, an absolute http(s)
        URL): the warning about entry ids is made anew for it, located at `path`:1."""
        settings = replace(self, base_url=base_url.rstrip("/") + "/")
        kept = tuple(p for p in self.problems if not p.message.startswith(_IDS))
        warning = tag_authority(settings.id_authority, settings.base_url)[1]
        found = (Problem(path, 1, Level.WARNING, warning),) if warning else ()
        return replace(settings, problems=kept + found)

    def section(self, name: str) -> Section:
        found = self.sections.get(name)
        if found is not None:
            return found
        return Section(title=f"{self.title}: {name}", description=f"{self.description}: {name}")

    def section_language(self, name: str) -> str:
        """A section's language (its pages' words and dates, its feeds): its own
        `language`, else the site's."""
        found = self.sections.get(name)
        return found.language if found is not None and found.language else self.language

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
    "websub_hub": str,
}


def load_settings(seeds: Path) -> Settings:
    """Read `site.toml` in the seeds folder; a missing file gives the defaults (and their
    warning: entry ids of the default base_url have no owned authority, see
    `tag_authority`)."""
    path = seeds / SETTINGS_FILE
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return parse_settings("", str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(str(path), 1, f"cannot read settings: {exc}") from exc
    return parse_settings(text, str(path))


def parse_settings(text: str, path: str = SETTINGS_FILE) -> Settings:
    """Settings from TOML text; errors (SeedError) and warnings (`Settings.problems`) name
    the file and the line.

    site.language is stored as its standard BCP 47 tag (`language_tag`); site.id_authority
    must be a domain name or an e-mail address (RFC 4151), and without it base_url's host
    gives the authority (`tag_authority`).
    """
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
            raise SeedError(path, _line_of(text, key, "site"), f"unknown setting site.{key}"
                            + _belongs(key, "site"))
        if not isinstance(value, expected) or isinstance(value, bool):
            raise SeedError(path, _line_of(text, key, "site"),
                            f"site.{key} must be {_TYPE_NAMES[expected]}")
        values[key] = value
    problems = _validate(values, text, path)
    sections: dict[str, Section] = {}
    raw_sections = data.get("sections", {})
    if not isinstance(raw_sections, dict):
        raise SeedError(path, _line_of(text, "sections"), "[sections] must be a table")
    for name, table in raw_sections.items():
        if not isinstance(table, dict):
            raise SeedError(path, _line_of(text, name, "sections"),
                            f"sections.{name} must be a table")
        sections[name] = _parse_section(name, table, text, path, problems)
    for key in sorted(set(data) - {"site", "sections"}):
        placed = _belongs(key, "")
        raise SeedError(path, _line_of(text, key), f"{key} is outside any table{placed}"
                        if placed else f"unknown table [{key}]")
    return Settings(**values, sections=sections, problems=tuple(problems),
                    section_lines={name: _line_of(text, name, "sections") for name in sections})


def _parse_section(name: str, table: dict[str, Any], text: str, path: str,
                   problems: list[Problem]) -> Section:
    """One `[sections.<name>]` table: its title, description, language and parser hints
    (warnings about them are added to `problems`)."""
    prefix = f"sections.{name}"
    language = None

    def fail(key: str, message: str) -> SeedError:
        return SeedError(path, _line_of(text, key, prefix), message)

    hints: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SECTION_TEXT_KEYS:
            if not isinstance(value, str):
                raise fail(key, f"{prefix}.{key} must be a string")
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
        elif key == "language":
            if not isinstance(value, str):
                raise fail(key, f"{prefix}.language must be a string")
            try:
                language, warning = language_tag(value)
            except ValueError as exc:
                raise fail(key, f"{prefix}.language: {exc}") from exc
            for level, found in ((Level.WARNING, warning),
                                 (Level.NOTE, _interface_note(language))):
                if found:
                    problems.append(Problem(path, _line_of(text, key, prefix), level,
                                            f"{prefix}.language: {found}"))
        else:
            raise fail(key, f"unknown setting {prefix}.{key}" + _belongs(key, "sections"))
    title = table.get("title", name)
    return Section(title=title, description=table.get("description", title), hints=Hints(**hints),
                   language=language)


def _interface_note(language: str) -> str | None:
    """Why pages in `language` will not be wholly in it, or None."""
    if primary(language) in catalogue_languages():
        return None
    dates = f"{language!r} dates" if knows_dates(language) else "English dates"
    return (f"seedfeed has no interface words in {language!r} yet (it has "
            f"{', '.join(sorted(catalogue_languages()))}): its pages use English words "
            f"and {dates}")


_TYPE_NAMES = {str: "a string", int: "an integer"}
_SECTION_KEYS = (*_SECTION_TEXT_KEYS, "language", "date_order", "year", "drop", "stop_at")


def _belongs(key: str, where: str) -> str:
    """Where a key misplaced in `where` ("site", "sections", "" for the top) belongs, as
    the end of a message ("" when it belongs nowhere)."""
    if key in _SITE_KEYS and where != "site":
        return f": {key} belongs under [site]"
    if key in _SECTION_KEYS and where != "sections":
        return f": {key} belongs under a section's table, [sections.<folder name>]"
    return ""


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


def _validate(values: dict[str, Any], text: str, path: str) -> list[Problem]:
    """Check the [site] values, normalising some in place; returns the warnings."""
    problems: list[Problem] = []

    def warn(key: str, message: str) -> None:
        problems.append(Problem(path, _line_of(text, key, "site"), Level.WARNING, message))

    if "language" in values:
        try:
            values["language"], warning = language_tag(values["language"])
        except ValueError as exc:
            raise SeedError(path, _line_of(text, "language", "site"),
                            f"site.language: {exc}") from exc
        if warning:
            warn("language", f"site.language: {warning}")
        note = _interface_note(values["language"])
        if note:
            problems.append(Problem(path, _line_of(text, "language", "site"), Level.NOTE,
                                    f"site.language: {note}"))
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
        if not is_http_url(base_url):
            raise SeedError(path, _line_of(text, "base_url", "site"),
                            "site.base_url must be an absolute http(s) URL")
        if not base_url.endswith("/"):
            values["base_url"] = base_url + "/"
    hub = values.get("websub_hub")
    if hub is not None and hub and not is_http_url(hub):
        raise SeedError(path, _line_of(text, "websub_hub", "site"),
                        "site.websub_hub must be an absolute http(s) URL (a WebSub hub)")
    id_authority = values.get("id_authority")
    if id_authority is not None and not _is_authority_name(id_authority):
        raise SeedError(path, _line_of(text, "id_authority", "site"),
                        f"site.id_authority must be a domain name or an e-mail address "
                        f"(RFC 4151), such as 'news.example.org', not {id_authority!r}")
    section = values.get("default_section")
    if section is not None and section.casefold() in RESERVED_SECTIONS:
        raise SeedError(path, _line_of(text, "default_section", "site"),
                        f"section {section!r} is reserved")
    warning = tag_authority(values.get("id_authority", ""),
                            values.get("base_url", Settings().base_url))[1]
    if warning:
        warn("id_authority" if values.get("id_authority") else
             "base_url" if "base_url" in values else "site", warning)
    return problems


def rss_language(language: str) -> str:
    """A BCP 47 tag as RSS 2.0's <language> has it: an ISO 639 language and an ISO 3166
    country, lower case (`en-us`, `zh-tw` for zh-Hant-TW); a tag without a language
    subtag (`x-private`, `und`) as it is, lower-cased."""
    try:
        tag = langcodes.Language.get(language)
    except ValueError:
        return language.lower()
    if tag.language is None or tag.language.startswith("x-"):
        return language.lower()
    country = tag.territory if tag.territory and tag.territory.isalpha() else None
    return "-".join(filter(None, (tag.language, country))).lower()


def language_tag(value: str) -> tuple[str, str | None]:
    """A language tag in its standard BCP 47 form (RFC 5646) and a warning, or None.

    Case is not significant in BCP 47 (RFC 5646 section 2.1.1), so `EN-us` becomes `en-US`
    silently; `en_US` (a locale's `_`) becomes `en-US` with a warning, as does a tag that
    standardising changes otherwise (deprecated `iw` is `he`, `en-Latn-US` is `en-US`).
    Raises ValueError for a tag that is malformed or has unregistered subtags (`english`,
    `e`, `en-`, `xx`).
    """
    if not langcodes.tag_is_valid(value):
        raise ValueError(f"{value!r} is not a BCP 47 language tag (RFC 5646) such as 'en', "
                         "'en-US' or 'zh-Hant-TW'")
    tag = langcodes.standardize_tag(value)
    if "_" in value:
        return tag, f"{value!r} is written {tag!r} in BCP 47 (RFC 5646): subtags are " \
                    "separated by '-', not '_'"
    if tag.casefold() != value.casefold():
        return tag, f"{value!r} is written {tag!r} in standard BCP 47 (RFC 5646): " \
                    "deprecated or redundant subtags are replaced"
    return tag, None


@lru_cache(maxsize=32)
def tag_authority(id_authority: str, base_url: str) -> tuple[str, str | None]:
    """The authority of tag: entry ids (RFC 4151 section 2.1) and a warning, or None.

    id_authority, if set, as written (`parse_settings` checks it is a domain name or an
    e-mail address), else base_url's host, lower-cased, in its ASCII (IDNA) form.  RFC 4151
    wants a domain name or e-mail address its tagger owns: an IP address (or any host that
    is not a domain name) gives FALLBACK_AUTHORITY, and `localhost` or `*.localhost` is
    kept; both with a warning, for entry ids are permanent.
    """
    if id_authority:
        name = id_authority
        host = id_authority.rpartition("@")[2].lower()
    else:
        try:
            host = (urlsplit(base_url).hostname or "").rstrip(".")
            name = host = host.encode("idna").decode("ascii")
        except (ValueError, UnicodeError):
            name = host = ""  # no host, or not a domain name: the fallback below
    setting = "site.id_authority" if id_authority else "site.base_url"
    if not _is_domain(name.rpartition("@")[2]):
        kind = "an IP address" if _is_ip(host) else "not a domain name"
        found = f"{setting}'s host {host!r} is {kind}: they use {FALLBACK_AUTHORITY!r}"
        name = FALLBACK_AUTHORITY
    elif host == "localhost" or host.endswith(".localhost"):
        found = f"{setting}'s {host!r} is a name no one owns (RFC 6761)"
    else:
        return name, None
    return name, (f"{_IDS} (tag: URIs, RFC 4151) need a domain name or e-mail address the "
                  f"site owns, and {found}; ids are permanent: set site.id_authority (or "
                  "site.base_url) to the site's domain before publishing")


def _is_ip(host: str) -> bool:
    """An IPv6 address has colons; an IPv4 one (also `127.1`) ends in a number, which no
    top-level domain is."""
    return ":" in host or host.rpartition(".")[2].isdigit()


def _is_domain(host: str) -> bool:
    return bool(_DNS_NAME.fullmatch(host)) and not _is_ip(host)


def _is_authority_name(value: str) -> bool:
    """A domain name or an e-mail address, as RFC 4151's authorityName (not an IP)."""
    email = _EMAIL.fullmatch(value)
    return _is_domain(email["domain"] if email else value)


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host (and a port, if any, in range)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return (parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            and not any(c.isspace() for c in value))


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
