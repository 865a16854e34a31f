"""Cell text clean-up: bullets off, line-wrap hyphenation repaired, whitespace normalised."""

from __future__ import annotations

import re

BULLET_RE = re.compile(r"^\s*(?:[•●▪■◦○·\uf0b7\uf0a7\u2022\u25aa\u25cf\u2013\u2014-]|o(?=\s))\s+")
SUB_BULLET_RE = re.compile(r"^\s*[\u2013\u2014\-–◦○]\s+")
HYPHEN_END_RE = re.compile(r"(?<=[A-Za-z0-9])-$")
PAGE_FURNITURE_RE = re.compile(r"^\s*(page\s+\d+(\s+of\s+\d+)?|\d{1,3})\s*$", re.I)


def is_bullet(line: str) -> bool:
    return bool(BULLET_RE.match(line))


def strip_bullet(line: str) -> str:
    return BULLET_RE.sub("", line, count=1)


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines into one paragraph. A line ending in a hyphen goes on without a space and
    keeps its hyphen: office software wraps at the hyphen of a compound ('second-|largest',
    'right-of-|way') and does not split words, so the hyphen is the compound's own."""
    out = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if out and HYPHEN_END_RE.search(out) and line[:1].isalnum():
            out = out + line
        else:
            out = f"{out} {line}" if out else line
    return out


def clean_text(text: str | None) -> str | None:
    """Whitespace-normalised text of a cell with bullet glyphs removed; None when empty."""
    if text is None:
        return None
    lines = [strip_bullet(line) for line in text.splitlines()]
    joined = join_lines(lines)
    return joined or None


def split_items(lines: list[str]) -> list[list[str]]:
    """Group a cell's lines into bullet items; text before the first bullet is its own item."""
    items: list[list[str]] = []
    for line in lines:
        if is_bullet(line) and not SUB_BULLET_RE.match(line) or not items:
            items.append([line])
        else:
            items[-1].append(line)
    return items


def item_text(lines: list[str]) -> str:
    """A bullet item's text; its '–' sub-items follow the item text, separated by '; '."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if SUB_BULLET_RE.match(line):
            groups.append([])
        groups[-1].append(strip_bullet(line))
    head = join_lines(groups[0])
    subs = "; ".join(join_lines(g).rstrip(";") for g in groups[1:] if g)
    return f"{head} {subs}".strip() if subs else head
