"""The fetch manifest: one JSON line per downloaded paper, beside the papers.

`FOLDER/<council>/manifest.jsonl` says, for every paper `councilplans fetch` saved under that
folder, where it came from (council, committee, meeting date, agenda item, the paper's title
as linked, its URL), what was saved (path relative to the manifest, sha256, size) and when, and
the HTTP validators (ETag, Last-Modified) that let the next fetch ask "changed since?".

A run appends a line as each paper is saved (flushed to disk), so a fetch killed at any moment
keeps what it finished; it rewrites the file at its end with one line per URL. Reading takes
the last line of each URL and skips a torn last line. `councilplans run` reads the manifests
under (and just above) the folder it ingests and gives each document the source of its bytes.

This module needs no network library: the pipeline imports it.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

MANIFEST_NAME = "manifest.jsonl"
LOCK_NAME = ".fetch.lock"
PARENT_LEVELS = 3  # <council>/<committee>/<meeting date>: run on any of these finds its council's manifest


@dataclass
class ManifestEntry:
    council: str
    committee: str
    meeting_date: str | None  # ISO date
    item_title: str | None  # the agenda item the paper sits under; None for a meeting's own papers
    title: str  # the paper's title as linked on the meeting's page
    source_url: str
    sha256: str
    fetched_at: str  # ISO timestamp (UTC) of the download that saved these bytes
    path: str  # of the file holding these bytes, relative to the manifest, with '/'
    size: int = 0
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    meeting_url: str | None = None
    item_number: str | None = None
    duplicate_of: str | None = None  # URL whose file holds the same bytes (this URL's were not saved again)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> ManifestEntry:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def read_manifest(path: Path) -> dict[str, ManifestEntry]:
    """The latest entry of each source URL; lines that do not parse (a torn last line) are skipped."""
    entries: dict[str, ManifestEntry] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return entries
    for line in lines:
        try:
            entry = ManifestEntry.from_dict(json.loads(line))
        except (ValueError, TypeError):
            continue
        if entry.source_url and entry.sha256:
            entries[entry.source_url] = entry
    return entries


def find_manifests(folder: Path) -> list[Path]:
    """Manifests under folder, and those of the few folders above it (run on one committee's folder)."""
    folder = Path(folder).resolve()
    found = set(folder.rglob(MANIFEST_NAME))
    for parent in list(folder.parents)[:PARENT_LEVELS]:
        if (parent / MANIFEST_NAME).is_file():
            found.add(parent / MANIFEST_NAME)
    return sorted(found)


def preference(entry: ManifestEntry) -> tuple:
    """The URL whose file holds the bytes before its duplicates, then the earliest fetch."""
    return entry.duplicate_of is not None, entry.fetched_at, entry.source_url


def sources_by_sha(folder: Path) -> dict[str, ManifestEntry]:
    """Where each document (by sha256) under folder came from: the URL its file was saved from."""
    best: dict[str, ManifestEntry] = {}
    for manifest in find_manifests(folder):
        for entry in read_manifest(manifest).values():
            current = best.get(entry.sha256)
            if current is None or preference(entry) < preference(current):
                best[entry.sha256] = entry
    return best


class ManifestBusy(Exception):
    pass


class ManifestWriter:
    """The manifest of one council folder, held by one fetch at a time (an advisory file lock)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_NAME
        self.entries: dict[str, ManifestEntry] = {}
        self._lock = None
        self._out = None

    def __enter__(self) -> ManifestWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.folder / LOCK_NAME, "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise ManifestBusy(f"another fetch is writing to {self.folder}") from None
        self.entries = read_manifest(self.path)
        self._out = open(self.path, "a", encoding="utf-8")
        return self

    def add(self, entry: ManifestEntry) -> None:
        """Record an entry now: a fetch killed after this line keeps it."""
        self.entries[entry.source_url] = entry
        self._out.write(entry.to_json() + "\n")
        self._out.flush()
        os.fsync(self._out.fileno())

    def by_sha(self, sha256: str) -> ManifestEntry | None:
        """An entry whose own file holds these bytes (not a duplicate pointing elsewhere)."""
        for entry in self.entries.values():
            if entry.sha256 == sha256 and not entry.duplicate_of:
                return entry
        return None

    def paths_in_use(self) -> dict[str, str]:
        """path -> the URL whose bytes it holds."""
        return {entry.path: url for url, entry in self.entries.items() if not entry.duplicate_of}

    def compact(self) -> None:
        """Rewrite the manifest with one line per URL, sorted, replacing it in one step."""
        tmp = self.path.with_suffix(".jsonl.tmp")
        ordered = sorted(self.entries.values(), key=lambda e: (e.committee, e.meeting_date or "", e.path, e.source_url))
        with open(tmp, "w", encoding="utf-8") as out:
            out.writelines(entry.to_json() + "\n" for entry in ordered)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    def __exit__(self, exc_type, *exc) -> None:
        self._out.close()
        try:
            self.compact()
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
