"""What a heading says about where the rows under it belong: a priority, an area inside one, a
theme over several, a label that recurs over groups of rows ('Current Efforts'), or a time frame
('Short Term Policy', 'Immediate') that is the deadline of the rows under it.

Headings come as banner rows spanning a table and as heading lines above tables. Numbering
tells the level: 'Priority 2 – ...', 'Outcome 1', '3. Timeline' and '1. ENVIRONMENT' open a
priority; 'a. Air Quality' or '1.2 ...' an area inside the current one. A heading without a
number that the document repeats over several groups of rows is a label, not a section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from .refs import NUMERIC_REF_RE, parse_priority_heading, split_ref

CONTD_RE = re.compile(r"\[?\(?\s*cont(?:inue)?['’]?d\.?(?: from (?:last|previous) page)?\s*\)?\]?", re.I)
MAX_HEADING_WORDS = 14  # a numbered line longer than this is a numbered paragraph, not a heading
THEME_MAX_CHARS = 60  # an unnumbered all-capitals banner up to this long is a theme over priorities


@dataclass(frozen=True)
class Heading:
    kind: str  # "priority" | "area" | "theme" | "label" | "timeframe" | "none"
    ref: str | None
    title: str
    contd: bool = False
    keyword: bool = False  # named as a priority ('Priority', 'Outcome', 'Theme' ...): one of a numbered series


def read_heading(text: str, labels: frozenset[str] = frozenset(), banner: bool = True) -> Heading:
    """Classify a banner (banner=True) or a heading line above a table (banner=False)."""
    text = " ".join(text.split())
    contd = bool(CONTD_RE.search(text))
    text = CONTD_RE.sub("", text).strip(" -–:")
    if names_timeframe(text):
        return Heading("timeframe", None, text, contd)
    parsed = parse_priority_heading(text)
    if parsed is not None:
        return Heading("priority", parsed[0], parsed[1], contd, keyword=True)
    ref, _, title = split_ref(text)
    numbered = ref is not None and title and len(title.split()) <= MAX_HEADING_WORDS and not title.endswith(".")
    if numbered and NUMERIC_REF_RE.match(ref) and "." not in ref:
        return Heading("priority", ref, title, contd)
    if numbered and banner:
        return Heading("area", ref, title, contd)
    if not banner or len(text.split()) > MAX_HEADING_WORDS:
        return Heading("none", None, text, contd)  # a heading line must be numbered; a long banner is a note
    if label_key(text) in labels:
        return Heading("label", None, text, contd)
    if text.isupper() and len(text) < THEME_MAX_CHARS:
        return Heading("theme", None, text, contd)
    return Heading("priority", None, text, contd) if text else Heading("none", None, text, contd)


@lru_cache(maxsize=1)
def timeframe_pattern() -> re.Pattern:
    data = yaml.safe_load(resources.files("normalise").joinpath("data/headings.yaml").read_text())
    return re.compile(r"^(?:" + "|".join(data["terms"]) + r")(?:\s+(?:" + "|".join(data["nouns"]) + r"))?"
                      r"\s*(?:\([^)]*\))?\s*:?$", re.I)


def names_timeframe(text: str) -> bool:
    """The heading names a time frame ('Short Term Policy', 'Medium-term actions (2-5 years)'),
    from the vocabulary in data/headings.yaml."""
    return bool(timeframe_pattern().match(" ".join(text.split())))


def label_key(text: str) -> str:
    return " ".join(CONTD_RE.sub("", text).lower().split()).strip(" -–:")
