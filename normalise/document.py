"""What the document is: title, council, type, plan period, status date, priorities it names.

Read from the loose text of the first pages and from the action table's headers
("End of March 2018 update", "Summary of Progress (April 2010)").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from extract.records import ExtractedDocument

from .deadlines import MONTH_YEAR_RE, full_year, month_number
from .records import Priority
from .refs import parse_priority_heading

COUNCIL_RE = re.compile(
    r"(London Borough of [A-Z][a-z]+(?: (?:and|upon|on) [A-Z][a-z]+)?|[A-Z][a-z]+(?: [A-Z][a-z]+)? (?:County|Borough|City|District|Metropolitan Borough) Council)")
MONTH_NAME = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
PERIOD_RE = re.compile(
    rf"(?P<label>(?:(?P<m1>{MONTH_NAME})\s+)?(?P<y1>(?:19|20)\d\d)\s*(?:/|–|-|to)\s*(?:(?P<m2>{MONTH_NAME})\s+)?(?P<y2>(?:19|20)?\d\d))(?!\d)")
DOC_TYPES = [
    ("improvement_plan", re.compile(r"improvement (action )?plan", re.I)),
    ("portfolio_plan_update", re.compile(r"portfolio plan update|plan update", re.I)),
    ("progress_review", re.compile(r"annual review|progress (review|report)|monitoring report", re.I)),
    ("portfolio_plan", re.compile(r"portfolio plan|business plan|service plan|council plan", re.I)),
]
MONTH_PERIOD_RE = re.compile(MONTH_NAME, re.I)
STATUS_HEADER_RE = re.compile(r"(?:end of|as at|\()\s*" + MONTH_YEAR_RE.pattern, re.I)


@dataclass
class DocumentFacts:
    title: str | None = None
    council: str | None = None
    doc_type: str | None = None
    period_label: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    priorities: dict[str, Priority] = field(default_factory=dict)


def opening_text(doc: ExtractedDocument, pages: int = 3) -> list[str]:
    return [line.text for page in doc.pages[:pages] for line in page.lines]


def find_title(lines: list[str]) -> str | None:
    for line in lines:
        m = re.match(r"^\s*TITLE:\s*(.+)$", line)
        if m:
            return m.group(1).strip()
    for line in lines:
        if DOC_TYPES and any(p.search(line) for _, p in DOC_TYPES):
            return line.strip()
    return lines[0].strip() if lines else None


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
    """The date a progress column reports to: 'End of March 2018 update' -> 2018-03-31."""
    for text in headers + lines:
        m = STATUS_HEADER_RE.search(text)
        if m and re.search(r"update|progress|as at|position", text, re.I):
            year, month = full_year(m["y"]), month_number(m["m"])
            return date(year, month, calendar.monthrange(year, month)[1])
    return None


def read_facts(doc: ExtractedDocument) -> DocumentFacts:
    lines = opening_text(doc)
    facts = DocumentFacts(title=find_title(lines))
    joined = "\n".join(lines)
    if m := COUNCIL_RE.search(joined):
        facts.council = m.group(1)
    for kind, pattern in DOC_TYPES:
        if facts.title and pattern.search(facts.title) or pattern.search(joined):
            facts.doc_type = kind
            break
    periods = [(text, period) for text in [facts.title or ""] + lines if (period := parse_period(text))]
    # a period printed with its months ('June 2016 – October 2017') says more than a year label
    dated = [p for text, p in periods if MONTH_PERIOD_RE.search(p[0])]
    if dated or periods:
        facts.period_label, facts.period_start, facts.period_end = (dated or [p for _, p in periods])[0]
    for page in doc.pages:
        for line in page.lines:
            parsed = parse_priority_heading(line.text)
            if parsed and parsed[0] and parsed[1] and parsed[0] not in facts.priorities:
                facts.priorities[parsed[0]] = Priority(ref=parsed[0], title=parsed[1], page=page.number)
    return facts
