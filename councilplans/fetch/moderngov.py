"""What a ModernGov site publishes: committees, their meetings, each meeting's papers.

Read from the site's web service when it answers, else from its HTML pages. The shapes, as
public scrapers (DemocracyClub's LGSF among them) read them:

- web service, `mgWebService.asmx/<method>` by plain HTTP GET, XML answers:
  `GetCommittees` -> `<committees><committee><committeeid/><committeetitle/><committeedeleted/>`;
  `GetMeetings?lCommitteeId=&sFromDate=dd/mm/yyyy&sToDate=dd/mm/yyyy` -> `<getmeetings><committee>
  <committeemeetings><meeting><meetingid/><meetingdate>dd/mm/yyyy</meetingdate>`;
  `GetMeeting?lMeetingId=` -> `<meeting><agendaitems><agendaitem><agendaitemtitle/>
  <linkeddocuments><linkeddoc><title/><url/><isrestricted/>` (urls: `mgConvert2PDF.aspx?ID=`).
- HTML: `mgListCommittees.aspx` links each committee (`mgCommitteeDetails.aspx?ID=n` or
  `ieListMeetings.aspx?CId=n`) by its name; `ieListMeetings.aspx?CId=n&Year=0` links each meeting
  of every year (`ieListDocuments.aspx?CId=n&MId=m`) by its date and time;
  `ieListDocuments.aspx?CId=n&MId=m` holds the agenda as rows (a `tr` with a
  `td.mgItemNumberCell`, the item's title in `p.mgAiTitleTxt`) linking the item's papers
  (`documents/s…/….pdf`); links outside any item are the meeting's own papers (agenda packs
  under `documents/g…/`, printed minutes).

Everything read here is untrusted: parsers never resolve entities or reach the network, hrefs
are resolved against the page they were on (the fetcher checks each stays on the site), and a
page that is not what it should be gives an empty list or ValueError, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, unquote, urlencode, urljoin, urlsplit

import httpx
import lxml.html
from lxml import etree

WS_DATE = "%d/%m/%Y"  # the web service's date format (day first, as in the UK)
MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
TEXT_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
# "Council Plan, item 5. PDF 300 KB", "Agenda frontsheet (PDF, 132 KB)": the size and item number ModernGov appends
SIZE_SUFFIX = re.compile(r"\s*\(?\s*\b(?:pdf|docx?|xlsx?|pptx?|rtf|html?)\b\s*,?\s*[\d.,]+\s*[kmg]b\s*\)?\s*$", re.I)
ITEM_SUFFIX = re.compile(r",?\s+item\s+[\w.()]+\s*$", re.I)


@dataclass(frozen=True)
class Committee:
    id: str
    title: str


@dataclass(frozen=True)
class Meeting:
    committee: Committee
    id: str
    date: date | None
    url: str  # its documents page (ieListDocuments.aspx)


@dataclass(frozen=True)
class Paper:
    """A document linked from a meeting: under an agenda item (item_title) or the meeting's own."""

    meeting: Meeting
    url: str
    title: str
    item_title: str | None = None
    item_number: str | None = None


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


def link_title(text: str) -> str:
    """A document link's text without the format, size and item number ModernGov appends."""
    text = clean(text)
    for pattern in (SIZE_SUFFIX, ITEM_SUFFIX):
        text = pattern.sub("", text).strip(" .,-")
    return text


def parse_date(text: str | None) -> date | None:
    """A meeting's date from '31 Mar 2020 6.30 pm', 'Tuesday, 31st March, 2020' or '31/03/2020'."""
    text = text or ""
    for match in TEXT_DATE.finditer(text):
        month = MONTHS.get(match.group(2).lower())
        if month:
            try:
                return date(int(match.group(3)), month, int(match.group(1)))
            except ValueError:
                continue
    for match in NUMERIC_DATE.finditer(text):
        try:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            continue
    return None


def canonical_url(url: str) -> str:
    """The URL as httpx sends it (spaces and other unsafe characters percent-encoded), without a fragment."""
    return str(httpx.URL(url).copy_with(fragment=None))


def query(url: str) -> dict[str, str]:
    """A URL's query parameters by lower-cased name (ModernGov writes CId, cid, MId and MID)."""
    return {k.lower(): v[0] for k, v in parse_qs(urlsplit(url).query).items() if v}


def url_path(url: str) -> str:
    return unquote(urlsplit(url).path).lower()


def is_document_link(url: str) -> bool:
    path = url_path(url)
    return "/documents/" in path or path.endswith("mgconvert2pdf.aspx") or \
        path.rsplit(".", 1)[-1] in {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "rtf"}


def is_pdf_link(url: str) -> bool:
    path = url_path(url)
    return path.endswith(".pdf") or path.endswith("mgconvert2pdf.aspx")


# -- web service ------------------------------------------------------------------------------

def ws_url(base: str, method: str, **params: str) -> str:
    url = urljoin(base, f"mgWebService.asmx/{method}")
    return f"{url}?{urlencode(params)}" if params else url


XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def read_xml(text: str) -> etree._Element:
    """Parse a web-service answer (namespaces dropped); ValueError when it is not XML.

    Some installs wrap the answer in <string> as escaped text: that text is parsed instead."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(XML_DECLARATION.sub("", text, count=1).strip().encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root is None:
        raise ValueError("empty answer")
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname.lower()
    if root.tag == "string" and len(root) == 0 and (root.text or "").strip().startswith("<"):
        return read_xml(root.text)
    return root


def child_text(element: etree._Element, name: str) -> str:
    found = element.find(name)
    return clean(found.text if found is not None else "")


def is_true(text: str) -> bool:
    return text.strip().lower() == "true"


def committees_from_xml(root: etree._Element) -> list[Committee]:
    if root.tag != "committees":
        raise ValueError(f"not a GetCommittees answer (<{root.tag}>)")
    out = {}
    for element in root.iter("committee"):
        cid, title = child_text(element, "committeeid"), child_text(element, "committeetitle")
        if cid and title and not is_true(child_text(element, "committeedeleted")):
            out.setdefault(cid, Committee(cid, title))
    return list(out.values())


def meetings_from_xml(root: etree._Element, committee: Committee, base: str) -> list[Meeting]:
    if root.tag != "getmeetings":
        raise ValueError(f"not a GetMeetings answer (<{root.tag}>)")
    out = {}
    for element in root.iter("meeting"):
        mid = child_text(element, "meetingid")
        if mid:
            out.setdefault(mid, Meeting(committee, mid, parse_date(child_text(element, "meetingdate")),
                                        meeting_page(base, committee.id, mid)))
    return list(out.values())


def papers_from_xml(root: etree._Element, meeting: Meeting) -> list[Paper]:
    if root.tag != "meeting":
        raise ValueError(f"not a GetMeeting answer (<{root.tag}>)")
    papers = []
    for item in root.iter("agendaitem"):
        item_title = child_text(item, "agendaitemtitle") or None
        number = child_text(item, "fulldisplaynumberformat") or child_text(item, "agendaitemnumber") or None
        for doc in item.iter("linkeddoc"):
            url = child_text(doc, "url")
            if not url or is_true(child_text(doc, "isrestricted")):
                continue
            papers.append(Paper(meeting, canonical_url(urljoin(meeting.url, url)),
                                link_title(child_text(doc, "title")) or item_title or "untitled", item_title, number))
    return papers


# -- HTML pages -------------------------------------------------------------------------------

def committees_page(base: str) -> str:
    return urljoin(base, "mgListCommittees.aspx")


def meetings_page(base: str, committee_id: str) -> str:
    return urljoin(base, "ieListMeetings.aspx?" + urlencode({"CId": committee_id, "Year": "0"}))


def meeting_page(base: str, committee_id: str, meeting_id: str) -> str:
    return urljoin(base, "ieListDocuments.aspx?" + urlencode({"CId": committee_id, "MId": meeting_id, "Ver": "4"}))


def read_html(text: str) -> lxml.html.HtmlElement:
    """Parse a page; ValueError when there is nothing to parse."""
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as exc:
        raise ValueError(f"not an HTML page: {exc}") from None


def links(root: lxml.html.HtmlElement, page_url: str):
    """(absolute URL, element) of every link on the page with an http(s) target."""
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        try:
            url = canonical_url(urljoin(page_url, href))
        except (ValueError, httpx.InvalidURL):
            continue
        if urlsplit(url).scheme in ("http", "https"):
            yield url, anchor


def page_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1].lower()


def committees_from_html(root: lxml.html.HtmlElement, page_url: str) -> list[Committee]:
    out: dict[str, Committee] = {}
    for url, anchor in links(root, page_url):
        params, name = query(url), page_name(url)
        cid = params.get("id") if name == "mgcommitteedetails.aspx" else (
            params.get("cid") or params.get("committeeid") if name == "ielistmeetings.aspx" else None)
        title = clean(anchor.text_content())
        if cid and cid.isdigit() and title:
            out.setdefault(cid, Committee(cid, title))
    return list(out.values())


def meetings_from_html(root: lxml.html.HtmlElement, page_url: str, committee: Committee) -> list[Meeting]:
    out: dict[str, Meeting] = {}
    for url, anchor in links(root, page_url):
        if page_name(url) != "ielistdocuments.aspx":
            continue
        mid = query(url).get("mid")
        if not mid:
            continue
        when = parse_date(anchor.text_content())
        if mid not in out or (out[mid].date is None and when is not None):
            out[mid] = Meeting(committee, mid, when, url)
    return list(out.values())


def item_of(anchor: lxml.html.HtmlElement) -> tuple[str | None, str | None]:
    """The agenda item a link sits in: (title, number) of the nearest row with an item number cell."""
    for row in anchor.iterancestors("tr"):
        number_cells = [td for td in row.findall("td") if "mgItemNumberCell" in (td.get("class") or "").split()]
        if not number_cells:
            continue
        number = clean(number_cells[0].text_content()) or None
        for cell in row.findall("td"):
            if cell in number_cells:
                continue
            titles = cell.xpath(".//p[contains(concat(' ', normalize-space(@class), ' '), ' mgAiTitleTxt ')]")
            if titles:
                return link_title(titles[0].text_content()) or None, number
        return None, number
    return None, None


def papers_from_html(root: lxml.html.HtmlElement, page_url: str, meeting: Meeting) -> list[Paper]:
    papers: dict[str, Paper] = {}
    for url, anchor in links(root, page_url):
        if not is_document_link(url) or url in papers:
            continue
        item_title, number = item_of(anchor)
        title = link_title(anchor.text_content()) or link_title(anchor.get("title") or "") or \
            unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        papers[url] = Paper(meeting, url, title, item_title, number)
    # items' papers first: when the meeting's own papers repeat one, the copy under its item is the one kept
    return sorted(papers.values(), key=lambda paper: paper.item_title is None)
