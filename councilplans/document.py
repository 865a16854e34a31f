"""One document end to end: PDF -> ExtractedDocument (cached) -> PlanDocument, never raising.

`process_document` is the per-document function. Everything that turns a PDF into records
calls it: the pipeline's workers (local or on Dask), the benchmark (bench/run.py) and the
agreement report (bench/agreement.py), so what is measured is what ships. It records what
each stage cost in the process that ran it (wall, CPU, peak RSS so far), which is how the
benchmark measures the stages without running them itself.

A failure comes back as a DocumentResult with the failing stage, the `kind` of the
ExtractionError subclass that describes it (extract/files.py) and its one-line reason.

The stages are imported inside process_document, not at the top: the parent of a run over
unchanged files never loads pdfplumber, OpenCV or spaCy (the forkserver preloads them for
the workers, see councilplans/executors.py).
"""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from extract import EXTRACTOR_VERSION, ExtractedDocument, ExtractionError
from extract.files import ResourceLimit, UnexpectedFailure
from normalise import PlanDocument

STAGE_MODULES = ["extract.pdf", "extract.ocr", "normalise.plan"]  # what workers use and the parent need not import


@dataclass
class StageCost:
    """What one stage of one document took, in the process that ran it."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mib: float = 0.0  # the process's peak so far, at the end of the stage


@dataclass
class DocumentResult:
    path: str
    sha256: str | None
    plan: PlanDocument | None = None
    stage: str | None = None  # where it failed: read | extract | normalise | load
    kind: str | None = None  # ExtractionError.kind of the failure: encrypted, corrupt, limit, bug ...
    error: str | None = None  # the user-facing reason
    extracted: bool = False  # read from the PDF this time (not from the cache)
    costs: dict[str, StageCost] = field(default_factory=dict)  # stage -> cost: extract, cache_write, normalise
    document: ExtractedDocument | None = None  # the extraction itself, only when asked for (keep_document)

    def fail(self, error: ExtractionError, stage: str | None = None) -> DocumentResult:
        """Mark this document failed with the error's kind and reason, in its stage (or the one given)."""
        self.stage, self.kind, self.error = stage or error.stage, error.kind, str(error)
        return self


def failure(path: str, sha256: str | None, error: ExtractionError, stage: str | None = None) -> DocumentResult:
    """The result of a document that could not be processed."""
    return DocumentResult(path=path, sha256=sha256).fail(error, stage)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@contextmanager
def measured(costs: dict[str, StageCost], stage: str):
    """Record wall, CPU and the process's peak RSS so far under costs[stage] (also when the stage fails)."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        costs[stage] = StageCost(time.perf_counter() - wall, time.process_time() - cpu, peak_rss_mib())


def cache_file(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / f"{sha256}.extracted.{EXTRACTOR_VERSION}.json"


def cached_extract(path: Path, sha256: str, cache_dir: Path | None,
                   costs: dict[str, StageCost] | None = None,
                   pages: set[int] | None = None) -> tuple[ExtractedDocument, bool]:
    """Extract, or read the JSON a previous run of the same extractor version left; True when extracted.

    With `pages` only those pages are wanted: a whole document's cache serves them, and a reading of
    some pages only is never cached (the cache holds whole documents)."""
    costs = {} if costs is None else costs
    cache = cache_file(cache_dir, sha256) if cache_dir else None
    if cache and cache.exists():
        with measured(costs, "cache_read"):
            doc = ExtractedDocument.model_validate_json(cache.read_text())
        kept = doc.pages if pages is None else [p for p in doc.pages if p.number in pages]
        return doc.model_copy(update={"file_name": path.name, "pages": kept}), False
    from extract.pdf import extract_document

    with measured(costs, "extract"):
        doc = extract_document(path, sha256, pages=pages)
    if cache and pages is None:
        with measured(costs, "cache_write"):
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(doc.model_dump_json())
            tmp.replace(cache)  # atomic: a killed run never leaves half a cache file
    return doc, True


def normalised(doc: ExtractedDocument) -> PlanDocument:
    """ExtractedDocument -> PlanDocument, review flags set."""
    from normalise.plan import normalise_document

    return normalise_document(doc)


def memory_reason() -> str:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    limit = f" ({soft // (1 << 20)} MiB)" if soft != resource.RLIM_INFINITY else ""
    return f"memory limit exceeded{limit}"


def process_document(path: str, sha256: str, cache_dir: str | None, keep_document: bool = False,
                     pages: set[int] | None = None, normalise: bool = True) -> DocumentResult:
    """The pure per-document map: extract (or read the cache), normalise; never raises.

    keep_document also hands back the ExtractedDocument, even when normalising fails (the
    agreement report scores its tables; the pipeline does not ask, so workers do not send it back).
    The tables export (councilplans/tables.py) asks for the extraction alone (normalise=False),
    of the pages it was given (pages: 1-based numbers; None reads them all)."""
    result = DocumentResult(path=path, sha256=sha256)
    try:
        doc, result.extracted = cached_extract(Path(path), sha256, Path(cache_dir) if cache_dir else None,
                                               result.costs, pages)
    except ExtractionError as exc:
        return result.fail(exc)
    except MemoryError:
        return result.fail(ResourceLimit(memory_reason()))
    except RecursionError:
        return result.fail(ResourceLimit("PDF structure nested too deeply to read"))
    except Exception as exc:  # a bug or a PDF no parser expected: report it, keep the batch going
        return result.fail(unexpected(exc))
    if keep_document or not normalise:
        result.document = doc
    if not normalise:
        return result
    try:
        with measured(result.costs, "normalise"):
            result.plan = normalised(doc)
    except MemoryError:
        return result.fail(ResourceLimit(memory_reason()), stage="normalise")
    except Exception as exc:
        return result.fail(unexpected(exc), stage="normalise")
    return result


def unexpected(exc: BaseException) -> UnexpectedFailure:
    return UnexpectedFailure(f"unexpected {type(exc).__name__}: {exc}")
