"""The site database: ids and URLs that survive re-scrapes, times that say when content
changed, Last-Modified that never goes back, and pages of entries that left (410)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import feedparser
import pytest
from feedcheck import check_atom
from sites import write_seeds

from seedfeed.database import default_path
from seedfeed.ledger import same_item, words
from seedfeed.publish import build
from seedfeed.web import create_app

T0 = 1_720_000_000  # July 2024: the scrapes are written after their items' days
SITE = '[site]\nbase_url = "https://example.org/"\nid_authority = "example.org"\n'
FIRST = ("On 12 March 2024, the harbour council approved the new winter schedule for the "
         "northern ferry line after a long debate about fuel costs and crew rest.")
SECOND = ("On 12 March 2024, the rowing federation opened registration for the spring "
          "regatta on the lake near the old lighthouse.")
ARTICLE = ("Ferry terminal reopens\n\nFerry terminal reopens 11.03.2024\n\nThe terminal "
           "reopened after repairs to the main pier. Passengers used the temporary "
           "gangway for two weeks.\n\nThe operator thanked the dock workers.\n\nGo back\n")
# Every kind of edit a re-scrape brings, applied to FIRST or to the article.
EDITS = {
    "typo fixed": (FIRST.replace("schedule", "schedlue"), FIRST),
    "curly quotes": (FIRST.replace("after a", 'after "a').replace("debate", 'debate"'),
                     FIRST.replace("after a", "after \u201ca").replace("debate",
                                                                       "debate\u201d")),
    "soft hyphens": (FIRST, FIRST.replace("schedule", "sched\u00adule").replace(
        "northern", "north\u00adern")),
    "sentence appended": (FIRST, FIRST + " The first sailing is on Monday."),
    "whitespace": (FIRST, FIRST.replace(" the ", "  the\n")),
}


def seeds_with(root: Path, brief: str, article: str = ARTICLE) -> Path:
    seeds = write_seeds(root, {"site.toml": SITE, "port/briefs.txt": f"{brief}\n\n{SECOND}\n",
                               "port/article.txt": article})
    stamp(seeds, T0)
    return seeds


def stamp(seeds: Path, when: float) -> None:
    for path in [*seeds.rglob("*"), seeds]:
        os.utime(path, (when, when))


def published(seeds: Path, out: Path, now: float) -> dict[str, object]:
    build(seeds, out, now=now)
    feed = feedparser.parse((out / "port.atom").read_bytes())
    assert check_atom((out / "port.atom").read_bytes(), "https://example.org/port.atom") == []
    return {"feed": feed.feed.updated,
            "entries": {e.id: (e.link, e.updated, e.title) for e in feed.entries},
            "pages": sorted(p.name for p in (out / "port").glob("*.html")
                            if p.name != "index.html")}


@pytest.mark.parametrize("edit", EDITS)
def test_a_re_scrape_keeps_ids_and_urls_and_says_what_changed(tmp_path: Path,
                                                              edit: str) -> None:
    before_text, after_text = EDITS[edit]
    seeds = seeds_with(tmp_path, before_text)
    out = tmp_path / "out"
    before = published(seeds, out, T0 + 100)
    (seeds / "port/briefs.txt").write_text(f"{after_text}\n\n{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    after = published(seeds, out, T0 + 5100)
    assert after["entries"].keys() == before["entries"].keys()
    assert after["pages"] == before["pages"]
    changed = [i for i in before["entries"] if before["entries"][i] != after["entries"][i]]
    assert len(changed) == 1  # the edited entry: its updated moved, its link did not
    (link, updated, _), (old_link, old_updated, _) = (after["entries"][changed[0]],
                                                      before["entries"][changed[0]])
    assert link == old_link and updated > old_updated
    assert after["feed"] > before["feed"]


def test_a_split_paragraph_and_a_retitled_article_keep_their_ids(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, FIRST)
    out = tmp_path / "out"
    before = published(seeds, out, T0 + 100)
    edited = (ARTICLE.replace("Ferry terminal reopens", "Ferry terminal re-opens")
              .replace("main pier. Passengers", "main pier.\n\nPassengers"))
    (seeds / "port/article.txt").write_text(edited, encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    after = published(seeds, out, T0 + 5100)
    assert after["entries"].keys() == before["entries"].keys()
    assert "Ferry terminal re-opens" in {title for _, _, title in after["entries"].values()}


@pytest.mark.parametrize(("one", "two"), [
    ("On 12 March 2024, the minister met the ambassador of Norway in the capital to discuss "
     "fishing quotas.",
     "On 12 March 2024, the minister met the ambassador of Sweden in the capital to discuss "
     "fishing quotas."),
    ("On 12 March 2024, the harbour master met with Anna Lindqvist.",
     "On 12 March 2024, the harbour master met with Per Holmberg."),
    ("On 12 March 2024, the coast guard held an exercise in Tromsø with 40 boats.",
     "On 12 March 2024, the coast guard held an exercise in Bodø with 40 boats."),
    ("On 12 March 2024, the ferry carried 120 passengers.",
     "On 12 March 2024, the ferry carried 210 passengers."),
])
def test_near_twin_items_of_one_day_stay_two_entries(tmp_path: Path, one: str, two: str) -> None:
    seeds = seeds_with(tmp_path, one)
    out = tmp_path / "out"
    before = published(seeds, out, T0 + 100)
    # The next scrape holds both: the twin must not take the first one's id.
    (seeds / "port/briefs.txt").write_text(f"{one}\n\n{two}\n\n{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    after = published(seeds, out, T0 + 5100)
    assert len(after["entries"]) == len(before["entries"]) + 1
    assert before["entries"].keys() <= after["entries"].keys()
    # And a scrape that has only the twin: a new entry, not an edit of the first.
    (seeds / "port/briefs.txt").write_text(f"{two}\n\n{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 9000)
    assert not same_item(words(one), words(two))


def test_restoring_an_older_seed_never_moves_last_modified_back(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, FIRST)
    saved = tmp_path / "saved-briefs.txt"
    shutil.copy2(seeds / "port/briefs.txt", saved)
    out = tmp_path / "out"
    build(seeds, out, now=T0 + 100)
    first = int((out / "port.atom").stat().st_mtime)
    (seeds / "port/briefs.txt").write_text(f"{FIRST}\n\n{SECOND}\n\nOn 10 March 2024, the "
                                           "pier lights were replaced.\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    build(seeds, out, now=T0 + 5100)
    second = int((out / "port.atom").stat().st_mtime)
    shutil.copy2(saved, seeds / "port/briefs.txt")  # cp -p: the old bytes, the old mtime
    build(seeds, out, now=T0 + 5200)
    third = int((out / "port.atom").stat().st_mtime)
    assert first < second < third
    # The server, on the same database, says the same.
    app = create_app(seeds, {"RELOAD_INTERVAL": 0, "TESTING": True})
    response = app.test_client().get("/port.atom")
    assert response.headers["Last-Modified"] == response.last_modified.strftime(
        "%a, %d %b %Y %H:%M:%S GMT")
    assert int(response.last_modified.timestamp()) == third
    app.extensions["seedfeed"].stop()


def test_an_entry_that_left_the_seeds_is_gone(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, FIRST)
    out = tmp_path / "out"
    before = published(seeds, out, T0 + 100)
    app = create_app(seeds, {"RELOAD_INTERVAL": 0, "TESTING": True})
    client = app.test_client()
    pages = [f"/port/{name}" for name in before["pages"]]
    assert all(client.get(page).status_code == 200 for page in pages)
    (seeds / "port/briefs.txt").write_text(f"{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    after = published(seeds, out, T0 + 5100)
    assert len(after["pages"]) == len(before["pages"]) - 1
    assert app.extensions["seedfeed"].refresh()
    statuses = {page: client.get(page).status_code for page in pages}
    assert sorted(statuses.values()) == [200, 200, 410]
    assert client.get("/port/2024-03-12-0000000000.html").status_code == 404
    app.extensions["seedfeed"].stop()


def test_the_database_lives_beside_the_seeds_and_deleting_it_is_safe(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EDITS["typo fixed"][0])
    out = tmp_path / "out"
    first = published(seeds, out, T0 + 100)
    assert default_path(seeds) == tmp_path / "seeds.seedfeed.sqlite"
    assert default_path(seeds).exists() and not list(seeds.glob("*.sqlite*"))
    default_path(seeds).unlink()
    again = published(seeds, out, T0 + 200)
    assert again["entries"] == first["entries"]  # unedited entries keep their ids


@pytest.mark.parametrize(("old", "new", "same"), [
    ("the council met in minsk", "the council met in minsk today", True),
    ("the council met in minsk", "the council met in pinsk", False),
    ("the secratary met the minister", "the secretary met the minister", True),
    ("talks on 12 points", "talks on 13 points", False),
    ("the council met", "a different text about boats entirely", False),
    ("", "anything", False),
])
def test_same_item_table(old: str, new: str, same: bool) -> None:
    assert same_item(old.split(), new.split()) is same


def test_an_item_and_its_corrected_copy_in_two_files_never_share_an_id(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EDITS["typo fixed"][0])
    out = tmp_path / "out"
    first = published(seeds, out, T0 + 100)
    old_scrape = (seeds / "port/briefs.txt").read_text(encoding="utf-8")
    # The corrected re-scrape replaces the old file: same id, as tested above.
    (seeds / "port/briefs.txt").unlink()
    (seeds / "port/rescrape.txt").write_text(f"{FIRST}\n\n{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    second = published(seeds, out, T0 + 5100)
    assert second["entries"].keys() == first["entries"].keys()
    # The old scrape comes back beside it (overlapping scrapes): no id twice, no page
    # shared, and the entry that is the old scrape's own keeps its id.
    (seeds / "port/briefs.txt").write_text(old_scrape, encoding="utf-8")
    stamp(seeds / "port", T0 + 9000)
    build(seeds, out, now=T0 + 9100)
    entries = feedparser.parse((out / "port.atom").read_bytes()).entries
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    assert len({e.link for e in entries}) == len(entries)
    assert first["entries"].keys() <= set(ids)


def test_an_edit_made_before_an_items_noon_stamp_still_moves_its_updated(
        tmp_path: Path) -> None:
    # The scrape of 12 March is corrected at 10:00 that day, before the item's noon stamp.
    morning = 1_710_226_800  # 2024-03-12 07:00 UTC, 10:00 in Moscow
    seeds = seeds_with(tmp_path, EDITS["typo fixed"][0])
    stamp(seeds, morning - 3600)
    out = tmp_path / "out"
    before = published(seeds, out, morning)
    (seeds / "port/briefs.txt").write_text(f"{FIRST}\n\n{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", morning)
    after = published(seeds, out, morning + 60)
    changed = [i for i in before["entries"] if before["entries"][i] != after["entries"][i]]
    assert len(changed) == 1
    assert after["entries"][changed[0]][1] > before["entries"][changed[0]][1]
    assert after["feed"] > before["feed"]


def test_a_database_deleted_under_the_server_is_made_again(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, FIRST)
    app = create_app(seeds, {"RELOAD_INTERVAL": 0, "TESTING": True})
    content = app.extensions["seedfeed"]
    client = app.test_client()
    assert client.get("/port.atom").status_code == 200
    default_path(seeds).unlink()
    assert content.db.changed_elsewhere()  # (the poller's check: it reopens)
    (seeds / "port/briefs.txt").write_text(f"{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    assert content.refresh()
    assert content.last_error is None
    assert len(feedparser.parse(client.get("/port.atom").data).entries) == 2
    assert default_path(seeds).exists()
    content.stop()


def test_builds_for_another_base_url_keep_their_own_dates(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, FIRST)
    build(seeds, tmp_path / "here", now=T0 + 100)
    build(seeds, tmp_path / "there", now=T0 + 200, base_url="https://mirror.example/")
    # (the feeds: every page's header lists the sections, so a new one changes the pages)
    port = sorted((tmp_path / "here").glob("port.*"))
    dates = {path: int(path.stat().st_mtime) for path in port if path.is_file()}
    assert len(dates) == 3
    # Another section is added: a full rebuild here, whose port feeds are unchanged.
    (seeds / "town").mkdir()
    (seeds / "town/a.txt").write_text("On 1 March 2024, the town hall opened.\n")
    stamp(seeds / "town", T0 + 5000)
    build(seeds, tmp_path / "here", now=T0 + 5100)
    assert {path: int(path.stat().st_mtime) for path in dates} == dates


def test_seedfeed_entries_shows_the_published_ids_and_changes_no_database(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from seedfeed.cli import main

    seeds = seeds_with(tmp_path, EDITS["typo fixed"][0])
    out = tmp_path / "out"
    first = published(seeds, out, T0 + 100)
    (seeds / "port/briefs.txt").write_text(f"{FIRST}\n\n{SECOND}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    database = default_path(seeds)
    before = (database.read_bytes(), database.stat().st_mtime_ns)
    result = CliRunner().invoke(main, ["entries", "--seeds", str(seeds)])
    assert result.exit_code == 0, result.output
    import json

    printed = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert set(printed) == set(first["entries"])  # the corrected item keeps its id
    assert (database.read_bytes(), database.stat().st_mtime_ns) == before


def test_an_entry_that_moved_section_then_left_is_gone_where_it_last_was(
        tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, FIRST)
    out = tmp_path / "out"
    published(seeds, out, T0 + 100)
    (seeds / "harbour").mkdir()
    (seeds / "port/briefs.txt").rename(seeds / "harbour/briefs.txt")
    stamp(seeds, T0 + 5000)
    build(seeds, out, now=T0 + 5100)
    pages = sorted(p.name for p in (out / "harbour").glob("2024-*.html"))
    assert len(pages) == 2
    (seeds / "harbour/briefs.txt").unlink()
    stamp(seeds, T0 + 9000)
    app = create_app(seeds, {"RELOAD_INTERVAL": 0, "TESTING": True})
    client = app.test_client()
    assert [client.get(f"/harbour/{page}").status_code for page in pages] == [410, 410]
    app.extensions["seedfeed"].stop()


def test_an_exact_re_scrape_keeps_the_id_even_after_a_looser_match(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, FIRST)
    out = tmp_path / "out"
    before = published(seeds, out, T0 + 100)
    (link, _, _), = [v for v in before["entries"].values() if "winter schedule" in v[2]]
    # Two scrapes of the item, the looser one listed first: an appended sentence, then
    # the same words with soft hyphens. The id goes to the one whose words are the same.
    appended = FIRST + " The first sailing is on Monday."
    hyphenated = EDITS["soft hyphens"][1]
    (seeds / "port/briefs.txt").write_text(f"{appended}\n\n{SECOND}\n", encoding="utf-8")
    (seeds / "port/copy.txt").write_text(f"{hyphenated}\n", encoding="utf-8")
    stamp(seeds / "port", T0 + 5000)
    build(seeds, out, now=T0 + 5100)
    entries = feedparser.parse((out / "port.atom").read_bytes()).entries
    kept = [e for e in entries if e.link == link]
    assert len(kept) == 1 and "first sailing" not in kept[0].content[0].value


def test_workers_starting_together_all_open_a_new_database(tmp_path: Path) -> None:
    """A server's workers boot at once on a site without a database yet: switching it to
    WAL takes a lock SQLite does not wait for, and no worker may fail to start on it."""
    import multiprocessing

    def open_when_told(start: multiprocessing.synchronize.Event, path: str) -> None:
        from seedfeed.database import Database

        start.wait()
        Database(Path(path)).close()

    context = multiprocessing.get_context("fork")
    for attempt in range(8):
        path = tmp_path / f"site{attempt}.sqlite"
        start = context.Event()
        workers = [context.Process(target=open_when_told, args=(start, str(path)))
                   for _ in range(4)]
        for worker in workers:
            worker.start()
        start.set()
        for worker in workers:
            worker.join(timeout=60)
        assert [worker.exitcode for worker in workers] == [0] * 4, attempt
