"""Shared, layout-neutral reading of the sample documents for the renderings.

Everything here describes *what* a document says (its cover facts, narrative blocks, action
tables as groups of rows, KPI tables), read only from samples/<key>.expected.json and
samples/source/<key>.narrative.md. How it looks is left to each renderer (render_docx.py,
render_html.py, render_slides.py, render_kpi_cards.py), which are written independently of
samples/generate.py on purpose: the point of the renderings is a different hand.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "samples"
SOURCE = SAMPLES / "source"

DOC_KEYS = [
    "cypp-2009-11-review-2010",
    "ecf-portfolio-plan-update-2017-18",
    "cef-portfolio-plan-2018-22",
    "cyp-portfolio-plan-2011-12",
    "csc-improvement-plan-2016-17",
]

# The status line of each cover page: a phrase the narrative itself prints (checked in
# cover_facts), so the cover says nothing the document does not.
STATUS_PHRASES = {
    "cypp-2009-11-review-2010": "Progress as at April 2010",
    "ecf-portfolio-plan-update-2017-18": "As at the end of March 2018",
    "cef-portfolio-plan-2018-22": None,
    "cyp-portfolio-plan-2011-12": "14 July 2011",
    "csc-improvement-plan-2016-17": "(Draft) Version 14.3 – 02 September 2016",
}
STATUS_IN_NARRATIVE = {  # the narrative text each status phrase is taken from
    "cypp-2009-11-review-2010": "as at April 2010",
    "ecf-portfolio-plan-update-2017-18": "As at the end of March 2018",
    "cyp-portfolio-plan-2011-12": "14 July 2011",
    "csc-improvement-plan-2016-17": "(Draft) Version 14.3 – 02 September 2016",
}

RAGS = ("Red", "Amber", "Green", "Blue")


# --------------------------------------------------------------------------- documents

@dataclass
class Doc:
    key: str
    data: dict
    narrative: str

    @property
    def priorities(self) -> dict[str, dict]:
        return {p["ref"]: p for p in self.data["priorities"]}

    @property
    def actions(self) -> list[dict]:
        return self.data["actions"]


def load(key: str) -> Doc:
    data = json.loads((SAMPLES / f"{key}.expected.json").read_text(encoding="utf-8"))
    narrative = (SOURCE / f"{key}.narrative.md").read_text(encoding="utf-8")
    return Doc(key, data, narrative)


def selected_keys(argv: list[str]) -> list[str]:
    keys = [a for a in argv if not a.startswith("-")] or DOC_KEYS
    unknown = set(keys) - set(DOC_KEYS)
    if unknown:
        raise SystemExit(f"unknown document(s): {', '.join(sorted(unknown))}")
    return keys


@dataclass
class Cover:
    title: str
    council: str
    period: str | None
    status: str | None


def cover_facts(doc: Doc) -> Cover:
    d = doc.data
    status = STATUS_PHRASES.get(doc.key)
    if status:
        source = STATUS_IN_NARRATIVE[doc.key]
        assert source in doc.narrative or source == d.get("version"), (doc.key, source)
    period = (d.get("plan_period") or {}).get("label")
    return Cover(d["title"], d["council"], period, status)


# --------------------------------------------------------------------------- narrative

MARKER_RE = re.compile(r"^<!--\s*(.*?)\s*-->$")


@dataclass
class Block:
    kind: str                 # h | p | bullets | table | marker | rule
    text: str = ""
    level: int = 0
    items: list[tuple[int, str]] = field(default_factory=list)   # bullets: (indent level, text)
    rows: list[list[str]] = field(default_factory=list)          # table rows
    header: bool = False                                         # table: first row is a header


def parse_narrative(text: str) -> list[Block]:
    """The narrative markdown as blocks (headings, paragraphs, bullet lists, small tables,
    marker comments)."""
    blocks: list[Block] = []
    para: list[str] = []
    items: list[list] = []
    rows: list[list[str]] = []
    header = False

    def flush() -> None:
        nonlocal para, items, rows, header
        if para:
            blocks.append(Block("p", " ".join(para)))
        if items:
            blocks.append(Block("bullets", items=[(lvl, t) for lvl, t in items]))
        if rows:
            blocks.append(Block("table", rows=rows, header=header))
        para, items, rows, header = [], [], [], False

    for raw in text.splitlines():
        line = raw.rstrip()
        s = line.strip()
        if not s:
            flush()
            continue
        if m := MARKER_RE.match(s):
            flush()
            blocks.append(Block("marker", m.group(1).upper()))
            continue
        if s.startswith("|") and s.endswith("|") and len(s) > 1:
            if para or items:
                flush()
            cells = [c.strip() for c in s[1:-1].split("|")]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                header = len(rows) == 1
            else:
                rows.append(cells)
            continue
        if rows:
            flush()
        if re.fullmatch(r"-{3,}|\*{3,}|_{3,}", s):
            flush()
            blocks.append(Block("rule"))
            continue
        if m := re.match(r"^(#{1,6})\s+(.*)", s):
            flush()
            blocks.append(Block("h", m.group(2).strip(), level=len(m.group(1))))
            continue
        if m := re.match(r"^(\s*)[-*•]\s+(.*)", line):
            if para:
                flush()
            items.append([1 if len(m.group(1)) >= 2 else 0, m.group(2)])
            continue
        if items and line.startswith(" "):
            items[-1][1] += " " + s
            continue
        if items:
            flush()
        para.append(s)
    flush()
    return blocks


def marker(block: Block) -> tuple[str, str]:
    """'KPI TABLE 1' -> ('KPI TABLE', '1')."""
    m = re.match(r"^(ACTION TABLES|KPI TABLE|LANDSCAPE|PORTRAIT|PAGE BREAK)\b\s*(.*)$", block.text)
    return (m.group(1), m.group(2).strip()) if m else (block.text, "")


INLINE_RE = re.compile(r"\*\*(.+?)\*\*|(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")


def runs(text: str) -> list[tuple[str, bool, bool]]:
    """Inline markdown as (text, bold, italic) runs."""
    out, pos = [], 0
    for m in INLINE_RE.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False, False))
        if m.group(1) is not None:
            out.append((m.group(1), True, False))
        else:
            out.append((m.group(2), False, True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False, False))
    return out


def plain(text: str) -> str:
    return "".join(t for t, _, _ in runs(text))


def needs_abbreviation_key(doc: Doc) -> bool:
    """Print the document's abbreviation key if its leads use abbreviations that the
    narrative does not already explain."""
    abbrev = doc.data.get("abbreviations") or {}
    uses = any(a.get("leads") != a.get("leads_expanded") for a in doc.actions)
    return bool(abbrev) and uses and not all(v in doc.narrative for v in abbrev.values())


# --------------------------------------------------------------------------- table model

@dataclass
class Para:
    text: str
    style: str = "p"          # p | bullet (•) | sub (– sub-item) | bold


@dataclass
class Cell:
    paras: list[Para] = field(default_factory=list)
    rag: str | None = None    # a rating cell: its word and fill

    @property
    def empty(self) -> bool:
        return not self.rag and not any(p.text for p in self.paras)

    @property
    def key(self) -> tuple:
        """What a vertical merge compares: the printed content."""
        return (self.rag, tuple((p.text, p.style) for p in self.paras))

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paras)


def cell(text: str | None, style: str = "p") -> Cell:
    return Cell([Para(text, style)] if text else [])


def cell_lines(values: list[str] | None, style: str = "p") -> Cell:
    return Cell([Para(v, style) for v in values or [] if v])


def lines(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split("\n") if s.strip()]


@dataclass
class Column:
    key: str
    header: str
    weight: float             # share of the table width


@dataclass
class Section:
    """A full-width row: a theme/priority banner, or (cypp) an area of focus with its rating."""

    text: str
    kind: str = "banner"      # banner | area
    rag: str | None = None
    record: dict | None = None


@dataclass
class Group:
    """A parent (issue, action, aim) whose cells span its rows, and the rows under it.
    `parent_keys` are the columns the parent occupies; `label` is how the parent reads as
    one line of text (used where a layout prints it as a section row)."""

    parent_keys: list[str]
    parent_cells: dict[str, Cell]
    rows: list[dict[str, Cell]]
    records: list[dict]
    parent: dict | None = None
    label: str | None = None
    inline: bool = False      # a one-row 'group' whose parent is simply a cell of its row


@dataclass
class ActionTable:
    priority_ref: str | None
    heading: str | None       # printed above the table (page banner)
    subheading: str | None
    columns: list[Column]
    items: list = field(default_factory=list)      # Section | Group
    intro: dict | None = None                        # cef: statement, rationale, strategies, aligns-to
    continued: bool = False                          # cef: a '[cont'd]' table of the same priority
    rag_key: str | None = None                       # the column that holds ratings

    @property
    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]


def action_tables(doc: Doc) -> list[ActionTable]:
    return FAMILIES[doc.key](doc)


def _cypp(doc: Doc) -> list[ActionTable]:
    tc = doc.data["table_columns"]
    t = ActionTable(None, None, None, [
        Column("task", tc[0], 26), Column("deadline", tc[1], 10), Column("lead", tc[2], 18),
        Column("progress", tc[3], 38), Column("rating", tc[4], 8)], rag_key="rating")
    theme, group = None, None
    for a in doc.actions:
        if a["level"] == "priority_area":
            p_theme = doc.priorities.get(a["ref"], {}).get("theme")
            if p_theme and p_theme != theme:
                theme = p_theme
                t.items.append(Section(theme))
            t.items.append(Section(f"AREA OF FOCUS {a['ref']}: {a['text']}", "area", a["rag"], a))
            group = Group([], {}, [], [])
            t.items.append(group)
        else:
            group.rows.append({
                "task": cell(f"{a['ref']} {a['text']}" if a["ref"] else a["text"]),
                "deadline": cell(a["deadline_raw"]),
                "lead": cell_lines(a["leads"]),
                "progress": cell_lines(lines(a["progress"])),
                "rating": Cell(rag=a["rag"]),
            })
            group.records.append(a)
    return [t]


def _ecf(doc: Doc) -> list[ActionTable]:
    tc = doc.data["table_columns"]
    cols = [Column("no", tc[0], 5), Column("aim", tc[1], 15), Column("rag", tc[2], 7),
            Column("action", tc[3], 21), Column("progress", tc[4], 28), Column("next", tc[5], 24)]
    out = []
    for p in doc.data["priorities"]:
        areas = [a for a in doc.actions if a["priority_ref"] == p["ref"] and a["level"] == "priority_area"]
        if not areas:
            continue
        t = ActionTable(p["ref"], None, None, cols, rag_key="rag")
        t.items.append(Section(f"Priority Outcome {p['ref']}"))
        for area in areas:
            acts = [a for a in doc.actions if a["parent_ref"] == area["ref"] and a["level"] != "priority_area"
                    and a["priority_ref"] == p["ref"]]
            g = Group(["no", "aim"], {"no": cell(area["ref"], "bold"), "aim": cell(area["text"])}, [], [],
                      parent=area, label=f"{area['ref']} {area['text']}")
            for a in acts:
                g.rows.append({
                    "action": cell(f"{a['ref']}) {a['text']}"),
                    "rag": Cell(rag=a["rag"]),
                    "progress": cell_lines(lines(a["progress"])),
                    "next": cell_lines(lines(a["next_steps"])),
                })
                g.records.append(a)
            t.items.append(g)
        out.append(t)
    return out


def _cef(doc: Doc) -> list[ActionTable]:
    tc = doc.data["table_columns"]
    cols = [Column("action", tc[0], 20), Column("detail", tc[1], 33), Column("measure", tc[2], 25),
            Column("date", tc[3], 10), Column("lead", tc[4], 12)]
    groups: list[tuple[dict, list[dict]]] = []
    for a in doc.actions:
        if a["level"] == "task" and groups and a.get("parent_text") == groups[-1][0]["text"]:
            groups[-1][1].append(a)
        else:
            groups.append((a, []))
    out: list[ActionTable] = []
    current = None
    for action, tasks in groups:
        p = doc.priorities[action["priority_ref"]]
        contd = action["priority_ref"] == current and p.get("contd_banner_before") == action["text"]
        if action["priority_ref"] != current or contd:
            title = p.get("banner_title") or f"Priority - {p['title']}"
            intro = None if contd else {k: p.get(k) for k in ("banner_text", "rationale", "key_strategies",
                                                              "aligns_to")}
            out.append(ActionTable(p["ref"], title + (" [cont'd]" if contd else ""), None, cols,
                                   intro=intro, continued=contd))
            current = action["priority_ref"]

        def row(r: dict, own_text: bool) -> dict[str, Cell]:
            return {
                "detail": cell_lines(lines(r.get("detail") or (r["text"] if not own_text else "")), "bullet"),
                "measure": cell_lines(lines(r.get("measure_of_success")), "bullet"),
                "date": cell(r["deadline_raw"]),
                "lead": cell_lines(r["leads"]),
            }

        if tasks:
            g = Group(["action"], {"action": cell(action["text"])}, [row(t, False) for t in tasks], list(tasks),
                      parent=action, label=action["text"])
        else:
            g = Group(["action"], {"action": cell(action["text"])}, [row(action, True)], [action],
                      parent=action, label=action["text"], inline=True)
        out[-1].items.append(g)
    return out


def cyp_task_paras(t: dict) -> list[Para]:
    """A task's text, with the '–' sub-items it carries (its JSON text appends them with '; ')."""
    if t.get("sub_bullet"):
        return [Para(t["text"], "sub")]
    text, subs = t["text"], t.get("sub_items") or []
    tail = " " + "; ".join(subs)
    if subs and text.endswith(tail):
        text = text[: -len(tail)]
    return [Para(text)] + [Para(s, "sub") for s in subs]


def _cyp(doc: Doc) -> list[ActionTable]:
    tc = doc.data["table_columns"]
    cols = [Column("no", tc[0], 8), Column("action", tc[1], 24), Column("tasks", tc[2], 38),
            Column("deadline", tc[3], 10), Column("lead", tc[4], 20)]
    out = []
    for p in doc.data["priorities"]:
        actions = [a for a in doc.actions if a["priority_ref"] == p["ref"] and a["level"] == "action"]
        if not actions:
            continue
        t = ActionTable(p["ref"], p.get("label") or f"Priority Outcome: {p['ref']}", p["title"], cols)
        for a in actions:
            tasks = [x for x in doc.actions if x["level"] == "task" and x["parent_ref"] == a["ref"]]
            ref = a.get("ref_raw") or a["ref"]
            g = Group(["no", "action"], {"no": cell(ref, "bold"), "action": cell(a["text"])}, [], [],
                      parent=a, label=f"{ref} {a['text']}")
            for x in tasks:
                g.rows.append({
                    "tasks": Cell(cyp_task_paras(x)),
                    "deadline": cell(x["deadline_raw"]),
                    "lead": cell(x["leads_raw"]) if x.get("leads_raw") else cell_lines(x["leads"]),
                })
                g.records.append(x)
            t.items.append(g)
        out.append(t)
    return out


def csc_key_action_paras(t: dict) -> list[Para]:
    """'1.1.1 text', with the ' - ' sub-items its text carries as '–' sub-items below it."""
    text = f"{t['ref']} {t['text']}" if t["ref"] else t["text"]
    head, sep, rest = text.partition(": - ")
    if not sep:
        return [Para(text)]
    return [Para(head + ":")] + [Para(s.strip(), "sub") for s in re.split(r"\s-\s", rest) if s.strip()]


def _csc(doc: Doc) -> list[ActionTable]:
    tc = doc.data["table_columns"]
    cols = [Column("id", tc[0], 5), Column("issue", tc[1], 21), Column("actions", tc[2], 40),
            Column("time", tc[3], 10), Column("lead", tc[4], 12), Column("agency", tc[5], 12)]
    out = []
    for p in doc.data["priorities"]:
        issues = [a for a in doc.actions if a["priority_ref"] == p["ref"] and a["level"] == "action"]
        if not issues:
            continue
        t = ActionTable(p["ref"], p.get("table_banner") or p.get("printed_as") or p["title"], None, cols)
        for issue in issues:
            tasks = [x for x in doc.actions if x["level"] == "task" and x["parent_ref"] == issue["ref"]]
            g = Group(["id", "issue"], {"id": cell(issue["ref"], "bold"), "issue": cell(issue["text"])}, [], [],
                      parent=issue, label=f"{issue['ref']} {issue['text']}")
            for x in tasks:
                g.rows.append({
                    "actions": Cell(csc_key_action_paras(x)),
                    "time": cell(x["deadline_raw"]),
                    "lead": cell_lines(x["leads"]),
                    "agency": cell_lines([s for s in (x.get("agency") or "").split("; ") if s]),
                })
                g.records.append(x)
            t.items.append(g)
        out.append(t)
    return out


FAMILIES = {
    "cypp-2009-11-review-2010": _cypp,
    "ecf-portfolio-plan-update-2017-18": _ecf,
    "cef-portfolio-plan-2018-22": _cef,
    "cyp-portfolio-plan-2011-12": _cyp,
    "csc-improvement-plan-2016-17": _csc,
}


def merge_runs(rows: list[dict[str, Cell]], key: str) -> list[tuple[int, int]]:
    """(first, last) row indices of each run of equal, non-empty `key` cells."""
    out, i = [], 0
    while i < len(rows):
        c = rows[i].get(key) or Cell()
        j = i
        if not c.empty:
            while j + 1 < len(rows) and (rows[j + 1].get(key) or Cell()).key == c.key:
                j += 1
        out.append((i, j))
        i = j + 1
    return out


# --------------------------------------------------------------------------- KPI tables

# KPI columns printing a measure field rather than one of its values (label, lower case -> field)
KPI_FIELDS = {"type of indicator": "type_of_indicator", "source": "source", "source of data": "source",
              "accumulation of data": "accumulation"}


@dataclass
class KpiRow:
    measure: dict | None          # None: a group heading row
    cells: dict[str, Cell] = field(default_factory=dict)
    text: str = ""                # group heading text
    indent: bool = False


@dataclass
class KpiTable:
    key: str
    priority_ref: str | None
    marker_arg: str | None        # placed at <!-- KPI TABLE arg --> rather than after its priority
    heading: str | None
    parts: list[tuple[list[str], list[KpiRow]]]   # (column labels, rows): a table per part
    footer: list[str] = field(default_factory=list)
    name_label: str = ""


def _kpi_specs(doc: Doc) -> list[tuple]:
    """(key, priority_ref, marker_arg, heading, columns, measures, footer) per printed KPI table."""
    d = doc.data
    measures = d.get("measures") or []
    if not measures:
        return []
    if d.get("kpi_tables"):
        out = []
        for t in d["kpi_tables"]:
            m = re.search(r"KPI TABLE\s+(\S+)", t.get("marker") or "")
            out.append((t["id"], t.get("priority_ref"), m.group(1) if m else None, t.get("title"),
                        t.get("columns") or d.get("kpi_columns") or [],
                        [x for x in measures if x.get("kpi_table") == t["id"]],
                        [t["note"]] if t.get("note") else [], t))
        return out
    after = d.get("kpi_after") or {}
    if after and all(isinstance(v, dict) for v in after.values()):
        return [(p, p, None, v.get("heading"), v["columns"], [x for x in measures if x.get("priority_ref") == p],
                 v.get("footer") or [], None) for p, v in after.items()]
    notes = d.get("kpi_notes") or {}
    return [(n, p, None, None, d.get("kpi_columns") or [], [x for x in measures if x.get("priority_ref") == p],
             [notes[n]] if n in notes else [], None) for n, p in after.items()]


def kpi_tables(doc: Doc) -> list[KpiTable]:
    out = []
    for key, pref, marker_arg, heading, columns, measures, footer, spec in _kpi_specs(doc):
        if not measures:
            continue
        lower = [c.lower() for c in columns]
        name_i = next((i for i, c in enumerate(lower) if c.startswith("indicator")), 1 if lower[0].startswith("no") else 0)
        has_no = lower[0].startswith("no")
        name_label = columns[name_i]
        t = KpiTable(key, pref, marker_arg, heading, [], footer, name_label)
        group = None
        for m in measures:
            cols = columns
            if spec and m.get("priority_ref") is None and spec.get("columns_general_profile"):
                cols = spec["columns_general_profile"]
            if not t.parts or t.parts[-1][0] != cols:
                t.parts.append((cols, []))
                group = None
            rows = t.parts[-1][1]
            g = m.get("group")
            if g and g != group and not m["name"].startswith(g):
                rows.append(KpiRow(None, text=g))
            group = g
            label = m["name"] if has_no or not m.get("ref") else f"{m['ref']}. {m['name']}"
            row = KpiRow(m, indent=bool(m.get("parent_ref") and not m.get("ref")))
            row.cells[name_label] = Cell([Para(label, "italic" if m.get("italic") else "p")])
            first_value = None
            for c in cols:
                if c == name_label:
                    continue
                if has_no and c == cols[0]:
                    row.cells[c] = cell(m.get("ref"))
                    continue
                first_value = first_value or c
                fname = KPI_FIELDS.get(c.lower())
                value = m.get(fname) if fname and m.get(fname) else m["values"].get(c)
                flags = (m.get("flags") or []) if c == first_value else []
                row.cells[c] = Cell([Para(f, "bold") for f in flags] + ([Para(value)] if value else []))
            rows.append(row)
        out.append(t)
    return out


# --------------------------------------------------------------------------- PDFs

def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    return out


def soffice_to_pdf(src: Path, out_pdf: Path) -> None:
    """Convert an office file to PDF with headless LibreOffice (own throwaway profile)."""
    if not shutil.which("soffice"):
        raise SystemExit("soffice (LibreOffice) is needed: apt-get install libreoffice-writer libreoffice-impress")
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as outdir:
        run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", outdir, str(src)], timeout=900)
        produced = Path(outdir) / (src.stem + ".pdf")
        if not produced.exists():
            raise RuntimeError(f"LibreOffice wrote no PDF for {src}")
        out_pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), out_pdf)
    normalise_pdf(out_pdf)


def chromium_to_pdf(html: Path, out_pdf: Path) -> None:
    """Print an HTML file to PDF with headless Chromium (page size from its CSS @page)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not exe:
        raise SystemExit("chromium is needed: apt-get install chromium")
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
             "--no-pdf-header-footer", f"--print-to-pdf={out_pdf}", html.resolve().as_uri()], timeout=600)
    normalise_pdf(out_pdf)


FIXED_DATE = b"D:20000101000000Z"


def normalise_pdf(pdf: Path) -> None:
    """Make a tool's PDF repeatable where we can: fixed creation/modification dates (also in
    XMP), a document ID derived from the content (qpdf --deterministic-id)."""
    if not shutil.which("qpdf"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        qdf = Path(tmp) / "a.qdf"
        run(["qpdf", "--qdf", "--object-streams=disable", str(pdf), str(qdf)])
        data = qdf.read_bytes()
        data = re.sub(rb"/(CreationDate|ModDate) *\(D:[^)]*\)", lambda m: b"/" + m.group(1) + b" (" + FIXED_DATE + b")", data)
        data = re.sub(rb"<(xmp:CreateDate|xmp:ModifyDate|xmp:MetadataDate)>[^<]*</",
                      lambda m: b"<" + m.group(1) + b">2000-01-01T00:00:00Z</", data)
        data = re.sub(rb"<xmpMM:(DocumentID|InstanceID)>[^<]*</",
                      lambda m: b"<xmpMM:" + m.group(1) + b">uuid:00000000-0000-0000-0000-000000000000</", data)
        data = re.sub(rb"/DocChecksum */[0-9A-Fa-f]+", b"/DocChecksum /" + b"0" * 32, data)
        data = re.sub(rb"/ID *\[ *<[0-9A-Fa-f]*> *<[0-9A-Fa-f]*> *\]", b"/ID [<" + b"0" * 32 + b"><" + b"0" * 32 + b">]", data)
        qdf.write_bytes(data)
        fixed = Path(tmp) / "b.qdf"
        fix = shutil.which("fix-qdf")
        if fix:
            with open(fixed, "wb") as fh:
                subprocess.run([fix, str(qdf)], stdout=fh, check=True)
        else:
            fixed = qdf
        subprocess.run(["qpdf", "--deterministic-id", "--compress-streams=y", "--object-streams=generate",
                        "--recompress-flate", str(fixed), str(pdf)], check=False, capture_output=True)
