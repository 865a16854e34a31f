"""OCR for pages without a usable text layer (scanned committee papers).

A scanned page goes: render -> deskew -> ruling lines from the image -> Tesseract word boxes
(rules erased, and neighbouring cells put on separate copies of the page, so nothing joins
the lines of two cells or reads a rule as `|`) -> the same records born-digital pages give:
ruled tables as cell grids with text lines, boxes in PDF points and fill colours read from
the pixels, plus loose text lines. Each line and cell keeps Tesseract's confidence (0..1), and
`flag_low_confidence` marks the action fields read below `REVIEW_CONFIDENCE` for review.

The cell grid reuses pdfplumber's own pure table functions (merge_edges ->
edges_to_intersections -> intersections_to_cells -> cells_to_tables) on edges measured from
the image, so scanned and born-digital tables are cut into cells by the same rules.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytesseract
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from .files import NoText
from .grid import GRID_TOLERANCE, grid_positions, index_of
from .raster import Segment, deskew, find_rules, ink_mask, invert_dark_blocks, lightness, render_page
from .records import BBox, Cell, ExtractedDocument, ExtractedPage, ExtractedTable, TextLine

# Tesseract parallelises one page over OpenMP threads; the pipeline already runs one document
# per core, and on 2 cores the extra threads only contend, so each tesseract call gets one.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

OCR_DPI = 300  # Tesseract reads 8 pt table text well from about 300 dpi; the page is rendered at this
TESSERACT_CONFIG = "--oem 1 --psm 3 -c preserve_interword_spaces=0"
LANGUAGE = "eng"
REVIEW_CONFIDENCE = 0.6  # a value read with less than this (0..1) is flagged for a person to check
SNAP_TOLERANCE = 3.0  # points, as the ruled reader's RuledSettings (extract/readers/ruled.py)
JOIN_TOLERANCE = 3.0
INTERSECTION_TOLERANCE = 3.0
MIN_TABLE_CELLS = 2
MIN_TABLE_SIZE_PT = 8.0  # points: narrower or shorter than this is no table
MIN_GLYPH_AREA_PX = 6  # ink blobs smaller than this are scanner specks, not glyphs or full stops
GLYPH_LEVEL = 160  # 0..255 on the cleaned page: darker pixels are glyph ink
LONE_VALUE_MAX_PT = 14.0  # points: a cell's ink no taller than this is one line, worth a second reading
LONE_VALUE_PAD_PX = 20  # white pixels around each value on the second-reading column
LONE_VALUE_CONFIG = "--oem 1 --psm 6"  # the strip is one block of text, a value a line
MOSAIC_GAP_PX = 40  # white pixels between the page copies stacked for OCR
LAYER_GAP_PT = 30.0  # points: cells closer side by side than this are OCR'd on different page copies
RULE_ERASE_PX = 4  # pixels either side of a found rule also erased before OCR (anti-aliased edges)
CELL_INSET_PT = 2.0  # points: the border band left out when reading a cell's fill
NO_FILL_DISTANCE = 0.06  # 0..1 RGB distance from the paper colour under which a cell is unshaded
SAME_LINE_OVERLAP = 0.5  # share of the shorter word's height two words must overlap to sit on one line
MIN_IMAGE_COVER = 0.5  # share of the page an image must cover for the page to count as scanned
MIN_WORDLIKE_SHARE = 0.4  # below this share of word-like tokens a text layer is garbage
MIN_TOKENS_TO_JUDGE = 10
# Tesseract's readings of a bullet and of a tick at the start of a line
BULLET_READINGS = {"•", "©", "®", "@", "*", "«", "»", "°", "¢", "e", "o", "eo", "oe"}
TICK_READINGS = {"✓", "✔", "Y", "¥", "¥Y", "Y¥", "“", "”", "v", "V", "Vv", "¥v"}
SMEAR_HEIGHT = 2.5  # times the usual word height: a taller word spans several lines
SMEAR_CONFIDENCE = 0.5  # ... and is dropped when read with less confidence than this
LONE_DASHES = {"—", "―", "--"}
CID_RE = re.compile(r"\(cid:\d+\)")
WORDLIKE_RE = re.compile(r"^[\W_]*[A-Za-z]*[AEIOUYaeiouy][A-Za-z]*[\W_]*$|^[\W_]*\d[\d.,/%:-]*[\W_]*$")


@dataclass(frozen=True)
class Word:
    """One OCR word in PDF points with Tesseract's confidence (0..1)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.top + self.bottom) / 2


# ---------------------------------------------------------------- deciding which pages need OCR

def image_cover(pdfplumber_page) -> float:
    """Share of the page area covered by its largest image."""
    area = float(pdfplumber_page.width * pdfplumber_page.height) or 1.0
    sizes = [max(0.0, (im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in pdfplumber_page.images]
    return min(1.0, max(sizes, default=0.0) / area)


def page_text(page_record: ExtractedPage) -> str:
    cells = [cell.text for table in page_record.tables for cell in table.cells]
    return "\n".join([line.text for line in page_record.lines] + cells)


def is_garbage(text: str) -> bool:
    """True when a text layer is glyph soup: (cid:N) codes, or too few tokens that look like words or numbers."""
    if CID_RE.search(text) and len(CID_RE.findall(text)) * 6 > len(text) * 0.3:
        return True
    tokens = text.split()
    if len(tokens) < MIN_TOKENS_TO_JUDGE:
        return False
    wordlike = sum(bool(WORDLIKE_RE.match(t)) for t in tokens)
    return wordlike < MIN_WORDLIKE_SHARE * len(tokens)


def needs_ocr(page_record: ExtractedPage, pdfplumber_page) -> bool:
    """True for a page that is mostly one image and has no words, or only garbage glyphs, on it.

    Pages with a real text layer are never OCR'd: a scanned document costs only its own pages.
    """
    if image_cover(pdfplumber_page) < MIN_IMAGE_COVER:
        return False
    text = page_text(page_record)
    return not text.strip() or is_garbage(text)


# ---------------------------------------------------------------- OCR words

def ocr_input(grey: np.ndarray, ink: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """What Tesseract gets: the glyphs in their own greys on pure white, ruling lines and specks removed.

    Shading, scanner grain and the faint halo of an erased rule would otherwise be read as
    `|`, `—` or diacritics, and each costs recognition time.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    specks = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < MIN_GLYPH_AREA_PX)
    glyphs = ink.copy()
    glyphs[np.isin(labels, specks[specks > 0])] = 0
    keep = cv2.dilate(glyphs, np.ones((3, 3), np.uint8)) > 0
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * RULE_ERASE_PX + 1, 2 * RULE_ERASE_PX + 1))
    keep &= cv2.dilate(rules, kernel) == 0
    out = np.full_like(grey, 255)
    out[keep] = grey[keep]
    return out


def read_words(image: np.ndarray, dpi: int, config: str = TESSERACT_CONFIG) -> list[Word]:
    """Tesseract's words on `image`, boxes in its pixels.

    The image goes to Tesseract as an uncompressed BMP: pytesseract's own PNG encoding costs
    about a tenth of the OCR time of a page.
    """
    with tempfile.TemporaryDirectory(prefix="councilplans-ocr-") as folder:
        path = str(Path(folder) / "page.bmp")
        cv2.imwrite(path, image)
        data = pytesseract.image_to_data(path, lang=LANGUAGE, config=f"{config} --dpi {dpi}",
                                         output_type=pytesseract.Output.DICT)
    words = []
    for i, raw in enumerate(data["text"]):
        text = (raw or "").strip()
        confidence = float(data["conf"][i])
        if not text or confidence < 0:
            continue
        left, top, width, height = (data[k][i] for k in ("left", "top", "width", "height"))
        words.append(Word(text, float(left), float(top), float(left + width), float(top + height), confidence / 100))
    return words


def layer_cells(boxes: list[BBox]) -> list[int]:
    """A layer number per cell such that no two cells side by side (closer than LAYER_GAP_PT) share a layer.

    Tesseract reads a page of ruled cells by joining the lines of neighbouring cells into one
    line and reading the gap between them as `|`, `_` or `—`. Alternate columns go on
    separate copies of the page, so on each copy the text of two cells is a whole column apart.
    """
    layers: list[list[BBox]] = []
    out = [0] * len(boxes)
    for i in sorted(range(len(boxes)), key=lambda k: boxes[k][0]):
        box = boxes[i]
        for n, layer in enumerate(layers):
            if not any(side_by_side(box, other) for other in layer):
                break
        else:
            n = len(layers)
            layers.append([])
        layers[n].append(box)
        out[i] = n
    return out


def side_by_side(a: BBox, b: BBox) -> bool:
    overlap_y = min(a[3], b[3]) - max(a[1], b[1])
    gap_x = max(a[0], b[0]) - min(a[2], b[2])
    return overlap_y > GRID_TOLERANCE and gap_x < LAYER_GAP_PT


@dataclass
class Mosaic:
    """Copies of the page stacked top to bottom, each holding some cells' text in place (copy 0: the loose text too)."""

    image: np.ndarray
    page_height: int  # pixels of one copy; copy k starts at k * (page_height + MOSAIC_GAP_PX)


def build_mosaic(clean: np.ndarray, boxes_px: list[tuple[int, int, int, int]], layers: list[int]) -> Mosaic:
    """One image with a copy of the page per layer; in copy k only the cells of layer k keep their text."""
    copies = []
    for k in range(max(layers, default=0) + 1):
        copy = clean.copy()
        for (x0, top, x1, bottom), layer in zip(boxes_px, layers):
            if layer != k:
                copy[top:bottom, x0:x1] = 255
        if k == 0:
            copies.append(copy)
            continue
        lo = min(top for (_, top, _, _), layer in zip(boxes_px, layers) if layer == k)
        hi = max(bottom for (_, _, _, bottom), layer in zip(boxes_px, layers) if layer == k)
        copy[:lo], copy[hi:] = 255, 255  # loose text only on copy 0
        copies.append(np.vstack([np.full((MOSAIC_GAP_PX, clean.shape[1]), 255, dtype=clean.dtype), copy]))
    return Mosaic(image=np.vstack(copies), page_height=clean.shape[0])


def place_words(mosaic: Mosaic, words: list[Word], scale: tuple[float, float]) -> list[tuple[int, Word]]:
    """Each mosaic word as (layer, word on the page in points)."""
    sx, sy = scale
    stride = mosaic.page_height + MOSAIC_GAP_PX
    out = []
    for w in words:
        layer = int(((w.top + w.bottom) / 2) // stride)
        shift = layer * stride
        top, bottom = (w.top - shift) * sy, (w.bottom - shift) * sy
        out.append((layer, Word(w.text, w.x0 * sx, top, w.x1 * sx, bottom, w.confidence)))
    return out


def words_by_region(placed: list[tuple[int, Word]], boxes: list[BBox], layers: list[int]) -> list[list[Word]]:
    """Words per region: 0 for loose text, i >= 1 for boxes[i - 1] (matched within the word's own layer)."""
    out: list[list[Word]] = [[] for _ in range(len(boxes) + 1)]
    for layer, word in placed:
        cx, cy = word.centre
        home = next((i + 1 for i, (box, k) in enumerate(zip(boxes, layers))
                     if k == layer and box[0] <= cx <= box[2] and box[1] <= cy <= box[3]), 0)
        if home or layer == 0:
            out[home].append(word)
    return out


def glyph_box(clean: np.ndarray, box_px: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """The pixel box of the ink inside a cell of the cleaned page, or None when the cell is blank."""
    x0, top, x1, bottom = box_px
    ys, xs = np.nonzero(clean[top:bottom, x0:x1] < GLYPH_LEVEL)
    if len(xs) < MIN_GLYPH_AREA_PX:
        return None
    return x0 + int(xs.min()), top + int(ys.min()), x0 + int(xs.max()) + 1, top + int(ys.max()) + 1


def reread_lone_values(clean: np.ndarray, boxes_px: list[tuple[int, int, int, int]], regions: list[list[Word]],
                       dpi: int, scale: tuple[float, float]) -> None:
    """Read the short values the page pass dropped, in place: cells left without words though they hold one line of ink.

    Tesseract's page layout discards a lone small glyph (a KPI cell holding `0` or `4`) as
    noise; read as a block of lines, one value a line, it is kept.
    """
    max_height = LONE_VALUE_MAX_PT / scale[1]
    todo = [(i, g) for i, box in enumerate(boxes_px)
            if not regions[i + 1] and (g := glyph_box(clean, box)) and g[3] - g[1] <= max_height]
    if not todo:
        return
    pad = LONE_VALUE_PAD_PX
    width = max(g[2] - g[0] for _, g in todo) + 2 * pad
    strip = np.full((sum(g[3] - g[1] + 2 * pad for _, g in todo), width), 255, dtype=clean.dtype)
    starts, cursor = [], 0
    for _, (x0, top, x1, bottom) in todo:
        strip[cursor + pad:cursor + pad + bottom - top, pad:pad + x1 - x0] = clean[top:bottom, x0:x1]
        starts.append(cursor)
        cursor += bottom - top + 2 * pad
    sx, sy = scale
    for w in read_words(strip, dpi, LONE_VALUE_CONFIG):
        k = max(j for j, start in enumerate(starts) if start <= (w.top + w.bottom) / 2)
        i, (x0, top, _, _) = todo[k]
        dx, dy = x0 - pad, top - starts[k] - pad
        regions[i + 1].append(Word(w.text, (w.x0 + dx) * sx, (w.top + dy) * sy, (w.x1 + dx) * sx, (w.bottom + dy) * sy,
                                   w.confidence))


def same_line(row: list[Word], word: Word) -> bool:
    """A word sits on a row when it overlaps the row's typical band by most of its own height."""
    top = statistics.median(w.top for w in row)
    bottom = statistics.median(w.bottom for w in row)
    overlap = min(bottom, word.bottom) - max(top, word.top)
    return overlap >= SAME_LINE_OVERLAP * min(bottom - top, word.bottom - word.top)


def drop_smears(words: list[Word]) -> list[Word]:
    """Without the doubtful "words" several lines tall: a column of ticks or bullets read as one blob."""
    if len(words) < 3:
        return words
    usual = statistics.median(w.bottom - w.top for w in words)
    return [w for w in words if w.bottom - w.top <= SMEAR_HEIGHT * usual or w.confidence >= SMEAR_CONFIDENCE]


def list_marker(word: Word, line_height: float) -> str | None:
    """The list marker ("•" or "✓") a line's first word stands for, or None when it is a real word.

    Tesseract has no good reading for a bullet or a tick: it says `©`, `*`, `e`, `Y`, `¥`, `“`.
    A short token of those, no taller than the line and about as wide as tall, is the marker.
    """
    height, width = word.bottom - word.top, word.x1 - word.x0
    if height > line_height * 1.2 or width > height * 1.6:
        return None
    if word.text in BULLET_READINGS:
        return "•"
    if word.text in TICK_READINGS:
        return "✓"
    return None


def tidy_line(row: list[Word]) -> tuple[str, float]:
    """A line's text with OCR's usual misreadings of marks undone, and its confidence without the marks.

    Besides list markers: a dash standing alone between words is read as an em dash where the
    documents print an en dash (`Jun – Sep 16`).
    """
    line_height = statistics.median(w.bottom - w.top for w in row)
    texts = [w.text for w in row]
    scored = list(row)
    marker = list_marker(row[0], line_height) if len(row) > 1 else None
    if marker:
        texts[0], scored = marker, row[1:]
    texts = ["–" if t in LONE_DASHES else t for t in texts]
    return " ".join(texts), round(min(w.confidence for w in scored), 3)


def words_to_lines(words: list[Word]) -> list[TextLine]:
    """Group words into visual lines top to bottom, left to right, each with its lowest word confidence.

    The page is deskewed first, so sorting by the words' centres keeps each line's words together.
    """
    rows: list[list[Word]] = []
    for word in sorted(drop_smears(words), key=lambda w: w.centre[1]):
        if rows and same_line(rows[-1], word):
            rows[-1].append(word)
        else:
            rows.append([word])
    out = []
    for row in rows:
        row.sort(key=lambda w: w.x0)
        bbox = (min(w.x0 for w in row), min(w.top for w in row), max(w.x1 for w in row), max(w.bottom for w in row))
        text, confidence = tidy_line(row)
        out.append(TextLine(text=text, bbox=bbox, confidence=confidence))
    return out


# ---------------------------------------------------------------- tables from ruling lines

def segment_edges(horizontal: list[Segment], vertical: list[Segment], scale: tuple[float, float]) -> list[dict]:
    """Pixel segments as pdfplumber edge dicts in points."""
    sx, sy = scale
    edges = []
    for s in horizontal:
        top = float(s.y0) * sy
        edges.append({"x0": float(s.x0) * sx, "x1": float(s.x1) * sx, "top": top, "bottom": top,
                      "width": float(s.x1 - s.x0) * sx, "height": 0.0, "orientation": "h"})
    for s in vertical:
        x = float(s.x0) * sx
        edges.append({"x0": x, "x1": x, "top": float(s.y0) * sy, "bottom": float(s.y1) * sy,
                      "width": 0.0, "height": float(s.y1 - s.y0) * sy, "orientation": "v"})
    return edges


def table_cell_boxes(edges: list[dict]) -> list[list[BBox]]:
    """Given ruling edges in points, the cell boxes of each table, as pdfplumber finds them."""
    if not edges:
        return []
    merged = merge_edges(edges, SNAP_TOLERANCE, SNAP_TOLERANCE, JOIN_TOLERANCE, JOIN_TOLERANCE)
    points = edges_to_intersections(merged, INTERSECTION_TOLERANCE, INTERSECTION_TOLERANCE)
    cells = intersections_to_cells(points)
    return [table for table in cells_to_tables(cells) if len(table) >= MIN_TABLE_CELLS and not too_thin(table)]


def too_thin(boxes: list[BBox]) -> bool:
    """A "table" thinner than a line of text is strokes of a large glyph or a banner's edge, not a table."""
    width = max(b[2] for b in boxes) - min(b[0] for b in boxes)
    height = max(b[3] for b in boxes) - min(b[1] for b in boxes)
    return min(width, height) < MIN_TABLE_SIZE_PT


def paper_colour(rgb: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """The colour of the bare paper (0..1): the brightest common colour, so off-white scans read as unshaded."""
    sample = rgb[::8, ::8][ink[::8, ::8] == 0].reshape(-1, 3).astype(np.float32)
    if not len(sample):
        return np.ones(3, dtype=np.float32)
    bright = sample[sample.sum(axis=1) >= np.percentile(sample.sum(axis=1), 75)]
    return np.median(bright, axis=0) / 255


def cell_fill(box: BBox, rgb: np.ndarray, ink: np.ndarray, paper: np.ndarray,
              scale: tuple[float, float]) -> tuple[float, float, float] | None:
    """The cell's shading as RGB 0..1 (relative to the paper), read from the interior pixels that are not ink."""
    sx, sy = scale
    x0, top = int((box[0] + CELL_INSET_PT) / sx), int((box[1] + CELL_INSET_PT) / sy)
    x1, bottom = int((box[2] - CELL_INSET_PT) / sx), int((box[3] - CELL_INSET_PT) / sy)
    if x1 - x0 < 2 or bottom - top < 2:
        return None
    inside = rgb[top:bottom, x0:x1][ink[top:bottom, x0:x1] == 0]
    if len(inside) < 10:
        return None
    colour = np.clip(np.median(inside.reshape(-1, 3), axis=0) / 255 / np.maximum(paper, 0.5), 0, 1)
    if float(np.abs(colour - 1).max()) < NO_FILL_DISTANCE:
        return None
    return tuple(round(float(c), 3) for c in colour)


def has_rule_at(h_edges: list[dict], y: float, x0: float, x1: float) -> bool:
    """True when horizontal rules at height y cover most of the span x0..x1."""
    covered = sum(min(e["x1"], x1) - max(e["x0"], x0) for e in h_edges
                  if abs(e["top"] - y) <= GRID_TOLERANCE * 2 and e["x1"] > x0 and e["x0"] < x1)
    return covered >= 0.9 * (x1 - x0)


@dataclass
class PageImage:
    """What the table builder needs from the deskewed page image."""

    rgb: np.ndarray
    ink: np.ndarray
    paper: np.ndarray
    scale: tuple[float, float]  # points per pixel in x and y


def build_table(page_number: int, boxes: list[BBox], cell_words: list[list[Word]], image: PageImage,
                h_edges: list[dict]) -> ExtractedTable:
    """Place cell boxes on a row/column grid with spans, and fill their text, confidence and shading."""
    xs = grid_positions([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = grid_positions([b[1] for b in boxes] + [b[3] for b in boxes])
    cells = []
    for box, words in zip(boxes, cell_words):
        c0, c1, r0, r1 = index_of(xs, box[0]), index_of(xs, box[2]), index_of(ys, box[1]), index_of(ys, box[3])
        lines = words_to_lines(words)
        cells.append(Cell(
            row=r0, col=c0, row_span=max(r1 - r0, 1), col_span=max(c1 - c0, 1), bbox=tuple(box), lines=lines,
            fill=cell_fill(box, image.rgb, image.ink, image.paper, image.scale),
            confidence=min((ln.confidence for ln in lines), default=None),
        ))
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    table = ExtractedTable(page=page_number, bbox=bbox, n_rows=len(ys) - 1, n_cols=len(xs) - 1, cells=cells,
                           reader="ocr")
    table.open_bottom = not has_rule_at(h_edges, bbox[3], bbox[0], bbox[2])
    return table


# ---------------------------------------------------------------- one page

def to_pixels(box: BBox, scale: tuple[float, float]) -> tuple[int, int, int, int]:
    sx, sy = scale
    return round(box[0] / sx), round(box[1] / sy), round(box[2] / sx), round(box[3] / sy)


def ocr_image(rgb: np.ndarray, page_number: int, width: float, height: float, dpi: int = OCR_DPI) -> ExtractedPage:
    """An ExtractedPage from a page image of `width` x `height` points (any skew up to a few degrees)."""
    rgb, _angle = deskew(rgb)
    grey = invert_dark_blocks(lightness(rgb), dpi)
    ink = ink_mask(grey)
    scale = (width / rgb.shape[1], height / rgb.shape[0])
    horizontal, vertical, rules = find_rules(ink, dpi)
    edges = segment_edges(horizontal, vertical, scale)
    tables_boxes = table_cell_boxes(edges)
    all_boxes = [box for boxes in tables_boxes for box in boxes]
    layers = layer_cells(all_boxes)
    clean = ocr_input(grey, ink, rules)
    boxes_px = [to_pixels(box, scale) for box in all_boxes]
    mosaic = build_mosaic(clean, boxes_px, layers)
    regions = words_by_region(place_words(mosaic, read_words(mosaic.image, dpi), scale), all_boxes, layers)
    reread_lone_values(clean, boxes_px, regions, dpi, scale)
    image = PageImage(rgb=rgb, ink=ink, paper=paper_colour(rgb, ink), scale=scale)
    h_edges = [e for e in edges if e["orientation"] == "h"]
    tables, start = [], 1
    for boxes in tables_boxes:
        tables.append(build_table(page_number, boxes, regions[start:start + len(boxes)], image, h_edges))
        start += len(boxes)
    return ExtractedPage(number=page_number, width=width, height=height, rotation=0,
                         lines=words_to_lines(regions[0]), tables=tables, has_text_layer=False)


def ocr_page(pdf_path: str | Path, page_number: int, width: float, height: float, dpi: int = OCR_DPI,
             rotation: int = 0) -> ExtractedPage:
    """OCR one page (1-based) of a PDF into the same record a born-digital page gives.

    `width`/`height` are the page size in points as pdfplumber reports it (rotation applied),
    so every box lands in the same frame as text-layer extraction would put it; `rotation` is
    only recorded. Raises NoText when Tesseract is not installed.
    """
    try:
        page = ocr_image(render_page(pdf_path, page_number, dpi), page_number, width, height, dpi)
    except pytesseract.TesseractNotFoundError:
        raise NoText("no text layer: image-only (scanned) page, and Tesseract (tesseract-ocr) "
                              "is not installed to read it") from None
    page.rotation = rotation
    return page


# ---------------------------------------------------------------- after normalising

def inside(point: tuple[float, float], box: BBox, slack: float = 0.0) -> bool:
    return box[0] - slack <= point[0] <= box[2] + slack and box[1] - slack <= point[1] <= box[3] + slack


def confidence_at(doc: ExtractedDocument, page: int, bbox: BBox | None) -> float | None:
    """The lowest OCR confidence of the text lines inside `bbox` on `page` (None for text-layer values).

    A field's box may be a whole cell or one task's band of a cell, so the lines inside the box
    are what was read for it; a box too small to hold a line's centre takes its cell's confidence.
    """
    if bbox is None or not 1 <= page <= len(doc.pages) or doc.pages[page - 1].has_text_layer:
        return None
    record = doc.pages[page - 1]
    cells = [c for t in record.tables for c in t.cells]
    lines = [ln for c in cells for ln in c.lines] + list(record.lines)
    found = [ln.confidence for ln in lines if ln.confidence is not None and inside(line_centre(ln), bbox, 1.0)]
    if not found:
        centre = ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
        found = [c.confidence for c in cells if c.confidence is not None and inside(centre, c.bbox)]
    return min(found, default=None)


def line_centre(line: TextLine) -> tuple[float, float]:
    return (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2


def flag_low_confidence(plan, doc: ExtractedDocument, threshold: float = REVIEW_CONFIDENCE):
    """Add `ocr-review:<field>` to the flags of each action whose field was OCR'd below `threshold`.

    Flags are stored with the action (actions.flags), so analysts can list what to check by eye
    instead of trusting a misread deadline or lead. Returns the same PlanDocument.
    """
    for action in plan.actions:
        for field, where in action.provenance.items():
            confidence = confidence_at(doc, where.page, where.bbox)
            mark = f"ocr-review:{field}"
            if confidence is not None and confidence < threshold and mark not in action.flags:
                action.flags.append(mark)
    return plan
