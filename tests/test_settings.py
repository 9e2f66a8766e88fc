"""site.toml: defaults, values, and errors that name the file and the line."""

from __future__ import annotations

import pickle
from zoneinfo import ZoneInfo

import pytest

from seedfeed.model import Hints, Level, SeedError
from seedfeed.settings import Section, Settings, load_settings, parse_settings


def test_no_site_toml_gives_defaults(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 1 May 2024, a."})
    settings = load_settings(seeds)
    assert settings == Settings()
    assert settings.timezone == "Europe/Moscow"
    assert settings.tz == ZoneInfo("Europe/Moscow")
    assert settings.default_section == "news"
    assert settings.entries_per_feed >= 1
    assert settings.sections == {}


def test_empty_site_toml_gives_defaults():
    assert parse_settings("") == Settings()


def test_values_are_read(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"site.toml": (
        "[site]\n"
        'title = "Example News"\n'
        'description = "All of it"\n'
        'base_url = "https://news.example.org/feeds"\n'
        'language = "ru"\n'
        'timezone = "Asia/Almaty"\n'
        "entries_per_feed = 7\n"
        'default_section = "misc"\n'
        'preferred_format = "rss"\n'
        "max_age = 60\n"
        'author = "Desk"\n'
        'id_authority = "example.org"\n'
        "\n"
        "[sections.world]\n"
        'title = "World"\n'
        'description = "Abroad"\n'
    )})
    settings = load_settings(seeds)
    assert settings.title == "Example News"
    assert settings.description == "All of it"
    assert settings.base_url == "https://news.example.org/feeds/"  # made a folder URL
    assert settings.language == "ru"
    assert settings.tz == ZoneInfo("Asia/Almaty")
    assert settings.entries_per_feed == 7
    assert settings.default_section == "misc"
    assert settings.preferred_format == "rss"
    assert settings.max_age == 60
    assert settings.author_name == "Desk"
    assert settings.authority == "example.org"
    assert settings.sections == {"world": Section("World", "Abroad")}
    assert settings.section("world") == Section("World", "Abroad")
    assert settings.section("other").title.endswith("other")


def test_utf8_bom_in_site_toml_is_accepted(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"site.toml": b'\xef\xbb\xbf[site]\ntitle = "\xd0\x9d"\n'})
    assert load_settings(seeds).title == "Н"


def test_authority_defaults_to_host_of_base_url():
    settings = parse_settings('[site]\nbase_url = "http://news.example.org:8080/x/"\n')
    assert settings.authority == "news.example.org"
    assert Settings().authority  # never empty


def test_repo_site_toml_is_valid(repo_seeds):
    settings = load_settings(repo_seeds)
    assert settings.timezone == "Europe/Moscow"
    assert "news" in settings.sections


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[site]\ntitle = "x"\ntimezone = \n', 3),
        ('[site]\ntitle = "unterminated\n', 2),
        ("# comment\n\n[site\n", 3),
        ('[site]\ntitle = "a"\ntitle = "b"\n', 3),
        ("= 1\n", 1),
        ('[site]\n\n\n\nlanguage = en\n', 5),
    ],
)
def test_malformed_toml_names_file_and_line(tmp_path, write_seeds, text, line):
    seeds = write_seeds(tmp_path, {"site.toml": text})
    with pytest.raises(SeedError) as raised:
        load_settings(seeds)
    problem = raised.value.problem
    assert problem.path.endswith("site.toml")
    assert problem.line == line
    assert problem.level is Level.ERROR
    assert f"site.toml:{line}:" in str(raised.value)


def test_undecodable_site_toml_is_a_seed_error(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"site.toml": b'[site]\ntitle = "\xff"\n'})
    with pytest.raises(SeedError) as raised:
        load_settings(seeds)
    assert raised.value.problem.path.endswith("site.toml")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # wrong types
        ('[site]\ntitle = "x"\nentries_per_feed = "50"\n', 3, "entries_per_feed"),
        ("[site]\n\ntitle = 5\n", 3, "title"),
        ("[site]\nmax_age = true\n", 2, "max_age"),
        ('[site]\ntitle = ["a"]\n', 2, "title"),
        ('site = "x"\n', 1, "site"),
        ('[site]\ntitle = "x"\n[sections]\nworld = 3\n', 4, "world"),
        # unknown keys and tables
        ('[site]\ntitle = "x"\ntitel = "y"\n', 3, "titel"),
        ('[site]\n\n[feeds]\nsize = 3\n', 3, "feeds"),
        # bad values
        ('[site]\ntimezone = "Mars/Olympus"\n', 2, "Mars/Olympus"),
        ('[site]\ntitle = "x"\ntimezone = ""\n', 3, "timezone"),
        ('[site]\n\nentries_per_feed = 0\n', 3, "entries_per_feed"),
        ('[site]\nmax_age = -1\n', 2, "max_age"),
        ('[site]\npreferred_format = "xml"\n', 2, "preferred_format"),
        ('[site]\nbase_url = "news.example.org"\n', 2, "base_url"),
        ('[site]\n\ndefault_section = "all"\n', 3, "all"),
    ],
)
def test_bad_settings_are_reported_with_their_line(text, line, words):
    with pytest.raises(SeedError) as raised:
        parse_settings(text, "seeds/site.toml")
    assert raised.value.problem.line == line
    assert raised.value.problem.path == "seeds/site.toml"
    assert words in raised.value.problem.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # the key is found in its own table, not where another table uses the same name
        ('[sections.world]\ntitle = "World"\n\n[site]\ntitle = 5\n', 5),
        ('[site]\ntitle = "x"\n\n[sections.world]\ntitle = 5\n', 5),
        ('[site]\ntitle = "x"\n\n[sections.world]\ntitle = "W"\ndescripton = "typo"\n', 6),
    ],
)
def test_error_line_is_inside_the_right_table(text, line):
    with pytest.raises(SeedError) as raised:
        parse_settings(text, "site.toml")
    assert raised.value.problem.line == line


def test_section_defaults():
    settings = parse_settings('[sections.world]\ntitle = "World"\n')
    assert settings.sections["world"] == Section("World", "World")


def test_section_hints_are_read() -> None:
    settings = parse_settings(
        "[sections.news]\n"
        'title = "News"\n'
        'date_order = "mdy"\n'
        "year = 2023\n"
        "drop = ['Share  this', '/page \\d+ of \\d+/']  # a regex is best '...'\n"
        "stop_at = [\n"
        '    "Related:",\n'
        '    "/see also.*/",\n'
        "]\n"
    )
    hints = settings.hints("news")
    assert settings.sections["news"].hints == hints
    assert settings.section("news").hints == hints
    assert hints.date_order == "mdy"
    assert hints.year == 2023
    share, page = hints.drop
    assert share.fullmatch("SHARE THIS")  # literal: any case, whitespace collapsed
    assert not share.fullmatch("Share this now")  # ... and the whole line
    assert not share.fullmatch("Share.this")  # ... and literal, not a regex
    assert page.fullmatch("Page 3 of 12")
    related, see_also = hints.stop_at
    assert related.fullmatch("related:")
    assert see_also.fullmatch("See also: the archive")


def test_section_hints_default() -> None:
    settings = parse_settings('[sections.world]\ntitle = "World"\n')
    assert settings.hints("world") == Hints()
    assert settings.hints("elsewhere") == Hints()  # a section not in site.toml
    assert settings.section("elsewhere").hints == Hints()
    assert Section("World", "Abroad").hints == Hints()
    assert Hints().date_order == "dmy"
    assert Hints().year is None
    assert Hints().drop == Hints().stop_at == ()
    assert Settings().hints("news") == Hints()


def test_settings_with_hints_pickle_and_compare() -> None:
    text = '[sections.news]\ndrop = ["Share", "/x+/"]\nstop_at = ["End"]\nyear = 2024\n'
    settings = parse_settings(text)
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert pickle.dumps(settings) == pickle.dumps(parse_settings(text))  # the build cache key
    assert parse_settings(text) == settings
    assert parse_settings(text.replace("/x+/", "/y+/")) != settings
    assert hash(settings.sections["news"]) == hash(parse_settings(text).sections["news"])


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # wrong types
        ('[sections.news]\ntitle = "N"\nyear = "2024"\n', 3,
         "sections.news.year must be an integer"),
        ("[sections.news]\nyear = true\n", 2, "sections.news.year must be an integer"),
        ("[sections.news]\nyear = 2024.0\n", 2, "sections.news.year must be an integer"),
        ("[sections.news]\n\ndate_order = 1\n", 3, "sections.news.date_order must be a string"),
        ('[sections.news]\ndrop = "Share"\n', 2, "sections.news.drop must be a list of strings"),
        ("[sections.news]\nstop_at = {}\n", 2,
         "sections.news.stop_at must be a list of strings"),
        ('[sections.news]\ndrop = ["a", 3]\n', 2, "sections.news.drop[1] must be a string"),
        ('[sections.news]\nstop_at = [\n  "a",\n  ["b"],\n]\n', 2,
         "sections.news.stop_at[1] must be a string"),
        # bad values
        ('[sections.news]\ndate_order = "ymd"\n', 2,
         "sections.news.date_order must be one of dmy, mdy, not 'ymd'"),
        ('[sections.news]\ndate_order = "DMY"\n', 2,
         "sections.news.date_order must be one of dmy, mdy, not 'DMY'"),
        ("[sections.news]\nyear = 1899\n", 2,
         "sections.news.year must be between 1900 and 2200, not 1899"),
        ("[sections.news]\nyear = 2201\n", 2,
         "sections.news.year must be between 1900 and 2200, not 2201"),
        ('[sections.news]\ndrop = [""]\n', 2, "sections.news.drop[0] is empty"),
        ('[sections.news]\nstop_at = ["End", "  "]\n', 2, "sections.news.stop_at[1] is empty"),
        ('[sections.news]\ndrop = ["ok", "/[a/"]\n', 2,
         "sections.news.drop: bad regular expression '/[a/': "
         "unterminated character set at position 0"),
        ('[sections.news]\nstop_at = ["/(x/"]\n', 2,
         "sections.news.stop_at: bad regular expression '/(x/': "
         "missing ), unterminated subpattern at position 0"),
        # unknown key
        ('[sections.news]\nyear = 2024\ndrops = ["a"]\n', 3,
         "unknown setting sections.news.drops"),
        # the line is found in the section's own table
        ('[sections.world]\nyear = 2024\n\n[sections.news]\ntitle = "N"\nyear = 0\n', 6,
         "sections.news.year must be between 1900 and 2200, not 0"),
        ('[site]\ndrop = 1\n', 2, "unknown setting site.drop"),
    ],
)
def test_bad_section_hints_are_reported_with_their_line(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(SeedError) as raised:
        parse_settings(text, "seeds/site.toml")
    problem = raised.value.problem
    assert (problem.path, problem.line, problem.message) == ("seeds/site.toml", line, message)
