"""Stage 3: PlanDocument -> database (SQLAlchemy models, analyst views, idempotent loads)."""

from .links import link_actions
from .db import (
    DEFAULT_URL, drop_document, finish_run, is_current, layout_of, load_document, open_database, record_error,
    start_run, touch_document,
)
from .sources import DocumentSource, record_sources

__all__ = [
    "DEFAULT_URL", "drop_document", "link_actions", "finish_run", "is_current", "layout_of", "load_document",
    "open_database", "record_error", "start_run", "touch_document", "DocumentSource", "record_sources",
]
