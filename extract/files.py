"""What the batch needs before any PDF library is loaded: a file's hash and the error a bad file raises."""

from __future__ import annotations

import hashlib
from pathlib import Path


class ExtractionError(Exception):
    """A file that cannot be read as a PDF with text; the message is the user-facing reason."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
