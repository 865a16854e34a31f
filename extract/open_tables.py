"""Tables ruled between rows only: no column rules, so the columns come from gaps in the text.

Many plans use a "plain" table style: a rule above and below the header and under each row,
nothing between columns. pdfplumber's ruling-line finder sees no cells there. Here the rows
come from the horizontal rules, and the columns from the gutters: x ranges that no word
covers in (nearly) any row. Cell padding keeps a gutter at least a few points wide in every
row, while the gaps between words inside a cell wander from line to line. A row whose text
runs across a gutter (a priority banner spanning the table) becomes one cell spanning the
columns it crosses, and a rule that stops short marks a row boundary only for the columns it
covers (a cell spanning rows in the first column).
"""

from __future__ import annotations

from collections import defaultdict

from .grid import GRID_TOLERANCE, grid_positions
from .records import BBox

MIN_RULES = 3  # a rule above the header, one under it, one under the first row
RULE_MIN_SHARE = 0.3  # of the page width: shorter strokes are underlines, fills, ticks
SAME_EDGE = 3.0  # points: rules of one table start and end within this of each other
SAME_Y = GRID_TOLERANCE  # points: strokes this close in height are one boundary
MIN_GUTTER = 4.5  # points: wider than a word space at any body font size
SPANNING_SHARE = 0.15  # rows that may cross a gutter (banners) and still leave it a gutter
JOIN_GAP = 4.0  # points: words closer than this on one line belong to one cell
COVERS = 0.8  # share of a column's width a rule must cover to bound a row in that column
MIN_GAP = 4.0  # points: an empty band narrower than this is a double rule, not a gap
HAIRLINE = 2.0  # points: a filled rectangle this thin is a drawn rule
MIN_RULE_HEIGHT = 10.0  # points: shorter vertical strokes are glyph parts or ticks
BULLET_REACH = 20.0  # points: a bullet's text starts within this of the bullet
BULLETS = {"•", "▪", "◦", "●", "■", "○", "·", "-", "–", "o", "\uf0b7", "\uf0a7"}


def open_table_boxes(page_width: float, h_edges: list[dict], words: list[dict],
                     ruled: list[BBox]) -> list[list[BBox]]:
    """Cell boxes of every row-ruled table on the page that the ruling-line finder did not find."""
    out = []
    taken: list[BBox] = []
    widest_first = sorted(rule_blocks(page_width, h_edges, ruled), key=lambda b: (b[0] - b[1], -len(b[2])))
    for x0, x1, block in widest_first:
        runs = [part for run in split_at_empty_bands(x0, x1, block, words) for part in split_at_headings(x0, x1, run, words)]
        for ys in runs:
            if any(b[0] < x1 and x0 < b[2] and b[1] < ys[-1] and ys[0] < b[3] for b in taken):
                continue  # rules stopping short of a table's edge (a cell spanning rows) are part of that table
            boxes = table_cells(x0, x1, ys, h_edges, words)
            if boxes:
                out.append(boxes)
                taken.append((x0, min(b[1] for b in boxes), x1, max(b[3] for b in boxes)))
    return out


def table_cells(x0: float, x1: float, ys: list[float], h_edges: list[dict], words: list[dict]) -> list[BBox]:
    """The cells between one run of rules, or none when the run does not read as a table."""
    while len(ys) >= MIN_RULES and not starts_with_a_header(x0, x1, ys, words):
        ys = ys[1:]  # a running-header rule or a banner above the table: not rows of it
    if len(ys) < MIN_RULES:
        return []
    inside = block_words(x0, x1, ys, words)
    separators = gutters(x0, x1, ys, inside)
    body_columns = {sum(centre_x(w) > s for s in separators) for w in inside if centre_y(w) > ys[1]}
    if not separators or len(body_columns) < 2:
        return []  # headings over nothing, or over one column of text: not a table to read
    edges = [e for e in h_edges if e["x1"] > x0 and e["x0"] < x1 and ys[0] - SAME_Y <= e["top"] <= ys[-1] + SAME_Y]
    return cell_boxes(list(zip([x0, *separators], [*separators, x1])), edges, inside)


def split_at_empty_bands(x0: float, x1: float, ys: list[float], words: list[dict]) -> list[list[float]]:
    """Runs of rules with text between every two: a band with no text is the gap between two tables."""
    runs = [[ys[0]]]
    for top, bottom in zip(ys, ys[1:]):
        empty = bottom - top >= MIN_GAP and not any(
            x0 <= centre_x(w) <= x1 and top <= centre_y(w) <= bottom for w in words)
        if empty:
            runs.append([bottom])
        else:
            runs[-1].append(bottom)
    return runs


def split_at_headings(x0: float, x1: float, ys: list[float], words: list[dict]) -> list[list[float]]:
    """Two tables stacked under one set of rule ends, a heading between them: split at a band of
    one phrase when the rules above it frame a table (a heading and a row) whose columns differ
    from those below."""
    for k in range(MIN_RULES - 1, len(ys) - MIN_RULES):
        band = ys[k:k + 2]
        if not block_words(x0, x1, band, words) or starts_with_a_header(x0, x1, band, words) \
                or not starts_with_a_header(x0, x1, ys[k - 1:k + 1], words):
            continue  # not one phrase, or one right under another (a heading, then an area banner)
        above, below = ys[:k + 1], ys[k + 1:]
        rows_above = sum(has_columns(block_words(x0, x1, [top, bottom], words)) for top, bottom in zip(above, above[1:]))
        if rows_above >= 2 and not same_columns(gutters(x0, x1, above, block_words(x0, x1, above, words)),
                            gutters(x0, x1, below, block_words(x0, x1, below, words))):
            return [above, *split_at_headings(x0, x1, below, words)]
    return [ys]


def same_columns(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(p - q) <= 2 * MIN_GUTTER for p, q in zip(a, b))


def block_words(x0: float, x1: float, ys: list[float], words: list[dict]) -> list[dict]:
    return with_bullets_joined([w for w in words if x0 <= centre_x(w) <= x1 and ys[0] <= centre_y(w) <= ys[-1]])


def starts_with_a_header(x0: float, x1: float, ys: list[float], words: list[dict]) -> bool:
    """The first band between rules reads as column headings: text set apart by gutters on some line.
    An empty band, or a title or banner running as one phrase, is above the table, not in it."""
    return has_columns(block_words(x0, x1, ys[:2], words))


def has_columns(words: list[dict]) -> bool:
    """Some line of these words has a gap as wide as a gutter: more than one phrase side by side."""
    return phrases(words) >= 2


def phrases(words: list[dict]) -> int:
    """The most runs of words, set apart by gutter-wide gaps, on any one line of these words."""
    lines: dict[int, list[dict]] = defaultdict(list)
    for w in words:
        lines[round(w["top"])].append(w)
    most = 0
    for line in lines.values():
        line.sort(key=lambda w: w["x0"])
        most = max(most, 1 + sum(b["x0"] - a["x1"] >= MIN_GUTTER for a, b in zip(line, line[1:])))
    return most


def with_bullets_joined(words: list[dict]) -> list[dict]:
    """A bullet stands apart from its text by an indent as wide as a gutter: let it reach its text."""
    out = []
    for w in words:
        if w["text"] in BULLETS:
            after = [v["x0"] for v in words if v["top"] < w["bottom"] and w["top"] < v["bottom"]
                     and w["x1"] < v["x0"] <= w["x1"] + BULLET_REACH]
            if after:
                w = dict(w, x1=min(after) - 0.5)
        out.append(w)
    return out


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


def lacks_column_rules(bbox: BBox, n_cols: int, verticals: list[tuple[float, float, float]],
                       h_edges: list[dict], words: list[dict]) -> bool:
    """True when the ruling-line finder took the sides of a few shaded cells (RAG fills) for column
    rules: no rule is drawn between the table's columns, and the gutters in its text show more
    columns than it has. A grid drawn by shading alone (banded cells, no strokes) keeps its table."""
    x0, top, x1, bottom = bbox
    if any(x0 + SAME_EDGE < x < x1 - SAME_EDGE and min(b, bottom) - max(t, top) > MIN_RULE_HEIGHT
           for x, t, b in verticals):
        return False
    ys = grid_positions([e["top"] for e in h_edges if e["x0"] <= x0 + SAME_EDGE and e["x1"] >= x1 - SAME_EDGE
                   and top - SAME_Y <= e["top"] <= bottom + SAME_Y])
    return len(ys) >= 2 and len(gutters(x0, x1, ys, block_words(x0, x1, ys, words))) + 1 > n_cols


def centre_x(w: dict) -> float:
    return (w["x0"] + w["x1"]) / 2


def centre_y(w: dict) -> float:
    return (w["top"] + w["bottom"]) / 2


def rule_blocks(page_width: float, h_edges: list[dict], ruled: list[BBox]) -> list[tuple[float, float, list[float]]]:
    """(x0, x1, rule heights) of each run of long rules sharing both ends, outside the ruled tables."""
    long_rules = [e for e in h_edges if e["x1"] - e["x0"] >= RULE_MIN_SHARE * page_width
                  and not any(b[0] - SAME_EDGE <= e["x0"] and e["x1"] <= b[2] + SAME_EDGE
                              and b[1] - SAME_Y <= e["top"] <= b[3] + SAME_Y for b in ruled)]
    groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for e in long_rules:
        groups[(round(e["x0"] / SAME_EDGE), round(e["x1"] / SAME_EDGE))].append(e)
    blocks = []
    for rules in groups.values():
        x0, x1 = min(e["x0"] for e in rules), max(e["x1"] for e in rules)
        ys = grid_positions([e["top"] for e in rules])
        for run in split_at_ruled_tables(ys, x0, x1, ruled):
            if len(run) >= MIN_RULES:
                blocks.append((x0, x1, run))
    return blocks


def split_at_ruled_tables(ys: list[float], x0: float, x1: float, ruled: list[BBox]) -> list[list[float]]:
    """Rules with a ruled table between them belong to different blocks."""
    runs: list[list[float]] = [[]]
    for y in ys:
        if runs[-1] and any(b[0] < x1 and b[2] > x0 and runs[-1][-1] <= b[1] and b[3] <= y for b in ruled):
            runs.append([])
        runs[-1].append(y)
    return runs


def gutters(x0: float, x1: float, ys: list[float], words: list[dict]) -> list[float]:
    """Column separators: the middles of x ranges that words cover in almost no row.

    Rows of fewer phrases than most (a banner across the table with its rating beside it, a
    cell continued alone) do not vote: rows of three phrases or more do, if there are two."""
    by_band: dict[int, list[dict]] = defaultdict(list)
    for w in words:
        by_band[sum(1 for y in ys if y <= centre_y(w))].append(w)
    runs = {k: phrases(band) for k, band in by_band.items()}
    voting = next(({k: by_band[k] for k in runs if runs[k] >= least} for least in (3, 2)
                   if sum(n >= least for n in runs.values()) >= 2), by_band)
    bands = {k: [(w["x0"], w["x1"]) for w in band] for k, band in voting.items()}
    allowed = int(SPANNING_SHARE * len(bands))
    step = 0.5
    bins = int((x1 - x0) / step) + 1
    coverage = [0] * bins
    for spans in bands.values():
        covered = [False] * bins
        for a, b in spans:
            for i in range(max(0, int((a - x0) / step)), min(bins, int((b - x0) / step) + 1)):
                covered[i] = True
        for i, c in enumerate(covered):
            coverage[i] += c
    separators, start = [], None
    for i, count in enumerate([*coverage, allowed + 1]):
        if count <= allowed and start is None:
            start = i
        elif count > allowed and start is not None:
            if start > 0 and i < bins and (i - start) * step >= MIN_GUTTER:
                separators.append(x0 + (start + i) / 2 * step)
            start = None
    return without_heading_only_columns(x0, x1, separators, bands)


def without_heading_only_columns(x0: float, x1: float, separators: list[float],
                                 bands: dict[int, list[tuple[float, float]]]) -> list[float]:
    """Drop a separator between a column with text in the heading row only and a neighbour with
    text everywhere but there: a heading centred over short left-aligned entries leaves a gap
    between them that is no column boundary."""
    first = min(bands, default=0)

    def has_text(a: float, b: float, band: int) -> bool:
        return any(a < (s + e) / 2 < b for s, e in bands.get(band, []))

    k = 0
    while k < len(separators):
        edges = [x0, *separators, x1]
        left, right = (edges[k], edges[k + 1]), (edges[k + 1], edges[k + 2])
        heading = [has_text(*left, first), has_text(*right, first)]
        body = [any(has_text(*side, band) for band in bands if band != first) for side in (left, right)]
        if heading in ([True, False], [False, True]) and body == [not heading[0], not heading[1]]:
            separators = separators[:k] + separators[k + 1:]
        else:
            k += 1
    return separators


def cell_boxes(columns: list[tuple[float, float]], edges: list[dict], words: list[dict]) -> list[BBox]:
    """Per column, a cell between each pair of rules covering it; cells a line of text runs across are joined."""
    segments = []  # (column, top, bottom)
    for c, (a, b) in enumerate(columns):
        ys = grid_positions([e["top"] for e in edges if min(e["x1"], b) - max(e["x0"], a) >= COVERS * (b - a)])
        segments += [(c, top, bottom) for top, bottom in zip(ys, ys[1:])]
    parent = {s: s for s in segments}

    def find(s):
        while parent[s] != s:
            s = parent[s]
        return s

    def segment_of(x: float, y: float):
        col = next((c for c, (a, b) in enumerate(columns) if a <= x <= b), None)
        return next((s for s in segments if s[0] == col and s[1] <= y <= s[2]), None)

    for left, right in joined_neighbours(words):
        s, t = segment_of(left["x1"], centre_y(left)), segment_of(right["x0"], centre_y(right))
        if s and t and s != t and (s[1], s[2]) == (t[1], t[2]):
            parent[find(t)] = find(s)
    merged: dict = defaultdict(list)
    for s in segments:
        merged[find(s)].append(s)
    return [(columns[min(s[0] for s in group)][0], group[0][1], columns[max(s[0] for s in group)][1], group[0][2])
            for group in merged.values()]


def joined_neighbours(words: list[dict]):
    """Pairs of words that read as one phrase: on one line, a word space apart, or one word across a gutter."""
    by_line: dict[int, list[dict]] = defaultdict(list)
    for w in words:
        by_line[round(w["top"])].append(w)
    for line in by_line.values():
        line.sort(key=lambda w: w["x0"])
        for left, right in zip(line, line[1:]):
            if right["x0"] - left["x1"] < JOIN_GAP:
                yield left, right
    for w in words:  # a word straddling a separator joins the cells either side of it
        yield {"x1": w["x0"], "top": w["top"], "bottom": w["bottom"]}, {"x0": w["x1"], "top": w["top"], "bottom": w["bottom"]}
