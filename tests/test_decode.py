"""Seed bytes to text: UTF-8 with or without BOM, UTF-16 with or without BOM, legacy
encodings (Windows-1252 and Latin-1, Windows-1251, KOI8-R...), files mixing UTF-8 with one
of them, mojibake, and damage.

The rule under test: nothing silent, never mojibake, never U+FFFD in a feed.  Every guess
is a problem (note, warning or error); text that cannot be read right is on a line in
`unreadable`, with an error.
"""

from __future__ import annotations

import codecs
import random
import struct
import zlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from seedfeed.decode import Decoded, DecodeError, clean_text, decode_seed
from seedfeed.model import Level

NOTE, WARNING, ERROR = Level.NOTE, Level.WARNING, Level.ERROR

RUSSIAN = (
    "16 февраля 2024 года Генеральный секретарь ОДКБ провёл встречу с министром.\n"
    "\n"
    "14 февраля состоялось заседание Совета министров иностранных дел «ОДКБ».\n"
)
ENGLISH = "On 5 March 2024, the café on the pier reopened — with “short” hours.\n"
# The example: Windows-1252 read today as UTF-8 with stray damage.
ENGLISH_CP1252 = b"On 5 March 2024, the caf\xe9 on the pier reopened \x97 with \x93short\x94 hours."


def problems_of(decoded: Decoded) -> list[tuple[int, Level]]:
    return [(problem.line, problem.level) for problem in decoded.problems]


def decode(data: bytes) -> Decoded:
    decoded = decode_seed(data, "news/a.txt")
    assert all(problem.path == "news/a.txt" for problem in decoded.problems)
    assert "\ufffd" not in "".join(line for number, line in enumerate(
        decoded.text.split("\n"), start=1) if number not in decoded.unreadable)
    return decoded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("plain", "plain"),
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\r\r\nb", "a\n\nb"),
        ("a\n\rb", "a\n\nb"),
        ("tab\tstays\n", "tab\tstays\n"),
        ("\x00nul\x01\x08\x0b\x0c\x0e\x1fgone", "nulgone"),
        ("\ufffe\uffffnon-characters", "non-characters"),
        ("\x7f\x85\x9f\u2028 DEL and C1 go, U+2028 stays", "\u2028 DEL and C1 go, U+2028 stays"),
        ("\ufffd replacement stays", "\ufffd replacement stays"),
        ("emoji \U0001f600 stays", "emoji \U0001f600 stays"),
    ],
)
def test_clean_text(text, expected):
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", ""),
        (codecs.BOM_UTF8, ""),
        (b"On 1 May 2024, a.\n", "On 1 May 2024, a.\n"),
        (codecs.BOM_UTF8 + "Привет\n".encode(), "Привет\n"),
        (b"a\r\n\r\nb\r\n", "a\n\nb\n"),
        (b"a\r\rb\r", "a\n\nb\n"),
        ("On 1 May 2024, a.\r\n".encode("utf-16"), "On 1 May 2024, a.\n"),
        (codecs.BOM_UTF16_LE + "Привет\r\n".encode("utf-16-le"), "Привет\n"),
        (codecs.BOM_UTF16_BE + "Привет\r".encode("utf-16-be"), "Привет\n"),
        (RUSSIAN.encode("utf-8"), RUSSIAN),
        (ENGLISH.encode("utf-8"), ENGLISH),
    ],
)
def test_decoded_text(data, expected):
    decoded = decode(data)
    assert decoded.text == expected
    assert decoded.problems == ()
    assert decoded.unreadable == frozenset()


# Valid UTF-8 is published as it is, and quietly: nothing here may be taken for mojibake,
# though some of it holds the characters mojibake is made of (Г followed by ё, Â, Ð, €,
# Serbian letters, windows-1251 letters before NBSP or »).
LEGITIMATE = [
    RUSSIAN,
    ENGLISH,
    "Пётр и Фёдор встретились с Гёте В\u00a0Москве; МЧС» сообщило: «ГИБДД».\n",
    "Київ: Він сказав «Її» — ґанок; Ўладзімір, Беларусь.\n",
    "Ђорђе Ђоковић је освојио турнир; ѕвезда и ѓавол.\n",
    "Ελληνικά κείμενα: η Αθήνα και η Θεσσαλονίκη.\n",
    "中文文本，日本語のテキスト，한국어 텍스트。\n",
    "Straße, Zürich, Œuvre, façade, naïve, Ørsted, Ñandú, AÑO NUEVO, ÎLE-DE-FRANCE.\n",
    "On 1 May 2024, €5 million and £3, 20 °C ± 2, © 2024 Acme™, § 5, ½ cup.\n",
    "Ð is the capital eth, Þ the thorn; in capitals: SÃO PAULO, PÂTES, L'ÂGE D'OR.\n",
    "Emoji \U0001f600 and math ∑ ∫ ≠, arrows → ←, dashes ‒ – — ―, quotes ‹ › « ».\n",
    "Цена 5 € за кг; 100 ₽; №\u00a05; 1\u00a0000\u00a0000 рублей.\n",
    "Он сказал: «Всё хорошо…» — и ушёл; 5 µg, café’s.\n",
    "Ілля Рєпін і Ђорђе: «Гёте», „Фауст“.\n",
]


@pytest.mark.parametrize("text", LEGITIMATE)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_legitimate_utf8_text_is_unchanged_and_quiet(text, newline):
    decoded = decode(text.replace("\n", newline).encode())
    assert decoded.text == text
    assert decoded.encoding == "utf-8"
    assert decoded.problems == ()
    assert decoded.unreadable == frozenset()


def test_legitimate_utf8_text_with_a_bom_and_a_control_character_is_unchanged():
    text = "".join(LEGITIMATE)
    decoded = decode(codecs.BOM_UTF8 + text.replace("\n", "\x07\n", 1).encode())
    assert decoded.text == text
    assert problems_of(decoded) == [(1, WARNING)]
    assert "U+0007" in decoded.problems[0].message


# --- legacy encodings, the whole file --------------------------------------------------------

# (bytes, text out, encoding, (line, level, words in the message))
LEGACY = [
    pytest.param(ENGLISH_CP1252, ENGLISH.rstrip("\n"), "cp1252",
                 (1, WARNING, "read as windows-1252 (not UTF-8)"), id="windows-1252 English"),
    pytest.param(ENGLISH.replace("\n", "\r\n").encode("cp1252") * 2, ENGLISH * 2, "cp1252",
                 (1, WARNING, "read as windows-1252"), id="windows-1252 CRLF"),
    pytest.param("A naïve café in Zürich, 20 °C.\n".encode("latin-1"),
                 "A naïve café in Zürich, 20 °C.\n", "cp1252",
                 (1, WARNING, "read as windows-1252"), id="Latin-1"),
    pytest.param(b"Line one.\n\nOn 1 May 2024, \xe0 la carte at 5\x80; l\x92\xe9t\xe9.\n",
                 "Line one.\n\nOn 1 May 2024, à la carte at 5€; l’été.\n", "cp1252",
                 (3, WARNING, "read as windows-1252"), id="windows-1252 note on its first line"),
    pytest.param(RUSSIAN.encode("cp1251"), RUSSIAN, "cp1251",
                 (1, WARNING, "read as windows-1251 (not UTF-8)"), id="windows-1251"),
    pytest.param(RUSSIAN.replace("\n", "\r\n").encode("cp1251"), RUSSIAN, "cp1251",
                 (1, WARNING, "read as windows-1251"), id="windows-1251 CRLF"),
    pytest.param("14 февраля прошла встреча министров.\n".encode("cp1251"),
                 "14 февраля прошла встреча министров.\n", "cp1251",
                 (1, WARNING, "read as windows-1251"), id="windows-1251 one line"),
    pytest.param("On 1 May 2024, the mayor of Moscow (Москва) spoke.\n".encode("cp1251"),
                 "On 1 May 2024, the mayor of Moscow (Москва) spoke.\n", "cp1251",
                 (1, WARNING, "read as windows-1251"), id="windows-1251 word in English"),
    pytest.param(RUSSIAN[:120].encode("koi8-r"), RUSSIAN[:120], "koi8_r",
                 (1, WARNING, "read as KOI8-R (not UTF-8)"), id="KOI8-R"),
    pytest.param("Совет министров собрался в Минске; Вторая встреча.\n".encode("mac_cyrillic"),
                 "Совет министров собрался в Минске; Вторая встреча.\n", "mac_cyrillic",
                 (1, WARNING, "read as Mac Cyrillic"), id="Mac Cyrillic"),
    pytest.param("Совет министров собрался в Минске.\n".encode("cp866"),
                 "Совет министров собрался в Минске.\n", "cp866",
                 (1, WARNING, "read as CP866"), id="CP866"),
    pytest.param("On 1 May 2024, мама мыла раму.\n".encode("cp1251"),
                 "On 1 May 2024, мама мыла раму.\n", "cp1251",
                 (1, WARNING, "read as windows-1251"), id="windows-1251 lower case"),
    # KOI8-R reads these bytes as "зйвдд ЗПДБ нюу", as well formed; too short for
    # charset-normalizer's coherence: Russian's frequent letters in lower case decide
    pytest.param("On 1 May 2024, ГИБДД года МЧС.\n".encode("cp1251"),
                 "On 1 May 2024, ГИБДД года МЧС.\n", "cp1251",
                 (1, WARNING, "read as windows-1251 (not UTF-8): a guess"),
                 id="windows-1251 capitals, not KOI8-R"),
    # and the other way round: windows-1251 reads these as "ЪБУЕДБОЙЕ ЧУФТЕЮХ ДЕМ"
    pytest.param("On 1 May 2024, заседание встречу дел февраля\n".encode("koi8_r"),
                 "On 1 May 2024, заседание встречу дел февраля\n", "koi8_r",
                 (1, WARNING, "read as KOI8-R (not UTF-8)"), id="KOI8-R, a few words"),
]


@pytest.mark.parametrize(("data", "expected", "encoding", "problem"), LEGACY)
def test_legacy_encodings_read_right_and_are_told(data, expected, encoding, problem):
    decoded = decode(data)
    assert decoded.text == expected
    assert decoded.encoding == encoding
    assert problems_of(decoded) == [problem[:2]]
    assert problem[2] in decoded.problems[0].message
    assert decoded.unreadable == frozenset()


def test_an_odd_word_does_not_make_a_legacy_line_unreadable():
    """CamelCase names are no Russian word's shape, and no reason to drop a line."""
    text = (f"{RU_LINES[0]}\nКомпания МегаФон объявила о новом тарифе для абонентов.\n"
            "Соцсеть ВКонтакте сообщила о сбое в работе сервиса в Москве.")
    decoded = decode(text.encode("cp1251"))
    assert (decoded.text, decoded.encoding, decoded.unreadable) == (text, "cp1251", frozenset())
    assert problems_of(decoded) == [(1, WARNING)]


def test_cp1251_is_named_as_a_cyrillic_encoding():
    decoded = decode_seed(RUSSIAN.encode("cp1251"), "a.txt")
    assert decoded.encoding.replace("-", "_").lower() in {"cp1251", "windows_1251"}


# --- UTF-16 without a BOM --------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [
    "On 1 May 2024, a.\n",
    "16 февраля\n",
    ENGLISH.replace("\n", "\r\n") * 3,
    RUSSIAN,
    "Ελληνικά κείμενα.\n",
])
def test_utf16_without_a_bom_is_read_with_a_warning(codec, text):
    decoded = decode(text.encode(codec))
    assert decoded.text == text.replace("\r\n", "\n")
    assert decoded.encoding == codec.replace("-", "_")
    assert problems_of(decoded) == [(1, WARNING)]
    assert decoded.problems[0].message == (
        f"read as {codec.upper()} (UTF-16 without a byte order mark): a guess; save seeds "
        "as UTF-8")


def test_utf16_without_a_bom_keeps_its_control_character_warnings():
    decoded = decode("a\n\nb\x07c, and more words on the line.\n".encode("utf-16-le"))
    assert decoded.text == "a\n\nbc, and more words on the line.\n"
    assert problems_of(decoded) == [(1, WARNING), (3, WARNING)]


# --- binary ------------------------------------------------------------------------------------


def _random_bytes(seed: int, size: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size))


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", 3),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff", 1),
        (b"text line\nmore\n\x00\x00\x00\x00", 3),
        (b"text line\rmore\r\x00\x00", 3),
        (bytes(range(256)) * 4, 1),
        (b"\x00" + _random_bytes(5, 4096), 1),
        # UTF-16 cut in the middle of a character: an odd length is not UTF-16
        ("On 1 May 2024, a.\n".encode("utf-16-le")[:-1], 1),
        # UTF-16 holding U+0000
        ("On 1 May\x00 2024, a.\n".encode("utf-16-le"), 1),
    ],
)
def test_binary_is_an_error_not_text(data, line):
    with pytest.raises(DecodeError) as raised:
        decode_seed(data, "news/picture.txt")
    assert raised.value.line == line
    assert raised.value.message


@pytest.mark.parametrize("numbers", [
    random.Random(3).sample(range(65536), 400),
    range(1, 2000, 3),
    [rng.randrange(1, 1024) for rng in [random.Random(4)] for _ in range(500)],
])
@pytest.mark.parametrize("order", ["<", ">"])
def test_16_bit_numbers_are_binary_though_their_nuls_are_on_one_side(numbers, order):
    data = b"".join(struct.pack(f"{order}H", number) for number in numbers)
    with pytest.raises(DecodeError) as raised:
        decode_seed(data, "news/numbers.txt")
    assert raised.value.message == "binary file, not text"


@pytest.mark.parametrize(
    "data",
    [
        zlib.compress(b"On 3 May 2024, compressed. " * 50).replace(b"\x00", b"\x01"),
        bytes(range(1, 256)) * 4,
        bytes((k * 7919) % 127 + 129 for k in range(3000)),
        _random_bytes(7, 3000).replace(b"\x00", b"\x01"),
    ],
)
def test_binary_without_nul_bytes_is_an_error_too(data):
    with pytest.raises(DecodeError) as raised:
        decode_seed(data, "news/archive.txt")
    assert raised.value.line >= 1


def test_invalid_utf16_is_an_error_with_its_line():
    data = "x\r\n\r\ny\r\n".encode("utf-16") + b"\x00\xd8"  # a lone high surrogate at the end
    with pytest.raises(DecodeError) as raised:
        decode_seed(data, "a.txt")
    assert raised.value.line == 4


# --- files in two encodings -------------------------------------------------------------------

RU_LINES = ["16 февраля 2024 года Генеральный секретарь провёл встречу.",
            "",
            "14 февраля — заседание «Совета министров».",
            "",
            "7 февраля прошла встреча в Москве."]
EN_LINES = ["On 5 March 2024, the café on the pier reopened — with “short” hours.",
            "",
            "On 6 March 2024, naïve visitors paid €5 for the “tour”.",
            "On 7 March 2024, the Zürich office closed — for good."]


def _mixed(parts: list[tuple[str, str]], newline: str = "\n") -> bytes:
    """Lines joined with `newline`, each line encoded in its own codec."""
    return newline.encode().join(line.encode(codec) for codec, line in parts)


# (parts as (codec, line), warning line, message)
MIXED = [
    pytest.param([("utf-8", line) for line in RU_LINES[:3]]
                 + [("cp1252", line) for line in EN_LINES[:3]]
                 + [("utf-8", line) for line in RU_LINES[3:]],
                 4, "lines 4–6 read as windows-1252, the rest as UTF-8",
                 id="UTF-8 Russian with a windows-1252 paragraph"),
    pytest.param([("utf-8", line) for line in EN_LINES]
                 + [("cp1251", line) for line in RU_LINES]
                 + [("utf-8", EN_LINES[0])],
                 5, "lines 5–9 read as windows-1251, the rest as UTF-8",
                 id="UTF-8 English with a windows-1251 paragraph"),
    pytest.param([("utf-8", EN_LINES[0]), ("cp1251", RU_LINES[0]), ("utf-8", EN_LINES[2]),
                  ("cp1251", RU_LINES[2]), ("utf-8", ""), ("cp1251", RU_LINES[4])],
                 2, "lines 2–6 read as windows-1251, the rest as UTF-8",
                 id="two windows-1251 paragraphs"),
    pytest.param([("utf-8", RU_LINES[0]), ("cp1252", EN_LINES[3])],
                 2, "line 2 read as windows-1252, the rest as UTF-8", id="one line"),
]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize(("parts", "line", "message"), MIXED)
def test_a_file_in_two_encodings_is_read_part_by_part(parts, line, message, newline):
    decoded = decode(_mixed(parts, newline))
    assert decoded.text == "\n".join(text for _codec, text in parts)
    assert decoded.encoding == "utf-8"
    assert problems_of(decoded) == [(line, WARNING)]
    assert decoded.problems[0].message.startswith(message)
    assert decoded.unreadable == frozenset()


def test_a_file_in_two_encodings_with_damage_marks_the_damage_only():
    data = _mixed([("utf-8", RU_LINES[0]), ("cp1251", RU_LINES[2]), ("utf-8", "")]) \
        + b"\nOn 1 June 2025, damaged \xff\xfe\xc3 bytes here.\n" + RU_LINES[4].encode()
    decoded = decode(data)
    assert decoded.text.split("\n")[:3] == [RU_LINES[0], RU_LINES[2], ""]
    assert decoded.text.split("\n")[4] == RU_LINES[4]
    assert problems_of(decoded) == [(2, WARNING), (4, ERROR)]
    assert decoded.unreadable == {4}


# --- damage: invalid UTF-8 and U+FFFD --------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_invalid_utf8_in_good_utf8_is_an_error_on_its_line(newline):
    data = newline.join(RU_LINES).encode().replace("Москве".encode(), b"\xd0\x9c\xd0" + b"\xff")
    decoded = decode_seed(data, "news/ru.txt")
    assert [(p.path, p.line, p.level) for p in decoded.problems] == [
        ("news/ru.txt", 5, Level.ERROR)
    ]
    assert "UTF-8" in decoded.problems[0].message
    assert "not published" in decoded.problems[0].message
    assert decoded.unreadable == {5}
    assert decoded.text.splitlines()[:3] == RU_LINES[:3]  # the good text is kept


def test_invalid_utf8_in_the_sample_seed_is_found_on_its_line(repo_seeds):
    lines = (repo_seeds / "news/000_953f9ee9bceb9942.txt").read_bytes().split(b"\n")
    lines[20] = lines[20][:30] + b"\xe9\xe8" + lines[20][30:]
    decoded = decode_seed(b"\r\n".join(lines), "news/x.txt")
    assert [(p.line, p.level) for p in decoded.problems] == [(21, ERROR)]
    assert decoded.unreadable == {21}
    assert decoded.encoding == "utf-8"


# (bytes, unreadable lines): stray bytes are damage, never a guessed encoding
DAMAGE = [
    pytest.param(b"On 1 May 2024, stray \xff\xfe bytes in English.\n", {1}, id="stray bytes"),
    pytest.param(b"Fine.\n\nOn 1 June 2025, damaged \xff\xfe\xc3 bytes here.\n", {3},
                 id="three stray bytes"),
    pytest.param(b"Fine.\nOn 1 June 2025, a lone \xed\xa0\x80 here.\n", {2}, id="a surrogate"),
    pytest.param("On 1 June, an escaped \udcff\udcfe byte.".encode("utf-8", "surrogateescape"),
                 {1}, id="surrogateescape"),
    pytest.param(b"Fine.\nOn 1 May 2024, the n\xe9\xe8ws.\n", {2}, id="two accents in a row"),
    pytest.param(b"One \xd0 byte.\n", {1}, id="a lead byte alone"),
    pytest.param(b"The c\xc3\xffde word.\n", {1}, id="glued to Latin letters"),
    pytest.param(b"Fine.\nOne \x81\x8d run.\n", {2}, id="undefined in windows-1252"),
    pytest.param("Привет, мир.\n".encode()[:-3] + b"\xd0.\n" + "Ещё строка.\n".encode(), {1},
                 id="cut character in Russian"),
]


@pytest.mark.parametrize(("data", "lines"), DAMAGE)
def test_damaged_bytes_make_their_lines_unreadable(data, lines):
    decoded = decode(data)
    assert decoded.unreadable == lines
    assert problems_of(decoded) == [(line, ERROR) for line in sorted(lines)]
    for problem in decoded.problems:
        assert problem.message == ("invalid UTF-8 bytes (shown as U+FFFD): the item on this "
                                   "line is not published; fix the file's encoding")


def test_many_damaged_lines_are_told_in_full_and_then_counted():
    data = b"\n".join(b"On %d May 2024, bad \xff here." % day for day in range(1, 31))
    decoded = decode(data)
    assert decoded.unreadable == frozenset(range(1, 31))
    assert problems_of(decoded) == [(line, ERROR) for line in range(1, 12)]
    assert decoded.problems[-1].message.startswith("20 more lines with invalid UTF-8 bytes")
    assert "11–30" in decoded.problems[-1].message


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_utf8_holding_u_fffd_marks_its_lines_unreadable(newline):
    lines = ["On 1 May 2024, a lost \ufffd character.", "", "On 2 May 2024, fine.",
             "On 3 May 2024, \ufffd\ufffd lost twice."]
    decoded = decode(newline.join(lines).encode())
    assert decoded.text == "\n".join(lines)  # kept, but never published: see unreadable
    assert decoded.unreadable == {1, 4}
    assert problems_of(decoded) == [(1, ERROR), (4, ERROR)]
    assert "U+FFFD" in decoded.problems[0].message
    assert "not published" in decoded.problems[0].message


def test_u_fffd_in_utf16_marks_its_line_unreadable():
    decoded = decode("a\nb \ufffd\n".encode("utf-16"))
    assert decoded.unreadable == {2}
    assert problems_of(decoded) == [(2, ERROR)]


def test_decoded_text_has_no_xml_forbidden_characters():
    decoded = decode_seed("a\x01b\x1b[0mc\x0cd\ufffe\r\n".encode(), "a.txt")
    assert decoded.text == "ab[0mcd\n"


# --- mojibake --------------------------------------------------------------------------------


def _mojibake(text: str, codec: str) -> str:
    """Text as UTF-8 bytes misread in `codec` (bytes it cannot read pass as Latin-1)."""
    return "".join(bytes([byte]).decode(codec, errors="replace").replace("\ufffd", chr(byte))
                   for byte in text.encode())


# (mojibake text, repaired text, how it was read)
MOJIBAKE = [
    pytest.param("Caf" + "Г©", "Café", "windows-1251", id="CafГ©"),
    pytest.param(_mojibake(ENGLISH, "cp1251"), ENGLISH, "windows-1251",
                 id="English via windows-1251"),
    pytest.param("naГЇve people in ZГјrich", "naïve people in Zürich", "windows-1251",
                 id="Latin letters via windows-1251"),
    pytest.param("caf" + "Ã©", "café", "Latin-1", id="cafÃ©"),
    pytest.param(_mojibake(ENGLISH, "cp1252"), ENGLISH, "windows-1252",
                 id="English via windows-1252"),
    pytest.param(_mojibake(ENGLISH, "latin-1"), ENGLISH, "Latin-1", id="English via Latin-1"),
    pytest.param(_mojibake(RUSSIAN, "cp1251"), RUSSIAN, "windows-1251",
                 id="Russian via windows-1251"),
    pytest.param(_mojibake(RUSSIAN, "latin-1"), RUSSIAN, "Latin-1", id="Russian via Latin-1"),
    pytest.param(_mojibake("Ελληνικά κείμενα.\n", "cp1252"), "Ελληνικά κείμενα.\n",
                 "windows-1252", id="Greek via windows-1252"),
    pytest.param(_mojibake("On 1 May 2024, €5 and № 7 for Ørsted, à la carte.", "cp1251"),
                 "On 1 May 2024, €5 and № 7 for Ørsted, à la carte.", "windows-1251",
                 id="€ № Ø à via windows-1251"),
    pytest.param(_mojibake("Встреча в Москве, и всё.", "cp1251"),  # "Р’СЃС‚СЂРµС‡Р° РІ ..."
                 "Встреча в Москве, и всё.", "windows-1251", id="в via windows-1251"),
]


@pytest.mark.parametrize(("mojibake", "text", "how"), MOJIBAKE)
def test_mojibake_is_repaired_with_a_warning_on_each_line(mojibake, text, how):
    decoded = decode(mojibake.encode())
    assert decoded.text == text
    lines = [number for number, line in enumerate(mojibake.split("\n"), start=1)
             if not line.isascii()]
    assert problems_of(decoded) == [(line, WARNING) for line in lines]
    assert {problem.message for problem in decoded.problems} == {
        f"mojibake repaired (UTF-8 read as {how})"}
    assert decoded.unreadable == frozenset()


def test_mojibake_on_one_line_of_many_is_repaired_there_only():
    lines = [*RU_LINES, _mojibake(EN_LINES[0], "cp1251"), EN_LINES[2], "CafГ© again."]
    decoded = decode("\n".join(lines).encode())
    assert decoded.text.split("\n") == [*RU_LINES, EN_LINES[0], EN_LINES[2], "Café again."]
    assert problems_of(decoded) == [(6, WARNING), (8, WARNING)]


def test_a_line_that_mixes_utf8_and_windows_1252_is_unreadable():
    decoded = decode(b"Fine.\nCaf\xc3\xa9 \x97 and caf\xe9.\n")  # UTF-8 é, windows-1252 — é
    assert decoded.unreadable == {2}
    assert problems_of(decoded) == [(2, ERROR)]


@pytest.mark.parametrize("mojibake", [
    pytest.param("On 1 May 2024, â€œshortâ€? hours.", id="windows-1252, a byte lost"),
    pytest.param("On 1 May 2024, " + _mojibake("Совет министров", "cp1252")
                 .replace("\x81", "?"), id="Russian via windows-1252, a byte lost"),
])
def test_mojibake_that_lost_characters_is_unreadable(mojibake):
    decoded = decode(f"Fine.\n{mojibake}\n".encode())
    assert decoded.unreadable == {2}
    assert [(p.line, p.level) for p in decoded.problems if p.level is ERROR] == [(2, ERROR)]


@pytest.mark.parametrize("mojibake", [
    pytest.param(_mojibake("Москва", "cp1251"), id="a word"),  # "РњРѕСЃРєРІР°"
    pytest.param("(" + _mojibake("года", "cp1251") + ")", id="a word in brackets"),
    pytest.param("Генеральный секретарь в " + _mojibake("Москве", "cp1251"), id="part of a line"),
])
def test_windows_1251_mojibake_ftfy_leaves_alone_is_unreadable(mojibake):
    """ftfy repairs windows-1251 mojibake only when it sees three-character sequences;
    two-character ones it leaves (they are common in Russian) are never published."""
    decoded = decode(f"Fine.\n{mojibake}\n".encode())
    assert decoded.unreadable == {2}
    assert problems_of(decoded) == [(2, ERROR)]
    assert "mojibake" in decoded.problems[0].message


def test_windows_1252_bytes_of_mojibake_never_reach_the_text_as_mojibake():
    decoded = decode("CafÃ© on the pier.\n".encode())
    assert "Ã" not in decoded.text


# --- properties ------------------------------------------------------------------------------

RU_WORDS = [
    "февраля", "года", "Генеральный", "секретарь", "ОДКБ", "провёл", "встречу", "с",
    "министром", "заседание", "Совета", "министров", "иностранных", "дел", "Москва", "Россия",
    "Пётр", "Фёдор", "ёлка", "объявил", "съезд", "Щукин", "Эльдар", "Юрий", "Ярославль",
    "Иванович", "МЧС", "в", "и", "на", "к", "у", "о", "а", "я",
]
EN_WORDS = [
    "On", "March", "the", "café", "on", "pier", "reopened", "with", "short", "hours", "naïve",
    "Zürich", "façade", "résumé", "council", "met", "mayor", "Moscow", "spoke", "über", "Ørsted",
    "Œuvre", "déjà", "vu", "à", "la", "carte", "piñata", "São", "Paulo", "Crème", "brûlée", "a",
    "I", "council’s",
]


def _words(words: list[str]) -> st.SearchStrategy[str]:
    """Lines of words with typography around some, as news text has it."""
    word = st.builds(lambda text, dressed: dressed.format(text), st.sampled_from(words),
                     st.sampled_from(["{}", "{}", "{}", "{},", "{}.", "«{}»", "“{}”", "({})",
                                      "{} —", "{}…", "№\u00a07 {}", "20 °C {}", "€5 {}"]))
    line = st.lists(word, min_size=8, max_size=30).map(" ".join)
    return st.lists(line, min_size=1, max_size=5).map("\n".join)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_words(RU_WORDS), st.sampled_from(["utf-8", "cp1251", "koi8_r"]))
def test_russian_in_any_encoding_reads_right(text, codec):
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:  # KOI8-R has no « »
        assume(False)
    decoded = decode(data)
    assert decoded.text == text
    assert decoded.unreadable == frozenset()
    assert [p.level for p in decoded.problems] == ([] if codec == "utf-8" else [WARNING])


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_words(EN_WORDS), st.sampled_from(["utf-8", "cp1252"]))
def test_english_in_any_encoding_reads_right(text, codec):
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:  # windows-1252 has no №
        assume(False)
    decoded = decode(data)
    assert decoded.text == text
    assert decoded.unreadable == frozenset()
    quiet = codec == "utf-8" or text.isascii()
    assert [p.level for p in decoded.problems] == ([] if quiet else [WARNING])


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_words(RU_WORDS + EN_WORDS), st.sampled_from(["cp1251", "cp1252", "latin-1"]),
       st.data())
def test_mojibake_is_repaired_or_never_published(text, codec, data):
    """Whatever lines are mojibake, each reads right or is unreadable: never published."""
    lines = text.split("\n")
    spoilt = data.draw(st.sets(st.sampled_from(range(len(lines))), min_size=1))
    mojibake = [_mojibake(line, codec) if index in spoilt else line
                for index, line in enumerate(lines)]
    decoded = decode("\n".join(mojibake).encode())
    for number, (line, got) in enumerate(zip(lines, decoded.text.split("\n"), strict=True),
                                         start=1):
        assert got == line or number in decoded.unreadable, (mojibake[number - 1], got)
