"""The per-document map (extract -> normalise) on worker processes, and the single-writer load.

Workers never touch the database: they return a PlanDocument (or a readable error) and the
parent process writes it in one transaction, so a killed run never leaves half a document
and the next run skips what is already loaded (documents are keyed by sha256).

Each worker is a long-lived process with its own pipe, an address-space limit and a
wall-clock deadline per document: a PDF that hangs the parser or eats memory is killed with
its worker, reported, and the worker replaced; the rest of the batch goes on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from contextlib import contextmanager
from functools import partial
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from extract import EXTRACTOR_VERSION, ExtractedDocument, ExtractionError, sha256_of
from load import finish_run, link_actions, is_current, load_document, open_database, record_error, start_run, touch_document
from normalise import NORMALISER_VERSION, PlanDocument

DEFAULT_TIMEOUT = 300.0  # seconds one document may take; the slowest real-world sample takes ~17 s
DEFAULT_MAX_MEMORY_MB = 2048  # address space of one worker; the hungriest real-world sample peaks at ~520 MiB
TASKS_PER_WORKER = 25  # a worker is replaced after this many documents, so freed-but-kept memory cannot pile up
RACE_ATTEMPTS = 5  # tries at a write that a run started at the same moment can collide with
STARTUP_GRACE = 60.0  # seconds a new worker may take to start before its first document's clock runs
STARTED = "started"  # a worker's note that it began a job: the document's time limit counts from here


@dataclass(frozen=True)
class Limits:
    """Per-document guards so one pathological PDF cannot stall or swamp the batch (None = no limit)."""

    timeout: float | None = DEFAULT_TIMEOUT
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB


@dataclass
class DocumentResult:
    path: str
    sha256: str | None
    plan: PlanDocument | None = None
    stage: str | None = None
    error: str | None = None
    extracted: bool = False


@dataclass
class RunSummary:
    run_id: int
    files_seen: int = 0
    extracted: int = 0
    inserted: int = 0
    unchanged: int = 0
    failed: int = 0
    actions: int = 0
    links: int = 0  # cross-year links written for the documents this run linked
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (file, stage, reason)
    documents: list[tuple[str, int, int, str]] = field(default_factory=list)  # (file, actions, measures, layout)


@dataclass
class Batch:
    """What a run has to do once every file is hashed."""

    todo: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256) to extract and load
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # same bytes as a todo file, another name


def find_pdfs(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


def cached_extract(path: Path, sha256: str, cache_dir: Path | None) -> tuple[ExtractedDocument, bool]:
    """Extract, or read the JSON a previous run of the same extractor version left."""
    cache = cache_dir / f"{sha256}.extracted.{EXTRACTOR_VERSION}.json" if cache_dir else None
    if cache and cache.exists():
        doc = ExtractedDocument.model_validate_json(cache.read_text())
        return doc.model_copy(update={"file_name": path.name}), False
    from extract.pdf import extract_document

    doc = extract_document(path, sha256)
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(doc.model_dump_json())
        tmp.replace(cache)  # atomic: a killed run never leaves half a cache file
    return doc, True


STAGE_MODULES = ["extract.pdf", "extract.ocr", "normalise.plan"]  # what workers use and the parent need not import


def process_document(path: str, sha256: str, cache_dir: str | None) -> DocumentResult:
    """The pure per-document map: runs in a worker process; never raises.

    The stages are imported here, not at the top: the parent of a run over unchanged files
    never loads pdfplumber, OpenCV or spaCy (the forkserver preloads them for the workers)."""
    result = DocumentResult(path=path, sha256=sha256)
    try:
        doc, result.extracted = cached_extract(Path(path), sha256, Path(cache_dir) if cache_dir else None)
    except ExtractionError as exc:
        result.stage, result.error = "extract", str(exc)
        return result
    except MemoryError:
        result.stage, result.error = "extract", memory_reason()
        return result
    except RecursionError:
        result.stage, result.error = "extract", "PDF structure nested too deeply to read"
        return result
    except Exception as exc:  # a bug or a PDF no parser expected: report it, keep the batch going
        result.stage, result.error = "extract", f"unexpected {type(exc).__name__}: {exc}"
        return result
    try:
        from extract.ocr import flag_low_confidence
        from normalise.plan import normalise_document

        result.plan = flag_low_confidence(normalise_document(doc), doc)
    except MemoryError:
        result.stage, result.error = "normalise", memory_reason()
    except Exception as exc:
        result.stage, result.error = "normalise", f"unexpected {type(exc).__name__}: {exc}"
    return result


def memory_reason() -> str:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    limit = f" ({soft // (1 << 20)} MiB)" if soft != resource.RLIM_INFINITY else ""
    return f"memory limit exceeded{limit}"


def run_pipeline(folder: Path, db_url: str, workers: int | None = None, force: bool = False,
                 cache_dir: Path | None = None, progress=None, timeout: float | None = DEFAULT_TIMEOUT,
                 max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB, executor: str = "local",
                 scheduler: str | None = None) -> RunSummary:
    """Ingest every PDF under folder; new or changed files are processed, the rest skipped.

    executor "local" maps documents on this machine's worker processes; "dask" on a Dask cluster
    (scheduler address, or $DASK_SCHEDULER_ADDRESS, or a LocalCluster) — see councilplans/executors.py.

    SIGTERM is turned into SystemExit for the duration, so `kill` unwinds like Ctrl-C: the open
    document transaction rolls back and the workers are stopped.
    """
    mapper = choose_mapper(executor, scheduler)
    with terminate_as_exit():
        engine = open_schema(db_url)
        try:
            return ingest(engine, Path(folder), workers, force, cache_dir, progress, Limits(timeout, max_memory_mb),
                          mapper)
        finally:
            engine.dispose()


def choose_mapper(executor: str, scheduler: str | None):
    """The per-document map for an executor name; a usage error before any work starts."""
    if executor == "local":
        if scheduler:
            raise ValueError("a scheduler address needs the dask executor (--executor dask)")
        return map_documents
    if executor == "dask":
        from .executors import map_documents_dask, require_dask

        require_dask()
        return partial(map_documents_dask, scheduler=scheduler)
    raise ValueError(f"unknown executor {executor!r}: use 'local' or 'dask'")


def ingest(engine, folder: Path, workers: int | None, force: bool, cache_dir: Path | None, progress,
           limits: Limits, mapper=None) -> RunSummary:
    summary = RunSummary(run_id=start_run(engine, str(folder)))
    paths = find_pdfs(folder)
    summary.files_seen = len(paths)
    batch = plan_batch(engine, summary, paths, force, progress)
    failed: dict[str, str] = {}  # sha256 -> reason, for duplicates of a file that was not loaded
    results = (mapper or map_documents)(batch.todo, workers, str(cache_dir) if cache_dir else None, limits)
    try:
        for result in results:
            if not store_result(engine, summary, result, force):
                failed[result.sha256] = result.error or "not loaded"
            if progress:
                progress(Path(result.path).name, skipped=False)
    finally:
        results.close()  # stops the workers, also on Ctrl-C or SIGTERM
    for path, sha in batch.duplicates:
        if sha in failed:
            report(engine, summary, path, sha, "extract", f"same file as one not loaded: {failed[sha]}")
        else:
            record_seen(engine, sha, path)
            summary.unchanged += 1
    summary.links = relink_actions(engine)  # also links what a run killed before this point had loaded
    finish_run(engine, summary.run_id, files_seen=summary.files_seen, extracted=summary.extracted,
               inserted=summary.inserted, unchanged=summary.unchanged, failed=summary.failed)
    return summary


def plan_batch(engine, summary: RunSummary, paths: list[Path], force: bool, progress) -> Batch:
    """Hash every file; skip those already loaded by this version, set aside duplicates."""
    batch = Batch()
    queued: set[str] = set()
    for path in paths:
        try:
            sha = sha256_of(path)
        except OSError as exc:
            report(engine, summary, str(path), None, "read", f"cannot read file: {exc.strerror or exc}")
            continue
        if sha in queued:
            batch.duplicates.append((str(path), sha))
            if progress:
                progress(path.name, skipped=True)
            continue
        if not force and is_current(engine, sha, EXTRACTOR_VERSION, NORMALISER_VERSION):
            record_seen(engine, sha, str(path))
            summary.unchanged += 1
            if progress:
                progress(path.name, skipped=True)
            continue
        queued.add(sha)
        batch.todo.append((str(path), sha))
    return batch


def store_result(engine, summary: RunSummary, result: DocumentResult, force: bool) -> bool:
    """Write one worker's result (or its error); True when the document is in the database."""
    summary.extracted += result.extracted
    if result.error:
        report(engine, summary, result.path, result.sha256, result.stage or "?", result.error)
        return False
    try:
        n = load_once(engine, result, force)
    except SQLAlchemyError as exc:
        report(engine, summary, result.path, result.sha256, "load", f"database error: {db_error_line(exc)}")
        return False
    if n is None:
        return loaded_elsewhere(engine, summary, result)
    plan = result.plan
    summary.inserted += 1
    summary.actions += n
    summary.documents.append((Path(result.path).name, n, len(plan.measures), layout_of(plan)))
    return True


def load_once(engine, result: DocumentResult, force: bool) -> int | None:
    """Write the document once: None when a run started at the same time loaded it first.

    Unless forced, a current copy in the database is left alone; a unique-key clash means the
    other run committed between our check and our insert (the document, or a shared lead row,
    in which case a retry finds that row and goes through)."""
    for attempt in range(RACE_ATTEMPTS):
        try:
            return load_document(engine, result.plan, result.path, replace_current=force)
        except IntegrityError:
            if is_current(engine, result.sha256, EXTRACTOR_VERSION, NORMALISER_VERSION):
                return None
            if attempt == RACE_ATTEMPTS - 1:
                raise
    return None


def loaded_elsewhere(engine, summary: RunSummary, result: DocumentResult) -> bool:
    record_seen(engine, result.sha256, result.path)
    summary.unchanged += 1
    return True


def record_seen(engine, sha: str, path: str) -> None:
    """Add this name to the document's files; a concurrent run adding the same name is no error."""
    try:
        touch_document(engine, sha, path)
    except IntegrityError:
        pass


def layout_of(plan: PlanDocument) -> str:
    return "known" if plan.actions or plan.measures else ("generic" if plan.generic_tables else "empty")


def one_line(reason: str, limit: int = 300) -> str:
    """Parser messages can span lines or dump whole PDF dictionaries: keep the summary table readable."""
    reason = " ".join(reason.split())
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def db_error_line(exc: SQLAlchemyError) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}".strip()


def report(engine, summary: RunSummary, path: str, sha: str | None, stage: str, reason: str) -> None:
    reason = one_line(reason)
    summary.failed += 1
    summary.errors.append((Path(path).name, stage, reason))
    record_error(engine, summary.run_id, str(path), sha, stage, reason)


def retried(call, error: type[Exception]):
    """call(), tried again on error: a run started at the same moment may have done the same
    write first (created the tables; on PostgreSQL, committed the same links)."""
    for attempt in range(RACE_ATTEMPTS):
        try:
            return call()
        except error:
            if attempt == RACE_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def relink_actions(engine) -> int:
    return retried(partial(link_actions, engine), IntegrityError)


def open_schema(db_url: str):
    return retried(partial(open_database, db_url), SQLAlchemyError)


@contextmanager
def terminate_as_exit():
    """Let SIGTERM unwind the stack (finally blocks, rollbacks) instead of ending the process mid-write."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- worker processes -------------------------------------------------------------------------

def worker_context():
    """forkserver: workers start from a clean, pre-imported process, not a copy of this one
    (which may hold database connections and a progress-bar thread). Its workers re-import the
    __main__ script, so a main that is no file (stdin) falls back to fork."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if "forkserver" not in multiprocessing.get_all_start_methods() or (main_file and not os.path.exists(main_file)):
        return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["councilplans.pipeline", *STAGE_MODULES])
    return ctx


def worker_main(conn: Connection, cache_dir: str | None, max_memory_mb: int | None) -> None:
    """Serve (path, sha256) jobs from the parent until it sends None or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    die_with_parent()
    if max_memory_mb:
        limit = max_memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(STARTED)
        except OSError:
            return
        result = process_document(*job, cache_dir)
        try:
            conn.send(result)
        except MemoryError:
            conn.send(DocumentResult(path=job[0], sha256=job[1], stage="extract", error=memory_reason()))
        except (BrokenPipeError, OSError):
            return


def die_with_parent() -> None:
    """On Linux, be killed when the parent goes (kill -9 included) instead of finishing a stale job."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


class Worker:
    """One worker process, its pipe, and the job it is running (if any)."""

    def __init__(self, ctx, cache_dir: str | None, limits: Limits):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, cache_dir, limits.max_memory_mb), daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[str, str] | None = None
        self.timeout: float | None = None
        self.deadline: float | None = None
        self.done = 0

    def start(self, job: tuple[str, str], timeout: float | None) -> None:
        self.job = job
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout + STARTUP_GRACE if timeout else None
        try:
            self.conn.send(job)
        except OSError:
            pass  # the worker died idle: wait() sees its pipe close and receive() reports it

    def receive(self) -> DocumentResult | None:
        """The finished job's result, a report of how the worker died, or None when it just began."""
        path, sha = self.job
        try:
            message = self.conn.recv()
        except (EOFError, OSError):
            message = None
        if message == STARTED:
            self.deadline = time.monotonic() + self.timeout if self.timeout else None
            return None
        self.job, self.deadline = None, None
        self.done += 1
        if isinstance(message, DocumentResult):
            return message
        self.stop()
        return DocumentResult(path=path, sha256=sha, stage="extract", error=death_reason(self.process.exitcode))

    def overdue(self, now: float) -> bool:
        return self.deadline is not None and now > self.deadline

    def stop(self, kill: bool = True) -> None:
        """End the process (kill it if it is mid-job) and close the pipe; safe to call twice."""
        if self.conn.closed:
            return
        if kill and self.process.is_alive():
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        hint = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"worker process died on {name}{hint} while reading this file"
    return f"worker process exited with status {exitcode} while reading this file"


def map_documents(todo: list[tuple[str, str]], workers: int | None, cache_dir: str | None,
                  limits: Limits = Limits()):
    """Yield one DocumentResult per (path, sha256) as they finish, each computed in a worker process.

    A document past its deadline is reported and its worker killed and replaced; closing the
    generator (end of batch, Ctrl-C, SIGTERM) stops every worker.
    """
    if not todo:
        return
    ctx = worker_context()
    slots = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    waiting = list(reversed(todo))
    pool: list[Worker] = []
    try:
        while waiting or any(w.job for w in pool):
            fill(pool, waiting, slots, ctx, cache_dir, limits)
            busy = {w.conn: w for w in pool if w.job}
            for conn in wait(list(busy), timeout=seconds_to_deadline(busy.values())):
                result = busy[conn].receive()
                if result is not None:
                    yield result
            yield from stop_overdue(busy.values(), limits.timeout)
            retire(pool)
    finally:
        for worker in pool:
            worker.stop(kill=bool(worker.job))


def stop_overdue(workers, timeout: float | None):
    """Kill the workers whose document ran past its deadline; yield a report for each."""
    now = time.monotonic()
    for worker in [w for w in workers if w.job and w.overdue(now)]:
        result = worker.receive() if worker.conn.poll() else None  # it may have finished meanwhile
        if result is not None:
            yield result
            continue
        if worker.job and not worker.overdue(now):  # that was its start note: its clock starts now
            continue
        path, sha = worker.job
        worker.stop()
        worker.job = None
        yield DocumentResult(path=path, sha256=sha, stage="extract",
                             error=f"time limit exceeded: stopped after {timeout:g} s")


def retire(pool: list) -> None:
    """Drop idle workers that died, were killed, or served their quota (a fresh one takes over)."""
    for worker in [w for w in pool if w.job is None and (w.done >= TASKS_PER_WORKER or not w.process.is_alive())]:
        worker.stop(kill=False)
        pool.remove(worker)


def fill(pool: list[Worker], waiting: list, slots: int, ctx, cache_dir: str | None, limits: Limits) -> None:
    """Give every idle worker a job, starting new workers up to the number of slots."""
    for worker in pool:
        if waiting and worker.job is None:
            worker.start(waiting.pop(), limits.timeout)
    while waiting and len(pool) < slots:
        worker = Worker(ctx, cache_dir, limits)
        pool.append(worker)
        worker.start(waiting.pop(), limits.timeout)


def seconds_to_deadline(workers) -> float | None:
    deadlines = [w.deadline for w in workers if w.deadline is not None]
    return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
