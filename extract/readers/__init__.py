"""Table readers: one interface, several strategies, chosen by the evidence on the page.

Each reader is a module with a frozen settings dataclass (named tolerances, in points, with
their reasons) and one entry point, `read_tables(view, taken, settings) -> list[ExtractedTable]`,
reading a `PageView` and leaving alone the boxes earlier readers `taken`. They run from the
strongest evidence to the weakest — a drawn box holding an indicator's title with its rating box
or labelled figures (a KPI card), a grid of shading whose text shows more columns than its cells,
strokes on four sides of every cell, rules between rows only, then the alignment of the text
alone — and each table records the reader that found it.
"""

from __future__ import annotations

from ..page_view import PageView
from ..records import ExtractedTable
from . import aligned, banded, kpi_cards, row_ruled, ruled, text_cards

READERS = (kpi_cards, banded, ruled, row_ruled, text_cards, aligned)  # strongest evidence first: cards, fills
# hiding columns, strokes, rules between rows, a labelled line under a bold title, the alignment of the text alone


def read_page_tables(view: PageView) -> list[ExtractedTable]:
    """Every table on the page, each from the first reader whose evidence covers it, top to bottom."""
    tables: list[ExtractedTable] = []
    for reader in READERS:
        tables += reader.read_tables(view, [t.bbox for t in tables])
    return sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0]))
