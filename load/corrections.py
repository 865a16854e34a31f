"""Analysts' corrections: recorded with who/when/why, shown by the views, kept across re-runs."""

from __future__ import annotations

import getpass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from normalise.deadlines import parse_deadline

from .models import Action, Correction, Document
from .views import CORRECTABLE


class CorrectionError(ValueError):
    pass


def add_correction(engine: Engine, action_id: int, field: str, value: str | None,
                   who: str | None = None, why: str | None = None) -> list[Correction]:
    """Record a correction; a corrected deadline_raw also re-derives kind, start and end."""
    if field not in CORRECTABLE:
        raise CorrectionError(f"cannot correct {field!r}; correctable fields: {', '.join(CORRECTABLE)}")
    with Session(engine, expire_on_commit=False) as session, session.begin():
        found = session.execute(select(Action, Document.sha256).join(Document).where(Action.id == action_id)).first()
        if found is None:
            raise CorrectionError(f"no action with id {action_id}")
        action, sha = found
        values = {field: value}
        if field == "deadline_raw":
            parsed = parse_deadline(value)
            values |= {"deadline_kind": parsed.kind.value,
                       "deadline_start": parsed.start.isoformat() if parsed.start else None,
                       "deadline_end": parsed.end.isoformat() if parsed.end else None}
        rows = [Correction(doc_sha256=sha, action_key=action.key, field=name, value=val,
                           who=who or getpass.getuser(), why=why) for name, val in values.items()]
        session.add_all(rows)
        return rows
