"""Cell boxes to a row/column grid: shared by the born-digital and the OCR table readers."""

from __future__ import annotations

GRID_TOLERANCE = 1.5  # points: cell edges closer than this are the same grid line


def grid_positions(values: list[float]) -> list[float]:
    """Snap nearly-equal edge coordinates into the distinct grid lines of a table."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > GRID_TOLERANCE:
            out.append(v)
    return out


def index_of(grid: list[float], value: float) -> int:
    """The grid line nearest to a coordinate."""
    return min(range(len(grid)), key=lambda i: abs(grid[i] - value))
