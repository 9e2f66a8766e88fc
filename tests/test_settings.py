"""site.toml: defaults, values, and errors that name the file and the line."""

from __future__ import annotations

import pickle
from zoneinfo import ZoneInfo

import pytest

from seedfeed.model import Hints, Level, Problem, SeedError
from seedfeed.settings import (
    FALLBACK_AUTHORITY,
    Section,
    Settings,
    language_tag,
    load_settings,
    parse_settings,
)


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
    assert settings.problems == ()
    assert Settings().authority == FALLBACK_AUTHORITY == "seedfeed.invalid"  # 127.0.0.1


def test_repo_site_toml_is_valid(repo_seeds):
    settings = load_settings(repo_seeds)
    assert settings.timezone == "Europe/Moscow"
    assert "news" in settings.sections
    assert settings.problems == ()  # its id_authority is set: no warning


# ---------------------------------------------------------------- language (BCP 47)

LANGUAGE_LINE = 3  # of `language = ...` in the text made by _with_language


def _with_language(value: str) -> str:
    return f'[site]\nid_authority = "news.example.org"\nlanguage = "{value}"\n'


@pytest.mark.parametrize(
    ("written", "stored", "warning"),
    [
        ("en", "en", None),
        ("ru", "ru", None),
        ("en-US", "en-US", None),
        ("zh-Hant-TW", "zh-Hant-TW", None),
        ("sr-Latn-RS", "sr-Latn-RS", None),
        ("es-419", "es-419", None),
        ("de-DE-1901", "de-DE-1901", None),
        ("en-US-x-twain", "en-US-x-twain", None),
        # case carries no meaning in BCP 47: made canonical without a word
        ("EN-us", "en-US", None),
        ("zh-hant-tw", "zh-Hant-TW", None),
        ("RU", "ru", None),
        # a locale's underscore
        ("en_US", "en-US", "'en_US' is written 'en-US' in BCP 47 (RFC 5646): "
                           "subtags are separated by '-', not '_'"),
        ("EN_us", "en-US", "'EN_us' is written 'en-US' in BCP 47 (RFC 5646): "
                           "subtags are separated by '-', not '_'"),
        # deprecated or redundant subtags
        ("iw", "he", "'iw' is written 'he' in standard BCP 47 (RFC 5646): "
                     "deprecated or redundant subtags are replaced"),
        ("en-Latn-US", "en-US", "'en-Latn-US' is written 'en-US' in standard BCP 47 (RFC 5646): "
                                "deprecated or redundant subtags are replaced"),
    ],
)
def test_language_is_stored_as_its_standard_tag(
    written: str, stored: str, warning: str | None
) -> None:
    settings = parse_settings(_with_language(written), "seeds/site.toml")
    assert settings.language == stored
    assert language_tag(written) == (stored, warning)
    expected = () if warning is None else (
        Problem("seeds/site.toml", LANGUAGE_LINE, Level.WARNING, f"site.language: {warning}"),)
    assert tuple(p for p in settings.problems if p.level is not Level.NOTE) == expected
    if warning:
        assert str(settings.problems[0]).startswith(
            f"seeds/site.toml:{LANGUAGE_LINE}: warning: site.language: ")


@pytest.mark.parametrize(
    "written", ["english", "xx-!!", "e", "", "en-", "en--US", "en US", " en", "xx", "en-US-US",
                "C.UTF-8", "toolongsubtag", "en-x"],
)
def test_bad_language_is_an_error_at_its_line(written: str) -> None:
    with pytest.raises(SeedError) as raised:
        parse_settings(_with_language(written), "seeds/site.toml")
    problem = raised.value.problem
    assert (problem.path, problem.line, problem.level) == (
        "seeds/site.toml", LANGUAGE_LINE, Level.ERROR)
    assert problem.message == (f"site.language: {written!r} is not a BCP 47 language tag "
                               "(RFC 5646) such as 'en', 'en-US' or 'zh-Hant-TW'")
    with pytest.raises(ValueError):
        language_tag(written)


@pytest.mark.parametrize(
    ("language", "rss"),
    [("en", "en"), ("en-US", "en-us"), ("ru", "ru"), ("zh-Hant-TW", "zh-tw"),
     ("zh-Hant", "zh"), ("es-419", "es"), ("sr-Latn-RS", "sr-rs"), ("x-klingon", "x-klingon")],
)
def test_rss_language_is_language_and_country_in_lower_case(language: str, rss: str) -> None:
    assert Settings(language=language).rss_language == rss


# ---------------------------------------------------------------- tag: id authority

@pytest.mark.parametrize(
    ("base_url", "authority", "warning"),
    [
        ("https://news.example.org/", "news.example.org", None),
        ("http://news.example.org:8080/x/", "news.example.org", None),
        ("https://editor@news.example.org/", "news.example.org", None),
        ("https://editor:secret@news.example.org:443/", "news.example.org", None),
        ("HTTP://News.Example.ORG/", "news.example.org", None),
        ("https://news.example.org./", "news.example.org", None),
        ("https://пример.рф/", "xn--e1afmkfd.xn--p1ai", None),
        # IP addresses: no one's domain
        ("http://127.0.0.1:8000/", FALLBACK_AUTHORITY,
         "site.base_url's host '127.0.0.1' is an IP address: they use 'seedfeed.invalid'"),
        ("http://192.0.2.7/", FALLBACK_AUTHORITY,
         "site.base_url's host '192.0.2.7' is an IP address: they use 'seedfeed.invalid'"),
        ("http://127.1/", FALLBACK_AUTHORITY,
         "site.base_url's host '127.1' is an IP address: they use 'seedfeed.invalid'"),
        ("http://[::1]:8000/", FALLBACK_AUTHORITY,
         "site.base_url's host '::1' is an IP address: they use 'seedfeed.invalid'"),
        ("http://[2001:DB8::7]/", FALLBACK_AUTHORITY,
         "site.base_url's host '2001:db8::7' is an IP address: they use 'seedfeed.invalid'"),
        ("http://news_desk.example.org/", FALLBACK_AUTHORITY,
         "site.base_url's host 'news_desk.example.org' is not a domain name: "
         "they use 'seedfeed.invalid'"),
        # local names: valid in a tag URI, so kept, but no one owns them
        ("http://localhost:8000/", "localhost",
         "site.base_url's 'localhost' is a name no one owns (RFC 6761)"),
        ("http://LocalHost/", "localhost",
         "site.base_url's 'localhost' is a name no one owns (RFC 6761)"),
        ("http://news.localhost/", "news.localhost",
         "site.base_url's 'news.localhost' is a name no one owns (RFC 6761)"),
    ],
)
def test_authority_from_base_url(base_url: str, authority: str, warning: str | None) -> None:
    settings = parse_settings(f'[site]\ntitle = "T"\n\nbase_url = "{base_url}"\n',
                              "seeds/site.toml")
    assert settings.authority == authority
    assert Settings(base_url=base_url).authority == authority
    if warning is None:
        assert settings.problems == ()
        return
    (problem,) = settings.problems
    assert str(problem).startswith("seeds/site.toml:4: warning: entry ids (tag: URIs, "
                                   "RFC 4151) need a domain name or e-mail address the site "
                                   f"owns, and {warning}; ids are permanent: ")
    assert "set site.id_authority (or site.base_url) to the site's domain" in problem.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),  # no [site] table
        ('# the site\n[site]\ntitle = "T"\n', 2),  # the table without a base_url
        ('[sections.world]\ntitle = "W"\n', 1),
    ],
)
def test_default_base_url_warns_about_entry_ids(text: str, line: int) -> None:
    (problem,) = parse_settings(text, "seeds/site.toml").problems
    assert (problem.path, problem.line, problem.level) == ("seeds/site.toml", line,
                                                           Level.WARNING)
    assert "'127.0.0.1' is an IP address" in problem.message


def test_missing_site_toml_warns_about_entry_ids(tmp_path, write_seeds):
    seeds = write_seeds(tmp_path, {"news/a.txt": "On 1 May 2024, a."})
    (problem,) = load_settings(seeds).problems
    assert str(problem).startswith(f"{seeds / 'site.toml'}:1: warning: entry ids ")


@pytest.mark.parametrize(
    ("id_authority", "warning"),
    [
        ("news.example.org", None),
        ("Example.ORG", None),  # as written: changing it would change every id
        ("desk@news.example.org", None),
        ("news-desk_2.x@example.org", None),
        ("a.b-c.example", None),
        ("localhost", "site.id_authority's 'localhost' is a name no one owns (RFC 6761)"),
        ("desk@localhost", "site.id_authority's 'localhost' is a name no one owns (RFC 6761)"),
    ],
)
def test_id_authority_is_used_as_written(id_authority: str, warning: str | None) -> None:
    text = f'[site]\nbase_url = "http://127.0.0.1:8000/"\nid_authority = "{id_authority}"\n'
    settings = parse_settings(text, "seeds/site.toml")
    assert settings.authority == settings.id_authority == id_authority
    if warning is None:
        assert settings.problems == ()  # and none about base_url's IP address either
    else:
        (problem,) = settings.problems
        assert (problem.line, problem.level) == (3, Level.WARNING)
        assert warning in problem.message


@pytest.mark.parametrize(
    "id_authority",
    ["", "127.0.0.1", "[::1]", "::1", "http://news.example.org/", "news.example.org/",
     "news.example.org.", "news example.org", "-news.example.org", "news..example.org",
     "@example.org", "desk@", "desk@127.0.0.1", "a@b@example.org", "desk+x@example.org",
     "пример.рф", "news_desk.example.org", "a" * 64 + ".example"],
)
def test_bad_id_authority_is_an_error_at_its_line(id_authority: str) -> None:
    text = f'[site]\ntitle = "T"\n\nid_authority = "{id_authority}"\n'
    with pytest.raises(SeedError) as raised:
        parse_settings(text, "seeds/site.toml")
    problem = raised.value.problem
    assert (problem.path, problem.line) == ("seeds/site.toml", 4)
    assert problem.message == ("site.id_authority must be a domain name or an e-mail address "
                               f"(RFC 4151), such as 'news.example.org', not {id_authority!r}")


@pytest.mark.parametrize(
    "base_url",
    ["http://:8000/", "http://[::1/", "http://news.example.org:99999/",
     "http://news.example.org:x/", "ftp://news.example.org/", "//news.example.org/",
     "https://news example.org/", "https:///path"],
)
def test_bad_base_url_is_an_error_at_its_line(base_url: str) -> None:
    with pytest.raises(SeedError) as raised:
        parse_settings(f'[site]\n\nbase_url = "{base_url}"\n', "seeds/site.toml")
    assert raised.value.problem.line == 3
    assert raised.value.problem.message == "site.base_url must be an absolute http(s) URL"


def test_problems_are_not_part_of_equality_and_survive_pickling() -> None:
    warned = parse_settings('[site]\nlanguage = "en_US"\n')
    assert len(warned.problems) == 2  # the language, and the default base_url's IP address
    assert warned == Settings(language="en-US")
    assert pickle.loads(pickle.dumps(warned)).problems == warned.problems
    with pytest.raises(AttributeError):
        warned.problems = ()  # type: ignore[misc]  # frozen
    assert not hasattr(warned, "__dict__")  # slots


def test_with_base_url_makes_the_entry_id_warning_anew() -> None:
    quiet = parse_settings('[site]\nlanguage = "en_US"\nbase_url = "https://news.example.org"\n',
                           "seeds/site.toml")
    local = quiet.with_base_url("http://127.0.0.1:8123", "seeds/site.toml")
    assert (local.base_url, local.authority) == ("http://127.0.0.1:8123/", FALLBACK_AUTHORITY)
    language, ids = local.problems
    assert language == quiet.problems[0]
    assert (ids.path, ids.line) == ("seeds/site.toml", 1)
    assert "'127.0.0.1' is an IP address" in ids.message
    public = local.with_base_url("https://news.example.org/", "seeds/site.toml")
    assert public.problems == quiet.problems and public == quiet


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
        ('[site]\ndrop = 1\n', 2, "unknown setting site.drop: drop belongs under a "
         "section's table, [sections.<folder name>]"),
    ],
)
def test_bad_section_hints_are_reported_with_their_line(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(SeedError) as raised:
        parse_settings(text, "seeds/site.toml")
    problem = raised.value.problem
    assert (problem.path, problem.line, problem.message) == ("seeds/site.toml", line, message)


def test_a_section_has_its_own_language_else_the_site_s() -> None:
    settings = parse_settings('[site]\nid_authority = "news.example.org"\nlanguage = "en"\n'
                              '[sections.vesti]\nlanguage = "RU"\n[sections.digest]\n'
                              'title = "Digest"\n', "seeds/site.toml")
    assert settings.section_language("vesti") == "ru"  # (its standard tag)
    assert settings.section_language("digest") == "en"
    assert settings.section_language("unlisted") == "en"
    assert settings.problems == ()


@pytest.mark.parametrize(("text", "table", "line"), [
    ('[site]\nid_authority = "news.example.org"\nlanguage = "de"\n', "site", 3),
    ('[site]\nid_authority = "news.example.org"\n\n[sections.nachrichten]\n'
     'language = "de"\n', "sections.nachrichten", 5),
])
def test_a_language_without_interface_words_is_noted_where_it_is_set(
        text: str, table: str, line: int) -> None:
    (note,) = parse_settings(text, "seeds/site.toml").problems
    assert str(note) == (
        f"seeds/site.toml:{line}: note: {table}.language: seedfeed has no interface words "
        "in 'de' yet (it has en, ru): its pages use English words and 'de' dates")


def test_a_section_language_that_is_no_language_tag_is_an_error_on_its_line() -> None:
    with pytest.raises(SeedError) as caught:
        parse_settings('[site]\nid_authority = "news.example.org"\n[sections.news]\n'
                       'language = "russian please"\n', "seeds/site.toml")
    assert str(caught.value).startswith(
        "seeds/site.toml:4: sections.news.language: 'russian please' is not a BCP 47 "
        "language tag")
