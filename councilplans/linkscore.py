"""Cross-year links measured against a hand-made truth (samples/links.truth.yaml).

The truth names records as "document [ref] | the start of their text as printed" and lists pairs
that are the same commitment ("same") or that a careful reader could take either way ("related").
Each record is found among a document's rows by its text (and ref, when given); then every link
the database holds between two documents is right (a same pair), neutral (a related pair) or
wrong, and every same pair without a link is missed. Precision is right / (right + wrong); recall
is right / same pairs. Actions are scored from v_action_links; KPIs from measures sharing an
indicator (measure_indicators).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz
from sqlalchemy import create_engine, text

from .scoring import norm

TRUTH_FILE = "links.truth.yaml"
FUZZY_START = 90  # partial ratio (0..100) at which an extracted text's start is the truth's, read a little differently


@dataclass(frozen=True)
class RecordSpec:
    """One record as the truth names it."""

    doc: str  # the alias in the truth's documents map
    ref: str | None
    text: str

    @classmethod
    def parse(cls, spec: str) -> RecordSpec:
        head, _, start = spec.partition("|")
        doc, *ref = head.split()
        return cls(doc, " ".join(ref) or None, start.strip())


@dataclass(frozen=True)
class TruthPair:
    earlier: RecordSpec
    later: RecordSpec
    relation: str  # same | related
    why: str | None = None


@dataclass
class Truth:
    documents: dict[str, str]  # alias -> file name
    actions: list[TruthPair]
    measures: list[TruthPair]

    def doc_pairs(self, kind: str) -> list[tuple[str, str]]:
        """The document pairs (earlier, later) the truth has pairs for, in plan order."""
        order = list(self.documents)
        seen = {(p.earlier.doc, p.later.doc) for p in getattr(self, kind)}
        return sorted(seen, key=lambda d: (order.index(d[0]), order.index(d[1])))


def load_truth(path: Path) -> Truth:
    raw = yaml.safe_load(Path(path).read_text())

    def pairs(section: dict | None) -> list[TruthPair]:
        out = []
        for relation in ("same", "related"):
            for item in (section or {}).get(relation) or []:
                out.append(TruthPair(RecordSpec.parse(item["earlier"]), RecordSpec.parse(item["later"]), relation,
                                     item.get("why")))
        return out

    return Truth(raw["documents"], pairs(raw.get("actions")), pairs(raw.get("measures")))


def key(value: str | None) -> str:
    """Text as compared: printed words, quotes unified, case ignored."""
    return norm(value).lower()


def ref_matches(spec: RecordSpec, record: dict) -> bool:
    """A spec's ref is the record's own ('2.5', '4l') or qualified by its parent or priority ('1.1 a', '2 10')."""
    if spec.ref is None:
        return True
    own = record.get("ref")
    qualifier = record.get("qualifier")
    return spec.ref == own or (qualifier is not None and spec.ref == f"{qualifier} {own}")


def find_records(spec: RecordSpec, records: list[dict], fuzzy: bool = False) -> list[dict]:
    """The records of one document the spec names: their text starts with the spec's, and the ref agrees.
    With fuzzy, a record whose start reads nearly the same is taken when none starts exactly so."""
    start = key(spec.text)
    candidates = [r for r in records if ref_matches(spec, r)]
    exact = [r for r in candidates if key(r["text"]).startswith(start)]
    if exact or not fuzzy:
        return exact
    scored = [(fuzz.ratio(start, key(r["text"])[:len(start)]), r) for r in candidates]
    best = max((s for s, _ in scored), default=0)
    return [r for s, r in scored if s == best and s >= FUZZY_START]


@dataclass
class PairScore:
    earlier: str
    later: str
    same: int = 0  # pairs in the truth
    right: int = 0  # links on a same pair
    neutral: int = 0  # links on a related pair
    wrong: int = 0  # links on no pair of the truth
    backwards: int = 0  # right links whose earlier side is the truth's later one
    missed: list[str] = field(default_factory=list)
    wrong_links: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return round(self.right / (self.right + self.wrong), 3) if self.right + self.wrong else None

    @property
    def recall(self) -> float | None:
        return round(self.right / self.same, 3) if self.same else None

    def __iadd__(self, other: PairScore) -> PairScore:
        for name in ("same", "right", "neutral", "wrong", "backwards"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.missed += other.missed
        self.wrong_links += other.wrong_links
        return self


def db_actions(conn) -> dict[str, list[dict]]:
    """Every linkable row of every document by file name, in document order."""
    by_doc = defaultdict(list)
    for row in conn.execute(text(
            "SELECT v.action_id AS id, v.document, v.ref, v.parent_ref AS qualifier, v.text FROM v_actions v "
            "JOIN actions a ON a.id = v.action_id ORDER BY v.document, a.seq")).mappings():
        by_doc[row["document"]].append(dict(row))
    return by_doc


def db_measures(conn) -> dict[str, list[dict]]:
    by_doc = defaultdict(list)
    for row in conn.execute(text(
            "SELECT m.id, d.file_name AS document, m.ref, m.priority_ref AS qualifier, m.name AS text, mi.indicator_id "
            "FROM measures m JOIN documents d ON d.id = m.document_id "
            "LEFT JOIN measure_indicators mi ON mi.measure_id = m.id ORDER BY d.file_name, m.seq")).mappings():
        by_doc[row["document"]].append(dict(row))
    return by_doc


def db_action_links(conn) -> list[tuple[int, int]]:
    return [tuple(r) for r in conn.execute(text("SELECT action_id, linked_action_id FROM v_action_links"))]


def measure_links(measures: dict[str, list[dict]]) -> list[tuple[int, int]]:
    """Pairs of measures of different documents that share an indicator (unordered: an indicator has
    no direction, so "backwards" is not counted for KPIs)."""
    by_indicator = defaultdict(list)
    for doc, rows in measures.items():
        for r in rows:
            if r["indicator_id"] is not None:
                by_indicator[r["indicator_id"]].append((doc, r["id"]))
    return [(a, b) for members in by_indicator.values() for i, (da, a) in enumerate(members)
            for db, b in members[i + 1:] if da != db]


def score_links(truth: Truth, kind: str, records: dict[str, list[dict]], links: list[tuple[int, int]]) -> list[PairScore]:
    """Per pair of documents the truth covers (and any other pair that has links): right, neutral, wrong, missed.

    A truth pair naming several rows (a record the extraction printed twice) is one pair: linked right
    when any of its rows are linked."""
    name_of = {r["id"]: doc for doc, rows in records.items() for r in rows}
    text_of = {r["id"]: r["text"] for rows in records.values() for r in rows}
    alias_of = {file: alias for alias, file in truth.documents.items()}
    order = list(truth.documents)
    scores: dict[tuple[str, str], PairScore] = {}

    def score_for(a: str, b: str) -> PairScore:
        return scores.setdefault((a, b), PairScore(a, b))

    def ids(spec: RecordSpec) -> list[int]:
        return [r["id"] for r in find_records(spec, records.get(truth.documents[spec.doc], []), fuzzy=True)]

    def rank(alias: str) -> int:
        return order.index(alias) if alias in order else len(order)

    for a, b in truth.doc_pairs(kind):
        score_for(a, b)
    pairs = sorted(getattr(truth, kind), key=lambda p: p.relation != "same")  # a pair both same and related is same
    relation: dict[frozenset, str] = {}
    linked = {frozenset(link): link for link in links}
    for pair in pairs:
        earlier, later = ids(pair.earlier), ids(pair.later)
        found = [frozenset((x, y)) for x in earlier for y in later]
        for f in found:
            relation.setdefault(f, pair.relation)
        if pair.relation != "same":
            continue
        score = score_for(pair.earlier.doc, pair.later.doc)
        score.same += 1
        hits = [linked[f] for f in found if f in linked]
        if hits:
            score.right += 1
            score.backwards += hits[0][0] not in earlier
        else:
            where = "" if found else " (a record not found in the database)"
            score.missed.append(f"{pair.earlier.doc} {pair.earlier.text[:45]!r} / {pair.later.doc} "
                                f"{pair.later.text[:45]!r}{where}")
    for f, link in linked.items():
        docs = sorted((alias_of.get(name_of.get(i, "?"), name_of.get(i, "?")) for i in link), key=rank)
        score = score_for(*docs)
        if relation.get(f) is None:
            score.wrong += 1
            score.wrong_links.append(" / ".join(repr((text_of.get(i) or "")[:45]) for i in link))
        elif relation[f] == "related":
            score.neutral += 1
    return sorted(scores.values(), key=lambda s: (rank(s.earlier), rank(s.later)))


def total(scores: list[PairScore]) -> PairScore:
    out = PairScore("all", "all")
    for s in scores:
        out += s
    return out


def score_database(url: str, truth_path: Path) -> dict[str, list[PairScore]]:
    truth = load_truth(truth_path)
    engine = create_engine(url)
    with engine.connect() as conn:
        actions, measures = db_actions(conn), db_measures(conn)
        out = {"actions": score_links(truth, "actions", actions, db_action_links(conn)),
               "measures": score_links(truth, "measures", measures, measure_links(measures))}
    engine.dispose()
    return out


def print_link_scores(scores: dict[str, list[PairScore]], console, misses: int = 0) -> None:
    from rich.table import Table

    for kind, title in (("actions", "Cross-year action links against samples/links.truth.yaml"),
                        ("measures", "Same KPI across documents against samples/links.truth.yaml")):
        table = Table(title=title)
        for col in ("earlier", "later", "same", "linked right", "related", "wrong", "backwards", "precision", "recall"):
            table.add_column(col, justify="left" if col in ("earlier", "later") else "right")
        rows = scores[kind] + [total(scores[kind])]
        for s in rows:
            table.add_row(s.earlier, s.later, str(s.same), str(s.right), str(s.neutral), str(s.wrong),
                          str(s.backwards) if kind == "actions" else "-",
                          "-" if s.precision is None else f"{s.precision:.3f}",
                          "-" if s.recall is None else f"{s.recall:.3f}")
        console.print(table)
        if misses:
            for s in scores[kind]:
                for line in s.missed[:misses]:
                    console.print(f"  missed {s.earlier}/{s.later}: {line}")
                for line in s.wrong_links[:misses]:
                    console.print(f"  wrong  {s.earlier}/{s.later}: {line}")
