"""The batch: which files to process, the single-writer load, and the run's record.

Files are hashed first; documents already loaded by this version are skipped (documents are
keyed by sha256), the rest go to an executor (councilplans/executors.py), which maps
councilplans/document.py:process_document over them on worker processes or a Dask cluster.
Workers never touch the database: this process writes each result in one transaction, so a
killed run never leaves half a document and the next run skips what is already loaded.
Every file not loaded is reported with its stage, the kind of failure and a reason, and
recorded in ingest_errors.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from extract import EXTRACTOR_VERSION, ExtractionError, sha256_of
from load import (
    DocumentSource, finish_run, is_current, layout_of, link_actions, load_document, open_database, record_error,
    record_sources, start_run, touch_document,
)
from normalise import NORMALISER_VERSION

from .document import DocumentResult
from .fetch.manifest import sources_by_sha
from .executors import DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT, Limits, MapDocuments, choose_executor

RACE_ATTEMPTS = 5  # tries at a write that a run started at the same moment can collide with
DATABASE = "database"  # the kind of a failure to write a document (stage "load")


@dataclass(frozen=True)
class Failure:
    """A file not loaded: where it failed, the kind of failure (ExtractionError.kind, or "database"), why."""

    file: str
    stage: str
    kind: str
    reason: str


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
    sourced: int = 0  # documents traced to the web page they were fetched from (a fetch manifest in the folder)
    failures: list[Failure] = field(default_factory=list)
    documents: list[tuple[str, int, int, str]] = field(default_factory=list)  # (file, actions, measures, layout)

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        """(file, stage, reason) of every file not loaded."""
        return [(f.file, f.stage, f.reason) for f in self.failures]


@dataclass
class Batch:
    """What a run has to do once every file is hashed."""

    todo: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256) to extract and load
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # same bytes as a todo file, another name


def find_pdfs(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


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
    mapper = choose_executor(executor, scheduler)
    with terminate_as_exit():
        engine = open_schema(db_url)
        try:
            return ingest(engine, Path(folder), workers, force, cache_dir, progress, Limits(timeout, max_memory_mb),
                          mapper)
        finally:
            engine.dispose()


def ingest(engine, folder: Path, workers: int | None, force: bool, cache_dir: Path | None, progress,
           limits: Limits, mapper: MapDocuments) -> RunSummary:
    summary = RunSummary(run_id=start_run(engine, str(folder)))
    paths = find_pdfs(folder)
    summary.files_seen = len(paths)
    batch = plan_batch(engine, summary, paths, force, progress)
    failed: dict[str, DocumentResult] = {}  # sha256 -> result, for duplicates of a file that was not loaded
    results = mapper(batch.todo, workers, str(cache_dir) if cache_dir else None, limits)
    try:
        for result in results:
            if not store_result(engine, summary, result, force):
                failed[result.sha256] = result
            if progress:
                progress(Path(result.path).name, skipped=False)
    finally:
        results.close()  # stops the workers, also on Ctrl-C or SIGTERM
    for path, sha in batch.duplicates:
        if sha in failed:
            first = failed[sha]
            report(engine, summary, path, sha, first.stage, first.kind, f"same file as one not loaded: {first.error}")
        else:
            record_seen(engine, sha, path)
            summary.unchanged += 1
    summary.sourced = record_fetch_sources(engine, folder)
    summary.links = relink_actions(engine)  # also links what a run killed before this point had loaded
    finish_run(engine, summary.run_id, files_seen=summary.files_seen, extracted=summary.extracted,
               inserted=summary.inserted, unchanged=summary.unchanged, failed=summary.failed)
    return summary


def record_fetch_sources(engine, folder: Path) -> int:
    """Documents fetched by `councilplans fetch` get the council, committee, meeting, agenda item and
    URL they were published under, from the manifests in (or just above) folder."""
    entries = sources_by_sha(folder)
    return record_sources(engine, [
        DocumentSource(sha256=sha, source_url=e.source_url, council=e.council or None, committee=e.committee or None,
                       meeting_date=date.fromisoformat(e.meeting_date) if e.meeting_date else None,
                       item_title=e.item_title, source_title=e.title,
                       fetched_at=datetime.fromisoformat(e.fetched_at) if e.fetched_at else None)
        for sha, e in entries.items()])


def plan_batch(engine, summary: RunSummary, paths: list[Path], force: bool, progress) -> Batch:
    """Hash every file; skip those already loaded by this version, set aside duplicates."""
    batch = Batch()
    queued: set[str] = set()
    for path in paths:
        try:
            sha = sha256_of(path)
        except OSError as exc:
            report(engine, summary, str(path), None, "read", ExtractionError.kind,
                   f"cannot read file: {exc.strerror or exc}")
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
        report(engine, summary, result.path, result.sha256, result.stage, result.kind, result.error)
        return False
    try:
        n = load_once(engine, result, force)
    except SQLAlchemyError as exc:
        result.stage, result.kind, result.error = "load", DATABASE, f"database error: {db_error_line(exc)}"
        report(engine, summary, result.path, result.sha256, result.stage, result.kind, result.error)
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


def one_line(reason: str, limit: int = 300) -> str:
    """Parser messages can span lines or dump whole PDF dictionaries: keep the summary table readable."""
    reason = " ".join(reason.split())
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def db_error_line(exc: SQLAlchemyError) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}".strip()


def report(engine, summary: RunSummary, path: str, sha: str | None, stage: str, kind: str, reason: str) -> None:
    """Count, list and record a file that is not loaded."""
    reason = one_line(reason)
    summary.failed += 1
    summary.failures.append(Failure(Path(path).name, stage, kind, reason))
    record_error(engine, summary.run_id, str(path), sha, stage, kind, reason)


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
