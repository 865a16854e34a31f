"""Which papers to download: those whose title (or agenda item's title) names one of the words.

The default words are data (match.yaml beside this file), not code."""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources

import yaml

EVERYTHING = "*"


def default_words() -> list[str]:
    data = yaml.safe_load(resources.files("councilplans.fetch").joinpath("match.yaml").read_text(encoding="utf-8"))
    return [str(word) for word in data["words"]]


def split_words(options: Iterable[str]) -> list[str]:
    """--match values: each may hold several phrases separated by commas."""
    return [word.strip() for option in options for word in option.split(",") if word.strip()]


def phrase_pattern(phrase: str) -> re.Pattern:
    """Whole words, any case, any spaces or a hyphen between them, an optional plural 's'."""
    words = [re.escape(word) for word in phrase.split()]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"s?(?!\w)", re.IGNORECASE)


class TitleMatcher:
    def __init__(self, words: Iterable[str] | None = None):
        self.words = list(words) if words is not None else default_words()
        self.everything = EVERYTHING in self.words
        self.patterns = [phrase_pattern(word) for word in self.words if word != EVERYTHING]

    def matches(self, *titles: str | None) -> bool:
        if self.everything:
            return True
        return any(pattern.search(title) for title in titles if title for pattern in self.patterns)

    def __str__(self) -> str:
        return ", ".join(self.words)
