"""The per-document map (extract -> normalise) on a process pool, and the single-writer load.

Workers never touch the database: they return a PlanDocument (or a readable error) and the
parent process writes it in one transaction, so SQLite needs no cross-process locking and a
killed run never leaves half a document.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from extract import EXTRACTOR_VERSION, ExtractedDocument, ExtractionError, extract_document, sha256_of
from load import finish_run, link_actions, is_current, load_document, open_database, record_error, start_run, touch_document
from normalise import NORMALISER_VERSION, PlanDocument, normalise_document


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
    links: int | None = None  # cross-year links recomputed (None when nothing new was loaded)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (file, stage, reason)
    documents: list[tuple[str, int, int, str]] = field(default_factory=list)  # (file, actions, measures, layout)


def find_pdfs(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


def cached_extract(path: Path, sha256: str, cache_dir: Path | None) -> tuple[ExtractedDocument, bool]:
    """Extract, or read the JSON a previous run of the same extractor version left."""
    cache = cache_dir / f"{sha256}.extracted.{EXTRACTOR_VERSION}.json" if cache_dir else None
    if cache and cache.exists():
        doc = ExtractedDocument.model_validate_json(cache.read_text())
        return doc.model_copy(update={"file_name": path.name}), False
    doc = extract_document(path, sha256)
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(doc.model_dump_json())
        tmp.replace(cache)
    return doc, True


def process_document(path: str, sha256: str, cache_dir: str | None) -> DocumentResult:
    """The pure per-document map: runs in a worker process; never raises."""
    result = DocumentResult(path=path, sha256=sha256)
    try:
        doc, result.extracted = cached_extract(Path(path), sha256, Path(cache_dir) if cache_dir else None)
    except ExtractionError as exc:
        result.stage, result.error = "extract", str(exc)
        return result
    except Exception as exc:  # a bug or a PDF no parser expected: report it, keep the batch going
        result.stage, result.error = "extract", f"unexpected {type(exc).__name__}: {exc}"
        return result
    try:
        result.plan = normalise_document(doc)
    except Exception as exc:
        result.stage, result.error = "normalise", f"unexpected {type(exc).__name__}: {exc}"
    return result


def run_pipeline(folder: Path, db_url: str, workers: int | None = None, force: bool = False,
                 cache_dir: Path | None = None, progress=None) -> RunSummary:
    """Ingest every PDF under folder; new or changed files are processed, the rest skipped."""
    engine = open_database(db_url)
    summary = RunSummary(run_id=start_run(engine, str(folder)))
    paths = find_pdfs(folder)
    summary.files_seen = len(paths)
    todo: list[tuple[str, str]] = []
    duplicates: list[tuple[str, str]] = []  # same bytes under another name in this batch
    for path in paths:
        try:
            sha = sha256_of(path)
        except OSError as exc:
            report(engine, summary, str(path), None, "read", f"cannot read file: {exc.strerror or exc}")
            continue
        if any(sha == s for _, s in todo):
            duplicates.append((str(path), sha))
        elif not force and is_current(engine, sha, EXTRACTOR_VERSION, NORMALISER_VERSION):
            touch_document(engine, sha, str(path))
        else:
            todo.append((str(path), sha))
            continue
        summary.unchanged += 1
        if progress:
            progress(path.name, skipped=True)
    for result in map_documents(todo, workers, str(cache_dir) if cache_dir else None):
        summary.extracted += result.extracted
        if result.error:
            report(engine, summary, result.path, result.sha256, result.stage or "?", result.error)
        else:
            n = load_document(engine, result.plan, result.path)
            summary.inserted += 1
            summary.actions += n
            layout = "known" if result.plan.actions or result.plan.measures else (
                "generic" if result.plan.generic_tables else "empty")
            summary.documents.append((Path(result.path).name, n, len(result.plan.measures), layout))
        if progress:
            progress(Path(result.path).name, skipped=False)
    for path, sha in duplicates:
        touch_document(engine, sha, path)
    if summary.inserted:
        summary.links = link_actions(engine)
    finish_run(engine, summary.run_id, files_seen=summary.files_seen, extracted=summary.extracted,
               inserted=summary.inserted, unchanged=summary.unchanged, failed=summary.failed)
    engine.dispose()
    return summary


def report(engine, summary: RunSummary, path: str, sha: str | None, stage: str, reason: str) -> None:
    summary.failed += 1
    summary.errors.append((Path(path).name, stage, reason))
    record_error(engine, summary.run_id, str(path), sha, stage, reason)


def map_documents(todo: list[tuple[str, str]], workers: int | None, cache_dir: str | None):
    """Yield results as they finish; one worker runs in-process (simpler to debug and profile)."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(todo) <= 1:
        for path, sha in todo:
            yield process_document(path, sha, cache_dir)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
        futures = [pool.submit(process_document, path, sha, cache_dir) for path, sha in todo]
        for future in as_completed(futures):
            yield future.result()
