"""Where the per-document map runs: worker processes on this machine, or a Dask cluster.

Every executor keeps one contract, `MapDocuments`: given (path, sha256) jobs, yield one
DocumentResult per job as they finish, computed by councilplans.document.process_document;
closing the iterator (end of batch, Ctrl-C, SIGTERM) stops the work still running. Workers
never touch the database: results come back to the calling process, which writes them (one
transaction per document), so a killed run never leaves half a document.

- `map_documents_local`: a pebble ProcessPool. Each worker process has an address-space
  limit (set by its initializer) and each document a wall-clock limit that pebble enforces by
  killing the worker; a worker is replaced after TASKS_PER_WORKER documents, so freed-but-kept
  memory cannot pile up. Workers start from a forkserver that has the PDF/OCR/spaCy stack
  imported, and die with it (PR_SET_PDEATHSIG), so `kill -9` of the run leaves no worker behind.
- `map_documents_dask`: for batches bigger than one machine (see bench/README.md). Every worker
  sees the PDFs (and the extraction cache, if one is used) at the same absolute path as this
  process, e.g. on a shared mount, and has councilplans installed. Guards differ: Dask cannot
  interrupt a running task, so the per-document time limit is not enforced; memory is guarded by
  the worker's own `--memory-limit` (its nanny restarts a worker that exceeds it, and a document
  that keeps killing workers is reported here as an error once Dask gives up on it).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import socket
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Protocol

from extract import ExtractionError
from extract.files import ResourceLimit, UnexpectedFailure

from .document import STAGE_MODULES, DocumentResult, failure, process_document

DEFAULT_TIMEOUT = 300.0  # seconds one document may take; the slowest real-world sample takes ~17 s
DEFAULT_MAX_MEMORY_MB = 2048  # address space of one worker; the hungriest real-world sample peaks at ~520 MiB
TASKS_PER_WORKER = 25  # a worker is replaced after this many documents, so freed-but-kept memory cannot pile up
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"  # the variable Dask itself reads for the scheduler address
CONNECT_TIMEOUT = "30s"


@dataclass(frozen=True)
class Limits:
    """Per-document guards so one pathological PDF cannot stall or swamp the batch (None = no limit)."""

    timeout: float | None = DEFAULT_TIMEOUT
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB


Job = tuple[str, str]  # (path, sha256)


class MapDocuments(Protocol):
    """The contract of every executor: one DocumentResult per job, as they finish; close() stops the rest."""

    def __call__(self, todo: list[Job], workers: int | None, cache_dir: str | None,
                 limits: Limits = ...) -> Iterator[DocumentResult]: ...


class DaskMissing(RuntimeError):
    """The dask extra is not installed."""


def choose_executor(executor: str, scheduler: str | None) -> MapDocuments:
    """The per-document map for an executor name; a usage error before any work starts."""
    if executor == "local":
        if scheduler:
            raise ValueError("a scheduler address needs the dask executor (--executor dask)")
        return map_documents_local
    if executor == "dask":
        require_dask()
        return partial(map_documents_dask, scheduler=scheduler)
    raise ValueError(f"unknown executor {executor!r}: use 'local' or 'dask'")


# --- worker processes on this machine ----------------------------------------------------------

def map_documents_local(todo: list[Job], workers: int | None, cache_dir: str | None,
                        limits: Limits = Limits()) -> Iterator[DocumentResult]:
    """Yield one DocumentResult per (path, sha256) as they finish, each computed in a worker process.

    As many documents are handed out as there are workers: the next one goes to the pool only
    after the parent has taken a result, so a document is read as late as it can be (a file
    rewritten after hashing is caught by its check) and closing leaves no queue to drain.
    """
    if not todo:
        return
    from pebble import ProcessPool  # a fifth of a second: not for a run with nothing to extract

    slots = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    pool = ProcessPool(max_workers=slots, max_tasks=TASKS_PER_WORKER, initializer=start_worker,
                       initargs=(limits.max_memory_mb,), context=worker_context())
    waiting = iter(todo)
    running: dict = {}
    try:
        while True:
            for path, sha in islice(waiting, slots - len(running)):
                running[pool.schedule(process_document, (path, sha, cache_dir), timeout=limits.timeout)] = (path, sha)
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                path, sha = running.pop(future)
                yield outcome(future, path, sha, limits)
    finally:
        pool.stop()  # kills the workers, also those still reading a document (Ctrl-C, SIGTERM)
        pool.join()


def outcome(future, path: str, sha256: str, limits: Limits) -> DocumentResult:
    """The worker's DocumentResult, or a report of why there is none (time limit, the worker died)."""
    from pebble import ProcessExpired

    try:
        return future.result()
    except TimeoutError:
        return failure(path, sha256, ResourceLimit(f"time limit exceeded: stopped after {limits.timeout:g} s"))
    except ProcessExpired as exc:
        return failure(path, sha256, death(exc.exitcode))
    except Exception as exc:  # process_document never raises: this is the pool itself failing
        return failure(path, sha256, UnexpectedFailure(f"unexpected {type(exc).__name__} in the worker pool: {exc}"))


def death(exitcode: int | None) -> ExtractionError:
    """Why a worker died mid-document: SIGKILL is most likely the kernel's out-of-memory killer."""
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        if -exitcode == signal.SIGKILL:
            return ResourceLimit(f"worker process died on {name} (out of memory?) while reading this file")
        return UnexpectedFailure(f"worker process died on {name} while reading this file")
    return UnexpectedFailure(f"worker process exited with status {exitcode} while reading this file")


def worker_context():
    """forkserver: workers start from a clean, pre-imported process, not a copy of this one
    (which may hold database connections and a progress-bar thread). Its workers re-import the
    __main__ script, so a main that is no file (stdin) falls back to fork."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if "forkserver" not in multiprocessing.get_all_start_methods() or (main_file and not os.path.exists(main_file)):
        return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["councilplans.executors", "pebble.pool.process", *STAGE_MODULES])
    return ctx


def start_worker(max_memory_mb: int | None) -> None:
    """Each worker's initializer: die with the run, and cap the address space. Never raises (pebble
    cannot tell which document a worker that failed to start was meant for)."""
    die_with_parent()
    if max_memory_mb:
        limit = max_memory_mb << 20
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass  # above the hard limit this account may set: the hard limit stays the guard


def die_with_parent() -> None:
    """On Linux, be killed when the parent (the forkserver, which goes when the run goes) ends,
    kill -9 included, instead of finishing a stale job."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


# --- a Dask cluster ------------------------------------------------------------------------------

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
        return failure(path, sha256, ExtractionError(
            f"file not found on Dask worker {socket.gethostname()}: workers must see "
            "the PDFs at the same path as the machine running councilplans"), stage="read")
    return process_document(path, sha256, cache_dir)


def map_documents_dask(todo: list[Job], workers: int | None, cache_dir: str | None,
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
                result = dask_result(future, path, sha)
                future.release()
                yield result
        finally:
            if jobs:
                client.cancel([f for f in futures if f.key in jobs])


def dask_result(future, path: str, sha256: str) -> DocumentResult:
    """The worker's DocumentResult under the caller's own path, or a report of why the task failed."""
    if future.status == "error":
        return failure(path, sha256, dask_failure(future.exception()))
    if future.status == "cancelled":
        return failure(path, sha256, UnexpectedFailure("cancelled by the Dask scheduler"))
    result = future.result()
    result.path = path  # the worker saw the absolute path; the database records the name the run was given
    return result


def dask_failure(exc: BaseException) -> ExtractionError:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return ResourceLimit("Dask worker died while reading this file (over its memory limit?)")
    return UnexpectedFailure(f"unexpected {type(exc).__name__} on Dask worker: {exc}")


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
