"""Seed text to blocks, whatever the scraper's layout: paragraphs, lines or hard wraps.

Scrapers write text three ways: paragraphs separated by blank lines; one block per line
with no blank lines (most HTML-to-text tools); or paragraphs hard-wrapped every 70-80
columns.  A line break inside a run of non-blank lines is read as a wrap (the lines join
with a space) when the text plainly runs on (the line ends with a comma or a word that
cannot end a sentence, or the next line starts in lower case) or, in a hard-wrapped file,
when the line is full (the next word would not have fitted); otherwise it ends a block.
So a file of one block per line reads exactly like the same blocks with blank lines
between them, and a hard-wrapped paragraph reads as the paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Zero-width, direction and filler characters.  Legitimate inside text, so content keeps
# them; but a line of nothing else is blank, and no title may consist of them alone.
INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e"
             "\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066"
             "\u2067\u2068\u2069\u2800\u3164\ufeff\uffa0")
EDGES = INVISIBLE + "".join(char for char in map(chr, range(0x3001)) if char.isspace())
TERMINAL = ".!?…"
# Words a sentence does not end on: a line ending in one runs on into the next.
_RUNS_ON = re.compile(
    r"(?:,|\b(?:a|an|the|and|or|of|in|on|at|to|for|by|with|from|as|that|which|its|their|"
    r"и|или|в|во|на|с|со|по|для|о|об|к|из|от|что|а|но|при|за|под|над|до|не))$",
    re.IGNORECASE)
_LOWER_START = re.compile(r"[\"'«“(]?[a-zа-яё]")
_WRAP_WIDTHS = (40, 100)  # columns a hard-wrapping tool is set to


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph or a line of text, with the lines it spans (1-based)."""

    line: int
    last: int
    text: str


@dataclass(frozen=True, slots=True)
class Layout:
    blocks: tuple[Block, ...]
    name: str  # "paragraphs", "one block per line", "hard-wrapped at N columns", ...


def stripped_lines(text: str) -> list[str]:
    """The text's lines without their spaces, or the invisible marks at their ends."""
    lines = []
    for raw in text.split("\n"):
        line = raw.strip()
        if line and (line[0] in INVISIBLE or line[-1] in INVISIBLE):
            line = line.strip(EDGES)
        lines.append(line)
    return lines


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped file is wrapped at, or None if it is not hard-wrapped.

    Lines of a hard-wrapped paragraph are nearly full, and many of them stop in
    mid-sentence with the sentence going on in lower case on the next line; a page's
    headings and the last lines of paragraphs, however many, are no evidence either way.
    """
    inner = [(line, after) for line, after in zip(lines, lines[1:], strict=False)
             if line and after]
    if len(inner) < 3:
        return None
    width = max(len(line) for line, _ in inner)
    if not _WRAP_WIDTHS[0] <= width <= _WRAP_WIDTHS[1]:
        return None
    full = [(line, after) for line, after in inner if len(line) >= 0.75 * width]
    breaks = sum(1 for line, after in full if line[-1] not in TERMINAL + ":;\"»”)"
                 and _LOWER_START.match(after) is not None)
    return width if len(full) >= 3 and breaks >= max(2, 0.3 * len(full)) else None


def _runs_on(line: str, after: str) -> bool:
    return (_RUNS_ON.search(line) is not None
            or (line[-1] not in TERMINAL + ":;" and _LOWER_START.match(after) is not None))


def _full(line: str, after: str, width: int) -> bool:
    """Whether a wrapping tool ended `line` only because the next word did not fit."""
    return len(line) + 1 + len(after.split(" ", 1)[0]) > width - 2 or len(line) >= 0.85 * width


def layout(text: str, starts_item: Callable[[str], bool] | None = None) -> Layout:
    """Split text into blocks and name the layout found.

    `starts_item(line)`: whether a line opens a new item (a dated line), so that a full
    line ending a sentence above it is not joined to it in a hard-wrapped file.
    """
    lines = stripped_lines(text)
    width = _wrap_width(lines)
    blocks: list[Block] = []
    parts: list[str] = []
    start = 0
    split_lines = joined_wraps = False
    for number, line in enumerate(lines, start=1):
        if not line:
            if parts:
                blocks.append(Block(start, number - 1, " ".join(parts)))
                parts = []
            continue
        if parts:
            before = parts[-1]
            wrapped = _runs_on(before, line) or (
                width is not None and _full(before, line, width)
                and not (before[-1] in TERMINAL and starts_item is not None
                         and starts_item(line)))
            if wrapped:
                parts.append(line)
                joined_wraps = True
                continue
            blocks.append(Block(start, number - 1, " ".join(parts)))
            parts = []
            split_lines = True
        start = number
        parts.append(line)
    if parts:
        blocks.append(Block(start, len(lines), " ".join(parts)))
    if width is not None:
        name = f"hard-wrapped at {width} columns"
    elif split_lines:
        name = "one block per line" + (", wrapped lines joined" if joined_wraps else "")
    else:
        name = "paragraphs" + (" of wrapped lines" if joined_wraps else "")
    return Layout(tuple(blocks), name)
