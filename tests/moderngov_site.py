"""A ModernGov-shaped site on 127.0.0.1 for the fetch tests (no network).

Written from the structure public scrapers show (DemocracyClub's LGSF and others): the web
service's GetCommittees / GetMeetings / GetMeeting XML, and the HTML pages mgListCommittees.aspx,
ieListMeetings.aspx?CId=&Year=0 and ieListDocuments.aspx?CId=&MId=&Ver=4 with agenda rows
(td.mgItemNumberCell, p.mgAiTitleTxt, ul.mgBulletList of documents/s…/….pdf links) and the
meeting's own papers (documents/g…/…). Both are rendered from the same data, so a fetch through
either finds the same papers (the web service names them mgConvert2PDF.aspx?ID=n, as real
installs do). Documents answer conditional GETs (ETag, Last-Modified) and can be made to fail:
404 (absent), a fixed status, a scripted sequence of statuses, a slow answer, an HTML page.
Every request is logged with its answer's status.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

ROBOTS = "User-agent: *\nDisallow: /private/\n"


@dataclass
class Doc:
    body: bytes
    content_type: str = "application/pdf"
    status: int = 200
    script: list[int] = field(default_factory=list)  # statuses answered first, one per request
    delay_s: float = 0.0
    etag: str | None = None
    last_modified: datetime | None = datetime(2018, 1, 5, 9, 30)
    content_disposition: str | None = None

    def __post_init__(self):
        if self.etag is None:
            self.etag = f'"{hashlib.sha256(self.body).hexdigest()[:16]}"'

    def replace_body(self, body: bytes, when: datetime) -> None:
        """New bytes, as when a council republishes a paper: a new ETag and Last-Modified."""
        self.body = body
        self.etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        self.last_modified = when


@dataclass
class Link:
    title: str  # the link text as ModernGov prints it (size suffix added when rendered)
    href: str  # relative to the site, or absolute (another host)


@dataclass
class Item:
    number: str
    title: str
    links: list[Link]


@dataclass
class MeetingData:
    id: str
    when: date
    items: list[Item]
    own: list[Link] = field(default_factory=list)  # the meeting's own papers (agenda pack, minutes)


@dataclass
class CommitteeData:
    id: str
    title: str
    meetings: list[MeetingData]
    deleted: bool = False


def doc_id(href: str) -> str | None:
    match = re.search(r"/?[sg](\d+)/", href)
    return match.group(1) if match else None


class ModernGovSite:
    def __init__(self, committees: list[CommitteeData], docs: dict[str, Doc], web_service: str = "on"):
        self.committees = committees
        self.docs = docs  # by path, e.g. "/documents/s1001/Name.pdf"
        self.web_service = web_service  # "on", "404" (not installed) or "html" (switched off: an HTML page)
        self.log: list[tuple[str, int]] = []
        self.hosts: list[str] = []  # the Host header of each request: another host's name if a link was followed
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.other_host = "localhost"  # links to it are another site's
        self.robots = ROBOTS

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> ModernGovSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                try:
                    site.answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that timed out and hung up is part of the tests, not an error

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def requests(self, part: str) -> list[tuple[str, int]]:
        """Logged (path?query, status) whose path contains part (case-insensitive)."""
        with self.lock:
            return [(p, s) for p, s in self.log if part.lower() in unquote(p).lower()]

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()
            self.hosts.clear()

    # -- answers ----------------------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        path, params = unquote(parts.path), {k.lower(): v[0] for k, v in parse_qs(parts.query).items()}
        name = path.rsplit("/", 1)[-1].lower()
        if path == "/robots.txt":
            status, body, ctype, headers = 200, self.robots.encode(), "text/plain", {}
        elif name == "go":  # a redirect to wherever ?to= says
            status, body, ctype, headers = 302, b"", "text/html", {"Location": params.get("to", "/")}
        elif "/mgwebservice.asmx/" in path.lower():
            status, body, ctype, headers = self.web_service_answer(name, params)
        elif name == "mglistcommittees.aspx":
            status, body, ctype, headers = 200, self.committees_html().encode(), "text/html; charset=utf-8", {}
        elif name == "ielistmeetings.aspx":
            status, body, ctype, headers = self.page(self.meetings_html, params.get("cid"))
        elif name == "ielistdocuments.aspx":
            status, body, ctype, headers = self.page(self.meeting_html, params.get("mid"))
        elif name == "mgconvert2pdf.aspx":
            status, body, ctype, headers = self.document(self.path_of_id(params.get("id")), handler)
        else:
            status, body, ctype, headers = self.document(path, handler)
        with self.lock:
            self.log.append((handler.path, status))
            self.hosts.append(handler.headers.get("Host", ""))
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    def page(self, render, key):
        text = render(key) if key else None
        if text is None:
            return 404, b"<html><body>Not found</body></html>", "text/html", {}
        return 200, text.encode(), "text/html; charset=utf-8", {}

    def document(self, path: str | None, handler):
        doc = self.docs.get(path or "")
        if doc is None:
            return 404, b"<html><body><h1>404 - File or directory not found.</h1></body></html>", "text/html", {}
        if doc.delay_s:
            time.sleep(doc.delay_s)
        status = doc.script.pop(0) if doc.script else doc.status
        if status != 200:
            return status, b"<html><body>Server Error</body></html>", "text/html", {"Retry-After": "0"}
        headers = {"ETag": doc.etag} if doc.etag else {}
        if doc.last_modified:
            headers["Last-Modified"] = format_datetime(doc.last_modified.replace(tzinfo=timezone.utc), usegmt=True)
        if doc.content_disposition:
            headers["Content-Disposition"] = doc.content_disposition
        inm, ims = handler.headers.get("If-None-Match"), handler.headers.get("If-Modified-Since")
        if inm is not None:
            if doc.etag and inm.strip() == doc.etag:
                return 304, b"", doc.content_type, headers
        elif ims and doc.last_modified:
            try:
                if parsedate_to_datetime(ims).replace(tzinfo=None) >= doc.last_modified:
                    return 304, b"", doc.content_type, headers
            except (TypeError, ValueError):
                pass
        return 200, doc.body, doc.content_type, headers

    def path_of_id(self, number: str | None) -> str | None:
        for path in self.docs:
            if number and doc_id(path) == number:
                return path
        return None

    # -- the data, found by id --------------------------------------------------------------

    def committee(self, cid: str) -> CommitteeData | None:
        return next((c for c in self.committees if c.id == cid), None)

    def meeting(self, mid: str) -> tuple[CommitteeData, MeetingData] | None:
        for c in self.committees:
            for m in c.meetings:
                if m.id == mid:
                    return c, m
        return None

    def href(self, link: Link) -> str:
        return link.href.replace("{other}", f"http://{self.other_host}:{self.port}")

    # -- web service ------------------------------------------------------------------------

    def web_service_answer(self, method: str, params: dict):
        if self.web_service == "404":
            return 404, b"<html><body>Not found</body></html>", "text/html", {}
        if self.web_service == "html":
            return 200, b"<html><body><h1>This service has been disabled</h1></body></html>", "text/html", {}
        xml = None
        if method == "getcommittees":
            xml = self.committees_xml()
        elif method == "getmeetings":
            xml = self.meetings_xml(params.get("lcommitteeid"), params.get("sfromdate"), params.get("stodate"))
        elif method == "getmeeting":
            xml = self.meeting_xml(params.get("lmeetingid"))
        if xml is None:
            return 500, b"<html><body>Runtime Error</body></html>", "text/html", {}
        return 200, ('<?xml version="1.0" encoding="utf-8"?>\n' + xml).encode(), "text/xml; charset=utf-8", {}

    def committees_xml(self) -> str:
        rows = "".join(
            f"<committee><committeeid>{c.id}</committeeid><committeetitle>{escape(c.title)}</committeetitle>"
            f"<committeedeleted>{c.deleted}</committeedeleted><committeeexpired>False</committeeexpired>"
            f"<committeecategory>Committees</committeecategory></committee>" for c in self.committees)
        return f"<committees><committeescount> {len(self.committees)}</committeescount>{rows}</committees>"

    def meetings_xml(self, cid, start, end) -> str | None:
        committee = self.committee(cid or "")
        if committee is None:
            return None
        first = datetime.strptime(start, "%d/%m/%Y").date() if start else date.min
        last = datetime.strptime(end, "%d/%m/%Y").date() if end else date.max
        meetings = [m for m in committee.meetings if first <= m.when <= last]
        rows = "".join(f"<meeting><meetingid>{m.id}</meetingid><meetingdate>{m.when:%d/%m/%Y}</meetingdate>"
                       f"<meetingstatus>Confirmed</meetingstatus><meetingtime>7.00 pm</meetingtime></meeting>"
                       for m in meetings)
        return (f"<getmeetings><meetingscount> {len(meetings)}</meetingscount><committee>"
                f"<committeeid>{committee.id}</committeeid><committeetitle>{escape(committee.title)}</committeetitle>"
                f"<committeemeetings>{rows}</committeemeetings></committee></getmeetings>")

    def ws_doc_url(self, link: Link) -> str:
        href = self.href(link)
        number = doc_id(href)
        if href.startswith("http") or not number or not href.startswith("documents/"):
            return href if href.startswith("http") else self.url + href
        return f"{self.url}mgConvert2PDF.aspx?ID={number}"

    def meeting_xml(self, mid) -> str | None:
        found = self.meeting(mid or "")
        if found is None:
            return None
        committee, meeting = found
        items = []
        for item in meeting.items:
            docs = "".join(
                f"<linkeddoc><attachmentid>{doc_id(link.href) or 0}</attachmentid><title>{escape(link.title)}</title>"
                f"<isurl>{self.href(link).startswith('http')}</isurl><url>{escape(self.ws_doc_url(link))}</url>"
                f"<isrestricted>False</isrestricted><committeetitle>{escape(committee.title)}</committeetitle>"
                f"</linkeddoc>" for link in item.links)
            items.append(f"<agendaitem><agendaitemid>{mid}{item.number}</agendaitemid>"
                         f"<agendaitemtitle>{escape(item.title)}</agendaitemtitle>"
                         f"<fulldisplaynumberformat>{item.number}.</fulldisplaynumberformat>"
                         f"<linkeddocuments>{docs}</linkeddocuments></agendaitem>")
        return (f"<meeting><meetingid>{meeting.id}</meetingid><meetingdate>{meeting.when:%d/%m/%Y}</meetingdate>"
                f"<meetingstatus>Confirmed</meetingstatus><agendaitems>{''.join(items)}</agendaitems></meeting>")

    # -- HTML pages -------------------------------------------------------------------------

    def shell(self, title: str, body: str) -> str:
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
                f'</head><body><div id="modgov"><div class="mgHeader"><h1 class="mgMainTitleTxt">'
                f'{html.escape(title)}</h1></div><div class="mgLinks"><a href="mgCalendarMonthView.aspx">'
                f'Calendar</a> <a href="https://www.gov.uk/">GOV.UK</a></div>{body}</div></body></html>')

    def committees_html(self) -> str:
        rows = "".join(f'<li><a href="mgCommitteeDetails.aspx?ID={c.id}">{html.escape(c.title)}</a></li>'
                       for c in self.committees if not c.deleted)
        return self.shell("Committee structure", f'<ul class="mgBulletList">{rows}</ul>')

    def meetings_html(self, cid: str) -> str | None:
        committee = self.committee(cid)
        if committee is None:
            return None
        rows = "".join(
            f'<li><a href="ieListDocuments.aspx?CId={committee.id}&amp;MId={m.id}&amp;Ver=4">'
            f'{m.when:%d %b %Y} 7.00 pm</a></li>' for m in committee.meetings)
        return self.shell(f"Browse meetings - {committee.title}", f'<ul class="mgCalendarList">{rows}</ul>')

    def link_html(self, link: Link, number: str | None = None) -> str:
        item = f", item {number}." if number else ""
        return (f'<li><a href="{html.escape(self.href(link))}" title="Link to document">'
                f'{html.escape(link.title)}{item} PDF 40 KB</a></li>')

    def meeting_html(self, mid: str) -> str | None:
        found = self.meeting(mid)
        if found is None:
            return None
        committee, meeting = found
        own = "".join(self.link_html(link) for link in meeting.own)
        rows = "".join(
            f'<tr><td class="mgItemNumberCell"><p class="mgAiTitleTxt">{item.number}.</p></td>'
            f'<td><p class="mgAiTitleTxt"><a class="mgAiTitleLnk" href="mgAi.aspx?ID={mid}{item.number}">'
            f'{html.escape(item.title)}</a></p><div class="mgWordPara"><p>Report of the Director.</p></div>'
            f'<ul class="mgBulletList">{"".join(self.link_html(l, item.number) for l in item.links)}</ul></td></tr>'
            for item in meeting.items)
        body = (f'<p class="mgSubTitleTxt">Venue: Bromley Civic Centre</p><p>Date: {meeting.when:%A, %d %B, %Y} '
                f'7.00 pm</p><div class="mgLinks"><ul class="mgActionList">{own}</ul></div>'
                f'<h2 class="mgSectionTitle">Agenda</h2><table class="mgItemTable">{rows}</table>')
        return self.shell(f"Agenda for {committee.title} on {meeting.when:%A, %d %B, %Y}", body)
