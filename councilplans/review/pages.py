"""Page images for the review view: find a document's PDF on disk, render each page once, keep it.

A page is rendered with pypdfium2 at RENDER_SCALE and kept as `<cache>/<sha256>/page-<n>.png`,
beside `sizes.json` (every page's width and height in PDF points, what the stored boxes are
measured in). A page already in the cache is served from it even when the PDF has since gone.
A PDF is looked for under every path the document was seen at (document_files.path; relative
paths against the folders given, the server's working directory first) and is used only when its
bytes still hash to the document's sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

RENDER_SCALE = 2.0  # pixels per PDF point: 144 dpi, sharp on a high-density screen, ~1 MB a page
A4 = (595.28, 841.89)  # points; the page size assumed where neither the PDF nor the cache gives one

_render_lock = threading.Lock()  # pdfium is not thread-safe, and Datasette renders from worker threads
_hashes: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256


@dataclass
class Source:
    """Where a document's PDF is, or why it cannot be used."""

    sha256: str
    path: Path | None  # the PDF on disk with the document's bytes, if any
    looked_at: list[str] = field(default_factory=list)  # every path tried, as resolved
    changed: list[str] = field(default_factory=list)  # paths holding other bytes now

    @property
    def present(self) -> bool:
        return self.path is not None

    def explain(self) -> str:
        """One plain sentence on where the PDF is, or that it is no longer on disk."""
        if self.path is not None:
            return f"Source PDF: {self.path}"
        parts = ["The source PDF is no longer on disk"]
        if self.looked_at:
            parts.append(f" (looked for {', '.join(self.looked_at)})")
        if self.changed:
            parts.append(f"; {', '.join(self.changed)} now holds different bytes (not this document's sha256)")
        return "".join(parts) + "."


def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered while its size and modification time stay the same."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


def candidates(paths: list[str], folders: list[Path]) -> list[Path]:
    """Each recorded path as it stands if absolute, else under each folder; then each file name under each folder."""
    out: list[Path] = []
    for recorded in paths:
        p = Path(recorded)
        out += [p] if p.is_absolute() else [folder / p for folder in folders]
    out += [folder / Path(recorded).name for recorded in paths for folder in folders]
    seen: set[str] = set()
    unique = []
    for p in out:
        key = os.path.normpath(str(p))
        if key not in seen:
            seen.add(key)
            unique.append(Path(key))
    return unique


def locate(sha256: str, paths: list[str], folders: list[Path]) -> Source:
    """The PDF with these bytes among the places the document was seen at."""
    source = Source(sha256, None)
    for candidate in candidates(paths, folders):
        source.looked_at.append(str(candidate))
        if not candidate.is_file():
            continue
        try:
            if file_sha256(candidate) == sha256:
                source.path = candidate
                return source
        except OSError:
            continue
        source.changed.append(str(candidate))
    return source


class PageCache:
    """Rendered pages and page sizes of documents, by sha256 and page number."""

    def __init__(self, root: Path, scale: float = RENDER_SCALE):
        self.root = Path(root)
        self.scale = scale

    def folder(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256

    def image_path(self, sha256: str, page: int) -> Path:
        return self.folder(sha256) / f"page-{page}.png"

    def has_image(self, sha256: str, page: int) -> bool:
        return self.image_path(sha256, page).is_file()

    def sizes(self, sha256: str, source: Source | None = None) -> dict[int, tuple[float, float]]:
        """Width and height in points of each page: from the cache, else read from the PDF once; {} if neither."""
        stored = self.folder(sha256) / "sizes.json"
        if stored.is_file():
            return {int(k): tuple(v) for k, v in json.loads(stored.read_text()).items()}
        if source is None or source.path is None:
            return {}
        import pypdfium2 as pdfium

        with _render_lock:
            pdf = pdfium.PdfDocument(str(source.path))
            try:
                found = {n + 1: tuple(pdf[n].get_size()) for n in range(len(pdf))}
            finally:
                pdf.close()
        _write_atomic(stored, json.dumps({str(k): v for k, v in found.items()}).encode())
        return found

    def image(self, sha256: str, page: int, source: Source) -> Path | None:
        """The page's PNG, rendered now if it is not in the cache yet; None when it cannot be had."""
        target = self.image_path(sha256, page)
        if target.is_file():
            return target
        if source.path is None:
            return None
        import pypdfium2 as pdfium

        with _render_lock:
            if target.is_file():  # another request rendered it while this one waited
                return target
            pdf = pdfium.PdfDocument(str(source.path))
            try:
                if not 1 <= page <= len(pdf):
                    return None
                bitmap = pdf[page - 1].render(scale=self.scale)
                picture = bitmap.to_pil()
            finally:
                pdf.close()
            from io import BytesIO

            buffer = BytesIO()
            picture.save(buffer, format="PNG", optimize=False)
            _write_atomic(target, buffer.getvalue())
        return target


def _write_atomic(target: Path, data: bytes) -> None:
    """Write a file whole or not at all (a reader never sees half an image)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def page_size(sizes: dict[int, tuple[float, float]], page: int, boxes: list) -> tuple[tuple[float, float], bool]:
    """(width, height) of a page in points and whether it is known; else A4, turned landscape when a box is wider."""
    if page in sizes:
        return sizes[page], True
    widest = max((b.x1 for b in boxes if b.x1 is not None), default=0)
    return ((A4[1], A4[0]) if widest > A4[0] else A4), False
