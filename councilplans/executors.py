"""The per-document map on Dask, for batches bigger than one machine.

Same contract as pipeline.map_documents: given (path, sha256) jobs, yield one DocumentResult
per job as they finish; pipeline.process_document is the per-document function, so a worker
on another machine runs exactly the code a local worker process runs. Workers never touch
the database: results come back to this process, which writes them (one transaction per
document), so the database only needs to be reachable from here.

What a cluster needs: every worker sees the PDFs (and the extraction cache, if one is used)
at the same absolute path as this process, e.g. on a shared mount, and has councilplans
installed. Guards differ from the local pool: Dask cannot interrupt a running task, so the
per-document time limit is not enforced; memory is guarded by the worker's own
`--memory-limit` (its nanny restarts a worker that exceeds it, and a document that keeps
killing workers is reported here as an error once Dask gives up on it).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .pipeline import DocumentResult, Limits, process_document

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"  # the variable Dask itself reads for the scheduler address
CONNECT_TIMEOUT = "30s"


class DaskMissing(RuntimeError):
    """The dask extra is not installed."""


def require_dask() -> None:
    """Fail before any work starts, with the install command, when Dask is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise DaskMissing("the Dask executor needs the dask extra: pip install 'councilplans[dask]'") from None


def process_on_worker(path: str, sha256: str, cache_dir: str | None) -> DocumentResult:
    """process_document, after checking the file is visible on this worker (a cluster without the
    shared mount would otherwise report every file as a puzzling FileNotFoundError)."""
    if not os.path.exists(path):
        return DocumentResult(path=path, sha256=sha256, stage="read",
                              error=f"file not found on Dask worker {socket.gethostname()}: workers must see "
                                    "the PDFs at the same path as the machine running councilplans")
    return process_document(path, sha256, cache_dir)


def map_documents_dask(todo: list[tuple[str, str]], workers: int | None, cache_dir: str | None,
                       limits: Limits = Limits(), scheduler: str | None = None) -> Iterator[DocumentResult]:
    """Yield one DocumentResult per (path, sha256) as they finish, each computed on a Dask worker.

    scheduler: address of a running scheduler (tcp://host:8786); None falls back to
    $DASK_SCHEDULER_ADDRESS, else to a LocalCluster of `workers` single-threaded processes on
    this machine (pdfplumber is pure Python: threads would share one core). Closing the
    generator cancels the documents not yet done.
    """
    require_dask()
    if not todo:
        return
    cache = str(Path(cache_dir).resolve()) if cache_dir else None
    with dask_client(scheduler or os.environ.get(SCHEDULER_ENV), workers, limits) as client:
        from distributed import as_completed

        futures = client.map(process_on_worker, [str(Path(p).resolve()) for p, _ in todo], [s for _, s in todo],
                             cache_dir=cache, pure=False)
        jobs = dict(zip((f.key for f in futures), todo))
        try:
            for future in as_completed(futures, loop=client.loop):
                path, sha = jobs.pop(future.key)
                result = result_of(future, path, sha)
                future.release()
                yield result
        finally:
            if jobs:
                client.cancel([f for f in futures if f.key in jobs])


def result_of(future, path: str, sha256: str) -> DocumentResult:
    """The worker's DocumentResult under the caller's own path, or a report of why the task failed."""
    if future.status == "error":
        return DocumentResult(path=path, sha256=sha256, stage="extract", error=failure_reason(future.exception()))
    if future.status == "cancelled":
        return DocumentResult(path=path, sha256=sha256, stage="extract", error="cancelled by the Dask scheduler")
    result = future.result()
    result.path = path  # the worker saw the absolute path; the database records the name the run was given
    return result


def failure_reason(exc: BaseException) -> str:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return "Dask worker died while reading this file (over its memory limit?)"
    return f"unexpected {type(exc).__name__} on Dask worker: {exc}"


@contextmanager
def dask_client(address: str | None, workers: int | None, limits: Limits):
    """A Client for the scheduler at address, or for a LocalCluster started (and stopped) here."""
    from distributed import Client, LocalCluster

    if address:
        with Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False) as client:
            yield client
        return
    memory = f"{limits.max_memory_mb}MiB" if limits.max_memory_mb else 0  # 0: no limit
    with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                      memory_limit=memory, dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client
