"""councilplans: council plan PDFs into a database; and every table in them as data.

`from councilplans import read_tables` reads a PDF's tables in camelot's habit
(councilplans/tables.py); it is imported on first use, so `import councilplans` stays cheap.
"""

from importlib import import_module

__all__ = ["read_tables", "Table", "TableList"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module(".tables", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
