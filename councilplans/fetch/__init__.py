"""Fetch a council's committee papers from its ModernGov site (`councilplans fetch`).

- `http.py`: the one polite, site-bound HTTP client (User-Agent, delay, robots.txt, retries);
- `moderngov.py`: committees, meetings and papers read from the web service or the HTML pages;
- `match.py` + `match.yaml`: which papers to keep, by words in their titles;
- `paths.py`: safe file names inside the output folder;
- `manifest.py`: the JSON-lines manifest beside the papers, read again by `councilplans run`;
- `fetcher.py`: discovery, then one conditional download after another;
- `command.py`: the typer command.

Importing this package imports nothing that needs the network; `fetch_site` is loaded on use.
"""

from __future__ import annotations

__all__ = ["fetch_site"]


def __getattr__(name: str):
    if name == "fetch_site":
        from .fetcher import fetch_site

        return fetch_site
    raise AttributeError(name)
