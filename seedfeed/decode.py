"""Bytes of a seed file to text: UTF-8 (with or without BOM) or a detected legacy encoding."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .model import Level, Problem

# XML 1.0 forbids these; feeds must never carry them.  \t and \n stay; \r is folded before.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ALLOWED_BYTES = b"\t\n" + bytes(range(0x20, 0x100))  # translate() deletes these
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    problems: tuple[Problem, ...] = ()


class DecodeError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def clean_text(text: str) -> str:
    """Normalise line ends and drop characters XML cannot hold."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _FORBIDDEN.sub("", text)


def _clean_utf8(data: bytes) -> str:
    """Strict UTF-8 to clean text, skipping the character scan when the bytes need none.

    Every forbidden character is an ASCII control byte or encodes as EF BF BE/BF (a UTF-8
    decode that succeeded has no surrogates), and bytes are searched far faster than text.
    """
    text = data.decode("utf-8")
    if data.translate(None, _ALLOWED_BYTES) or b"\xef\xbf" in data:
        return clean_text(text)
    return text


def decode_seed(data: bytes, path: str) -> Decoded:
    """Decode a seed's bytes, or raise DecodeError instead of producing mojibake.

    UTF-8 is tried first because it is what nearly every scrape is, and a strict UTF-8
    decode that succeeds is all but certain; anything else goes to charset-normalizer.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith(_UTF16_BOMS):
        try:
            return Decoded(clean_text(data.decode("utf-16")), "utf-16")
        except UnicodeDecodeError as exc:
            before = data[: exc.start].decode("utf-16", errors="replace").encode()
            raise DecodeError(_line_at(before, len(before)), "invalid UTF-16 text") from exc
    if b"\x00" in data:
        # Checked before UTF-8, which accepts NULs: a NUL means binary or BOM-less UTF-16.
        raise DecodeError(_line_at(data, data.index(b"\x00")), "binary file, not text")
    try:
        return Decoded(_clean_utf8(data), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = data.decode("utf-8", errors="replace")
    if _mostly_utf8(text):
        # UTF-8 with a few damaged bytes: keep the good text, mark the damage.
        lines = _damaged_lines(data)
        problems = tuple(
            Problem(path, line, Level.ERROR,
                    "invalid UTF-8 bytes replaced with U+FFFD; fix the file's encoding")
            for line in lines[:10]
        )
        return Decoded(clean_text(text), "utf-8", problems)
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError(_line_at(data, first_bad),
                          "cannot decode: neither UTF-8 nor a recognisable legacy encoding")
    return Decoded(clean_text(str(best)), best.encoding)


def _mostly_utf8(text: str) -> bool:
    """True when real multi-byte UTF-8 characters outnumber the undecodable bytes.

    A legacy single-byte encoding such as cp1251 fails on nearly every non-ASCII byte,
    while a UTF-8 file with a damaged spot decodes almost everywhere.
    """
    bad = text.count("\ufffd")
    good = sum(1 for char in text if char > "\x7f") - bad
    return good > bad


def _damaged_lines(data: bytes) -> list[int]:
    lines = []
    for number, raw in enumerate(_LINE_END.split(data), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            lines.append(number)
    return lines


def _line_at(data: bytes, offset: int) -> int:
    """The line of a byte offset, counting CRLF, lone CR and LF as clean_text does."""
    return len(_LINE_END.findall(data, 0, offset)) + 1
