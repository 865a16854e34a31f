"""How closely our tables (the `councilplans tables` export) agree with other projects' expected outputs.

The inputs are real PDFs in ../shared/realworld/pdfs with the source projects' own expected
results in ../shared/realworld/expected: ICDAR 2013 cell-structure ground truth (`-str.xml`),
camelot expected tables (JSON) and tabula expected tables (JSON/CSV). Two measures:

- ICDAR 2013 cell-adjacency F1: each table becomes the multiset of relations between a
  non-empty cell and its nearest non-empty neighbour to the right and below, as
  (text_a, text_b, direction) with text lower-cased and cut to alphanumerics; precision and
  recall of our relations against the truth, micro-averaged over a document's tables.
  Comparable in kind with camelot's published 0.78 on the full ICDAR 2013 set.
- Cell agreement with a camelot/tabula grid: the share of the expected non-empty cell texts
  that our best-matching table on the same page holds at the corresponding row and column,
  plus the adjacency F1 of the two grids.

Our readers find tables drawn by rules or shading (ruled, row-ruled, banded; statistics tables
ruled only above and under the header and at the foot, read a record per line; OCR'd pages through
the same readers), not yet tables with no rule at all; a document where they find no table of at least 2 x 2 on the truth's pages is
counted as "no ruled table" (still scored, as zero, in the mean over files). The ICDAR figures
are given per file, as the mean of the files' F1 (the target: 0.86, camelot-py 2.0's hybrid parser
on the full competition set), micro-averaged, and with the relations of tables we found where the
truth has none (`stray_relations`: every one of them a false relation).

    python bench/agreement.py [--shared ../shared]

prints a table and writes bench/agreement.json. The tables scored are those of the tables export
(councilplans/tables.py `read_tables`, read back from its JSON form), which runs the pipeline's own
per-document function (councilplans/document.py:process_document): the tables the pipeline reads.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from councilplans.tables import Table, TableList, TablesError, read_tables

BENCH = Path(__file__).resolve().parent
DEFAULT_SHARED = BENCH.parent.parent / "shared"
OUTPUT = BENCH / "agreement.json"
CAMELOT_ICDAR_F1 = 0.78  # camelot's comparison page: tables found per page, not cells
TARGET_MEAN_F1 = 0.86  # camelot-py 2.0 hybrid on the full ICDAR 2013 set under the competition's adjacency measure
MIN_OVERLAP = 0.5  # share of the smaller box two tables must share to be the same table
RIGHT, BELOW = "right", "below"

Relation = tuple[str, str, str]  # (text_a, text_b, direction), texts normalised
BBox = tuple[float, float, float, float]  # x0, top, x1, bottom (PDF points, origin top-left)


def normalise(text: str) -> str:
    """Lower-case alphanumerics only: what the ICDAR comparison keys cells on."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


@dataclass(frozen=True)
class GridCell:
    """One cell of a table on its row/column grid; text already normalised."""

    text: str
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1


@dataclass
class Score:
    """Relation counts; precision/recall/F1 derive from them so scores add up (micro-average)."""

    matched: int = 0
    ours: int = 0
    truth: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(self.matched + other.matched, self.ours + other.ours, self.truth + other.truth)

    @property
    def precision(self) -> float:
        return self.matched / self.ours if self.ours else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"relations_matched": self.matched, "relations_ours": self.ours, "relations_truth": self.truth,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


# --- the adjacency metric -------------------------------------------------------------------

def occupancy(cells: list[GridCell]) -> dict[tuple[int, int], int]:
    """Grid position -> index of the non-empty cell covering it (a span covers every position)."""
    covered = {}
    for index, cell in enumerate(cells):
        if not cell.text:
            continue
        for r in range(cell.row, cell.row + cell.row_span):
            for c in range(cell.col, cell.col + cell.col_span):
                covered[(r, c)] = index
    return covered


def line_neighbours(positions: list[int | None]) -> list[tuple[int, int]]:
    """Consecutive distinct non-empty cells along one row or column (gaps are skipped)."""
    run = [p for p in positions if p is not None]
    collapsed = [p for i, p in enumerate(run) if i == 0 or p != run[i - 1]]
    return list(zip(collapsed, collapsed[1:]))


def adjacency_relations(cells: list[GridCell]) -> Counter[Relation]:
    """Each non-empty cell's nearest non-empty neighbour to the right and below (ICDAR 2013)."""
    covered = occupancy(cells)
    if not covered:
        return Counter()
    rows = range(min(r for r, _ in covered), max(r for r, _ in covered) + 1)
    cols = range(min(c for _, c in covered), max(c for _, c in covered) + 1)
    pairs: set[tuple[int, int, str]] = set()  # a spanning cell meets the same neighbour once
    for r in rows:
        pairs.update((a, b, RIGHT) for a, b in line_neighbours([covered.get((r, c)) for c in cols]))
    for c in cols:
        pairs.update((a, b, BELOW) for a, b in line_neighbours([covered.get((r, c)) for r in rows]))
    return Counter((cells[a].text, cells[b].text, direction) for a, b, direction in pairs)


def compare(ours: Counter[Relation], truth: Counter[Relation]) -> Score:
    """Multiset match: a relation repeated in the truth must be found as often in ours."""
    return Score(sum((ours & truth).values()), sum(ours.values()), sum(truth.values()))


# --- ground truth and expected grids ---------------------------------------------------------

@dataclass
class TruthRegion:
    page: int
    bbox_bottom_left: tuple[float, float, float, float]  # x1, y1, x2, y2 as in the XML


@dataclass
class TruthTable:
    """One ICDAR 2013 table: its cells (region increments applied) and where it lies."""

    cells: list[GridCell]
    regions: list[TruthRegion]


def parse_icdar_cell(node: ET.Element, row_shift: int, col_shift: int) -> GridCell:
    start_row, start_col = int(node.get("start-row")), int(node.get("start-col"))
    end_row = int(node.get("end-row") or start_row)
    end_col = int(node.get("end-col") or start_col)
    return GridCell(normalise(node.findtext("content") or ""), start_row + row_shift, start_col + col_shift,
                    end_row - start_row + 1, end_col - start_col + 1)


def box_of(node: ET.Element) -> list[float] | None:
    """A cell's bounding box, or None where the ground truth has a typo in it (us-018 has `x1='26ß'`)."""
    try:
        return [float(node.get(k)) for k in ("x1", "y1", "x2", "y2")]
    except (TypeError, ValueError):
        return None


def region_box(region: ET.Element) -> tuple[float, float, float, float]:
    """The union of the region's cell boxes (the -str.xml has no region box of its own)."""
    boxes = [b for b in map(box_of, region.iter("bounding-box")) if b]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def parse_icdar_structure(path: Path) -> list[TruthTable]:
    """Read an ICDAR 2013 `-str.xml`: document/table/region/cell with start/end row/col and content."""
    tables = []
    for table in ET.parse(path).getroot().iter("table"):
        cells, regions = [], []
        for region in table.iter("region"):
            row_shift, col_shift = int(region.get("row-increment", 0)), int(region.get("col-increment", 0))
            cells += [parse_icdar_cell(node, row_shift, col_shift) for node in region.iter("cell")]
            regions.append(TruthRegion(int(region.get("page")), region_box(region)))
        tables.append(TruthTable(cells, regions))
    return tables


def grid_cells(rows: list[list[str]]) -> list[GridCell]:
    """A plain grid of strings (camelot/tabula output): every position is its own cell."""
    return [GridCell(normalise(text), r, c) for r, row in enumerate(rows) for c, text in enumerate(row)]


@dataclass
class ExpectedGrid:
    """One expected table from camelot or tabula; `primary` marks the one variant counted overall."""

    pdf: str
    source_file: str
    label: str
    page: int
    rows: list[list[str]]
    primary: bool = True


def camelot_grids(path: Path) -> list[ExpectedGrid]:
    """Camelot/YNR expected JSON: one table in several flavour variants; the lattice one counts."""
    data = json.loads(path.read_text())
    match = re.search(r'pages="(\d+)"', data.get("call", ""))
    page = int(match.group(1)) if match else 1
    labels = list(data["tables"])
    primary = next((label for label in labels if "lattice" in label), labels[0])
    return [ExpectedGrid(pdf_name(path), path.name, label, page, rows, label == primary)
            for label, rows in data["tables"].items()]


def tabula_json_grids(path: Path, primary: bool, prefix: str = "") -> list[ExpectedGrid]:
    tables = json.loads(path.read_text())
    return [ExpectedGrid(pdf_name(path), path.name, f"{prefix}tables[{i}]", int(t["page_number"]),
                         [[cell["text"] for cell in row] for row in t["data"]], primary)
            for i, t in enumerate(tables)]


def tabula_csv_grid(path: Path) -> ExpectedGrid:
    """Tabula expected CSV: page 1 in every case here (EXPECTED_SOURCES.csv)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return ExpectedGrid(pdf_name(path), path.name, "csv", 1, rows)


def pdf_name(expected_file: Path) -> str:
    """Expected files are named `<pdf stem>.<source>_expected.<ext>`."""
    return expected_file.name.split(".")[0] + ".pdf"


def expected_grids(expected_dir: Path) -> list[ExpectedGrid]:
    """Every camelot/tabula expected table; a tabula CSV is skipped where the JSON holds the same."""
    grids: list[ExpectedGrid] = []
    for path in sorted(expected_dir.glob("*camelot_expected.json")):
        grids += camelot_grids(path)
    json_pdfs = set()
    for path in sorted(expected_dir.glob("*.tabula_expected.json")):
        grids += tabula_json_grids(path, primary=True)
        json_pdfs.add(pdf_name(path))
    for path in sorted(expected_dir.glob("*.tabula_expected_area.json")):
        grids += tabula_json_grids(path, primary=pdf_name(path) not in json_pdfs, prefix="area ")
    csvs = sorted(expected_dir.glob("*.tabula_expected.csv"))
    grids += [tabula_csv_grid(path) for path in csvs if pdf_name(path) not in json_pdfs]
    return grids


# --- our tables ---------------------------------------------------------------------------------

@dataclass
class Ours:
    """One document's tables as the export gives them, and the size of each page read (upright)."""

    tables: list[Table]
    page_sizes: dict[int, tuple[float, float]]


@lru_cache(maxsize=None)
def extract_cached(path: Path) -> Ours | str:
    """The document's tables as `councilplans tables` exports them, read back from the JSON form, or
    the one-line reason the pipeline cannot read it (encrypted, scanned ...)."""
    try:
        found = read_tables(path)
    except TablesError as exc:
        return str(exc).removeprefix(f"{path.name}: ")
    return Ours(list(TableList.from_dict(json.loads(found.to_json()))), found.page_sizes)


def is_ruled_grid(table: Table) -> bool:
    """A found table that is a grid, not a single framed box or one ruled strip."""
    return table.n_rows >= 2 and table.n_cols >= 2


def our_cells(table: Table) -> list[GridCell]:
    """Our table with its spans: the shape the ICDAR ground truth has."""
    return [GridCell(normalise(c.text), c.row, c.col, c.row_span, c.col_span) for c in table.cells]


def our_grid_cells(table: Table) -> list[GridCell]:
    """Our table as camelot/tabula print one: a spanning cell's text at its top-left position only."""
    return [GridCell(normalise(c.text), c.row, c.col) for c in table.cells]


def page_height(doc: Ours, page: int) -> float:
    return doc.page_sizes[page][1]


def to_top_left(box: tuple[float, float, float, float], height: float) -> BBox:
    x1, y1, x2, y2 = box
    return (x1, height - y2, x2, height - y1)


def overlap(a: BBox, b: BBox) -> float:
    """Intersection over the smaller box: a table found in pieces still matches its whole."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / smaller if smaller > 0 else 0.0


# --- ICDAR scoring -----------------------------------------------------------------------------

def truth_overlap(doc: Ours, table: Table, truth: TruthTable) -> float:
    return max((overlap(table.bbox, to_top_left(r.bbox_bottom_left, page_height(doc, r.page)))
                for r in truth.regions if r.page == table.page), default=0.0)


def assign_tables(doc: Ours, truths: list[TruthTable]) -> dict[int, list[Table]]:
    """Each of our tables goes to the truth table it overlaps most (key -1: overlaps none)."""
    assigned: dict[int, list[Table]] = {i: [] for i in range(-1, len(truths))}
    for table in doc.tables:
        overlaps = [truth_overlap(doc, table, truth) for truth in truths]
        best = max(range(len(truths)), key=overlaps.__getitem__, default=-1)
        assigned[best if best >= 0 and overlaps[best] >= MIN_OVERLAP else -1].append(table)
    return assigned


def score_icdar_document(doc: Ours, truths: list[TruthTable]) -> dict:
    """Micro-averaged adjacency score of one document; tables matching no truth count as false relations
    (`stray_relations`)."""
    assigned = assign_tables(doc, truths)
    total = Score()
    for index, truth in enumerate(truths):
        ours = sum((adjacency_relations(our_cells(t)) for t in assigned[index]), Counter())
        total += compare(ours, adjacency_relations(truth.cells))
    stray = Score()
    for table in assigned[-1]:
        stray += compare(adjacency_relations(our_cells(table)), Counter())
    total += stray
    truth_pages = {r.page for t in truths for r in t.regions}
    return {
        "truth_tables": len(truths),
        "truth_tables_matched": sum(1 for i in range(len(truths)) if assigned[i]),
        "our_tables": len(doc.tables),
        "our_grids_on_truth_pages": sum(1 for t in doc.tables if t.page in truth_pages and is_ruled_grid(t)),
        "unmatched_our_tables": len(assigned[-1]),
        "stray_relations": stray.ours,
        **total.as_dict(),
        "_score": total,
    }


def icdar_rows(realworld: Path) -> list[dict]:
    rows = []
    for xml in sorted((realworld / "expected").glob("*.icdar2013-str.xml")):
        pdf = pdf_name(xml)
        doc = extract_cached(realworld / "pdfs" / pdf)
        row = {"pdf": pdf, "expected": xml.name}
        if isinstance(doc, str):
            rows.append({**row, "status": f"not read: {doc}", "_score": Score()})
            continue
        scored = score_icdar_document(doc, parse_icdar_structure(xml))
        status = "compared" if scored["our_grids_on_truth_pages"] else "no ruled table"
        rows.append({**row, "status": status, **scored})
    return rows


def icdar_summary(rows: list[dict]) -> dict:
    every = sum((r["_score"] for r in rows), Score())
    ruled = sum((r["_score"] for r in rows if r["status"] == "compared"), Score())
    f1s = [r["_score"].f1 for r in rows]
    return {
        "documents": len(rows),
        "mean_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "target_mean_f1": TARGET_MEAN_F1,
        "stray_relations": sum(r.get("stray_relations", 0) for r in rows),
        "documents_compared": sum(1 for r in rows if r["status"] == "compared"),
        "documents_without_ruled_table": sum(1 for r in rows if r["status"] == "no ruled table"),
        "documents_not_read": sum(1 for r in rows if r["status"].startswith("not read")),
        "all_documents": every.as_dict(),
        "ruled_documents": ruled.as_dict(),
        "camelot_reported_f1_full_icdar2013": CAMELOT_ICDAR_F1,
    }


# --- camelot / tabula grid agreement -------------------------------------------------------------

def text_overlap(a: list[str], b: list[str]) -> int:
    """How many non-empty texts two cell lists share, counting repeats."""
    return sum((Counter(t for t in a if t) & Counter(t for t in b if t)).values())


def best_table(tables: list[Table], expected: list[GridCell]) -> Table | None:
    """The table on the page sharing most cell texts with the expected one (the grids have no boxes)."""
    wanted = [c.text for c in expected]
    scored = [(text_overlap([c.text for c in our_grid_cells(t)], wanted), t) for t in tables]
    return max(scored, key=lambda pair: pair[0], default=(0, None))[1]


def line_map(expected: dict[int, list[str]], ours: dict[int, list[str]]) -> dict[int, int]:
    """Expected row (or column) -> our row (or column) sharing most texts with it."""
    mapping = {}
    for index, texts in expected.items():
        best = max(ours, key=lambda j: text_overlap(texts, ours[j]), default=None)
        if best is not None and text_overlap(texts, ours[best]):
            mapping[index] = best
    return mapping


def group_texts(cells: list[GridCell], key) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for cell in cells:
        groups.setdefault(key(cell), []).append(cell.text)
    return groups


def cell_agreement(expected: list[GridCell], ours: list[GridCell]) -> dict:
    """Share of expected non-empty texts that sit at the corresponding row and column of ours."""
    rows = line_map(group_texts(expected, lambda c: c.row), group_texts(ours, lambda c: c.row))
    cols = line_map(group_texts(expected, lambda c: c.col), group_texts(ours, lambda c: c.col))
    at = {(c.row, c.col): c.text for c in ours}
    wanted = [c for c in expected if c.text]
    in_place = sum(1 for c in wanted if at.get((rows.get(c.row), cols.get(c.col))) == c.text)
    anywhere = text_overlap([c.text for c in wanted], [c.text for c in ours])
    return {"expected_cells": len(wanted), "cells_in_place": in_place, "cells_anywhere": anywhere,
            "cell_agreement": round(in_place / len(wanted), 4) if wanted else 0.0,
            "cell_text_recall": round(anywhere / len(wanted), 4) if wanted else 0.0}


def grid_row(realworld: Path, grid: ExpectedGrid) -> dict:
    row = {"pdf": grid.pdf, "expected": grid.source_file, "variant": grid.label, "page": grid.page,
           "primary": grid.primary, "expected_shape": [len(grid.rows), max((len(r) for r in grid.rows), default=0)]}
    doc = extract_cached(realworld / "pdfs" / grid.pdf)
    if isinstance(doc, str):
        return {**row, "status": f"not read: {doc}"}
    expected = grid_cells(grid.rows)
    table = best_table([t for t in doc.tables if t.page == grid.page and is_ruled_grid(t)], expected)
    if table is None:
        return {**row, "status": "no ruled table"}
    ours = our_grid_cells(table)
    score = compare(adjacency_relations(ours), adjacency_relations(expected))
    return {**row, "status": "compared", "our_shape": [table.n_rows, table.n_cols],
            **cell_agreement(expected, ours), **score.as_dict(), "_score": score}


def grid_summary(rows: list[dict]) -> dict:
    counted = [r for r in rows if r["primary"]]
    compared = [r for r in counted if r["status"] == "compared"]
    wanted = sum(r["expected_cells"] for r in compared)
    return {
        "expected_tables": len(counted),
        "compared": len(compared),
        "without_ruled_table": sum(1 for r in counted if r["status"] == "no ruled table"),
        "not_read": sum(1 for r in counted if r["status"].startswith("not read")),
        "cell_agreement": round(sum(r["cells_in_place"] for r in compared) / wanted, 4) if wanted else 0.0,
        "cell_text_recall": round(sum(r["cells_anywhere"] for r in compared) / wanted, 4) if wanted else 0.0,
        "adjacency": sum((r["_score"] for r in compared), Score()).as_dict(),
    }


# --- report ----------------------------------------------------------------------------------------

def measure(shared: Path) -> dict:
    realworld = shared / "realworld"
    icdar = icdar_rows(realworld)
    grids = [grid_row(realworld, g) for g in expected_grids(realworld / "expected")]
    return {"icdar2013": {"summary": icdar_summary(icdar), "documents": icdar},
            "camelot_tabula": {"summary": grid_summary(grids), "tables": grids}}


def public(value):
    """Drop the private `_score` objects before writing JSON."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


def figure(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_icdar(icdar: dict) -> None:
    print("ICDAR 2013 cell-adjacency (ours vs ground truth)")
    print(f"{'pdf':42} {'status':20} {'P':>6} {'R':>6} {'F1':>6} {'rel ours/truth':>15} {'stray':>6}")
    for r in icdar["documents"]:
        s = r["_score"]
        print(f"{r['pdf']:42} {r['status'][:20]:20} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}"
              f" {s.ours:>7}/{s.truth:<7} {r.get('stray_relations', 0):>6}")
    summary = icdar["summary"]
    print(f"{'mean F1 over files':63} {'':13} {summary['mean_f1']:6.3f}   (target {TARGET_MEAN_F1})")
    for key in ("ruled_documents", "all_documents"):
        s = summary[key]
        print(f"{'micro-averaged, ' + key.replace('_', ' '):63} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}")
    print(f"({summary['stray_relations']} relations from tables where the truth has none; "
          f"{summary['documents_without_ruled_table']} of {summary['documents']} documents have no table of ours "
          f"on the truth's pages)")


def print_grids(grids: dict) -> None:
    print("camelot / tabula expected tables (* = counted in the overall)")
    print(f"{'pdf':42} {'variant':24} {'status':20} {'cells':>6} {'text':>6} {'adjF1':>6}")
    for r in grids["tables"]:
        mark = "*" if r["primary"] else " "
        cells, text, f1 = (figure(r.get(k, "-")) for k in ("cell_agreement", "cell_text_recall", "f1"))
        print(f"{mark}{r['pdf']:41} {r['variant'][:24]:24} {r['status'][:20]:20} {cells:>6} {text:>6} {f1:>6}")
    g = grids["summary"]
    print(f"overall: {g['compared']} of {g['expected_tables']} expected tables compared "
          f"({g['without_ruled_table']} without a ruled table, {g['not_read']} not read): cell agreement "
          f"{g['cell_agreement']:.3f}, cell text recall {g['cell_text_recall']:.3f}, "
          f"adjacency F1 {g['adjacency']['f1']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding realworld/")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the JSON report")
    args = parser.parse_args(argv)
    if not (args.shared / "realworld" / "expected").is_dir():
        parser.error(f"{args.shared / 'realworld' / 'expected'} not found")
    report = measure(args.shared)
    print_icdar(report["icdar2013"])
    print()
    print_grids(report["camelot_tabula"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(public(report), indent=1) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
