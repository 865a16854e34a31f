"""Agreement with other projects' expected tables: the ICDAR 2013 adjacency metric itself, its
parser on real ground truth, and floors on what the tables export reaches on real PDFs."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.agreement import (
    GridCell, adjacency_relations, cell_agreement, compare, expected_grids, grid_cells, grid_row, icdar_rows,
    icdar_summary, main, normalise, parse_icdar_structure,
)

from .conftest import SHARED, needs_shared

REALWORLD = SHARED / "realworld"
EXPECTED = REALWORLD / "expected"
MEAN_ICDAR_F1 = 0.966  # mean over the six ICDAR files of per-file F1, extractor 0.8.0 (target 0.86)
ICDAR_F1 = {  # per file, extractor 0.8.0
    "icdar_eu-018_efsa_multilevel_header.pdf": 0.998, "icdar_eu-021_survey_rowspans.pdf": 1.0,
    "icdar_us-018_multipage_stats.pdf": 0.902, "icdar_us-022_performance_data_shaded.pdf": 1.0,
    "icdar_us-030_lattice_spans.pdf": 1.0, "icdar_us-035a_snaking_columns.pdf": 0.895,
}
MARGIN = 0.02


def test_normalise_keeps_lowercase_alphanumerics_only():
    assert normalise("Percent Fuel-Savings\n(1/km) É") == "percentfuelsavings1kme"


def test_adjacency_on_hand_made_grids():
    """Truth has an empty cell, so its nearest-neighbour relations skip it; ours fills it."""
    truth = grid_cells([["A", "B", "C"], ["1", "", "3"]])
    ours = grid_cells([["A", "B", "C"], ["1", "2", "3"]])
    assert adjacency_relations(truth) == Counter({
        ("a", "b", "right"): 1, ("b", "c", "right"): 1, ("1", "3", "right"): 1,
        ("a", "1", "below"): 1, ("c", "3", "below"): 1,
    })
    score = compare(adjacency_relations(ours), adjacency_relations(truth))
    assert (score.matched, score.ours, score.truth) == (4, 7, 5)
    assert score.precision == pytest.approx(4 / 7)
    assert score.recall == pytest.approx(4 / 5)
    assert score.f1 == pytest.approx(2 / 3)


def test_spanning_cell_meets_each_neighbour_once_and_repeats_count():
    header = [GridCell("h", 0, 0, 1, 2), GridCell("x", 1, 0), GridCell("y", 1, 1)]
    assert adjacency_relations(header) == Counter(
        {("h", "x", "below"): 1, ("h", "y", "below"): 1, ("x", "y", "right"): 1})
    side = [GridCell("s", 0, 0, 2, 1), GridCell("p", 0, 1), GridCell("q", 1, 1)]
    assert adjacency_relations(side)[("s", "p", "right")] == 1 and adjacency_relations(side)[("s", "q", "right")] == 1
    zeros = grid_cells([["0", "0", "0"]])
    assert compare(Counter({("0", "0", "right"): 1}), adjacency_relations(zeros)).matched == 1


def test_cell_agreement_follows_rows_and_columns_by_their_texts():
    expected = grid_cells([["a", "b"], ["c", "d"]])
    ours = grid_cells([["", "a", "b"], ["", "c", "x"]])  # shifted one column, one cell wrong
    agreement = cell_agreement(expected, ours)
    assert (agreement["expected_cells"], agreement["cells_in_place"], agreement["cells_anywhere"]) == (4, 3, 3)


@needs_shared()
def test_icdar_parser_reads_cells_spans_and_region():
    tables = parse_icdar_structure(EXPECTED / "icdar_us-030_lattice_spans.icdar2013-str.xml")
    assert len(tables) == 1 and len(tables[0].cells) == 43
    assert tables[0].cells[0] == GridCell("cyclename", 1, 1, row_span=2, col_span=1)
    assert tables[0].cells[3] == GridCell("percentfuelsavings", 1, 4, row_span=1, col_span=4)
    assert [(r.page, r.bbox_bottom_left) for r in tables[0].regions] == [(2, (125.0, 121.0, 486.0, 232.0))]
    assert sum(adjacency_relations(tables[0].cells).values()) == 76


@needs_shared()
def test_icdar_parser_applies_region_increments():
    """us-035a's snaking table is one table in three side-by-side regions (col-increment 0, 2, 4)."""
    snaking = parse_icdar_structure(EXPECTED / "icdar_us-035a_snaking_columns.icdar2013-str.xml")[1]
    assert [r.page for r in snaking.regions] == [3, 3, 3]
    assert max(c.col + c.col_span - 1 for c in snaking.cells) == 6


@pytest.fixture(scope="module")
def icdar():
    if not EXPECTED.is_dir():
        pytest.skip("../shared/realworld is not present in this clone")
    rows = icdar_rows(REALWORLD)
    return {r["pdf"]: r for r in rows}, icdar_summary(rows)


@needs_shared()
def test_icdar_adjacency_floor_per_file_and_mean(icdar):
    documents, summary = icdar
    assert summary["documents"] == 6 and summary["documents_compared"] == 6
    assert summary["mean_f1"] >= max(MEAN_ICDAR_F1 - MARGIN, summary["target_mean_f1"]), summary
    for pdf, floor in ICDAR_F1.items():
        assert documents[pdf]["f1"] >= floor - MARGIN, (pdf, documents[pdf])
    assert documents["icdar_us-030_lattice_spans.pdf"]["f1"] == 1.0


@needs_shared()
def test_tables_where_the_truth_has_none_are_counted(icdar):
    """Relations of our tables overlapping no truth table are reported apart, and counted as false."""
    documents, summary = icdar
    assert summary["stray_relations"] == sum(d["stray_relations"] for d in documents.values())
    assert all(d["relations_ours"] >= d["stray_relations"] for d in documents.values())


@needs_shared()
def test_camelot_lattice_tables_agree_cell_for_cell():
    grids = {(g.pdf, g.label): g for g in expected_grids(EXPECTED)}
    us030 = grid_row(REALWORLD, grids[("icdar_us-030_lattice_spans.pdf", "lattice_page2")])
    assert (us030["status"], us030["cell_agreement"], us030["f1"]) == ("compared", 1.0, 1.0)
    dulwich = grid_row(REALWORLD, grids[("uk_sopn_dulwich_2015_a3.pdf", "camelot_lattice_page1")])
    assert dulwich["expected_cells"] == 37 and dulwich["cell_agreement"] >= 0.95


SUBSET = {  # one of each outcome, so the run stays quick: compared, unruled, encrypted
    "icdar_us-030_lattice_spans": ["icdar2013-str.xml", "camelot_expected.json"],
    "camelot_clockwise_table_2": ["camelot_expected.json"],
    "camelot_health_protected": ["camelot_expected.json"],
}


@needs_shared()
def test_runnable_module_writes_the_report(tmp_path, capsys):
    """`python bench/agreement.py --shared DIR` over a linked subset of the real files."""
    shared = tmp_path / "shared"
    for folder in ("pdfs", "expected"):
        (shared / "realworld" / folder).mkdir(parents=True)
    for stem, expected in SUBSET.items():
        (shared / "realworld" / "pdfs" / f"{stem}.pdf").symlink_to(REALWORLD / "pdfs" / f"{stem}.pdf")
        for suffix in expected:
            (shared / "realworld" / "expected" / f"{stem}.{suffix}").symlink_to(EXPECTED / f"{stem}.{suffix}")
    out = tmp_path / "bench" / "agreement.json"
    assert main(["--shared", str(shared), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["icdar2013"]["summary"]["ruled_documents"]["f1"] == 1.0
    grids = report["camelot_tabula"]["summary"]
    counts = (grids["expected_tables"], grids["compared"], grids["without_ruled_table"], grids["not_read"])
    assert counts == (3, 1, 1, 1)
    assert grids["cell_agreement"] == 1.0
    assert "_score" not in json.dumps(report)
    printed = capsys.readouterr().out
    assert "mean F1 over files" in printed and "micro-averaged, ruled documents" in printed
