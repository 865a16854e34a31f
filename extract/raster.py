"""Page images for OCR: render, straighten, and find the ruling lines a scanned table is drawn with.

Everything here works on numpy arrays in pixels; extract/ocr.py turns pixels into PDF points.
The ruling-line finder follows the usual lattice recipe (camelot's, OpenCV's): threshold the
ink, keep only long thin runs with a morphological opening, and read each run as one segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium

INK_STROKE_PT = 3.0  # points: wider than any stroke of a glyph or a rule (bold, blurred); a darker area wider than this is shading
INK_CONTRAST = 20  # 0..255: how much darker than its surroundings ink is
DARK_LEVEL = 150  # 0..255 on the lightest channel: darker areas may be solid banners holding light text
DARK_BLOCK_MIN_PT = 4.0  # points: a dark area at least this thick in both directions is a block, not a glyph
DARK_BLOCK_EDGE_PX = 3  # pixels either side of a block's outline painted white once it is inverted
DARK_BLOCK_MIN_SIDE_PT = 8.0  # points: a dark block is at least a line of text tall and wide (a blurred bold word is not)
DARK_BLOCK_FILLED = 0.5  # share of its box a dark block fills (a frame or a photo's outline fills less)
DARK_BLOCK_SIDE = 0.3  # share of a column (row) beside a block that is dark for the block to reach over it (light text fills the rest)
DARK_LEVELS = (100, DARK_LEVEL)  # 0..255: blocks darker than the first are found first, then those darker than the second
SKEW_LIMIT = 4.0  # degrees: the largest tilt looked for (the promise is ±3°; the margin keeps 3° off the edge of the search)
SKEW_STEP = 0.05  # degrees between trial angles of the projection-profile search
SKEW_WORK_WIDTH = 800  # pixels: the skew search runs on a copy this wide (cheap, still sharp)
MIN_SKEW = 0.02  # degrees: below this the page is left as it is
H_RULE_MIN_PT = 24.0  # points: shortest horizontal run read as a rule (longer than any word's strokes)
V_RULE_MIN_PT = 8.0  # points: shortest vertical run read as a rule (taller than body text glyphs)
MAX_RULE_THICKNESS_PT = 3.0  # points: thicker runs are filled blocks or bold glyphs, not rules
RULE_BRIDGE_PT = 0.5  # points: gaps this small in a rule (noise and JPEG break thin grey rules) are closed before reading it
RULE_CLEARANCE_PT = 1.5  # points: how far beside a rule there is paper (cell padding); a word blurred into a bar has glyphs there
MAX_CROWDED_SHARE = 0.4  # of a run's length that may have ink that close (text touching a rule, crossing rules); measured: rules <= 0.2, words >= 0.5
SIDEWAYS_MARGIN = 1.5  # a page runs sideways when its column profile is this much sharper than its row profile


@dataclass(frozen=True)
class Segment:
    """A ruling line in pixels: horizontal ones have y0 == y1 (centre row), vertical ones x0 == x1."""

    x0: float
    y0: float
    x1: float
    y1: float


def render_page(pdf_path, page_number: int, dpi: int) -> np.ndarray:
    """The page (1-based) as an RGB array at `dpi`, with its /Rotate applied as a viewer shows it."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[page_number - 1]
        image = np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB"))
        page.close()
    finally:
        pdf.close()
    return image


def lightness(rgb: np.ndarray) -> np.ndarray:
    """The brightest channel per pixel: black text stays dark while red, amber and green shading turn light.

    (Plain grey conversion makes a red cell as dark as its text, and thresholding then loses both.)
    """
    red, green, blue = cv2.split(rgb)
    return cv2.max(cv2.max(red, green), blue)


@dataclass(frozen=True)
class Block:
    """A solid dark area in pixels (a banner, a dark header row, a deeply shaded cell) and its median grey level."""

    x0: int
    y0: int
    x1: int
    y1: int
    level: int
    inverted: bool  # it held light text, and was turned dark-on-light for OCR


def dark_blocks(grey: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (x, y, w, h) of solid dark areas: dark ink that survives an opening wider than any
    glyph stroke, no smaller than a line of text and filled, not a frame. The darkest are found
    first, then the merely dark beside them, so a dark header row over a mid-grey rating cell is
    two blocks."""
    smooth = cv2.medianBlur(grey, 3)
    size = max(3, round(DARK_BLOCK_MIN_PT * dpi / 72))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    least = DARK_BLOCK_MIN_SIDE_PT * dpi / 72
    taken = np.zeros(grey.shape, dtype=bool)
    out = []
    for level in DARK_LEVELS:
        dark = np.where((smooth < level) & ~taken, 255, 0).astype(np.uint8)
        solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
        count, _, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=4)
        found = [grown(smooth < level, int(x), int(y), int(w), int(h)) for x, y, w, h, area in stats[1:count]
                 if area >= DARK_BLOCK_FILLED * w * h and min(w, h) >= least]
        for x, y, w, h in merged(found):
            out.append((x, y, w, h))
            taken[max(y - 2, 0):y + h + 2, max(x - 2, 0):x + w + 2] = True
    return out


def grown(dark: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    """A block's box grown back to the band's true sides: the opening that finds blocks eats into them
    where light text runs close to an edge. A side moves out while the next column (row) is mostly dark."""
    x0, y0, x1, y1 = x, y, x + w, y + h
    height, width = dark.shape
    while x0 > 0 and dark[y0:y1, x0 - 1].mean() >= DARK_BLOCK_SIDE:
        x0 -= 1
    while x1 < width and dark[y0:y1, x1].mean() >= DARK_BLOCK_SIDE:
        x1 += 1
    while y0 > 0 and dark[y0 - 1, x0:x1].mean() >= DARK_BLOCK_SIDE:
        y0 -= 1
    while y1 < height and dark[y1, x0:x1].mean() >= DARK_BLOCK_SIDE:
        y1 += 1
    return x0, y0, x1 - x0, y1 - y0


def merged(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) that overlap or touch, joined: one band found in pieces is one block."""
    out = [list(b) for b in boxes]
    changed = True
    while changed:
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                if a[0] <= b[0] + b[2] + 1 and b[0] <= a[0] + a[2] + 1 and a[1] <= b[1] + b[3] + 1 and b[1] <= a[1] + a[3] + 1:
                    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
                    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
                    out[i] = [x0, y0, x1 - x0, y1 - y0]
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return [tuple(b) for b in out]


def invert_dark_blocks(grey: np.ndarray, dpi: float) -> tuple[np.ndarray, list[Block]]:
    """The page with solid dark boxes holding light text (banners, dark header rows) turned dark-on-light,
    and every dark block found.

    White text on a dark band would otherwise reach OCR as the outlines of its letters. A block
    holding dark text (a mid-grey rating cell with its word) is left as it is: inverting it
    would erase the word.
    """
    out = grey.copy()
    blocks = []
    for x, y, w, h in dark_blocks(grey, dpi):
        patch = grey[y:y + h, x:x + w]
        level = int(np.median(patch))
        e = DARK_BLOCK_EDGE_PX + 2  # its blurred outline against the paper is neither text nor block
        inner = patch[e:-e, e:-e] if min(w, h) > 4 * e else patch
        lighter = int((inner > level + INK_CONTRAST * 2).sum())
        darker = int((inner < level - INK_CONTRAST * 2).sum())
        inverted = lighter >= darker
        if inverted:
            flipped = 255 - patch.astype(np.float32)
            background = max(255.0 - level, 1.0)  # the band's own colour becomes paper white
            out[y:y + h, x:x + w] = np.clip(flipped * (255 / background), 0, 255).astype(np.uint8)
            edge = DARK_BLOCK_EDGE_PX  # the band's blurred outline would read as a frame of rules
            cv2.rectangle(out, (x - 1, y - 1), (x + w, y + h), 255, thickness=2 * edge)
        blocks.append(Block(x, y, x + w, y + h, level, inverted))
    return out, blocks


def ink_mask(grey: np.ndarray, dpi: float = 150) -> np.ndarray:
    """255 where a pixel is clearly darker than its surroundings: strokes of glyphs and rules, on paper
    or on any shading.

    The surroundings are the page closed with a square wider than any stroke (a black top-hat), so
    the edge of a shaded cell, a step from grey to white, is not ink (a local-mean threshold marks
    a dark frame along it, which Tesseract takes for a picture and skips the text beside it). A
    median blur first, so scanner grain does not count as ink.
    """
    smooth = cv2.medianBlur(grey, 3)
    size = max(3, round(INK_STROKE_PT * dpi / 72)) | 1
    background = cv2.morphologyEx(smooth, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    return np.where(cv2.subtract(background, smooth) > INK_CONTRAST, 255, 0).astype(np.uint8)


def line_ink(grey: np.ndarray, dpi: float = 150) -> np.ndarray:
    """Ink for finding rules: as ink_mask but without the median blur, which erases a one-pixel rule
    wherever a slight tilt leaves it one pixel thick (grain seldom forms a run as long as a rule;
    under heavy grain the blurred mask, joined to this one, still holds the thicker rules)."""
    size = max(3, round(INK_STROKE_PT * dpi / 72)) | 1
    background = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    return np.where(cv2.subtract(background, grey) > INK_CONTRAST, 255, 0).astype(np.uint8)


def level_angle(ink: np.ndarray, steps: tuple[float, ...] = (0.5, 0.1, SKEW_STEP)) -> tuple[float, float]:
    """The tilt in degrees (counter-clockwise positive, as cv2 rotates) that makes rows of ink level,
    and how sharp the rows are then (comparable between a page and its transpose).

    Projection-profile search, coarse to fine (each step searched either side of the last best):
    at the right angle, text lines and rules fall into few rows, so the row sums vary the most.
    Works for prose pages as well as ruled tables.
    """
    scale = min(1.0, SKEW_WORK_WIDTH / max(ink.shape))
    small = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    height, width = small.shape
    centre = (width / 2, height / 2)
    total = max(float(small.sum(dtype=np.float64)), 1.0)

    def sharpness(angle: float) -> float:
        turned = cv2.warpAffine(small, cv2.getRotationMatrix2D(centre, angle, 1.0), (width, height))
        rows = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum()) * height / total ** 2

    best, reach = 0.0, SKEW_LIMIT
    for step in steps:
        trials = np.arange(best - reach, best + reach + 1e-9, step)
        best = float(max(trials, key=sharpness))
        reach = step
    return best, sharpness(best)


def estimate_skew(ink: np.ndarray) -> float:
    """The tilt in degrees (counter-clockwise positive) that makes rows of ink level."""
    return level_angle(ink)[0]


def level_and_sideways(ink: np.ndarray) -> tuple[float, bool]:
    """The skew angle, and whether the lines of text run top to bottom (a page scanned turned by 90°).

    Lines of text pile ink into rows separated by white leading; the columns of a page have no
    such rhythm (words start and end anywhere), so whichever direction gives the sharper
    profile at its best coarse angle is the direction of the lines; only that one is refined."""
    _, across = level_angle(ink, steps=(0.5,))
    turned = np.ascontiguousarray(ink.T)
    _, down = level_angle(turned, steps=(0.5,))
    if down > SIDEWAYS_MARGIN * across:
        return -level_angle(turned)[0], True
    return level_angle(ink)[0], False


def quarter_turn(image: np.ndarray, clockwise_degrees: int) -> np.ndarray:
    """The image turned by a multiple of 90 degrees clockwise."""
    return np.ascontiguousarray(np.rot90(image, k=-(clockwise_degrees // 90) % 4))


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """Turn about the centre by `angle` degrees (counter-clockwise), filling corners with white."""
    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    fill = (255, 255, 255) if image.ndim == 3 else 255
    return cv2.warpAffine(image, turn, (width, height), flags=cv2.INTER_LINEAR, borderValue=fill)


def straighten(image: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """The page with its lines of text level: turned a quarter when they ran top to bottom, then deskewed.

    Returns the image, the skew angle it was turned by and whether it was turned a quarter
    (clockwise; a page that was turned the other way is now upside down, for the caller to see)."""
    grey = lightness(image) if image.ndim == 3 else image
    angle, sideways = level_and_sideways(ink_mask(grey))
    if sideways:
        image = quarter_turn(image, 90)
    if abs(angle) >= MIN_SKEW:
        image = rotate(image, angle)
    else:
        angle = 0.0
    return image, angle, sideways


def deskew(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The page turned level, and the angle it was turned by."""
    angle = estimate_skew(ink_mask(lightness(rgb)))
    if abs(angle) < MIN_SKEW:
        return rgb, 0.0
    return rotate(rgb, angle), angle


def rule_mask(ink: np.ndarray, orientation: str, min_length_px: int, bridge_px: int) -> np.ndarray:
    """Only the ink that lies on straight runs at least `min_length_px` long in one direction."""
    if orientation == "h":
        bridge, keep = (max(bridge_px, 1), 1), (max(min_length_px, 1), 1)
    else:
        bridge, keep = (1, max(bridge_px, 1)), (1, max(min_length_px, 1))
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, bridge))
    return cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, keep))


def crowded_share(ink: np.ndarray, x: int, y: int, w: int, h: int, orientation: str, clearance_px: int) -> float:
    """Share of a run's length with ink just beside it (above or below a horizontal run, left or right of a
    vertical one), a pixel's gap away: a rule has paper there, a word merged into a bar by blur has its glyphs."""
    if orientation == "v":
        return crowded_share(np.ascontiguousarray(ink.T), y, x, h, w, "h", clearance_px)
    above = ink[max(y - 1 - clearance_px, 0):max(y - 1, 0), x:x + w]
    below = ink[y + h + 1:y + h + 1 + clearance_px, x:x + w]
    if not above.size or not below.size:
        return 0.0  # at the image's edge: nothing beside it to judge by
    return float((above.any(axis=0) | below.any(axis=0)).mean())


def mask_segments(mask: np.ndarray, orientation: str, max_thickness_px: float, ink: np.ndarray | None = None,
                  clearance_px: int = 0) -> tuple[list[Segment], np.ndarray, list[int]]:
    """Each connected run of a rule mask as one segment through its centre, with the label image and the run's label.

    With `ink`, a run with ink beside it along more than MAX_CROWDED_SHARE of its length is text, not a rule."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    segments, kept = [], []
    for label in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[label])
        across = h if orientation == "h" else w  # the run's extent across its direction
        if across > max_thickness_px:
            # a rule with the baseline of the text resting on it joined to it: its rows (or columns)
            # that run at least half its length are the rule; the rest is the text's
            mine = labels[y:y + h, x:x + w] == label
            profile = mine.sum(axis=1 if orientation == "h" else 0)
            main = np.flatnonzero(profile >= profile.max() / 2)
            if main[-1] - main[0] + 1 > max_thickness_px:
                continue
            centre = float(main[0] + main[-1] + 1) / 2
        else:
            centre = across / 2
        if ink is not None and crowded_share(ink, x, y, w, h, orientation, clearance_px) > MAX_CROWDED_SHARE:
            continue
        if orientation == "h":
            segments.append(Segment(float(x), y + centre, float(x + w), y + centre))
        else:
            segments.append(Segment(x + centre, float(y), x + centre, float(y + h)))
        kept.append(label)
    return segments, labels, kept


def crosses(vertical: Segment, horizontals: list[Segment], slack: float) -> bool:
    """True when a vertical segment meets some horizontal one (within `slack` pixels)."""
    return any(h.x0 - slack <= vertical.x0 <= h.x1 + slack and vertical.y0 - slack <= h.y0 <= vertical.y1 + slack
               for h in horizontals)


def find_rules(ink: np.ndarray, dpi: float, blocks: list[Block] = (), lines: np.ndarray | None = None
               ) -> tuple[list[Segment], list[Segment], np.ndarray]:
    """Horizontal and vertical ruling segments, and a mask of their pixels (to erase before OCR).

    A vertical run that meets no horizontal rule nor the top or bottom of a dark block (a
    separator between the cells of a dark header row) is the stem of a large letter, not a
    table line: it is neither returned nor erased.
    """
    px = dpi / 72
    bridge = round(RULE_BRIDGE_PT * px)
    thickness = MAX_RULE_THICKNESS_PT * px
    clearance = max(2, round(RULE_CLEARANCE_PT * px))
    lines = ink if lines is None else lines  # the runs are looked for here (line_ink), their neighbours in ink
    h_mask = rule_mask(lines, "h", round(H_RULE_MIN_PT * px), bridge)
    horizontal, h_labels, h_kept = mask_segments(h_mask, "h", thickness, ink, clearance)
    v_segments, v_labels, v_kept = mask_segments(rule_mask(lines, "v", round(V_RULE_MIN_PT * px), bridge), "v", thickness,
                                                 ink, clearance)
    slack = thickness + bridge + DARK_BLOCK_EDGE_PX  # a block's outline is painted white that far
    borders = [Segment(float(b.x0), float(y), float(b.x1), float(y)) for b in blocks for y in (b.y0, b.y1)]
    meeting = [(seg, label) for seg, label in zip(v_segments, v_kept) if crosses(seg, horizontal + borders, slack)]
    kept = np.isin(h_labels, h_kept) | np.isin(v_labels, [label for _, label in meeting])
    rules = np.where(kept, 255, 0).astype(np.uint8)
    touching = DARK_BLOCK_EDGE_PX + 2  # a rule ending this close to a band runs into it (its end was painted over)
    return horizontal, [through_blocks(seg, blocks, ink, touching) for seg, _ in meeting], rules


def through_blocks(vertical: Segment, blocks: list[Block], ink: np.ndarray, slack: float) -> Segment:
    """A column rule that stops at the edge of a dark band carried on across it when no text in the band
    crosses its line: a header row whose cell borders are the band's own colour, not a banner whose
    title runs over the columns."""
    y0, y1 = vertical.y0, vertical.y1
    x = int(round(vertical.x0))
    for b in blocks:
        if not b.x0 + slack < vertical.x0 < b.x1 - slack:
            continue
        inside = ink[b.y0 + DARK_BLOCK_EDGE_PX:b.y1 - DARK_BLOCK_EDGE_PX, max(x - 1, 0):x + 2]
        if inside.size and inside.any():
            continue  # the band's text runs across the line
        if abs(y0 - b.y1) <= slack:
            y0 = min(y0, b.y0)
        if abs(y1 - b.y0) <= slack:
            y1 = max(y1, b.y1)
    return Segment(vertical.x0, y0, vertical.x1, y1)
