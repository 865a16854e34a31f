"""Cross-year links: the same action (or KPI) in plans of different documents.

Similarity is the mean of rapidfuzz's token-set and token-sort ratios over lower-cased,
stop-word-free text. Token-set alone scores 100 whenever a short action's words all occur
in a long one ("Implement the Children's Improvement Plan" inside a youth-justice action);
token-sort alone punishes the light rewording plans do from year to year; the mean keeps
both in check. LINK_THRESHOLD was read off the sample pairs: from 70 up the pairs are the
same commitment restated across years (school improvement strategy 2010/2011/2018, young
people in education, employment or training 2010/2018, HENRY training 2010/2011); at 65-69
related-but-different actions appear ("support transition" vs "develop preventative
services").
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from .models import Action, ActionLink, Document

LINK_THRESHOLD = 70
METHOD = "token_set_sort_mean"
STOP_WORDS = {
    "the", "and", "of", "to", "in", "for", "a", "an", "on", "with", "by", "our", "we", "will", "is", "are",
    "be", "all", "that", "this", "through", "including", "continue", "ensure", "develop", "implement", "improve",
}
MIN_WORDS = 4  # very short texts ("Ongoing", a heading) link to everything


def comparable(text: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS]
    return " ".join(words)


def is_before(a, b) -> bool:
    return a is not None and b is not None and a < b


def claim_links_table(session: Session) -> None:
    """Empty action_links as the transaction's first write, so two runs recompute links one after the other.

    On PostgreSQL two concurrent recomputations would each delete the committed links, then
    insert the same pairs: the second fails on the unique constraint. A lock that conflicts
    with itself (readers still pass) queues the second until the first commits. On SQLite the
    delete, coming first, takes the write lock before anything is read.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE action_links IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(ActionLink))


def link_actions(engine: Engine, threshold: int = LINK_THRESHOLD) -> int:
    """Recompute links between actions/tasks of different documents; returns the link count."""
    with Session(engine) as session, session.begin():
        claim_links_table(session)
        rows = session.execute(
            select(Action.id, Action.document_id, Action.text, Document.period_start)
            .join(Document, Document.id == Action.document_id)
            .where(Action.level != "priority_area")
            .order_by(Document.sha256, Action.seq)  # same pairs, same direction on any backend and load order
        ).all()
        texts = [comparable(r.text) for r in rows]
        keep = [i for i, t in enumerate(texts) if len(t.split()) >= MIN_WORDS]
        if not keep:
            return 0
        choices = [texts[i] for i in keep]
        scores = (process.cdist(choices, choices, scorer=fuzz.token_set_ratio, workers=1)
                  + process.cdist(choices, choices, scorer=fuzz.token_sort_ratio, workers=1)) / 2
        links = []
        for a, i in enumerate(keep):
            for b, j in enumerate(keep):
                if b <= a or scores[a][b] < threshold or rows[i].document_id == rows[j].document_id:
                    continue
                earlier, later = (j, i) if is_before(rows[j].period_start, rows[i].period_start) else (i, j)
                links.append(ActionLink(action_id=rows[earlier].id, linked_action_id=rows[later].id,
                                        score=float(scores[a][b]), method=METHOD))
        session.add_all(links)
        return len(links)
