"""`councilplans fetch`: the typer command (registered on the app in councilplans/cli.py)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.markup import escape

console = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 160)
DATE_FORMATS = ["%Y-%m-%d"]


class RichProgress:
    """Discovery as a spinner naming the page being read, then a bar over the papers."""

    def __init__(self, bar: Progress):
        self.bar = bar
        self.task = bar.add_task("reading the site", total=None, current="")

    def discovering(self, text: str) -> None:
        self.bar.update(self.task, current=text)

    def found(self, total: int) -> None:
        self.bar.update(self.task, description="fetching", total=total, completed=0, current="")

    def fetched(self, name: str, outcome: str) -> None:
        self.bar.update(self.task, advance=1, current=f"{outcome} {name}"[:80])


def fetch(
    url: str = typer.Argument(..., help="The council's ModernGov site (any of its pages), e.g. https://democracy.bromley.gov.uk"),
    committee: list[str] = typer.Option(None, "--committee", "-c", help="Only this committee: any part of its name, "
                                        "any case, or its id; repeat for several (default: every committee)."),
    since: datetime = typer.Option(None, "--since", formats=DATE_FORMATS, help="Only meetings on or after this date (YYYY-MM-DD)."),
    until: datetime = typer.Option(None, "--until", formats=DATE_FORMATS, help="Only meetings on or before this date (YYYY-MM-DD)."),
    out: Path = typer.Option(Path("data/fetched"), "--out", help="Folder to save into: FOLDER/<council>/<committee>/<meeting date>/."),
    match: list[str] = typer.Option(None, "--match", help="Keep papers whose title or agenda item names one of these "
                                    "words (comma-separated or repeated; '*' keeps every PDF). Default: the words in "
                                    "councilplans/fetch/match.yaml (plans, action plans, performance reports, "
                                    "scorecards, risk registers)."),
    council: str = typer.Option(None, "--council", help="Name of the council's folder and manifest entries "
                                "(default: from the site's host, democracy.bromley.gov.uk -> bromley)."),
    delay: float = typer.Option(1.0, "--delay", min=0, help="Seconds between two requests (a longer robots.txt Crawl-delay wins)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="Seconds to wait for an answer before a request is given up."),
    retries: int = typer.Option(3, "--retries", min=0, help="Further tries after a 429 or 5xx answer or a dropped connection."),
    backoff: float = typer.Option(2.0, "--backoff", min=0, help="Seconds before the first retry; doubled for each next one."),
) -> None:
    """Download a council's plans and performance papers from its ModernGov site, for `councilplans run`.

    Committees, meetings and papers are read from the site's web service (mgWebService.asmx) when it
    answers, from its pages (mgListCommittees.aspx, ieListMeetings.aspx, ieListDocuments.aspx)
    otherwise. Each PDF is saved as FOLDER/<council>/<committee>/<meeting date>/<name>.pdf and
    recorded in FOLDER/<council>/manifest.jsonl (council, committee, meeting date, agenda item,
    title, source URL, sha256, when fetched), which `councilplans run` reads to tell where each
    document came from.

    Polite and incremental: one request at a time with --delay between them, robots.txt obeyed,
    retries with backoff on 429 and 5xx, and a conditional GET (ETag / Last-Modified) for every
    paper already saved, so a second fetch downloads only what changed; an interrupted fetch is
    resumed by running it again. Links off the site are never followed.

    Exit status: 0 when every paper was fetched or current, 1 when some papers failed (404,
    timeout, an HTML page instead of a PDF …: each is listed; the rest were saved), 2 when the site
    could not be read as a ModernGov site or no committee matched.
    """
    from .fetcher import NoSuchCommittee, SiteUnreadable, fetch_site
    from .http import FetchSettings
    from .manifest import ManifestBusy
    from .match import split_words
    from .paths import UnsafePath

    settings = FetchSettings(delay_s=delay, timeout_s=timeout, retries=retries, backoff_s=backoff)
    words = split_words(match) if match else None
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[current]}"), console=console,
                  disable=not console.is_terminal and not os.environ.get("COUNCILPLANS_PROGRESS")) as bar:
        try:
            summary = fetch_site(url, out, committees=committee or [], since=since.date() if since else None,
                                 until=until.date() if until else None, words=words, settings=settings,
                                 council=council, progress=RichProgress(bar))
        except (SiteUnreadable, NoSuchCommittee, ManifestBusy, UnsafePath) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    print_fetch_summary(summary)
    raise typer.Exit(1 if summary.failed else 0)


def print_problems(title: str, problems, style: str) -> None:
    """One line per paper (names and reasons never cut by a table's columns), its URL on the next."""
    console.print(f"[bold]{title}[/bold]: {len(problems)}")
    for p in problems:
        where = ", ".join(x for x in (p.committee, p.meeting_date) if x)
        console.print(f"  [{style}]{escape(p.name)}[/{style}] ({escape(where)}): {p.kind}, {escape(p.reason)}",
                      soft_wrap=True, highlight=False)
        console.print(f"    {escape(p.url)}", soft_wrap=True, highlight=False, style="dim")


def print_fetch_summary(summary) -> None:
    if summary.skipped:
        print_problems("Links not followed", summary.skipped, "yellow")
    if summary.failures:
        print_problems("Papers not fetched", summary.failures, "red")
    console.print(
        f"fetched {summary.council} from its {summary.source or 'site'}: {summary.committees} committees, "
        f"{summary.meetings} meetings, {summary.papers} papers, {summary.matched} matching; "
        f"{summary.downloaded} downloaded, {summary.unchanged} unchanged, {summary.duplicates} duplicates, "
        f"{len(summary.skipped)} not followed, {summary.failed} failed -> {summary.folder}")
