"""Where each document was published: the fetch manifest's record of its bytes, on its row.

`councilplans fetch` writes, beside the papers it saves, a manifest saying for each file which
council, committee, meeting and agenda item it was linked from, under which title and URL.
The pipeline hands those records here after loading a folder: documents (by sha256) gain
source_url, meeting_date, item_title, source_title and fetched_at, and the committee and
council when the PDF itself printed none. Documents loaded from files dropped in by hand keep
NULLs. A re-load of a document (a new extractor version) carries these columns over
(load/db.py), so they are the work of the fetch, not of any one extraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, bindparam, select, update

from .models import Document

SOURCE_FIELDS = ("source_url", "meeting_date", "item_title", "source_title", "fetched_at")
FILLED_WHEN_MISSING = ("council", "committee")  # what the PDF prints wins over what the web page says
SOURCE_COLUMNS = [getattr(Document, name) for name in SOURCE_FIELDS + FILLED_WHEN_MISSING]
BATCH = 500


@dataclass(frozen=True)
class DocumentSource:
    sha256: str
    source_url: str
    council: str | None = None
    committee: str | None = None
    meeting_date: date | None = None
    item_title: str | None = None
    source_title: str | None = None
    fetched_at: datetime | None = None


def kept_on_reload(old) -> tuple[dict, dict]:
    """What a re-load of a document keeps from its old row (selected with SOURCE_COLUMNS): its source
    columns, and the council and committee to use when the PDF prints none (those of a fetched
    document may have come from the web page)."""
    if old is None or old.source_url is None:
        return {}, {}
    return ({name: getattr(old, name) for name in SOURCE_FIELDS},
            {name: getattr(old, name) for name in FILLED_WHEN_MISSING})


def record_sources(engine: Engine, sources: Iterable[DocumentSource]) -> int:
    """Write each source onto its document; returns how many documents in the database have one of
    these sources (rows already holding the same values are not written again)."""
    by_sha = {s.sha256: s for s in sources}
    if not by_sha:
        return 0
    shas = sorted(by_sha)
    matched = 0
    changes: list[dict] = []
    with engine.begin() as conn:
        for start in range(0, len(shas), BATCH):
            rows = conn.execute(select(Document.id, Document.sha256, Document.council, Document.committee,
                                       *SOURCE_COLUMNS).where(Document.sha256.in_(shas[start:start + BATCH])))
            for row in rows:
                matched += 1
                source = by_sha[row.sha256]
                values = {name: getattr(source, name) for name in SOURCE_FIELDS}
                for name in FILLED_WHEN_MISSING:
                    values[name] = getattr(row, name) or getattr(source, name)
                same = all(values[name] == getattr(row, name) for name in ("source_url", "meeting_date", "item_title",
                                                                           "source_title", *FILLED_WHEN_MISSING))
                if not same or row.fetched_at is None:
                    changes.append({"row_id": row.id, **{f"new_{k}": v for k, v in values.items()}})
        if changes:
            names = (*SOURCE_FIELDS, *FILLED_WHEN_MISSING)
            conn.execute(update(Document).where(Document.id == bindparam("row_id"))
                         .values({name: bindparam(f"new_{name}") for name in names}), changes)
    return matched
