"""Cross-year links: the same action restated in another plan of the same council.

Similarity is the mean of rapidfuzz's token-set and token-sort ratios over lower-cased,
stop-word-free text. Token-set alone scores 100 whenever a short action's words all occur
in a long one ("Implement the Children's Improvement Plan" inside a youth-justice action);
token-sort alone punishes the light rewording plans do from year to year; the mean keeps
both in check. LINK_THRESHOLD was read off the sample pairs: from 70 up the pairs are the
same commitment restated across years (school improvement strategy 2010/2011/2018, young
people in education, employment or training 2010/2018, HENRY training 2010/2011); at 65-69
related-but-different actions appear ("support transition" vs "develop preventative
services").

Cost. Comparing every action with every other is quadratic: 22,000 actions took half an hour
and 6 GB. So linking is
- incremental: a document is linked once (linked_documents records the method it was linked
  by); a run links only the documents it loaded, against everything already there;
- blocked by council: "slipped from 2016 to 2018" is a question about one council's plans, and a
  national database of hundreds of councils would otherwise compare every pair of them;
- by distinct text: plans repeat actions word for word, and each distinct text is scored once;
- chunked: scores are computed a block of rows at a time, so memory stays flat;
- pruned: the costly token-set ratio runs only on pairs the cheap token-sort ratio leaves in.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import Engine, delete, insert, or_, select, text
from sqlalchemy.orm import Session

from .models import Action, ActionLink, Document, LinkedDocument

LINK_THRESHOLD = 70
METHOD = "token_set_sort_mean"
STOP_WORDS = {
    "the", "and", "of", "to", "in", "for", "a", "an", "on", "with", "by", "our", "we", "will", "is", "are",
    "be", "all", "that", "this", "through", "including", "continue", "ensure", "develop", "implement", "improve",
}
MIN_WORDS = 4  # very short texts ("Ongoing", a heading) link to everything
CHUNK_ROWS = 256  # distinct texts scored per block: 256 x 20,000 float32 scores is 20 MB a thread
COUNCIL_NOISE = re.compile(r"\b(?:london borough of|royal borough of|city of|metropolitan|borough|county|city|"
                           r"district|council)\b")


def comparable(text: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS]
    return " ".join(words)


def council_key(council: str | None) -> str:
    """'London Borough of Bromley' and 'Bromley Council' are one council; unknown councils form one group."""
    return " ".join(COUNCIL_NOISE.sub(" ", (council or "").lower()).split())


def links_method(threshold: int) -> str:
    return f"{METHOD}>={threshold}"


def is_before(a, b) -> bool:
    return a is not None and b is not None and a < b


@dataclass
class LinkRow:
    id: int
    document_id: int
    period_start: date | None
    new: bool


@dataclass
class Block:
    """One council's linkable actions, in a fixed order (document sha256, seq), grouped by distinct text."""

    rows: list[LinkRow] = field(default_factory=list)
    members: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # text -> row positions

    def add(self, row: LinkRow, text: str) -> None:
        self.members[text].append(len(self.rows))
        self.rows.append(row)


def claim_links(session: Session, method: str) -> None:
    """Drop the links of documents about to be (re)linked, as the transaction's first write.

    Two runs finishing at once then link one after the other: on SQLite the delete takes the
    write lock before anything is read; on PostgreSQL a table lock that conflicts with itself
    (readers still pass) queues the second run until the first commits, and the second then
    finds nothing left to link.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE action_links IN SHARE ROW EXCLUSIVE MODE"))
    unlinked = select(Action.id).where(Action.document_id.not_in(linked_by(method)))
    session.execute(delete(ActionLink).where(
        or_(ActionLink.action_id.in_(unlinked), ActionLink.linked_action_id.in_(unlinked))))


def linked_by(method: str):
    return select(LinkedDocument.document_id).where(LinkedDocument.method == method)


def read_blocks(session: Session, method: str) -> tuple[dict[str, Block], list[int]]:
    """Every council that has a document to link: its linkable actions; and the ids of those documents."""
    linked = set(session.scalars(linked_by(method)))
    docs = session.execute(select(Document.id, Document.council)).all()
    new_docs = [d.id for d in docs if d.id not in linked]
    councils = {council_key(d.council) for d in docs if d.id not in linked}
    block_of = {d.id: council_key(d.council) for d in docs if council_key(d.council) in councils}
    blocks: dict[str, Block] = defaultdict(Block)
    new = set(new_docs)
    rows = session.execute(
        select(Action.id, Action.document_id, Action.text, Document.period_start)
        .join(Document, Document.id == Action.document_id)
        .where(Action.level != "priority_area", Document.id.in_(block_of))
        .order_by(Document.sha256, Action.seq)  # same pairs, same direction on any backend and load order
    )
    for r in rows:
        words = comparable(r.text)
        if len(words.split()) >= MIN_WORDS:
            blocks[block_of[r.document_id]].add(LinkRow(r.id, r.document_id, r.period_start, r.document_id in new), words)
    return blocks, new_docs


def similar_texts(queries: list[str], choices: list[str], threshold: float) -> Iterator[tuple[int, int, float]]:
    """(query index, choice index, score) for every pair scoring at least threshold, in query order.

    Either ratio below 2*threshold - 100 rules a pair out (the other is at most 100). Token-sort
    is cheap (rapidfuzz's plain ratio of words sorted once per text, not once per pair), so it
    runs first over every pair; the costly token-set ratio then runs only where token-sort
    leaves a chance (about a third of the pairs in the benchmark corpus). Blocks of queries
    go to one thread per core: rapidfuzz releases the GIL while it scores.
    """
    cutoff = max(0.0, 2 * threshold - 100)
    sorted_choices = [" ".join(sorted(c.split())) for c in choices]

    def score_block(start: int) -> list[tuple[int, int, float]]:
        block = queries[start:start + CHUNK_ROWS]
        sort = process.cdist([" ".join(sorted(q.split())) for q in block], sorted_choices, scorer=fuzz.ratio,
                             score_cutoff=cutoff, dtype=np.float32, workers=1)
        found = []
        for i, query in enumerate(block):
            candidates = np.flatnonzero(sort[i] >= cutoff)
            token_set = process.cdist([query], [choices[j] for j in candidates], scorer=fuzz.token_set_ratio,
                                      score_cutoff=cutoff, dtype=np.float32, workers=1)[0]
            mean = (sort[i, candidates] + token_set) / 2
            found += [(start + i, int(candidates[k]), float(mean[k])) for k in np.flatnonzero(mean >= threshold)]
        return found

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for found in pool.map(score_block, range(0, len(queries), CHUNK_ROWS)):
            yield from found


def block_links(block: Block, threshold: float) -> Iterator[dict]:
    """Links in one council that touch at least one new document, each pair once, earlier plan first."""
    texts = list(block.members)
    position = {t: k for k, t in enumerate(texts)}
    new_texts = [t for t in texts if any(block.rows[p].new for p in block.members[t])]
    is_new_text = set(new_texts)
    for q, c, score in similar_texts(new_texts, texts, threshold):
        a_text, b_text = new_texts[q], texts[c]
        if b_text in is_new_text and position[b_text] < position[a_text]:
            continue  # the same two texts come up again (or came up) the other way round
        yield from action_pair_links(block, a_text, b_text, score)


def action_pair_links(block: Block, a_text: str, b_text: str, score: float) -> Iterator[dict]:
    rows = block.rows
    for a in block.members[a_text]:
        for b in block.members[b_text]:
            if (a_text == b_text and a >= b) or rows[a].document_id == rows[b].document_id \
                    or not (rows[a].new or rows[b].new):
                continue
            i, j = min(a, b), max(a, b)
            earlier, later = (j, i) if is_before(rows[j].period_start, rows[i].period_start) else (i, j)
            yield {"action_id": rows[earlier].id, "linked_action_id": rows[later].id, "score": score, "method": METHOD}


def link_actions(engine: Engine, threshold: int = LINK_THRESHOLD) -> int:
    """Link the actions of documents not yet linked (by this method) to the rest; returns the links written."""
    method = links_method(threshold)
    with Session(engine) as session, session.begin():
        claim_links(session, method)
        blocks, new_docs = read_blocks(session, method)
        written = 0
        for block in blocks.values():
            links = list(block_links(block, threshold))
            if links:
                session.execute(ActionLink.__table__.insert(), links)
            written += len(links)
        session.execute(delete(LinkedDocument).where(LinkedDocument.document_id.in_(new_docs)))
        if new_docs:
            session.execute(insert(LinkedDocument), [{"document_id": d, "method": method} for d in new_docs])
        return written
