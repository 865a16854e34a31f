"""councilplans command line: ingest a folder of council plan PDFs into a database and query it."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="Turn published council plan PDFs into a database of actions, leads, deadlines, RAG ratings and KPIs.",
    no_args_is_help=True, add_completion=False,
)
console = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 160)
DB_HELP = "SQLAlchemy URL of the database, e.g. sqlite:///data/councilplans.db or postgresql+psycopg://user@host/db."


class Executor(str, Enum):
    local = "local"
    dask = "dask"


def default_db() -> str:
    return os.environ.get("DATABASE_URL", "sqlite:///data/councilplans.db")


@app.command()
def run(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of PDFs (searched recursively)."),
    db: str = typer.Option(None, "--db", help=DB_HELP + " Default: $DATABASE_URL or sqlite:///data/councilplans.db."),
    workers: int = typer.Option(0, "--workers", "-j", help="Worker processes for extraction (0 = one per core)."),
    force: bool = typer.Option(False, "--force", help="Re-process documents already loaded by this version."),
    executor: Executor = typer.Option(Executor.local, "--executor", help="Where documents are extracted: 'local' "
                                      "worker processes, or 'dask' (a Dask cluster; needs the dask extra)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 "
                                  "(default $DASK_SCHEDULER_ADDRESS, else a cluster on this machine)."),
    cache: Path = typer.Option(Path("data/cache"), "--cache", help="Folder for per-stage JSON results, keyed by sha256."),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds one document may take before it is stopped and reported (0 = no limit)."),
    max_memory: int = typer.Option(2048, "--max-memory", help="Memory limit of one worker process in MiB; a document exceeding it is reported (0 = no limit)."),
) -> None:
    """Extract, normalise and load every PDF in FOLDER.

    Documents are keyed by their sha256: re-running on the same folder skips documents already
    loaded by this version; new or changed files are processed; each document is written in
    one transaction. Files that are not readable PDFs (empty, corrupt, encrypted, HTML, scanned)
    are reported by name with a reason and recorded in ingest_errors; the batch goes on.

    Each document gets a time limit (--timeout) and its worker a memory limit (--max-memory):
    a PDF that hangs or swamps memory is stopped, reported and skipped.

    Exit status: 0 when every file was loaded or already current, 1 when some files were
    reported as errors (the rest were loaded), 2 on a usage error, 130 or 143 when interrupted
    by Ctrl-C or SIGTERM (finished documents stay loaded; the next run completes the batch).
    """
    from .executors import DaskMissing
    from .pipeline import find_pdfs, run_pipeline

    url = db or default_db()
    total = len(find_pdfs(folder))
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[current]}"), console=console,
                  disable=not console.is_terminal and not os.environ.get("COUNCILPLANS_PROGRESS")) as bar:
        task = bar.add_task("ingesting", total=total, current="")

        def advance(name: str, skipped: bool) -> None:
            bar.update(task, advance=1, current=f"{'skipped ' if skipped else ''}{name}")

        try:
            summary = run_pipeline(folder, url, workers=workers or None, force=force, cache_dir=cache,
                                   progress=advance, timeout=timeout or None, max_memory_mb=max_memory or None,
                                   executor=executor.value, scheduler=scheduler)
        except (ValueError, DaskMissing) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    print_summary(summary)
    raise typer.Exit(1 if summary.failed else 0)


def print_summary(summary) -> None:
    if summary.documents:
        table = Table(title="Loaded documents")
        for col in ("document", "actions+tasks", "KPI rows", "layout"):
            table.add_column(col)
        for name, actions, measures, layout in sorted(summary.documents):
            table.add_row(name, str(actions), str(measures), layout)
        console.print(table)
    if summary.failures:
        table = Table(title="Files not loaded", style="red")
        for col in ("file", "stage", "kind", "reason"):
            table.add_column(col)
        for failure in summary.failures:
            table.add_row(failure.file, failure.stage, failure.kind, failure.reason)
        console.print(table)
    console.print(
        f"run {summary.run_id}: {summary.files_seen} files, {summary.inserted} loaded, "
        f"{summary.unchanged} unchanged, {summary.failed} failed, {summary.extracted} extracted, "
        f"{summary.actions} action rows written, {summary.links} cross-year links made")


UNRECORDED_KIND = "(not recorded)"  # errors recorded before failures had kinds (schema 0003)


@app.command()
def errors(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """List files that could not be loaded (the quarantine) by kind of failure: how many of each
    kind (most first), then each kind's files, newest first."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from load import open_database
    from load.models import IngestError

    engine = open_database(db or default_db())
    by_kind: dict[str, list] = {}
    with Session(engine) as session:
        for err in session.scalars(select(IngestError).order_by(IngestError.id.desc())):
            by_kind.setdefault(err.kind or UNRECORDED_KIND, []).append(err)
    kinds = sorted(by_kind, key=lambda kind: (-len(by_kind[kind]), kind))
    out = Console(width=None if console.is_terminal else 160)
    counts = Table(title="Ingest errors by kind", min_width=40)
    for col in ("kind", "files"):
        counts.add_column(col)
    for kind in kinds:
        counts.add_row(kind, str(len(by_kind[kind])))
    out.print(counts)
    for kind in kinds:
        table = Table(title=f"{kind}: {len(by_kind[kind])}")
        for col in ("when", "run", "file", "stage", "reason"):
            table.add_column(col)
        for err in by_kind[kind]:
            table.add_row(f"{err.at:%Y-%m-%d %H:%M}", str(err.run_id), Path(err.file_name).name, err.stage, err.reason)
        out.print(table)


@app.command()
def score(
    folder: Path = typer.Argument(Path("samples"), exists=True, file_okay=False,
                                  help="Folder of PDFs each with a <name>.expected.json beside it."),
    expected: Path = typer.Option(None, "--expected", exists=True, file_okay=False,
                                  help="Folder holding the <name>.expected.json files, if not beside the PDFs "
                                       "(e.g. tests/real for ../shared/real-dev)."),
    db: str = typer.Option(None, "--db", help=DB_HELP + " Default: a fresh SQLite file in data/score.db."),
    misses: int = typer.Option(0, "--misses", help="Also list up to N unmatched expected records per document."),
) -> None:
    """Run the pipeline over FOLDER and compare the database with the expected JSON files.

    Prints, per document and overall, action recall and precision and the agreement of every
    field of the matched actions (level, refs, text, RAG, deadline as printed and as dates, leads
    as printed and expanded, progress, next steps, measure of success), then KPI recall,
    precision, values and ratings, and the document facts."""
    from .pipeline import run_pipeline
    from .scoring import print_scores, score_folder

    url = db or "sqlite:///data/score.db"
    run_pipeline(folder, url, force=True, cache_dir=None)
    print_scores(score_folder(folder, url, expected), Console(width=240), misses)


class TableFormat(str, Enum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@app.command()
def tables(
    target: Path = typer.Argument(..., exists=True, help="A PDF, or a folder of PDFs (searched recursively)."),
    pages: str = typer.Option("all", "--pages", "-p", help="Pages to read, as camelot takes them: 1,3-5 or 2-end."),
    fmt: TableFormat = typer.Option(TableFormat.json, "--format", "-f", help="json: one file per PDF; csv: one "
                                    "file per table; xlsx: one workbook per PDF, a sheet per table."),
    out: Path = typer.Option(None, "--out", "-o", file_okay=False, help="Folder to write into (default: standard "
                             "output for one PDF's JSON, else the current folder)."),
    cache: Path = typer.Option(None, "--cache", help="A pipeline cache folder (data/cache) whose extractions to reuse."),
) -> None:
    """Every table on the chosen pages, from every reader, as data: cells with their spans, text, box
    and fill. The JSON form is described in the README. Exit status 1 when some file could not be read."""
    from .tables import export

    try:
        done = export(target, fmt.value, out, pages, cache)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    for item in done:
        if item.error:
            console.print(f"[red]{item.pdf}: not read ({item.kind}): {item.error}[/red]")
            continue
        for warning in item.warnings:
            console.print(f"[yellow]{item.pdf}: {warning}[/yellow]")
        where = f" -> {', '.join(map(str, item.files))}" if item.files and len(item.files) <= 3 else \
            f" -> {len(item.files)} files" if item.files else ""
        console.print(f"{item.pdf}: {item.tables} table(s){where}")
    raise typer.Exit(1 if any(item.error for item in done) else 0)


db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Apply Alembic migrations up to the newest schema and recreate the views (run also on every pipeline start)."""
    from alembic.runtime.migration import MigrationContext

    from load import open_database

    engine = open_database(db or default_db())
    with engine.connect() as conn:
        console.print(f"schema at revision {MigrationContext.configure(conn).get_current_revision()}")


def show_query(db: str | None, sql: str, title: str, params: dict | None = None, width: int = 70) -> int:
    """Run one of the analyst queries and print it as a table; returns the row count."""
    from sqlalchemy import text

    from load import open_database

    engine = open_database(db or default_db())
    with engine.connect() as conn:
        result = conn.execute(text(sql), params or {})
        table = Table(title=title, show_lines=False)
        for col in result.keys():
            table.add_column(col, overflow="fold")
        count = 0
        for row in result:
            table.add_row(*("" if v is None else str(v)[:width] for v in row))
            count += 1
    Console(width=None if console.is_terminal else 200).print(table)
    return count


@app.command()
def compare(theme: str = typer.Argument(..., help="Words to look for in action text, e.g. 'exclusions'."),
            db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Actions on a theme across all documents and years, oldest plan first."""
    from load import queries

    show_query(db, queries.THEME, f"Actions mentioning '{theme}'", {"pattern": f"%{theme.lower()}%"})


@app.command()
def slippage(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """The same action (linked across plans) with a later deadline in a later plan."""
    from load import queries

    show_query(db, queries.SLIPPAGE, "Deadline slippage between linked actions")


@app.command()
def trend(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """RAG ratings counted per plan period and priority."""
    from load import queries

    show_query(db, queries.RAG_TREND, "RAG trend per priority and year")


@app.command()
def lead(name: str = typer.Argument(..., help="Part of a lead's title, e.g. 'Director of Education'."),
         db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Every action a lead is responsible for, across documents."""
    from load import queries

    show_query(db, queries.LEAD_ACTIONS, f"Actions led by '{name}'", {"pattern": f"%{name.lower()}%"})


@app.command()
def correct(
    action_id: int = typer.Argument(..., help="action_id as shown in v_actions."),
    field: str = typer.Option(..., "--field", help="Column of v_actions to correct, e.g. deadline_raw, rag, text."),
    value: str = typer.Option(..., "--value", help="The correct value (an empty string stores NULL)."),
    why: str = typer.Option(None, "--why", help="Why the extracted value was wrong."),
    who: str = typer.Option(None, "--who", help="Who corrects it (default: your user name)."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Correct one extracted value. The views show the correction instead of the extracted value,
    and re-runs or re-extraction of the same document never overwrite it (a re-extraction that
    changes the action's text a little keeps it too). A corrected deadline_raw also re-derives
    deadline_kind, deadline_start and deadline_end."""
    from load import open_database
    from load.corrections import CorrectionError, add_correction

    try:
        rows = add_correction(open_database(db or default_db()), action_id, field, value or None, who, why,
                              derived=derived_values(field, value or None))
    except CorrectionError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    for row in rows:
        console.print(f"corrected action {action_id}: {row.field} = {row.value!r} (by {row.who})")


def derived_values(field: str, value: str | None) -> dict[str, str | None]:
    """What a corrected value implies for the fields read from it: a deadline's kind and dates,
    parsed by the normaliser as it parses the printed ones."""
    if field != "deadline_raw":
        return {}
    from normalise.deadlines import parse_deadline

    parsed = parse_deadline(value)
    return {"deadline_kind": parsed.kind.value,
            "deadline_start": parsed.start.isoformat() if parsed.start else None,
            "deadline_end": parsed.end.isoformat() if parsed.end else None}


if __name__ == "__main__":
    app()
