"""A varied benchmark corpus rendered by the samples' own generator.

Each document is a perturbed copy of one sample's expected JSON: priorities reordered,
action groups (an action with its tasks) dropped, shuffled and duplicated under new refs,
texts, leads, deadlines, RAG ratings and KPI values swapped or varied, rendered in one of the
generator's variants (A4 or US Letter, landscape or portrait tables, RAG as word or colour).
One document is a sample's action groups repeated until it runs past 500 pages (the memory target).

The corpus is a pure function of (seed, size, generator, samples): it is built once, in
parallel, into bench/corpus/<key>/ with a manifest, and reused while the key matches.

    python bench/corpus.py [--docs 200] [--seed 1] [--big-pages 500]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import importlib.util
import json
import random
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
CORPUS_ROOT = Path(__file__).resolve().parent / "corpus"
CORPUS_VERSION = "1"  # bump when the perturbations or the rendering here change
BIG_BASE = "cypp-2009-11-review-2010"  # 26 pages, one ruled table of many rows: repeats lay out cleanly
BIG_PAGES_PER_REPEAT = 21  # each repeat of its action groups adds about this many pages
VARIANT_WEIGHTS = {"standard": 2, "alt-columns": 1, "colour-only": 1}
KEEP_RANGE = (0.35, 0.85)  # share of a document's action groups kept
DUPLICATE_RANGE = (0.0, 0.4)  # share of groups printed a second time, under new refs
SWAP_CHANCE = 0.3  # chance that one field of an item is swapped with another item's
ATTEMPTS = 6  # a perturbation can make a row taller than a page: reportlab refuses, the next seed is tried


def load_generator():
    """samples/generate.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("councilplans_samples_generate", SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class DocSpec:
    """One corpus document: which sample it perturbs, how, and how it is rendered."""

    name: str
    base: str
    variant: str
    seed: int
    repeat: int = 1  # > 1: every action group printed this many times (the long document)


@dataclass
class Built:
    name: str
    pages: int
    bytes: int
    seconds: float
    attempt: int = 0  # seeds skipped because reportlab could not lay the perturbation out


def corpus_key(seed: int, docs: int, big_pages: int) -> str:
    """Names the corpus folder; changes with the generator, the samples or CORPUS_VERSION."""
    digest = hashlib.sha256(CORPUS_VERSION.encode())
    for path in [SAMPLES / "generate.py"] + sorted(SAMPLES.glob("*.expected.json")) \
            + sorted((SAMPLES / "source").glob("*.md")):
        digest.update(path.read_bytes())
    return f"seed{seed}-docs{docs}-big{big_pages}-{digest.hexdigest()[:10]}"


def plan_specs(seed: int, docs: int, big_pages: int, bases: list[str]) -> list[DocSpec]:
    """The document list: round-robin over the samples, a weighted-random variant each."""
    rng = random.Random(seed)
    variants = [v for v, w in VARIANT_WEIGHTS.items() for _ in range(w)]
    specs = []
    if big_pages:
        repeat = max(2, -(-big_pages // BIG_PAGES_PER_REPEAT))
        specs.append(DocSpec(f"000-{BIG_BASE}-x{repeat}", BIG_BASE, "standard", rng.randrange(1 << 30), repeat))
    while len(specs) < docs:
        base = bases[len(specs) % len(bases)]
        variant = rng.choice(variants)
        specs.append(DocSpec(f"{len(specs):03d}-{base}-{variant}", base, variant, rng.randrange(1 << 30)))
    return specs


# --------------------------------------------------------------------------- perturbations

def is_root(item: dict, refs: set) -> bool:
    """An action group starts at an action or priority area that is nobody's child."""
    return item["level"] != "task" and item.get("parent_ref") not in refs


def action_groups(actions: list[dict]) -> list[list[dict]]:
    """Split the action list into groups: a root item and the items that follow it up to the next root."""
    refs = {a["ref"] for a in actions if a["ref"]}
    groups: list[list[dict]] = []
    for item in actions:
        if is_root(item, refs) or not groups:
            groups.append([item])
        else:
            groups[-1].append(item)
    return groups


def next_refs(groups: list[list[dict]]) -> dict[str, int]:
    """Per ref prefix ('1.' of '1.7'), the next free trailing number among root refs."""
    counters: dict[str, int] = {}
    for group in groups:
        m = re.fullmatch(r"(.*?)(\d+)", group[0]["ref"] or "")
        if m:
            counters[m.group(1)] = max(counters.get(m.group(1), 0), int(m.group(2)) + 1)
    return counters


def renumbered(group: list[dict], counters: dict[str, int]) -> list[dict]:
    """A copy of the group under a fresh root ref ('1.7' -> '1.12', '2.3a' -> '2.3a-2'), its
    children's refs and parent refs following: a copy sharing its ref would collect every copy's tasks."""
    group = copy.deepcopy(group)
    old = group[0]["ref"]
    if not old:
        return group
    m = re.fullmatch(r"(.*?)(\d+)", old)
    prefix = m.group(1) if m else f"{old}-"
    counters.setdefault(prefix, 2)
    new = f"{prefix}{counters[prefix]}"
    counters[prefix] += 1
    group[0]["ref"] = new
    if group[0].get("ref_raw"):
        group[0]["ref_raw"] = group[0]["ref_raw"].replace(old, new, 1)
    for child in group[1:]:
        if child.get("parent_ref") == old:
            child["parent_ref"] = new
        if child.get("ref") and child["ref"].startswith(old + "."):
            child["ref"] = new + child["ref"][len(old):]
    return group


def vary_groups(groups: list[list[dict]], rng: random.Random, repeat: int) -> list[list[dict]]:
    """Drop, shuffle (within a priority) and duplicate groups; `repeat` > 1 prints each group that often."""
    counters = next_refs(groups)
    if repeat > 1:
        kept, extra = groups, [renumbered(g, counters) for g in groups for _ in range(repeat - 1)]
    else:
        keep = rng.uniform(*KEEP_RANGE)
        kept = [g for g in groups if rng.random() < keep] or groups[:1]
        extra = [renumbered(rng.choice(kept), counters) for _ in range(round(len(kept) * rng.uniform(*DUPLICATE_RANGE)))]
    by_priority: dict[str, list] = {}
    for group in kept + extra:
        by_priority.setdefault(group[0]["priority_ref"], []).append(group)
    out = []
    for priority_groups in by_priority.values():
        rng.shuffle(priority_groups)
        out += priority_groups
    return out


def shuffled_words(text: str, rng: random.Random) -> str:
    """The text with a short run of its words reversed: same length and vocabulary, new content."""
    words = text.split()
    if len(words) < 6:
        return text
    i = rng.randrange(len(words) - 4)
    words[i:i + 4] = reversed(words[i:i + 4])
    return " ".join(words)


def swap_fields(items: list[dict], fields: tuple[str, ...], rng: random.Random) -> None:
    """Swap these fields, as one unit, between random pairs of items (same level keeps the layout sane)."""
    for item in items:
        if rng.random() < SWAP_CHANCE:
            other = rng.choice(items)
            for f in fields:
                item[f], other[f] = other.get(f), item.get(f)


def vary_items(actions: list[dict], rng: random.Random) -> None:
    """Vary texts, leads, deadlines and ratings in place, each within items of one level."""
    ratings = sorted({a["rag"] for a in actions if a.get("rag")}) or ["Green"]
    for level in {a["level"] for a in actions}:
        same = [a for a in actions if a["level"] == level]
        swap_fields(same, ("leads", "leads_expanded", "leads_raw"), rng)
        swap_fields(same, ("deadline_raw", "deadline"), rng)
        swap_fields(same, ("progress",), rng)
        for item in same:
            if rng.random() < SWAP_CHANCE:
                item["text"] = shuffled_words(item["text"], rng)
            if item.get("rag") and rng.random() < SWAP_CHANCE:
                item["rag"] = rng.choice(ratings)


def varied_number(value: str, rng: random.Random) -> str:
    """A KPI value with its numbers moved a little, printed in the same form."""
    def move(m: re.Match) -> str:
        digits = m.group(0)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        return f"{float(digits) * rng.uniform(0.8, 1.2):.{decimals}f}"

    return re.sub(r"\d+(?:\.\d+)?", move, value) if isinstance(value, str) else value


def vary_measures(measures: list[dict], rng: random.Random) -> list[dict]:
    """Keep a share of the KPI rows (as a shorter plan would) and move some of their numbers."""
    keep = rng.uniform(*KEEP_RANGE)
    measures = [m for m in measures if rng.random() < keep]
    for measure in measures:
        for label, value in list((measure.get("values") or {}).items()):
            if rng.random() < SWAP_CHANCE:
                measure["values"][label] = varied_number(value, rng)
    return measures


def perturbed(doc: dict, spec: DocSpec) -> dict:
    """A new document of the same layout family with different content."""
    rng = random.Random(spec.seed)
    doc = copy.deepcopy(doc)
    groups = vary_groups(action_groups(doc["actions"]), rng, spec.repeat)
    doc["actions"] = [item for group in groups for item in group]
    if spec.repeat == 1:
        vary_items(doc["actions"], rng)
        doc["measures"] = vary_measures(doc.get("measures") or [], rng)
        if rng.random() < 0.5:
            rng.shuffle(doc["priorities"])
    for group in groups:  # cef prints an action's own task rows by matching their parent's text
        for child in group[1:]:
            if child.get("parent_text"):
                child["parent_text"] = group[0]["text"]
    return doc


# --------------------------------------------------------------------------- rendering

def render(spec: DocSpec, out_dir: Path) -> Built:
    """Render one spec; when reportlab cannot lay out a perturbation, try the next seed (deterministic)."""
    started = time.perf_counter()
    gen = load_generator()
    error = None
    for attempt in range(ATTEMPTS):
        try:
            pages = render_once(gen, replace(spec, seed=spec.seed + attempt), out_dir)
            path = out_dir / f"{spec.name}.pdf"
            return Built(spec.name, pages, path.stat().st_size, time.perf_counter() - started, attempt)
        except Exception as exc:  # reportlab's LayoutError, or a TypeError while it words one
            error = exc
    raise RuntimeError(f"{spec.name}: no layout after {ATTEMPTS} seeds: {error}")


def render_once(gen, spec: DocSpec, out_dir: Path) -> int:
    """Render with the generator's own story builder and page templates; returns the page count."""
    base = json.loads((SAMPLES / f"{spec.base}.expected.json").read_text(encoding="utf-8"))
    narrative_path = SAMPLES / "source" / f"{spec.base}.narrative.md"
    narrative = narrative_path.read_text(encoding="utf-8") if narrative_path.exists() else f"# {base['title']}\n"
    doc = perturbed(base, spec)
    rendering = gen.VARIANTS[spec.variant]
    gen.use_standard_bullet_code()
    gen.register_fonts()
    styles = gen.Styles(rendering)
    tmp = out_dir / f"{spec.name}.tmp"
    template = gen.PlanDocTemplate(tmp, doc, rendering, styles)
    widths = {t: template.frame_width(t) for t in ("narrative", "tables")}
    template.build(gen.build_story(doc, narrative, styles, rendering, widths))
    tmp.replace(out_dir / f"{spec.name}.pdf")
    return template.page


def build_corpus(seed: int = 1, docs: int = 200, big_pages: int = 500, workers: int = 2,
                 root: Path = CORPUS_ROOT, log=print) -> tuple[Path, list[dict]]:
    """The corpus folder and its manifest rows (name, pages, bytes), building what is missing."""
    folder = root / corpus_key(seed, docs, big_pages)
    manifest = folder / "manifest.json"
    if manifest.exists():
        rows = json.loads(manifest.read_text())["documents"]
        if all((folder / f"{r['name']}.pdf").exists() for r in rows):
            return folder, rows
    folder.mkdir(parents=True, exist_ok=True)
    bases = [p.name.removesuffix(".expected.json") for p in sorted(SAMPLES.glob("*.expected.json"))]
    specs = plan_specs(seed, docs, big_pages, bases)
    started = time.perf_counter()
    log(f"building corpus {folder.name}: {len(specs)} documents on {workers} processes ...")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        built = list(pool.map(render, specs, [folder] * len(specs)))
    rows = [asdict(b) for b in built]
    manifest.write_text(json.dumps({"seed": seed, "specs": [asdict(s) for s in specs], "documents": rows}, indent=1))
    log(f"built {len(rows)} documents, {sum(r['pages'] for r in rows)} pages in {time.perf_counter() - started:.0f} s")
    return folder, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--big-pages", type=int, default=500, help="pages of the long document (0: none)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    folder, rows = build_corpus(args.seed, args.docs, args.big_pages, args.workers)
    print(f"{folder}: {len(rows)} documents, {sum(r['pages'] for r in rows)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
