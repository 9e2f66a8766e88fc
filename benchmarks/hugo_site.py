"""Turn parsed seedfeed entries into an equivalent Hugo site, and time Hugo building it.

The benchmark compares seedfeed with Hugo on the same work, so the site written here is kept
to what seedfeed itself produces: one HTML page per entry, a list page and an RSS feed (the
newest `entries_per_feed` items) per section, and a home page with its own feed. There is no
theme, no taxonomy, no sitemap and no network access; the four layouts are about as heavy as a
simple blog template.

Entries arrive already parsed, so Hugo does no markdown work: each one becomes
``content/<section>/<slug>.html``, a content file in Hugo's HTML format (used as is) with TOML
front matter holding ``title``, ``date`` and ``summary``.

Command line (a self-test on made-up entries): ``python benchmarks/hugo_site.py DIR N`` writes
a site of N fake entries into the empty or missing folder DIR, builds it with Hugo and prints
the Hugo version, the entry count and the build time as JSON.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

HUGO_TIMEOUT = 600  # seconds
# `[services.rss] limit` is read first since the services config gained RSS (Hugo 0.6x);
# older Hugo only knows the top-level `rssLimit`, which newer ones treat as a fallback.
SERVICES_RSS_SINCE = (0, 60, 0)


class EntryLike(Protocol):
    """The attributes of `seedfeed.model.Entry` that the Hugo site needs."""

    @property
    def id(self) -> str: ...
    @property
    def section(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def published(self) -> datetime: ...
    @property
    def summary(self) -> str: ...
    @property
    def content_html(self) -> str: ...


# --- TOML -----------------------------------------------------------------------------------

_TOML_ESCAPES = {
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    ord("\b"): "\\b",
    ord("\t"): "\\t",
    ord("\n"): "\\n",
    ord("\f"): "\\f",
    ord("\r"): "\\r",
    0x7F: "\\u007F",
}
for _code in range(0x20):
    _TOML_ESCAPES.setdefault(_code, f"\\u{_code:04X}")


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: quotes, backslashes and control characters escaped."""
    return '"' + text.translate(_TOML_ESCAPES) + '"'


def toml_datetime(moment: datetime) -> str:
    """`moment` as a TOML offset date-time (RFC 3339), e.g. ``2024-02-16T00:00:00+03:00``."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {moment!r}: entries need a time zone")
    if offset.seconds % 60 or offset.microseconds:  # RFC 3339 offsets are whole minutes
        moment = moment.astimezone(UTC)
    return moment.isoformat()


def _front_matter(fields: dict[str, str]) -> str:
    """A TOML front matter block; values must already be TOML literals."""
    lines = ["+++", *(f"{key} = {value}" for key, value in fields.items()), "+++", ""]
    return "\n".join(lines)


def _html_body(html: str) -> str:
    """`html` made safe from Hugo's shortcode syntax: ``{{`` is written ``{&#123;``.

    Hugo looks for shortcodes (``{{<`` and ``{{%``) even in HTML content files; the entity
    renders the same in a browser.
    """
    return html.replace("{{", "{&#123;")


# --- Hugo version -----------------------------------------------------------------------------


def hugo_version(hugo: str = "hugo") -> tuple[int, int, int]:
    """The version of the `hugo` executable, e.g. ``(0, 111, 3)``."""
    out = subprocess.run(
        [hugo, "version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    match = re.search(r"v(\d+)\.(\d+)\.(\d+)", out)
    if not match:
        raise RuntimeError(f"cannot read a version in {out!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


# --- site -------------------------------------------------------------------------------------

_BASEOF = """\
<!doctype html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} – {{ site.Title }}{{ end }}</title>
{{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
{{ with .OutputFormats.Get "rss" -}}
{{ printf `<link rel=%q type=%q href=%q title=%q>` .Rel .MediaType.Type .Permalink site.Title \
| safeHTML }}
{{ end -}}
<style>
body { max-width: 46rem; margin: 0 auto; padding: 1rem; font-family: sans-serif; }
nav a { margin-right: 1rem; } time { color: #666; } li { margin-bottom: .75rem; }
</style>
</head>
<body>
<header>
<a href="{{ site.Home.RelPermalink }}"><strong>{{ site.Title }}</strong></a>
<nav>{{ range site.Sections.ByTitle }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer><p>{{ site.Title }}</p></footer>
</body>
</html>
"""

_SINGLE = """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">\
{{ .Date.Format "2 January 2006" }}</time>
in <a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a></p>
{{ .Content }}
</article>
{{ end }}
"""

_LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .Description }}<p>{{ . }}</p>{{ end }}
{{ with .OutputFormats.Get "rss" }}<p><a href="{{ .RelPermalink }}">RSS</a></p>{{ end }}
<ul>
{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">\
{{ .Date.Format "2 January 2006" }}</time>
<p>{{ .Summary }}</p></li>
{{ end }}
</ul>
{{ end }}
"""

_INDEX = """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
<h2>Sections</h2>
<ul>
{{ range site.Sections.ByTitle }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ({{ len .Pages }})
{{ with .Description }}<p>{{ . }}</p>{{ end }}</li>
{{ end }}
</ul>
<h2>Latest</h2>
<ul>
{{ range first site.Params.entries_per_feed site.RegularPages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">\
{{ .Date.Format "2 January 2006" }}</time></li>
{{ end }}
</ul>
{{ end }}
"""


def _config(
    base_url: str,
    title: str,
    language: str,
    entries_per_feed: int,
    version: tuple[int, int, int],
) -> str:
    lines = [
        f"baseURL = {toml_string(base_url)}",
        f"title = {toml_string(title)}",
        f"languageCode = {toml_string(language)}",
        f"defaultContentLanguage = {toml_string(language)}",
        # seedfeed makes no taxonomies, sitemap, robots.txt or 404 page.
        'disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]',
        "enableRobotsTXT = false",
    ]
    if version < SERVICES_RSS_SINCE:
        lines.append(f"rssLimit = {entries_per_feed}")
    lines += ["", "[params]", f"entries_per_feed = {entries_per_feed}"]
    # Hugo renders front-matter summaries as markdown; its typographer would turn straight
    # quotes into curly ones, which seedfeed does not do.
    lines += ["", "[markup.goldmark.extensions]", "typographer = false"]
    if version >= SERVICES_RSS_SINCE:
        lines += ["", "[services.rss]", f"limit = {entries_per_feed}"]
    return "\n".join(lines) + "\n"


def write_hugo_site(
    root: Path,
    entries: Iterable[EntryLike],
    sections: dict[str, tuple[str, str]],
    base_url: str,
    entries_per_feed: int = 50,
    *,
    title: str = "Benchmark",
    language: str = "en",
    version: tuple[int, int, int] | None = None,
) -> None:
    """Write a Hugo site at `root` (missing or empty) equivalent to seedfeed's build.

    `sections` maps a section name to its ``(title, description)``; a section that only
    appears in `entries` is titled with its name. Each entry becomes
    ``content/<section>/<slug>.html``. `version` is the Hugo version to write the config for
    (it picks the RSS limit key); by default the installed ``hugo`` is asked.
    Raises `ValueError` on a naive `published`, an unusable slug or two entries at one path.
    """
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    if version is None:
        try:
            version = hugo_version()
        except (OSError, subprocess.SubprocessError):
            version = (1, 0, 0)  # no Hugo here: write for a current one
    content = root / "content"
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    content.mkdir()
    (root / "config.toml").write_text(
        _config(base_url, title, language, entries_per_feed, version), encoding="utf-8"
    )
    (layouts / "baseof.html").write_text(_BASEOF, encoding="utf-8")
    (layouts / "single.html").write_text(_SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(_LIST, encoding="utf-8")
    (root / "layouts" / "index.html").write_text(_INDEX, encoding="utf-8")

    made: set[str] = set()

    def section_dir(name: str) -> Path:
        folder = content / name
        if name not in made:
            if not name or name.startswith((".", "_")) or "/" in name or "\\" in name:
                raise ValueError(f"unusable section name {name!r}")
            folder.mkdir()
            section_title, description = sections.get(name, (name, ""))
            fields = {"title": toml_string(section_title)}
            if description:
                fields["description"] = toml_string(description)
            (folder / "_index.html").write_text(_front_matter(fields), encoding="utf-8")
            made.add(name)
        return folder

    for name in sections:
        section_dir(name)
    for entry in entries:
        slug = entry.slug
        if not slug or slug in {"index", "_index"} or "/" in slug or slug.startswith("."):
            raise ValueError(f"entry {entry.id}: unusable slug {slug!r}")
        path = section_dir(entry.section) / f"{slug}.html"
        if path.exists():
            raise ValueError(f"entry {entry.id}: {path} is already taken")
        fields = {
            "title": toml_string(entry.title),
            "date": toml_datetime(entry.published),
            "summary": toml_string(entry.summary),
        }
        path.write_text(_front_matter(fields) + _html_body(entry.content_html), encoding="utf-8")


def time_hugo(root: Path) -> float:
    """Build the site at `root` with ``hugo --quiet`` and return the wall time in seconds.

    A previous ``public`` folder is removed first (not timed); Hugo's cache goes to
    ``root/.hugo_cache``. Raises `RuntimeError` if Hugo fails, `subprocess.TimeoutExpired`
    after 600 s.
    """
    root = Path(root)
    shutil.rmtree(root / "public", ignore_errors=True)
    env = {**os.environ, "HUGO_CACHEDIR": str(root / ".hugo_cache")}
    start = time.perf_counter()
    done = subprocess.run(
        ["hugo", "--quiet", "--destination", "public"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=HUGO_TIMEOUT,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"hugo failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return seconds


# --- self-test ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FakeEntry:
    """A stand-in for `seedfeed.model.Entry` with just what `write_hugo_site` reads."""

    id: str
    section: str
    slug: str
    title: str
    published: datetime
    summary: str
    content_html: str


_AWKWARD_TITLES = (
    'Meeting on "collective security" No. {n}',
    "Path C:\\temp\\{n} and a tab\there",
    "Встреча Генерального секретаря ОДКБ № {n} «в Москве»",
    "Braces {{{{ and }}}} and <b>tags</b> & ampersands {n}",
    "Line\nbreak and quote ' {n}",
)


def fake_entries(n: int, n_sections: int = 10, seed: int = 0) -> list[FakeEntry]:
    """`n` deterministic fake entries with awkward titles, spread over ``section-NN``."""
    rng = random.Random(seed)
    moscow = timezone(timedelta(hours=3))
    start = datetime(2015, 1, 1, tzinfo=moscow)
    entries = []
    for i in range(n):
        title = _AWKWARD_TITLES[i % len(_AWKWARD_TITLES)].format(n=i)
        words = " ".join(rng.choice(("alpha", "beta", "gamma", "делегация")) for _ in range(40))
        paragraphs = "".join(f"<p>{words} ({i}.{k})</p>\n" for k in range(rng.randint(1, 6)))
        entries.append(
            FakeEntry(
                id=f"fake-{i:06d}",
                section=f"section-{i % n_sections:02d}",
                slug=f"entry-{i:06d}",
                title=title,
                published=start + timedelta(minutes=rng.randrange(10 * 365 * 24 * 60)),
                summary=f'Summary of "{title}" \\ {words[:80]}',
                content_html=paragraphs,
            )
        )
    return entries


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/hugo_site.py DIR N``: build N fake entries with Hugo, print JSON."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python benchmarks/hugo_site.py DIR N", file=sys.stderr)
        return 2
    root, n = Path(args[0]), int(args[1])
    sections = {f"section-{s:02d}": (f"Section {s:02d}", f"Fake part {s:02d}") for s in range(10)}
    version = hugo_version()
    write_hugo_site(root, fake_entries(n), sections, "https://bench.example.org/", version=version)
    seconds = time_hugo(root)
    print(json.dumps({"hugo": ".".join(map(str, version)), "entries": n, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
