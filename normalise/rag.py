"""RAG ratings from words and from cell shading (read by hue, so any red/amber/green works)."""

from __future__ import annotations

import colorsys
import re
from functools import lru_cache
from importlib import resources

import yaml

from .records import RagRating
from .text import clean_text

RAG_WORDS = {
    "r": RagRating.RED, "red": RagRating.RED,
    "a": RagRating.AMBER, "amber": RagRating.AMBER, "amber/green": RagRating.AMBER, "amber/red": RagRating.AMBER,
    "red/amber": RagRating.AMBER, "a/g": RagRating.AMBER, "r/a": RagRating.AMBER,
    "g": RagRating.GREEN, "green": RagRating.GREEN,
    "b": RagRating.BLUE, "blue": RagRating.BLUE,
}
# a rating word before the text, set apart from it: by a mark ('Green - ...'), a ref ('Amber a) ...',
# 'Red 1.2 ...') or its capitals ('GREEN Continue ...'); 'Green Bonds' and 'Blue Badge' are names
RAG_PREFIX_RE = re.compile(r"^\s*(?:(?i:(red|amber|green|blue))\b\s*(?=[-–:•(\d]|[a-z]{1,4}[.)]\s|[ivx]{1,4}[.)]\s)"
                           r"|(RED|AMBER|GREEN|BLUE)\b\s*(?=[A-Z][a-z]|[a-z]))[-–:•]?\s*")
MIN_SATURATION = 0.35


def rag_from_word(text: str | None) -> RagRating | None:
    """A rating written as a word or letter (or a status word that stands for one); None otherwise."""
    return status_rating(text)


@lru_cache(maxsize=1)
def default_status_ratings() -> dict[str, RagRating]:
    data = yaml.safe_load(resources.files("normalise").joinpath("data/status.yaml").read_text())
    return {word: RagRating(rating) for word, rating in data.items()}


def status_key(text: str | None) -> str:
    """The words of a status cell, lower case, without marks standing alone (a scan's `Green : :`)
    and once each where repeated (`Red Red`: OCR read the cell twice, or the word is printed twice)."""
    words = (text or "").lower().replace(".", " ").replace("!", " ").split()
    return " ".join(dict.fromkeys(w for w in words if any(ch.isalnum() for ch in w)))


def status_rating(text: str | None, legend: dict[str, RagRating] | None = None) -> RagRating | None:
    """The rating a status word stands for: by the document's own legend, else by the default list."""
    key = status_key(text)
    if not key:
        return None
    if legend and key in legend:
        return legend[key]
    return RAG_WORDS.get(key) or default_status_ratings().get(key)


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


def rating_alone(line: str) -> RagRating | None:
    """A line that is a rating colour and nothing else ('Amber')."""
    word = line.strip().lower()
    return RAG_WORDS[word] if word in ("red", "amber", "green", "blue") else None


def split_rag_prefix(text: str) -> tuple[RagRating | None, str]:
    """'Amber a) Continue to ...' -> (Amber, 'a) Continue to ...'): ratings printed before text."""
    m = RAG_PREFIX_RE.match(text)
    if not m:
        return None, text
    return RAG_WORDS[(m.group(1) or m.group(2)).lower()], text[m.end():]


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


def read_rag(cells: list, legend: dict[str, RagRating] | None = None):
    """(rating, source, conflict, status as printed) of the cells holding a row's rating: a rating
    word or letter, a status word (by the document's legend first), or the cells' fill colour."""
    word, status = None, None
    for cell in cells:
        text = clean_text(cell.text) or ""
        if text and status is None:
            status = text
        word = word or status_rating(text, legend)
    colour = None
    for cell in cells:
        colour = colour or rag_from_colour(cell.fill)
    return (*combine_rag(word, colour), status)
