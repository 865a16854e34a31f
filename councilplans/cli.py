"""councilplans command line: ingest a folder of council plan PDFs into a database and query it."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .fetch.command import fetch as fetch_command

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


app.command("fetch")(fetch_command)  # councilplans/fetch/command.py: download a council's papers from its ModernGov site


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
    if summary.sourced:
        console.print(f"{summary.sourced} documents traced to the pages they were fetched from (fetch manifest)")


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
    misses: int = typer.Option(0, "--misses", help="Also list up to N unmatched expected records per document "
                                                  "(and N missed and wrong cross-year links per pair of documents)."),
    truth: Path = typer.Option(None, "--links-truth", exists=True, dir_okay=False,
                               help="Hand-made truth of cross-year links (default: links.truth.yaml in FOLDER, "
                                    "or in --expected, when there is one)."),
) -> None:
    """Run the pipeline over FOLDER and compare the database with the expected JSON files.

    Prints, per document and overall, action recall and precision and the agreement of every
    field of the matched actions (level, refs, text, RAG, deadline as printed and as dates, leads
    as printed and expanded, progress, next steps, measure of success), then KPI recall,
    precision, values and ratings, and the document facts. Where a links truth is found, then the
    cross-year links (v_action_links) and the KPIs matched across documents against it: per pair
    of documents, the pairs the truth holds, the links right, on related pairs (neither right nor
    wrong), wrong and backwards (earlier and later swapped), precision and recall."""
    from .linkscore import TRUTH_FILE, print_link_scores, score_database
    from .pipeline import run_pipeline
    from .scoring import print_scores, score_folder

    if db is None:  # a fresh file: documents an earlier score left there would be linked and scored too
        Path("data/score.db").unlink(missing_ok=True)
    url = db or "sqlite:///data/score.db"
    run_pipeline(folder, url, force=True, cache_dir=None)
    out = Console(width=240)
    print_scores(score_folder(folder, url, expected), out, misses)
    found = [p for p in (truth, folder / TRUTH_FILE, expected / TRUTH_FILE if expected else None) if p and p.exists()]
    if found:
        print_link_scores(score_database(url, found[0]), out, misses)


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


def show_query(db: str | None, sql, title: str, params=None, width: int = 70, quiet_when_empty: bool = False) -> int:
    """Run one of the analyst queries and print it as a table; returns the row count.

    sql and params may be functions of the database's dialect name (full-text search differs)."""
    from sqlalchemy import text

    from load import open_database

    engine = open_database(db or default_db())
    with engine.connect() as conn:
        dialect = conn.dialect.name
        result = conn.execute(text(sql(dialect) if callable(sql) else sql),
                              (params(dialect) if callable(params) else params) or {})
        if quiet_when_empty:
            rows = result.fetchall()
            if not rows:
                return 0
            keys, result = result.keys(), rows
        else:
            keys = result.keys()
        table = Table(title=title, show_lines=False)
        for col in keys:
            table.add_column(col, overflow="fold")
        count = 0
        for row in result:
            table.add_row(*("" if v is None else str(v)[:width] for v in row))
            count += 1
    Console(width=None if console.is_terminal else 200).print(table)
    return count


@app.command()
def compare(theme: str = typer.Argument(..., help="Words to look for in action text, e.g. 'exclusions'."),
            progress: bool = typer.Option(False, "--progress", help="Also look in the progress updates."),
            oldest_first: bool = typer.Option(False, "--oldest-first", help="Oldest plan first instead of best match first."),
            db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Actions on a theme across all documents and years, best match first, then the KPIs named after it.

    Full-text search (SQLite FTS5, PostgreSQL tsvector; load/search.py): the words one after
    another, the last one also as the start of a longer word ('school improvement' finds 'school
    improvements'), case and accents ignored; `score` is the relevance, higher is better."""
    from load import search

    fields = ("text", "progress") if progress else ("text",)
    where = "text or progress" if progress else "text"
    if search.query_text("sqlite", theme) is None:
        console.print(f"[red]no word to look for in {theme!r}[/red]")
        raise typer.Exit(2)
    show_query(db, lambda dialect: search.theme_sql(dialect, fields, oldest_first), f"Actions whose {where} mentions '{theme}'",
               lambda dialect: {"query": search.query_text(dialect, theme, fields)})
    show_query(db, search.kpi_sql, f"KPIs named after '{theme}'",
               lambda dialect: {"query": search.query_text(dialect, theme, ("name",))}, quiet_when_empty=True)


@app.command()
def report(out: Path = typer.Option(Path("data/report.html"), "--out", help="HTML file to write."),
           db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Write an HTML page of plots: RAG counts by plan period and priority, and deadlines slipped
    between plans (inline SVG; the same figures as /-/review/<database>/report under make serve)."""
    from load import open_database

    from .report import report_page, report_rows

    engine = open_database(db or default_db())
    with engine.connect() as conn:
        rag, slipped = report_rows(conn)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report_page(rag, slipped), encoding="utf-8")
    console.print(f"wrote {out}: {len(rag)} plan period and priority rows, {len(slipped)} slipped deadlines")


@app.command()
def slippage(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """The same commitment (linked across plans, v_action_links) with a later deadline in a later plan:
    both deadlines as printed and the months between them, largest slip first (the view v_slippage)."""
    from load import queries

    show_query(db, queries.SLIPPAGE_SUMMARY, "Deadline slippage between linked actions", width=48)


@app.command()
def trend(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """RAG ratings of actions and tasks counted per plan period and priority (a rated priority area
    sums up its tasks and is not counted again)."""
    from load import queries

    show_query(db, queries.RAG_TREND, "RAG trend per priority and year", width=48)


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
