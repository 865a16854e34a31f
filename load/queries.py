"""The questions analysts ask, as SQL over the views (shared by the CLI, README and Datasette)."""

THEME = """
SELECT v.document, v.plan_period, v.ref, v.level, v.text, v.leads, v.deadline_raw, v.rag
FROM v_actions v
WHERE lower(v.text) LIKE :pattern AND v.level <> 'priority_area'
ORDER BY v.period_start, v.document, v.action_id
"""

SLIPPAGE = """
SELECT s.earlier_document, s.earlier_ref, s.earlier_deadline, s.later_document, s.later_ref, s.later_deadline,
       s.months_slipped, s.earlier_text, s.later_text, ROUND(s.score, 1) AS score, s.action_id, s.linked_action_id
FROM v_slippage s
ORDER BY s.months_slipped DESC, s.earlier_document, s.action_id, s.linked_action_id
"""

# The same, narrow enough for a terminal (`councilplans slippage`).
SLIPPAGE_SUMMARY = """
SELECT s.earlier_document, s.earlier_ref, s.earlier_deadline, s.later_document, s.later_ref, s.later_deadline,
       s.months_slipped, s.earlier_text
FROM v_slippage s
ORDER BY s.months_slipped DESC, s.earlier_document, s.action_id, s.linked_action_id
"""

# Ratings of actions and tasks; a rated priority area (a progress review's "area of focus") sums up
# the tasks under it and would count them twice.
RAG_TREND = """
SELECT v.plan_period, v.period_start, v.priority_ref, v.priority_title,
       SUM(CASE WHEN v.rag = 'Red' THEN 1 ELSE 0 END) AS red,
       SUM(CASE WHEN v.rag = 'Amber' THEN 1 ELSE 0 END) AS amber,
       SUM(CASE WHEN v.rag = 'Green' THEN 1 ELSE 0 END) AS green,
       SUM(CASE WHEN v.rag = 'Blue' THEN 1 ELSE 0 END) AS blue,
       COUNT(*) AS rated
FROM v_actions v
WHERE v.rag IS NOT NULL AND v.level <> 'priority_area'
GROUP BY v.plan_period, v.period_start, v.priority_ref, v.priority_title
ORDER BY v.period_start, v.plan_period, LENGTH(v.priority_ref), v.priority_ref
"""

# Indicators reported by more than one document, over the years.
MEASURE_SERIES = """
SELECT s.indicator_id, s.indicator, s.period, s.value_kind, s.value_raw, s.value_num, s.document
FROM v_measure_series s
WHERE s.indicator_id IN (SELECT mi.indicator_id FROM measure_indicators mi JOIN measures m ON m.id = mi.measure_id
                         GROUP BY mi.indicator_id HAVING COUNT(DISTINCT m.document_id) > 1)
ORDER BY s.indicator, s.period, s.value_kind
"""

LEAD_ACTIONS = """
SELECT v.document, v.plan_period, v.ref, v.level, v.text, v.leads, v.deadline_raw, v.rag
FROM v_actions v
WHERE lower(v.leads) LIKE :pattern OR lower(v.leads_raw) LIKE :pattern
ORDER BY v.period_start, v.document, v.action_id
"""
