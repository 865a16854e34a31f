"""Text cards: an action set out in the open, with no box or rule around it — a bold title, a
paragraph under it, then a labelled line naming its lead or its timing (`Lead Partners:`,
`Timeline:`), the value after the label and on the lines under it. Designed documents lay such
cards in columns, two or three to a page.

A card is recognised by a label from the vocabulary (`normalise/data/text_cards.yaml`) standing at
the left edge of a column of text, with a bold title above it at that same edge and nothing but
the card's own lines between (no gap wider than a blank line); and cards come in series, two or
more to the page. A bold heading over a paragraph with no such label is prose, never a card, and so
is a title ending in a colon ('Expected outcomes:' heads a list). The column runs from the label's
left edge to the next column's (another label further right on the page) or to the page's edge.

Each card becomes a two-column `ExtractedTable` (reader `text_card`), read by normalise/actions.py
as one action:

    row 0          title                 (across both columns)
    row 1          the paragraph          (across both columns; when there is one)
    then           label | value          (one row per labelled line)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from ..page_view import PageView
from ..records import BBox, Cell, ExtractedTable, TextLine
from .cells import words_to_lines

NAME = "text_card"


@dataclass(frozen=True)
class TextCardSettings:
    same_edge: float = 3.0  # points: lines starting this close share the column's left edge
    gutter: float = 6.0  # points: a column's words end this far short of the next column's edge
    blank_lines: float = 2.0  # line heights: a card keeps at most a blank line between its parts; a wider gap parts
    #                           two cards (or a card and prose)
    line_tolerance: float = 2.5  # points: words whose tops differ by less sit on one line
    min_column: float = 60.0  # points: label edges closer than this are one column, not two
    min_cards: int = 2  # cards come in series: one labelled block alone on a page is a note under a heading


TEXT_CARDS = TextCardSettings()


@lru_cache(maxsize=1)
def label_pattern() -> re.Pattern:
    data = yaml.safe_load(resources.files("normalise").joinpath("data/text_cards.yaml").read_text())
    return re.compile(r"^(?:" + "|".join(data["labels"]) + r")\s*:$", re.I)


def read_tables(view: PageView, taken: list[BBox], settings: TextCardSettings = TEXT_CARDS) -> list[ExtractedTable]:
    """Every text card on the page outside the boxes earlier readers took."""
    words = [w for w in view.words if w.get("upright", True) and not any(inside(w, box) for box in taken)]
    labels = label_words(words, settings)
    if not labels:
        return []
    edges = column_edges([first["x0"] for first, _ in labels], settings)
    cards = []
    for first, label in labels:
        left = min(edges, key=lambda e: abs(e - first["x0"]))
        right = next((e - settings.gutter for e in edges if e > left + settings.min_column), view.width)
        column = [w for w in words if left - settings.same_edge <= w["x0"] and w["x1"] <= right]
        card = read_card(column, label, left, settings)
        if card is not None:
            cards.append(card)
    return [card_table(view.number, card) for card in cards] if len(cards) >= settings.min_cards else []


def inside(word: dict, box: BBox) -> bool:
    return box[0] - 1 <= word["x0"] and word["x1"] <= box[2] + 1 and box[1] - 1 <= word["top"] and word["bottom"] <= box[3] + 1


def label_words(words: list[dict], settings: TextCardSettings) -> list[tuple[dict, list[dict]]]:
    """(first word, the label's words) of each run of words reading as a label, starting a line or
    standing past a gutter (a gap wider than the type is tall): the words up to the first one ending
    in ':' ('Lead', 'Partners:')."""
    out = []
    for line in visual_lines(words, settings):
        for i, word in enumerate(line):
            if i and word["x0"] - line[i - 1]["x1"] <= type_size(word):
                continue  # inside a run of text, not at its start
            run = [word]
            for nxt in line[i + 1:]:
                if run[-1]["text"].endswith(":") or nxt["x0"] - run[-1]["x1"] > type_size(nxt):
                    break
                run.append(nxt)
            if run[-1]["text"].endswith(":") and label_pattern().match(" ".join(w["text"] for w in run)):
                out.append((word, run))
    return out


def visual_lines(words: list[dict], settings: TextCardSettings) -> list[list[dict]]:
    """Words grouped into lines across the whole page by their tops, each left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= settings.line_tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def type_size(word: dict) -> float:
    return word["bottom"] - word["top"]


def column_edges(xs: list[float], settings: TextCardSettings) -> list[float]:
    """The left edges of the page's card columns: label edges, those close together counted once."""
    edges: list[float] = []
    for x in sorted(xs):
        if not edges or x - edges[-1] > settings.min_column / 2:
            edges.append(x)
    return edges


@dataclass
class Card:
    title: list[TextLine]
    body: list[TextLine]
    label: TextLine
    value: list[TextLine]


def read_card(column: list[dict], label: list[dict], left: float, settings: TextCardSettings) -> Card | None:
    """The card whose label this is: bold title lines at the label's edge above it, the paragraph
    between, the value after the label and on the lines under it up to a gap, a bold line or the
    next label. None when no bold title stands above within the card's own spacing."""
    label_ids = {id(w) for w in label}
    label_line = words_to_lines(label)[0]
    lines = sorted(words_to_lines([w for w in column if id(w) not in label_ids]), key=lambda ln: ln.bbox[1])
    level = [i for i, ln in enumerate(lines) if abs(ln.bbox[1] - label_line.bbox[1]) <= settings.line_tolerance]
    at = level[0] if level else sum(ln.bbox[1] < label_line.bbox[1] for ln in lines)
    rest = lines[at + 1:] if level else lines[at:]
    above = lines_above(lines[:at] + [label_line], settings)
    bold_from = next((i for i, ln in enumerate(above) if ln.bold), None)
    if bold_from is None or abs(above[bold_from].bbox[0] - left) > settings.same_edge:
        return None
    title_end = next((i for i in range(bold_from, len(above)) if not above[i].bold), len(above))
    if above[title_end - 1].text.rstrip().endswith(":"):
        return None  # 'Expected outcomes:' heads a list; a card's title names the action
    first = lines[at] if level else label_line
    value = ([first] if level else []) + lines_below([first] + rest, settings)
    if not value:
        return None
    return Card(title=above[bold_from:title_end], body=above[title_end:], label=label_line, value=value)


def gap(upper: TextLine, lower: TextLine) -> float:
    return lower.bbox[1] - upper.bbox[3]


def lines_above(lines: list[TextLine], settings: TextCardSettings) -> list[TextLine]:
    """The lines over the last one (the label), top down, as far up as the card's spacing runs and
    no further than the top of a bold title."""
    i = len(lines) - 1
    while i > 0 and gap(lines[i - 1], lines[i]) <= settings.blank_lines * height(lines[i - 1]):
        i -= 1
        if lines[i].bold and (i == 0 or not lines[i - 1].bold):
            break
    return lines[i:-1]


def lines_below(lines: list[TextLine], settings: TextCardSettings) -> list[TextLine]:
    """The value's further lines: regular lines under the first, up to a gap, a bold line or a label."""
    out: list[TextLine] = []
    for prev, line in zip(lines, lines[1:]):
        if line.bold or starts_with_label(line.text) or gap(prev, line) > settings.blank_lines * height(prev):
            break
        out.append(line)
    return out


def starts_with_label(text: str) -> bool:
    head, colon, _ = text.partition(":")
    return bool(colon) and bool(label_pattern().match(head.strip() + ":"))


def height(line: TextLine) -> float:
    return max(line.bbox[3] - line.bbox[1], 1.0)


def card_table(page: int, card: Card) -> ExtractedTable:
    """The card as a two-column table: title and paragraph across, then label | value."""
    def box(lines: list[TextLine]) -> BBox:
        return (min(ln.bbox[0] for ln in lines), min(ln.bbox[1] for ln in lines),
                max(ln.bbox[2] for ln in lines), max(ln.bbox[3] for ln in lines))

    rows = [[card.title]] + ([[card.body]] if card.body else [])
    cells = [Cell(row=r, col=0, col_span=2, bbox=box(lines), lines=lines) for r, (lines,) in enumerate(rows)]
    r = len(rows)
    cells += [Cell(row=r, col=0, bbox=card.label.bbox, lines=[card.label]),
              Cell(row=r, col=1, bbox=box(card.value), lines=card.value)]
    everything = card.title + card.body + [card.label] + card.value
    return ExtractedTable(page=page, bbox=box(everything), n_rows=r + 1, n_cols=2, cells=cells, reader=NAME)
