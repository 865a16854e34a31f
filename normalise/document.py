"""What the document is: title, council, type, plan period, status date, priorities it names.

Read from the loose text of the first pages and from the action table's headers
("End of March 2018 update", "Summary of Progress (April 2010)").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from functools import lru_cache
from importlib import resources

import yaml

from extract.records import ExtractedDocument, TextLine

from .deadlines import MONTH_YEAR_RE, full_year, month_number, parse_deadline
from .records import DeadlineKind, Priority
from .refs import parse_priority_heading

MONTH_NAME = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
PERIOD_RE = re.compile(
    rf"(?P<label>(?:(?P<m1>{MONTH_NAME})\s+)?(?P<y1>(?:19|20)\d\d)\s*(?:/|–|-|to)\s*(?:(?P<m2>{MONTH_NAME})\s+)?(?P<y2>(?:19|20)?\d\d))(?!\d)")
TITLE_WRAP_WORDS = 6  # a capitals line this short under a capitals title is the rest of the title
TITLE_LABEL_RE = re.compile(r"^\s*TITLE:\s*")
COVER_TYPE = 1.6  # times the body's line height: type this large on the first page is the cover's title
SAME_TYPE = 0.1  # of the line height: lines whose heights differ by less are set in one size
TITLE_LINE_GAP = 1.0  # line heights: the lines of one title stand at most this far apart (a blank line parts them)
BARE_YEAR_RE = re.compile(r"(?<![\d/–-])\b((?:19|20)\d\d)\b(?![\d/–-])")
MONTH_PERIOD_RE = re.compile(MONTH_NAME, re.I)
STATUS_HEADER_RE = re.compile(r"(?:end of|end|as at|as of|\(|to|at)\s*(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+)?"
                              + MONTH_YEAR_RE.pattern, re.I)  # 'Position as at 31 December 2016' too
STATUS_WORDS_RE = re.compile(r"update|progress|as at|as of|position|count|total|status|actual|outturn", re.I)
COVER_DATE_RE = re.compile(r"(?:\d{1,2}(?:st|nd|rd|th)?\s+)?" + MONTH_NAME + r"\.?\s+(?:\d{1,2},?\s+)?(?:19|20)\d\d", re.I)


@dataclass
class DocumentFacts:
    title: str | None = None
    council: str | None = None
    doc_type: str | None = None
    period_label: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    priorities: dict[str, Priority] = field(default_factory=dict)


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    data = yaml.safe_load(resources.files("normalise").joinpath("data/documents.yaml").read_text())
    return {
        "publishers": [(re.compile(p["pattern"], re.I if p["pattern"].startswith("^") else 0), p.get("rename_borough", False))
                       for p in data["publishers"]],
        "doc_types": [(kind, re.compile(pattern, re.I)) for kind, pattern in data["doc_types"]],
        "section_line": re.compile(data["section_line"], re.I),
    }


def find_publisher(lines: list[str]) -> str | None:
    """The body that publishes the document, as printed on its first pages."""
    for pattern, rename_borough in vocabulary()["publishers"]:
        for line in lines:
            line = " ".join(line.split())
            if line.isupper():
                line = line.title().replace(" Of ", " of ").replace(" And ", " and ")
            if m := pattern.search(line):
                name = m["name"].strip(" .,;")
                if rename_borough and name.startswith("Borough of "):
                    name = f"{name[len('Borough of '):]} Borough Council"  # 'Borough of Broxbourne'
                return name
    return None


def find_doc_type(title: str | None, lines: list[str]) -> str | None:
    """The first kind, in the vocabulary's order, the title names; else the first the opening text names."""
    kinds = vocabulary()["doc_types"]
    for text in [title] if title else []:
        for kind, pattern in kinds:
            if pattern.search(text):
                return kind
    for text in lines:
        for kind, pattern in kinds:
            if pattern.search(text):
                return kind
    return None


def opening_text(doc: ExtractedDocument, pages: int = 3) -> list[str]:
    return [line.text for page in doc.pages[:pages] for line in page.lines]


def find_title(lines: list[str]) -> str | None:
    """A 'TITLE:' line, else the first line naming a kind of plan, else the first line; a title
    goes on over a short next line in capitals like it, or one that finishes the name of its kind
    ('... Portfolio Plan' over 'Update 2017/18')."""
    specific = [p for _, p in vocabulary()["doc_types"][:-2]]  # not the generic 'plan' / 'strategy'
    index = next((i for i, line in enumerate(lines) if TITLE_LABEL_RE.match(line)), None)
    if index is None:
        index = next((i for i, line in enumerate(lines) if any(p.search(line) for p in specific)), 0 if lines else None)
    if index is None:
        return None
    title = TITLE_LABEL_RE.sub("", lines[index]).strip()
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
    wrapped = f"{title} {following}"
    if len(following.split()) <= TITLE_WRAP_WORDS and (title.isupper() and following.isupper()
                                                       or kind_rank(wrapped) < kind_rank(title)):
        title = wrapped  # the rest of the title: in capitals too, or finishing the name of its kind
    return title


def kind_rank(text: str) -> int:
    """Where the first kind of document the text names stands in doc_types (more specific first)."""
    return next((i for i, (_, pattern) in enumerate(vocabulary()["doc_types"]) if pattern.search(text)),
                len(vocabulary()["doc_types"]))


def parse_period(text: str) -> tuple[str, date, date] | None:
    """'2009 – 2011' -> Apr 2009..Mar 2011; '2017/18' -> financial year; 'June 2016 – October 2017'."""
    m = PERIOD_RE.search(text)
    if not m:
        return None
    y1, y2 = int(m["y1"]), full_year(m["y2"]) if len(m["y2"]) == 2 else int(m["y2"])
    if y2 < y1 or y2 - y1 > 10:
        return None
    if m["m1"] and m["m2"]:
        start = date(y1, month_number(m["m1"]), 1)
        end_month = month_number(m["m2"])
        end = date(y2, end_month, calendar.monthrange(y2, end_month)[1])
    else:
        start, end = date(y1, 4, 1), date(y2 if y2 > y1 else y1 + 1, 3, 31)
    return " ".join(m["label"].split()), start, end


def status_as_of(headers: list[str], lines: list[str]) -> date | None:
    """The date a progress or figures column reports to: 'End of March 2018 update' -> 2018-03-31,
    '(count to End Feb 2023)' -> 2023-02-28."""
    for text in headers + lines:
        m = STATUS_HEADER_RE.search(text)
        if m and STATUS_WORDS_RE.search(text):
            year, month = full_year(m["y"]), month_number(m["m"])
            last = calendar.monthrange(year, month)[1]
            return date(year, month, min(int(m["day"]), last) if m["day"] and int(m["day"]) else last)
    return None


def cover_date(doc: ExtractedDocument) -> date | None:
    """The date printed alone on the cover ('February 2025', 'October 12, 2009')."""
    for line in doc.pages[0].lines if doc.pages else []:
        text = " ".join(line.text.split())
        if COVER_DATE_RE.fullmatch(text):
            parsed = parse_deadline(text)
            if parsed.kind in (DeadlineKind.DATE, DeadlineKind.MONTH):
                return parsed.end
    return None


PERIOD_LABEL_RE = re.compile(r"\b(plan\s+)?period\b\s*:|\bcovering\b", re.I)


def plan_period(title: str | None, doc: ExtractedDocument, pages: int = 3) -> tuple[str, date, date] | None:
    """The plan's own period: one labelled as such ('Plan period: 2011/12') first, then one in the
    title or on the cover, then the rest of the opening pages (where the commentary may name an
    earlier plan's period). Within each, a period printed with its months ('June 2016 – October
    2017') says more than a year label."""
    candidates = [(1, title or "")] + [(0 if PERIOD_LABEL_RE.search(ln.text) else 1 if page.number == 1 else 2, ln.text)
                                       for page in doc.pages[:pages] for ln in page.lines]
    periods = [(tier, not MONTH_PERIOD_RE.search(period[0]), k, period)
               for k, (tier, text) in enumerate(candidates) if (period := parse_period(text))]
    return min(periods)[3] if periods else None


def cover_title(doc: ExtractedDocument) -> str | None:
    """The lines set in the largest type on the first page, stacked one under the other ('City of
    Winston-Salem' / '2020' / 'Sustainability Plan'), when that type stands well above the body's."""
    lines = doc.pages[0].lines if doc.pages else []
    heights = [ln.bbox[3] - ln.bbox[1] for page in doc.pages[:3] for ln in page.lines]
    if not lines or not heights:
        return None
    body, top = median(heights), max(ln.bbox[3] - ln.bbox[1] for ln in lines)
    if top < COVER_TYPE * body:
        return None
    title: list[TextLine] = []
    for line in sorted(lines, key=lambda ln: ln.bbox[1]):
        if abs((line.bbox[3] - line.bbox[1]) - top) > SAME_TYPE * top:
            if title:
                break  # the title is over: a line in other type follows it
            continue
        if title and (line.bbox[1] - title[-1].bbox[3] > TITLE_LINE_GAP * top
                      or COVER_DATE_RE.fullmatch(" ".join(line.text.split()))):
            break  # a blank line, or the cover's date, ends the title
        title.append(line)
    return " ".join(" ".join(ln.text.split()) for ln in title)


def bare_year(title: str | None) -> tuple[str, date, date] | None:
    """A title naming one year alone ('2020 Sustainability Plan'): that calendar year."""
    years = BARE_YEAR_RE.findall(title or "")
    if len(years) != 1:
        return None
    return years[0], date(int(years[0]), 1, 1), date(int(years[0]), 12, 31)


def read_facts(doc: ExtractedDocument) -> DocumentFacts:
    lines = opening_text(doc)
    labelled = any(TITLE_LABEL_RE.match(line) for line in lines)  # 'TITLE: ...' says it outright
    facts = DocumentFacts(title=(not labelled and cover_title(doc)) or find_title(lines))
    facts.council = find_publisher(lines)
    facts.doc_type = find_doc_type(facts.title, lines)
    found = plan_period(facts.title, doc) or bare_year(facts.title)
    if found:
        facts.period_label, facts.period_start, facts.period_end = found
    for page in doc.pages:
        for line in page.lines:
            parsed = parse_priority_heading(line.text)
            if parsed and parsed[0] and parsed[1] and parsed[0] not in facts.priorities:
                facts.priorities[parsed[0]] = Priority(ref=parsed[0], title=parsed[1], page=page.number)
    for page in doc.pages:  # sections named elsewhere ('SECTION 2 TRANSPORTATION ...') number the rest
        for line in page.lines:
            if (m := vocabulary()["section_line"].match(" ".join(line.text.split()))) and m["num"] not in facts.priorities:
                facts.priorities[m["num"]] = Priority(ref=m["num"], title=m["title"], page=page.number)
    return facts
