"""Printed references ("1.1 (BBB)", "2.4 [BBB]", "a)", "AREA OF FOCUS 3") -> clean ref + flags."""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}
FLAG_RE = re.compile(r"\s*[\(\[]\s*([A-Z]{2,6})\s*[\)\]]")
NUMERIC_REF_RE = re.compile(r"^(?P<ref>\d{1,2}(?:\.\d{1,2}){0,3})\.?(?=\s|$)(?!\s+[x×]\s)")  # '2 x Action learning': a count
LETTER_REF_RE = re.compile(r"^\(?(?P<ref>[a-z]{1,2}|[A-Z])(?:\)|\.)(?=\s|$)")
PRIORITY_HEADING_RE = re.compile(
    r"^(?:priority(?:\s+outcome)?|outcome|area of focus|theme|objective)\s*(?:[:\-–]\s*(?=\d))?"
    r"(?P<num>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)?\b\s*[:\-–.]?\s*(?P<title>.*)$",
    re.I | re.S,
)


def split_ref(text: str) -> tuple[str | None, list[str], str]:
    """Split a leading printed reference off a cell's text: (ref, flags, rest)."""
    text = text.strip()
    flags: list[str] = []
    m = NUMERIC_REF_RE.match(text) or LETTER_REF_RE.match(text)
    if not m:
        return None, flags, text
    ref, rest = m["ref"], text[m.end():]
    while fm := FLAG_RE.match(rest):
        flags.append(fm.group(1))
        rest = rest[fm.end():]
    return ref, flags, rest.strip()


def next_ref(ref: str | None, printed: str | None) -> bool:
    """Whether `printed` is the reference that comes after `ref` ('a' -> 'b', '1.2' -> '1.3', '4' -> '5')."""
    if not ref or not printed:
        return False
    head, _, last = ref.rpartition(".")
    new_head, _, new_last = printed.rpartition(".")
    if head != new_head:
        return False
    if last.isdigit() and new_last.isdigit():
        return int(new_last) == int(last) + 1
    return len(last) == len(new_last) == 1 and last.isalpha() and ord(new_last) == ord(last) + 1


def clean_ref(text: str | None) -> tuple[str | None, list[str]]:
    """A cell that holds only a reference, e.g. '1.1 (BBB)' -> ('1.1', ['BBB'])."""
    if not text or not text.strip():
        return None, []
    ref, flags, rest = split_ref(text)
    if ref is None:
        return None, FLAG_RE.findall(text)
    flags += FLAG_RE.findall(rest)
    return ref, flags


def parse_priority_heading(text: str) -> tuple[str | None, str] | None:
    """'Priority Outcome 1 ...' / 'AREA OF FOCUS 3: title' / 'Priority One - title' -> (ref, title)."""
    m = PRIORITY_HEADING_RE.match(" ".join(text.split()))
    if not m:
        return None
    num = m["num"]
    ref = NUMBER_WORDS.get(num.lower(), num) if num else None
    return ref, m["title"].strip()


def parent_of(ref: str | None) -> str | None:
    """'1.2.3' -> '1.2'; letters and single numbers have no printed parent."""
    if ref and "." in ref:
        return ref.rsplit(".", 1)[0]
    return None


def with_separators_restored(actions: list) -> None:
    """Put back the dot a ref lost between its parent's number and its own ('11' under '1', in a
    document whose other refs at that level print it: '2.2' under '2'), as a scan loses a small full
    stop; the records under it follow. A document that numbers its rows 1, 2 ... 11 under '1' prints
    no dotted ref at that level, so nothing is changed there."""
    separated: dict[str, int] = {}  # level -> refs printing their parent's number, a dot, their own
    for a in actions:
        if a.ref and a.parent_ref and a.ref.startswith(a.parent_ref + ".") and a.ref[len(a.parent_ref) + 1:].isdigit():
            separated[a.level] = separated.get(a.level, 0) + 1
    for seq, a in enumerate(actions):
        if not (a.ref and a.parent_ref and a.parent_ref.isdigit() and a.ref.isdigit() and separated.get(a.level)
                and a.ref.startswith(a.parent_ref) and len(a.ref) > len(a.parent_ref)):
            continue
        old, a.ref = a.ref, f"{a.parent_ref}.{a.ref[len(a.parent_ref):]}"
        for child in actions[seq + 1:]:
            if child.parent_ref == old and child.parent_seq in (seq, None):
                child.parent_ref = a.ref
