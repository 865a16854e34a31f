#!/usr/bin/env python3
"""Check that a rendering prints every value its expected JSON holds.

    python tests/renderings/check_text.py [VARIANT ...] [--key DOC_KEY] [-v]

For each PDF of a variant (docx, html, slides, kpi-cards) the text is taken with pdftotext
(both its raw content-stream order and its default reading order) and every action text,
deadline, lead, progress / next-steps / measure-of-success text, RAG word (except in the
html variant, where a rating is only a colour), KPI name and KPI value of the expected file
must be found in it; for kpi-cards also each card's value labels, rating word and
direction arrow (↑ ↓ →), counted. Text is compared as words: whitespace, quotes and list marks
(• – - ;) are normalised. A value broken by a page or slide break (a row split across pages
prints the rest of its cell after the other cells of that row) is accepted when it is found
as at most four consecutive pieces, and reported as 'split'.

docx, html and slides are checked against samples/<key>.expected.json; kpi-cards against
its own tests/renderings/kpi-cards/<key>.expected.json. Exit status 1 if anything is missing.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "samples"
VARIANTS = ["docx", "html", "slides", "kpi-cards"]
MARKS_RE = re.compile(r"(?:\s*;|\s*[-–•✓](?=\s|$)|\s)+")


def norm(text: str | None) -> str:
    t = unicodedata.normalize("NFKC", text or "")
    t = t.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("\u00ad", "")
    t = re.sub(r"^[•–-]\s*", " ", t)
    return " ".join(MARKS_RE.sub(" ", t).split())


def pdf_text(pdf: Path, *opts: str) -> str:
    out = subprocess.run(["pdftotext", *opts, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                         check=True)
    # a line broken after a hyphen ('2018-' / '22') reads as one word again
    return re.sub(r"(\w[-‐/])[ \t]*\n[ \t]*(?=\w)", r"\1", out.stdout)


def find(needle: str, hays: list[str]) -> str:
    """'ok', 'split' (found as up to four consecutive pieces, in order) or 'missing'."""
    n = norm(needle)
    if not n:
        return "ok"
    if any(n in h for h in hays):
        return "ok"
    # a line may wrap where the text has no space ('needed.(completed)'): compare without spaces
    if any(n.replace(" ", "") in h.replace(" ", "") for h in hays):
        return "ok"
    words = n.split()

    def pieces(h: str, i: int, pos: int, left: int) -> bool:
        if i == len(words):
            return True
        if left == 0:
            return False
        found = [k for k in range(i + 1, len(words) + 1) if h.find(" ".join(words[i:k]), pos) >= 0]
        # a prefix that is found has every shorter prefix found too: try the longest first
        for k in sorted(found, reverse=True)[:30]:
            at = h.find(" ".join(words[i:k]), pos)
            if pieces(h, k, at + len(" ".join(words[i:k])), left - 1):
                return True
        return False

    return "split" if any(pieces(h, 0, 0, 4) for h in hays) else "missing"


def expected_path(variant: str, key: str) -> Path:
    if variant == "kpi-cards":
        return HERE / "kpi-cards" / f"{key}.expected.json"
    return SAMPLES / f"{key}.expected.json"


def checks(doc: dict, variant: str) -> list[tuple[str, str]]:
    """(what, value) pairs that must be printed."""
    out = []
    for a in doc.get("actions") or []:
        tag = f"action {a.get('ref') or ''} {a['text'][:40]!r}"
        out.append((f"{tag} text", a["text"]))
        if a.get("deadline_raw"):
            out.append((f"{tag} deadline", a["deadline_raw"]))
        for lead in a.get("leads") or []:
            out.append((f"{tag} lead", lead))
        for f in ("progress", "next_steps", "measure_of_success"):
            if a.get(f):
                out.append((f"{tag} {f}", a[f]))
    for m in doc.get("measures") or []:
        tag = f"KPI {m.get('ref') or ''} {m['name'][:40]!r}"
        out.append((f"{tag} name", m["name"]))
        for label, v in (m.get("values") or {}).items():
            out.append((f"{tag} {label}", v))
            if variant == "kpi-cards":
                out.append((f"{tag} label {label}", label))
    return out


def rag_counts(doc: dict, variant: str) -> Counter:
    if variant == "html":
        return Counter()
    c = Counter(a["rag"] for a in doc.get("actions") or [] if a.get("rag"))
    c += Counter(m["rag"].upper() for m in doc.get("measures") or [] if m.get("rag"))
    return c


def check(variant: str, key: str, verbose: bool = False) -> tuple[int, int, int]:
    pdf = HERE / variant / f"{key}.pdf"
    doc = json.loads(expected_path(variant, key).read_text(encoding="utf-8"))
    raw, default = pdf_text(pdf, "-raw"), pdf_text(pdf)
    hays = [norm(raw), norm(default)]
    ok = split = 0
    missing = []
    for what, value in checks(doc, variant):
        r = find(value, hays)
        if r == "ok":
            ok += 1
        elif r == "split":
            split += 1
            if verbose:
                print(f"    split: {what}: {value[:80]!r}")
        else:
            missing.append((what, value))
    words = Counter(re.findall(r"\b(Red|Amber|Green|Blue|RED|AMBER|GREEN)\b", raw))
    for rating, n in rag_counts(doc, variant).items():
        if words[rating] < n:
            missing.append((f"RAG word {rating}", f"{n} expected, {words[rating]} printed"))
        else:
            ok += 1
    arrows = Counter(ch for ch in raw if ch in "↑↓→")
    for d, ch in (("up", "↑"), ("down", "↓"), ("same", "→")):
        n = sum(1 for m in doc.get("measures") or [] if m.get("direction") == d)
        if n and arrows[ch] < n:
            missing.append((f"direction arrow {ch}", f"{n} expected, {arrows[ch]} printed"))
        elif n:
            ok += 1
    status = "OK " if not missing else "BAD"
    print(f"{status} {variant}/{key}.pdf: {ok} found, {split} split over a page break, {len(missing)} missing")
    for what, value in missing[:25]:
        print(f"    missing: {what}: {value[:100]!r}")
    if len(missing) > 25:
        print(f"    ... and {len(missing) - 25} more")
    return ok, split, len(missing)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    keys = []
    if "--key" in argv:
        keys = [argv[argv.index("--key") + 1]]
    variants = [a for a in argv if a in VARIANTS] or VARIANTS
    bad = 0
    for variant in variants:
        for pdf in sorted((HERE / variant).glob("*.pdf")):
            if keys and pdf.stem not in keys:
                continue
            bad += check(variant, pdf.stem, verbose)[2]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
