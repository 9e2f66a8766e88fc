"""Publishing a site as static files (seedfeed.publish): real builds into temporary folders.

What a static server, rsync or a CDN relies on: the same seeds give the same bytes, a
file is written only when its bytes change, its mtime says when its content last changed,
stale files go away, and a build that dies halfway never leaves a torn file behind.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feedcheck import check_atom, check_jsonfeed, check_opml, check_rss, opml_feed_urls
from sites import (
    BASE_URL,
    HOSTILE_ENTRIES,
    RU_SECTION,
    RU_SLUG,
    T0,
    age_seeds,
    entry_path,
    folders,
    hostile_seeds,
    mtimes,
    set_mtimes,
    stats,
    tree,
    write_seeds,
)

import seedfeed.load
import seedfeed.publish
import seedfeed.render.pages
import seedfeed.render.site
from seedfeed.compress import GZIP_MIN_BYTES
from seedfeed.database import default_path
from seedfeed.load import load_seeds
from seedfeed.publish import Report, build
from seedfeed.render.site import render_site

CHECKERS = {"rss": check_rss, "atom": check_atom, "json": check_jsonfeed}
STATIC = {"style.css", "favicon.svg", "favicon.ico"}  # seedfeed's own files, as they are


def publish(seeds: Path, out: Path, **options: object) -> Report:
    report, _problems = build(seeds, out, now=time.time(), **options)  # type: ignore[arg-type]
    return report


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    seeds = hostile_seeds(tmp_path)
    age_seeds(seeds)
    return seeds


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch, out: Path) -> list[str]:
    """The documents each build writes, in order (the real atomic_write still runs)."""
    written: list[str] = []
    real = seedfeed.publish.atomic_write

    def spy(path: str | Path, body: bytes, mtime: int | None) -> tuple[int, int]:
        if Path(path).is_relative_to(out):
            written.append(Path(path).relative_to(out).as_posix())
        return real(path, body, mtime)

    monkeypatch.setattr(seedfeed.publish, "atomic_write", spy)
    return written


def clean_build(seeds: Path, root: Path, **options: object) -> Path:
    """A build into a fresh folder, with the same site database (ids and dates are the
    site's history): what any folder must equal after a build."""
    fresh = root / "clean"
    shutil.rmtree(fresh, ignore_errors=True)
    publish(seeds, fresh, **options)
    return fresh


def assert_valid(out: Path, base_url: str = BASE_URL) -> None:
    """feedcheck's verdict on every document of a built folder: no problems at all."""
    files = tree(out)
    for path, body in files.items():
        fmt = path.rsplit(".", 1)[-1]
        if fmt in CHECKERS and "/" not in path:
            assert CHECKERS[fmt](body, base_url + path) == [], path
        elif fmt == "opml":
            assert check_opml(body) == [], path
            assert [url.removeprefix(base_url) in files for url in opml_feed_urls(body)]


# --------------------------------------------------------------------------- a build


def test_a_build_writes_every_document(seeds: Path, out: Path) -> None:
    report = publish(seeds, out)
    site = {d.path: d.render() for d in render_site(load_seeds(seeds))}
    assert tree(out) == site
    assert (report.sections, report.entries) == (2, HOSTILE_ENTRIES)
    assert (report.written, report.unchanged, report.removed) == (len(site), 0, 0)
    assert_valid(out)
    # The site database is beside the seeds, in neither folder.
    assert default_path(seeds).exists() and not list(out.parent.glob("*/*.sqlite*"))


def test_file_mtimes_are_the_newest_seed_behind_them(seeds: Path, out: Path) -> None:
    seed_mtimes = age_seeds(seeds)
    set_mtimes(seeds, {"site.toml": T0 + 0.25})
    seed_mtimes["site.toml"] = T0 + 0.25
    publish(seeds, out)
    corpus = load_seeds(seeds)
    settings = int(seed_mtimes["site.toml"])
    section = {name: int(max(t for rel, t in seed_mtimes.items() if rel.startswith(name + "/")))
               for name in ("news", RU_SECTION)}
    expected = {"style.css": settings, "favicon.svg": settings, "favicon.ico": settings}
    for path in ("all.rss", "all.atom", "all.json", "index.html", "feeds.opml", "all.opml",
                 "all/index.html"):
        expected[path] = int(max(seed_mtimes.values()))
    for name, slug in (("news", "news"), (RU_SECTION, RU_SLUG)):
        for path in (f"{slug}.rss", f"{slug}.atom", f"{slug}.json", f"{slug}/index.html"):
            expected[path] = max(section[name], settings)
    for entry in corpus.entries:
        source = entry.source.rsplit(":", 1)[0]
        expected[entry_path(entry)] = max(int(seed_mtimes[source]), settings)
    assert mtimes(out) == expected
    assert len(set(expected.values())) >= 4  # the test tells the rules apart


def test_two_builds_give_identical_trees(seeds: Path, tmp_path: Path) -> None:
    """Builds a year apart (as far as the build can tell) give the same bytes and times."""
    build(seeds, tmp_path / "one", now=time.time())
    build(seeds, tmp_path / "two", now=time.time() + 366 * 86400)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert mtimes(tmp_path / "one") == mtimes(tmp_path / "two")
    assert folders(tmp_path / "one") == folders(tmp_path / "two") == [
        "all", "mirovye-novosti", "news"]


def test_a_build_with_nothing_changed_rewrites_nothing(seeds: Path, out: Path,
                                                       writes: list[str]) -> None:
    first = publish(seeds, out)
    before = stats(out)
    writes.clear()
    second = publish(seeds, out)
    assert writes == []
    assert stats(out) == before  # same inodes, same mtimes to the nanosecond
    assert (second.written, second.unchanged, second.removed) == (0, first.written, 0)
    assert (second.reparsed, second.rendered) == (0, 0)


def test_deleting_the_database_rewrites_nothing(seeds: Path, out: Path,
                                                writes: list[str]) -> None:
    publish(seeds, out)
    before = stats(out)
    default_path(seeds).unlink()
    writes.clear()
    report = publish(seeds, out)
    assert writes == [] and report.written == 0
    assert stats(out) == before
    assert report.reparsed == len(list(seeds.rglob("*.txt")))  # a full parse again


def test_a_damaged_database_stops_the_build_and_says_where(seeds: Path, out: Path) -> None:
    """It holds the ids of everything published: never silently replaced."""
    publish(seeds, out)
    before = stats(out)
    default_path(seeds).write_bytes(b"not a database at all, not even close" * 200)
    done = subprocess.run([sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds),
                           "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"{default_path(seeds)}: not a site database" in done.stderr
    assert "Traceback" not in done.stderr
    assert stats(out) == before


# --------------------------------------------------------------------------- changes


def test_changing_one_seed_rewrites_only_what_depends_on_it(
        seeds: Path, out: Path, writes: list[str], tmp_path: Path) -> None:
    publish(seeds, out)
    before = stats(out)
    article = seeds / "news" / "article.txt"
    article.write_text(article.read_text().replace("Second paragraph", "Last paragraph"))
    changed_at = T0 + 10**6
    set_mtimes(seeds, {"news/article.txt": changed_at + 0.5})
    writes.clear()
    report = publish(seeds, out)
    (entry,) = [e for e in load_seeds(seeds).entries if e.source.startswith("news/article")]
    page = entry_path(entry)
    must = {page, "news.rss", "news.atom", "news.json", "all.rss", "all.atom", "all.json"}
    may = must | {"news/index.html", "index.html", "feeds.opml"}
    assert must <= set(writes) <= may
    assert report.written == len(writes)
    assert report.reparsed == 1
    after = stats(out)
    untouched = [path for path in before if path.startswith(RU_SLUG) or path in STATIC
                 or (path.startswith("news/") and path not in may)]
    assert untouched and all(after[path] == before[path] for path in untouched)
    for path in writes:
        assert int((out / path).stat().st_mtime) == changed_at, path
    assert tree(out) == tree(clean_build(seeds, tmp_path))
    assert mtimes(out) == mtimes(tmp_path / "clean")


def test_an_item_added_to_one_seed_renders_only_what_shows_it(
        seeds: Path, out: Path, tmp_path: Path) -> None:
    publish(seeds, out)
    article = seeds / "news" / "article.txt"
    article.write_text("On 1 January 2030, a new item on top.\n\n" + article.read_text())
    set_mtimes(seeds, {"news/article.txt": T0 + 10**6})
    report = publish(seeds, out)
    # the new entry's page and the one it comes before (which now links it as newer), the
    # section's page and feeds, the combined feeds and page, the index and the OPML lists
    assert report.rendered == 2 + 1 + 3 + 3 + 1 + 3
    assert report.reparsed == 1
    assert tree(out) == tree(clean_build(seeds, tmp_path))


def test_a_database_that_lost_a_seed_s_entries_still_builds_right(tmp_path: Path) -> None:
    """Rows gone from the database (an old backup restored, a hand edit): the seeds are
    parsed again, and nothing reads the missing rows."""
    seeds, out = hostile_seeds(tmp_path, entries_per_feed=1), tmp_path / "out"
    age_seeds(seeds)
    publish(seeds, out)
    with sqlite3.connect(default_path(seeds)) as db:
        db.execute("DELETE FROM parsed WHERE parse IN "
                   "(SELECT parse FROM seed WHERE path LIKE 'news/%')")
    article = seeds / "news" / "article.txt"
    article.write_text("On 1 January 2030, a new item on top.\n\n" + article.read_text())
    set_mtimes(seeds, {"news/article.txt": T0 + 10**6})
    publish(seeds, out)
    assert tree(out) == tree(clean_build(seeds, tmp_path))
    assert mtimes(out) == mtimes(tmp_path / "clean")


def test_a_new_section_appears_everywhere(seeds: Path, out: Path, tmp_path: Path) -> None:
    publish(seeds, out)
    (seeds / "sport").mkdir()
    (seeds / "sport" / "a.txt").write_text("On 2 April 2024, the team won the final.\n")
    report = publish(seeds, out)
    assert report.sections == 3
    assert {"sport.rss", "sport.atom", "sport.json", "sport/index.html"} <= set(tree(out))
    assert f"{BASE_URL}sport.atom" in opml_feed_urls((out / "feeds.opml").read_bytes())
    assert b'href="sport.rss"' in (out / "index.html").read_bytes()
    assert tree(out) == tree(clean_build(seeds, tmp_path))


def test_files_of_removed_entries_and_sections_are_removed(
        seeds: Path, out: Path, tmp_path: Path) -> None:
    publish(seeds, out)
    old = load_seeds(seeds)
    listing_pages = {entry_path(e) for e in old.entries if e.source.startswith("news/listing")}
    assert listing_pages <= set(tree(out))
    (seeds / "news" / "listing.txt").unlink()
    report = publish(seeds, out)
    assert not listing_pages & set(tree(out))
    assert report.removed == len(listing_pages)
    assert tree(out) == tree(clean_build(seeds, tmp_path))

    shutil.rmtree(seeds / RU_SECTION)
    report = publish(seeds, out)
    assert not [path for path in tree(out) if path.startswith(RU_SLUG)]
    assert RU_SLUG not in folders(out)  # the emptied folder goes too
    assert report.removed == 3 + 1 + 3  # its feeds, its page and its entries' pages
    assert opml_feed_urls((out / "feeds.opml").read_bytes()) == [f"{BASE_URL}news.atom"]
    assert tree(out) == tree(clean_build(seeds, tmp_path))


def test_files_that_are_not_ours_are_left_alone(seeds: Path, out: Path) -> None:
    """Pointing --out at a folder with other things in it must never empty it."""
    theirs = {"robots.txt": "User-agent: *\n", "404.html": "<p>lost</p>\n",
              "package.json": "{}\n", "news/notes.html": "mine\n",
              "docs/index.html": "<p>docs</p>\n", "docs/api/ref.json": "{}\n",
              ".venv/lib/data.json": "{}\n", "news/.hidden.tmp": "mine too\n"}
    for rel, text in theirs.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    publish(seeds, out)
    shutil.rmtree(seeds / RU_SECTION)
    (seeds / "news" / "listing.txt").unlink()
    assert publish(seeds, out).removed > 0
    for rel, text in theirs.items():
        assert (out / rel).read_text() == text, rel
    assert not (out / RU_SLUG).exists()


def test_without_the_database_stale_entry_pages_still_go(seeds: Path, out: Path,
                                                         tmp_path: Path) -> None:
    publish(seeds, out)
    default_path(seeds).unlink()
    (seeds / "news" / "listing.txt").unlink()
    publish(seeds, out)
    assert tree(out) == tree(clean_build(seeds, tmp_path))


# --------------------------------------------------------------------------- damage


def test_a_damaged_output_is_repaired(seeds: Path, out: Path, tmp_path: Path) -> None:
    publish(seeds, out)
    good = tree(out)
    (out / "news.rss").write_bytes(b"<rss>broken")
    (out / "index.html").unlink()
    all_json = out / "all.json"
    all_json.write_bytes(all_json.read_bytes()[: len(good["all.json"]) // 2])
    report = publish(seeds, out)
    assert report.written == 3
    assert tree(out) == good
    assert mtimes(out) == mtimes(clean_build(seeds, tmp_path))


def test_a_touched_output_gets_its_mtime_back(seeds: Path, out: Path) -> None:
    publish(seeds, out)
    before = mtimes(out)
    os.utime(out / "news.atom", (T0 + 9 * 10**6, T0 + 9 * 10**6))
    report = publish(seeds, out)
    assert report.written == 0
    assert mtimes(out) == before


# --------------------------------------------------------------------------- atomicity


class Killed(Exception):
    """Stands in for whatever stops a build halfway: a full disk, a signal, a crash."""


def _dies_after(count: int, real: object, inside: Path | None = None) -> object:
    """os.replace that dies after `count` renames (into `inside`, if given)."""
    calls = 0

    def replace(src: object, dst: object) -> None:
        nonlocal calls
        if inside is not None and not Path(str(dst)).is_relative_to(inside):
            real(src, dst)  # type: ignore[operator]
            return
        calls += 1
        if calls > count:
            raise Killed(f"killed before renaming {dst}")
        real(src, dst)  # type: ignore[operator]

    return replace


@pytest.mark.parametrize("survivors", [0, 3, 17])
def test_a_build_that_dies_halfway_leaves_every_file_whole(
        seeds: Path, out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        survivors: int) -> None:
    publish(seeds, out)
    old = tree(out)
    # New settings change every document, so the build has plenty left to write.
    toml = seeds / "site.toml"
    toml.write_text(toml.read_text().replace("Tests &", "Renamed &").replace("fits", "fit"))
    set_mtimes(seeds, {"site.toml": T0 + 10**6})
    new = tree(clean_build(seeds, tmp_path))
    assert set(new) == set(old) and all(new[p] != old[p] for p in old if p not in STATIC)

    monkeypatch.setattr(seedfeed.publish.os, "replace",
                        _dies_after(survivors, os.replace, inside=out))
    with pytest.raises(Killed):
        publish(seeds, out)
    monkeypatch.undo()

    now = tree(out)
    assert set(now) == set(old)  # nothing lost, and no temporary file left in sight
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    for path, body in now.items():
        assert body in (old[path], new[path]), f"{path} is torn"
    assert sum(now[p] == new[p] != old[p] for p in now) == survivors
    assert_valid(out)

    report = publish(seeds, out)
    assert tree(out) == new
    assert mtimes(out) == mtimes(tmp_path / "clean")
    assert report.written == len([p for p in new if new[p] != old[p]]) - survivors


def test_a_killed_build_leaves_only_hidden_temporary_files_behind(
        seeds: Path, out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a SIGKILL between write and rename leaves: a hidden .tmp, never a document."""
    publish(seeds, out)
    good = tree(out)
    toml = seeds / "site.toml"
    toml.write_text(toml.read_text().replace("Tests &", "Renamed &"))
    set_mtimes(seeds, {"site.toml": T0 + 10**6})
    # A SIGKILL stops the writer after its temporary file is written and before both the
    # rename and the clean-up of the temporary file.
    monkeypatch.setattr(seedfeed.publish.os, "replace",
                        _dies_after(2, os.replace, inside=out))
    monkeypatch.setattr(seedfeed.publish.os, "unlink", lambda path: None)
    with pytest.raises(Killed):
        publish(seeds, out)
    monkeypatch.undo()
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers and all(p.name.startswith(".") for p in leftovers)
    documents = {path: body for path, body in tree(out).items()
                 if not path.rpartition("/")[2].startswith(".")}
    assert set(documents) == set(good)
    publish(seeds, out)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert tree(out) == tree(clean_build(seeds, tmp_path))


def test_a_failed_write_removes_its_temporary_file(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "site" / "a.rss"
    seedfeed.publish.atomic_write(target, b"old", 1_000_000)
    monkeypatch.setattr(seedfeed.publish.os, "replace", _dies_after(0, os.replace))
    with pytest.raises(Killed):
        seedfeed.publish.atomic_write(target, b"new", 2_000_000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["a.rss"]
    assert int(target.stat().st_mtime) == 1_000_000


# --------------------------------------------------------------------------- options


def test_gzip_writes_deterministic_twins(seeds: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    publish(seeds, one, precompress=True)
    publish(seeds, two, precompress=True)
    files = tree(one)
    assert files == tree(two)
    documents = {path: body for path, body in files.items() if not path.endswith(".gz")}
    for path, body in documents.items():
        twin = files.get(path + ".gz")
        if len(body) >= GZIP_MIN_BYTES:
            assert twin is not None, path
            assert gzip.decompress(twin) == body
            assert (one / (path + ".gz")).stat().st_mtime == (one / path).stat().st_mtime
        else:
            assert twin is None, path
    assert len(files) > len(documents)


def test_gzip_can_be_turned_on_and_off(seeds: Path, out: Path, tmp_path: Path) -> None:
    publish(seeds, out)
    plain = tree(out)
    publish(seeds, out, precompress=True)  # the documents are all current already
    files = tree(out)
    zipped = {path for path in files if path.endswith(".gz")}
    assert zipped == {path + ".gz" for path, body in plain.items()
                      if len(body) >= GZIP_MIN_BYTES}
    for path in zipped:
        assert gzip.decompress(files[path]) == plain[path.removesuffix(".gz")]
    assert files == tree(clean_build(seeds, tmp_path, precompress=True))
    assert publish(seeds, out, precompress=True).written == 0
    report = publish(seeds, out)
    assert report.removed == len(zipped)
    assert tree(out) == plain


def test_a_damaged_gzip_twin_is_repaired(seeds: Path, out: Path) -> None:
    publish(seeds, out, precompress=True)
    good = tree(out)
    (out / "news.rss.gz").write_bytes(b"garbage")
    assert publish(seeds, out, precompress=True).written == 1
    assert tree(out) == good


def test_base_url_changes_every_url(seeds: Path, out: Path) -> None:
    publish(seeds, out)
    elsewhere = "https://cdn.example.net/mirror/"
    report = publish(seeds, out, base_url=elsewhere.rstrip("/"))
    assert_valid(out, elsewhere)
    files = tree(out)
    assert report.written == len([path for path in files if path not in STATIC])
    for path in ("all.rss", "all.atom", "all.json", "feeds.opml", "news.rss"):
        assert elsewhere.encode() in files[path], path
        assert BASE_URL.encode() not in files[path], path
    assert f'href="{elsewhere}news/"'.encode() in files["news/index.html"]
    assert opml_feed_urls(files["all.opml"]) == [f"{elsewhere}all.atom"]


# --------------------------------------------------------------------------- the no-op check


def test_a_same_size_same_mtime_rewrite_of_a_young_seed_is_still_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writes can share one mtime: a file that young is checked by its content."""
    monkeypatch.setattr(seedfeed.model, "RACY_FINE", 60.0)  # "just written", however slow
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    seed = seeds / "news" / "a.txt"
    seed.parent.mkdir(parents=True)
    seed.write_text("On 1 May 2024, the first version of the item.\n", encoding="utf-8")
    first = build(seeds, out, now=time.time())[0]
    assert first.written > 0
    info = seed.stat()
    seed.write_text("On 1 May 2024, the other version of the item.\n", encoding="utf-8")
    os.utime(seed, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert seed.stat().st_size == info.st_size and seed.stat().st_ino == info.st_ino
    second = build(seeds, out, now=time.time())[0]
    assert second.reparsed == 1 and second.written > 0
    assert b"other version" in (out / "news.atom").read_bytes()
    third = build(seeds, out, now=time.time())[0]  # young, but the same content now
    assert (third.reparsed, third.written) == (0, 0)


def test_a_build_with_nothing_changed_parses_and_renders_nothing(seeds: Path, out: Path,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    publish(seeds, out)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a build with nothing to do parsed or rendered")

    monkeypatch.setattr(seedfeed.load.Loader, "load", forbidden)
    monkeypatch.setattr(seedfeed.render.site, "render_site", forbidden)
    report = publish(seeds, out)
    monkeypatch.undo()
    assert (report.written, report.removed) == (0, 0) and report.unchanged > 0
    assert report.entries == len(load_seeds(seeds).entries)


def test_another_seedfeed_renders_everything_again(seeds: Path, out: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade or an edited template must not leave output rendered by the old one."""
    first = publish(seeds, out)
    monkeypatch.setattr(seedfeed.publish, "code_fingerprint", lambda: "a" * 32)
    monkeypatch.setattr(seedfeed.load, "code_fingerprint", lambda: "a" * 32)
    monkeypatch.setattr(seedfeed.render.pages, "stylesheet", lambda: b"/* new look */\n")
    report = publish(seeds, out)
    assert report.reparsed == len(list(seeds.rglob("*.txt")))
    assert report.rendered == first.written and report.written == 1  # only style.css differs
    assert (out / "style.css").read_bytes() == b"/* new look */\n"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The seeds (relative paths) hashed by each call of the racy check, sorted."""
    calls: list[list[str]] = []
    real = seedfeed.publish._hashes

    def spy(scan: object, since: float) -> dict[str, str]:
        found = real(scan, since)  # type: ignore[arg-type]
        calls.append(sorted(found))
        return found

    monkeypatch.setattr(seedfeed.publish, "_hashes", spy)
    return calls


def test_young_seeds_and_settings_still_take_the_no_op_path(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            hashed: list[list[str]]) -> None:
    """Files written a moment ago (site.toml too) are checked by content, then trusted."""
    monkeypatch.setattr(seedfeed.model, "RACY_FINE", 60.0)  # "a moment ago", however slow
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    (seeds / "news").mkdir(parents=True)
    (seeds / "site.toml").write_text('[site]\ntitle = "Young"\n', encoding="utf-8")
    (seeds / "news" / "a.txt").write_text("On 1 May 2024, an item.\n", encoding="utf-8")
    build(seeds, out, now=time.time())

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a build with nothing to do parsed")

    monkeypatch.setattr(seedfeed.load.Loader, "load", forbidden)
    report = build(seeds, out, now=time.time())[0]
    assert (report.written, report.unchanged) == (0, len(tree(out)))
    assert hashed[-1] == sorted(path.relative_to(seeds).as_posix()
                                for path in seeds.rglob("*") if path.is_file())


def test_seeds_written_before_a_build_are_not_hashed_again(tmp_path: Path,
                                                          hashed: list[list[str]]) -> None:
    """A scrape just before a build is usual: its files are young for the build, not for
    the file system's clock.  Had it been whole seconds, they would be hashed again."""
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 1 May 2024, an item.",
                                   "news/b.txt": "On 2 May 2024, another."})
    out = tmp_path / "out"
    now = time.time()
    fine, coarse = seeds / "news" / "a.txt", seeds / "news" / "b.txt"
    os.utime(fine, ns=(int((now - 0.5) * 1e9) + 123,) * 2)  # half a second before
    os.utime(coarse, (int(now) - 1,) * 2)  # a whole-second file system's "just now"
    build(seeds, out, now=now)
    assert build(seeds, out, now=now + 5)[0].written == 0
    assert hashed == [["news/b.txt"]] * 2  # by the first build, and by the no-op check


def test_a_fifo_among_young_seeds_never_blocks_a_build(tmp_path: Path) -> None:
    """The no-op check hashes young files: a FIFO must not be opened (it would block)."""
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    (seeds / "news").mkdir(parents=True)
    (seeds / "news" / "a.txt").write_text("On 1 May 2024, an item.\n", encoding="utf-8")
    os.mkfifo(seeds / "news" / "pipe.txt")
    later = time.time() + 3600  # young for both builds, however slow they start
    for name in ("a.txt", "pipe.txt"):
        os.utime(seeds / "news" / name, (later, later))
    command = [sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds), "--out",
               str(out)]
    for _ in range(2):  # the second build runs the no-op check over the young FIFO
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    assert "not a regular file" in done.stderr


# --------------------------------------------------------------------------- the database


def test_builds_at_two_base_urls_take_turns_without_parsing_again(tmp_path: Path) -> None:
    """A staging build (--base-url) and the default one share the database: each keeps
    its own parses, so neither parses again what the other made it forget."""
    seeds = write_seeds(tmp_path, {  # (no id_authority: ids follow the base URL's host)
        "site.toml": '[site]\nbase_url = "https://news.example.org/"\n',
        "news/a.txt": "On 3 May 2024, one item.\n", "news/b.txt": "On 4 May 2024, two.\n"})
    age_seeds(seeds)
    staging = "https://staging.example.net/"
    first = [build(seeds, tmp_path / name, now=time.time(), base_url=url)[0].reparsed
             for name, url in (("a", None), ("b", staging))]
    (seeds / "news" / "b.txt").write_text("On 5 May 2024, three.\n\nOn 4 May 2024, two.\n")
    set_mtimes(seeds, {"news/b.txt": T0 + 10**6})
    again = [build(seeds, tmp_path / name, now=time.time() + 5, base_url=url)[0]
             for name, url in (("a", None), ("b", staging))]
    assert first == [2, 2]  # (other ids: other parses)
    assert [report.reparsed for report in again] == [1, 1]  # the edited seed only


def test_a_seed_restored_on_another_day_is_parsed_for_that_day(tmp_path: Path) -> None:
    """A date without a year takes the year the file was written: the same bytes written
    in another year are another parse, in this process and in any other."""
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 3 March, an undated item.\n"})
    seed = seeds / "news" / "a.txt"
    os.utime(seed, (T0 - 300 * 86400,) * 2)  # written in 2023
    build(seeds, tmp_path / "out", now=time.time())
    seed.write_text("On 4 March, another undated item.\n")
    os.utime(seed, (T0 - 200 * 86400,) * 2)
    build(seeds, tmp_path / "out", now=time.time())
    seed.write_text("On 3 March, an undated item.\n")  # the first bytes, restored
    os.utime(seed, (T0 + 200 * 86400,) * 2)  # written in 2024
    build(seeds, tmp_path / "out", now=time.time())
    years = {entry.published.year for entry in load_seeds(seeds).entries}
    assert years == {2024}
    atom = (tmp_path / "out" / "news.atom").read_text()
    assert "2024-03-03" in atom and "2023-03-03" not in atom


def test_dates_recorded_never_go_back(tmp_path: Path) -> None:
    """Two processes dating one document: the later write cannot date new bytes before
    the other's date (If-Modified-Since clients would miss them)."""
    from seedfeed.database import Database

    db = Database(tmp_path / "site.sqlite")
    db.record_dates([("https://e.org/all.atom", "one", 1000)])
    db.record_dates([("https://e.org/all.atom", "two", 1500)])  # the server, meanwhile
    db.record_dates([("https://e.org/all.atom", "three", 1001)])  # a build, from older data
    assert db.dates("https://e.org/") == {"all.atom": ("three", 1501)}
    db.record_dates([("https://e.org/all.atom", "three", 900)])  # the same bytes again
    assert db.dates("https://e.org/") == {"all.atom": ("three", 1501)}


def test_a_build_waits_for_another_build_of_the_same_seeds(tmp_path: Path) -> None:
    import fcntl

    seeds = hostile_seeds(tmp_path)
    lock_path = default_path(seeds).with_name(default_path(seeds).name + ".build-lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another build holds it
        process = subprocess.Popen([sys.executable, "-m", "seedfeed", "build", "--seeds",
                                    str(seeds), "--out", str(tmp_path / "out")],
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert process.poll() is None and not (tmp_path / "out").exists()
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert err.startswith("waiting for another build of these seeds to finish")
    assert (tmp_path / "out" / "all.atom").exists()
