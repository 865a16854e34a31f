"""The Datasette review plugin (councilplans/review) over the samples, through Datasette's own client.

Every sample's review page, the boxes it draws against the provenance stored, highlighted rows,
the page images rendered once and kept, a document whose PDF has gone, flagged values with the
command that fixes them, the links from v_actions / v_measures rows, the search box and the plots.
The same pages in a real browser: tests/test_review_browser.py.
"""

from __future__ import annotations

import html
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import SAMPLES
from .review_helpers import InProcess, db_file, rows

SAMPLE_COUNT = len(list(SAMPLES.glob("*.pdf")))
BOX = re.compile(r'<a class="box field-(?P<field>[\w-]+)(?P<hl> highlight)?" href="[^"]*" style="(?P<style>[^"]*)"'
                 r'[^>]*data-kind="(?P<kind>\w+)" data-id="(?P<id>\d+)"')


@pytest.fixture(scope="module")
def copy_db(samples_db, tmp_path_factory) -> Path:
    """A copy of the samples database in its own folder, so its page cache is this module's."""
    folder = tmp_path_factory.mktemp("review")
    target = folder / "samples.db"
    shutil.copy(db_file(samples_db), target)
    return target


@pytest.fixture(scope="module")
def site(copy_db):
    instance = InProcess(copy_db)
    yield instance
    instance.close()


def documents(path: Path) -> list:
    return rows(path, "SELECT id, sha256, file_name, page_count FROM documents ORDER BY file_name")


def boxes_of(body: str) -> list[dict]:
    return [m.groupdict() for m in BOX.finditer(body)]


def test_the_plugin_is_installed_with_its_hooks():
    out = subprocess.run([sys.executable, "-m", "datasette", "plugins"], capture_output=True, text=True, check=True)
    (plugin,) = [p for p in json.loads(out.stdout) if p["name"] == "councilplans"]
    assert {"register_routes", "render_cell", "menu_links"} <= set(plugin["hooks"]) and plugin["templates"]


def test_index_lists_every_sample_with_its_pdf_on_disk(site, copy_db):
    response = site.get("/-/review")
    assert response.status_code == 200
    for doc in documents(copy_db):
        assert f'data-sha256="{doc["sha256"]}"' in response.text and doc["file_name"] in response.text
    assert response.text.count("on disk</td>") == SAMPLE_COUNT
    assert "no longer on disk" not in response.text


def test_every_sample_shows_every_box_the_database_holds(site, copy_db):
    for doc in documents(copy_db):
        response = site.get(f"/-/review/samples/{doc['sha256']}")
        assert response.status_code == 200, doc["file_name"]
        drawn = boxes_of(response.text)
        (stored,) = rows(copy_db, "SELECT (SELECT COUNT(*) FROM provenance p JOIN actions a ON a.id = p.action_id "
                                  "WHERE a.document_id = :d AND p.x0 IS NOT NULL) + (SELECT COUNT(*) FROM "
                                  "measure_values v JOIN measures m ON m.id = v.measure_id WHERE m.document_id = :d "
                                  "AND v.x0 IS NOT NULL)", d=doc["id"])
        assert len(drawn) == stored[0] > 0, doc["file_name"]
        assert response.text.count('class="review-page"') == doc["page_count"]
        assert "Source PDF:" in response.text


def expected_style(box, width: float, height: float) -> str:
    return "left:{:.4f}%;top:{:.4f}%;width:{:.4f}%;height:{:.4f}%".format(
        100 * box["x0"] / width, 100 * box["top"] / height, 100 * (box["x1"] - box["x0"]) / width,
        100 * (box["bottom"] - box["top"]) / height)


def pdf_page_size(path: Path, page: int) -> tuple[float, float]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return tuple(pdf[page - 1].get_size())
    finally:
        pdf.close()


def a_task(path: Path):
    """A task of the CSC improvement plan with text, deadline and lead boxes on its page."""
    (task,) = rows(path, "SELECT a.id, a.page, d.sha256, d.file_name FROM actions a JOIN documents d "
                         "ON d.id = a.document_id WHERE d.file_name = 'csc-improvement-plan-2016-17.pdf' "
                         "AND a.level = 'task' AND (SELECT COUNT(*) FROM provenance p WHERE p.action_id = a.id "
                         "AND p.page = a.page) >= 3 ORDER BY a.seq LIMIT 1 OFFSET 20")
    return task


def test_a_highlighted_action_shows_its_own_boxes_where_the_provenance_says(site, copy_db):
    task = a_task(copy_db)
    response = site.get(f"/-/review/samples/{task['sha256']}/{task['page']}?action={task['id']}")
    assert response.status_code == 200
    stored = rows(copy_db, "SELECT field, x0, top, x1, bottom FROM provenance WHERE action_id = :a AND page = :p "
                           "ORDER BY field", a=task["id"], p=task["page"])
    highlighted = sorted((b for b in boxes_of(response.text) if b["hl"]), key=lambda b: b["field"])
    assert [b["field"] for b in highlighted] == [s["field"] for s in stored]
    assert all(b["kind"] == "action" and int(b["id"]) == task["id"] for b in highlighted)
    width, height = pdf_page_size(SAMPLES / task["file_name"], task["page"])
    for box, where in zip(highlighted, stored):
        assert box["style"].startswith(expected_style(where, width, height)), box["field"]
    assert "has-highlight" in response.text


def test_page_images_are_rendered_once_and_kept(site, copy_db):
    task = a_task(copy_db)
    url = f"/-/review/samples/{task['sha256']}/{task['page']}.png"
    first = site.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    assert first.content[:8] == b"\x89PNG\r\n\x1a\n"
    cached = copy_db.parent / "cache" / "pages" / task["sha256"] / f"page-{task['page']}.png"
    assert cached.read_bytes() == first.content
    stamp = cached.stat().st_mtime_ns
    assert site.get(url).content == first.content and cached.stat().st_mtime_ns == stamp  # served, not rendered again
    from PIL import Image

    width, height = pdf_page_size(SAMPLES / task["file_name"], task["page"])
    with Image.open(cached) as image:
        assert abs(image.width - 2 * width) <= 1 and abs(image.height - 2 * height) <= 1
    sizes = json.loads((cached.parent / "sizes.json").read_text())
    assert len(sizes) == task_pages(copy_db, task["sha256"])


def task_pages(path: Path, sha: str) -> int:
    return rows(path, "SELECT page_count FROM documents WHERE sha256 = :s", s=sha)[0][0]


def test_a_document_whose_pdf_has_gone_says_so_plainly(copy_db, tmp_path):
    gone = tmp_path / "gone.db"
    shutil.copy(copy_db, gone)
    rows_changed = rows(gone, "SELECT COUNT(*) FROM document_files")[0][0]
    import sqlite3

    with sqlite3.connect(gone) as conn:
        conn.execute("UPDATE document_files SET path = '/nowhere/papers/' || "
                     "(SELECT file_name FROM documents d WHERE d.id = document_id)")
    task = a_task(gone)
    site = InProcess(gone)
    try:
        index = site.get("/-/review")
        assert index.text.count("no longer on disk") == SAMPLE_COUNT and rows_changed
        page = site.get(f"/-/review/gone/{task['sha256']}/{task['page']}?action={task['id']}")
        assert page.status_code == 200
        assert "The source PDF is no longer on disk (looked for /nowhere/papers/csc-improvement-plan-2016-17.pdf" in page.text
        assert 'class="page-image"' not in page.text and "this page was never rendered" in page.text
        assert any(b["hl"] for b in boxes_of(page.text))  # the stored boxes are still drawn, on a blank page
        image = site.get(f"/-/review/gone/{task['sha256']}/{task['page']}.png")
        assert image.status_code == 404 and "no longer on disk" in image.text
    finally:
        site.close()


def test_a_page_rendered_before_the_pdf_went_is_still_shown(copy_db, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(SAMPLES / "cef-portfolio-plan-2018-22.pdf", folder)
    gone = tmp_path / "kept.db"
    shutil.copy(copy_db, gone)
    import sqlite3

    with sqlite3.connect(gone) as conn:
        conn.execute("UPDATE document_files SET path = :p WHERE document_id = "
                     "(SELECT id FROM documents WHERE file_name = 'cef-portfolio-plan-2018-22.pdf')",
                     {"p": str(folder / "cef-portfolio-plan-2018-22.pdf")})
    (sha,) = rows(gone, "SELECT sha256 FROM documents WHERE file_name = 'cef-portfolio-plan-2018-22.pdf'")[0]
    site = InProcess(gone)
    try:
        assert site.get(f"/-/review/kept/{sha}/2.png").status_code == 200
        (folder / "cef-portfolio-plan-2018-22.pdf").write_bytes(b"%PDF-1.4 something else")  # changed on disk
        page = site.get(f"/-/review/kept/{sha}/2")
        assert "no longer on disk" in page.text and "now holds different bytes" in page.text
        assert 'class="page-image"' in page.text  # from the cache
        assert site.get(f"/-/review/kept/{sha}/2.png").status_code == 200
        assert site.get(f"/-/review/kept/{sha}/3.png").status_code == 404
    finally:
        site.close()


@pytest.fixture
def flagged(copy_db, tmp_path):
    """A copy of the samples with flags as OCR and colour-reading would set them."""
    import sqlite3

    path = tmp_path / "flagged.db"
    shutil.copy(copy_db, path)
    task = a_task(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE actions SET flags = :f WHERE id = :a",
                     {"f": json.dumps(["ocr-review:deadline", "ocr-review:agency"]), "a": task["id"]})
        conn.execute("UPDATE actions SET rag_conflict = 'word says Green, fill colour says Amber' WHERE id = :a",
                     {"a": task["id"] + 1})
    return path, task


def test_flagged_values_come_first_with_the_command_that_fixes_them(flagged):
    path, task = flagged
    site = InProcess(path)
    try:
        body = site.get(f"/-/review/flagged/{task['sha256']}").text
        assert body.index("To review first") < body.index('class="review-page"')
        flags = re.findall(r'<tr class="flag[^"]*" data-action="(\d+)" data-field="([\w]*)"', body)
        assert (str(task["id"]), "deadline_raw") in flags and (str(task["id"]), "") in flags  # agency: no --field
        assert (str(task["id"] + 1), "rag") in flags
        assert "deadline &#34;Implemented&#34; was not understood as a date" in body  # the sample's own
        assert "not understood as a date" in body and "fill colour says Amber" in body
        commands = [html.unescape(c) for c in re.findall(r'<code class="correct-command">([^<]*)</code>', body)]
        rag_fix = next(c for c in commands if f"correct {task['id'] + 1} --field rag" in c)
        assert "--value Amber" in rag_fix and f"--db sqlite:///{path.resolve()}" in rag_fix

        deadline_fix = next(c for c in commands if f"correct {task['id']} --field deadline_raw" in c)
        args = shlex.split(deadline_fix)
        args[args.index("--value") + 1] = "March 2017"
        out = subprocess.run([sys.executable, "-m", "councilplans", *args[1:]], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        after = site.get(f"/-/review/flagged/{task['sha256']}/{task['page']}").text
        assert 'class="flag resolved"' in after and "corrected to <strong>March 2017</strong>" in after
    finally:
        site.close()


def test_v_actions_and_v_measures_rows_link_to_their_page_highlighted(site, copy_db):
    task = a_task(copy_db)
    table = site.get(f"/samples/v_actions?action_id={task['id']}").text
    link = f'/-/review/samples/{task["sha256"]}/{task["page"]}?action={task["id"]}'
    assert f'href="{html.escape(link)}"' in table

    (value,) = rows(copy_db, "SELECT v.doc_sha256, v.page, v.name, v.column_label, v.value_raw FROM v_measures v "
                             "WHERE v.document = 'cyp-portfolio-plan-2011-12.pdf' ORDER BY v.page, v.name LIMIT 1")
    measures = site.get(f"/samples/v_measures?doc_sha256={value['doc_sha256']}&_size=max").text
    found = re.search(r'href="(/-/review/samples/%s/%d\?kpi=[^"]+)"' % (value["doc_sha256"], value["page"]), measures)
    assert found
    page = site.get(html.unescape(found.group(1))).text
    assert any(b["hl"] and b["kind"] == "kpi" for b in boxes_of(page))

    action_row = site.get(f"/samples/actions?id={task['id']}").text
    assert f'/-/review/samples/action/{task["id"]}' in action_row
    redirect = site.get(f"/-/review/samples/action/{task['id']}")
    assert redirect.status_code == 302 and redirect.headers["location"] == link
    document = site.get(f"/samples/documents?sha256={task['sha256']}").text
    assert f'/-/review/samples/{task["sha256"]}"' in document


def test_the_search_box_finds_actions_and_kpis(site, copy_db):
    found = site.get("/samples/v_actions.json?_search=looked+after&_shape=array&_size=max").json()
    like = rows(copy_db, "SELECT action_id FROM v_actions WHERE lower(text) LIKE '%looked after%' "
                         "OR lower(progress) LIKE '%looked after%'")
    assert {r["action_id"] for r in found} >= {r["action_id"] for r in like} and found
    page = site.get("/samples/v_actions").text
    assert 'name="_search"' in page
    kpis = site.get("/samples/measures.json?_search=looked&_shape=array").json()
    assert kpis and all("looked" in k["name"].lower() for k in kpis)
    canned = site.get(f"/samples/search.json?words={quote('school improvement')}&_shape=array").json()
    assert [r["kind"] for r in canned].count("action") == 3
    assert [r["score"] for r in canned] == sorted((r["score"] for r in canned), reverse=True)


def test_the_report_plots_rag_counts_and_slipped_deadlines(site, copy_db):
    body = site.get("/-/review/samples/report").text
    assert '<svg class="chart rag-chart"' in body and '<svg class="chart slip-chart"' in body
    # as `trend` counts: actions and tasks (a rated area sums up its tasks)
    (rated,) = rows(copy_db, "SELECT COUNT(*) FROM v_actions WHERE rag IS NOT NULL AND level IN ('action', 'task')")[0]
    counted = sum(int(n) for n in re.findall(r"<title>[^<]*: (\d+) (?:red|amber|green|blue)</title>", body))
    assert counted == rated
    assert body.count('<g class="slip">') > 0


def test_menu_links_to_the_review(site):
    assert 'href="/-/review">Review pages' in site.get("/").text


def test_what_is_not_there_is_a_404_saying_so(site):
    missing = site.get(f"/-/review/samples/{'0' * 64}")
    assert missing.status_code == 404 and "no document with sha256" in missing.text
    assert site.get("/-/review/nosuchdb/report").status_code == 404
    assert site.get("/samples/no_such_table").status_code == 404  # Datasette's own 404s too
    assert site.get("/samples/no_such_table.json").json()["status"] == 404
