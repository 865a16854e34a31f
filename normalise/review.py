"""Review flags: values a person should check by eye before trusting them.

Set while the records are built, from what extraction kept with every line of text (its OCR
confidence), so load/ and the review view only read them. A field's provenance box is its own
band of a cell (one task of several in a cell), so one weak line flags the task it belongs to.
"""

from __future__ import annotations

from extract.records import BBox, ExtractedDocument, TextLine

from .records import PlanDocument

REVIEW_CONFIDENCE = 0.6  # a value read with less than this (0..1) is flagged for a person to check
LINE_SLACK = 1.0  # points: a line's centre may sit this far outside a field's box (rounding of boxes)


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
    found = [ln.confidence for ln in lines if ln.confidence is not None and inside(line_centre(ln), bbox, LINE_SLACK)]
    if not found:
        centre = ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
        found = [c.confidence for c in cells if c.confidence is not None and inside(centre, c.bbox)]
    return min(found, default=None)


def line_centre(line: TextLine) -> tuple[float, float]:
    return (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2


def flag_low_confidence(plan: PlanDocument, doc: ExtractedDocument, threshold: float = REVIEW_CONFIDENCE) -> PlanDocument:
    """Add `ocr-review:<field>` to the flags of each action whose field was OCR'd below `threshold`.

    Flags are stored with the action (actions.flags), so analysts can list what to check by eye
    instead of trusting a misread deadline or lead. Returns the same PlanDocument.
    """
    for action in plan.actions:
        for field_name, where in action.provenance.items():
            confidence = confidence_at(doc, where.page, where.bbox)
            mark = f"ocr-review:{field_name}"
            if confidence is not None and confidence < threshold and mark not in action.flags:
                action.flags.append(mark)
    return plan
