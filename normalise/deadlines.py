"""Turn printed deadlines ("Sep 16", "Jun – Sep 16", "Q3 2017/18", "Ongoing") into date spans.

Hand-written rather than dateparser: dateparser reads one date, but plan deadlines are mostly
month spans, ranges across a year end, financial quarters and words like "Ongoing"; and where
it does read one, it reads too much ("now", "Monday" and a bare "May" become today's dates).
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from .records import Deadline, DeadlineKind

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTH = r"(?P<{name}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
YEAR = r"(?P<{name}>(?:19|20)\d\d|'?\d\d)(?!\d)"
DASH = r"\s*(?:-|–|—|/|to|until)\s*"

RANGE_RE = re.compile(
    MONTH.format(name="m1") + r"(?:\s+" + YEAR.format(name="y1") + r")?" + DASH
    + MONTH.format(name="m2") + r"\s*" + YEAR.format(name="y2"), re.I)
DAY_DATE_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + MONTH.format(name="m") + r",?\s+" + YEAR.format(name="y"), re.I)
NUMERIC_DATE_RE = re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4}|\d\d)(?!\d)")
MONTH_YEAR_RE = re.compile(MONTH.format(name="m") + r",?\s*" + YEAR.format(name="y"), re.I)
FROM_RE = re.compile(r"^\s*(?:from|starting|commencing|with effect from)\b", re.I)
QUARTER_RE = re.compile(r"\bQ(?P<q>[1-4])\s*(?P<y>(?:19|20)\d\d)(?:\s*/\s*(?:\d\d){1,2})?", re.I)
FIN_YEAR_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*[/-]\s*(?P<y2>\d\d(?:\d\d)?)(?!\d)")
ONGOING_RE = re.compile(r"\b(on-?going|continuous|throughout|continual)\b", re.I)
RECURRING_RE = re.compile(r"\b(annual(?:ly)?|quarterly|monthly|termly|weekly|each year|every year|annual programme)\b", re.I)
NONE_RE = re.compile(r"^\s*(n/?a|tbc|tba|tbd|none|-+|–)\s*$", re.I)
END_OF_FY_RE = re.compile(r"end of (the )?financial year", re.I)
SEASON_RE = re.compile(r"\b(?P<season>spring|summer|autumn|winter)\s+" + YEAR.format(name="y"), re.I)
SEASON_RANGE_RE = re.compile(r"\b(?P<first>spring|summer|autumn|winter)\s*(?:/|-|–|to|and)\s*(?P<season>spring|summer|autumn|winter)\s+"
                             + YEAR.format(name="y"), re.I)
SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "winter": (12, 2)}
BARE_YEAR_RE = re.compile(r"^\s*(?:by|in|during|end of|within)?\s*(?P<y>(?:19|20)\d\d)\s*$", re.I)


def month_number(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")[:3]]


def full_year(token: str) -> int:
    token = token.lstrip("'")
    return int(token) if len(token) == 4 else 2000 + int(token)


def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _kind_for(text: str, default: DeadlineKind) -> DeadlineKind:
    if RECURRING_RE.search(text):
        return DeadlineKind.RECURRING
    if ONGOING_RE.search(text):
        return DeadlineKind.ONGOING
    return default


def spans_mentioned(text: str) -> list[tuple[date, date]]:
    """Every full date, month-year and season-year in the text, as date spans."""
    spans = []
    for m in DAY_DATE_RE.finditer(text):
        try:
            day = date(full_year(m["y"]), month_number(m["m"]), int(m["d"]))
        except ValueError:
            continue
        spans.append((day, day))
    without_days = DAY_DATE_RE.sub(" ", text)
    spans += [month_span(full_year(m["y"]), month_number(m["m"])) for m in MONTH_YEAR_RE.finditer(without_days)]
    for m in SEASON_RANGE_RE.finditer(text):  # 'Autumn/Winter 2024': from the first season to the end of the second
        year = full_year(m["y"])
        first, _ = SEASON_MONTHS[m["first"].lower()]
        start, last = SEASON_MONTHS[m["season"].lower()]
        spans.append((month_span(year, first)[0], month_span(year + (last < start), last)[1]))
    for m in SEASON_RE.finditer(SEASON_RANGE_RE.sub(" ", text)):
        first, last = SEASON_MONTHS[m["season"].lower()]
        year = full_year(m["y"])
        spans.append((month_span(year, first)[0], month_span(year + (last < first), last)[1]))
    return spans


def parse_deadline(raw: str | None, period_end: date | None = None) -> Deadline:
    """Parse one printed deadline; unparseable text is kept raw with kind NONE."""
    if raw is None or not raw.strip():
        return Deadline(raw=None)
    text = " ".join(raw.split())
    if NONE_RE.match(text):
        return Deadline(raw=text)
    spans = spans_mentioned(text)
    if len(set(spans)) > 1 and not RANGE_RE.search(text):  # 'September 2009 November 2009 Summer 2011'
        return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.RANGE),
                        start=min(s for s, _ in spans), end=max(e for _, e in spans))
    if m := RANGE_RE.search(text):
        m1, m2 = month_number(m["m1"]), month_number(m["m2"])
        y2 = full_year(m["y2"])
        y1 = full_year(m["y1"]) if m["y1"] else (y2 - 1 if m1 > m2 else y2)
        return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.RANGE),
                        start=month_span(y1, m1)[0], end=month_span(y2, m2)[1])
    if m := DAY_DATE_RE.search(text):
        try:
            day = date(full_year(m["y"]), month_number(m["m"]), int(m["d"]))
            return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.DATE), start=day, end=day)
        except ValueError:
            pass
    if m := NUMERIC_DATE_RE.search(text):
        try:
            day = date(full_year(m["y"]), int(m["m"]), int(m["d"]))
            return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.DATE), start=day, end=day)
        except ValueError:
            pass
    if m := MONTH_YEAR_RE.search(text):
        start, end = month_span(full_year(m["y"]), month_number(m["m"]))
        if FROM_RE.match(text):  # 'From Aug 16': starts then and goes on
            return Deadline(raw=text, kind=DeadlineKind.ONGOING, start=start, end=None)
        return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.MONTH), start=start, end=end)
    if m := QUARTER_RE.search(text):
        fy, q = int(m["y"]), int(m["q"])
        first_month = 4 + 3 * (q - 1)
        year = fy + (first_month - 1) // 12
        first_month = (first_month - 1) % 12 + 1
        return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.RANGE),
                        start=month_span(year, first_month)[0], end=month_span(year, first_month + 2)[1])
    if m := FIN_YEAR_RE.search(text):
        y1 = int(m["y"])
        return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.RANGE),
                        start=date(y1, 4, 1), end=date(y1 + 1, 3, 31))
    if END_OF_FY_RE.search(text) and period_end:
        fy_end = date(period_end.year + (period_end.month > 3), 3, 31)
        return Deadline(raw=text, kind=DeadlineKind.DATE, start=fy_end, end=fy_end)
    if spans:  # a season
        return Deadline(raw=text, kind=_kind_for(text, DeadlineKind.RANGE), start=spans[0][0], end=spans[0][1])
    if m := BARE_YEAR_RE.match(text):  # '2027': some time that calendar year
        year = int(m["y"])
        return Deadline(raw=text, kind=DeadlineKind.RANGE, start=date(year, 1, 1), end=date(year, 12, 31))
    kind = _kind_for(text, DeadlineKind.NONE)
    return Deadline(raw=text, kind=kind)
