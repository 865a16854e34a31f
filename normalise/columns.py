"""Recognise what a table column holds from its header words (and, failing that, its cells)."""

from __future__ import annotations

import re
from enum import Enum


class ColumnRole(str, Enum):
    REF = "ref"
    AIM = "aim"  # a grouping area/aim/outcome printed beside its actions
    ACTION = "action"
    TASK = "task"
    DETAIL = "detail"
    DEADLINE = "deadline"
    LEAD = "lead"
    AGENCY = "agency"
    RAG = "rag"
    PROGRESS = "progress"
    NEXT_STEPS = "next_steps"
    MEASURE = "measure_of_success"
    UNKNOWN = "unknown"


# Ordered: the first pattern that matches a header decides its role.
HEADER_RULES: list[tuple[ColumnRole, re.Pattern]] = [
    (ColumnRole.NEXT_STEPS, re.compile(r"focus(ing)? on|next steps|planned (actions|activity)|forward|will be doing|coming (months|year)", re.I)),
    (ColumnRole.RAG, re.compile(r"\brag\b|rating|status\b(?!.*update)|traffic light|\bR\s*/\s*A\s*/\s*G\b", re.I)),
    (ColumnRole.PROGRESS, re.compile(r"progress|update|commentary|comments?\b|position|achieved", re.I)),
    (ColumnRole.MEASURE, re.compile(r"measures? of success|success (measure|criteria)|outcome measure|how will we know|\bkpi", re.I)),
    (ColumnRole.DEADLINE, re.compile(r"deadline|target date|timescale|due( date)?|completion date|by when|\bdate\b|\bwhen\b", re.I)),
    (ColumnRole.LEAD, re.compile(r"\blead|officer|responsib|owner|accountable", re.I)),
    (ColumnRole.AGENCY, re.compile(r"agenc|partners?\b|involvement", re.I)),
    (ColumnRole.REF, re.compile(r"^\s*(no\.?|ref\.?|id|#|number|item)\s*$", re.I)),
    (ColumnRole.AIM, re.compile(r"aimed to|^\s*(outcome|objective|aim|priority|area of focus)s?\s*$", re.I)),
    (ColumnRole.TASK, re.compile(r"tasks?|milestones?|key actions?|sub-?actions?|activit", re.I)),
    (ColumnRole.ACTION, re.compile(r"actions?|issues?|what we will do|initiative|commitment", re.I)),
    (ColumnRole.DETAIL, re.compile(r"detail|description|how\b", re.I)),
]


def role_of_header(header: str) -> ColumnRole:
    text = " ".join(header.split())
    if not text:
        return ColumnRole.UNKNOWN
    for role, pattern in HEADER_RULES:
        if pattern.search(text):
            return role
    return ColumnRole.UNKNOWN


def assign_roles(headers: list[str]) -> list[ColumnRole]:
    """Roles for a header row, resolving clashes between columns by meaning.

    'Key Actions' beside an 'Issue' column are the tasks of that issue; an 'Actions' column
    beside a 'Tasks' column is the parent action; the first of several text columns wins.
    """
    roles = [role_of_header(h) for h in headers]
    if roles.count(ColumnRole.ACTION) > 1:
        first = roles.index(ColumnRole.ACTION)
        for i in range(first + 1, len(roles)):
            if roles[i] == ColumnRole.ACTION:
                roles[i] = ColumnRole.TASK
    return roles


ACTION_TABLE_ROLES = {ColumnRole.DEADLINE, ColumnRole.LEAD, ColumnRole.RAG, ColumnRole.PROGRESS, ColumnRole.MEASURE}
KPI_HEADER_RE = re.compile(
    r"outturn|target|baseline|actual|benchmark|\b(19|20)\d\d\s*[/-]\s*\d\d|\b(19|20)\d\d\b|q[1-4]\b|measuring|indicator|kpi|performance", re.I)


def is_action_table(roles: list[ColumnRole]) -> bool:
    """Actions or tasks beside two kinds of field (deadline, lead, RAG ...), or one in a wide table."""
    has_text = any(r in (ColumnRole.ACTION, ColumnRole.TASK) for r in roles)
    fields = {r for r in roles if r in ACTION_TABLE_ROLES}
    return has_text and (len(fields) >= 2 or len(fields) == 1 and len(roles) >= 4)


KPI_NAME_RE = re.compile(r"indicator|measuring|measures?\b|\bkpis?\b|performance", re.I)


def is_kpi_table(headers: list[str], strict: bool = False) -> bool:
    """A KPI table: an indicator-name column, or (unless strict) a name column and two or more
    period/target/outturn columns."""
    if headers and KPI_NAME_RE.search(headers[0]):
        return True
    return not strict and sum(bool(KPI_HEADER_RE.search(h)) for h in headers[1:]) >= 2


VALUE_KIND_RULES = [
    ("target", re.compile(r"target|aim|ambition", re.I)),
    ("outturn", re.compile(r"outturn|actual|result|achieved|performance|latest", re.I)),
    ("baseline", re.compile(r"baseline|previous|last year", re.I)),
    ("benchmark", re.compile(r"benchmark|national|england|london|statistical neighbour|comparator|average", re.I)),
]
PERIOD_RE = re.compile(r"(?:19|20)\d\d\s*[/-]\s*\d{2,4}|(?:Q[1-4]\s*)?(?:19|20)\d\d|\b\d\d/\d\d\b", re.I)


def value_kind(label: str) -> str:
    for kind, pattern in VALUE_KIND_RULES:
        if pattern.search(label):
            return kind
    return "other"


def period_of(label: str) -> str | None:
    m = PERIOD_RE.search(label)
    return m.group(0).replace(" ", "") if m else None
