"""Bytes of a seed file to text: UTF-8 (with or without BOM) or a detected legacy encoding."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .model import Level, Problem

# XML 1.0 forbids C0 controls, U+FFFE/U+FFFF and surrogates; feeds must never carry them.
# DEL and the C1 controls are legal XML but HTML parse errors and never text: gone too.
# \t and \n stay; \r is folded before.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_ALLOWED_BYTES = b"\t\n" + bytes(range(0x20, 0x7f)) + bytes(range(0x80, 0x100))
# C1 controls in UTF-8.  A pattern that starts with a literal byte is searched for fast;
# an alternation with the U+FFFE/U+FFFF bytes would be ten times slower.
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_CONTROL_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f"
# Four non-ASCII bytes in a row: a word in a legacy alphabet, not a damaged spot.
_LEGACY_WORD = re.compile(rb"[\x80-\xff]{4}")
# The legacy encodings English and Russian seeds come in.  Left to choose among all it
# knows, charset-normalizer reads a few Cyrillic bytes in English text as Big5 or cp1006.
LEGACY_ENCODINGS = ["cp1251", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "iso8859_5",
                    "cp1252"]
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LINE_END = re.compile(rb"\r\n|\r|\n")
_REPORTED_LINES = 10  # problems of one kind per file: enough to find and fix the damage


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


def _cleaned(text: str, path: str, encoding: str,
             problems: tuple[Problem, ...] = ()) -> Decoded:
    """clean_text, with a warning on each line (the first few) that lost characters.

    Control characters are invisible, so without the warning nobody would know the seed
    was damaged.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found: dict[int, list[str]] = {}
    line, counted = 1, 0
    for match in _FORBIDDEN.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if line not in found and len(found) == _REPORTED_LINES:
            break
        found.setdefault(line, []).append(match.group())
    if not found:
        return Decoded(text, encoding, problems)
    warnings = tuple(
        Problem(path, number, Level.WARNING, _removed(chars)) for number, chars in found.items()
    )
    return Decoded(_FORBIDDEN.sub("", text), encoding,
                   tuple(sorted(problems + warnings, key=lambda problem: problem.line)))


def _removed(chars: list[str]) -> str:
    """"3 control characters removed (U+0007, U+001B, ...): feeds cannot carry them"."""
    if len(chars) == 1:
        return f"control character U+{ord(chars[0]):04X} removed: feeds cannot carry it"
    codes = sorted({ord(char) for char in chars})
    shown = ", ".join(f"U+{code:04X}" for code in codes[:3]) + (", …" if len(codes) > 3 else "")
    return f"{len(chars)} control characters removed ({shown}): feeds cannot carry them"


def _clean_utf8(data: bytes, path: str) -> Decoded:
    """Strict UTF-8 to clean text, skipping the character scan when the bytes need none.

    Every forbidden character is an ASCII control byte or DEL, or encodes as C2 80-9F
    (C1) or EF BF BE/BF (a UTF-8 decode that succeeded has no surrogates), and bytes are
    searched far faster than text.
    """
    text = data.decode("utf-8")
    if data.translate(None, _ALLOWED_BYTES) or b"\xef\xbf" in data or _C1_UTF8.search(data):
        return _cleaned(text, path, "utf-8")
    return Decoded(text, "utf-8")


def decode_seed(data: bytes, path: str) -> Decoded:
    """Decode a seed's bytes, or raise DecodeError instead of producing mojibake.

    UTF-8 is tried first because it is what nearly every scrape is, and a strict UTF-8
    decode that succeeds is all but certain.  UTF-8 with a few bad bytes is kept with the
    damage marked; anything else goes to charset-normalizer.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith(_UTF16_BOMS):
        try:
            return _cleaned(data.decode("utf-16"), path, "utf-16")
        except UnicodeDecodeError as exc:
            before = data[: exc.start].decode("utf-16", errors="replace").encode()
            raise DecodeError(_line_at(before, len(before)), "invalid UTF-16 text") from exc
    nul = data.find(b"\x00")
    if nul >= 0 and (b"\x00\x00" in data or data.count(b"\x00") * 20 > len(data)):
        # Checked before UTF-8, which accepts NULs: runs of NULs mean binary, a NUL every
        # other byte BOM-less UTF-16.  A few lone NULs in UTF-8 text are removed below.
        raise DecodeError(_line_at(data, nul), "binary file, not text")
    try:
        return _clean_utf8(data, path)
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if nul >= 0:
        raise DecodeError(_line_at(data, nul), "binary file, not text")
    text = data.decode("utf-8", errors="replace")
    if _stray_damage(data, text) or _utf8_with_surrogates(data) or _mostly_utf8(text):
        # UTF-8 with a few damaged bytes: keep the good text, mark the damage.
        lines = _damaged_lines(data)
        problems = tuple(
            Problem(path, line, Level.ERROR,
                    "invalid UTF-8 bytes replaced with U+FFFD; fix the file's encoding")
            for line in lines[:_REPORTED_LINES]
        )
        return _cleaned(text, path, "utf-8", problems)
    from charset_normalizer import from_bytes  # only legacy encodings need it: slow import

    best = from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    if best is None or best.encoding is None:
        raise DecodeError(_line_at(data, first_bad),
                          "cannot decode: neither UTF-8 nor a recognisable legacy encoding")
    return _cleaned(str(best), path, best.encoding)


def _mostly_utf8(text: str) -> bool:
    """True when real multi-byte UTF-8 characters outnumber the undecodable bytes.

    A legacy single-byte encoding such as cp1251 fails on nearly every non-ASCII byte,
    while a UTF-8 file with a damaged spot decodes almost everywhere.
    """
    bad = text.count("\ufffd")
    good = sum(1 for char in text if char > "\x7f") - bad
    return good > bad


def _stray_damage(data: bytes, text: str) -> bool:
    """True for mostly printable text whose few bad bytes form no word of any alphabet.

    Stray bytes in English text are no evidence of an encoding: guessing one (as
    charset-normalizer will) publishes mojibake.  A short binary blob is mostly bad and
    control bytes, and goes on to be rejected as undecodable.
    """
    if _LEGACY_WORD.search(data):
        return False
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return 4 * (text.count("\ufffd") + controls) < len(text)


def _utf8_with_surrogates(data: bytes) -> bool:
    """UTF-8 whose only flaw is encoded surrogates (ED A0 80...): damaged, not legacy."""
    try:
        data.decode("utf-8", errors="surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


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
