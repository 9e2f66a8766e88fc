"""Items to entries: titles, dates in the site's timezone, escaped content, stable ids."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from seedfeed.entries import SUMMARY_LIMIT, TITLE_LIMIT, first_sentence, make_title
from seedfeed.load import SeedFile, parse_seed_bytes
from seedfeed.model import Entry
from seedfeed.settings import Settings

SITE = Settings(id_authority="example.org")
# RFC 4151: tag:authority,date:specific (authority a DNS name or an email address)
TAG_URI = re.compile(
    r"tag:(?:[a-z0-9.-]+|[\w.+-]+@[a-z0-9.-]+),\d{4}(?:-\d{2}(?:-\d{2})?)?:"
    r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*"
)


def entries_of(text: str | bytes, rel: str = "news/a.txt",
               site: Settings = SITE) -> list[Entry]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    section = rel.split("/")[0] if "/" in rel else site.default_section
    entries, _ = parse_seed_bytes(data, SeedFile(Path(rel), rel, section), site)
    return list(entries)


def only(text: str | bytes, **kwargs) -> Entry:
    (entry,) = entries_of(text, **kwargs)
    return entry


# --- titles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        ("On 16 February 2024, the CSTO Secretary General met the minister. They talked.",
         "The CSTO Secretary General met the minister"),
        ("16 февраля 2024 года генеральный секретарь провёл встречу. Стороны обсудили планы.",
         "Генеральный секретарь провёл встречу"),
        ("February 16, 2024, delegates met in Minsk.", "Delegates met in Minsk"),
        ("On 14 February 2024, winners of the A.E. Snesarev Prize met students. Then more.",
         "Winners of the A.E. Snesarev Prize met students"),
        ("On 3 May 2024, Mr. Smith met Dr. Jones in St. Petersburg. Then more.",
         "Mr. Smith met Dr. Jones in St. Petersburg"),
        ("On 3 May 2024, встреча прошла в г. Минске. Далее.", "Встреча прошла в г. Минске"),
        ("On 3 May 2024, what happened? Nobody knows.", "What happened?"),
        ("On 3 May 2024, \"we will help,\" he said. Then.", "\"We will help,\" he said"),
        ("On 3 May 2024, prices rose 3.5 percent. Then.", "Prices rose 3.5 percent"),
        ("On 3 May 2024, no full stop at all", "No full stop at all"),
    ],
)
def test_brief_item_title(paragraph, title):
    assert only(paragraph).title == title


@pytest.mark.parametrize(
    ("lead", "title"),
    [
        ("", ""),
        ("a.", "A"),
        ("the CSTO met. Then more.", "The CSTO met"),
        ("ёлка. Далее", "Ёлка"),
        ("«цитата». Далее", "«Цитата»"),
        ("(see above) x.", "(See above) x"),
        ("3rd meeting. Then", "3rd meeting"),
        ("— слово. Далее", "— Слово"),
        ("It ended… Then again.", "It ended…"),
    ],
)
def test_make_title(lead, title):
    assert make_title(lead) == title


@pytest.mark.parametrize(
    "lead",
    [
        " ".join(["word"] * 60),
        "the Deputy Prime Minister – Minister of Foreign Affairs of the Republic of Kazakhstan "
        "Murat Nurtleu met the CSTO Secretary General Imangali Tasmagambetov in Astana today",
        "participants, " * 20,
        "Представители пресс-служб оборонных ведомств и средств массовой информации "
        "государств – членов ОДКБ приняли участие в мероприятии в режиме видеоконференцсвязи",
    ],
)
def test_long_title_is_cut_at_a_word_with_an_ellipsis(lead):
    title = make_title(lead)
    assert len(title) <= TITLE_LIMIT
    assert len(title) >= TITLE_LIMIT // 2
    assert title.endswith("…")
    kept = title[:-1]
    source = lead[:1].upper() + lead[1:]
    assert source.startswith(kept)
    assert source[len(kept.rstrip(" ,;:-–—"))] in " ,;:-–—"  # the cut is between words
    assert not kept.endswith((" ", ","))


def test_long_word_is_cut_hard():
    title = make_title("x" * 500)
    assert len(title) == TITLE_LIMIT and title.endswith("…")


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("", ""),
        ("One. Two.", "One."),
        ("The A.E. Snesarev Prize. Two.", "The A.E. Snesarev Prize."),
        ("Gen. Serdyukov spoke. Two.", "Gen. Serdyukov spoke."),
        ("В т.ч. Москва. Два.", "В т.ч. Москва."),
        ("No end", "No end"),
        ("Ends with lowercase. next", "Ends with lowercase. next"),
    ],
)
def test_first_sentence(text, sentence):
    assert first_sentence(text) == sentence


def test_article_title_is_its_title_line():
    text = ("A very long article title that goes on " * 5).strip()
    entry = only(f"{text}\n\n{text} 20.06.2023\n\nBody.\n\nGo back\n")
    assert entry.title == text  # never shortened


def test_brief_item_that_is_only_a_date_gets_a_title():
    entry = only("On 3 May 2024.")
    assert entry.title


# --- published ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "text", "offset_hours"),
    [
        ("Europe/Moscow", "On 16 February 2024, a.", 3),
        ("Asia/Tokyo", "On 16 February 2024, a.", 9),
        ("Europe/Berlin", "On 16 February 2024, a.", 1),
        ("Europe/Berlin", "On 16 July 2024, a.", 2),
        ("America/New_York", "On 16 July 2024, a.", -4),
        ("UTC", "On 16 July 2024, a.", 0),
    ],
)
def test_a_date_only_entry_is_published_at_noon_in_the_site_timezone(timezone, text,
                                                                      offset_hours):
    published = only(text, site=Settings(timezone=timezone)).published
    assert published.tzinfo is not None
    assert published.utcoffset() == timedelta(hours=offset_hours)
    assert published.replace(tzinfo=None) == datetime(2024, published.month, 16, 12)
    assert published.tzinfo == ZoneInfo(timezone)


def test_published_iso_format_has_the_offset():
    entry = only("On 16 February 2024, a.")
    assert entry.as_json()["published"] == "2024-02-16T12:00:00+03:00"


# --- summary, content, source ---------------------------------------------------------


def test_brief_item_summary_and_content():
    entry = only("On 3 May 2024, a summit\nopened.\n\nIt lasted two days.\n")
    assert entry.summary == "On 3 May 2024, a summit opened."
    assert entry.content_html == (
        "<p>On 3 May 2024, a summit opened.</p>\n<p>It lasted two days.</p>\n"
    )
    assert entry.source == "news/a.txt:1"


def test_article_summary_and_content():
    entry = only("Title\n\nTitle 20.06.2023\n\nFirst.\n\nOn April 3, second.\n\nGo back\n")
    assert entry.summary == "First."
    assert entry.content_html == "<p>First.</p>\n<p>On April 3, second.</p>\n"
    assert "Go back" not in entry.content_html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<b>bold</b> & co", "&lt;b&gt;bold&lt;/b&gt; &amp; co"),
        ("&amp; &lt; &#x41;", "&amp;amp; &amp;lt; &amp;#x41;"),
        ("]]> <![CDATA[", "]]&gt; &lt;![CDATA["),
        ("<p>x</p>", "&lt;p&gt;x&lt;/p&gt;"),
    ],
)
def test_text_that_looks_like_html_stays_text(text, html):
    entry = only(f"On 3 May 2024, {text}\n\nTitle {text}\n")
    assert entry.content_html == f"<p>On 3 May 2024, {html}</p>\n<p>Title {html}</p>\n"
    assert entry.summary == f"On 3 May 2024, {text}"  # plain text; escaping is the renderer's


def test_hostile_article_title_stays_text_in_the_title():
    entry = only("<img src=x onerror=alert(1)>\n\n<img src=x onerror=alert(1)> 20.06.2023\n\n"
                 "Body <i>.\n")
    assert entry.title == "<img src=x onerror=alert(1)>"
    assert entry.content_html == "<p>Body &lt;i&gt;.</p>\n"


def test_xml_forbidden_characters_are_removed():
    entry = only(b"On 3 May 2024, a\x01\x08\x0b\x0c\x1b\x7f b \xef\xbf\xbe c.\n\nd\x1f.")
    for text in (entry.title, entry.summary, entry.content_html):
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]", text)
    assert entry.content_html == "<p>On 3 May 2024, a b  c.</p>\n<p>d.</p>\n"


def test_source_is_path_and_line_of_the_item():
    entries = entries_of("\n\n\nOn 3 May 2024, a.\n\n\nOn 2 May 2024, b.\r\n", rel="world/b.txt")
    assert [e.source for e in entries] == ["world/b.txt:4", "world/b.txt:7"]
    assert [e.section for e in entries] == ["world", "world"]


def test_russian_entry_is_marked_russian_on_an_english_site():
    entry = only("16 февраля 2024 года генеральный секретарь провёл встречу.")
    assert entry.language == "ru"
    assert only("On 16 February 2024, a meeting.").language is None


@pytest.mark.parametrize(("text", "site_language", "expected"), [
    # Typographic quotes and dashes are multi-byte but Latin text is English.
    ("On 16 February 2024, the “Harbour” club — and its ‘friends’ — met.", "en", None),
    ("On 16 February 2024, η ομάδα συναντήθηκε στην Αθήνα.", "en", None),  # Greek: unknown
    ("On 16 February 2024, 港口俱乐部举行了会议。", "en", None),  # Chinese: unknown
    ("16 февраля 2024 года клуб «Гавань» провёл встречу.", "ru", None),  # the site's own
    ("16 февраля 2024 года клуб «Гавань» провёл встречу.", "uk", None),  # Cyrillic site
    ("On 16 February 2024, the harbour club met.", "ru", "en"),
    ("On 16 February 2024, the harbour club met.", "en-GB", None),
    ("On 16 February 2024, le club du port s’est réuni.", "fr", None),
])
def test_entry_language_is_told_by_script(text: str, site_language: str,
                                          expected: str | None) -> None:
    site = Settings(id_authority="example.org", language=site_language)
    assert only(text, site=site).language == expected


def test_a_long_lead_paragraph_is_summarised_by_its_first_sentences() -> None:
    sentences = [f"The harbour club counted boat number {n} at the pier today." for n in range(30)]
    entry = only("On 3 May 2024, " + " ".join(sentences) + "\n\nA second paragraph.\n")
    assert len(entry.summary) <= SUMMARY_LIMIT
    assert entry.summary.startswith("On 3 May 2024, The harbour club counted boat number 0")
    assert entry.summary.endswith("at the pier today.")
    assert "A second paragraph" in entry.content_html and sentences[-1] in entry.content_html


def test_a_long_first_sentence_is_cut_at_a_word_with_an_ellipsis() -> None:
    words = " ".join(f"pier{n}" for n in range(200))
    entry = only(f"On 3 May 2024, the club listed {words}.\n")
    assert len(entry.summary) <= SUMMARY_LIMIT
    assert entry.summary.endswith("…")
    assert entry.summary[:-1].split()[-1] in words.split()


# --- ids ----------------------------------------------------------------------------

LISTING = (
    "On 16 February 2024, the Secretary General met the minister in Astana.\n\n"
    "On 14 February 2024, a seminar was held.\n\n"
    "On 14 February 2024, a briefing was held.\n\n"
    "On 7 February, delegates visited the Joint Staff.\n\n"
    "Summit of the ministers\n\nSummit of the ministers 20.06.2023\n\nBody.\n\nGo back\n"
)


def ids(entries: list[Entry]) -> list[str]:
    return [entry.id for entry in entries]


def test_ids_are_tag_uris():
    entries = entries_of(LISTING)
    assert len(entries) == 5
    for entry in entries:
        assert TAG_URI.fullmatch(entry.id), entry.id
        assert entry.id.startswith("tag:example.org,")
    assert TAG_URI.fullmatch(only("On 3 May 2024, a.", site=Settings()).id)


def test_ids_are_unique_even_on_the_same_day():
    assert len(set(ids(entries_of(LISTING)))) == 5


def test_same_id_after_a_rebuild():
    assert ids(entries_of(LISTING)) == ids(entries_of(LISTING))


def test_same_id_after_renaming_or_moving_the_file():
    assert ids(entries_of(LISTING, rel="news/a.txt")) == ids(entries_of(LISTING, rel="news/b.txt"))
    assert ids(entries_of(LISTING)) == ids(entries_of(LISTING, rel="other/deep/c.txt"))
    assert ids(entries_of(LISTING)) == ids(entries_of(LISTING, rel="top.txt"))


def test_same_id_when_the_text_moves_to_another_line_wrapping_and_line_ends():
    before = entries_of(LISTING)
    rewrapped = ("\n\n\nOn 1 March 2024, a newer item.\n\n"
                 + LISTING.replace(" the minister ", "\nthe\n  minister  ").replace("\n", "\r\n"))
    after = entries_of(rewrapped.encode("utf-8-sig"), rel="news/z.txt")
    assert ids(after)[1:] == ids(before)
    assert [e.source for e in after][1:3] == ["news/z.txt:6", "news/z.txt:10"]


def test_same_id_when_the_year_is_written_or_inferred():
    inferred = entries_of("On 16 February 2024, a.\n\nOn 7 February, delegates met.")[1]
    written = only("On 7 February 2024, delegates met.")
    assert inferred.id == written.id


def test_same_id_in_cp1251_and_utf8():
    text = "16 февраля 2024 года генеральный секретарь провёл встречу с министром.\n"
    assert ids(entries_of(text.encode("cp1251"))) == ids(entries_of(text.encode("utf-8")))


def test_different_day_or_text_gives_a_different_id():
    base = only("On 7 February 2024, delegates met.").id
    assert only("On 8 February 2024, delegates met.").id != base
    assert only("On 7 February 2023, delegates met.").id != base
    assert only("On 7 February 2024, delegates left.").id != base


def test_changing_the_body_of_an_article_keeps_its_id():
    one = only("T\n\nT 20.06.2023\n\nBody.\n")
    two = only("T\n\nT 20.06.2023\n\nBody, corrected.\n\nAnd more.\n")
    assert one.id == two.id
