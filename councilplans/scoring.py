"""Compare what landed in the database with hand-written expected JSON (`councilplans score`).

Expected records are matched to extracted ones in document order by text similarity
(rapidfuzz), so one missed row does not shift every later comparison. Every field the
expected format holds is scored on the matched pairs: level, refs, text, leads (as printed and
expanded), deadline (as printed and as dates), RAG, progress, next steps, measure of success;
KPIs by recall, precision, values and rating; and the document's own facts. A field an
expected record lists as "uncertain" is left out of that record's comparison.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import create_engine, text

MATCH_THRESHOLD = 60  # rapidfuzz ratio (0..100) below which two texts are different records
KPI_MATCH_THRESHOLD = 85  # indicator names are short and alike: a higher bar than action text
WINDOW = 12  # how far ahead in document order a match is looked for
FAR_MATCH_THRESHOLD = 95  # a record found out of order must be all but the same text
KPI_WINDOW = 40  # KPI rows are matched over a wider window: cards and tables order them differently

LIST_MARKS_RE = re.compile(r"(?:\s*;|\s*[-–•](?=\s|$)|\s)+")
TEXT_FIELDS = ["progress", "next_steps", "measure_of_success"]  # compared as normalised text, null == null
ID_FIELDS = ["level", "ref", "parent_ref", "priority_ref"]
FACTS = ["council", "doc_type", "plan_period_label", "period_start", "period_end", "status_as_of"]


def norm(value: str | None) -> str:
    """Compare text as printed words: quotes unified, whitespace and in-line list marks ('; ', ' - ',
    ' • ') treated alike, since a sub-list can be transcribed either way."""
    text = (value or "").replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(LIST_MARKS_RE.sub(" ", text).split())


@dataclass
class Tally:
    """How many compared values of one field agreed."""

    ok: int = 0
    of: int = 0

    def add(self, agreed: bool) -> None:
        self.ok += bool(agreed)
        self.of += 1

    def __iadd__(self, other: Tally) -> Tally:
        self.ok += other.ok
        self.of += other.of
        return self

    def ratio(self) -> float | None:
        return round(self.ok / self.of, 3) if self.of else None


@dataclass
class Score:
    document: str
    expected: int = 0
    extracted: int = 0
    matched: int = 0
    leads_expected: int = 0
    leads_extracted: int = 0
    leads_ok: int = 0
    expanded_expected: int = 0
    expanded_extracted: int = 0
    expanded_ok: int = 0
    kpi_expected: int = 0
    kpi_extracted: int = 0
    kpi_matched: int = 0
    fields: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[str] = field(default_factory=list)  # expected records not found
    disagreements: list[str] = field(default_factory=list)  # fields of matched records that differ

    def ratios(self) -> dict[str, float | None]:
        def r(a, b):
            return round(a / b, 3) if b else None

        def f1(p, q):
            return round(2 * p * q / (p + q), 3) if p is not None and q is not None and p + q else None

        lead_p, lead_r = r(self.leads_ok, self.leads_extracted), r(self.leads_ok, self.leads_expected)
        out = {
            "recall": r(self.matched, self.expected), "precision": r(self.matched, self.extracted),
            "exact_text": self.tally("text"), "rag": self.tally("rag"), "deadline": self.tally("deadline"),
            "deadline_raw": self.tally("deadline_raw"), "deadline_iso": self.tally("deadline_iso"),
            "lead_precision": lead_p, "lead_recall": lead_r, "lead_f1": f1(lead_p, lead_r),
            "lead_expanded_f1": f1(r(self.expanded_ok, self.expanded_extracted), r(self.expanded_ok, self.expanded_expected)),
        }
        out |= {name: self.tally(name) for name in ID_FIELDS + TEXT_FIELDS}
        out |= {"kpi_recall": r(self.kpi_matched, self.kpi_expected), "kpi_precision": r(self.kpi_matched, self.kpi_extracted),
                "kpi_values": self.tally("kpi_values"), "kpi_rag": self.tally("kpi_rag"), "facts": self.tally("facts")}
        return out

    def tally(self, name: str) -> float | None:
        return self.fields[name].ratio() if name in self.fields else None


def fetch_document(conn, sha: str) -> dict:
    row = conn.execute(text(
        "SELECT council, doc_type, plan_period AS plan_period_label, period_start, period_end, status_as_of "
        "FROM documents WHERE sha256 = :sha"), {"sha": sha}).mappings().first()
    return dict(row) if row else {}


def fetch_actions(conn, sha: str) -> list[dict]:
    rows = conn.execute(text(
        "SELECT v.action_id, v.ref, v.parent_ref, v.priority_ref, v.level, v.text, v.rag, v.deadline_raw, "
        "v.deadline_kind, v.deadline_start, v.deadline_end, v.progress, v.next_steps, a.measure_of_success "
        "FROM v_actions v JOIN actions a ON a.id = v.action_id "
        "WHERE v.doc_sha256 = :sha ORDER BY a.seq"), {"sha": sha}).mappings().all()
    leads, expanded = defaultdict(list), defaultdict(list)
    for action_id, raw, expanded_raw in conn.execute(text(
            "SELECT al.action_id, al.raw, al.expanded FROM action_leads al "
            "JOIN leads l ON l.id = al.lead_id JOIN actions a ON a.id = al.action_id "
            "JOIN documents d ON d.id = a.document_id WHERE d.sha256 = :sha ORDER BY al.action_id, al.position"),
            {"sha": sha}):
        leads[action_id].append(raw)
        expanded[action_id].append(expanded_raw or raw)
    return [dict(row) | {"leads": leads[row["action_id"]], "leads_expanded": expanded[row["action_id"]]} for row in rows]


def fetch_measures(conn, sha: str) -> list[dict]:
    """Every indicator in document order: name, rating and values by column label."""
    by_id: dict[int, dict] = {}
    for measure_id, name, rag, label, value in conn.execute(text(
            "SELECT m.id, m.name, m.rag, v.column_label, v.value_raw FROM measures m "
            "JOIN documents d ON d.id = m.document_id LEFT JOIN measure_values v ON v.measure_id = m.id "
            "WHERE d.sha256 = :sha ORDER BY m.seq, v.id"), {"sha": sha}):
        entry = by_id.setdefault(measure_id, {"name": name, "rag": rag, "values": {}})
        if label is not None:
            entry["values"][norm(label)] = norm(value)
    return list(by_id.values())


def match_in_order(expected: list[dict], extracted: list[dict], key: str = "text", threshold: int = MATCH_THRESHOLD,
                   window: int = WINDOW) -> list[tuple[dict, dict | None]]:
    """Greedy in-order alignment: each expected record takes the best unmatched one nearby."""
    pairs, cursor, used = [], 0, set()
    for exp in expected:
        best, best_score = None, threshold
        for j in range(max(0, cursor - window), min(len(extracted), cursor + window)):
            if j in used:
                continue
            score = fuzz.ratio(norm(exp[key]), norm(extracted[j][key]))
            if exp.get("ref") and exp["ref"] == extracted[j].get("ref"):
                score += 10
            if score > best_score:
                best, best_score = j, score
        if best is not None:
            used.add(best)
            cursor = best + 1
            pairs.append((exp, extracted[best]))
            continue
        # not near where the order says: anywhere, if the text is all but the same (the cursor stays)
        far = max((j for j in range(len(extracted)) if j not in used), default=None,
                  key=lambda j: fuzz.ratio(norm(exp[key]), norm(extracted[j][key])))
        if far is not None and fuzz.ratio(norm(exp[key]), norm(extracted[far][key])) >= FAR_MATCH_THRESHOLD:
            used.add(far)
            pairs.append((exp, extracted[far]))
        else:
            pairs.append((exp, None))
    return pairs


def iso(value) -> str | None:
    return str(value) if value else None


def deadline_iso_matches(exp: dict, got: dict) -> bool:
    d = exp.get("deadline") or {}
    return ((d.get("kind") or "none") == got["deadline_kind"]
            and (d.get("start") or None) == iso(got["deadline_start"]) and (d.get("end") or None) == iso(got["deadline_end"]))


def shown(record: dict, name: str):
    if name in ("deadline_iso", "deadline"):
        d = record.get("deadline") or {}
        return (d.get("kind"), d.get("start"), d.get("end")) if "deadline" in record else \
            (record["deadline_kind"], iso(record["deadline_start"]), iso(record["deadline_end"]))
    return (record.get(name) or "")[:60] if isinstance(record.get(name), str) else record.get(name)


def set_overlap(expected: list[str], got: list[str]) -> tuple[int, int, int]:
    exp, ours = {norm(x) for x in expected}, {norm(x) for x in got}
    return len(exp), len(ours), len(exp & ours)


def score_action(score: Score, exp: dict, got: dict) -> None:
    """Every field of one matched pair, except those the expected record marks uncertain."""
    doubtful = set(exp.get("uncertain") or [])
    tally = score.fields

    def check(name: str, agreed: bool) -> None:
        if name not in doubtful:
            tally[name].add(agreed)
            if not agreed:
                score.disagreements.append(f"{name} of {exp.get('ref')} {exp['text'][:40]!r}: "
                                           f"expected {shown(exp, name)!r}, got {shown(got, name)!r}")

    check("text", norm(exp["text"]) == norm(got["text"]))
    check("rag", (exp.get("rag") or None) == got["rag"])
    raw_ok = norm(exp.get("deadline_raw")) == norm(got["deadline_raw"])
    check("deadline_raw", raw_ok)
    if "deadline" not in doubtful:
        check("deadline_iso", deadline_iso_matches(exp, got))
        check("deadline", raw_ok and deadline_iso_matches(exp, got))
    for name in ID_FIELDS:
        check(name, (exp.get(name) or None) == (got[name] or None))
    for name in TEXT_FIELDS:
        check(name, norm(exp.get(name)) == norm(got[name]))
    if "leads" not in doubtful:
        e, g, ok = set_overlap(exp.get("leads") or [], got["leads"])
        score.leads_expected, score.leads_extracted, score.leads_ok = score.leads_expected + e, score.leads_extracted + g, score.leads_ok + ok
        if ok < max(e, g):
            score.disagreements.append(f"leads of {exp.get('ref')}: expected {exp.get('leads')}, got {got['leads']}")
        e, g, ok = set_overlap(exp.get("leads_expanded") or exp.get("leads") or [], got["leads_expanded"])
        score.expanded_expected += e
        score.expanded_extracted += g
        score.expanded_ok += ok
        if ok < max(e, g):
            score.disagreements.append(f"leads_expanded of {exp.get('ref')}: expected "
                                       f"{exp.get('leads_expanded') or exp.get('leads')}, got {got['leads_expanded']}")


def score_measures(score: Score, expected: list[dict], extracted: list[dict]) -> None:
    score.kpi_expected, score.kpi_extracted = len(expected), len(extracted)
    for exp, got in match_in_order(expected, extracted, key="name", threshold=KPI_MATCH_THRESHOLD, window=KPI_WINDOW):
        values = {norm(k): norm(v) for k, v in (exp.get("values") or {}).items()}
        if got is None:
            score.misses.append(f"missing KPI: {exp['name'][:70]}")
            for _ in values:
                score.fields["kpi_values"].add(False)
            continue
        score.kpi_matched += 1
        for label, value in values.items():
            score.fields["kpi_values"].add(got["values"].get(label) == value)
        if "rag" in exp and "rag" not in (exp.get("uncertain") or []):
            score.fields["kpi_rag"].add((exp["rag"] or None) == got["rag"])


def score_facts(score: Score, expected: dict, got: dict) -> None:
    period = expected.get("plan_period") or {}
    wanted = {"council": expected.get("council"), "doc_type": expected.get("doc_type"),
              "plan_period_label": period.get("label"), "period_start": period.get("start"),
              "period_end": period.get("end"), "status_as_of": expected.get("status_as_of")}
    doubtful = set(expected.get("uncertain") or [])
    for name in FACTS:
        if name not in doubtful and name in wanted:
            agreed = fact_norm(wanted[name]) == fact_norm(got.get(name))
            score.fields["facts"].add(agreed)
            if not agreed:
                score.misses.append(f"fact {name}: expected {wanted[name]!r}, got {got.get(name)!r}")


def fact_norm(value) -> str:
    """A fact as compared: '2009 – 2011', '2009-2011' and '2009 to 2011' are one label."""
    return norm(re.sub(r"\s*(?:[-–—]|\bto\b)\s*", "-", str(value or "")).lower())


def score_document(conn, pdf: Path, expected: dict, sha: str) -> Score:
    score = Score(document=pdf.name)
    extracted = fetch_actions(conn, sha)
    score.expected, score.extracted = len(expected["actions"]), len(extracted)
    for exp, got in match_in_order(expected["actions"], extracted):
        if got is None:
            score.leads_expected += len(exp.get("leads") or [])
            score.expanded_expected += len(exp.get("leads_expanded") or exp.get("leads") or [])
            score.misses.append(f"missing: {exp.get('ref')} {exp['text'][:70]}")
            continue
        score.matched += 1
        score_action(score, exp, got)
    score_measures(score, expected.get("measures") or [], fetch_measures(conn, sha))
    score_facts(score, expected, fetch_document(conn, sha))
    return score


def expected_files(folder: Path, expected_dir: Path | None = None) -> list[tuple[Path, Path]]:
    """(PDF, expected JSON) pairs: <stem>.expected.json beside each PDF, or in expected_dir."""
    pairs = []
    for pdf in sorted(Path(folder).glob("*.pdf")):
        exp = (Path(expected_dir) if expected_dir else pdf.parent) / f"{pdf.stem}.expected.json"
        if exp.exists():
            pairs.append((pdf, exp))
    return pairs


def score_folder(folder: Path, db_url: str, expected_dir: Path | None = None) -> list[Score]:
    from extract import sha256_of

    engine = create_engine(db_url)
    scores = []
    with engine.connect() as conn:
        for pdf, exp in expected_files(folder, expected_dir):
            scores.append(score_document(conn, pdf, json.loads(exp.read_text()), sha256_of(pdf)))
    engine.dispose()
    return scores


def overall(scores: list[Score]) -> Score:
    total = Score(document="OVERALL")
    for s in scores:
        for f in fields(Score):
            value = getattr(s, f.name)
            if isinstance(value, int):
                setattr(total, f.name, getattr(total, f.name) + value)
        for name, tally in s.fields.items():
            total.fields[name] += tally
    return total


ACTION_COLUMNS = ["recall", "precision", "exact_text", "level", "ref", "parent_ref", "priority_ref", "rag",
                  "deadline_raw", "deadline_iso", "lead_f1", "lead_expanded_f1", "progress", "next_steps",
                  "measure_of_success"]
OTHER_COLUMNS = ["kpi_recall", "kpi_precision", "kpi_values", "kpi_rag", "facts"]


def print_scores(scores: list[Score], console, misses: int = 0) -> None:
    from rich.table import Table

    rows = scores + [overall(scores)]
    for title, columns, count in (("Actions against expected JSON", ACTION_COLUMNS, lambda s: f"{s.expected}/{s.extracted}"),
                                  ("KPIs and document facts", OTHER_COLUMNS, lambda s: f"{s.kpi_expected}/{s.kpi_extracted}")):
        table = Table(title=title)
        table.add_column("document", no_wrap=True, max_width=34)
        table.add_column("exp/got")
        for col in columns:
            table.add_column(col.replace("_", " "), justify="right")
        for s in rows:
            ratios = s.ratios()
            table.add_row(s.document, count(s), *("-" if ratios[c] is None else f"{ratios[c]:.3f}" for c in columns))
        console.print(table)
    for s in scores:
        for line in s.misses[:misses] + s.disagreements[:misses]:
            console.print(f"  {s.document}: {line}")
