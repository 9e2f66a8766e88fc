"""Bytes of a seed file to text: UTF-8 or UTF-16 (with or without BOM), a legacy encoding
(Windows-1252, Latin-1, Windows-1251, KOI8-R...), or UTF-8 mixed with one, line by line.

Nothing silent, never mojibake, never U+FFFD in a feed: every guess is a warning, text not
published an error.  charset-normalizer chooses the legacy encoding, ftfy repairs mojibake,
and lines not read right are in `Decoded.unreadable`: the parser drops their items.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .model import Level, Problem

# XML 1.0 forbids C0 controls, U+FFFE/U+FFFF and surrogates; DEL and C1 controls are HTML
# parse errors and never text.  \t and \n stay; \r is folded before.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_ALLOWED_BYTES = b"\t\n" + bytes(range(0x20, 0x7f)) + bytes(range(0x80, 0x100))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")  # starts with a literal byte: searched fast
_CONTROL_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_REPORTED_LINES = 10  # problems of one kind per file: enough to find and fix the damage
# English and Russian seeds' legacy encodings.  Left to choose among all it knows,
# charset-normalizer reads a few Cyrillic bytes in English text as Big5 or cp1006.
LEGACY_ENCODINGS = ["cp1251", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "iso8859_5",
                    "cp1252"]
_NAMES = {"cp1251": "windows-1251", "cp1252": "windows-1252", "koi8_r": "KOI8-R",
          "koi8_u": "KOI8-U", "cp866": "CP866", "mac_cyrillic": "Mac Cyrillic",
          "iso8859_5": "ISO-8859-5", "utf_16_le": "UTF-16-LE", "utf_16_be": "UTF-16-BE",
          "sloppy-windows-1252": "windows-1252", "sloppy-windows-1251": "windows-1251",
          "latin-1": "Latin-1"}  # ftfy's names too; codec names stay in Decoded.encoding
_SAMPLE = 1 << 14  # bytes of legacy lines that choose their encoding
# What a legacy reading must look like to be text (see `_fits`).
_WORD, _SIGN = re.compile(r"[^\W\d_]+"), re.compile(r"[^\w\s\x00-\x7f]")
_TYPOGRAPHY = set("«»„“”‘’‚‹›–—―…•·\xa0\xad№°©®™§¶±×€£¥¢½¼¾¹²³´¿¡‰")  # no † (Mac Cyrillic NBSP)
_CYRILLIC = re.compile("[а-яёіїєґўА-ЯЁІЇЄҐЎ]+")
_ACCENTS = re.compile(r"[^\W\d_\x00-\x7f]{2}")
_FREQUENT = re.compile("[оеаинт]")  # Russian's most frequent letters

# Mojibake's cheap check: characters of UTF-8 read as windows-1252 or Latin-1 (Ã©, Â , Ð¿,
# Ñ\x8f, Î±, â€”) or windows-1251 (вЂ”, в‚¬, Рѕ, Рµ, С‚) that text seldom holds, searched
# alone as fast as memchr (a pair is 30 times slower, each more mark costs 2%).  The first
# six encode as C3 xx, which English and Russian text never holds.
_MARKS = "ÃÂÐÎâÑЂѕµ‚"
# A Latin-1 letter read as windows-1251: Г (C3) and a continuation byte (98 as ftfy reads it)
_G = re.compile("Г[" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1251", "ignore")) + "\x98]")
_SUSPECT = re.compile(f"[{_MARKS}]|{_G.pattern}")  # lines handed to ftfy
# The one repair ftfy does not make ("cafГ©", "ZГјrich", "Г\xa0 la carte"): Г and a sign
# glued to a Latin letter, or Г and NBSP (à).  Russian scrapes quoting Western names.
_LATIN_VIA_1251 = re.compile(f"(?<=[A-Za-z]){_G.pattern}|{_G.pattern}(?=[A-Za-z])|Г\xa0")
# Pairs that are never text: ftfy leaves short windows-1251 mojibake alone (two-character
# sequences are common in Russian), and a line still holding one is not published.
_SURE = re.compile("â[€‚„]|в[Ђ‚]|[РС][ЂЃ‚ѓ†‡‰Љ‹ЊЌЋЏђљњќћџЈ¤¦¶µЅѕј]|Р[§°±·]")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A seed's text; its codec ("utf-8", "utf-16", "utf_16_le", "cp1251"...: "utf-8" when
    only some lines are legacy); every guess and damage as warnings and errors; and the
    1-based numbers of the lines (as `clean_text` counts them) not read right, whose items
    must not be published."""

    text: str
    encoding: str
    problems: tuple[Problem, ...] = ()
    unreadable: frozenset[int] = frozenset()


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


def decode_seed(data: bytes, path: str) -> Decoded:
    """Decode a seed's bytes, or raise DecodeError instead of producing mojibake.  UTF-8
    first: nearly every scrape is, and a strict decode that succeeds is all but certain
    (its text is still checked for mojibake and U+FFFD, cheaply)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            before = data[: exc.start].decode("utf-16", errors="replace").encode()
            raise DecodeError(_line_at(before, len(before)), "invalid UTF-16 text") from exc
        return _finish(text, path, "utf-16")
    nul = data.find(b"\x00")
    if nul >= 0 and (b"\x00\x00" in data or data.count(b"\x00") * 20 > len(data)):
        # Before UTF-8, which accepts NULs: runs of NULs mean binary, a NUL every other
        # byte BOM-less UTF-16.  A few lone NULs in UTF-8 text are removed below.
        codec = _utf16_without_bom(data)
        if codec is None:
            raise DecodeError(_line_at(data, nul), "binary file, not text")
        return _finish(data.decode(codec), path, codec, [Problem(
            path, 1, Level.WARNING, f"read as {_NAMES[codec]} (UTF-16 without a byte order "
            "mark): a guess; save seeds as UTF-8")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if nul >= 0:
            raise DecodeError(_line_at(data, nul), "binary file, not text") from None
        return _decode_lines(data, path, exc.start)
    # Forbidden characters are ASCII controls, DEL, C2 80-9F (C1) or EF BF BE/BF, U+FFFD
    # is EF BF BD: bytes are searched far faster than text.
    if (data.translate(None, _ALLOWED_BYTES) or b"\xef\xbf" in data or _C1_UTF8.search(data)
            or _may_be_mojibake(text, b"\xc3" in data)):
        return _finish(text, path, "utf-8")
    return Decoded(text, "utf-8")


def _utf16_without_bom(data: bytes) -> str | None:
    """The codec of NUL-rich bytes that are UTF-16 text without a BOM: NULs (high bytes
    of spaces, digits...) on one side of the pairs only, a strict decode with no U+0000,
    few controls, spaced words.  Binary fails one (16-bit numbers have no spaces)."""
    even, odd = data[0::2].count(0), data[1::2].count(0)
    codec = "utf_16_le" if odd > even else "utf_16_be"
    if len(data) % 2 or max(even, odd) * 20 < len(data) or min(even, odd) * 20 > max(even, odd):
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    spaces = text.count(" ") + text.count("\n") + text.count("\xa0")
    if "\x00" in text or len(_FORBIDDEN.findall(text)) * 20 > len(text) or spaces * 40 < len(text):
        return None
    return codec


def _decode_lines(data: bytes, path: str, first_bad: int) -> Decoded:
    """Bytes that are not UTF-8, line by line: UTF-8 where valid, else damaged UTF-8 (see
    `_damaged_utf8`: a legacy encoding fails on nearly every non-ASCII byte), else one
    legacy encoding where the line reads as text in it (see `_fits`), else damage."""
    raws = _LINE_END.split(data)
    texts = [raw.decode("utf-8", errors="replace") for raw in raws]
    valid = [text.encode() == raw for raw, text in zip(raws, texts, strict=True)]
    bad = [index for index, ok in enumerate(valid) if not ok]
    mixed = any(ok and not text.isascii() for ok, text in zip(valid, texts, strict=True))
    candidates = [index for index in bad if not _damaged_utf8(raws[index], texts[index])]
    codec = _choose_legacy([raws[index] for index in candidates])
    legacy: list[int] = []
    if codec is not None:
        for index in candidates:
            text = raws[index].decode(codec, errors="replace")
            if "\ufffd" not in text and _fits(text, codec == "cp1252"):
                texts[index] = text
                legacy.append(index)
    damaged = sorted(set(bad) - set(legacy))
    text = "\n".join(texts)
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if 4 * (text.count("\ufffd") + controls) >= len(text):  # a binary blob, not damaged text
        raise DecodeError(_line_at(data, first_bad),
                          "cannot decode: neither UTF-8 nor a recognisable legacy encoding")
    problems = _capped(path, [index + 1 for index in damaged], Level.ERROR,
                       "invalid UTF-8 bytes (shown as U+FFFD): the item on this line is not "
                       "published; fix the file's encoding",
                       "lines with invalid UTF-8 bytes (shown as U+FFFD)")
    if legacy and codec:
        name, first, last = _NAMES.get(codec, codec), legacy[0] + 1, legacy[-1] + 1
        where = f"line {first}" if first == last else f"lines {first}–{last}"
        problems.append(Problem(path, first, Level.WARNING, (
            f"{where} read as {name}, the rest as UTF-8; fix the file's encoding" if mixed
            else f"read as {name} (not UTF-8): a guess; save seeds as UTF-8")))
    encoding = codec if legacy and codec and not mixed else "utf-8"
    return _finish(text, path, encoding, problems, {index + 1 for index in damaged})


def _damaged_utf8(raw: bytes, text: str) -> bool:
    """Damaged UTF-8, not legacy: its only flaw encoded surrogates (ED A0 80...), or more
    good multi-byte characters than bad bytes."""
    try:
        raw.decode("utf-8", errors="surrogatepass")
        return True
    except UnicodeDecodeError:
        bad = text.count("\ufffd")
    return len(text) - len(text.encode("ascii", errors="ignore")) - bad > bad


def _choose_legacy(raws: list[bytes]) -> str | None:
    """The legacy encoding of lines, from their first 16 KB; None if none reads them.

    Windows-1252 if it reads every line as text (charset-normalizer takes a few accents in
    English for Cyrillic); else, of charset-normalizer's findings and LEGACY_ENCODINGS (it
    finds nothing in short texts), the one that reads the most lines as text, then holds
    the most of Russian's frequent letters in lower case (KOI8-R and windows-1251 read each
    other's letters in the other case, which charset-normalizer does not tell apart), then
    the first in charset-normalizer's ranking."""
    ends = itertools.accumulate(len(raw) + 1 for raw in raws)
    sample = [raw for raw, end in zip(raws, ends, strict=True) if end <= _SAMPLE] or raws[:1]
    if not sample or _score(sample, "cp1252")[0] == len(sample):
        return "cp1252" if sample else None
    from charset_normalizer import from_bytes  # only legacy text needs it: slow import

    found = [match.encoding for match in from_bytes(b"\n".join(sample),
                                                    cp_isolation=LEGACY_ENCODINGS)]
    scores = {codec: _score(sample, codec) for codec in dict.fromkeys(found + LEGACY_ENCODINGS)}
    codec = max(scores, key=scores.__getitem__)  # the first of equals
    return codec if scores[codec][0] else None


def _score(raws: list[bytes], codec: str) -> tuple[int, int]:
    """(lines read as text, frequent letters) of a reading; nothing for a Cyrillic reading
    with no word of three letters (two are as likely stray bytes)."""
    texts = [raw.decode(codec, errors="replace") for raw in raws]
    texts = [text for text in texts
             if "\ufffd" not in text and _fits(text, codec == "cp1252", strict=True)]
    joined = "\n".join(texts)
    if codec != "cp1252" and not any(len(word) > 2 for word in _CYRILLIC.findall(joined)):
        return 0, 0
    return len(texts), len(_FREQUENT.findall(joined))


def _fits(text: str, latin: bool, strict: bool = False) -> bool:
    """Whether a legacy reading of a line is text: signs typography, and words with a
    non-ASCII letter in lower case, capitals or capitalised ("юяГ" is not) and in one
    script: Cyrillic ("nийws" is not), or Latin with an ASCII letter and no two accents
    in a row ("néèws", "ÿþ" are not), or à, è, é alone.  Unless `strict`, one odd word
    in five is let be ("МегаФон", "réélection")."""
    good, bad = 0, sum(sign not in _TYPOGRAPHY for sign in _SIGN.findall(text))
    for word in (word for word in _WORD.findall(text) if not word.isascii()):
        script = (word in ("à", "è", "é") or bool(word.encode("ascii", "ignore"))
                  and not _ACCENTS.search(word)) if latin else _CYRILLIC.fullmatch(word)
        if script and (word.islower() or word.isupper() or word.istitle()):
            good += 1
        else:
            bad += 1
    return bad == 0 or (not strict and good >= 4 * bad)


def _may_be_mojibake(text: str, c3: bool = True) -> bool:
    """Whether text (whose UTF-8 holds C3 bytes, if `c3`) may hold mojibake: cheap."""
    return any(mark in text for mark in (_MARKS if c3 else _MARKS[6:])) or bool(_G.search(text))


def _finish(text: str, path: str, encoding: str, problems: Iterable[Problem] = (),
            unreadable: Iterable[int] = ()) -> Decoded:
    """Line ends folded, mojibake repaired, lines holding U+FFFD unreadable, characters XML
    cannot hold removed; each told."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found, unreadable = list(problems), set(unreadable)
    if _may_be_mojibake(text):
        text = _repair_mojibake(text, path, found, unreadable)
    if "\ufffd" in text:
        lost = [number for number in dict.fromkeys(number for number, _ in _numbered(
            re.compile("\ufffd"), text)) if number not in unreadable]
        found += _capped(path, lost, Level.ERROR, "U+FFFD in the text (characters lost "
                         "before this file was written): the item on this line is not "
                         "published; fix the source", "lines holding U+FFFD")
        unreadable.update(lost)
    removed: dict[int, list[str]] = {}
    for number, char in _numbered(_FORBIDDEN, text):
        if number not in removed and len(removed) == _REPORTED_LINES:
            break
        removed.setdefault(number, []).append(char)
    if removed:  # control characters are invisible: without a warning nobody would know
        text = _FORBIDDEN.sub("", text)
        found += [Problem(path, number, Level.WARNING, _removed(chars))
                  for number, chars in removed.items()]
    return Decoded(text, encoding, tuple(sorted(found, key=lambda problem: problem.line)),
                   frozenset(unreadable))


def _repair_mojibake(text: str, path: str, found: list[Problem], unreadable: set[int]) -> str:
    """Lines that may hold mojibake repaired with ftfy; unreadable if still bad."""
    import ftfy  # only text that may hold mojibake needs it
    from ftfy.badness import is_bad

    lines = text.split("\n")
    repaired: dict[str, list[int]] = {}
    stays: list[int] = []
    for number in dict.fromkeys(number for number, _ in _numbered(_SUSPECT, text)):
        if number in unreadable:
            continue
        line = lines[number - 1]
        fixed, steps = ftfy.fix_encoding_and_explain(line)
        how = "; ".join(dict.fromkeys(f"UTF-8 read as {_NAMES.get(codec, codec)}"
                                      for action, codec in steps or () if action == "encode"))
        if _LATIN_VIA_1251.search(fixed):
            fixed = _LATIN_VIA_1251.sub(lambda match: match.group().encode(
                "sloppy-windows-1251").decode("utf-8"), fixed)  # ftfy's codec
            how = how or "UTF-8 read as windows-1251"
        lines[number - 1] = fixed
        if fixed.count("\ufffd") > line.count("\ufffd") or is_bad(fixed) or _SURE.search(fixed):
            stays.append(number)
        elif fixed != line:
            repaired.setdefault(how or "UTF-8 read as windows-1252", []).append(number)
    for how, numbers in repaired.items():
        found += _capped(path, numbers, Level.WARNING,
                         f"mojibake repaired ({how})", f"lines with mojibake repaired ({how})")
    found += _capped(path, stays, Level.ERROR, "mojibake that cannot be repaired: the item on "
                     "this line is not published; fix the file's encoding",
                     "lines with mojibake that cannot be repaired")
    unreadable.update(stays)
    return "\n".join(lines)


def _numbered(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, str]]:
    """(1-based line, match) of each match of a pattern, in one pass over the text."""
    number, counted = 1, 0
    for match in pattern.finditer(text):
        number += text.count("\n", counted, match.start())
        counted = match.start()
        yield number, match.group()


def _removed(chars: list[str]) -> str:
    """"3 control characters removed (U+0007, U+001B, ...): feeds cannot carry them"."""
    if len(chars) == 1:
        return f"control character U+{ord(chars[0]):04X} removed: feeds cannot carry it"
    codes = sorted({ord(char) for char in chars})
    shown = ", ".join(f"U+{code:04X}" for code in codes[:3]) + (", …" if len(codes) > 3 else "")
    return f"{len(chars)} control characters removed ({shown}): feeds cannot carry them"


def _capped(path: str, numbers: list[int], level: Level, message: str,
            more: str) -> list[Problem]:
    """One problem per line for the first few lines, then one telling how many more."""
    problems = [Problem(path, number, level, message) for number in numbers[:_REPORTED_LINES]]
    if rest := numbers[_REPORTED_LINES:]:
        summary = f"{len(rest)} more {more}, lines {rest[0]}–{rest[-1]}"
        if level is Level.ERROR:
            summary += ": their items are not published"
        problems.append(Problem(path, rest[0], level, summary))
    return problems


def _line_at(data: bytes, offset: int) -> int:
    """The line of a byte offset, counting CRLF, lone CR and LF as clean_text does."""
    return len(_LINE_END.findall(data, 0, offset)) + 1
