"""The times feeds give entries, read back the way readers read them: converted into the
reader's zone, compared within a feed, and for a feed with nothing in it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from sites import age_seeds, render, write_seeds

SITE = """\
[site]
base_url = "https://example.org/"
id_authority = "example.org"
timezone = "{zone}"
"""
DAY = date(2024, 3, 5)
# Forty date-only items on one day in one seed, ten more in another section: the most a
# busy day has, and so the latest stamp of the day.
NEWS = "\n\n".join(f"On 5 March 2024, the harbour office logged ship number {n}."
                   for n in range(40, 0, -1))
SPORT = "\n\n".join(f"On 5 March 2024, the rowing club finished heat number {n}."
                    for n in range(10, 0, -1))
OTHER_DAY = "On 4 March 2024, the harbour office opened a second gate."
# Reader zones from UTC-9 (Alaska) to UTC+14 (Line Islands), the half hours included.
READER_ZONES = [timezone(timedelta(minutes=m)) for m in range(-9 * 60, 14 * 60 + 1, 30)]


def site(tmp_path: Path, zone: str = "Europe/Moscow", **extra: str) -> dict[str, bytes]:
    files = {"site.toml": SITE.format(zone=zone),
             "news/harbour.txt": NEWS + "\n\n" + OTHER_DAY + "\n",
             "sport/rowing.txt": SPORT + "\n", **extra}
    seeds = write_seeds(tmp_path, files)
    age_seeds(seeds)
    return render(seeds)[1]


def atom_times(body: bytes) -> list[tuple[str, datetime]]:
    """(title, published instant) of each entry, in document order, as feedparser reads."""
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.bozo_exception
    return [(e.title, datetime.fromisoformat(e.published)) for e in parsed.entries]


def test_a_date_only_item_shows_its_own_day_in_every_reader_zone(tmp_path: Path) -> None:
    files = site(tmp_path)
    for path in ("all.atom", "news.atom", "sport.atom"):
        for title, published in atom_times(files[path]):
            for zone in READER_ZONES:
                expected = date(2024, 3, 4) if "second gate" in title else DAY
                assert published.astimezone(zone).date() == expected, (path, title, zone)


def test_rss_and_json_feed_give_the_same_instants_as_atom(tmp_path: Path) -> None:
    files = site(tmp_path)
    atom = [published for _, published in atom_times(files["all.atom"])]
    rss = [datetime(*e.published_parsed[:6], tzinfo=UTC)
           for e in feedparser.parse(files["all.rss"]).entries]
    items = json.loads(files["all.json"])["items"]
    assert rss == atom
    assert [datetime.fromisoformat(i["date_published"]) for i in items] == atom


def test_same_day_items_have_distinct_times_newest_first_in_seed_order(tmp_path: Path) -> None:
    files = site(tmp_path)
    for path in ("all.atom", "news.atom", "sport.atom"):
        times = [published for _, published in atom_times(files[path])]
        assert len(set(times)) == len(times), path
        assert times == sorted(times, reverse=True), path
    news = atom_times(files["news.atom"])
    # The seed lists ship 40 first: the newest, so the latest of the day.
    assert news[0][0].endswith("ship number 40")
    assert news[0][1] > news[1][1]


def test_the_site_zone_reader_sees_noon_and_a_printed_time_is_kept(tmp_path: Path) -> None:
    printed = "On 5 March 2024, at 08:15, the pilot boat left for the outer buoy.\n"
    files = site(tmp_path, **{"pilots/boat.txt": printed})
    moscow = timezone(timedelta(hours=3))
    boat = dict(atom_times(files["all.atom"]))["The pilot boat left for the outer buoy"]
    assert boat == datetime(2024, 3, 5, 8, 15, tzinfo=moscow)
    times = dict(atom_times(files["news.atom"]))
    gate = times["The harbour office opened a second gate"]
    assert gate == datetime(2024, 3, 4, 12, 0, tzinfo=moscow)  # alone on its day
    day = [t for path in ("news.atom", "sport.atom")
           for title, t in atom_times(files[path]) if "number" in title]
    assert min(day) == datetime(2024, 3, 5, 12, 0, tzinfo=moscow)
    assert max(day) < datetime(2024, 3, 5, 13, 0, tzinfo=moscow)


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_noon_in_another_site_zone(tmp_path: Path, zone: str) -> None:
    files = site(tmp_path, zone=zone)
    gate = dict(atom_times(files["news.atom"]))["The harbour office opened a second gate"]
    assert gate.hour == 12 and gate.minute == 0 and gate.date() == date(2024, 3, 4)


def test_an_added_item_on_the_top_of_a_day_changes_no_other_time_or_id(tmp_path: Path) -> None:
    def entries(files: dict[str, bytes]) -> dict[str, tuple[str, str]]:
        parsed = feedparser.parse(files["news.atom"])
        return {e.title: (e.id, e.published) for e in parsed.entries}

    before = entries(site(tmp_path / "a"))
    newest = "On 5 March 2024, the harbour office logged a late tanker.\n\n"
    after = entries(site(tmp_path / "b", **{
        "news/harbour.txt": newest + NEWS + "\n\n" + OTHER_DAY + "\n"}))
    added = after.pop("The harbour office logged a late tanker")
    assert after == before
    assert all(added[1] > published for _, published in after.values())


def test_an_empty_feed_is_dated_by_its_settings_not_1970(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, {"site.toml": SITE.format(zone="Europe/Moscow")})
    written = age_seeds(seeds)["site.toml"]
    files = render(seeds)[1]
    feed = feedparser.parse(files["all.atom"]).feed
    updated = datetime.fromisoformat(feed.updated)
    assert updated == datetime.fromtimestamp(int(written), UTC)
    rss = feedparser.parse(files["all.rss"]).feed
    assert rss.updated_parsed[:3] == updated.timetuple()[:3]
