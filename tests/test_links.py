"""Cross-year links: incremental, blocked by council, and equal to scoring every pair."""

from __future__ import annotations

import shutil

import pytest
from rapidfuzz import fuzz, process
from sqlalchemy import text

from councilplans.pipeline import run_pipeline
from extract import ExtractedDocument
from load import link_actions, load_document, open_database
from load.links import LINK_THRESHOLD, MIN_WORDS, comparable, council_key
from normalise import normalise_document

from .conftest import SAMPLES, copy_at_revision, db_rows

LINKS_SQL = ("SELECT document, ref, text, linked_document, linked_ref, linked_text, ROUND(score, 3) FROM v_action_links "
             "ORDER BY 1, 2, 3, 4, 5, 6")


def rows(url: str, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in db_rows(url, sql)]


def every_pair_above_threshold(url: str) -> set[tuple[int, int]]:
    """The links by definition: every pair of actions of two documents, scored with rapidfuzz's own scorers."""
    actions = rows(url, "SELECT a.id, a.document_id, a.text FROM actions a WHERE a.level != 'priority_area'")
    actions = [a for a in actions if len(comparable(a[2]).split()) >= MIN_WORDS]
    texts = [comparable(a[2]) for a in actions]
    scores = (process.cdist(texts, texts, scorer=fuzz.token_set_ratio)
              + process.cdist(texts, texts, scorer=fuzz.token_sort_ratio)) / 2
    return {frozenset((actions[i][0], actions[j][0]))
            for i in range(len(actions)) for j in range(i + 1, len(actions))
            if actions[i][1] != actions[j][1] and scores[i][j] >= LINK_THRESHOLD}


def test_links_are_every_pair_scoring_above_the_threshold(samples_db):
    stored = {frozenset(pair) for pair in rows(samples_db, "SELECT action_id, linked_action_id FROM action_links")}
    assert len(stored) == len(rows(samples_db, "SELECT id FROM action_links")) == 11
    assert stored == every_pair_above_threshold(samples_db)


def test_linking_one_document_at_a_time_gives_the_same_links(samples_db, samples_cache, tmp_path):
    url = f"sqlite:///{tmp_path / 'one-by-one.db'}"
    written = []
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        folder = tmp_path / pdf.stem
        folder.mkdir()
        shutil.copy(pdf, folder)
        summary = run_pipeline(folder, url, workers=1, cache_dir=samples_cache)
        assert (summary.inserted, summary.extracted) == (1, 0), "the samples come from the cache"
        written.append(summary.links)
    assert rows(url, LINKS_SQL) == rows(samples_db, LINKS_SQL)
    assert sum(written) == 11 and written[0] == 0, "each run writes only the links of the document it loaded"


def sample_plan(samples_cache, name: str, sha256: str, council: str):
    """A sample's plan from the extraction cache, as another file of another (or the same) council."""
    [cached] = [p for p in samples_cache.glob("*.json")
                if ExtractedDocument.model_validate_json(p.read_text()).file_name == name]
    plan = normalise_document(ExtractedDocument.model_validate_json(cached.read_text()))
    return plan.model_copy(update={"sha256": sha256, "council": council, "file_name": f"{sha256[:6]}.pdf"})


def test_links_stay_within_one_council(samples_db, samples_cache, tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'councils.db'}")
    name = "cef-portfolio-plan-2018-22.pdf"
    for sha, council in [("a" * 64, "London Borough of Bromley"), ("b" * 64, "Bromley Council"),
                         ("c" * 64, "Kent County Council")]:
        load_document(engine, sample_plan(samples_cache, name, sha, council), f"{sha[:6]}.pdf")
    link_actions(engine)
    with engine.connect() as conn:
        pairs = set(conn.execute(text("SELECT DISTINCT document, linked_document FROM v_action_links")))
        copies = {t for t, linked in conn.execute(text("SELECT text, linked_text FROM v_action_links")) if t == linked}
        texts = {t for (t,) in conn.execute(text("SELECT text FROM actions WHERE level != 'priority_area'"))}
    assert pairs == {("aaaaaa.pdf", "bbbbbb.pdf")}, "the same plan under Kent's name links to nothing"
    assert copies == {t for t in texts if len(comparable(t).split()) >= MIN_WORDS} and len(copies) > 10
    assert link_actions(engine) == 0
    engine.dispose()


@pytest.mark.parametrize("a, b", [("London Borough of Bromley", "Bromley Council"),
                                  ("Kent County Council", "Kent"), (None, "")])
def test_council_names_that_are_one_council(a, b):
    assert council_key(a) == council_key(b)


def test_a_database_from_before_incremental_linking_is_linked_again(samples_db, tmp_path):
    """Upgrading from revision 0001 (no linked_documents) links every document once."""
    before = rows(samples_db, LINKS_SQL)
    url = copy_at_revision(samples_db, tmp_path / "old.db", "0001")
    assert "linked_documents" not in {r[0] for r in rows(url, "SELECT name FROM sqlite_master")}
    engine = open_database(url)  # migrates to the newest revision
    assert link_actions(engine) == len(before)
    assert rows(url, LINKS_SQL) == before
    engine.dispose()
