"""The same documents rendered differently (column order, page size, font, RAG as colour only)
must extract as well as the bundled samples: nothing in the extractor may depend on one layout."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from councilplans.pipeline import run_pipeline
from councilplans.scoring import overall, score_folder

from .conftest import ROOT, SAMPLES

# Measured with `councilplans score` on each variant; a drop below is a regression.
FLOORS = {
    "alt-columns": dict(recall=1.0, precision=1.0, exact_text=0.99, rag=1.0, deadline=0.99,
                        lead_precision=0.97, lead_recall=0.97, kpi_recall=0.95, kpi_values=0.9),
    "colour-only": dict(recall=1.0, precision=1.0, exact_text=0.99, rag=1.0, deadline=0.99,
                        lead_precision=0.99, lead_recall=0.99, kpi_recall=0.95, kpi_values=0.9),
    # rules between rows only: columns from the gutters in the text (extract/readers/row_ruled.py)
    "open-rules": dict(recall=0.95, precision=0.97, exact_text=0.97, rag=0.99, deadline=0.99,
                       lead_precision=0.985, lead_recall=0.93, kpi_recall=0.96, kpi_values=0.38),
}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def rendering(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    out = subprocess.run([sys.executable, str(ROOT / "samples" / "generate.py"), "--out", str(folder),
                          "--variant", request.param], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for expected in SAMPLES.glob("*.expected.json"):
        shutil.copy(expected, folder)
    url = f"sqlite:///{folder / 'score.db'}"
    summary = run_pipeline(folder, url, workers=2, cache_dir=None)
    assert summary.failed == 0, summary.errors
    return request.param, folder, url


def test_rendering_scores_at_least_its_floor(rendering):
    name, folder, url = rendering
    scores = score_folder(folder, url)
    assert len(scores) == 5
    ratios = overall(scores).ratios()
    for metric, floor in FLOORS[name].items():
        assert ratios[metric] >= floor, (name, metric, ratios)


def test_colour_only_ratings_come_from_fill_colour(rendering):
    name, folder, url = rendering
    if name != "colour-only":
        pytest.skip("only the colour-only rendering prints no rating words")
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        sources = dict(conn.execute(text("SELECT rag_source, count(*) FROM actions WHERE rag IS NOT NULL GROUP BY rag_source")).all())
    assert sources == {"colour": 151 + 36}  # every rated area, task and action of the two rated plans


def test_a_table_ruled_between_rows_only_is_read_cell_by_cell(rendering):
    """No column rules: columns come from the gutters in the text, rows from the rules."""
    name, folder, url = rendering
    if name != "open-rules":
        pytest.skip("only the open-rules rendering leaves out the column rules")
    import pdfplumber

    from extract.pdf import extract_page

    with pdfplumber.open(folder / "cef-portfolio-plan-2018-22.pdf") as pdf:
        rationale, actions = extract_page(pdf.pages[5]).tables  # the boxed rationale keeps its rules
    header, first = actions.grid()[:2]
    assert rationale.n_cols == 3 and actions.n_cols == 5
    assert [c.text for c in header] == ["Action to meet priority", "Detail", "Measure of success", "Target date",
                                        "DLT Lead"]
    assert first[0].text == "Raise awareness of children and adults\nsafeguarding"
    assert first[3].text == "April 2022 (annual\nprogramme)"
    assert first[2].text.startswith("• Training programme published and well attended\n• Annual conferences")
