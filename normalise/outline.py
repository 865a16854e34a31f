"""Tables of outlines: a label column naming each row's section beside cells that each hold an
outline, a bold objective over the regular, indented lines of its strategies ('Transportation |
**Encourage employees ...** / Initiate a ... programme / > Educate employees ...').

No header names the columns; the evidence is the type itself: the weight of the text layer's fonts
(extract marks each line bold or not) and the indent under the bold line. A strategy's '>'
sub-items and wrapped lines are part of its text; a line starts a new strategy when it could have
gone on the line before it and did not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.records import Cell, ExtractedTable, TextLine

from .grid import flat, row_cells
from .layout import UNFRAMED_READERS
from .text import join_lines, strip_bullet

SUB_ITEM_RE = re.compile(r"^\s*[>›»]\s+")  # glyphs Word sets before an item under a strategy


@dataclass(frozen=True)
class OutlineSettings:
    min_cells: int = 2  # outline cells a table must hold to be read as a table of outlines
    label_max_words: int = 5  # a row label longer than this is prose, not a section's name
    indent: float = 3.0  # points: strategies stand at least this far right of their objective


OUTLINE = OutlineSettings()


@dataclass
class Outline:
    """One cell read: its objective (None when it has no bold line) and its strategies, each as text."""

    objective: str | None
    strategies: list[str]


def is_outline(cell: Cell | None, settings: OutlineSettings = OUTLINE) -> bool:
    """A bold line first, then regular lines indented under it."""
    lines = cell.lines if cell else []
    if not lines or lines[0].bold is not True:
        return False
    regular = [ln for ln in lines if ln.bold is False]
    return bool(regular) and all(ln.bbox[0] >= lines[0].bbox[0] + settings.indent for ln in regular)


def is_outline_table(table: ExtractedTable, settings: OutlineSettings = OUTLINE) -> bool:
    """Two drawn columns: short labels beside cells most of which are outlines."""
    if table.reader in UNFRAMED_READERS or table.n_cols != 2:
        return False
    rows = [row_cells(table, r) for r in range(table.n_rows)]
    labels = [flat(cells[0]) for cells in rows if cells[0] is not None and flat(cells[0])]
    bodies = [cells[1] for cells in rows if cells[1] is not None and flat(cells[1])]
    outlines = sum(is_outline(c, settings) for c in bodies)
    return (bool(labels) and all(len(t.split()) <= settings.label_max_words for t in labels)
            and outlines >= settings.min_cells and 2 * outlines >= len(bodies))


def read_outline(cell: Cell) -> Outline:
    """The cell's bold lines are its objective; each regular line that starts a new strategy (see
    starts_item) opens one, and the lines after it, its sub-items too, are its text."""
    objective: list[str] = []
    items: list[list[str]] = []
    previous: TextLine | None = None
    right = text_right(cell)
    for line in cell.lines:
        if line.bold and not items:
            objective.append(line.text)
        elif not items or previous is not None and previous.bold or starts_item(line, previous, right):
            items.append([SUB_ITEM_RE.sub("", line.text)])
        else:
            items[-1].append(strip_bullet(SUB_ITEM_RE.sub("", line.text)))
        previous = line
    return Outline(join_lines(objective) or None, [join_lines(lines) for lines in items])


def text_right(cell: Cell) -> float:
    """Where the cell's lines may run to: its right edge less the padding its text keeps on the left."""
    padding = min(ln.bbox[0] for ln in cell.lines) - cell.bbox[0]
    return cell.bbox[2] - max(padding, 0.0)


def starts_item(line: TextLine, previous: TextLine | None, right: float) -> bool:
    """A regular line, not a sub-item, beginning with a capital whose first word would have fitted
    on the line before: the writer broke the line, the text did not wrap."""
    text = line.text.strip()
    if previous is None or SUB_ITEM_RE.match(text) or not text[:1].isupper():
        return False
    first = text.split()[0]
    width = (line.bbox[2] - line.bbox[0]) * (len(first) + 1) / max(len(text), 1)  # the word and a space
    return previous.bbox[2] + width <= right
