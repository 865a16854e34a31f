"""What the batch needs before any PDF library is loaded: a file's hash and the errors a bad file raises.

Every failure is an `ExtractionError` subclass carrying a `kind` (a short stable word a report
can group by) and the stage it happened in; the message is the user-facing reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


class ExtractionError(Exception):
    """A file that cannot be read as a PDF with text; the message is the user-facing reason."""

    kind = "unreadable"
    stage = "extract"


class EmptyFile(ExtractionError):
    kind = "empty"


class NotPdf(ExtractionError):
    kind = "not_pdf"


class EncryptedPdf(ExtractionError):
    kind = "encrypted"


class CorruptPdf(ExtractionError):
    kind = "corrupt"


class NoText(ExtractionError):
    """Blank pages, or an image-only scan that OCR could not read."""

    kind = "no_text"


class ChangedWhileRead(ExtractionError):
    kind = "changed"


class ResourceLimit(ExtractionError):
    """The document ran past its time or memory limit (reported by the pipeline, not raised by a reader)."""

    kind = "limit"


class UnexpectedFailure(ExtractionError):
    """A bug, or a PDF no parser expected: reported with the exception's type and message."""

    kind = "bug"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
