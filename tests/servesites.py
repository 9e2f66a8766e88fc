"""Helpers of the serving tests (test_serve, test_web, test_gunicorn): seeds, builds, URLs.

Self-contained on purpose: the serving tests own their seed texts, so that edits to the
render tests' sites never move what these tests look for.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from seedfeed.publish import build

ROOT = Path(__file__).resolve().parent.parent
REPO_SEEDS = ROOT / "seeds"
T0 = 1_700_000_000  # long ago: seeds written "now" are the only racy ones
BASE_URL = "https://example.org/feeds/"
RU_SECTION = "Мировые новости"
RU_SLUG = "mirovye-novosti"

SITE_TOML = f"""\
[site]
title = "Serve & <b>test"
description = "Seeds for the serving tests"
base_url = "{BASE_URL}"
timezone = "Europe/Moscow"
id_authority = "serve.seedfeed.test"
{{extra}}
[sections.news]
title = "News & <i>views"
description = "All the news that fits"

[sections."{RU_SECTION}"]
language = "ru"
"""

LISTING = """\
On 16 February 2024, the council met in Astana & said <script>alert(1) was not \
welcome.

On 14 February 2024, a seminar on <b> tags & "quotes" took place in Moscow.

On 7 February 2024, the Secretary General met the minister of foreign affairs.
"""

ARTICLE = """\
Title with <b> & <script>alert(1)

Title with <b> & <script>alert(1) 20.06.2023

Body with <script>alert(2)</script> & <b>bold</b> text.

Second paragraph of the article.

Go back
"""

RU_LISTING = """\
15 марта 2024 г. Генеральный секретарь провёл встречу с министром <script>x.

10 марта 2024 года состоялось заседание Совета & комиссии.
"""

SEED_TEXTS = {
    "news/listing.txt": LISTING,
    "news/article.txt": ARTICLE,
    f"{RU_SECTION}/ru.txt": RU_LISTING,
}
ENTRIES = 6
SECTIONS = 2

# An item to add in the live-update tests: its words appear nowhere else.
NEW_ITEM = "\nOn 20 March 2024, the widget council met in Zlatoust for the first time.\n"
NEW_WORD = b"Zlatoust"


def site_toml(extra: str = "") -> str:
    return SITE_TOML.format(extra=extra)


def make_seeds(root: Path, name: str = "seeds", extra_settings: str = "") -> Path:
    """The test seeds folder under root, every file and folder with an old mtime."""
    seeds = root / name
    for rel, text in {**SEED_TEXTS, "site.toml": site_toml(extra_settings)}.items():
        path = seeds / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    age(seeds)
    return seeds


def bundled_seeds(root: Path) -> Path:
    """A copy of the repository's own seeds folder, aged like make_seeds."""
    seeds = Path(shutil.copytree(REPO_SEEDS, root / "bundled"))
    age(seeds)
    return seeds


def age(seeds: Path) -> None:
    """Old, distinct mtimes for every file and folder (folders last: writes move them)."""
    paths = sorted(seeds.rglob("*"), key=lambda p: (p.is_dir(), str(p)))
    for index, path in enumerate([*paths, seeds]):
        stamp = T0 + 1000 * index
        os.utime(path, (stamp, stamp))


def static_build(seeds: Path, out: Path) -> dict[str, tuple[bytes, int]]:
    """`seedfeed build` of the seeds into out: relative path -> (bytes, mtime seconds)."""
    build(seeds, out, now=T0 + 10**7)
    return {path.relative_to(out).as_posix(): (path.read_bytes(), int(path.stat().st_mtime))
            for path in sorted(out.rglob("*")) if path.is_file()}


def add_item(seeds: Path, rel: str = "news/listing.txt", text: str = NEW_ITEM) -> None:
    path = seeds / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "opml": "text/x-opml; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "ico": "image/vnd.microsoft.icon",
}


def content_type(rel: str) -> str:
    return CONTENT_TYPES[rel.rsplit(".", 1)[-1]]


def url_paths(rel: str) -> list[str]:
    """Every URL path a built file answers at: index.html also at its folder."""
    paths = ["/" + rel]
    if rel == "index.html" or rel.endswith("/index.html"):
        paths.append("/" + rel.removesuffix("index.html"))
    return paths


# Ways to reach outside the site: none may ever answer, let alone with a seed's bytes.
TRAVERSALS = [
    "/../seeds/site.toml",
    "/%2e%2e/seeds/site.toml",
    "/%252e%252e/seeds/site.toml",
    "/news/..%2f..%2fsite.toml",
    "/news/../../seeds/news/listing.txt",
    "/news/%2e%2e/%2e%2e/seeds/news/listing.txt",
    "/..%2f..%2fseeds%2fsite.toml",
    "/site.toml",
    "/news/listing.txt",
    "/seeds/news/listing.txt",
    "/.seeds.seedfeed-cache",
    "/..",
    "/news/..",
]
