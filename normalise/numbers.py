"""Numbers printed in KPI cells: '86.12%', '>800', '2,390', '£1.2m', '-4'."""

from __future__ import annotations

import re

NUMBER_RE = re.compile(r"^[<>≥≤~]?\s*[-−]?\s*[£$€]?\s*(\d[\d,]*(?:\.\d+)?)\s*(%|k|m|bn)?\s*$", re.I)


def parse_number(raw: str) -> float | None:
    """'86.12%' -> 86.12, '>800' -> 800, '2,390' -> 2390; words and ranges -> None."""
    m = NUMBER_RE.match(raw.strip())
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    return -value if re.match(r"^\s*[<>≥≤~]?\s*[-−]", raw) else value
