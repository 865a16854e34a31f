"""Cross-year links: incremental, blocked by council, and equal to scoring every pair."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from councilplans.pipeline import run_pipeline
from extract import ExtractedDocument
from load import link_actions, load_document, open_database
from load.links import LINK_THRESHOLD, MIN_WORDS, Corpus, acronyms, action_text, comparable, council_key, earlier_first
from normalise import normalise_document

from .conftest import SAMPLES, copy_at_revision, db_rows

LINKS_SQL = ("SELECT document, ref, text, linked_document, linked_ref, linked_text, ROUND(score, 3), direction "
             "FROM v_action_links ORDER BY 1, 2, 3, 4, 5, 6")
PAIRS_SQL = ("SELECT document, ref, text, linked_document, linked_ref, linked_text, direction FROM v_action_links "
             "ORDER BY 1, 2, 3, 4, 5, 6")


def rows(url: str, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in db_rows(url, sql)]


def every_pair_above_threshold(url: str) -> set[frozenset[int]]:
    """The links by definition: every pair of rows of two documents, all texts scored against all at
    once (no chunks, no incremental runs, no grouping by distinct text)."""
    actions = [dict(r) for r in db_rows(url, "SELECT id, document_id, text, detail FROM actions")]
    spelled = acronyms(action_text(type("Row", (), a)) for a in actions)
    words = [comparable(action_text(type("Row", (), a)), spelled) for a in actions]
    keep = [k for k, w in enumerate(words) if len(set(w.split())) >= MIN_WORDS]
    distinct = sorted({words[k] for k in keep})
    scores = Corpus.of(distinct).scores(list(range(len(distinct))))
    at = {w: i for i, w in enumerate(distinct)}
    return {frozenset((actions[a]["id"], actions[b]["id"]))
            for i, a in enumerate(keep) for b in keep[i + 1:]
            if actions[a]["document_id"] != actions[b]["document_id"]
            and round(float(scores[at[words[a]], at[words[b]]]), 3) >= LINK_THRESHOLD}


def test_links_are_every_pair_scoring_above_the_threshold(samples_db):
    stored = {frozenset(pair) for pair in rows(samples_db, "SELECT action_id, linked_action_id FROM action_links")}
    assert len(stored) == len(rows(samples_db, "SELECT id FROM action_links")) == 29
    assert stored == every_pair_above_threshold(samples_db)


def test_every_link_points_from_the_earlier_plan_to_the_later(samples_db):
    """By plan period: the five samples' periods all differ, so every link says it was told by them."""
    links = db_rows(samples_db, "SELECT e.period_start AS a, n.period_start AS b, l.direction FROM v_action_links l "
                                "JOIN v_actions e ON e.action_id = l.action_id "
                                "JOIN v_actions n ON n.action_id = l.linked_action_id")
    assert links and all(link["a"] < link["b"] and link["direction"] == "plan_period" for link in links)


@pytest.mark.parametrize("a, b, before, told", [
    (("a", "2016-06-01", "2017-10-31", None), ("b", "2017-04-01", "2018-03-31", "2018-03-31"), True, "plan_period"),
    (("b", "2017-04-01", "2018-03-31", None), ("a", "2016-06-01", "2017-10-31", None), False, "plan_period"),
    (("a", "2017-04-01", "2018-03-31", None), ("b", "2017-04-01", "2019-03-31", None), True, "plan_period"),
    (("a", "2017-04-01", "2018-03-31", "2018-03-31"), ("b", "2017-04-01", "2018-03-31", "2017-09-30"), False,
     "status_date"),
    (("b", None, None, "2017-09-30"), ("a", "2017-04-01", "2018-03-31", "2018-03-31"), True, "status_date"),
    (("b", "2017-04-01", "2018-03-31", None), ("a", "2017-04-01", "2018-03-31", None), False, "unknown"),
])
def test_which_side_is_earlier(a, b, before, told):
    from datetime import date

    from load.links import DocFacts

    def facts(sha, start, end, status):
        return DocFacts(sha, *(date.fromisoformat(d) if d else None for d in (start, end, status)))

    assert earlier_first(facts(*a), facts(*b)) == (before, told)


def test_linking_one_document_at_a_time_writes_only_its_links(samples_db, samples_cache, tmp_path):
    """Each run links only the document it loaded, against the documents already there. The corpus
    weights are then those of fewer documents than when the five are linked at once, so a few pairs
    near the threshold come out differently; most are the same, in the same direction."""
    url = f"sqlite:///{tmp_path / 'one-by-one.db'}"
    written = []
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        folder = tmp_path / pdf.stem
        folder.mkdir()
        shutil.copy(pdf, folder)
        summary = run_pipeline(folder, url, workers=1, cache_dir=samples_cache)
        assert (summary.inserted, summary.extracted) == (1, 0), "the samples come from the cache"
        written.append(summary.links)
    one_by_one, at_once = set(rows(url, PAIRS_SQL)), set(rows(samples_db, PAIRS_SQL))
    assert written[0] == 0 and sum(written) == len(one_by_one), "each run writes only the links of the document it loaded"
    assert len(one_by_one & at_once) >= 0.8 * len(at_once | one_by_one)


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
        texts = {t for (t,) in conn.execute(text("SELECT text FROM actions"))}
        directions = {d for (d,) in conn.execute(text("SELECT DISTINCT direction FROM v_action_links"))}
    assert pairs == {("aaaaaa.pdf", "bbbbbb.pdf")}, "the same plan under Kent's name links to nothing"
    assert copies == {t for t in texts if len(set(comparable(t).split())) >= MIN_WORDS} and len(copies) > 10
    assert directions == {"unknown"}, "two copies of one plan: nothing tells which came first"
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
