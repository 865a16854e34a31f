"""Stage 2: ExtractedDocument -> PlanDocument (priorities, actions, tasks, leads, deadlines, RAG, KPIs).

normalise_document is imported on first use: spaCy takes a second to import, and the loader
and a run over unchanged files need only the records.
"""

from importlib import import_module

from .records import NORMALISER_VERSION, PlanDocument


def __getattr__(name: str):
    if name == "normalise_document":
        return import_module(".plan", __name__).normalise_document
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["NORMALISER_VERSION", "PlanDocument", "normalise_document"]
