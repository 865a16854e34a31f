"""Keys and legends a document prints to define its own terms, used to read its tables:

- an abbreviation key (`DCS = Director Children's Services`, or a two-column table of codes);
- a rating legend (`Green = complete or on track`, `R – Not started`): the status words it
  names stand for that rating in this document;
- a timescale legend (`Short term = 0-2 years`, `Medium: by March 2026`): a timescale term
  printed in a row takes the definition's dates when the definition has any;
- a status mark key (`Already In Place = (Y)`): the mark printed at the end of a row's title is
  that row's status, not part of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from extract.records import ExtractedDocument, ExtractedTable

from .deadlines import parse_deadline
from .grid import flat
from .rag import RAG_WORDS, status_key
from .records import Deadline, DeadlineKind, RagRating

ABBREV_KEY_RE = re.compile(
    r"^\s*(?P<abbr>[A-Z][A-Za-z&]{1,7}(?:\s[A-Za-z&]{1,8}){0,2})\s*(?:=|–|:)\s*(?P<full>[A-Z][^=]{3,80})$")
ABBREV_CELL_RE = re.compile(r"[A-Za-z&]{1,8}(?:\s[A-Za-z&]{1,8}){0,2}")
RATING_LEGEND_RE = re.compile(
    r"^\s*(?P<rating>red|amber|green|blue|grey|r|a|g|b)\s*(?:=|–|-|:)\s*(?P<meaning>[A-Za-z].{2,120})$", re.I)
TIMESCALE_LEGEND_RE = re.compile(
    r"^\s*(?P<term>(?:short|medium|middle|mid|long|immediate)(?:[\s-]*term)?)\s*(?:=|–|-|:|\()\s*(?P<meaning>.{2,80}?)\)?\s*$",
    re.I)
MARK = r"\([A-Za-z✓✔*+]{1,2}\)"  # '(Y)', '(✓)', '(*)'
STATUS_MARK_LEGEND_RE = re.compile(
    rf"^\s*(?:(?P<meaning>[A-Za-z][A-Za-z ,'’-]{{2,40}}?)\s*=\s*(?P<mark>{MARK})|(?P<mark2>{MARK})\s*=\s*(?P<meaning2>[A-Za-z][A-Za-z ,'’-]{{2,40}}))\s*$")
MEANING_SPLIT_RE = re.compile(r"\s*(?:,|;|/|\bor\b|\band\b)\s*", re.I)
MIN_KEY_ROWS = 3  # a two-column table of fewer rows is not a key
ABBREVIATED_SHARE = 0.6  # of a key table's rows whose first cell looks abbreviated


@dataclass
class Legends:
    abbreviations: dict[str, str] = field(default_factory=dict)
    ratings: dict[str, RagRating] = field(default_factory=dict)  # status word (lower case) -> rating
    timescales: dict[str, str] = field(default_factory=dict)  # term (lower case) -> definition as printed
    marks: dict[str, str] = field(default_factory=dict)  # status mark as printed ('(Y)') -> its meaning

    def split_mark(self, text: str) -> tuple[str, str | None]:
        """(text, mark): a status mark from the key printed at the end of a title, taken off it."""
        for mark in self.marks:
            if text.rstrip().endswith(mark) and len(text.rstrip()) > len(mark):
                return text.rstrip()[: -len(mark)].rstrip(), mark
        return text, None

    def deadline(self, raw: str, period_end: date | None = None) -> Deadline:
        """Parse a printed deadline; a timescale term takes its legend definition's dates, if any."""
        parsed = parse_deadline(raw, period_end)
        definition = self.timescales.get(status_key(raw))
        if definition and parsed.kind == DeadlineKind.NONE:
            defined = parse_deadline(definition, period_end)
            if defined.start is not None:
                return defined.model_copy(update={"raw": parsed.raw})
        return parsed


def looks_abbreviated(text: str) -> bool:
    """'HOS QI', 'DCS', 'L&D': the first word has two or more capitals."""
    first = text.split()[0]
    return sum(ch.isupper() for ch in first) >= 2


def abbreviation_key(table: ExtractedTable) -> dict[str, str]:
    """A printed key of abbreviations: a two-column table of short codes and their meanings."""
    if table.n_cols != 2:
        return {}
    pairs = []
    for r in range(table.n_rows):
        cells = sorted((c for c in table.cells if c.row == r), key=lambda c: c.col)
        if len(cells) == 2:
            pairs.append((flat(cells[0]), flat(cells[1])))
    coded = [(a, b) for a, b in pairs if ABBREV_CELL_RE.fullmatch(a) and len(b) > len(a)]
    if len(pairs) < MIN_KEY_ROWS or sum(looks_abbreviated(a) for a, _ in coded) < ABBREVIATED_SHARE * len(pairs):
        return {}
    return dict(coded)


def rating_entry(text: str) -> tuple[RagRating, list[str]] | None:
    """'Green = complete or on track' -> (Green, ['complete', 'on track'])."""
    m = RATING_LEGEND_RE.match(" ".join(text.split()))
    if not m or m["rating"].lower() == "grey":
        return None
    rating = RAG_WORDS.get(m["rating"].lower())
    phrases = [status_key(p) for p in MEANING_SPLIT_RE.split(m["meaning"].rstrip(". ")) if p.strip()]
    return (rating, phrases) if rating else None


def legend_texts(doc: ExtractedDocument) -> list[str]:
    """Loose lines, and the rows of small tables read as 'first cell = second cell'."""
    texts = [line.text for page in doc.pages for line in page.lines]
    for table in doc.tables:
        if table.n_cols == 2 and table.n_rows <= 8:
            for r in range(table.n_rows):
                cells = sorted((c for c in table.cells if c.row == r), key=lambda c: c.col)
                if len(cells) == 2 and flat(cells[0]) and flat(cells[1]):
                    texts.append(f"{flat(cells[0])} = {flat(cells[1])}")
    return texts


def read_legends(doc: ExtractedDocument) -> Legends:
    legends = Legends()
    for page in doc.pages:
        for line in page.lines:
            if (m := ABBREV_KEY_RE.match(line.text)) and looks_abbreviated(m["abbr"]) and not m["full"].isupper():
                legends.abbreviations.setdefault(m["abbr"], m["full"].strip())
        for table in page.tables:
            for abbr, full in abbreviation_key(table).items():
                legends.abbreviations.setdefault(abbr, full)
    for text in legend_texts(doc):
        if entry := rating_entry(text):
            rating, phrases = entry
            for phrase in phrases:
                if phrase and phrase not in RAG_WORDS and len(phrase.split()) <= 4:
                    legends.ratings.setdefault(phrase, rating)
        elif m := STATUS_MARK_LEGEND_RE.match(" ".join(text.split())):
            legends.marks.setdefault(m["mark"] or m["mark2"], (m["meaning"] or m["meaning2"]).strip())
        elif m := TIMESCALE_LEGEND_RE.match(" ".join(text.split())):
            legends.timescales.setdefault(status_key(m["term"]), m["meaning"].strip())
            legends.timescales.setdefault(status_key(m["term"].split()[0].split("-")[0]), m["meaning"].strip())
    return legends
