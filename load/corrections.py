"""Analysts' corrections: recorded with who/when/why, shown by the views, kept across re-runs.

A correction is anchored to the action as it was extracted when the analyst corrected it
(document sha256, level, ref, position, text). Each load of the document matches every anchor
back to one of the rows it has just written (`attach_corrections`), so a correction survives a
re-extraction that renumbers the rows or changes the action's text a little. Values derived
from a corrected value (a deadline's kind and dates) are worked out by whoever makes the
correction (the CLI asks normalise/) and stored beside it: load/ never parses a value.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from rapidfuzz import fuzz, utils
from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.orm import Session

from normalise.records import PlanDocument

from .models import Action, Correction, Document
from .search import ACTION_FIELDS, reindex_actions
from .views import CORRECTABLE

# rapidfuzz WRatio (0-100, on lower-cased alphanumerics) a row of the same level and ref needs to
# take a correction whose text it no longer repeats exactly. Measured: a rejoined hyphenation or a
# misread letter scores 97, a wrapped line recovered at the end 90; two different tasks of the CSC
# improvement plan that share their opening and closing words ("Review a sample of ... by the
# Quality Assurance team") score 82.
MATCH_SCORE = 85


class CorrectionError(ValueError):
    pass


def add_correction(engine: Engine, action_id: int, field: str, value: str | None, who: str | None = None,
                   why: str | None = None, derived: dict[str, str | None] | None = None) -> list[Correction]:
    """Record a correction of one field, and the values derived from it (stored as corrections too)."""
    values = {field: value} | (derived or {})
    wrong = [name for name in values if name not in CORRECTABLE]
    if wrong:
        raise CorrectionError(f"cannot correct {wrong[0]!r}; correctable fields: {', '.join(CORRECTABLE)}")
    with Session(engine, expire_on_commit=False) as session, session.begin():
        found = session.execute(select(Action, Document.sha256).join(Document).where(Action.id == action_id)).first()
        if found is None:
            raise CorrectionError(f"no action with id {action_id}")
        action, sha = found
        rows = [Correction(doc_sha256=sha, action_level=action.level, action_ref=action.ref,
                           action_position=action.seq, action_text=action.text, action_id=action.id,
                           field=name, value=val, who=who or getpass.getuser(), why=why)
                for name, val in values.items()]
        session.add_all(rows)
        if values.keys() & set(ACTION_FIELDS):  # found by the corrected text from now on
            session.flush()
            reindex_actions(session.connection(), [action.id])
        return rows


@dataclass(frozen=True)
class Anchor:
    """An action as it was when corrected."""

    level: str
    ref: str | None
    position: int | None
    text: str | None


@dataclass(frozen=True)
class Row:
    """An action of the extraction being loaded."""

    seq: int
    level: str
    ref: str | None
    text: str


def attach_corrections(conn: Connection, plan: PlanDocument, ids_by_seq: dict[int, int]) -> None:
    """Point the document's corrections at the rows just written (action_id NULL where none matches)."""
    found = conn.execute(select(Correction.id, Correction.action_level, Correction.action_ref,
                                Correction.action_position, Correction.action_text)
                         .where(Correction.doc_sha256 == plan.sha256)).all()
    if not found:
        return
    anchors = {row.id: Anchor(row.action_level, row.action_ref, row.action_position, row.action_text) for row in found}
    rows = [Row(seq, record.level.value, record.ref, record.text) for seq, record in enumerate(plan.actions)]
    matched = match_anchors(set(anchors.values()), rows)
    conn.execute(update(Correction).where(Correction.id == bindparam("correction_id"))
                 .values(action_id=bindparam("row_id")),
                 [{"correction_id": cid, "row_id": ids_by_seq.get(matched.get(anchor))} for cid, anchor in anchors.items()])


def match_anchors(anchors: set[Anchor], rows: list[Row]) -> dict[Anchor, int]:
    """Anchor -> seq of the row it now names; each row takes one anchor at most, in document order.

    First among the rows of the same level and ref: the most similar text (at least MATCH_SCORE),
    the nearest position on a tie. Failing that, a row whose ref was read differently but whose
    text is the same (lower-cased alphanumerics), nearest first."""
    matched: dict[Anchor, int] = {}
    for anchor in sorted(anchors, key=lambda a: (a.position is None, a.position or 0, a.level, a.ref or "")):
        free = [r for r in rows if r.level == anchor.level and r.seq not in matched.values()]
        seq = most_similar(anchor, [r for r in free if r.ref == anchor.ref], MATCH_SCORE)
        if seq is None:
            seq = most_similar(anchor, free, 100)
        if seq is not None:
            matched[anchor] = seq
    return matched


def most_similar(anchor: Anchor, candidates: list[Row], at_least: float) -> int | None:
    """seq of the candidate whose text is most like the anchor's (scoring at_least), nearest on a tie.

    An anchor without text (recorded before anchors had one) takes only a sole candidate of its ref."""
    if anchor.text is None:
        return candidates[0].seq if len(candidates) == 1 and candidates[0].ref == anchor.ref else None
    position = anchor.position or 0
    scored = [(fuzz.WRatio(anchor.text, row.text, processor=utils.default_process), -abs(row.seq - position), row.seq)
              for row in candidates]
    best = max(scored, default=None)
    return best[2] if best and best[0] >= at_least else None
