"""Every table of a document into `tables` and `table_cells`, and each action and KPI linked to the
table it was read from (table_records).

A record's table is the one on its page whose box holds the centre of the box its text (or first
value) was read from: the normaliser keeps that box as provenance, so the link costs no second
reading. A record read from no table (a heading line above the tables) has no link.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from normalise.records import PlanDocument, Provenance

from .models import Action, MeasureRow, TableCellRow, TableRecord, TableRow

INSIDE = 1.0  # points: a provenance box's centre this close outside a table's box is still in it
PROVENANCE_ORDER = ("text", "ref", "deadline_raw", "leads_raw", "rag")  # the action's fields tried in turn


def table_index(plan: PlanDocument, where: Provenance | None) -> int | None:
    """Position in plan.tables of the table holding the box a value was read from."""
    if where is None or where.bbox is None:
        return None
    cx, cy = (where.bbox[0] + where.bbox[2]) / 2, (where.bbox[1] + where.bbox[3]) / 2
    for index, table in enumerate(plan.tables):
        x0, top, x1, bottom = table.bbox
        if table.page == where.page and x0 - INSIDE <= cx <= x1 + INSIDE and top - INSIDE <= cy <= bottom + INSIDE:
            return index
    return None


def read_as(plan: PlanDocument, actions: list[int | None], measures: list[int | None]) -> list[str | None]:
    """Per table: what the normaliser read from it (actions, kpis, both), generic, or None."""
    generic = {(g.page, tuple(g.bbox)) for g in plan.generic_tables if g.bbox is not None}
    out = []
    for index, table in enumerate(plan.tables):
        kinds = [kind for kind, found in (("actions", actions), ("kpis", measures)) if index in found]
        out.append("+".join(kinds) if kinds else "generic" if (table.page, tuple(table.bbox)) in generic else None)
    return out


def write_tables(conn: Connection, plan: PlanDocument, document_id: int) -> None:
    """The plan's tables and cells, and which of the document's actions and measures (already written)
    was read from which (table_records)."""
    if not plan.tables:
        return
    action_tables = [table_index(plan, next((r.provenance[f] for f in PROVENANCE_ORDER if f in r.provenance),
                                            next(iter(r.provenance.values()), None))) for r in plan.actions]
    measure_tables = [table_index(plan, next((v.provenance for v in m.values if v.provenance), None))
                      for m in plan.measures]
    kinds = read_as(plan, action_tables, measure_tables)
    conn.execute(insert(TableRow), [
        {"document_id": document_id, "seq": seq, "page": t.page, "x0": t.bbox[0], "top": t.bbox[1], "x1": t.bbox[2],
         "bottom": t.bbox[3], "reader": t.reader, "n_rows": t.n_rows, "n_cols": t.n_cols,
         "open_bottom": t.open_bottom, "read_as": kind}
        for seq, (t, kind) in enumerate(zip(plan.tables, kinds))])
    ids = dict(conn.execute(select(TableRow.seq, TableRow.id).where(TableRow.document_id == document_id)).all())
    cells = [{"table_id": ids[seq], "row": c.row, "col": c.col, "row_span": c.row_span, "col_span": c.col_span,
              "text": c.text, "x0": c.bbox[0], "top": c.bbox[1], "x1": c.bbox[2], "bottom": c.bbox[3],
              "fill": c.fill_hex, "confidence": c.confidence}
             for seq, t in enumerate(plan.tables) for c in sorted(t.cells, key=lambda c: (c.row, c.col))]
    if cells:
        conn.execute(insert(TableCellRow), cells)
    links = [{"table_id": ids[index], key: row_id}
             for model, key, found in ((Action, "action_id", action_tables), (MeasureRow, "measure_id", measure_tables))
             for seq, row_id in conn.execute(select(model.seq, model.id).where(model.document_id == document_id))
             if seq < len(found) and (index := found[seq]) is not None]
    if links:
        conn.execute(insert(TableRecord), [{"action_id": None, "measure_id": None, **link} for link in links])
