"""Limits, interruptions, two runs at once and fuzzed PDFs: the batch never loses or doubles data.

Everything runs for real: the CLI in subprocesses killed with real signals, real SQLite
files (and a real PostgreSQL server where one can be started), PDFs mutated byte by byte.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.lib.pdfencrypt import StandardEncryption
from sqlalchemy import create_engine, text

from councilplans.document import process_document
from councilplans.pipeline import run_pipeline
from extract import sha256_of

from .pg import another_database, postgres_url  # noqa: F401  (postgres_url is the server fixture)
from .test_bad_input import content_bomb_pdf, long_pdf, table_pdf

PLANS = 5  # generated 60-page plans: about a second each to extract, so a kill lands mid-batch
FUZZ_EXAMPLES = int(os.environ.get("COUNCILPLANS_FUZZ_EXAMPLES", "300"))
HANG_SECONDS = 30  # a fuzzed one-page PDF that takes this long in-process counts as a hang


def cli(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "councilplans", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def document_counts(url: str) -> dict[str, tuple[int, int, int]]:
    """sha256 -> (actions, KPI values, generic tables) for every loaded document."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.sha256,"
            " (SELECT count(*) FROM actions a WHERE a.document_id = d.id),"
            " (SELECT count(*) FROM measure_values v JOIN measures m ON m.id = v.measure_id"
            "  WHERE m.document_id = d.id),"
            " (SELECT count(*) FROM generic_tables g WHERE g.document_id = d.id)"
            " FROM documents d")).all()
    engine.dispose()
    return {sha: (a, v, g) for sha, a, v, g in rows}


def integrity_ok(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def documents_loaded(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:  # the run has not created the schema yet
        return 0


def processes_in_group(pgid: int) -> list[int]:
    """Live processes of a process group (the CLI, its fork server and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> Path:
    """A folder of distinct 60-page action plans that share their leads (shared rows race too)."""
    folder = tmp_path_factory.mktemp("plans")
    for n in range(PLANS):
        long_pdf(folder / f"plan-{n}.pdf", pages=60, every=20, title=f"Plan {n}")
    return folder


@pytest.fixture(scope="module")
def reference(plans, tmp_path_factory) -> dict[str, tuple[int, int, int]]:
    """What each plan looks like after one uninterrupted run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}"
    assert run_pipeline(plans, url, workers=2, cache_dir=None).inserted == PLANS
    return document_counts(url)


# --- limits ------------------------------------------------------------------------------------

def test_a_pdf_that_never_finishes_is_stopped_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    content_bomb_pdf(folder / "a-slow.pdf", megabytes=20)  # takes minutes to lay out
    table_pdf(folder / "b-good.pdf")
    started = time.monotonic()
    summary = run_pipeline(folder, f"sqlite:///{tmp_path / 'x.db'}", workers=1, cache_dir=None, timeout=2)
    assert summary.errors == [("a-slow.pdf", "extract", "time limit exceeded: stopped after 2 s")]
    assert summary.failures[0].kind == "limit"
    assert summary.inserted == 1  # a fresh worker took over after the stuck one was killed
    assert time.monotonic() - started < 60


def test_a_pdf_that_eats_memory_is_reported_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    content_bomb_pdf(folder / "a-bomb.pdf", megabytes=400)  # 800 kB on disk, 400 MB inflated
    table_pdf(folder / "b-good.pdf")
    summary = run_pipeline(folder, f"sqlite:///{tmp_path / 'x.db'}", workers=1, cache_dir=None,
                           max_memory_mb=1024)
    assert summary.errors == [("a-bomb.pdf", "extract", "memory limit exceeded (1024 MiB)")]
    assert summary.failures[0].kind == "limit"
    assert summary.inserted == 1


# --- interruptions -----------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT"])
def test_a_killed_run_leaves_whole_documents_and_the_next_run_finishes(tmp_path, plans, reference, how):
    folder = tmp_path / "in"
    shutil.copytree(plans, folder)
    db = tmp_path / "k.db"
    url = f"sqlite:///{db}"
    args = ("run", str(folder), "--db", url, "--workers", "1", "--cache", str(tmp_path / "cache"))
    run = cli(*args, start_new_session=True)
    assert wait_until(lambda: documents_loaded(db) >= 1, 180), "the first document never loaded"
    if how == "SIGINT":
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group gets it
    else:
        os.kill(run.pid, getattr(signal, how))  # the parent alone: its workers must not outlive it
    run.communicate(timeout=60)
    assert run.returncode == {"SIGKILL": -9, "SIGTERM": 128 + signal.SIGTERM, "SIGINT": 130}[how]
    assert wait_until(lambda: not processes_in_group(run.pid), 10), "workers outlived the killed run"

    assert integrity_ok(db)
    before = document_counts(url)
    assert 1 <= len(before) < PLANS, "the kill did not land mid-batch"
    assert all(before[sha] == reference[sha] for sha in before), "a partial document was committed"

    again = run_pipeline(folder, url, workers=1, cache_dir=tmp_path / "cache")
    assert (again.inserted, again.unchanged, again.failed) == (PLANS - len(before), len(before), 0)
    after = document_counts(url)
    assert after == reference


def test_links_are_recomputed_after_a_run_killed_before_linking(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for year in (2016, 2017):  # the same actions in two years' plans: they link
        table_pdf(folder / f"plan-{year}.pdf", title=f"Plan {year}")
    db = tmp_path / "l.db"
    first = run_pipeline(folder, f"sqlite:///{db}", workers=2, cache_dir=None)
    assert first.links
    links = sqlite3.connect(db).execute("SELECT * FROM action_links ORDER BY id").fetchall()
    with sqlite3.connect(db) as conn:  # the state a run leaves when killed after its last load
        conn.execute("DELETE FROM action_links")
        conn.execute("DELETE FROM linked_documents")
    second = run_pipeline(folder, f"sqlite:///{db}", workers=2, cache_dir=None)
    assert second.inserted == 0 and second.links == first.links
    again = sqlite3.connect(db).execute("SELECT * FROM action_links ORDER BY id").fetchall()
    assert [row[1:] for row in again] == [row[1:] for row in links]
    third = run_pipeline(folder, f"sqlite:///{db}", workers=2, cache_dir=None)
    assert third.links == 0, "documents already linked are not linked again"


# --- two runs at once --------------------------------------------------------------------------

def two_runs_at_once(folder: Path, url: str, tmp_path: Path) -> list[str]:
    runs = [cli("run", str(folder), "--db", url, "--workers", "1", "--cache", str(tmp_path / f"cache{i}"))
            for i in range(2)]
    errs = []
    for run in runs:
        _, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
        errs.append(err)
    return errs


def check_loaded_once(url: str, reference: dict, n_files: int) -> None:
    assert document_counts(url) == reference
    engine = create_engine(url)
    with engine.connect() as conn:
        files = conn.execute(text("SELECT count(*), count(DISTINCT path) FROM document_files")).one()
        runs = conn.execute(text("SELECT inserted, unchanged FROM ingest_runs WHERE finished_at IS NOT NULL")).all()
    engine.dispose()
    assert tuple(files) == (n_files, n_files)
    assert len(runs) == 2 and sum(r.inserted for r in runs) == n_files  # each document inserted once
    assert all(r.inserted + r.unchanged == n_files for r in runs)


def test_two_runs_at_once_on_one_sqlite_file(tmp_path, plans, reference):
    db = tmp_path / "both.db"
    two_runs_at_once(plans, f"sqlite:///{db}", tmp_path)
    assert integrity_ok(db)
    check_loaded_once(f"sqlite:///{db}", reference, len(reference))


def test_two_runs_at_once_on_one_postgres_database(tmp_path, plans, reference, postgres_url):  # noqa: F811
    url = another_database(postgres_url, "two_runs")
    two_runs_at_once(plans, url, tmp_path)
    check_loaded_once(url, reference, len(reference))


# --- fuzzing -----------------------------------------------------------------------------------

def fuzz_seeds(folder: Path) -> dict[str, bytes]:
    """Small real PDFs with different insides: plain text streams, Flate streams, RC4-encrypted, rotated."""
    variants = {
        "plain": dict(),
        "rotated": dict(rotation=90),
        "encrypted": dict(encrypt=StandardEncryption("", ownerPassword="o")),
    }
    seeds = {}
    for name, options in variants.items():
        table_pdf(folder / f"{name}.pdf", **options)
        seeds[name] = (folder / f"{name}.pdf").read_bytes()
    return seeds


SEEDS = fuzz_seeds(Path(__import__("tempfile").mkdtemp(prefix="fuzzseeds")))
TOKENS = [b"obj", b"endobj", b"stream", b"endstream", b"/Length", b"xref", b"trailer", b" R", b"/Rotate",
          b"/MediaBox", b"/Contents", b"/Kids", b"/Count", b"/Filter", b"Tj", b"re", b"cm", b"BT", b"ET", b"0", b"1"]
REPLACEMENTS = [b"", b"-1", b"99999999999", b"1e308", b"/Foo", b"<<", b">>", b"[", b"]", b"(", b"null",
                b"0 0 R", b"3 0 R", b"\x00", b"\xff\xfe", b"nan", b"%"]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("token"), st.sampled_from(TOKENS), st.sampled_from(REPLACEMENTS), st.integers(0, 20)),
    st.tuples(st.just("truncate"), st.floats(0.05, 1, exclude_max=True)),
)


def mutate(data: bytes, mutations) -> bytes:
    out = bytearray(data)
    for kind, *args in mutations:
        if kind == "token":
            token, replacement, nth = args
            starts = [i for i in range(len(out)) if out.startswith(token, i)]
            if starts:
                at = starts[nth % len(starts)]
                out[at:at + len(token)] = replacement
            continue
        at = int(args[0] * len(out)) if out else 0
        if kind == "flip" and out:
            out[at] = args[1]
        elif kind == "delete":
            del out[at:at + args[1]]
        elif kind == "insert":
            out[at:at] = args[1]
        elif kind == "truncate":
            del out[at:]
    return bytes(out)


class Hang(Exception):
    pass


def raise_hang(_signum, _frame):
    raise Hang


FUZZ_DIR = Path(__import__("tempfile").mkdtemp(prefix="fuzz"))
FUZZ_SEEN = {"examples": 0, "loaded": 0, "reported": 0}


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=not os.environ.get("COUNCILPLANS_FUZZ_EXAMPLES"),
          database=None, suppress_health_check=list(HealthCheck))
@given(seed=st.sampled_from(sorted(SEEDS)), mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_pdfs_are_extracted_or_reported_never_crash_or_hang(seed, mutations):
    path = FUZZ_DIR / "mutant.pdf"
    path.write_bytes(mutate(SEEDS[seed], mutations))
    previous = signal.signal(signal.SIGALRM, raise_hang)
    signal.alarm(HANG_SECONDS)
    try:
        result = process_document(str(path), sha256_of(path), None)
    except Hang:
        pytest.fail(f"hang: {seed} {mutations}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    FUZZ_SEEN["examples"] += 1
    FUZZ_SEEN["loaded" if result.plan else "reported"] += 1
    if result.plan is None:
        assert result.error and "\n" not in result.error, result
        assert not result.error.startswith("unexpected"), f"crash in our code: {result.error} ({seed} {mutations})"


def test_a_batch_of_mutants_is_loaded_or_reported_file_by_file(tmp_path):
    """Through the worker pool and the database: every mutant ends up in documents or ingest_errors."""
    folder = tmp_path / "in"
    folder.mkdir()
    rng = __import__("random").Random(7)
    for i in range(16):
        seed = SEEDS[sorted(SEEDS)[i % len(SEEDS)]]
        cuts = [("flip", rng.random(), rng.randrange(256)) for _ in range(rng.randint(1, 6))]
        (folder / f"mutant-{i:02}.pdf").write_bytes(mutate(seed, cuts))
    db = tmp_path / "m.db"
    summary = run_pipeline(folder, f"sqlite:///{db}", workers=2, cache_dir=None, timeout=60)
    with sqlite3.connect(db) as conn:
        loaded = {Path(p).name for (p,) in conn.execute("SELECT path FROM document_files")}
        reported = {Path(f).name: r for f, r in conn.execute("SELECT file_name, reason FROM ingest_errors")}
    assert loaded | set(reported) == {p.name for p in folder.iterdir()}
    assert not loaded & set(reported)
    assert all(r and not r.startswith("unexpected") for r in reported.values()), reported
    assert summary.failed == len(reported)
