"""One page as the table readers see it, whatever parsed it.

Readers take a `PageView` — words, ruling strokes, filled rectangles and images, each with its
box in PDF points (origin top-left) — and never the parser's own page object, so the parse
backend can change (pdfplumber today) without touching a reader. Words and strokes stay
plain dicts in pdfplumber's shape (`x0`, `x1`, `top`, `bottom`, ...) because pdfplumber's pure
table functions, which the ruled reader reuses, take exactly that.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pdfplumber.utils.text import WordExtractor

from .records import BBox

BOLD_FONT_RE = re.compile(r"bold|black|heavy|demi|-bd\b|,bd\b", re.I)  # weights as PostScript font names spell them
HAIRLINE = 2.0  # points: a filled rectangle this thin is a drawn rule, not shading
NO_FILL = 0.97  # 0..1 on every RGB channel: lighter than this is white paper, not a fill
RULE_GAP = 1.0  # points: letters further apart than this, with a rule between, are in two cells
ALL_OFF_PAGE = 0.99  # share of a page's characters off the page beyond which the page box, not the text, is wrong
TURN_EPSILON = 0.01  # text-matrix entry below which a letter's x axis has no horizontal part
SPACE_OVERLAP = 0.5  # share of a space's width lying over a letter for the space to be no word break
CLOSED_PATH = 1.0  # points: a curve ending this close to where it began is a closed shape (a rounded box, a pill)
CLIP_SLACK = 0.5  # points: text or a stroke reaching this little into its clipping path is still outside it (rounding)


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
    boxes: list[dict] = field(default_factory=list)  # drawn rectangles and closed curves: x0, x1, top, bottom,
    #                                                  fill (rgb 0..1, None when only stroked), stroke (bool)

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


def drawn_boxes(page) -> list[dict]:
    """Every drawn rectangle and closed curve (rounded boxes, pills, circles) thicker than a rule, with
    its fill colour (None when it is only stroked) and whether its outline is stroked."""
    out = []
    for shape in [*page.rects, *(c for c in page.curves if closed(c))]:
        if shape["x1"] - shape["x0"] <= HAIRLINE or shape["bottom"] - shape["top"] <= HAIRLINE:
            continue
        fill = to_rgb(shape.get("non_stroking_color")) if shape.get("fill") else None
        if fill is None and not shape.get("stroke"):
            continue
        out.append({"x0": shape["x0"], "x1": shape["x1"], "top": shape["top"], "bottom": shape["bottom"],
                    "fill": fill, "stroke": bool(shape.get("stroke"))})
    return out


def closed(curve: dict) -> bool:
    pts = curve.get("pts") or []
    return len(pts) >= 3 and abs(pts[0][0] - pts[-1][0]) <= CLOSED_PATH and abs(pts[0][1] - pts[-1][1]) <= CLOSED_PATH


def overlapping_spaces(chars: list[dict]) -> set[tuple]:
    """Space characters drawn over a letter: some exporters put a space after every letter of a
    cell ('C u r r e n t') at no advance; they are no word breaks."""
    letters: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for c in chars:
        if c["text"] != " ":
            letters[round(c["top"])].append((c["x0"], c["x1"]))
    for spans in letters.values():
        spans.sort()
    fake = set()
    for c in chars:
        if c["text"] == " ":
            spans = letters.get(round(c["top"]), [])
            i = bisect.bisect_right(spans, (c["x1"], float("inf")))
            width = max(c["x1"] - c["x0"], 0.01)
            if any(min(b, c["x1"]) - max(a, c["x0"]) > SPACE_OVERLAP * width for a, b in spans[max(0, i - 2):i]):
                fake.add((c["x0"], c["top"], c["x1"]))
    return fake


def split_at_rules(words: list[dict], rules: list[dict]) -> list[dict]:
    """Words cut where a column rule passes through a gap between two of their letters: text running
    up to the next cell's text across a rule ('behind-the-|Incentivizes') is two words, one in each
    cell. Letters that run on across a rule without a gap are one word overflowing its cell."""
    out = []
    for word in words:
        chars = word.pop("chars")
        mid = (word["top"] + word["bottom"]) / 2
        cuts = [e["x0"] for e in rules if e["top"] <= mid <= e["bottom"] and word["x0"] < e["x0"] < word["x1"]]
        pieces: list[list[dict]] = [[]]
        for prev, c in zip([None, *chars], chars):
            if prev is not None and c["x0"] - prev["x1"] >= RULE_GAP and any(prev["x1"] <= x <= c["x0"] for x in cuts):
                pieces.append([])
            pieces[-1].append(c)
        if len(pieces) == 1:
            out.append(dict(word, bold=set_in_bold(chars)))
            continue
        for piece in pieces:
            out.append(dict(word, text="".join(c["text"] for c in piece), x0=piece[0]["x0"], x1=piece[-1]["x1"],
                            bold=set_in_bold(piece)))
    return out


def set_in_bold(chars: list[dict]) -> bool:
    """Every letter set in a bold face, by its font's name: a heading inside a cell is told from the
    lines under it by its weight alone."""
    return all(BOLD_FONT_RE.search(c.get("fontname") or "") for c in chars if c["text"].strip())


def quarter_turned(char: dict) -> bool:
    """A letter set a quarter turn from the page (a rotated row label), whatever pdfminer's
    `upright` says: its text matrix maps x onto y."""
    a, b = char["matrix"][:2]
    return abs(a) < TURN_EPSILON and abs(b) > TURN_EPSILON


def turned_words(chars: list[dict]) -> list[dict]:
    """Words of quarter-turned letters in reading order: up the page when turned anticlockwise
    (columns of such a label read left to right), down it when turned clockwise (right to left)."""
    words = []
    for sign, char_dir, line_dir in ((1, "btt", "ltr"), (-1, "ttb", "rtl")):
        group = [dict(c, upright=False) for c in chars if c["matrix"][1] * sign > 0]
        if group:
            words += WordExtractor(char_dir_rotated=char_dir, line_dir_rotated=line_dir).extract_words(
                group, return_chars=True)
    return words


def off_page_share(page) -> float:
    """Share of the page's characters that lie outside its box."""
    x0, top, x1, bottom = page.bbox
    chars = page.chars
    outside = sum(not (x0 - 1 <= c["x0"] and c["x1"] <= x1 + 1 and top - 1 <= c["top"] and c["bottom"] <= bottom + 1)
                  for c in chars)
    return outside / len(chars) if chars else 0.0


def clipped_away(path: str, page_number: int, mediabox) -> tuple[list[BBox], list[BBox], list[BBox]]:
    """Boxes (top-left origin) of the text a page paints outside its clipping paths, of the drawings
    it paints outside them, and of the text it shows: pdfplumber reads every object painted,
    pdfium knows each one's clipping path. Objects at the page's own level only."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    left, top = float(mediabox[0]), float(mediabox[3])
    hidden_text: list[BBox] = []
    hidden_drawing: list[BBox] = []
    shown_text: list[BBox] = []
    pdf = pdfium.PdfDocument(path)
    try:
        for obj in pdf[page_number - 1].get_objects(max_depth=0):
            if obj.type not in (raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH):
                continue
            x0, y0, x1, y1 = obj.get_bounds()
            box = (x0 - left, top - y1, x1 - left, top - y0)
            clip = clip_bounds(raw, obj.raw)
            outside = clip is not None and (x1 <= clip[0] + CLIP_SLACK or x0 >= clip[2] - CLIP_SLACK
                                            or y1 <= clip[1] + CLIP_SLACK or y0 >= clip[3] - CLIP_SLACK)
            if obj.type == raw.FPDF_PAGEOBJ_TEXT:
                (hidden_text if outside else shown_text).append(box)
            elif outside:
                hidden_drawing.append(box)
    finally:
        pdf.close()
    return hidden_text, hidden_drawing, shown_text


def clip_bounds(raw, handle) -> tuple[float, float, float, float] | None:
    """The box (PDF user space) a page object's clipping paths leave open: the intersection of their
    bounding boxes; None when the object is not clipped."""
    import ctypes

    clip = raw.FPDFPageObj_GetClipPath(handle)
    if not clip:
        return None
    bounds = None
    for i in range(raw.FPDFClipPath_CountPaths(clip)):
        xs, ys = [], []
        for j in range(raw.FPDFClipPath_CountPathSegments(clip, i)):
            x, y = ctypes.c_float(), ctypes.c_float()
            if raw.FPDFPathSegment_GetPoint(raw.FPDFClipPath_GetPathSegment(clip, i, j), x, y):
                xs.append(x.value)
                ys.append(y.value)
        if xs:
            box = (min(xs), min(ys), max(xs), max(ys))
            bounds = box if bounds is None else (max(bounds[0], box[0]), max(bounds[1], box[1]),
                                                 min(bounds[2], box[2]), min(bounds[3], box[3]))
    return bounds


def without_clipped_away(page, path: str):
    """The page without what its clipping paths hide: some exporters (TextEdit, Word) draw a long
    table whole on every page and clip it to the page's text area, so that rows shown on the pages
    before and after lie inside the page box too, under a clip that hides them."""
    try:
        hidden_text, hidden_drawing, shown_text = clipped_away(path, page.page_number, page.page_obj.mediabox)
    except Exception:  # pdfium cannot read what pdfplumber read: keep the page as it is
        return page
    if not hidden_text and not hidden_drawing:
        return page

    def within(o: dict, boxes: list[BBox]) -> bool:
        x, y = (o["x0"] + o["x1"]) / 2, (o["top"] + o["bottom"]) / 2
        return any(b[0] - CLIP_SLACK <= x <= b[2] + CLIP_SLACK and b[1] - CLIP_SLACK <= y <= b[3] + CLIP_SLACK
                   for b in boxes)

    def covered(o: dict, boxes: list[BBox]) -> bool:
        return any(b[0] - CLIP_SLACK <= o["x0"] and o["x1"] <= b[2] + CLIP_SLACK
                   and b[1] - CLIP_SLACK <= o["top"] and o["bottom"] <= b[3] + CLIP_SLACK for b in boxes)

    def shown(o: dict) -> bool:
        if o.get("object_type") == "char":
            return not within(o, hidden_text) or within(o, shown_text)
        if o.get("object_type") in ("rect", "line", "curve"):
            return not covered(o, hidden_drawing)
        return True

    return page.filter(shown)


def view_of_pdfplumber(page, path: str | None = None, clip: bool = True) -> PageView:
    """The reader-facing view of a pdfplumber page (already turned upright): what is drawn on the page.

    A word processor printing one long table may put the whole table on every page and let the
    page's edges, or a clipping path inside them, clip it: text and rules off the page, or outside
    their clip, are not part of it. (A broken file whose text all lies off the page keeps it: there
    is nothing else to read. A page turned upright here is not clipped: its frame is pdfplumber's
    re-reading, not the page's own box.)"""
    if clip and 0 < off_page_share(page) < ALL_OFF_PAGE:
        page = page.crop(page.bbox)
        if path:
            page = without_clipped_away(page, path)
    fake = overlapping_spaces(page.chars)
    if fake:
        page = page.filter(lambda o: o.get("object_type") != "char" or (o["x0"], o["top"], o["x1"]) not in fake)
    turned = [c for c in page.chars if quarter_turned(c)]
    if turned:
        page = page.filter(lambda o: o.get("object_type") != "char" or not quarter_turned(o))
    rules = [e for e in page.edges if e["orientation"] == "v"]
    words = split_at_rules(page.extract_words(keep_blank_chars=False, use_text_flow=False, return_chars=True)
                           + turned_words(turned), rules)
    return PageView(
        number=page.page_number, width=float(page.width), height=float(page.height),
        words=words, edges=[e for e in page.edges if e["orientation"] in ("h", "v")],
        verticals=drawn_verticals(page), fills=filled_rects(page),
        images=[(im["x0"], im["top"], im["x1"], im["bottom"]) for im in page.images],
        char_count=len(page.chars), source=(path, page.page_number) if path else None, boxes=drawn_boxes(page),
    )
