"""One page as the table readers see it, whatever parsed it.

Readers take a `PageView` — words, ruling strokes, filled rectangles and images, each with its
box in PDF points (origin top-left) — and never the parser's own page object, so the parse
backend can change (pdfplumber today) without touching a reader. Words and strokes stay
plain dicts in pdfplumber's shape (`x0`, `x1`, `top`, `bottom`, ...) because pdfplumber's pure
table functions, which the ruled reader reuses, take exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import BBox

HAIRLINE = 2.0  # points: a filled rectangle this thin is a drawn rule, not shading
NO_FILL = 0.97  # 0..1 on every RGB channel: lighter than this is white paper, not a fill


@dataclass(frozen=True)
class PageView:
    number: int  # 1-based
    width: float
    height: float
    words: list[dict]  # text, x0, x1, top, bottom (and confidence 0..1 when read by OCR)
    edges: list[dict]  # horizontal and vertical strokes and rectangle sides: x0, x1, top, bottom, orientation
    verticals: list[tuple[float, float, float]]  # (x, top, bottom) of strokes drawn as rules
    fills: list[dict]  # filled rectangles: x0, x1, top, bottom, rgb (0..1)
    images: list[BBox]
    char_count: int
    source: tuple[str, int] | None = None  # (file path, page number), for a reader that re-parses the file

    def words_in(self, box: BBox, margin: float = 0.0) -> list[dict]:
        """Words whose centre lies inside box (grown by margin points)."""
        x0, top, x1, bottom = box
        return [w for w in self.words
                if x0 - margin <= (w["x0"] + w["x1"]) / 2 <= x1 + margin
                and top - margin <= (w["top"] + w["bottom"]) / 2 <= bottom + margin]


def to_rgb(colour) -> tuple[float, float, float] | None:
    """Normalise a PDF colour (gray, RGB or CMYK tuple) to RGB in 0..1."""
    if colour is None or isinstance(colour, str):
        return None
    values = list(colour) if isinstance(colour, (list, tuple)) else [colour]
    if not all(isinstance(v, (int, float)) for v in values):
        return None
    if len(values) == 1:
        return (values[0],) * 3
    if len(values) == 3:
        return tuple(values)
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def drawn_verticals(page) -> list[tuple[float, float, float]]:
    """(x, top, bottom) of vertical strokes drawn as rules: lines, stroked box sides, hairline fills.
    The sides of a shaded cell are not among them."""
    out = [(line["x0"], line["top"], line["bottom"]) for line in page.lines if abs(line["x1"] - line["x0"]) < 1]
    for r in page.rects:
        if r["x1"] - r["x0"] <= HAIRLINE:
            out.append(((r["x0"] + r["x1"]) / 2, r["top"], r["bottom"]))
        elif r.get("stroke"):
            out += [(r["x0"], r["top"], r["bottom"]), (r["x1"], r["top"], r["bottom"])]
    return out


def filled_rects(page) -> list[dict]:
    out = []
    for r in page.rects:
        if not r.get("fill"):
            continue
        rgb = to_rgb(r.get("non_stroking_color"))
        if rgb is not None:
            out.append({"x0": r["x0"], "x1": r["x1"], "top": r["top"], "bottom": r["bottom"], "rgb": rgb})
    return out


def view_of_pdfplumber(page, path: str | None = None) -> PageView:
    """The reader-facing view of a pdfplumber page (already turned upright)."""
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    return PageView(
        number=page.page_number, width=float(page.width), height=float(page.height),
        words=words, edges=[e for e in page.edges if e["orientation"] in ("h", "v")],
        verticals=drawn_verticals(page), fills=filled_rects(page),
        images=[(im["x0"], im["top"], im["x1"], im["bottom"]) for im in page.images],
        char_count=len(page.chars), source=(path, page.page_number) if path else None,
    )
