"""Helpers for the render and publish tests: small hostile seeds, builds and file trees.

Imported by the test modules as `from sites import ...` (tests/ is on sys.path, like
feedcheck).  Everything here is a plain function so that each test module decides its
own fixtures and scopes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

from seedfeed.corpus import Corpus
from seedfeed.load import load_seeds
from seedfeed.model import Entry
from seedfeed.publish import Report, build
from seedfeed.render.site import render_site

ROOT = Path(__file__).resolve().parent.parent
REPO_SEEDS = ROOT / "seeds"
REPO_FEEDS = ROOT / "feeds"

BASE_URL = "https://example.org/feeds/"
RU_SECTION = "Мировые новости"
RU_SLUG = "mirovye-novosti"
SCRIPT = "<script>alert(1)"
FORMATS = ("rss", "atom", "json")
# A fixed "long ago" for seed mtimes: far from the wall clock, so no racy re-hashing.
T0 = 1_700_000_000

SITE = {
    "title": "Tests & <b>Co",
    "description": "Seeds & sprouts <b> for the tests",
    "base_url": BASE_URL,
    "language": "en",
    "timezone": "Europe/Moscow",
    "author": "Test desk & <i>friends",
    "id_authority": "seedfeed.test",
}
NEWS_TITLE = "News & <i>views"
NEWS_DESCRIPTION = "All the news <b> that fits"


def site_toml(**overrides: object) -> str:
    """site.toml of the test site; keyword arguments replace or add [site] settings."""
    site = {**SITE, **overrides}
    lines = ["[site]"] + [f"{key} = {json.dumps(value)}" for key, value in site.items()]
    lines += ["", "[sections.news]", f"title = {json.dumps(NEWS_TITLE)}",
              f"description = {json.dumps(NEWS_DESCRIPTION)}"]
    return "\n".join(lines) + "\n"


EN_LISTING = """\
On 16 February 2024, the council met in Astana & said <script>alert(1) was not \
welcome.

On 14 February 2024, a seminar on <b> tags & "quotes" took place in Moscow.

A continuation paragraph of the seminar item, with <b>bold</b> words.

On 7 February, the Secretary General met the minister of foreign affairs.

On 27 December, the chairmen met for the last time that year.
"""

EN_ARTICLE = """\
Title with <b> & <script>alert(1)

Title with <b> & <script>alert(1) 20.06.2023

Body with <script>alert(2)</script> & <b>bold</b> text.

Second paragraph of the article.

Go back
"""

# C0 control characters (XML 1.0 cannot carry them) inside an otherwise good item.
CONTROL = b"On 1 March 2024, a bell\x07 rang and a form\x0c feed\x1b fed.\n"

RU_LISTING = """\
15 марта 2024 г. Генеральный секретарь ОДКБ провёл встречу с министром \
<script>alert(1).

10 марта 2024 года состоялось заседание Совета & комиссии.

Заседание Совета министров

Заседание Совета министров 05.03.2024

Министры обсудили вопросы безопасности </b> и сотрудничества.

Вернуться назад
"""

HOSTILE: dict[str, str | bytes] = {
    "site.toml": site_toml(),
    "news/listing.txt": EN_LISTING,
    "news/article.txt": EN_ARTICLE,
    "news/control.txt": CONTROL,
    f"{RU_SECTION}/ru.txt": RU_LISTING,
}
HOSTILE_ENTRIES = 9  # news: 4 listing items, 1 article, 1 control; Russian: 2 items, 1 article
HOSTILE_NEWS_ENTRIES = 6
SLUGS = {"news": "news", RU_SECTION: RU_SLUG}  # section -> its URL name


def write_seeds(root: Path, files: Mapping[str, str | bytes], name: str = "seeds") -> Path:
    """A seeds folder under root from {relative path: text or bytes}; returns its path."""
    seeds = root / name
    for rel, content in files.items():
        path = seeds / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    seeds.mkdir(parents=True, exist_ok=True)
    return seeds


def hostile_seeds(root: Path, name: str = "seeds", **site: object) -> Path:
    """The hostile test site under root; keyword arguments override [site] settings."""
    return write_seeds(root, {**HOSTILE, "site.toml": site_toml(**site)}, name)


def repo_seeds_copy(root: Path) -> Path:
    return Path(shutil.copytree(REPO_SEEDS, root / "repo_seeds"))


def set_mtimes(seeds: Path, mtimes: Mapping[str, float]) -> None:
    for rel, mtime in mtimes.items():
        os.utime(seeds / rel, (mtime, mtime))


def seed_files(seeds: Path) -> list[str]:
    """Every file of a seeds folder, relative, with forward slashes."""
    return sorted(p.relative_to(seeds).as_posix() for p in seeds.rglob("*") if p.is_file())


def age_seeds(seeds: Path, start: float = T0) -> dict[str, float]:
    """Give every seed file its own old, fractional mtime; returns {rel: mtime}.

    Folders count as seeds too (removing a file changes only its folder's mtime): each
    folder, the seeds folder included, gets `start`, older than every file in it.
    """
    mtimes = {rel: start + 1000 * (index + 1) + 0.75
              for index, rel in enumerate(seed_files(seeds))}
    set_mtimes(seeds, mtimes)
    for folder in [seeds, *(p for p in seeds.rglob("*") if p.is_dir())]:
        os.utime(folder, (start, start))
    return mtimes


def publish(seeds: Path, out: Path, **options: object) -> Report:
    report, _problems = build(seeds, out, now=T0 + 10**7, **options)  # type: ignore[arg-type]
    return report


def tree(out: Path) -> dict[str, bytes]:
    """Every file under out, relative path -> bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


def stats(out: Path) -> dict[str, tuple[int, int]]:
    """Every file under out -> (inode, mtime_ns): a rewrite changes the inode."""
    result = {}
    for p in sorted(out.rglob("*")):
        if p.is_file():
            info = p.stat()
            result[p.relative_to(out).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return result


def mtimes(out: Path) -> dict[str, int]:
    return {rel: int((out / rel).stat().st_mtime) for rel in tree(out)}


def folders(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())


def corpus(seeds: Path) -> Corpus:
    return load_seeds(seeds)


def render(seeds: Path) -> tuple[Corpus, dict[str, bytes]]:
    """The parsed corpus and every document of its site, path -> bytes (no files written)."""
    parsed = load_seeds(seeds)
    return parsed, {document.path: document.render() for document in render_site(parsed)}


def feed_entries(parsed: Corpus, slug: str) -> list[Entry]:
    """What the feed `slug` (a section's URL name, or "all") must hold, newest first."""
    chosen = [e for e in parsed.entries if slug == "all" or SLUGS.get(e.section) == slug]
    return chosen[: parsed.settings.entries_per_feed]


# The sites the render tests run on: name -> [site] settings over the hostile site's.
VARIANTS: dict[str, dict[str, object]] = {
    "hostile": {},
    "hostile-ru": {"language": "ru"},  # now the English entries are the foreign ones
    "hostile-top2": {"entries_per_feed": 2, "max_age": 7200},
    "hostile-rss": {"preferred_format": "rss", "max_age": 86400},
}
SITES = ["repo", *VARIANTS]


def render_variant(name: str, root: Path) -> tuple[Corpus, dict[str, bytes]]:
    """render() of the bundled seeds ("repo") or of a hostile variant written under root."""
    if name == "repo":
        return render(REPO_SEEDS)
    return render(hostile_seeds(root, **VARIANTS[name]))


def entry_path(entry: Entry) -> str:
    return f"{SLUGS[entry.section]}/{entry.slug}.html"


def feed_documents(files: Mapping[str, bytes], base_url: str,
                   ) -> Iterator[tuple[str, str, bytes, str]]:
    """(path, format, bytes, self URL) of every feed among a site's files."""
    for path, body in sorted(files.items()):
        fmt = path.rsplit(".", 1)[-1]
        if "/" not in path and fmt in FORMATS:
            yield path, fmt, body, base_url + path


def feed_slug(path: str) -> str:
    return path.rsplit(".", 1)[0]
