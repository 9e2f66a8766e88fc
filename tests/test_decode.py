"""Seed bytes to text: UTF-8 with or without BOM, UTF-16, legacy Cyrillic, and damage."""

from __future__ import annotations

import codecs
import zlib

import pytest

from seedfeed.decode import DecodeError, clean_text, decode_seed
from seedfeed.model import Level

RUSSIAN = (
    "16 февраля 2024 года Генеральный секретарь ОДКБ провёл встречу с министром.\n"
    "\n"
    "14 февраля состоялось заседание Совета министров иностранных дел «ОДКБ».\n"
)


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
        (RUSSIAN.encode("cp1251"), RUSSIAN),
        (RUSSIAN.replace("\n", "\r\n").encode("cp1251"), RUSSIAN),
        ("14 февраля прошла встреча министров.\n".encode("cp1251"),
         "14 февраля прошла встреча министров.\n"),
        (RUSSIAN[:120].encode("koi8-r"), RUSSIAN[:120]),
    ],
)
def test_decoded_text(data, expected):
    decoded = decode_seed(data, "news/a.txt")
    assert decoded.text == expected
    assert decoded.problems == ()


def test_cp1251_is_named_as_a_cyrillic_encoding():
    decoded = decode_seed(RUSSIAN.encode("cp1251"), "a.txt")
    assert decoded.encoding.replace("-", "_").lower() in {"cp1251", "windows_1251"}


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", 3),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff", 1),
        (b"text line\nmore\n\x00\x00\x00\x00", 3),
        (b"text line\rmore\r\x00\x00", 3),
        (bytes(range(256)) * 4, 1),
        # UTF-16 without a BOM is valid ASCII-range UTF-8 full of NULs: never mojibake
        ("On 1 May 2024, a.\n".encode("utf-16-le"), 1),
        ("16 февраля\n".encode("utf-16-be"), 1),
    ],
)
def test_binary_is_an_error_not_text(data, line):
    with pytest.raises(DecodeError) as raised:
        decode_seed(data, "news/picture.txt")
    assert raised.value.line == line
    assert raised.value.message


@pytest.mark.parametrize(
    "data",
    [
        zlib.compress(b"On 3 May 2024, compressed. " * 50).replace(b"\x00", b"\x01"),
        bytes(range(1, 256)) * 4,
        bytes((k * 7919) % 127 + 129 for k in range(3000)),
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


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_invalid_utf8_in_good_utf8_is_an_error_on_its_line(newline):
    lines = [
        "16 февраля 2024 года Генеральный секретарь провёл встречу.",
        "",
        "14 февраля — заседание «Совета министров».",
        "",
        "7 февраля прошла встреча в Москве.",
    ]
    data = newline.join(lines).encode().replace("Москве".encode(), b"\xd0\x9c\xd0" + b"\xff")
    decoded = decode_seed(data, "news/ru.txt")
    assert [(p.path, p.line, p.level) for p in decoded.problems] == [
        ("news/ru.txt", 5, Level.ERROR)
    ]
    assert "UTF-8" in decoded.problems[0].message
    assert decoded.text.splitlines()[:3] == lines[:3]  # the good text is kept


def test_invalid_utf8_in_the_sample_seed_is_found_on_its_line(repo_seeds):
    lines = (repo_seeds / "news/000_953f9ee9bceb9942.txt").read_bytes().split(b"\n")
    lines[20] = lines[20][:30] + b"\xe9\xe8" + lines[20][30:]
    decoded = decode_seed(b"\r\n".join(lines), "news/x.txt")
    assert [p.line for p in decoded.problems] == [21]
    assert decoded.encoding == "utf-8"


def test_decoded_text_has_no_xml_forbidden_characters():
    decoded = decode_seed("a\x01b\x1b[0mc\x0cd\ufffe\r\n".encode(), "a.txt")
    assert decoded.text == "ab[0mcd\n"
