"""A council layout the extractor was not written for: other header words, a column with no
header that holds dates, and ratings shown only by fill colour."""

from __future__ import annotations

import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from extract import extract_document
from normalise import normalise_document

ROWS = [
    ("A1", "Open two new family hubs in the north of the borough", "Head of Early Help", "Sept 2024", colors.HexColor("#2E7D32")),
    ("A2", "Publish the revised SEND sufficiency strategy", "Assistant Director Education", "Q3 2024/25", colors.HexColor("#F9A825")),
    ("A3", "Reduce agency social worker use to below 15%", "Director of Children's Services", "Ongoing", colors.HexColor("#C62828")),
]


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("foreign") / "other-council-plan.pdf"
    data = [["Ref", "What we will do", "Owner", "", ""]] + [[r, t, o, d, ""] for r, t, o, d, _ in ROWS]
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]
    style += [("BACKGROUND", (4, i), (4, i), fill) for i, (*_, fill) in enumerate(ROWS, start=1)]
    table = Table(data, colWidths=[40, 330, 170, 90, 40])
    table.setStyle(TableStyle(style))
    SimpleDocTemplate(str(path), pagesize=landscape(A4), invariant=1,
                      title="Somewhere County Council Plan 2024/25").build([table])
    return normalise_document(extract_document(path))


def test_columns_without_headers_are_read_from_their_cells(plan):
    actions = [a for a in plan.actions if a.level.value == "action"]
    assert [(a.ref, a.text) for a in actions] == [(r, t) for r, t, *_ in ROWS]
    assert [a.deadline.raw for a in actions] == ["Sept 2024", "Q3 2024/25", "Ongoing"]
    assert [a.deadline.kind.value for a in actions] == ["month", "range", "ongoing"]
    assert [a.rag.value for a in actions] == ["Green", "Amber", "Red"]
    assert {a.rag_source for a in actions} == {"colour"}
    assert [[lead.raw for lead in a.leads] for a in actions] == [[o] for _, _, o, *_ in ROWS]
    assert actions[2].leads[0].role == "Director of Children's Services" and actions[2].leads[0].canonical
