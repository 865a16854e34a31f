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
from PIL import Image

from extract import sha256_of
from extract.ocr import ocr_page
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


@dataclass
class OcrRun:
    """OCR'd pages of some documents and what they cost (CPU seconds include the tesseract processes)."""

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


def ocr_job(job: tuple[str, int, float, float]) -> tuple[ExtractedPage, float]:
    """One page through extract.ocr.ocr_page in a worker, with the CPU seconds it took there."""
    before = os.times()
    page = ocr_page(*job)
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
            jobs += [(str(path), page.page_number, float(page.width), float(page.height)) for page in pdf.pages]
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
