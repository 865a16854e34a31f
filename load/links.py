"""Cross-year links: the same commitment, and the same KPI, restated in another plan of the same council.

Similarity. Two texts are compared as TF-IDF vectors over the council's own corpus (every linkable
text of its documents), twice: by word stems (Snowball) and by the 4-letter pieces of each word;
the score is the mean of the two cosines, 0..100. The corpus weights do what a stop-word list did
by hand: "children", "young people", "Bromley", "ensure", "develop" are in so many of a council's
actions that sharing them says little, while "short breaks", "foster", "HENRY" or "thresholds" say
a lot; no word of any document is named in the code. The letter pieces catch inflections the
stemmer leaves apart ("fostering households" / "Foster Carer Households", "academy" / "academies").
An acronym a document spells out ("Special Educational Needs and Disabilities (SEND)") stands for
its words wherever the council's documents print it, so "Implement the SEND Reforms" meets
"Implement the Special Educational Needs Reforms". A row's own detail cell (the CEF plans print the
action's title and its detail apart) is part of its text.

LINK_THRESHOLD (50): read off the hand-made truth for the samples (samples/links.truth.yaml;
`councilplans score` prints the figures) as the lowest score at which links are right at least 7
times in 10 (precision 0.72, recall 0.15 there). Lower, the links that pair a shared theme rather
than a commitment (two actions about young people with learning difficulties, one on their health,
one on their schooling) grow faster than the right ones (40: precision 0.54, recall 0.29); higher,
few links are left (60: 0.88 and 0.06). An analyst reading `slippage` needs links that are right far
more often than not. The truth is written by meaning, and a wording measure cannot see a commitment
carried forward in other words ("improve access to community leisure" / "enhance opportunities for
positive activities"): most of the truth's pairs share no words that tell them from their
neighbours, which is what bounds the recall.

KPIs. Each measure is put under an indicator (measure_indicators): the indicator of the most
similar measure (by the same score over the council's KPI names, a document's bracketed flags such as
"[VG]" left out) of another document when it scores KPI_THRESHOLD or more and that indicator has no
measure of this document yet, else a new one. One document printing an indicator twice under the
same name (a priority table and an appendix) puts both under one indicator. A short label (under
MIN_NAME_WORDS content words, a sub-row such as "Court Team" or "Foster Care" whose indicator is the
row above it) is never matched: it gets an indicator of its own.

Direction. A link's first action is the earlier one: the earlier plan period (start, then end), then
the earlier status date (the date a progress report describes); the link records which of these
told (direction plan_period or status_date), or unknown when neither did (then the order is by
document sha256, only for stability, and `slippage` leaves the link out).

Cost. Linking is
- incremental: a document is linked once (linked_documents records the method it was linked by); a
  run scores only the texts of the documents it loaded, against everything already there (the corpus
  weights are those of the council's documents at the time, so a document linked later in a larger
  corpus may score a little differently against the same text);
- blocked by council: "slipped from 2016 to 2018" is a question about one council's plans;
- by distinct text: plans repeat actions word for word, and each distinct text is scored once;
- chunked: scores are computed a block of rows at a time, as sparse products, so memory stays flat.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import snowballstemmer
from scipy import sparse
from sqlalchemy import Engine, delete, insert, or_, select, text
from sqlalchemy.orm import Session

from .models import Action, ActionLink, Document, Indicator, LinkedDocument, MeasureIndicator, MeasureRow

LINK_THRESHOLD = 50
KPI_THRESHOLD = 45  # read off the truth's KPI pairs as LINK_THRESHOLD was: precision 0.86, recall 0.55 (40: 0.46, 0.55)
METHOD = "tfidf_stems_chars"
MIN_WORDS = 2  # content words a text needs to be linked: a heading of one word ("Ongoing") links to everything
MIN_NAME_WORDS = 3  # content words a KPI name needs to be matched at all: "Foster Care", "Court Team" are sub-rows
CHAR_GRAM = 4  # letters per piece of a word in the second vector
CHUNK_ROWS = 256  # distinct texts scored per block: 256 x 20,000 float32 scores is 20 MB
# function words of English, which carry no commitment; everything else is weighed by the corpus
STOP_WORDS = frozenset("""
a an the and or nor but of to in into onto on at by for from with without within as than then so
is are be been being was were will shall would should can could may might must do does did has have had
it its this that these those there here such our we us you your their they them he she his her who whom which
what when where whilst while how all any each every both either neither other some no not also
including include includes through across between via per up down out over under about after before
""".split())
WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9']*|\d+")
ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z&]{1,9})\)")
ANNOTATION_RE = re.compile(r"\[[^\]]*\]")  # "[VG]", "[BBB]": a document's own flags, not the indicator's name
COUNCIL_NOISE = re.compile(r"\b(?:london borough of|royal borough of|city of|metropolitan|borough|county|city|"
                           r"district|council)\b")


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def council_key(council: str | None) -> str:
    """'London Borough of Bromley' and 'Bromley Council' are one council; unknown councils form one group."""
    return " ".join(COUNCIL_NOISE.sub(" ", (council or "").lower()).split())


def links_method(threshold: int) -> str:
    return f"{METHOD}>={threshold}"


def acronyms(texts) -> dict[str, list[str]]:
    """Acronyms the texts spell out, 'Common Assessment Framework (CAF)' -> {'CAF': [common, assessment,
    framework]}: the words just before the brackets whose initials are the acronym's capitals in order
    (function words between them skipped). The first spelling found wins."""
    found: dict[str, list[str]] = {}
    for t in texts:
        for m in ACRONYM_RE.finditer(t or ""):
            acronym = m.group(1)
            capitals = [c for c in acronym if c.isupper()]
            if len(capitals) < 2 or acronym in found:
                continue
            before = WORD_RE.findall(t[:m.start()])
            words: list[str] = []
            i, j = len(before) - 1, len(capitals) - 1
            while i >= 0 and j >= 0:
                word = before[i]
                if word[0].upper() == capitals[j]:
                    words.insert(0, word.lower())
                    j -= 1
                elif word.lower() not in STOP_WORDS:
                    break
                i -= 1
            if j < 0:
                found[acronym] = words
    return found


def content_words(value: str, spelled: dict[str, list[str]]) -> list[str]:
    """Lower-case words without function words; an acronym the corpus spells out adds its words."""
    out = []
    for word in WORD_RE.findall(value or ""):
        word = word.replace("'", "")
        if word in spelled:
            out += spelled[word]
        lowered = word.lower()
        if lowered not in STOP_WORDS:
            out.append(lowered)
    return out


def comparable(value: str, spelled: dict[str, list[str]] | None = None) -> str:
    """The text as compared: its content words, in order (identical for texts that only differ in
    punctuation, case or function words)."""
    return " ".join(content_words(value, spelled or {}))


def features(words: str) -> tuple[Counter, Counter]:
    """Word stems, and the CHAR_GRAM-letter pieces of each word (padded, so a short word is one piece)."""
    stems = Counter(stem(w) for w in words.split())
    pieces: Counter = Counter()
    for w in words.split():
        padded = f" {w} "
        pieces.update(padded[k:k + CHAR_GRAM] for k in range(max(1, len(padded) - CHAR_GRAM + 1)))
    return stems, pieces


def tfidf(bags: list[Counter]) -> sparse.csr_matrix:
    """Rows of sublinear tf x smoothed idf (idf over these texts), each of unit length."""
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    column = {term: k for k, term in enumerate(df)}
    idf = {term: math.log((1 + n) / (1 + count)) + 1 for term, count in df.items()}
    rows, cols, vals = [], [], []
    for r, bag in enumerate(bags):
        weights = [(column[t], (1 + math.log(c)) * idf[t]) for t, c in bag.items()]
        norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
        for col, w in weights:
            rows.append(r)
            cols.append(col)
            vals.append(w / norm)
    return sparse.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(n, len(column)))


@dataclass
class Corpus:
    """The distinct comparable texts of one council, as the two TF-IDF matrices."""

    texts: list[str]
    stems: sparse.csr_matrix
    pieces: sparse.csr_matrix

    @classmethod
    def of(cls, texts: list[str]) -> Corpus:
        bags = [features(t) for t in texts]
        return cls(texts, tfidf([b[0] for b in bags]), tfidf([b[1] for b in bags]))

    def scores(self, rows: list[int]) -> np.ndarray:
        """Scores (0..100) of the given texts against every text of the corpus."""
        if not rows:
            return np.zeros((0, len(self.texts)), dtype=np.float32)
        words = (self.stems[rows] @ self.stems.T).toarray()
        letters = (self.pieces[rows] @ self.pieces.T).toarray()
        return np.minimum(50.0 * (words + letters), 100.0).astype(np.float32)


def similar_texts(corpus: Corpus, queries: list[int], threshold: float) -> Iterator[tuple[int, int, float]]:
    """(query text, corpus text, score) for every pair scoring at least threshold, a chunk of queries at a time."""
    for start in range(0, len(queries), CHUNK_ROWS):
        block = queries[start:start + CHUNK_ROWS]
        scores = corpus.scores(block)
        for i, j in zip(*np.nonzero(scores >= threshold)):
            yield block[i], int(j), float(scores[i, j])


@dataclass(frozen=True)
class DocFacts:
    """What orders two documents in time."""

    sha256: str
    period_start: date | None
    period_end: date | None
    status_as_of: date | None


def earlier_first(a: DocFacts, b: DocFacts) -> tuple[bool, str]:
    """Whether a comes before b, and what told: the plan period (start, then end), then the status date;
    'unknown' when neither differs (a before b by sha256 then, for a stable order)."""
    for first, second, told in ((a.period_start, b.period_start, "plan_period"),
                                (a.period_end, b.period_end, "plan_period"),
                                (a.status_as_of, b.status_as_of, "status_date")):
        if first is not None and second is not None and first != second:
            return first < second, told
    return a.sha256 <= b.sha256, "unknown"


@dataclass
class LinkRow:
    id: int
    document_id: int
    new: bool


@dataclass
class Block:
    """One council's linkable actions, in a fixed order (document sha256, seq), grouped by distinct text."""

    rows: list[LinkRow] = field(default_factory=list)
    members: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # text -> row positions

    def add(self, row: LinkRow, value: str) -> None:
        self.members[value].append(len(self.rows))
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


def read_documents(session: Session, method: str) -> tuple[dict[int, str], dict[int, DocFacts], list[int]]:
    """The council block of every document in a council that has a document to link, their facts, and
    the documents to link."""
    linked = set(session.scalars(linked_by(method)))
    docs = session.execute(select(Document.id, Document.council, Document.sha256, Document.period_start,
                                  Document.period_end, Document.status_as_of)).all()
    new_docs = [d.id for d in docs if d.id not in linked]
    councils = {council_key(d.council) for d in docs if d.id not in linked}
    block_of = {d.id: council_key(d.council) for d in docs if council_key(d.council) in councils}
    facts = {d.id: DocFacts(d.sha256, d.period_start, d.period_end, d.status_as_of) for d in docs}
    return block_of, facts, new_docs


def action_text(row) -> str:
    """An action's text with its own detail cell, when the document prints one apart."""
    detail = row.detail or ""
    return row.text if not detail.strip() or detail.strip() == row.text.strip() else f"{row.text}\n{detail}"


def read_blocks(session: Session, block_of: dict[int, str], new: set[int]) -> dict[str, Block]:
    """Every council's linkable rows (any level: a rated area of focus is a commitment too)."""
    rows = session.execute(
        select(Action.id, Action.document_id, Action.text, Action.detail)
        .join(Document, Document.id == Action.document_id)
        .where(Document.id.in_(block_of))
        .order_by(Document.sha256, Action.seq)  # same pairs, same direction on any backend and load order
    ).all()
    texts: dict[str, list] = defaultdict(list)
    for r in rows:
        texts[block_of[r.document_id]].append((r, action_text(r)))
    blocks: dict[str, Block] = defaultdict(Block)
    for council, members in texts.items():
        spelled = acronyms(t for _, t in members)
        for r, t in members:
            words = comparable(t, spelled)
            if len(set(words.split())) >= MIN_WORDS:
                blocks[council].add(LinkRow(r.id, r.document_id, r.document_id in new), words)
    return blocks


def block_links(block: Block, facts: dict[int, DocFacts], threshold: float) -> Iterator[dict]:
    """Links in one council that touch at least one new document, each pair once, earlier plan first."""
    texts = list(block.members)
    corpus = Corpus.of(texts)
    new_texts = [k for k, t in enumerate(texts) if any(block.rows[p].new for p in block.members[t])]
    is_new = set(new_texts)
    for q, c, score in similar_texts(corpus, new_texts, threshold):
        if c in is_new and c < q:
            continue  # the same two texts come up (or came up) the other way round
        yield from action_pair_links(block, facts, texts[q], texts[c], score)


def action_pair_links(block: Block, facts: dict[int, DocFacts], a_text: str, b_text: str, score: float) -> Iterator[dict]:
    rows = block.rows
    for a in block.members[a_text]:
        for b in block.members[b_text]:
            if (a_text == b_text and a >= b) or rows[a].document_id == rows[b].document_id \
                    or not (rows[a].new or rows[b].new):
                continue
            first, second = rows[min(a, b)], rows[max(a, b)]
            before, told = earlier_first(facts[first.document_id], facts[second.document_id])
            earlier, later = (first, second) if before else (second, first)
            yield {"action_id": earlier.id, "linked_action_id": later.id, "score": round(score, 3),
                   "method": METHOD, "direction": told}


def kpi_name(name: str) -> str:
    return ANNOTATION_RE.sub(" ", name or "")


def link_measures(session: Session, block_of: dict[int, str], facts: dict[int, DocFacts], new: set[int],
                  threshold: float) -> None:
    """Put each measure of the new documents under an indicator (see the module's docstring)."""
    rows = session.execute(
        select(MeasureRow.id, MeasureRow.document_id, MeasureRow.name, MeasureIndicator.indicator_id)
        .join(Document, Document.id == MeasureRow.document_id)
        .outerjoin(MeasureIndicator, MeasureIndicator.measure_id == MeasureRow.id)
        .where(Document.id.in_(block_of))
        .order_by(Document.sha256, MeasureRow.seq)).all()
    by_council: dict[str, list] = defaultdict(list)
    for r in rows:
        by_council[block_of[r.document_id]].append(r)
    for members in by_council.values():
        if any(r.document_id in new for r in members):
            assign_indicators(session, members, facts, new, threshold)
    # indicators whose measures all went with their documents
    session.execute(delete(Indicator).where(Indicator.id.not_in(select(MeasureIndicator.indicator_id))))


def assign_indicators(session: Session, members: list, facts: dict[int, DocFacts], new: set[int],
                      threshold: float) -> None:
    """The new documents' measures, a document at a time in plan order: best pairs first, each measure
    to the indicator of a measure already placed in another document, when no measure of this document
    has taken that indicator yet (a same-named twin may join it); then to a twin of its own document;
    else to a new indicator."""
    spelled = acronyms(kpi_name(r.name) for r in members)
    words = [comparable(kpi_name(r.name), spelled) for r in members]
    distinct = list(dict.fromkeys(words))
    position = {w: k for k, w in enumerate(distinct)}
    corpus = Corpus.of(distinct)
    indicator = {k: r.indicator_id for k, r in enumerate(members)
                 if r.document_id not in new and r.indicator_id is not None}
    docs_of: dict[int, set[int]] = defaultdict(set)  # indicator -> documents with a measure under it
    for k, ind in indicator.items():
        docs_of[ind].add(members[k].document_id)
    for doc in sorted({r.document_id for r in members if r.document_id in new}, key=lambda d: order_key(facts[d])):
        mine = [k for k, r in enumerate(members) if r.document_id == doc]
        placed = [j for j in indicator if len(words[j].split()) >= MIN_NAME_WORDS]
        matchable = [k for k in mine if len(words[k].split()) >= MIN_NAME_WORDS]
        if placed and matchable:
            scores = corpus.scores([position[words[k]] for k in matchable])[:, [position[words[j]] for j in placed]]
            candidates = sorted(((float(scores[a, b]), -a, -b) for a, b in zip(*np.nonzero(scores >= threshold))),
                                reverse=True)
            taken_words: dict[int, str] = {}  # indicator -> the name this document joined it with
            for _, a, b in candidates:
                k, ind = matchable[-a], indicator[placed[-b]]
                if k in indicator or (doc in docs_of[ind] and taken_words.get(ind) != words[k]):
                    continue
                indicator[k] = ind
                docs_of[ind].add(doc)
                taken_words[ind] = words[k]
        for k in mine:
            if k in indicator:
                continue
            twin = next((j for j in mine if j in indicator and words[j] == words[k]
                         and len(words[k].split()) >= MIN_NAME_WORDS), None)
            if twin is not None:
                indicator[k] = indicator[twin]
            else:
                indicator[k] = session.execute(insert(Indicator).values(name=members[k].name)).inserted_primary_key[0]
            docs_of[indicator[k]].add(doc)
    placed_now = [{"measure_id": members[k].id, "indicator_id": ind} for k, ind in indicator.items()
                  if members[k].document_id in new]
    session.execute(delete(MeasureIndicator).where(MeasureIndicator.measure_id.in_([p["measure_id"] for p in placed_now])))
    if placed_now:
        session.execute(insert(MeasureIndicator), placed_now)


def order_key(f: DocFacts) -> tuple:
    return (f.period_start or date.max, f.period_end or date.max, f.status_as_of or date.max, f.sha256)


def link_actions(engine: Engine, threshold: int = LINK_THRESHOLD, kpi_threshold: int = KPI_THRESHOLD) -> int:
    """Link the actions, and place the KPIs, of documents not yet linked (by this method) beside the
    rest; returns the action links written."""
    method = links_method(threshold)
    with Session(engine) as session, session.begin():
        claim_links(session, method)
        block_of, facts, new_docs = read_documents(session, method)
        new = set(new_docs)
        written = 0
        for block in read_blocks(session, block_of, new).values():
            links = list(block_links(block, facts, threshold))
            if links:
                session.execute(ActionLink.__table__.insert(), links)
            written += len(links)
        link_measures(session, block_of, facts, new, kpi_threshold)
        session.execute(delete(LinkedDocument).where(LinkedDocument.document_id.in_(new_docs)))
        if new_docs:
            session.execute(insert(LinkedDocument), [{"document_id": d, "method": method} for d in new_docs])
        return written
