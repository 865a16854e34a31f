"""RAG ratings from words and from cell shading (read by hue, so any red/amber/green works)."""

from __future__ import annotations

import colorsys
import re

from .records import RagRating

RAG_WORDS = {
    "r": RagRating.RED, "red": RagRating.RED,
    "a": RagRating.AMBER, "amber": RagRating.AMBER, "amber/green": RagRating.AMBER, "amber/red": RagRating.AMBER,
    "red/amber": RagRating.AMBER, "a/g": RagRating.AMBER, "r/a": RagRating.AMBER,
    "g": RagRating.GREEN, "green": RagRating.GREEN, "on track": RagRating.GREEN,
    "b": RagRating.BLUE, "blue": RagRating.BLUE, "complete": RagRating.BLUE, "completed": RagRating.BLUE,
}
RAG_PREFIX_RE = re.compile(r"^\s*(Red|Amber|Green|Blue)\b\s*", re.I)
MIN_SATURATION = 0.35


def rag_from_word(text: str | None) -> RagRating | None:
    """A rating written as a word or letter; None when the text is not a rating."""
    if not text:
        return None
    key = " ".join(text.lower().replace(".", " ").split())
    return RAG_WORDS.get(key)


def rag_from_colour(rgb: tuple[float, float, float] | None) -> RagRating | None:
    """Map a fill colour to a rating by hue; greys, whites and pale tints are not ratings."""
    if rgb is None:
        return None
    hue, sat, val = colorsys.rgb_to_hsv(*rgb)
    if sat < MIN_SATURATION or val < 0.3:
        return None
    degrees = hue * 360
    if degrees < 18 or degrees >= 340:
        return RagRating.RED
    if degrees < 55:
        return RagRating.AMBER
    if 65 <= degrees < 170:
        return RagRating.GREEN
    if 190 <= degrees < 260:
        return RagRating.BLUE
    return None


def split_rag_prefix(text: str) -> tuple[RagRating | None, str]:
    """'Amber a) Continue to ...' -> (Amber, 'a) Continue to ...'): ratings printed before text."""
    m = RAG_PREFIX_RE.match(text)
    if not m:
        return None, text
    return RAG_WORDS[m.group(1).lower()], text[m.end():]


def combine_rag(word: RagRating | None, colour: RagRating | None) -> tuple[RagRating | None, str | None, str | None]:
    """Return (rating, source, conflict); a word wins over a colour but the clash is reported."""
    if word and colour and word != colour:
        return word, "word", f"word says {word.value}, fill colour says {colour.value}"
    if word and colour:
        return word, "word+colour", None
    if word:
        return word, "word", None
    if colour:
        return colour, "colour", None
    return None, None, None
