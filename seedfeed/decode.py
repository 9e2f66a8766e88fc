"""Bytes of a seed file to text: UTF-8 (with or without BOM), UTF-16 (with or without BOM),
a legacy encoding (Windows-1252 or Latin-1 for English, Windows-1251, KOI8-R... for
Russian), or a mix of UTF-8 and one legacy encoding, line by line.

The rule: nothing silent, never mojibake, never U+FFFD in a feed.  Every guess is reported
(`note` for a confident decision, `warning` for text published on a guess, `error` for text
that is not published); mojibake is repaired with ftfy, and lines whose text cannot be read
right are listed in `Decoded.unreadable` so that the parser drops the items holding them.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
# The legacy encodings English and Russian seeds come in.  Left to choose among all it
# knows, charset-normalizer reads a few Cyrillic bytes in English text as Big5 or cp1006.
LEGACY_ENCODINGS = ["cp1251", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "iso8859_5",
                    "cp1252"]
# How problems name the encodings (codec names stay in Decoded.encoding).
_NAMES = {"cp1251": "windows-1251", "cp1252": "windows-1252", "koi8_r": "KOI8-R",
          "koi8_u": "KOI8-U", "cp866": "CP866", "mac_cyrillic": "Mac Cyrillic",
          "iso8859_5": "ISO-8859-5", "latin_1": "Latin-1", "utf_16_le": "UTF-16-LE",
          "utf_16_be": "UTF-16-BE", "sloppy-windows-1252": "windows-1252",
          "sloppy-windows-1251": "windows-1251", "latin-1": "Latin-1",
          "macroman": "Mac Roman", "cp437": "CP437", "sloppy-windows-1250": "windows-1250"}
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LINE_END = re.compile(rb"\r\n|\r|\n")
_REPORTED_LINES = 10  # problems of one kind per file: enough to find and fix the damage


class _Lazy:
    """A regular expression compiled on first use.  Most seeds are valid UTF-8 and never
    need those of legacy encodings and mojibake: compiled at import they would cost every
    process some 8 ms of start-up."""

    __slots__ = ("_pattern", "_compiled")

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:  # search, finditer, findall...
        if self._compiled is None:
            self._compiled = re.compile(self._pattern)
        return getattr(self._compiled, name)


def _class(chars: str) -> str:
    """A regular expression's character class of these characters."""
    return "[" + "".join(re.escape(char) for char in sorted(set(chars))) + "]"


# Mojibake: UTF-8 read as windows-1252 or Latin-1 (Ã© for é, Â  for NBSP, â€” for —, Ð¿ for
# п, Î± for α) or as windows-1251 (Рѕ for о, СЂ for р, вЂ” for —, в‚¬ for €, Г© for é): lead
# bytes read as letters, continuation bytes (80-BF) as these characters.
# (ftfy's "sloppy" codecs read the bytes these encodings leave undefined as Latin-1 does)
_CONTINUATION_1252 = (bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
                      + "\x81\x8d\x8f\x90\x9d")
_CONTINUATION_1251 = bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore") + "\x98"
_HIGH_1252 = _class(_CONTINUATION_1252 + bytes(range(0xC0, 0x100)).decode("cp1252"))
_HIGH_1251 = _class(_CONTINUATION_1251 + bytes(range(0xC0, 0x100)).decode("cp1251"))
_AFTER_1252 = _class(_CONTINUATION_1252)
_AFTER_1251 = _class(_CONTINUATION_1251)
# The first check of valid UTF-8: each of these characters is searched for alone, as fast
# as memchr, and Г before a sign; text holding none of them is never looked at again.
# The first five come with Ã, Â, Ð, Î or â (â€ for typography), all C3 xx in UTF-8.
_MOJIBAKE_MARKS = "ÃÂÐÎ€Ђѕµ‚"
_MOJIBAKE_G = re.compile(f"Г{_AFTER_1251}")
# Lines worth handing to ftfy.  Each pattern starts with a class of characters that valid
# text holds few of (one that may start at any letter is slow), then looks around.
_MOJIBAKE_LINE = (
    # windows-1252 or Latin-1: a lead byte read as Â-ß (à-ï for three bytes), then
    # continuation bytes; Â and Ã alone (NBSP, à); a C1 control after a lead byte
    _Lazy(_class(_CONTINUATION_1252 + "ÂÃ" + "".join(map(chr, range(0x80, 0xA0))))
               + f"(?:(?<=[ÂÃ])|(?<=[Â-ß].)|(?<=[à-ï].){_AFTER_1252}"
               + "|(?<=[\xc2-\xf4][\x80-\x9f]))"),
    # windows-1251: Serbian letters (80-BF after Р or С), typography (a lead byte read as
    # а-п, then two signs), a Latin letter (Г and a sign), a capital and a sign glued to
    # a Latin letter ("В«council", "councilВ»")
    _Lazy(f"{_AFTER_1251}(?:(?<=[ЂЃѓЉЊЌЋЏђљњќћџЅѕЈј])|(?<=[а-п].){_AFTER_1251}"
               "|(?<=Г.)|(?<=[В-Я].)[A-Za-z]|(?<=[A-Za-z][В-Я].))"),
)
_C1 = _Lazy("[\x80-\x9f]")
# Repairs of what ftfy leaves.  A run of characters windows-1251 reads bytes 80-FF as,
# encoding back to valid UTF-8, is repaired when it holds a character foreign to Russian
# text, or is glued to a Latin letter, or is typography (вЂ, в‚, в„), or Г and a sign
# (a Latin letter alone: "Г\xa0" for à), or capitals each with a sign ("РЅР°" for "на"),
# or Р or С alone with a sign that never follows a word as », … or — do ("РІ" for "в").
_CP1251_RUN = _Lazy(f"{_HIGH_1251}+")
_CP1252_RUN = _Lazy(f"{_HIGH_1252}+")
_CP1251_ODD = set("ЂЃѓЉЊЌЋЏђљњќћџЅѕЈј©¤¦§¬®±µ¶·†‡‰‹›™€‚\xad")
_CP1251_TYPOGRAPHY = _Lazy("в[Ђ‚„]")
_CP1251_PAIRS = _Lazy(f"(?:[В-Я]{_AFTER_1251}){{2,}}|[РС]"
                           + _class(_CONTINUATION_1251.translate(dict.fromkeys(map(
                               ord, "«»—–“”„…‘’")))))

# Plausibility of a legacy reading: letters of the script in well-formed words, and
# typography; anything else is evidence of damage or of the wrong encoding.  Counted with
# regular expressions, each a pass in C over the text.
_LATIN_LOWER = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýœšžß"
_LATIN_UPPER = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŒŠŽŸ"
_CYRILLIC_LOWER = "а-яёіїєґў"
_CYRILLIC_UPPER = "А-ЯЁІЇЄҐЎ"
_LOWER = f"a-z{_LATIN_LOWER}{_CYRILLIC_LOWER}"
_UPPER = f"A-Z{_LATIN_UPPER}{_CYRILLIC_UPPER}"
_TYPOGRAPHY = "«»„“”‘’‚‹›–—―…•·\xa0\xad№°©®™§¶±×€£¥¢½¼¾¹²³µ´¿¡†‡‰"
_INSIDE_WORDS = "’\xad·"  # typography that may stand between two letters
_LETTER = r"[^\W\d_]"
_NON_ASCII_LETTER = _Lazy(r"[^\W\d_\x00-\x7f]")
_ODD_SYMBOL = _Lazy(f"[^\\w\x00-\x7f{_TYPOGRAPHY}]")  # not a letter, nor typography
_GLUED = "".join(sorted(set(_TYPOGRAPHY) - set(_INSIDE_WORDS)))
_GLUED_SYMBOL = _Lazy(f"[{_GLUED}](?<={_LETTER}.)(?={_LETTER})")
# Signs that stand before a number, or alone: never right after a letter ("феврал€"),
# and marks that stand after a name: never right before a letter ("®лка").
_AFTER_LETTER = _Lazy(f"[€£¥¢№§¶±×½¼¾](?<={_LETTER}.)")
_BEFORE_LETTER = _Lazy(f"[®™](?={_LETTER})")
# Case that turns inside a word: "яюГ", "ЪЧц", "cafÃ" (not "iPhone": one side is not ASCII)
_BAD_CASE = (_Lazy(f"[{_LATIN_LOWER}{_CYRILLIC_LOWER}](?=[{_UPPER}])"),
             _Lazy(f"[{_LATIN_UPPER}{_CYRILLIC_UPPER}](?<=[{_LOWER}].)"),
             _Lazy(f"[{_UPPER}]{{2}}(?=[{_LATIN_LOWER}{_CYRILLIC_LOWER}])"))
_CYRILLIC = f"{_CYRILLIC_LOWER}{_CYRILLIC_UPPER}"
_CYRILLIC_OTHER = _Lazy(f"[^\\W\\d_\x00-\x7f{_CYRILLIC}]")
_CYRILLIC_MIXED = (_Lazy(f"[a-zA-Z](?=[{_CYRILLIC}])"),
                   _Lazy(f"[a-zA-Z](?<=[{_CYRILLIC}].)"))
_CYRILLIC_EVIDENCE = 3  # letters in a word: fewer are no evidence of a Cyrillic text
_CYRILLIC_START = _Lazy(f"[ЬЪЫьъы](?<!{_LETTER}.)")  # no word starts so,
_CYRILLIC_END = _Lazy(f"[Ъъ](?<={_LETTER}.)(?!{_LETTER})")  # nor ends so (since 1918)
# The most frequent letters of Russian (three letters in four of a text): a misreading in
# another Cyrillic encoding is as well-formed, but of other letters.
_CYRILLIC_COMMON = _Lazy("[оеаинтсрвлкмдпуОЕАИНТСРВЛКМДПУ]")
_CYRILLIC_WORD = _Lazy(f"[{_CYRILLIC}]{{{_CYRILLIC_EVIDENCE}}}")
# A Western letter fits next to an ASCII letter and not next to another accented one
# ("naïve", "Ørsted"; not "ÿþÃ" nor "néèws"); alone, only as a word of its own (à in
# French, è in Italian, é in Portuguese).  Three patterns: one alternation is ten times
# slower.
_LATIN_FITS = (
    _Lazy(f"[{_LATIN_LOWER}{_LATIN_UPPER}](?<=[a-zA-Z].)(?![^\\W\\d_\x00-\x7f])"),
    _Lazy(f"[{_LATIN_LOWER}{_LATIN_UPPER}](?<![^\\W\\d_\x00-\x7f].)(?=[a-zA-Z])"),
    _Lazy(f"[àèé](?<!{_LETTER}.)(?!{_LETTER})"))
_SYMBOLS = (_ODD_SYMBOL, _GLUED_SYMBOL, _AFTER_LETTER, _BEFORE_LETTER)
_WRONG = {"latin": (*_SYMBOLS, *_BAD_CASE),
          "cyrillic": (*_SYMBOLS, *_BAD_CASE, _CYRILLIC_OTHER, *_CYRILLIC_MIXED, _CYRILLIC_START,
                       _CYRILLIC_END)}
# Mojibake left after a repair: a word of Cyrillic and Latin-1 letters ("миниÑ").
_WORD = _Lazy(r"[^\W\d_]+")
_CYRILLIC_CHAR = _Lazy("[\u0400-\u04ff]")
_LATIN1_CHAR = _Lazy("[\xc0-\xff]")
_HEAD = 1 << 14  # bytes of legacy lines that choose among readings


@dataclass(frozen=True, slots=True)
class Decoded:
    """A seed's text and how it was read.

    encoding: the codec the text was read with ("utf-8", "utf-16", "utf_16_le", "cp1251",
    ...); for a file mostly UTF-8 with some lines in a legacy encoding, "utf-8" (a warning
    names the lines and their encoding).
    problems: every guess and every damage, as notes, warnings and errors.
    unreadable: 1-based line numbers (counted as `clean_text` counts them) whose text
    could not be read right: they may hold U+FFFD, and the items touching them must not
    be published (each has an error among `problems`).
    """

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
    """Decode a seed's bytes, or raise DecodeError instead of producing mojibake.

    UTF-8 is tried first because it is what nearly every scrape is, and a strict UTF-8
    decode that succeeds is all but certain (its text is still checked for mojibake and
    U+FFFD, cheaply).  Bytes that are not UTF-8 are read line by line: UTF-8 where a line
    is valid UTF-8, one legacy encoding for the other lines, and lines that read right in
    neither are marked unreadable.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            before = data[: exc.start].decode("utf-16", errors="replace").encode()
            raise DecodeError(_line_at(before, len(before)), "invalid UTF-16 text") from exc
        return _finish(text, path, "utf-16")
    nul = data.find(b"\x00")
    if nul >= 0 and (b"\x00\x00" in data or data.count(b"\x00") * 20 > len(data)):
        # Checked before UTF-8, which accepts NULs: runs of NULs mean binary, a NUL every
        # other byte BOM-less UTF-16.  A few lone NULs in UTF-8 text are removed below.
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise DecodeError(_line_at(data, nul), "binary file, not text")
        codec, text = utf16
        note = Problem(path, 1, Level.WARNING,
                       f"read as {_NAMES[codec]} (UTF-16 without a byte order mark): a guess; "
                       "save seeds as UTF-8")
        return _finish(text, path, codec, [note])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:
        # Every forbidden character is an ASCII control byte or DEL, or encodes as C2 80-9F
        # (C1) or EF BF BE/BF (a UTF-8 decode that succeeded has no surrogates), and
        # U+FFFD as EF BF BD: bytes are searched far faster than text.
        if (data.translate(None, _ALLOWED_BYTES) or b"\xef\xbf" in data
                or _C1_UTF8.search(data) or _may_be_mojibake(text, data)):
            return _finish(text, path, "utf-8")
        return Decoded(text, "utf-8")
    if nul >= 0:
        raise DecodeError(_line_at(data, nul), "binary file, not text")
    return _decode_lines(data, path, first_bad)


# --- UTF-16 without a BOM ----------------------------------------------------------------


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """(codec, text) when NUL-rich bytes are UTF-16 text without a BOM, else None.

    Text in UTF-16 has ASCII characters (spaces, digits, line ends at least) whose high
    byte is NUL: NULs stand on one side only (odd offsets for little-endian), the high
    bytes of the other characters are mostly one value (one alphabet: 04 for Cyrillic, 20
    for typography), words are spaced, and the text has no NUL character and next to no
    control characters.  (Chinese or Japanese, unspaced and spread over many blocks of
    Unicode, are not read without a BOM.)  Binary data fails one of these: runs of NULs
    decode to U+0000, random bytes spread their high bytes.
    """
    if len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    even_nuls, odd_nuls = even.count(0), odd.count(0)
    codec, high, right, wrong = (("utf_16_le", odd, odd_nuls, even_nuls) if odd_nuls > even_nuls
                                 else ("utf_16_be", even, even_nuls, odd_nuls))
    units = len(data) // 2
    if right * 10 < units or wrong * 20 > right:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    if "\x00" in text or len(_FORBIDDEN.findall(text)) * 20 > len(text):
        return None
    if (text.count(" ") + text.count("\n") + text.count("\xa0")) * 40 < len(text):
        return None  # no spaces between words, nor lines
    high = high[:_HEAD]  # a sample is enough
    other = len(high) - high.count(0)
    if other and max(high.count(value) for value in range(1, 256)) * 3 < other * 2:
        return None  # not one alphabet: many blocks of Unicode are random, not text
    return codec, text


# --- a file that is not all UTF-8 ----------------------------------------------------------


def _decode_lines(data: bytes, path: str, first_bad: int) -> Decoded:
    """Bytes that are not valid UTF-8, read line by line: UTF-8, legacy, or unreadable."""
    raws = _LINE_END.split(data)
    texts: list[str] = []
    bad: list[int] = []
    for index, raw in enumerate(raws):
        try:
            texts.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append("")
            bad.append(index)
    utf8_evidence = not all(text.isascii() for text in texts)  # bad lines are "" here
    damaged: list[int] = []
    candidates: list[int] = []
    for index in bad:
        # UTF-8 with a damaged spot: its only flaw encoded surrogates (ED A0 80...), or
        # real multi-byte characters outnumbering the undecodable bytes.  A legacy
        # single-byte encoding fails on nearly every non-ASCII byte.
        (damaged if _utf8_with_surrogates(raws[index]) or _mostly_utf8(raws[index])
         else candidates).append(index)
    choice = _choose_legacy([raws[index] for index in candidates])
    legacy: list[int] = []
    if choice is None:
        damaged.extend(candidates)
    else:
        codec, _alternative, clean = choice
        for index in candidates:
            try:
                texts[index] = raws[index].decode(codec)
                legacy.append(index)
            except UnicodeDecodeError:
                damaged.append(index)
        flawed = set() if clean else _flawed_lines([texts[index] for index in legacy],
                                                    _script(codec))
        damaged.extend(legacy[position] for position in flawed)
        legacy = [index for position, index in enumerate(legacy) if position not in flawed]
    damaged.sort()
    replaced = 0
    for index in damaged:
        texts[index] = raws[index].decode("utf-8", errors="replace")
        replaced += texts[index].count("\ufffd")
    text = "\n".join(texts)
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if 4 * (replaced + controls) >= len(text):
        # Mostly bad bytes and control bytes: a binary blob, not damaged text.
        raise DecodeError(_line_at(data, first_bad),
                          "cannot decode: neither UTF-8 nor a recognisable legacy encoding")
    problems: list[Problem] = []
    encoding = "utf-8"
    if legacy and choice is not None:
        codec, alternative, _clean = choice
        name = _NAMES.get(codec, codec)
        guess = (f"; a close call: {_NAMES.get(alternative, alternative)} reads it almost "
                 "as well" if alternative else "")
        first = legacy[0] + 1
        if utf8_evidence:
            problems.append(Problem(path, first, Level.WARNING,
                                    f"{_line_list(legacy, texts)} read as {name}, the rest as "
                                    f"UTF-8{guess}; fix the file's encoding"))
        else:
            encoding = codec
            problems.append(Problem(path, first, Level.WARNING,
                                    f"read as {name} (not UTF-8){guess}: a guess; save "
                                    "seeds as UTF-8"))
    problems += _capped(path, [index + 1 for index in damaged], Level.ERROR,
                        "invalid UTF-8 bytes (shown as U+FFFD): the item on this line is not "
                        "published; fix the file's encoding",
                        "lines with invalid UTF-8 bytes (shown as U+FFFD)")
    return _finish(text, path, encoding, problems, {index + 1 for index in damaged})


def _choose_legacy(raws: list[bytes]) -> tuple[str, str | None, bool] | None:
    """The legacy encoding the lines are in, an encoding that reads them as plausibly into
    a different text (a close call), and whether every line is known to read right; None
    when no encoding reads any of them plausibly.

    Windows-1252 when every non-ASCII character it reads is Western typography or a
    letter in a Latin word; else, of LEGACY_ENCODINGS, the one whose reading of the first
    16 KB has the most letters in lines that read plausibly (see `_weight`), ties broken
    by the order of charset-normalizer's findings.
    """
    if not raws:
        return None
    sample = b"\n".join(raws)
    head: list[bytes] = []  # the lines of the first 16 KB, at least one
    total = 0
    for raw in raws:
        total += len(raw) + 1
        if head and total > _HEAD:
            break
        head.append(raw)
    try:
        western = sample.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    clean = western is not None and _all_western(western)
    if clean:
        order = LEGACY_ENCODINGS
    else:
        from charset_normalizer import from_bytes  # only legacy text needs it: slow import

        # charset-normalizer's order first; it finds nothing in some short texts
        found = [match.encoding for match in from_bytes(sample, cp_isolation=LEGACY_ENCODINGS)]
        order = list(dict.fromkeys(found + LEGACY_ENCODINGS))
    weights = {codec: _weight(head, codec) for codec in order}
    chosen = "cp1252" if clean else max(order, key=weights.__getitem__)  # the first of equals
    if weights[chosen] <= 0 and not clean:
        return None
    reading = b"\n".join(head).decode(chosen, errors="replace")
    alternative = None
    for codec in order:
        if codec != chosen and weights[codec] > 0 and weights[codec] * 5 >= weights[chosen] * 4:
            other = b"\n".join(head).decode(codec, errors="replace")
            if other != reading:
                alternative = codec
                break
    return chosen, alternative, clean


def _weight(raws: list[bytes], codec: str) -> int:
    """How well an encoding reads lines: over the lines it reads plausibly, one a line
    and one a letter that fits, less ten a character that does not; 0 when a Cyrillic
    reading has no word of a few letters."""
    script = _script(codec)
    lines: list[str] = []
    for raw in raws:
        try:
            lines.append(raw.decode(codec))
        except UnicodeDecodeError:
            continue
    plausible = [(line, good - 10 * wrong) for line, (good, wrong)
                 in zip(lines, _line_scores(lines, script), strict=True) if _plausible(good, wrong)]
    if not plausible or not _evidence("\n".join(line for line, _net in plausible), script):
        return 0
    return sum(net + 1 for _line, net in plausible)


def _plausible(good: int, wrong: int) -> bool:
    """A line reads plausibly: nothing out of place, or a rare character among many
    letters that fit (more is damage, or another encoding)."""
    return wrong == 0 or (good >= 6 and good >= 4 * wrong)


def _all_western(text: str) -> bool:
    """Every non-ASCII character a Western letter that fits, or typography that does."""
    if any(pattern.search(text) for pattern in _WRONG["latin"]):
        return False
    return len(_NON_ASCII_LETTER.findall(text)) == len(_latin_fits(text))


def _latin_fits(text: str) -> set[int]:
    """The offsets of the Western letters that fit (see `_score`)."""
    return {match.start() for pattern in _LATIN_FITS for match in pattern.finditer(text)}


def _script(codec: str) -> str:
    return "latin" if codec in ("cp1252", "latin_1", "iso8859_1", "iso8859_15") else "cyrillic"


def _score(text: str, script: str) -> tuple[int, int]:
    """(letters that fit, characters that do not) in the non-ASCII text of a reading.

    Western letters fit next to an ASCII letter, one at a time ("naïve", not "ÿþÃ");
    Cyrillic letters are counted when they are Russian's most frequent ones.  Characters
    that do not fit: letters of another script (or Serbian ones), case that turns inside
    a word ("яюГ"), Cyrillic glued to Latin letters, a word that starts with Ь, Ъ or Ы
    or ends with Ъ,
    symbols that are no usual typography, typography between two letters.
    """
    if text.isascii():
        return 0, 0
    good, wrong = _reading(text, script)
    return good, len(wrong)


def _reading(text: str, script: str) -> tuple[int, list[int]]:
    """Letters that fit, and the offsets of characters that do not (see `_score`)."""
    if script == "latin":
        fits = _latin_fits(text)
        return len(fits), _wrong(text, script, fits)
    return len(_CYRILLIC_COMMON.findall(text)), _wrong(text, script)


def _wrong(text: str, script: str, fits: set[int] | None = None) -> list[int]:
    """The offsets of the characters of a reading that do not fit (see `_score`)."""
    wrong = [match.start() for pattern in _WRONG[script] for match in pattern.finditer(text)]
    if script == "latin":
        if fits is None:
            fits = _latin_fits(text)
        wrong += [match.start() for match in _NON_ASCII_LETTER.finditer(text)
                  if match.start() not in fits]
    return wrong


def _flawed_lines(lines: list[str], script: str) -> set[int]:
    """Positions of the lines that do not read plausibly (see `_plausible`); the whole
    text is searched at once, lines with a flaw are looked at again one by one."""
    wrong = _wrong("\n".join(lines), script)
    if not wrong:
        return set()
    starts = _starts(lines)
    flawed = set()
    for position in {bisect.bisect_right(starts, offset) - 1 for offset in wrong}:
        if not _plausible(*_score(lines[position], script)):
            flawed.add(position)
    return flawed


def _line_scores(lines: list[str], script: str) -> list[tuple[int, int]]:
    """`_score` of each line, from one search of the whole text."""
    joined = "\n".join(lines)
    if script == "latin":
        fits = _latin_fits(joined)
        good_offsets: Iterable[int] = fits
        wrong = _wrong(joined, script, fits)
    else:
        good_offsets = (match.start() for match in _CYRILLIC_COMMON.finditer(joined))
        wrong = _wrong(joined, script)
    starts = _starts(lines)
    scores = [[0, 0] for _line in lines]
    for offsets, kind in ((good_offsets, 0), (wrong, 1)):
        for offset in offsets:
            scores[bisect.bisect_right(starts, offset) - 1][kind] += 1
    return [(good, bad) for good, bad in scores]


def _starts(lines: list[str]) -> list[int]:
    """The offsets at which the lines start in "\n".join(lines)."""
    return list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))


def _evidence(text: str, script: str) -> bool:
    """A Cyrillic reading needs a word of a few letters: "яю" is two stray bytes."""
    return script == "latin" or bool(_CYRILLIC_WORD.search(text))


def _line_list(indexes: list[int], texts: list[str]) -> str:
    """"lines 4–6 and 9" for 0-based indexes; ASCII lines between two ranges join them."""
    ranges: list[list[int]] = []
    for index in indexes:
        if ranges and all(texts[between].isascii() for between in range(ranges[-1][1] + 1, index)):
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
    shown = [f"{start + 1}" if start == end else f"{start + 1}–{end + 1}"
             for start, end in ranges[:5]]
    if len(ranges) > 5:
        shown.append(f"{len(ranges) - 5} more")
    word = "line" if len(ranges) == 1 and ranges[0][0] == ranges[0][1] else "lines"
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"{word} {listed}"


def _mostly_utf8(raw: bytes) -> bool:
    """True when real multi-byte UTF-8 characters outnumber the undecodable bytes."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good > bad


def _utf8_with_surrogates(data: bytes) -> bool:
    """UTF-8 whose only flaw is encoded surrogates (ED A0 80...): damaged, not legacy."""
    try:
        data.decode("utf-8", errors="surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


# --- the text, whatever it was read from ---------------------------------------------------


def _may_be_mojibake(text: str, data: bytes | None = None) -> bool:
    """A cheap check that text (decoded from UTF-8 `data`) may hold mojibake; false for
    nearly all valid text.  The first five marks come with a C3 byte in UTF-8, which
    English and Russian text never holds: one search of the bytes rules them out."""
    marks = _MOJIBAKE_MARKS if data is None or b"\xc3" in data else _MOJIBAKE_MARKS[5:]
    return any(mark in text for mark in marks) or bool(_MOJIBAKE_G.search(text))


def _finish(text: str, path: str, encoding: str, problems: Iterable[Problem] = (),
            unreadable: Iterable[int] = ()) -> Decoded:
    """Decoded text to its clean form: line ends folded, mojibake repaired, lines holding
    U+FFFD marked unreadable, characters XML cannot hold removed; each reported."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = list(problems)
    unreadable = set(unreadable)
    if _may_be_mojibake(text) or ("â" in text and _C1.search(text)):  # â\x80\x94: Latin-1
        text = _repair_mojibake(text, path, found, unreadable)
    if "\ufffd" in text:
        lost = [number for number, line in enumerate(text.split("\n"), start=1)
                if "\ufffd" in line and number not in unreadable]
        found += _capped(path, lost, Level.ERROR,
                         "U+FFFD in the text (characters lost before this file was written): "
                         "the item on this line is not published; fix the source",
                         "lines holding U+FFFD")
        unreadable.update(lost)
    text, removed = _without_forbidden(text, path)
    found += removed
    found.sort(key=lambda problem: problem.line)
    return Decoded(text, encoding, tuple(found), frozenset(unreadable))


def _repair_mojibake(text: str, path: str, found: list[Problem], unreadable: set[int]) -> str:
    """Repair mojibake line by line with ftfy (and windows-1251 readings of Latin letters,
    which ftfy leaves); a line that stays mojibake or lost characters is unreadable."""
    import ftfy  # only text that may hold mojibake needs it
    from ftfy.badness import is_bad
    from ftfy.fixes import decode_inconsistent_utf8

    lines = text.split("\n")
    repaired: dict[str, list[int]] = {}
    lost: list[int] = []
    stays: list[int] = []
    for index in _hinted_lines(text):
        line = lines[index]
        if index + 1 in unreadable:
            continue
        fixed, explanation = ftfy.fix_encoding_and_explain(line)
        how = _explain(explanation)
        if fixed.count("\ufffd") > line.count("\ufffd"):
            # ftfy read the whole line as mojibake and found bytes missing; mojibake in
            # a part of the line only is repaired there without losing anything.
            alone = decode_inconsistent_utf8(line)
            if alone != line and alone.count("\ufffd") == line.count("\ufffd"):
                fixed, how = alone, "UTF-8 read as windows-1252"
        if fixed == line:
            fixed, how = _repair_cp1251_runs(line), "UTF-8 read as windows-1251"
        if fixed == line:
            fixed, how = _repair_cp1252_runs(line), "UTF-8 read as windows-1252"
        elif how != "UTF-8 read as windows-1251" and _CP1251_PAIRS.search(fixed):
            fixed = _repair_cp1251_runs(fixed)  # what ftfy left of it ("с Рє (на)")
        lines[index] = fixed
        if fixed.count("\ufffd") > line.count("\ufffd"):
            lost.append(index + 1)
        elif is_bad(fixed) or _mixed_word(fixed):
            stays.append(index + 1)  # left as it is, or only partly repaired
        elif fixed != line:
            repaired.setdefault(how, []).append(index + 1)
    for how, numbers in repaired.items():
        found += _capped(path, numbers, Level.WARNING,
                         f"mojibake repaired ({how})", f"lines with mojibake repaired ({how})")
    found += _capped(path, lost, Level.ERROR,
                     "mojibake that lost characters (they would be U+FFFD): the item on this "
                     "line is not published; fix the file's encoding",
                     "lines with mojibake that lost characters")
    found += _capped(path, stays, Level.ERROR,
                     "mojibake that cannot be repaired: the item on this line is not "
                     "published; fix the file's encoding",
                     "lines with mojibake that cannot be repaired")
    unreadable.update(lost)
    unreadable.update(stays)
    return "\n".join(lines)


def _hinted_lines(text: str) -> list[int]:
    """The 0-based indexes of the lines where `_MOJIBAKE_LINE` finds something."""
    offsets = sorted({match.start() for pattern in _MOJIBAKE_LINE
                      for match in pattern.finditer(text)})
    indexes: list[int] = []
    line, counted = 0, 0
    for offset in offsets:
        line += text.count("\n", counted, offset)
        counted = offset
        if not indexes or indexes[-1] != line:
            indexes.append(line)
    return indexes


def _mixed_word(line: str) -> bool:
    """Whether a word mixes Cyrillic letters with Latin-1 ones ("миниÑ"): mojibake left."""
    return any(not word.isascii() and _CYRILLIC_CHAR.search(word) and _LATIN1_CHAR.search(word)
               for word in _WORD.findall(line))


def _explain(explanation: list[tuple[str, str]] | None) -> str:
    """ftfy's steps in words: "UTF-8 read as windows-1251"."""
    said: list[str] = []
    encoded = None
    for action, parameter in explanation or ():
        if action == "encode":
            encoded = _NAMES.get(parameter, parameter)
        elif action == "decode" and encoded:
            decoded = "UTF-8" if parameter == "utf-8" else _NAMES.get(parameter, parameter)
            said.append(f"{decoded} read as {encoded}")
        elif action == "apply" and parameter == "decode_inconsistent_utf8":
            said.append("UTF-8 read as windows-1252")  # ftfy's repair of parts of a line
    return "; ".join(dict.fromkeys(said)) or "UTF-8 read as windows-1252"


def _repair_cp1251_runs(line: str) -> str:
    """UTF-8 read as windows-1251 in runs that ftfy does not see as bad ("CafГ©", "naГЇve",
    "ZГјrich", "Г\xa0", "в„–"): a run that encodes to valid UTF-8 in windows-1251, and
    holds a character foreign to Russian text, or is glued to a Latin letter, or is the
    reading of a Latin letter alone (Г and one character) or of typography (вЂ, в‚, в„)."""

    def repair(match: re.Match[str]) -> str:
        run = match.group()
        start, end = match.span()
        glued = ((start and line[start - 1].isascii() and line[start - 1].isalpha())
                 or (end < len(line) and line[end].isascii() and line[end].isalpha()))
        if not (glued or any(char in _CP1251_ODD for char in run)
                or _CP1251_TYPOGRAPHY.search(run) or _MOJIBAKE_G.fullmatch(run)
                or _CP1251_PAIRS.fullmatch(run)):
            return run
        try:
            fixed = run.encode("sloppy-windows-1251").decode("utf-8")  # ftfy's codec
        except UnicodeError:
            return run
        return run if _FORBIDDEN.search(fixed) else fixed

    return _CP1251_RUN.sub(repair, line)


def _repair_cp1252_runs(line: str) -> str:
    """UTF-8 read as windows-1252 in runs glued to a Latin letter that ftfy does not see
    as bad ("Å’uvre"): two characters or more that encode to valid UTF-8."""

    def repair(match: re.Match[str]) -> str:
        run = match.group()
        start, end = match.span()
        glued = ((start and line[start - 1].isascii() and line[start - 1].isalpha())
                 or (end < len(line) and line[end].isascii() and line[end].isalpha()))
        if not glued or len(run) < 2:
            return run
        try:
            fixed = run.encode("sloppy-windows-1252").decode("utf-8")  # ftfy's codec
        except UnicodeError:
            return run
        return run if _FORBIDDEN.search(fixed) else fixed

    return _CP1252_RUN.sub(repair, line)


def _without_forbidden(text: str, path: str) -> tuple[str, list[Problem]]:
    """The text without characters XML cannot hold, and a warning on each line (the first
    few) that lost some: control characters are invisible, so without the warning nobody
    would know the seed was damaged."""
    found: dict[int, list[str]] = {}
    line, counted = 1, 0
    for match in _FORBIDDEN.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if line not in found and len(found) == _REPORTED_LINES:
            break
        found.setdefault(line, []).append(match.group())
    if not found:
        return text, []
    warnings = [Problem(path, number, Level.WARNING, _removed(chars))
                for number, chars in found.items()]
    return _FORBIDDEN.sub("", text), warnings


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
    rest = numbers[_REPORTED_LINES:]
    if rest:
        summary = f"{len(rest)} more {more}, lines {rest[0]}–{rest[-1]}"
        if level is Level.ERROR:
            summary += ": their items are not published"
        problems.append(Problem(path, rest[0], level, summary))
    return problems


def _line_at(data: bytes, offset: int) -> int:
    """The line of a byte offset, counting CRLF, lone CR and LF as clean_text does."""
    return len(_LINE_END.findall(data, 0, offset)) + 1
