"""Columns from the gaps in the text: shared by the readers of tables without column rules.

Cell padding keeps a gutter at least a few points wide in every row of a table, while the
gaps between words inside a cell wander from line to line. So a column boundary is an x range
that no word covers in (nearly) any row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

BULLETS = frozenset({"•", "▪", "◦", "●", "■", "○", "·", "-", "–", "o", "\uf0b7", "\uf0a7"})


@dataclass(frozen=True)
class GutterSettings:
    min_gutter: float = 4.5  # points: wider than a word space at any body font size
    spanning_share: float = 0.15  # share of rows that may cross a gutter (banners) and still leave it one
    join_gap: float = 4.0  # points: words closer than this on one line belong to one cell
    bullet_reach: float = 20.0  # points: a bullet's text starts within this of the bullet
    step: float = 0.5  # points: resolution of the coverage histogram
    bullets: frozenset[str] = field(default=BULLETS)


GUTTERS = GutterSettings()


def centre_x(w: dict) -> float:
    return (w["x0"] + w["x1"]) / 2


def centre_y(w: dict) -> float:
    return (w["top"] + w["bottom"]) / 2


def phrases(words: list[dict], settings: GutterSettings = GUTTERS) -> int:
    """The most runs of words, set apart by gutter-wide gaps, on any one line of these words."""
    lines: dict[int, list[dict]] = defaultdict(list)
    for w in words:
        lines[round(w["top"])].append(w)
    most = 0
    for line in lines.values():
        line.sort(key=lambda w: w["x0"])
        most = max(most, 1 + sum(b["x0"] - a["x1"] >= settings.min_gutter for a, b in zip(line, line[1:])))
    return most


def has_columns(words: list[dict], settings: GutterSettings = GUTTERS) -> bool:
    """Some line of these words has a gap as wide as a gutter: more than one phrase side by side."""
    return phrases(words, settings) >= 2


def with_bullets_joined(words: list[dict], settings: GutterSettings = GUTTERS) -> list[dict]:
    """A bullet stands apart from its text by an indent as wide as a gutter: let it reach its text."""
    out = []
    for w in words:
        if w["text"] in settings.bullets:
            after = [v["x0"] for v in words if v["top"] < w["bottom"] and w["top"] < v["bottom"]
                     and w["x1"] < v["x0"] <= w["x1"] + settings.bullet_reach]
            if after:
                w = dict(w, x1=min(after) - 0.5)
        out.append(w)
    return out


def same_columns(a: list[float], b: list[float], settings: GutterSettings = GUTTERS) -> bool:
    return len(a) == len(b) and all(abs(p - q) <= 2 * settings.min_gutter for p, q in zip(a, b))


def gutters(x0: float, x1: float, rows: dict[int, list[dict]], settings: GutterSettings = GUTTERS) -> list[float]:
    """Column separators: the middles of x ranges that words cover in almost no row.

    rows: the words of each row, keyed by row order (the first key is the heading row). Rows of
    fewer phrases than most (a banner across the table with its rating beside it, a cell
    continued alone) do not vote: rows of three phrases or more do, if there are two."""
    runs = {k: phrases(band, settings) for k, band in rows.items()}
    voting = next(({k: rows[k] for k in runs if runs[k] >= least} for least in (3, 2)
                   if sum(n >= least for n in runs.values()) >= 2), rows)
    bands = {k: [(w["x0"], w["x1"]) for w in band] for k, band in voting.items()}
    allowed = int(settings.spanning_share * len(bands))
    step = settings.step
    bins = int((x1 - x0) / step) + 1
    coverage = coverage_of(bands.values(), x0, bins, step)
    everyone = coverage if len(voting) == len(rows) else \
        coverage_of([[(w["x0"], w["x1"]) for w in band] for band in rows.values()], x0, bins, step)
    separators, start = [], None
    for i, count in enumerate([*coverage, allowed + 1]):
        if count <= allowed and start is None:
            start = i
        elif count > allowed and start is not None:
            min_bins = int(settings.min_gutter / step)
            if start == 0 or i >= bins:  # the few entries of an edge column: no gutter beside the table
                runs = [(a, b) for a, b in clear_runs(coverage, start, i, min_bins, at_least=1) if a > 0 and b < bins]
            elif (i - start) >= min_bins:
                runs = clear_runs(everyone, start, i, min_bins)
                if not runs:
                    a, b = clearest_run(coverage, start, i)
                    runs = [clearest_run(everyone, a, b)]  # where the rows that did not vote leave room too
            else:
                runs = []
            separators += [x0 + (a + b) / 2 * step for a, b in runs]
            start = None
    return without_heading_only_columns(x0, x1, separators, bands)


def coverage_of(bands, x0: float, bins: int, step: float) -> list[int]:
    """Per bin of `step` points from x0, how many bands (each a list of word extents) cover it."""
    coverage = [0] * bins
    for spans in bands:
        covered = [False] * bins
        for a, b in spans:
            for i in range(max(0, int((a - x0) / step)), min(bins, int((b - x0) / step) + 1)):
                covered[i] = True
        for i, c in enumerate(covered):
            coverage[i] += c
    return coverage


def clear_runs(coverage: list[int], start: int, end: int, min_bins: int, at_least: int = 2) -> list[tuple[int, int]]:
    """The runs of the least-covered bins in coverage[start:end], each a gutter wide, when there are
    two or more: words standing between them in every row are a column of few entries (ratings or
    refs on some rows only) inside the gap between two full columns. Else none."""
    least = min(coverage[start:end])
    runs, run_start = [], None
    for k in range(start, end + 1):
        clear = k < end and coverage[k] == least
        if clear and run_start is None:
            run_start = k
        elif not clear and run_start is not None:
            if k - run_start >= min_bins:
                runs.append((run_start, k))
            run_start = None
    return runs if len(runs) >= at_least else []


def clearest_run(coverage: list[int], start: int, end: int) -> tuple[int, int]:
    """The widest run of the least-covered bins in coverage[start:end]. A gutter the spanning rows
    are allowed to cross is split where none of them does: a heading wider than its centred
    figures narrows the gap, and the boundary belongs in what is left."""
    least = min(coverage[start:end])
    best, run_start = (start, end), None
    widest = 0
    for k in range(start, end + 1):
        clear = k < end and coverage[k] == least
        if clear and run_start is None:
            run_start = k
        elif not clear and run_start is not None:
            if k - run_start > widest:
                best, widest = (run_start, k), k - run_start
            run_start = None
    return best


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


def joined_neighbours(words: list[dict], settings: GutterSettings = GUTTERS):
    """Pairs of words that read as one phrase: on one line, a word space apart, or one word across a gutter.

    A word straddling a separator is passed as a pair of zero-width pseudo words at its two ends,
    so the cells either side of it are joined."""
    by_line: dict[int, list[dict]] = defaultdict(list)
    for w in words:
        by_line[round(w["top"])].append(w)
    for line in by_line.values():
        line.sort(key=lambda w: w["x0"])
        for left, right in zip(line, line[1:]):
            if right["x0"] - left["x1"] < settings.join_gap:
                yield left, right
    for w in words:
        yield {"x1": w["x0"], "top": w["top"], "bottom": w["bottom"]}, {"x0": w["x1"], "top": w["top"], "bottom": w["bottom"]}
