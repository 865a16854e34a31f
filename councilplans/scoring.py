"""Compare what landed in the database with hand-written expected JSON (`make score`).

Expected records are matched to extracted ones in document order by text similarity
(rapidfuzz), so one missed row does not shift every later comparison.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import create_engine, text

MATCH_THRESHOLD = 60  # rapidfuzz ratio (0..100) below which two texts are different records
WINDOW = 12  # how far ahead in document order a match is looked for


LIST_MARKS_RE = re.compile(r"(?:\s*;|\s*[-–•](?=\s|$)|\s)+")


def norm(value: str | None) -> str:
    """Compare text as printed words: quotes unified, whitespace and in-line list marks ('; ', ' - ',
    ' • ') treated alike, since a sub-list can be transcribed either way."""
    text = (value or "").replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(LIST_MARKS_RE.sub(" ", text).split())


@dataclass
class Score:
    document: str
    expected: int = 0
    extracted: int = 0
    matched: int = 0
    exact_text: int = 0
    rag_ok: int = 0
    deadline_ok: int = 0
    leads_expected: int = 0
    leads_extracted: int = 0
    leads_ok: int = 0
    kpi_expected: int = 0
    kpi_matched: int = 0
    kpi_values: int = 0
    kpi_values_ok: int = 0
    misses: list[str] = field(default_factory=list)

    def ratios(self) -> dict[str, float | None]:
        def r(a, b):
            return round(a / b, 3) if b else None
        return {
            "recall": r(self.matched, self.expected), "precision": r(self.matched, self.extracted),
            "exact_text": r(self.exact_text, self.matched), "rag": r(self.rag_ok, self.matched),
            "deadline": r(self.deadline_ok, self.matched), "lead_precision": r(self.leads_ok, self.leads_extracted),
            "lead_recall": r(self.leads_ok, self.leads_expected), "kpi_recall": r(self.kpi_matched, self.kpi_expected),
            "kpi_values": r(self.kpi_values_ok, self.kpi_values),
        }


def fetch_actions(conn, sha: str) -> list[dict]:
    rows = conn.execute(text(
        "SELECT v.action_id, v.ref, v.level, v.text, v.rag, v.deadline_raw, v.deadline_kind, v.deadline_start, "
        "v.deadline_end FROM v_actions v JOIN actions a ON a.id = v.action_id "
        "WHERE v.doc_sha256 = :sha ORDER BY a.seq"), {"sha": sha}).mappings().all()
    leads = defaultdict(list)
    for action_id, raw in conn.execute(text(
            "SELECT al.action_id, al.raw FROM action_leads al JOIN actions a ON a.id = al.action_id "
            "JOIN documents d ON d.id = a.document_id WHERE d.sha256 = :sha ORDER BY al.action_id, al.position"),
            {"sha": sha}):
        leads[action_id].append(raw)
    return [dict(row) | {"leads": leads[row["action_id"]]} for row in rows]


def fetch_measures(conn, sha: str) -> dict[str, list[dict[str, str]]]:
    """name -> the value dicts of every indicator of that name (a plan may repeat one in an appendix)."""
    by_id: dict[int, tuple[str, dict[str, str]]] = {}
    for measure_id, name, label, value in conn.execute(text(
            "SELECT m.id, m.name, v.column_label, v.value_raw FROM measures m JOIN documents d ON d.id = m.document_id "
            "LEFT JOIN measure_values v ON v.measure_id = m.id WHERE d.sha256 = :sha ORDER BY m.id"), {"sha": sha}):
        entry = by_id.setdefault(measure_id, (norm(name), {}))
        if label is not None:
            entry[1][norm(label)] = norm(value)
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for name, values in by_id.values():
        out[name].append(values)
    return out


def match_in_order(expected: list[dict], extracted: list[dict]) -> list[tuple[dict, dict | None]]:
    """Greedy in-order alignment: each expected record takes the best unmatched one nearby."""
    pairs, cursor, used = [], 0, set()
    for exp in expected:
        best, best_score = None, MATCH_THRESHOLD
        for j in range(max(0, cursor - WINDOW), min(len(extracted), cursor + WINDOW)):
            if j in used:
                continue
            score = fuzz.ratio(norm(exp["text"]), norm(extracted[j]["text"]))
            if exp.get("ref") and exp["ref"] == extracted[j]["ref"]:
                score += 10
            if score > best_score:
                best, best_score = j, score
        if best is None:
            pairs.append((exp, None))
        else:
            used.add(best)
            cursor = best + 1
            pairs.append((exp, extracted[best]))
    return pairs


def deadline_matches(exp: dict, got: dict) -> bool:
    d = exp.get("deadline") or {}
    return (norm(exp.get("deadline_raw")) == norm(got["deadline_raw"])
            and (d.get("kind") or "none") == got["deadline_kind"]
            and (d.get("start") or None) == (str(got["deadline_start"]) if got["deadline_start"] else None)
            and (d.get("end") or None) == (str(got["deadline_end"]) if got["deadline_end"] else None))


def score_document(conn, pdf: Path, expected: dict, sha: str) -> Score:
    score = Score(document=pdf.name)
    extracted = fetch_actions(conn, sha)
    score.expected, score.extracted = len(expected["actions"]), len(extracted)
    for exp, got in match_in_order(expected["actions"], extracted):
        exp_leads = [norm(x) for x in exp.get("leads") or []]
        score.leads_expected += len(exp_leads)
        if got is None:
            score.misses.append(f"missing: {exp.get('ref')} {exp['text'][:70]}")
            continue
        score.matched += 1
        score.exact_text += norm(exp["text"]) == norm(got["text"])
        score.rag_ok += (exp.get("rag") or None) == got["rag"]
        score.deadline_ok += deadline_matches(exp, got)
        got_leads = [norm(x) for x in got["leads"]]
        score.leads_extracted += len(got_leads)
        score.leads_ok += len(set(exp_leads) & set(got_leads))
    measures = fetch_measures(conn, sha)
    for m in expected.get("measures") or []:
        score.kpi_expected += 1
        values = {norm(k): norm(v) for k, v in (m.get("values") or {}).items()}
        score.kpi_values += len(values)
        candidates = measures.get(norm(m["name"])) or []
        if not candidates:
            score.misses.append(f"missing KPI: {m['name'][:70]}")
            continue
        best = max(candidates, key=lambda got: sum(got.get(k) == v for k, v in values.items()))
        candidates.remove(best)
        score.kpi_matched += 1
        score.kpi_values_ok += sum(best.get(k) == v for k, v in values.items())
    return score


def score_folder(folder: Path, db_url: str) -> list[Score]:
    from extract import sha256_of

    engine = create_engine(db_url)
    scores = []
    with engine.connect() as conn:
        for exp_path in sorted(Path(folder).glob("*.expected.json")):
            pdf = exp_path.with_name(exp_path.name.replace(".expected.json", ".pdf"))
            if pdf.exists():
                scores.append(score_document(conn, pdf, json.loads(exp_path.read_text()), sha256_of(pdf)))
    engine.dispose()
    return scores


def overall(scores: list[Score]) -> Score:
    total = Score(document="OVERALL")
    for s in scores:
        for name in Score.__dataclass_fields__:
            if isinstance(getattr(s, name), int):
                setattr(total, name, getattr(total, name) + getattr(s, name))
    return total


def print_scores(scores: list[Score], console, misses: int = 0) -> None:
    from rich.table import Table

    table = Table(title="Extraction scores against expected JSON")
    columns = list(Score(document="").ratios())
    table.add_column("document")
    table.add_column("exp/got")
    for col in columns:
        table.add_column(col)
    for s in scores + [overall(scores)]:
        ratios = s.ratios()
        table.add_row(s.document, f"{s.expected}/{s.extracted}", *("-" if ratios[c] is None else f"{ratios[c]:.3f}" for c in columns))
    console.print(table)
    for s in scores:
        for line in s.misses[:misses]:
            console.print(f"  {s.document}: {line}")
