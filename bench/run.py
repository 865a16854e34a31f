"""`make bench`: pages per second, seconds per document and peak memory per stage, against a plain
pdfplumber `extract_words` pass over the same pages (the floor any pdfplumber-based extractor pays).

    python bench/run.py [--quick] [--docs 200] [--seed 1] [--floor-every 4] [--no-postgres]

Document sets: samples/, the generated corpus (bench/corpus.py), ../shared/realworld/pdfs/.
Phases:
  stages   each document in a fresh worker process, two at a time: the floor pass, or the
           shipped per-document function (councilplans.document.process_document: extract ->
           cache write -> normalise, with the wall s, CPU s and peak RSS it records per stage); the
           parent loads each plan into SQLite (and PostgreSQL), counting database round trips
  link     link_actions over the whole loaded corpus, then for 1 and 10 newly loaded documents
  rerun    `councilplans run` again over the loaded corpus: every document unchanged
  scaling  run_pipeline cold over a slice of the corpus with 1 worker, then 2
  profile  pyinstrument over two documents: where the time goes, by library
Prints a table, writes bench/results.json (--quick: bench/corpus/results-quick.json).
CPU seconds are reported beside wall seconds: on a shared machine wall time includes waiting
for the CPU, CPU time does not.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import pdfplumber  # noqa: E402
from sqlalchemy import event  # noqa: E402

from corpus import build_corpus  # noqa: E402
from councilplans.document import STAGE_MODULES, cache_file, measured, peak_rss_mib, process_document  # noqa: E402
from extract import sha256_of  # noqa: E402
from load import link_actions, load_document, open_database  # noqa: E402

SAMPLES = ROOT / "samples"
REALWORLD = ROOT.parent / "shared" / "realworld" / "pdfs"
RESULTS = BENCH / "results.json"
QUICK_RESULTS = BENCH / "corpus" / "results-quick.json"
VENV_BIN = Path(sys.executable).parent
PIPELINE_STAGES = ["extract", "cache_write", "normalise", "load"]
TARGET_RATIO = 2.0  # pipeline cost per page / floor cost per page
TARGET_RERUN_S = 5.0
TARGET_RSS_MIB = 1024
TARGET_SPEEDUP = 1.7
BIG_DOC_PAGES = 500
RSS_SAMPLE_S = 0.1
PROGRESS_EVERY = 50  # tasks
LINK_ADDED = (1, 10)  # documents newly loaded beside an already linked corpus
LINK_TIME_LIMIT_S = 900
PROFILED = {  # quick -> documents profiled: our longest sample and a dense real-world register
    False: [SAMPLES / "csc-improvement-plan-2016-17.pdf", REALWORLD / "uk_kcc_budget_risk_register_2025-26.pdf"],
    True: [SAMPLES / "cef-portfolio-plan-2018-22.pdf"],
}


# --------------------------------------------------------------------------- measuring

@dataclass
class DocRun:
    """One document's measurements in one set."""

    name: str
    path: str
    kind: str  # floor | pipeline
    pages: int = 0
    costs: dict = field(default_factory=dict)  # stage -> StageCost (peak RSS: of the process up to that stage's end)
    error: str | None = None
    actions: int = 0
    statements: int = 0  # database round trips of its load
    other_db: dict = field(default_factory=dict)  # label -> {wall_s, cpu_s, statements} of loads into other databases


# --------------------------------------------------------------------------- worker tasks

def floor_task(path: str) -> DocRun:
    """The reference floor: open once, extract_words on every page, nothing else."""
    run = DocRun(Path(path).name, path, "floor")
    try:
        with measured(run.costs, "floor"):
            with pdfplumber.open(path, password="") as pdf:
                for page in pdf.pages:
                    page.extract_words()
                    page.close()
                    run.pages += 1
    except Exception as exc:  # broken real-world files: the floor cannot read them either
        run.error = f"{type(exc).__name__}: {exc}"[:200]
    return run


def pipeline_task(path: str, sha256: str, cache_dir: str) -> tuple[DocRun, object]:
    """The shipped per-document function, with the cost of each stage as it records them."""
    run = DocRun(Path(path).name, path, "pipeline")
    result = process_document(path, sha256, cache_dir)
    cache_file(Path(cache_dir), sha256).unlink(missing_ok=True)  # each document is extracted, never read back
    run.costs = dict(result.costs)
    if result.plan is None:
        run.error = result.error
        return run, None
    run.pages = result.plan.page_count
    return run, result.plan


def run_task(task: tuple) -> tuple[DocRun, object]:
    kind, *args = task
    return (floor_task(*args), None) if kind == "floor" else pipeline_task(*args)


def worker_pool(processes: int):
    """A fresh process per document (so its peak RSS is that document's), forked from a preloaded server."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pdfplumber", *STAGE_MODULES, "load", "councilplans.document"])  # as the pipeline's
    return ctx.Pool(processes, maxtasksperchild=1)


# --------------------------------------------------------------------------- database

class RoundTrips:
    """Counts statements sent to the database (each one a round trip)."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *_args) -> None:
        self.count += 1


def load_plan(engines: dict, run: DocRun, plan) -> None:
    """Load the plan into every database; the first one's cost is the load stage."""
    for i, (label, (engine, trips)) in enumerate(engines.items()):
        before = trips.count
        costs: dict = {}
        try:
            with measured(costs, label):
                run.actions = load_document(engine, plan, run.path)
        except Exception as exc:
            run.error = f"load into {label}: {type(exc).__name__}: {exc}"[:200]
            return
        if i == 0:
            run.costs["load"], run.statements = costs[label], trips.count - before
        else:
            run.other_db[label] = {"wall_s": costs[label].wall_s, "cpu_s": costs[label].cpu_s,
                                   "statements": trips.count - before}


@contextmanager
def postgres_server(wanted: bool):
    """A throwaway PostgreSQL server from tests/pg.py, or None when unwanted or impossible."""
    if not wanted:
        yield None
        return
    from tests import pg

    bin_dir = pg.find_bin_dir()
    if pg.skip_reason(bin_dir):
        print(f"PostgreSQL skipped: {pg.skip_reason(bin_dir)}")
        yield None
        return
    root, port = pg.make_owned_tempdir(), pg.free_port()
    data = pg.start_cluster(bin_dir, root, port)
    try:
        pg.create_database(port, "councilplans_bench")
        yield f"postgresql+psycopg://{pg.SUPERUSER}@127.0.0.1:{port}/councilplans_bench"
    finally:
        pg.stop_cluster(bin_dir, root, data)
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- phases

def stage_phase(label: str, paths: list[Path], db_urls: dict, floor_every: int, workers: int) -> dict:
    """Every document through the measured stages; returns per-document runs and the phase's wall time."""
    print(f"[{label}] {len(paths)} documents: stages on {workers} processes ...", flush=True)
    engines = {name: (open_database(url), None) for name, url in db_urls.items()}
    engines = {name: (engine, RoundTrips(engine)) for name, (engine, _) in engines.items()}
    scratch = tempfile.mkdtemp(prefix="bench-cache-")
    by_size = sorted(paths, key=lambda p: -p.stat().st_size)  # longest first: no straggler at the end
    floored = {p for i, p in enumerate(sorted(paths)) if i % floor_every == 0}
    tasks = [("pipeline", str(p), sha256_of(p), scratch) for p in by_size]
    tasks += [("floor", str(p)) for p in by_size if p in floored]
    tasks.sort(key=lambda t: -Path(t[1]).stat().st_size)
    runs: dict[str, dict] = {}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with worker_pool(workers) as pool:
        for done, (run, plan) in enumerate(pool.imap_unordered(run_task, tasks), 1):
            if plan is not None:
                load_plan(engines, run, plan)
            merge(runs, run)
            if done % PROGRESS_EVERY == 0:
                print(f"  {done}/{len(tasks)} tasks, {time.perf_counter() - started:.0f} s", flush=True)
    wall = time.perf_counter() - started
    for engine, _ in engines.values():
        engine.dispose()
    shutil.rmtree(scratch, ignore_errors=True)
    return {"runs": runs, "wall_s": wall, "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def merge(runs: dict, run: DocRun) -> None:
    """Put a floor run and a pipeline run of the same document under one entry."""
    entry = runs.setdefault(run.name, {"name": run.name, "path": run.path, "pages": 0, "costs": {}, "errors": {}})
    entry["pages"] = max(entry["pages"], run.pages)
    if run.error:
        entry["errors"][run.kind] = run.error
    entry["costs"].update({stage: asdict(cost) for stage, cost in run.costs.items()})
    if run.kind == "pipeline":
        entry.update(actions=run.actions, statements=run.statements, other_db=run.other_db)


def rerun_phase(folder: Path, db_url: str, expected: int) -> dict:
    """`councilplans run` over an already loaded folder: hashing, skipping, nothing extracted."""
    print(f"[rerun] councilplans run {folder.name} (unchanged) ...", flush=True)
    cache = tempfile.mkdtemp(prefix="bench-rerun-")
    command = [str(VENV_BIN / "councilplans"), "run", str(folder), "--db", db_url, "--cache", cache]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    shutil.rmtree(cache, ignore_errors=True)
    last = (done.stderr.strip().splitlines() or [""])[-1]
    unchanged = f"{expected} unchanged" in last and " 0 extracted" in last
    return {"command": "councilplans run <corpus> --db <loaded>", "wall_s": round(wall, 2), "exit": done.returncode,
            "summary": last, "all_unchanged": unchanged}


class ChildSampler(threading.Thread):
    """Peak RSS and CPU seconds of every child process (the pipeline's workers), sampled every RSS_SAMPLE_S."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peaks: dict[int, float] = {}
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()
        self.baseline = self.cpu_now()  # children already there (a forkserver) count from here on

    @staticmethod
    def cpu_now() -> dict[int, float]:
        import psutil

        out = {}
        for child in psutil.Process().children(recursive=True):
            try:
                times = child.cpu_times()
                out[child.pid] = times.user + times.system
            except psutil.Error:
                pass
        return out

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.wait(RSS_SAMPLE_S):
            for child in me.children(recursive=True):
                try:
                    self.peaks[child.pid] = max(self.peaks.get(child.pid, 0), child.memory_info().rss / 2**20)
                    times = child.cpu_times()
                    self.cpu[child.pid] = times.user + times.system - self.baseline.get(child.pid, 0.0)
                except psutil.Error:
                    pass


def burn(n: int) -> float:
    """A pure-Python CPU loop (like pdfminer's), timed."""
    started, total = time.perf_counter(), 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - started


def machine_parallelism(n: int = 6_000_000) -> float:
    """How much faster two CPU-bound processes finish together than one after the other right now:
    about 2 on an idle 2-core machine, about 1 when other work already keeps the cores busy."""
    serial = burn(n) * 2
    with multiprocessing.get_context("fork").Pool(2) as pool:
        started = time.perf_counter()
        pool.map(burn, [n, n])
        parallel = time.perf_counter() - started
    return round(serial / parallel, 2)


def scaling_phase(paths: list[Path], pages: int) -> dict:
    """run_pipeline cold over the same documents with 1 and with 2 worker processes."""
    from councilplans.pipeline import run_pipeline

    folder = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    for p in paths:
        (folder / p.name).symlink_to(p)
    out = {"documents": len(paths), "pages": pages}
    for workers in (1, 2):
        print(f"[scaling] run_pipeline, {len(paths)} documents, {pages} pages, {workers} worker(s) ...", flush=True)
        parallelism = machine_parallelism()
        sampler = ChildSampler()
        sampler.start()
        load_before, parent_cpu = os.getloadavg()[0], time.process_time()
        started = time.perf_counter()
        summary = run_pipeline(folder, f"sqlite:///{folder / f'w{workers}.db'}", workers=workers, cache_dir=None)
        wall = time.perf_counter() - started
        sampler.stop.set()
        out[f"workers_{workers}"] = {
            "wall_s": round(wall, 2), "pages_per_s": round(pages / wall, 2), "failed": summary.failed,
            "worker_cpu_s": round(sum(sampler.cpu.values()), 1), "parent_cpu_s": round(time.process_time() - parent_cpu, 1),
            "peak_worker_rss_mib": round(max(sampler.peaks.values(), default=0), 1),
            "machine_parallelism_before": parallelism, "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    out["speedup"] = round(out["workers_1"]["wall_s"] / out["workers_2"]["wall_s"], 2)
    shutil.rmtree(folder, ignore_errors=True)
    return out


def link_phase(db_file: Path) -> dict:
    """link_actions as runs meet it: the whole loaded corpus at once (a first run; its 200 plans
    are all one council's, the worst case for blocking by council), then 1 and 10 documents newly
    loaded beside an already linked corpus (the usual run). Each in a time-limited child process."""
    total = sqlite3.connect(db_file).execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    print(f"[link] link_actions over all {total} documents ...", flush=True)
    out = [{"case": "all at once", "documents": total, "actions": linkable_actions(db_file),
            **timed_child(link_in_child, f"sqlite:///{db_file}")}]
    for added in LINK_ADDED:
        print(f"[link] link_actions for {added} new document(s) beside {total - added} linked ...", flush=True)
        copy = db_file.with_name(f"link-add-{added}.db")
        with sqlite3.connect(db_file) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
            dst.execute("DELETE FROM linked_documents WHERE document_id IN "
                        "(SELECT id FROM documents ORDER BY id DESC LIMIT ?)", (added,))
        out.append({"case": f"{added} new beside {total - added} linked", "documents": added,
                    "actions": linkable_actions(db_file), **timed_child(link_in_child, f"sqlite:///{copy}")})
        copy.unlink()
    return {"sizes": out}


def linkable_actions(db_file: Path) -> int:
    return sqlite3.connect(db_file).execute("SELECT COUNT(*) FROM actions WHERE level != 'priority_area'").fetchone()[0]


def link_in_child(url: str, conn) -> None:
    engine = open_database(url)
    started, cpu = time.perf_counter(), time.process_time()
    links = link_actions(engine)
    conn.send({"wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(time.process_time() - cpu, 2),
               "links": links, "peak_rss_mib": round(peak_rss_mib(), 1)})


def timed_child(target, *args) -> dict:
    """Run target(*args, conn) in a forked process; its report, or a note that it ran out of time."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=target, args=(*args, child))
    started = time.perf_counter()
    process.start()
    child.close()
    if parent.poll(LINK_TIME_LIMIT_S):
        report = parent.recv()
        process.join()
        return report
    process.kill()
    process.join()
    return {"timed_out": True, "wall_s": round(time.perf_counter() - started, 1)}


# --------------------------------------------------------------------------- profile

PROFILE_CATEGORIES = [  # (label, fragments of a frame's file path); the innermost matching frame decides
    ("pdfminer: content stream -> layout objects", ["/pdfminer/"]),
    ("pdfplumber: page objects (char/rect/line dicts)", ["pdfplumber/page.py", "pdfplumber/container.py",
                                                         "pdfplumber/utils/pdfinternals.py", "pdfplumber/pdf.py"]),
    ("pdfplumber: extract_words", ["pdfplumber/utils/text.py"]),
    ("pdfplumber: find_tables", ["pdfplumber/table.py"]),
    ("pdfplumber: geometry utils", ["pdfplumber/utils/", "pdfplumber/"]),
    ("extract/ (ours)", ["/extract/"]),
    ("normalise/ (ours)", ["/normalise/"]),
    ("spaCy", ["/spacy/", "/thinc/", "/srsly/"]),
    ("pandas / numpy", ["/pandas/", "/numpy/"]),
    ("rapidfuzz / dateparser / regex", ["/rapidfuzz/", "/dateparser/", "/regex/", "/re/"]),
    ("pydantic (records, JSON)", ["/pydantic"]),
    ("load/ + SQLAlchemy + driver", ["/load/", "/sqlalchemy/", "/sqlite3/", "/psycopg"]),
]
OUR_CODE = ("/extract/", "/normalise/", "/load/")


def category(file_path: str | None, inherited: str) -> str:
    path = (file_path or "").replace("\\", "/")
    for label, fragments in PROFILE_CATEGORIES:
        if any(f in path for f in fragments):
            return label
    return inherited


def attribute(frame, inherited: str, by_category: dict, ours: dict, stack: frozenset) -> None:
    """Add the frame's self time to its category; inclusive time of our functions (outermost call only)."""
    label = category(frame.file_path, inherited)
    own = frame.time - sum(child.time for child in frame.children)  # pyinstrument's [self] frames are children
    by_category[label] = by_category.get(label, 0.0) + own
    name = f"{frame.file_path_short}:{frame.function}" if any(o in (frame.file_path or "") for o in OUR_CODE) else None
    if name and name not in stack:
        ours[name] = ours.get(name, 0.0) + frame.time
        stack = stack | {name}
    for child in frame.children:
        attribute(child, label, by_category, ours, stack)


def profile_phase(paths: list[Path]) -> dict:
    """pyinstrument over process_document (extract -> normalise) and load of each document, in this process."""
    from pyinstrument import Profiler

    scratch = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    engine = open_database(f"sqlite:///{scratch / 'profile.db'}")
    out = {}
    for path in paths:
        print(f"[profile] {path.name} ...", flush=True)
        profiler = Profiler(interval=0.001)
        profiler.start()
        plan = process_document(str(path), sha256_of(path), None).plan
        load_document(engine, plan, str(path))
        session = profiler.stop()
        by_category, ours = {}, {}
        attribute(session.root_frame(), "other (interpreter, imports, stdlib)", by_category, ours, frozenset())
        total = session.duration
        out[path.name] = {
            "seconds": round(total, 2), "pages": plan.page_count,
            "by_library": {k: {"s": round(v, 2), "share": round(v / total, 3)}
                           for k, v in sorted(by_category.items(), key=lambda kv: -kv[1]) if v >= 0.005 * total},
            "our_functions": {k: round(v, 2) for k, v in sorted(ours.items(), key=lambda kv: -kv[1])[:12]},
        }
    engine.dispose()
    shutil.rmtree(scratch, ignore_errors=True)
    return out


# --------------------------------------------------------------------------- summaries

def stage_summary(runs: list[dict], stage: str) -> dict | None:
    """Totals of one stage over the documents that completed it."""
    done = [r for r in runs if stage in r["costs"] and not r["errors"].get("floor" if stage == "floor" else "pipeline")]
    if not done:
        return None
    pages = sum(r["pages"] for r in done)
    wall = sum(r["costs"][stage]["wall_s"] for r in done)
    cpu = sum(r["costs"][stage]["cpu_s"] for r in done)
    return {"docs": len(done), "pages": pages, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "pages_per_s": round(pages / wall, 2) if wall else None, "cpu_pages_per_s": round(pages / cpu, 2) if cpu else None,
            "s_per_doc": round(wall / len(done), 3), "peak_rss_mib": round(max(r["costs"][stage]["peak_rss_mib"] for r in done), 1)}


def pipeline_total(runs: list[dict]) -> dict | None:
    """extract + cache write + normalise + load, over documents where all four ran."""
    done = [r for r in runs if all(s in r["costs"] for s in PIPELINE_STAGES)]
    if not done:
        return None
    merged = [{**r, "costs": {"pipeline": {
        "wall_s": sum(r["costs"][s]["wall_s"] for s in PIPELINE_STAGES),
        "cpu_s": sum(r["costs"][s]["cpu_s"] for s in PIPELINE_STAGES),
        "peak_rss_mib": max(r["costs"][s]["peak_rss_mib"] for s in PIPELINE_STAGES[:-1])}}} for r in done]
    return stage_summary(merged, "pipeline")


def floor_ratio(runs: list[dict]) -> dict | None:
    """Pipeline cost per page over floor cost per page, on the documents that have both."""
    both = [r for r in runs if "floor" in r["costs"] and all(s in r["costs"] for s in PIPELINE_STAGES)]
    if not both:
        return None
    pages = sum(r["pages"] for r in both)

    def per_page(kind: str, stages: list[str]) -> float:
        return sum(r["costs"][s][kind] for r in both for s in stages) / pages

    return {"docs": len(both), "pages": pages,
            "cpu": round(per_page("cpu_s", PIPELINE_STAGES) / per_page("cpu_s", ["floor"]), 2),
            "wall": round(per_page("wall_s", PIPELINE_STAGES) / per_page("wall_s", ["floor"]), 2),
            "pipeline_cpu_s_per_page": round(per_page("cpu_s", PIPELINE_STAGES), 4),
            "floor_cpu_s_per_page": round(per_page("cpu_s", ["floor"]), 4)}


def db_summary(runs: list[dict]) -> dict:
    """Round trips per document and per action row written, per database."""
    done = [r for r in runs if "load" in r["costs"]]
    actions = sum(r.get("actions", 0) for r in done) or 1
    loads = {"sqlite": [{**r["costs"]["load"], "statements": r["statements"]} for r in done]}
    for r in done:
        for label, cost in r.get("other_db", {}).items():
            loads.setdefault(label, []).append(cost)
    out = {}
    for label, costs in loads.items():
        statements = sum(c["statements"] for c in costs)
        out[label] = {"docs": len(costs), "actions": actions, "statements": statements,
                      "load_s": round(sum(c["wall_s"] for c in costs), 2),
                      "statements_per_doc": round(statements / max(len(costs), 1), 1),
                      "statements_per_100_actions": round(100 * statements / actions, 1)}
    return out


def summarise_set(phase: dict) -> dict:
    runs = list(phase["runs"].values())
    stages = {s: stage_summary(runs, s) for s in ["floor", *PIPELINE_STAGES]}
    stages["pipeline"] = pipeline_total(runs)
    ok = [r for r in runs if not r["errors"].get("pipeline")]
    return {
        "documents": len(runs), "pages": sum(r["pages"] for r in ok),
        "phase_wall_s": round(phase["wall_s"], 1), "load_avg": phase["load_avg"],
        "stages": stages, "ratio_to_floor": floor_ratio(runs), "database": db_summary(runs),
        "errors": {r["name"]: r["errors"] for r in runs if r["errors"]},
        "largest": max(ok, key=lambda r: r["pages"], default=None),
    }


def targets(results: dict) -> list[dict]:
    corpus = results["sets"].get("corpus") or {}
    ratio = (corpus.get("ratio_to_floor") or {}).get("cpu")
    big = corpus.get("largest") or {}
    big_rss = max((c["peak_rss_mib"] for s, c in big.get("costs", {}).items() if s in PIPELINE_STAGES[:-1]), default=None)
    if big.get("pages", 0) < BIG_DOC_PAGES:
        big_rss = None  # no 500-page document in this run (--quick): not measured
    rerun = (results.get("rerun") or {}).get("wall_s")
    speedup = (results.get("scaling") or {}).get("speedup")

    def row(name, limit, value, ok, note=""):
        return {"target": name, "limit": limit, "measured": value, "met": None if value is None else ok, "note": note}

    with_link = ratio_with_link(results)
    return [
        row("pipeline CPU per page / floor CPU per page", f"<= {TARGET_RATIO}", ratio,
            ratio is not None and ratio <= TARGET_RATIO, f"wall ratio {(corpus.get('ratio_to_floor') or {}).get('wall')}"),
        row("the same, with link_actions over the whole corpus", f"<= {TARGET_RATIO}", with_link,
            with_link is not None and with_link <= TARGET_RATIO, "link_actions over all documents at once (one council)"),
        row("re-run on unchanged corpus (s, CLI wall)", f"< {TARGET_RERUN_S}", rerun,
            rerun is not None and rerun < TARGET_RERUN_S, (results.get("rerun") or {}).get("summary", "")),
        row(f"peak RSS of a worker on the {big.get('pages', '?')}-page document (MiB)", f"< {TARGET_RSS_MIB}", big_rss,
            big_rss is not None and big_rss < TARGET_RSS_MIB and big.get("pages", 0) >= BIG_DOC_PAGES,
            "" if big.get("pages", 0) >= BIG_DOC_PAGES else "no 500-page document in this run"),
        row("2 workers / 1 worker throughput", f">= {TARGET_SPEEDUP}", speedup, speedup is not None and speedup >= TARGET_SPEEDUP,
            "two CPU-bound processes ran {}x faster than one, just before".format(
                (results.get("scaling") or {}).get("workers_2", {}).get("machine_parallelism_before"))),
    ]


def ratio_with_link(results: dict) -> float | None:
    """Pipeline/floor per page when the corpus-wide link_actions (run after loading) is shared over its pages."""
    ratio = (results["sets"].get("corpus") or {}).get("ratio_to_floor")
    sizes = (results.get("link") or {}).get("sizes") or []
    whole = next((r for r in sizes if r.get("case") == "all at once" and "cpu_s" in r), None)
    if not ratio or not whole:
        return None
    link_s = whole["cpu_s"]
    per_page = ratio["pipeline_cpu_s_per_page"] + link_s / results["sets"]["corpus"]["pages"]
    return round(per_page / ratio["floor_cpu_s_per_page"], 2)


def print_tables(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)
    table = Table(title="Per stage, per worker (wall clock; CPU in brackets)")
    for col in ("set", "stage", "docs", "pages", "pages/s", "s/doc", "peak RSS MiB"):
        table.add_column(col, justify="left" if col in ("set", "stage") else "right")
    for name, summary in results["sets"].items():
        for stage, s in summary["stages"].items():
            if s:
                table.add_row(name, stage, str(s["docs"]), str(s["pages"]), f"{s['pages_per_s']} ({s['cpu_pages_per_s']})",
                              f"{s['s_per_doc']}", f"{s['peak_rss_mib']}")
        ratio = summary.get("ratio_to_floor")
        if ratio:
            table.add_row(name, "pipeline / floor per page", str(ratio["docs"]), str(ratio["pages"]),
                          f"{ratio['wall']}x ({ratio['cpu']}x)", "", "")
    console.print(table)
    links = Table(title="link_actions (cross-document links, for the documents a run loaded)")
    for col in ("case", "documents", "actions", "wall s", "CPU s", "links", "peak RSS MiB"):
        links.add_column(col, justify="left" if col == "case" else "right")
    for r in (results.get("link") or {}).get("sizes", []):
        wall = f"> {r['wall_s']} (stopped)" if r.get("timed_out") else str(r["wall_s"])
        links.add_row(r.get("case", ""), str(r["documents"]), str(r["actions"]), wall, str(r.get("cpu_s", "")),
                      str(r.get("links", "")), str(r.get("peak_rss_mib", "")))
    console.print(links)
    verdicts = Table(title="Targets")
    for col in ("target", "limit", "measured", "met", "note"):
        verdicts.add_column(col)
    for t in results["targets"]:
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "MISSED")
        verdicts.add_row(t["target"], t["limit"], str(t["measured"]), met, t["note"][:70])
    console.print(verdicts)


# --------------------------------------------------------------------------- main

def settings_from(args) -> dict:
    quick = args.quick
    return {
        "quick": quick, "seed": args.seed, "workers": args.workers,
        "docs": args.docs or (16 if quick else 200), "big_pages": 0 if quick else BIG_DOC_PAGES,
        "floor_every": args.floor_every or (2 if quick else 4), "scaling_docs": 4 if quick else 16,
        "realworld_every": 4 if quick else 1, "profile": not args.no_profile,
    }


def document_sets(settings: dict, corpus_folder: Path) -> dict[str, list[Path]]:
    sets = {"samples": sorted(SAMPLES.glob("*.pdf")), "corpus": sorted(corpus_folder.glob("*.pdf"))}
    if REALWORLD.is_dir():
        sets["realworld"] = sorted(REALWORLD.glob("*.pdf"))[::settings["realworld_every"]]
    return sets


def scaling_slice(corpus: dict, count: int) -> tuple[list[Path], int]:
    """`count` corpus documents of ordinary length, spread over the layout families."""
    ordinary = [r for r in corpus["runs"].values() if BIG_DOC_PAGES > r["pages"] > 0]
    chosen = sorted(ordinary, key=lambda r: r["name"])[:count]
    return [Path(r["path"]) for r in chosen], sum(r["pages"] for r in chosen)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="16 documents, no 500-page one: a few minutes")
    ap.add_argument("--docs", type=int, default=0, help="corpus size (default 200; --quick 16)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--floor-every", type=int, default=0, help="floor pass on every Nth corpus document (default 4)")
    ap.add_argument("--no-postgres", action="store_true", help="do not also load into a throwaway PostgreSQL")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    settings = settings_from(args)
    started = time.perf_counter()
    out = args.out or (QUICK_RESULTS if settings["quick"] else RESULTS)
    results: dict = {"complete": False, "machine": machine(), "settings": settings, "sets": {}}

    corpus_started = time.perf_counter()
    corpus_folder, built = build_corpus(settings["seed"], settings["docs"], settings["big_pages"], settings["workers"])
    results["corpus"] = {"folder": str(corpus_folder.relative_to(ROOT)), "documents": len(built),
                         "pages": sum(b["pages"] for b in built), "largest_pages": max(b["pages"] for b in built),
                         "seconds_to_ready": round(time.perf_counter() - corpus_started, 1)}
    work = Path(tempfile.mkdtemp(prefix="bench-db-"))
    corpus_db = f"sqlite:///{work / 'corpus.db'}"
    sets = document_sets(settings, corpus_folder)
    with postgres_server(not args.no_postgres) as pg_url:
        for name, paths in sets.items():
            urls = {"sqlite": corpus_db if name == "corpus" else f"sqlite:///{work / (name + '.db')}"}
            if pg_url and name == "corpus":
                urls["postgresql"] = pg_url
            every = settings["floor_every"] if name == "corpus" else 1
            phase = stage_phase(name, paths, urls, every, settings["workers"])
            results["sets"][name] = summarise_set(phase)
            if name == "corpus":
                corpus_phase = phase
            save(results, out)
    results["link"] = link_phase(work / "corpus.db")  # before the re-run, which would otherwise link
    save(results, out)
    results["rerun"] = rerun_phase(corpus_folder, corpus_db, len(sets["corpus"]))
    save(results, out)
    results["scaling"] = scaling_phase(*scaling_slice(corpus_phase, settings["scaling_docs"]))
    save(results, out)
    if settings["profile"]:
        results["profile"] = profile_phase([p for p in PROFILED[settings["quick"]] if p.exists()])
    results["targets"] = targets(results)
    results["total_wall_s"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_avg_end"] = os.getloadavg()
    results["complete"] = True
    shutil.rmtree(work, ignore_errors=True)
    save(results, out)
    print_tables(results)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} in {results['total_wall_s']:.0f} s")
    return 0


def save(results: dict, out: Path) -> None:
    """Write what is measured so far ("complete": false until the end), so a stopped run leaves its figures."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str) + "\n")


def machine() -> dict:
    import psutil

    return {"cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "pdfplumber": pdfplumber.__version__,
            "platform": platform.platform(), "date": time.strftime("%Y-%m-%d %H:%M"),
            "load_avg_start": os.getloadavg()}


if __name__ == "__main__":
    sys.exit(main())
