"""What the review view shows, from the database: boxes on a page, flagged values, the fix for each.

Plain SQL over the tables and views (SQLite, as Datasette serves it) and small pure functions
over the rows, so the page and the tests read the same thing.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

# provenance.field -> (the column of v_actions or actions whose value was read there, the field
# `councilplans correct --field` takes for it, or None when that value cannot be corrected)
ACTION_FIELDS = {
    "text": ("text", "text"),
    "deadline": ("deadline_raw", "deadline_raw"),
    "leads": ("leads_raw", "leads_raw"),
    "rag": ("rag", "rag"),
    "progress": ("progress", "progress"),
    "next_steps": ("next_steps", "next_steps"),
    "agency": ("agency", None),
    "detail": ("detail", None),
    "measure_of_success": ("measure_of_success", None),
}
# colours by field (actions) and by kind of value (KPI cells); colour-blind-safe where it matters
COLOURS = {
    "text": "#1f77b4", "deadline": "#ff7f0e", "leads": "#9467bd", "rag": "#e377c2", "progress": "#2ca02c",
    "next_steps": "#17becf", "agency": "#8c564b", "detail": "#bcbd22", "measure_of_success": "#7f7f7f",
    "kpi-baseline": "#393b79", "kpi-target": "#637939", "kpi-outturn": "#b5651d", "kpi-benchmark": "#843c39",
    "kpi-other": "#7b4173",
}
OTHER_COLOUR = "#555555"

DOCUMENTS = """
SELECT d.id, d.sha256, d.file_name, d.title, d.council, d.doc_type, d.plan_period, d.page_count, d.layout,
       (SELECT COUNT(*) FROM actions a WHERE a.document_id = d.id) AS actions,
       (SELECT COUNT(*) FROM measure_values mv JOIN measures m ON m.id = mv.measure_id WHERE m.document_id = d.id)
         AS kpi_values
FROM documents d ORDER BY d.period_start, d.file_name
"""

DOCUMENT = "SELECT * FROM documents WHERE sha256 = :sha"
DOCUMENT_PATHS = "SELECT path FROM document_files WHERE document_id = :id ORDER BY id"

ACTION_BOXES = """
SELECT p.action_id, p.field, p.page, p.x0, p.top, p.x1, p.bottom, a.seq, a.ref, a.level,
       v.text, v.deadline_raw, v.leads_raw, COALESCE(a.status_raw, v.rag) AS rag, v.progress, v.next_steps,
       a.agency, a.detail, a.measure_of_success
FROM provenance p JOIN actions a ON a.id = p.action_id JOIN v_actions v ON v.action_id = a.id
WHERE a.document_id = :id AND p.x0 IS NOT NULL {page}
ORDER BY p.page, a.seq, p.field
"""

KPI_BOXES = """
SELECT mv.id AS value_id, m.id AS measure_id, m.ref, m.name, mv.column_label, mv.value_raw, mv.value_kind,
       COALESCE(mv.page, m.page) AS page, mv.x0, mv.top, mv.x1, mv.bottom
FROM measure_values mv JOIN measures m ON m.id = mv.measure_id
WHERE m.document_id = :id AND mv.x0 IS NOT NULL {page}
ORDER BY COALESCE(mv.page, m.page), m.seq, mv.id
"""

FLAGGED = """
SELECT a.id AS action_id, a.seq, a.ref, a.level, a.page, a.flags, a.rag_conflict, a.deadline_raw, a.deadline_kind,
       v.text, v.rag, v.deadline_raw AS shown_deadline, v.leads_raw, v.progress, v.next_steps
FROM actions a JOIN v_actions v ON v.action_id = a.id
WHERE a.document_id = :id
  AND (a.flags LIKE '%ocr-review:%' OR a.rag_conflict IS NOT NULL
       OR (a.deadline_raw IS NOT NULL AND a.deadline_kind = 'none'))
ORDER BY a.seq
"""

CORRECTIONS = """
SELECT c.action_id, c.field, c.value, c.who, c.at FROM corrections c
WHERE c.doc_sha256 = :sha AND c.action_id IS NOT NULL ORDER BY c.id
"""

PROVENANCE_PAGES = "SELECT p.action_id, p.field, p.page FROM provenance p JOIN actions a ON a.id = p.action_id WHERE a.document_id = :id"


@dataclass
class Box:
    """One value's box on a page, in PDF points (top-left origin), with what to show for it."""

    kind: str  # action | kpi
    id: int  # action id or measure value id
    field: str  # provenance field, or kpi-<value_kind>
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    label: str  # what the box says when pointed at
    ref: str | None = None
    level: str | None = None  # action, task or priority_area; None for a KPI value
    measure_id: int | None = None
    kpi_name: str | None = None
    column_label: str | None = None
    highlight: bool = False

    @property
    def colour(self) -> str:
        return COLOURS.get(self.field, OTHER_COLOUR)

    def percent(self, width: float, height: float) -> dict[str, float]:
        """The box as percentages of the page (how the page image is scaled, so are the boxes)."""
        return {"left": 100 * self.x0 / width, "top": 100 * self.top / height,
                "width": 100 * (self.x1 - self.x0) / width, "height": 100 * (self.bottom - self.top) / height}


def short(value, limit: int = 160) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_boxes(rows) -> list[Box]:
    out = []
    for r in rows:
        column = ACTION_FIELDS.get(r["field"], (r["field"], None))[0]
        value = r[column] if column in r.keys() else None
        who = " ".join(x for x in (r["level"], r["ref"]) if x)
        out.append(Box("action", r["action_id"], r["field"], r["page"], r["x0"], r["top"], r["x1"], r["bottom"],
                       f"{who} · {r['field']}: {short(value)}", ref=r["ref"], level=r["level"]))
    return out


def kpi_boxes(rows) -> list[Box]:
    return [Box("kpi", r["value_id"], f"kpi-{r['value_kind']}", r["page"], r["x0"], r["top"], r["x1"], r["bottom"],
                f"KPI {r['ref'] or ''} {short(r['name'], 80)} · {r['column_label']}: {short(r['value_raw'])}".replace("  ", " "),
                ref=r["ref"], measure_id=r["measure_id"], kpi_name=r["name"], column_label=r["column_label"])
            for r in rows]


def mark_highlights(boxes: list[Box], action: int | None = None, value: int | None = None,
                    kpi: str | None = None, column: str | None = None) -> list[Box]:
    """Set .highlight on the boxes a link names: an action, a KPI value, or a KPI (and column) by name."""
    for b in boxes:
        b.highlight = bool(
            (action is not None and b.kind == "action" and b.id == action)
            or (value is not None and b.kind == "kpi" and b.id == value)
            or (kpi is not None and b.kind == "kpi" and b.kpi_name == kpi and (column is None or b.column_label == column)))
    return [b for b in boxes if b.highlight]


@dataclass
class Flag:
    """A value to check by eye before trusting it, and the command that fixes it."""

    action_id: int
    ref: str | None
    level: str
    page: int | None
    field: str | None  # the field `councilplans correct` takes, None when not correctable
    reason: str
    value: str | None  # as the views show it now
    command: str | None
    corrected: dict | None = None  # the latest correction of that field, if one was made


def correct_command(action_id: int, field: str, value: str, why: str, db_url: str) -> str:
    return " ".join(["councilplans", "correct", str(action_id), "--field", field, "--value", shlex.quote(value),
                     "--why", shlex.quote(why), "--db", shlex.quote(db_url)])


def flags_of(rows, corrections, provenance_pages, db_url: str) -> list[Flag]:
    """Every flagged value of a document: OCR read below confidence, RAG word and colour disagreeing,
    deadlines printed but not understood; each with the page it is on and its `correct` command."""
    latest = {(c["action_id"], c["field"]): dict(c) for c in corrections}
    pages = {(p["action_id"], p["field"]): p["page"] for p in provenance_pages}
    out: list[Flag] = []
    for r in rows:
        keys = r.keys()

        def add(prov_field: str, reason: str, suggestion: str | None = None) -> None:
            column, field = ACTION_FIELDS.get(prov_field, (prov_field, None))
            value = r[column] if column in keys else None
            command = None
            if field:
                command = correct_command(r["action_id"], field, suggestion or "CORRECT VALUE",
                                          f"{reason}: checked against page {pages.get((r['action_id'], prov_field), r['page'])}",
                                          db_url)
            out.append(Flag(r["action_id"], r["ref"], r["level"], pages.get((r["action_id"], prov_field), r["page"]),
                            field, reason, None if value is None else str(value), command,
                            latest.get((r["action_id"], field)) if field else None))

        flags = r["flags"]
        flags = json.loads(flags) if isinstance(flags, str) else (flags or [])
        for flag in flags:
            if isinstance(flag, str) and flag.startswith("ocr-review:"):
                field = flag.split(":", 1)[1]
                add(field, f"OCR read the {field.replace('_', ' ')} with low confidence")
        if r["rag_conflict"]:
            colour = r["rag_conflict"].rsplit(" ", 1)[-1] if "colour says" in r["rag_conflict"] else None
            add("rag", f"RAG {r['rag_conflict']}", colour)
        if r["deadline_raw"] and r["deadline_kind"] == "none":
            add("deadline", f'deadline "{r["deadline_raw"]}" was not understood as a date')
    return out
