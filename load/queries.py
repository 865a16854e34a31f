"""The questions analysts ask, as SQL over the views (shared by the CLI, README and Datasette)."""

THEME = """
SELECT v.document, v.plan_period, v.ref, v.level, v.text, v.leads, v.deadline_raw, v.rag
FROM v_actions v
WHERE lower(v.text) LIKE :pattern AND v.level <> 'priority_area'
ORDER BY v.period_start, v.document, v.action_id
"""

SLIPPAGE = """
SELECT l.document AS earlier_document, l.ref AS earlier_ref, e.deadline_raw AS earlier_deadline,
       l.linked_document AS later_document, l.linked_ref AS later_ref, n.deadline_raw AS later_deadline,
       l.text AS earlier_text, l.linked_text AS later_text, l.score
FROM v_action_links l
JOIN v_actions e ON e.action_id = l.action_id
JOIN v_actions n ON n.action_id = l.linked_action_id
WHERE e.deadline_end IS NOT NULL AND n.deadline_end IS NOT NULL AND n.deadline_end > e.deadline_end
ORDER BY l.score DESC
"""

RAG_TREND = """
SELECT v.plan_period, v.period_start, v.priority_ref, v.priority_title,
       SUM(CASE WHEN v.rag = 'Red' THEN 1 ELSE 0 END) AS red,
       SUM(CASE WHEN v.rag = 'Amber' THEN 1 ELSE 0 END) AS amber,
       SUM(CASE WHEN v.rag = 'Green' THEN 1 ELSE 0 END) AS green,
       SUM(CASE WHEN v.rag = 'Blue' THEN 1 ELSE 0 END) AS blue
FROM v_actions v
WHERE v.rag IS NOT NULL
GROUP BY v.plan_period, v.period_start, v.priority_ref, v.priority_title
ORDER BY v.period_start, v.priority_ref
"""

LEAD_ACTIONS = """
SELECT v.document, v.plan_period, v.ref, v.level, v.text, v.leads, v.deadline_raw, v.rag
FROM v_actions v
WHERE lower(v.leads) LIKE :pattern OR lower(v.leads_raw) LIKE :pattern
ORDER BY v.period_start, v.document, v.action_id
"""
