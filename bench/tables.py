"""`make bench` (tables): pages per second of `councilplans tables` against camelot's lattice and
stream parsers on the same pages of the same PDFs, in one run.

    python bench/tables.py [--quick] [--out bench/tables_results.json] [--timeout 600]

Each (tool, document) runs in a fresh child process, so no tool's imports or caches help another:
ours is `councilplans.tables.read_tables` (the export's own call, the pipeline's per-document
extraction, no cache), camelot is `camelot.read_pdf(flavor="lattice" | "stream")` on the same
page list. The time counted is the call itself (wall and CPU), not the interpreter's start-up or
the imports (for ours, the stage modules a pipeline worker preloads), which are reported apart
(`import_s`). A document a tool cannot read (encrypted, a
timeout) is reported and left out of every tool's totals, so the totals cover the same pages.

Sets: samples/ and the ICDAR 2013 files of ../shared/realworld (--quick: two samples and the
ICDAR files, at most 5 pages of each), and without --quick the other real-world PDFs too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SAMPLES = ROOT / "samples"
REALWORLD = ROOT.parent / "shared" / "realworld" / "pdfs"
OUT = BENCH / "tables_results.json"
QUICK_OUT = BENCH / "corpus" / "tables-results-quick.json"
TOOLS = ("councilplans", "camelot-lattice", "camelot-stream")
QUICK_PAGES = 5  # pages per document in --quick
QUICK_SAMPLES = ("cef-portfolio-plan-2018-22.pdf", "ecf-portfolio-plan-update-2017-18.pdf")


def run_one(tool: str, path: str, pages: str) -> dict:
    """In the child: import the tool, then time one call on the pages; the tables it found."""
    started = time.perf_counter()
    if tool == "councilplans":
        from importlib import import_module

        from councilplans.document import STAGE_MODULES
        from councilplans.tables import read_tables

        for name in STAGE_MODULES:  # what a pipeline worker has loaded before its first document
            import_module(name)

        def call():
            return [(t.n_rows, t.n_cols) for t in read_tables(path, pages=pages)]
    else:
        import warnings

        import camelot

        warnings.simplefilter("ignore")  # camelot warns on every page without a table

        def call():
            return [t.shape for t in camelot.read_pdf(path, pages=pages, flavor=tool.split("-")[1])]
    import_s = time.perf_counter() - started
    wall, cpu = time.perf_counter(), time.process_time()
    shapes = call()
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "import_s": import_s,
            "tables": len(shapes), "cells": sum(r * c for r, c in shapes)}


def page_count(path: Path) -> int:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except Exception:
        return 0
    try:
        return len(pdf)
    finally:
        pdf.close()


def child(tool: str, path: Path, pages: str, timeout: float) -> dict:
    """One measurement in a fresh interpreter; an error or timeout comes back as its reason."""
    try:
        out = subprocess.run([sys.executable, __file__, "--one", tool, str(path), pages], capture_output=True,
                             text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:200]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def documents(quick: bool) -> list[tuple[Path, str, int]]:
    """(pdf, camelot page list, pages) of each document measured."""
    paths = sorted(SAMPLES.glob("*.pdf")) if not quick else [SAMPLES / name for name in QUICK_SAMPLES]
    if REALWORLD.is_dir():
        icdar = sorted(REALWORLD.glob("icdar_*.pdf"))
        paths += icdar if quick else icdar + sorted(p for p in REALWORLD.glob("*.pdf") if p not in icdar)
    out = []
    for path in paths:
        count = page_count(path)
        if count:
            n = min(count, QUICK_PAGES) if quick else count
            out.append((path, f"1-{n}" if n > 1 else "1", n))
    return out


def summarise(rows: list[dict]) -> dict:
    """Per tool, over the documents every tool read: pages, seconds, pages per second."""
    common = [r for r in rows if all("error" not in r[t] for t in TOOLS)]
    pages = sum(r["pages"] for r in common)
    summary = {"documents": len(common), "pages": pages,
               "left_out": {r["pdf"]: {t: r[t]["error"] for t in TOOLS if "error" in r[t]}
                            for r in rows if r not in common}}
    for tool in TOOLS:
        wall = sum(r[tool]["wall_s"] for r in common)
        cpu = sum(r[tool]["cpu_s"] for r in common)
        summary[tool] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "pages_per_s": round(pages / wall, 2) if wall else None,
                         "pages_per_cpu_s": round(pages / cpu, 2) if cpu else None,
                         "tables": sum(r[tool]["tables"] for r in common),
                         "mean_import_s": round(sum(r[tool]["import_s"] for r in common) / len(common), 2)
                         if common else None}
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"two samples and the ICDAR files, {QUICK_PAGES} pages each")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds one tool may take on one document")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--one", nargs=3, metavar=("TOOL", "PDF", "PAGES"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return 0
    rows = []
    print(f"{'pdf':46} {'pages':>5} " + " ".join(f"{t + ' s':>18}" for t in TOOLS))
    for path, pages, n in documents(args.quick):
        row = {"pdf": path.name, "pages": n, "page_list": pages}
        for tool in TOOLS:
            row[tool] = child(tool, path, pages, args.timeout)
        rows.append(row)
        cells = [f"{r['wall_s']:7.2f} ({r['tables']:>3} t)" if "error" not in r else f"{r['error'][:18]:>18}"
                 for r in (row[t] for t in TOOLS)]
        print(f"{path.name[:46]:46} {n:>5} " + " ".join(f"{c:>18}" for c in cells), flush=True)
    summary = summarise(rows)
    print(f"\nover {summary['documents']} documents, {summary['pages']} pages read by every tool:")
    for tool in TOOLS:
        s = summary[tool]
        print(f"  {tool:16} {s['pages_per_s']:>7} pages/s ({s['pages_per_cpu_s']} per CPU s), "
              f"{s['wall_s']} s, {s['tables']} tables; imports {s['mean_import_s']} s a process")
    for pdf, errors in summary["left_out"].items():
        print(f"  left out {pdf}: " + "; ".join(f"{t}: {e}" for t, e in errors.items()))
    out = args.out or (QUICK_OUT if args.quick else OUT)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"quick": args.quick, "summary": summary, "documents": rows}, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
