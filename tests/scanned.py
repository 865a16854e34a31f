"""Make a "scanned" copy of a sample PDF: each page rendered to a slightly rotated, noisy image
and wrapped as an image-only PDF, so OCR is tested on the same content as the expected JSON.

    python -m tests.scanned samples/ecf-portfolio-plan-update-2017-18.pdf /tmp/ecf-scan.pdf --dpi 200 [--ocr]

What a scanner adds and OCR has to undo: a small skew (alternating sign page by page), sensor
noise and JPEG compression; the page size in points is kept, so boxes compare with the original.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

from extract import sha256_of
from extract.pdf import read_scanned_page
from extract.records import ExtractedDocument, ExtractedPage

DEFAULT_DPI = 200
DEFAULT_ANGLE = 0.6  # degrees: a sheet fed a little crooked
DEFAULT_NOISE = 8.0  # standard deviation of the grey noise, in 0..255 levels
JPEG_QUALITY = 80


def render_page(page, dpi: int) -> Image.Image:
    return page.render(scale=dpi / 72).to_pil().convert("RGB")


def degrade(image: Image.Image, angle: float, noise: float, rng: np.random.Generator) -> Image.Image:
    """Rotate about the centre (white corners, as a scanner lid gives) and add grey noise."""
    pixels = np.asarray(image)
    height, width = pixels.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    turned = cv2.warpAffine(pixels, turn, (width, height), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    grain = (rng.standard_normal(size=(height, width), dtype=np.float32) * noise).astype(np.int16)
    noisy = turned.astype(np.int16) + grain[..., None]
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def make_scanned_pdf(source: Path, target: Path, dpi: int = DEFAULT_DPI, angle: float = DEFAULT_ANGLE,
                     noise: float = DEFAULT_NOISE, pages: list[int] | None = None, seed: int = 0) -> Path:
    """Write an image-only PDF of `source` (1-based `pages`, default all); returns `target`.

    Page i is turned by +angle or -angle alternately; the same seed gives the same bytes.
    """
    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(str(source))
    numbers = pages or list(range(1, len(pdf) + 1))
    images = []
    for i, number in enumerate(numbers):
        page = pdf[number - 1]
        images.append(degrade(render_page(page, dpi), angle if i % 2 == 0 else -angle, noise, rng))
        page.close()
    pdf.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(target, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:], quality=JPEG_QUALITY)
    return target


@dataclass(frozen=True)
class CopierScan:
    """How an office copier scans a printout: everything a word processor's or a browser's PDF
    loses on its way to an image-only PDF, each amount in the unit it is set in."""

    dpi: int = 150  # scan resolution: the low end of what councils publish
    jpeg_quality: int = 40  # 0..100: blocky 8x8 artefacts around every glyph and rule
    blur: float = 0.7  # pixels: Gaussian radius, the optics and the paper
    noise: float = 7.0  # 0..255 levels: standard deviation of the sensor grain
    max_skew: float = 3.0  # degrees: the sheet fed crooked, each page its own angle up to this
    turns: tuple[tuple[int, int], ...] = ((2, 90), (4, 180))  # (0-based page, degrees clockwise): fed sideways, upside down
    seed: int = 0
    colour: bool = False  # a colour copier: hues kept (where RAG is only a fill, a grey copy would erase it)


def copier_page(image: Image.Image, angle: float, turn: int, scan: CopierScan, rng: np.random.Generator) -> Image.Image:
    """One page as the copier saw it: greyscale (RAG colours become grey shades) unless a colour copier,
    blurred, skewed by `angle` degrees, turned `turn` degrees clockwise, with grain (JPEG comes when
    the page is saved)."""
    seen = image.convert("RGB" if scan.colour else "L").filter(ImageFilter.GaussianBlur(scan.blur))
    pixels = np.asarray(seen)
    height, width = pixels.shape[:2]
    tilt = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    white = (255, 255, 255) if scan.colour else 255
    pixels = cv2.warpAffine(pixels, tilt, (width, height), flags=cv2.INTER_LINEAR, borderValue=white)
    grain = rng.standard_normal(size=(height, width), dtype=np.float32) * scan.noise
    if scan.colour:
        grain = grain[..., None]
    pixels = np.clip(pixels.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    if turn:
        pixels = np.rot90(pixels, k=-(turn // 90))  # numpy turns counter-clockwise for positive k
    return Image.fromarray(np.ascontiguousarray(pixels))


def make_copier_scan(source: Path, target: Path, scan: CopierScan = CopierScan(),
                     pages: list[int] | None = None) -> Path:
    """Write an image-only PDF of `source` (1-based `pages`, default all) as a copier scans it.

    Skew angles are drawn from the seed, alternating in sign, at least a third of max_skew and
    one page at the full angle; the same seed gives the same bytes."""
    rng = np.random.default_rng(scan.seed)
    pdf = pdfium.PdfDocument(str(source))
    numbers = pages or list(range(1, len(pdf) + 1))
    turns = dict(scan.turns)
    images = []
    for i, number in enumerate(numbers):
        page = pdf[number - 1]
        size = scan.max_skew if i == 1 else rng.uniform(scan.max_skew / 3, scan.max_skew)
        angle = size if i % 2 == 0 else -size
        images.append(copier_page(render_page(page, scan.dpi), angle, turns.get(i, 0), scan, rng))
        page.close()
    pdf.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(target, "PDF", resolution=float(scan.dpi), save_all=True, append_images=images[1:],
                   quality=scan.jpeg_quality)
    return target


@dataclass
class OcrRun:
    """OCR'd pages of some documents and what they cost (CPU seconds of the worker processes)."""

    documents: list[ExtractedDocument]
    pages: int
    wall_s: float
    cpu_s: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s

    @property
    def cpu_s_per_page(self) -> float:
        return self.cpu_s / self.pages


def ocr_job(job: tuple[str, int]) -> tuple[ExtractedPage, float]:
    """One page through extract.pdf.read_scanned_page in a worker, with the CPU seconds it took there."""
    path, number = job
    before = os.times()
    with pdfplumber.open(path) as pdf:
        page = read_scanned_page(Path(path), pdf.pages[number - 1])
    after = os.times()
    cpu = sum(getattr(after, k) - getattr(before, k) for k in ("user", "system", "children_user", "children_system"))
    return page, cpu


def ocr_documents(pdfs: dict[str, Path], workers: int = 2) -> OcrRun:
    """OCR every page of each image-only PDF (name -> path) into an ExtractedDocument named `name`.

    Stands in for extract.pdf's hook (OCR for pages without a text layer): pages are shared
    out over `workers` processes, as the pipeline shares out documents.
    """
    jobs = []
    for path in pdfs.values():
        with pdfplumber.open(path) as pdf:
            jobs += [(str(path), page.page_number) for page in pdf.pages]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(ocr_job, jobs))
    wall = time.perf_counter() - start
    by_path: dict[str, list[ExtractedPage]] = {}
    for (path, *_), (page, _) in zip(jobs, results):
        by_path.setdefault(path, []).append(page)
    documents = [ExtractedDocument(file_name=name, sha256=sha256_of(path), page_count=len(by_path[str(path)]),
                                   pages=by_path[str(path)]) for name, path in pdfs.items()]
    return OcrRun(documents=documents, pages=len(jobs), wall_s=wall, cpu_s=sum(cpu for _, cpu in results))


def main() -> None:
    """Write a scanned copy; with --ocr, also OCR it and print OCR pages per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI)
    parser.add_argument("--angle", type=float, default=DEFAULT_ANGLE)
    parser.add_argument("--noise", type=float, default=DEFAULT_NOISE)
    parser.add_argument("--pages", type=lambda s: [int(x) for x in s.split(",")], default=None)
    parser.add_argument("--ocr", action="store_true", help="OCR the scanned copy and print the speed")
    args = parser.parse_args()
    make_scanned_pdf(args.source, args.target, args.dpi, args.angle, args.noise, args.pages)
    if args.ocr:
        run = ocr_documents({args.source.name: args.target})
        print(f"{run.pages} pages OCR'd in {run.wall_s:.1f} s wall on 2 workers: {run.pages_per_s:.2f} pages/s, "
              f"{run.cpu_s_per_page:.1f} CPU s/page")


if __name__ == "__main__":
    main()
