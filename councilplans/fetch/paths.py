"""Where a paper is saved: FOLDER/<council>/<committee>/<meeting date>/<file name>.

Every part comes from the site (names, titles, URLs, Content-Disposition headers) and so is
untrusted: each is made one safe path component, and the final path is checked to lie inside
the output folder once resolved (a symlink planted in the folder cannot lead a write outside).
"""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .http import origin

MAX_COMPONENT_BYTES = 150  # well under the 255 bytes filesystems allow, leaving room for " (2)" and ".part"
UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
HOST_PREFIXES = ("www.", "democracy.", "moderngov.", "modgov.", "mgov.", "committees.", "meetings.", "council.",
                 "councillors.", "cmis.", "minutes.", "services.")
HOST_SUFFIXES = (".gov.uk", ".org.uk", ".co.uk", ".gov.wales", ".llyw.cymru", ".gov.scot", ".moderngov.co.uk")


class UnsafePath(ValueError):
    pass


def safe_component(text: str | None, fallback: str = "untitled") -> str:
    """One file or folder name from untrusted text: no separators, control or reserved characters,
    no leading dots, not a device name, at most MAX_COMPONENT_BYTES of UTF-8."""
    name = unicodedata.normalize("NFKC", text or "")
    name = "".join(ch if ch.isprintable() else " " for ch in name)
    name = " ".join(UNSAFE.sub(" ", name).split()).strip(" .")
    if not name:
        name = fallback
    if name.split(".")[0].lower() in WINDOWS_RESERVED:
        name = "_" + name
    return truncate(name, MAX_COMPONENT_BYTES)


def truncate(name: str, limit: int) -> str:
    """Shorten to limit bytes of UTF-8, keeping a short extension."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 5:
        stem, ext = name, ""
    keep = limit - len(ext.encode("utf-8")) - (1 if ext else 0)
    stem = stem.encode("utf-8")[:keep].decode("utf-8", errors="ignore").rstrip(" .")
    return f"{stem}.{ext}" if ext else stem


def council_from_url(url: str) -> str:
    """A short name for the council from its site's host: democracy.bromley.gov.uk -> bromley."""
    scheme, host, port = origin(url)
    name = host
    for prefix in HOST_PREFIXES:
        if name.startswith(prefix) and name.count(".") > 1:
            name = name[len(prefix):]
            break
    for suffix in HOST_SUFFIXES:
        if name.endswith(suffix) and name != suffix.lstrip("."):
            name = name[: -len(suffix)]
            break
    if port not in (80, 443):
        name = f"{name}_{port}"
    return safe_component(name, fallback="council")


def content_disposition_name(header: str | None) -> str | None:
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    name = message.get_filename()
    return name.replace("\\", "/").rsplit("/", 1)[-1] if name else None  # a path in it counts for its last part only


def file_name(url: str, title: str, content_disposition: str | None = None) -> str:
    """The name a paper is saved under: the URL's own file name (ModernGov's documents/s…/Name.pdf),
    else the server's Content-Disposition name (mgConvert2PDF.aspx), else its title; always .pdf."""
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    if last.lower().endswith(".pdf"):
        name = last
    else:
        name = content_disposition_name(content_disposition) or title
    name = safe_component(name, fallback="document")
    if not name.lower().endswith(".pdf"):
        name = truncate(name, MAX_COMPONENT_BYTES - 4) + ".pdf"
    return name


def unique_name(name: str, taken) -> str:
    """name, or 'stem (2).pdf', 'stem (3).pdf' … the first not in taken."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    n = 2
    while f"{stem} ({n}){dot}{ext}" in taken:
        n += 1
    return f"{stem} ({n}){dot}{ext}"


def inside(root: Path, relative: str) -> Path:
    """root/relative, refused unless it stays inside root once every symlink is resolved."""
    root = Path(root).resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or target == root:
        raise UnsafePath(f"{relative!r} would be written outside {root}")
    return target
