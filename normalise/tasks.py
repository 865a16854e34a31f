"""Several tasks stacked in one cell: one per top-level bullet, each with the deadline and lead
printed level with it in the cells beside."""

from __future__ import annotations

from extract.records import TextLine

from .text import SUB_BULLET_RE, split_items

ALIGN_TOLERANCE = 3.0  # points a deadline line may sit above the bullet it belongs to


def split_items_with_tops(lines: list[TextLine]) -> list[list[TextLine]]:
    """split_items over TextLines, keeping each line's box for vertical alignment."""
    grouped = split_items([ln.text for ln in lines])
    out, i = [], 0
    for group in grouped:
        out.append(lines[i:i + len(group)])
        i += len(group)
    return out


def split_sub_items_with_own_values(items: list[list[TextLine]], value_tops: list[float]) -> list[list[TextLine]]:
    """A bullet whose '–' sub-items each have a deadline printed level with them is several tasks."""
    out = []
    for lines in items:
        starts = [i for i, ln in enumerate(lines) if i and SUB_BULLET_RE.match(ln.text)]
        if not starts:
            out.append(lines)
            continue
        top, bottom = lines[0].bbox[1] - ALIGN_TOLERANCE, lines[-1].bbox[3]
        values = [t for t in value_tops if top <= t <= bottom]
        sub_tops = [lines[i].bbox[1] for i in starts]
        aligned = sum(any(abs(t - st) <= ALIGN_TOLERANCE for t in values) for st in sub_tops)
        if len(values) > 1 and aligned == len(values) - 1:
            bounds = [0, *starts, len(lines)]
            out += [lines[a:b] for a, b in zip(bounds, bounds[1:])]
        else:
            out.append(lines)
    return out


def item_bands(items: list[list[TextLine]], open_start: bool = True) -> list[tuple[float, float]]:
    """The band of height each item's values sit in: from just above its first line to just above
    the next item's (the first item's band is open upwards unless it continues a cut row)."""
    tops = [lines[0].bbox[1] for lines in items]
    bands = []
    for i in range(len(items)):
        low = tops[i] - ALIGN_TOLERANCE if i or not open_start else float("-inf")
        high = tops[i + 1] - ALIGN_TOLERANCE if i + 1 < len(tops) else float("inf")
        bands.append((low, high))
    return bands
