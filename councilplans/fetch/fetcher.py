"""A council's papers from its ModernGov site into FOLDER/<council>/<committee>/<meeting date>/.

First the site is read (committees, their meetings in the date range, each meeting's papers:
the web service when it answers, the HTML pages otherwise, per request), then the papers whose
titles match are downloaded one by one. Each download is a conditional GET when the manifest
holds validators for the copy on disk, so a second fetch downloads nothing that did not change;
new bytes for a known URL replace its file; bytes already saved for another URL are not saved
twice (the manifest records the duplicate). A paper that cannot be fetched (404, 500 after the
retries, a timeout, an HTML page where a PDF should be) is reported by name and the rest go on.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .http import FetchError, FetchSettings, SiteClient, same_site
from .manifest import ManifestEntry, ManifestWriter
from .match import TitleMatcher
from .moderngov import (
    WS_DATE, Committee, Meeting, Paper, committees_from_html, committees_from_xml, committees_page, is_pdf_link,
    meetings_from_html, meetings_from_xml, meetings_page, papers_from_html, papers_from_xml, read_html, read_xml,
    ws_url,
)
from .paths import UnsafePath, council_from_url, file_name, inside, safe_component, unique_name

EARLIEST = date(2000, 1, 1)  # the web service wants a window; ModernGov sites hold nothing older
AHEAD = timedelta(days=366)  # meetings already scheduled, whose papers are published a week before
PARTIAL = ".incomplete"  # downloads in progress, moved into place when complete
NOT_FOLLOWED = ("off_site", "robots")  # kinds of FetchError listed as links not followed, not as failures
SNIFF_BYTES = 1024  # a PDF's header (%PDF-) may follow a little junk, within the first kilobyte


@dataclass(frozen=True)
class Problem:
    """A paper (or a page) not fetched, by name, with the kind of problem and why."""

    name: str
    committee: str
    meeting_date: str | None
    url: str
    kind: str
    reason: str


@dataclass
class FetchSummary:
    council: str
    folder: Path
    source: str = ""  # "web service" or "HTML pages": where the committees were read
    committees: int = 0
    meetings: int = 0
    papers: int = 0  # linked from those meetings
    matched: int = 0  # of which the titles match --match
    downloaded: int = 0  # new or changed bytes saved
    unchanged: int = 0  # not modified (304), or the same bytes again
    duplicates: int = 0  # the same bytes as a file already saved for another URL
    failures: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)  # not followed: off the site, robots.txt, not a PDF
    saved: list[str] = field(default_factory=list)  # paths (relative to folder) written by this run

    @property
    def failed(self) -> int:
        return len(self.failures)


class SiteUnreadable(Exception):
    """Neither the web service nor the committee page lists any committee."""


class NoSuchCommittee(Exception):
    pass


class Progress:
    """What the fetch reports while it runs; the CLI draws it (rich), tests and the API ignore it."""

    def discovering(self, text: str) -> None: ...
    def found(self, total: int) -> None: ...
    def fetched(self, name: str, outcome: str) -> None: ...


def site_base(url: str) -> str:
    """The site's root from any of its URLs: https is assumed, a page name and query dropped."""
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    path = parts.path or "/"
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = path[: len(path) - len(last)] if "." in last else path + "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))


def in_range(when: date | None, since: date | None, until: date | None) -> bool:
    if when is None:
        return since is None and until is None
    return (since is None or when >= since) and (until is None or when <= until)


def select_committees(found: list[Committee], names: list[str]) -> list[Committee]:
    """The committees named (any part of the title, any case; or the id), all of them when none is."""
    if not names:
        return found
    wanted = [" ".join(name.lower().split()) for name in names]
    chosen = [c for c in found if any(w == c.id or w in " ".join(c.title.lower().split()) for w in wanted)]
    if not chosen:
        listing = "; ".join(sorted(c.title for c in found))
        raise NoSuchCommittee(f"no committee matches {', '.join(names)}. The site lists: {listing}")
    return chosen


class Site:
    """The site read through one client: the web service while it answers, the HTML pages otherwise."""

    def __init__(self, client: SiteClient, base: str, summary: FetchSummary, progress: Progress):
        self.client, self.base, self.summary, self.progress = client, base, summary, progress
        self.web_service = False

    def xml(self, method: str, **params: str):
        return read_xml(self.client.page(ws_url(self.base, method, **params)).text)

    def html(self, url: str):
        page = self.client.page(url)
        return read_html(page.text), page.url

    def committees(self) -> list[Committee]:
        self.progress.discovering("committees")
        try:
            found = committees_from_xml(self.xml("GetCommittees"))
            if found:
                self.web_service = True
                self.summary.source = "web service"
                return found
            ws_problem = "it lists no committee"
        except (FetchError, ValueError) as exc:
            ws_problem = str(exc)
        self.summary.source = "HTML pages"
        url = committees_page(self.base)
        try:
            root, page_url = self.html(url)
        except (FetchError, ValueError) as exc:
            raise SiteUnreadable(f"{self.base} does not answer as a ModernGov site: web service: {ws_problem}; "
                                 f"{url}: {exc}") from None
        found = committees_from_html(root, page_url)
        if not found:
            raise SiteUnreadable(f"{url} lists no committee (web service: {ws_problem})")
        return found

    def meetings(self, committee: Committee, since: date | None, until: date | None) -> list[Meeting]:
        self.progress.discovering(f"meetings of {committee.title}")
        found = None
        if self.web_service:
            start, end = since or EARLIEST, until or date.today() + AHEAD
            try:
                found = meetings_from_xml(self.xml("GetMeetings", lCommitteeId=committee.id,
                                                   sFromDate=start.strftime(WS_DATE), sToDate=end.strftime(WS_DATE)),
                                          committee, self.base)
            except (FetchError, ValueError):
                found = None  # this answer failed: the committee's page may still list them
        if found is None:
            url = meetings_page(self.base, committee.id)
            try:
                root, page_url = self.html(url)
                found = meetings_from_html(root, page_url, committee)
            except (FetchError, ValueError) as exc:
                self.problem(f"meetings of {committee.title}", committee.title, None, url, exc)
                return []
        return sorted((m for m in found if in_range(m.date, since, until)), key=lambda m: (m.date or date.min, m.id))

    def papers(self, meeting: Meeting) -> list[Paper]:
        when = meeting.date.isoformat() if meeting.date else None
        self.progress.discovering(f"{meeting.committee.title} {when or ''}".strip())
        if self.web_service:
            try:
                return papers_from_xml(self.xml("GetMeeting", lMeetingId=meeting.id), meeting)
            except (FetchError, ValueError):
                pass
        try:
            root, page_url = self.html(meeting.url)
        except (FetchError, ValueError) as exc:
            self.problem(f"meeting page of {meeting.committee.title} {when or meeting.id}", meeting.committee.title,
                         when, meeting.url, exc)
            return []
        return papers_from_html(root, page_url, meeting)

    def problem(self, name: str, committee: str, when: str | None, url: str, exc: Exception) -> None:
        kind = exc.kind if isinstance(exc, FetchError) else "not_moderngov"
        self.summary.failures.append(Problem(name, committee, when, url, kind, str(exc)))


def sha256_file(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def sniff(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(SNIFF_BYTES)


def not_pdf_reason(head: bytes, content_type: str) -> str | None:
    """None for a PDF; else what the server sent instead."""
    if b"%PDF-" in head:
        return None
    lowered = head.lower()
    if not head:
        return "not a PDF: the server sent an empty body"
    if b"<html" in lowered or b"<!doctype" in lowered or "html" in content_type.lower():
        return f"not a PDF: the server sent an HTML page (labelled {content_type or 'with no content type'})"
    return f"not a PDF: the server sent {content_type or 'bytes of no known type'}"


class Downloader:
    """Saves papers under one council folder, recording each in its manifest."""

    def __init__(self, client: SiteClient, manifest: ManifestWriter, out_root: Path, council: str,
                 summary: FetchSummary):
        self.client, self.manifest, self.council, self.summary = client, manifest, council, summary
        self.out_root = Path(out_root).resolve()
        self.folder = manifest.folder.resolve()
        self.partial = self.folder / PARTIAL

    def holds(self, entry: ManifestEntry | None) -> bool:
        """The file the entry names is there with the entry's bytes."""
        return bool(entry) and sha256_file(self.folder / entry.path) == entry.sha256

    def entry(self, paper: Paper, **values) -> ManifestEntry:
        meeting = paper.meeting
        return ManifestEntry(council=self.council, committee=meeting.committee.title,
                             meeting_date=meeting.date.isoformat() if meeting.date else None,
                             item_title=paper.item_title, title=paper.title, source_url=paper.url,
                             meeting_url=meeting.url, item_number=paper.item_number, **values)

    def fetch(self, paper: Paper) -> str:
        """Fetch one paper: 'downloaded', 'unchanged' or 'duplicate'; FetchError or UnsafePath if not."""
        previous = self.manifest.entries.get(paper.url)
        current = previous is not None and self.holds(previous)
        part = self.partial / (hashlib.sha1(paper.url.encode()).hexdigest()[:20] + ".part")
        result = self.client.download(paper.url, part, previous.etag if current else None,
                                      previous.last_modified if current else None)
        if result.status == 304:
            self.relabel(paper, previous)
            return "unchanged"
        try:
            reason = not_pdf_reason(sniff(part), result.content_type)
            if reason:
                raise FetchError("not_pdf", reason)
            validators = dict(etag=result.etag, last_modified=result.last_modified, content_type=result.content_type,
                              size=result.size)
            if current and previous.sha256 == result.sha256:
                self.manifest.add(self.entry(paper, sha256=previous.sha256, fetched_at=previous.fetched_at,
                                             path=previous.path, duplicate_of=previous.duplicate_of, **validators))
                return "unchanged"
            same = self.manifest.by_sha(result.sha256)
            if same is not None and same.source_url != paper.url and self.holds(same):
                self.manifest.add(self.entry(paper, sha256=result.sha256, fetched_at=now(), path=same.path,
                                             duplicate_of=same.source_url, **validators))
                return "duplicate"
            relative = self.place(paper, previous, result)
            target = inside(self.out_root, str(self.folder.relative_to(self.out_root) / relative))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
            self.manifest.add(self.entry(paper, sha256=result.sha256, fetched_at=now(), path=relative, **validators))
            self.summary.saved.append(relative)
            return "downloaded"
        finally:
            part.unlink(missing_ok=True)

    def relabel(self, paper: Paper, previous: ManifestEntry) -> None:
        """A paper not modified keeps its entry; its names follow the page if the page renamed it."""
        updated = self.entry(paper, sha256=previous.sha256, fetched_at=previous.fetched_at, path=previous.path,
                             size=previous.size, etag=previous.etag, last_modified=previous.last_modified,
                             content_type=previous.content_type, duplicate_of=previous.duplicate_of)
        if updated != previous:
            self.manifest.add(updated)

    def place(self, paper: Paper, previous: ManifestEntry | None, result) -> str:
        """Where the bytes go, relative to the council folder: the URL's file as before, else a new
        name in <committee>/<meeting date>/ not used by another URL nor by another file on disk."""
        if previous is not None and not previous.duplicate_of:
            return previous.path
        meeting = paper.meeting
        folder = f"{safe_component(meeting.committee.title, 'committee')}/" \
                 f"{meeting.date.isoformat() if meeting.date else 'undated'}"
        in_use = self.manifest.paths_in_use()
        name = file_name(paper.url, paper.title, result.content_disposition)
        taken = set()
        while True:
            candidate = unique_name(name, taken)
            relative = f"{folder}/{candidate}"
            on_disk = self.folder / relative
            if relative in in_use or (on_disk.exists() and sha256_file(on_disk) != result.sha256):
                taken.add(candidate)  # another URL's file, or a file someone put there
                continue
            return relative


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fetch_site(url: str, out: Path, committees: list[str] | None = None, since: date | None = None,
               until: date | None = None, words: list[str] | None = None, settings: FetchSettings = FetchSettings(),
               council: str | None = None, progress: Progress | None = None) -> FetchSummary:
    """Discover and download a council's papers; see the module docstring.

    Raises SiteUnreadable when the site lists no committee either way, NoSuchCommittee when
    none matches the names given, ManifestBusy when another fetch holds the council folder."""
    progress = progress or Progress()
    base = site_base(url)
    council = council or council_from_url(base)
    out_root = Path(out)
    out_root.mkdir(parents=True, exist_ok=True)
    folder = inside(out_root, safe_component(council, "council"))
    summary = FetchSummary(council=council, folder=folder)
    matcher = TitleMatcher(words)
    with SiteClient(base, settings) as client:
        site = Site(client, base, summary, progress)
        chosen = select_committees(site.committees(), committees or [])
        summary.committees = len(chosen)
        wanted: dict[str, Paper] = {}
        for committee in chosen:
            for meeting in site.meetings(committee, since, until):
                summary.meetings += 1
                for paper in site.papers(meeting):
                    summary.papers += 1
                    if paper.url not in wanted and matcher.matches(paper.title, paper.item_title):
                        wanted[paper.url] = paper
        summary.matched = len(wanted)
        with ManifestWriter(folder) as manifest:
            downloader = Downloader(client, manifest, out_root, council, summary)
            progress.found(len(wanted))
            for paper in wanted.values():
                outcome = fetch_one(downloader, paper, base, summary)
                progress.fetched(paper.title, outcome)
        shutil.rmtree(folder / PARTIAL, ignore_errors=True)
    return summary


def fetch_one(downloader: Downloader, paper: Paper, base: str, summary: FetchSummary) -> str:
    """Fetch a paper and count the outcome; problems are recorded, never raised."""
    meeting = paper.meeting
    when = meeting.date.isoformat() if meeting.date else None

    def problem(kind: str, reason: str) -> Problem:
        return Problem(paper.title, meeting.committee.title, when, paper.url, kind, reason)

    if not same_site(paper.url, base):
        summary.skipped.append(problem("off_site", "a link to another site: not followed"))
        return "skipped"
    if not is_pdf_link(paper.url):
        summary.skipped.append(problem("not_pdf", "not a PDF link"))
        return "skipped"
    try:
        outcome = downloader.fetch(paper)
    except FetchError as exc:
        not_followed = exc.kind in NOT_FOLLOWED  # a redirect off the site, a path robots.txt keeps us from
        (summary.skipped if not_followed else summary.failures).append(problem(exc.kind, exc.reason))
        return "skipped" if not_followed else "failed"
    except UnsafePath as exc:
        summary.failures.append(problem("unsafe_path", str(exc)))
        return "failed"
    except OSError as exc:
        summary.failures.append(problem("disk", f"cannot save: {exc.strerror or exc}"))
        return "failed"
    if outcome == "downloaded":
        summary.downloaded += 1
    elif outcome == "duplicate":
        summary.duplicates += 1
    else:
        summary.unchanged += 1
    return outcome
