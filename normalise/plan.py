"""The whole of stage 2 for one document: facts, legends, tables and warnings into a PlanDocument."""

from __future__ import annotations

from extract.records import ExtractedDocument

from .document import cover_date, read_facts, status_as_of
from .grid import flat, row_cells
from .legends import read_legends
from .records import PlanDocument
from .refs import with_separators_restored
from .review import flag_low_confidence
from .walk import Walk, assemble, recurring_labels


def reported_at(doc: ExtractedDocument, walk: Walk):
    """The date the statuses and figures refer to: as a header or the opening text says, else the
    cover's date when the document reports any progress or status."""
    headers = walk.table_columns + [flat(c) for t in doc.tables for c in row_cells(t, 0) if c]
    said = status_as_of(headers, [ln.text for p in doc.pages[:3] for ln in p.lines])
    reports = any(a.progress or a.status_raw for a in walk.actions) or any(m.status_raw for m in walk.measures)
    return said or (cover_date(doc) if reports else None)


def normalise_document(doc: ExtractedDocument) -> PlanDocument:
    """Pure function of the extracted document: same input, same records."""
    facts = read_facts(doc)
    walk = assemble(doc, Walk(legends=read_legends(doc), period_end=facts.period_end,
                              known_priorities=facts.priorities, labels=recurring_labels(doc)))
    with_separators_restored(walk.actions)
    plan = PlanDocument(
        file_name=doc.file_name, sha256=doc.sha256, page_count=doc.page_count,
        title=facts.title, council=facts.council, doc_type=facts.doc_type,
        plan_period_label=facts.period_label, period_start=facts.period_start, period_end=facts.period_end,
        status_as_of=reported_at(doc, walk),
        table_columns=walk.table_columns, priorities=walk.priorities, actions=walk.actions,
        measures=walk.measures, generic_tables=walk.generic, tables=doc.tables,
        extractor_version=doc.extractor_version,
        warnings=list(doc.warnings),
    )
    flag_low_confidence(plan, doc)
    conflicts = [a for a in plan.actions if a.rag_conflict]
    if conflicts:
        plan.warnings.append(f"{len(conflicts)} rating(s) where the word and the fill colour disagree "
                             f"(word kept; see actions.rag_conflict), first on page {conflicts[0].page}")
    if walk.rating_conflicts:
        plan.warnings.append(f"{len(walk.rating_conflicts)} KPI rating(s) where the word and the fill colour disagree "
                             f"(word kept), first: {walk.rating_conflicts[0]}")
    if not plan.actions and not plan.measures:
        plan.warnings.append(
            f"no known action or KPI layout found; kept {len(plan.generic_tables)} table(s) as generic rows"
            if plan.generic_tables else "no tables found")
    return plan
