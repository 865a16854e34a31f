"""Lead officers: split a cell naming several leads, expand abbreviations, canonicalise roles.

The lexicon is data (data/roles.yaml); the document's own abbreviation key, when printed,
takes precedence. spaCy (blank English + an EntityRuler built from the lexicon) marks where
each role title starts, which is what tells two run-on titles apart.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import spacy
import yaml

from .records import Lead

ABBREV_TOKEN_RE = re.compile(r"^[A-Z][A-Za-z]{0,1}[A-Z]{1,5}$")
CONTINUATION_END_RE = re.compile(r"(,|&|\band|\bof|\bfor|\bthe|\(|\bin|/|-)\s*$", re.I)
SEPARATOR_RE = re.compile(r"\s*(?:;|\n)\s*")
AND_RE = re.compile(r",?\s+(?:and|&)\s+")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    return yaml.safe_load(resources.files("normalise").joinpath("data/roles.yaml").read_text())


@lru_cache(maxsize=1)
def role_matcher():
    """A blank spaCy pipeline whose EntityRuler tags where role titles start ('Head of', 'Director')."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "ROLE", "pattern": start} for start in lexicon()["role_starts"]])
    return nlp


def role_abbreviations(document_key: dict[str, str] | None) -> dict[str, str]:
    """Abbreviations that stand for a post (DCS, HOS QI), not an organisation (BSCB, LBB)."""
    every = {**lexicon()["abbreviations"], **(document_key or {})}
    return {abbr: full for abbr, full in every.items() if has_post_noun(full)}


def canonical_key(text: str) -> str:
    text = text.lower().replace("’", "'").replace("'s", "s").replace("'", "")
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(w for w in words if w not in {"of", "the", "for", "and"})


@lru_cache(maxsize=1)
def canonical_titles() -> dict[str, str]:
    out = {}
    for title, variants in lexicon()["canonical"].items():
        out[canonical_key(title)] = title
        for v in variants:
            out[canonical_key(v)] = title
    return out


def names_a_post(text: str, abbreviations: dict[str, str] | None = None) -> bool:
    """True once the text names a post ('Manager', 'Director', ...) or starts with a post's abbreviation."""
    words = set(re.findall(r"[A-Za-z-]+", text))
    if words & set(lexicon()["role_nouns"]):
        return True
    text = text.strip()
    return any(text == abbr or text.startswith(abbr + " ") for abbr in abbreviations or {})


def ends_with_abbreviation(text: str, abbreviations: dict[str, str]) -> bool:
    """'HO LS HOS S&CP': a post written as its abbreviation is complete; the next line is another lead."""
    return any(text == abbr or text.endswith(" " + abbr) for abbr in abbreviations)


def has_post_noun(text: str) -> bool:
    return bool(set(re.findall(r"[A-Za-z-]+", text)) & set(lexicon()["post_nouns"]))


def split_on_and(text: str) -> list[str]:
    """'Head of Learning, and Early Years Manager' -> two leads, because both sides name a post."""
    pieces, start = [], 0
    for m in AND_RE.finditer(text):
        left, right = text[start:m.start()], text[m.end():]
        if left.count("(") > left.count(")"):
            continue  # inside brackets: 'Assistant Directors (Access and Inclusion ...)'
        if has_post_noun(left) and has_post_noun(right.split(",")[0]):
            pieces.append(left)
            start = m.end()
    pieces.append(text[start:])
    return [p.strip(" ,") for p in pieces if p.strip(" ,")]


JOINING_WORDS = {"and", "of", "&", ",", "/", "(", "the", "for", "to", "assistant", "deputy", "executive",
                 "service", "team", "group"}


def role_starts(text: str, abbreviations: dict[str, str]) -> list[int]:
    """Character offsets where a role title or a post's abbreviation begins."""
    starts = []
    doc = role_matcher()(text)
    for ent in doc.ents:
        prev = doc[ent.start - 1] if ent.start else None
        # 'Assistant Director', 'Head of ...': after a joining word it is the same title
        if prev is not None and (prev.text.lower() in JOINING_WORDS or prev.text.endswith(",") or prev.ent_type_):
            continue
        starts.append(ent.start_char)
    for abbr in sorted(abbreviations, key=len, reverse=True):
        starts += [m.start() for m in re.finditer(rf"(?<![\w&]){re.escape(abbr)}(?![\w&])", text)]
    return sorted(set(starts))


def split_role_starts(text: str, abbreviations: dict[str, str] | None = None) -> list[str]:
    """Split run-on titles ('Director X Director Y', 'DCS CEX', 'HO LS HOS S&CP') where a new post starts."""
    abbreviations = abbreviations or {}
    cuts = [0]
    for start in role_starts(text, abbreviations):
        if start > cuts[-1] and names_a_post(text[cuts[-1]:start], abbreviations):
            cuts.append(start)
    parts = [text[a:b].strip() for a, b in zip(cuts, cuts[1:] + [len(text)])]
    return [p for p in parts if p]


def split_leads(cell_lines: list[str], document_key: dict[str, str] | None = None) -> list[str]:
    """Leads named in one cell, each as printed; wrapped lines of one lead are re-joined."""
    abbreviations = role_abbreviations(document_key)
    joined: list[str] = []
    for line in cell_lines:
        line = " ".join(line.split())
        if not line:
            continue
        starts_post = (bool(role_matcher()(line).ents) or bool(ABBREV_TOKEN_RE.match(line.split()[0]))
                       or bool(joined) and ends_with_abbreviation(joined[-1], abbreviations))
        continues = joined and (CONTINUATION_END_RE.search(joined[-1]) or line[:1].islower() or line[:1] in "(&,"
                                or not names_a_post(joined[-1], abbreviations) or not starts_post)
        if continues:
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    leads: list[str] = []
    for chunk in joined:
        for part in SEPARATOR_RE.split(chunk):
            for piece in split_on_and(part):
                leads.extend(split_role_starts(piece, abbreviations))
    leads = [re.sub(r"^(?:and|&)\s+", "", lead.strip(" ,;")) for lead in leads]
    return [lead for lead in leads if lead]


def split_organisation(text: str) -> tuple[str, str | None]:
    """'Consultant in Public Health, Bromley Primary Care Trust' -> (role, organisation)."""
    org_words = lexicon()["organisation_words"]
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 1 and any(re.search(rf"\b{w}\b", parts[-1]) for w in org_words):
        return ", ".join(parts[:-1]), parts[-1]
    return text, None


def normalise_lead(raw: str, document_key: dict[str, str] | None = None) -> Lead:
    """One lead: expand an abbreviation (document key first), split organisation, canonicalise."""
    abbreviations = {**lexicon()["abbreviations"], **(document_key or {})}
    role, organisation = split_organisation(abbreviations.get(raw.strip(), raw))
    title = canonical_titles().get(canonical_key(role))
    return Lead(raw=raw, expanded=(document_key or {}).get(raw.strip(), raw), role=title or role, organisation=organisation,
                canonical=bool(title) or raw.strip() in abbreviations)


def parse_leads(cell_lines: list[str], document_key: dict[str, str] | None = None) -> list[Lead]:
    return [normalise_lead(raw, document_key) for raw in split_leads(cell_lines, document_key)]
