"""Doubtful OCR words corrected against the words the same document reads with confidence.

At 150 dpi Tesseract turns a thin `l` into `!` or `t`, `ri` into `n`, `rn` into `m` (`loca!`,
`Apn! 2022`, `govemance`), with a confidence a little under its usual. The same word is
usually read cleanly elsewhere in the document. A doubtful word (read less sure than
`doubtful`, or holding a mark among its letters) becomes a word of
the document's confident vocabulary (or of the project's lexicons, normalise/data/*.yaml) that
it reaches by undoing the scan's usual confusions (normalise/data/ocr.yaml) or by one edit,
or else an English word the confusions alone reach. A doubtful word that is an English word
(pyspellchecker's word list) is kept, unless the document never reads it surely and undoing one
of the scan's confusions gives a word it does (`focal` for `local`); no correction is ever a word
nobody prints, and none is made when two candidates are equally good.

Tesseract also reads a small letter as its capital where their shapes differ only in size (`Joint`,
`Support`, `Opportunity` mid-sentence). A doubtful capitalised word between two small-lettered
words of its sentence (across the end of a line only where the line wrapped) is put in small letters where the document reads it surely in small letters more
often than capitalised (or not at all, when it is an English word): a name set in capitals is read
so surely elsewhere, or stands beside another capitalised word.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .page_view import PageView


@dataclass(frozen=True)
class SpellingSettings:
    confident: float = 0.95  # 0..1: a word read at least this sure is the document's vocabulary (the fast model's clean words read 0.95-0.97)
    doubtful: float = 0.95  # ... a word read less sure than this may be corrected (misreads measured at 0.52-0.93)
    min_length: int = 3  # letters: shorter words are too ambiguous to correct
    long_word: int = 9  # letters: a word this long may be two edits from its correction (one otherwise)
    max_confusions: int = 2  # confusions undone at most in one word
    list_gap: float = 0.8  # times the line height: a word further than this from the one before it on its line starts a line (of its own cell; a word space is about 0.25)
    list_column: float = 6.0  # points: list markers whose left edges are this close are one list's
    small_majority: float = 2.0  # times: a word read surely in small letters this much more often than
    # capitalised is a small-lettered word wherever it is read doubtfully mid-sentence


SETTINGS = SpellingSettings()
LEADING = "([{\"'“‘"
TRAILING = ")}\"'”’,.;:?"  # not `]`: a thin `l` read
POSSESSIVE_RE = re.compile(r"(['’]s)$")
LETTERS_RE = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def confusions() -> dict[str, list[str]]:
    """Read glyphs -> the glyphs they may have been printed as (normalise/data/ocr.yaml, inverted)."""
    data = yaml.safe_load(resources.files("normalise").joinpath("data", "ocr.yaml").read_text())
    out: dict[str, list[str]] = defaultdict(list)
    for printed, readings in data["confusions"].items():
        for read in readings:
            out[read].append(printed)
    return dict(out)


@lru_cache(maxsize=1)
def misread_glyphs() -> frozenset[str]:
    """The marks that stand for a letter when Tesseract puts them inside a word (`!` for `l`, `¢` for `c`)."""
    return frozenset(ch for read in confusions() for ch in read if not ch.isalpha())


def doubtful(word: dict, settings: SpellingSettings = SETTINGS) -> bool:
    """True for an OCR word read with little confidence, or holding a mark among its letters
    (`loca!` is often read with a confidence as high as any)."""
    if word.get("confidence") is None:
        return False  # a text layer's word, or a list marker
    core = split_word(word["text"])[1]
    return word["confidence"] < settings.doubtful or (any(ch.isalpha() for ch in core)
                                                      and any(ch in misread_glyphs() for ch in core))


def yaml_words(value) -> list[str]:
    if isinstance(value, dict):
        return [w for k, v in value.items() for w in yaml_words(k) + yaml_words(v)]
    if isinstance(value, list):
        return [w for v in value for w in yaml_words(v)]
    return LETTERS_RE.findall(value) if isinstance(value, str) else []


@lru_cache(maxsize=1)
def english() -> dict[str, int]:
    """English words (lower case) with their frequency: pyspellchecker's list, 160,000 words, no download.
    A doubtful reading that is an English word is kept as read."""
    from spellchecker import SpellChecker

    return SpellChecker(distance=1).word_frequency.dictionary


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """Every word of the project's lexicons (normalise/data/*.yaml), lower case."""
    folder = resources.files("normalise").joinpath("data")
    words = (w.lower() for f in folder.iterdir() if f.name.endswith(".yaml")
             for w in yaml_words(yaml.safe_load(f.read_text())))
    return frozenset(w for w in words if len(w) >= SETTINGS.min_length)


def split_word(text: str) -> tuple[str, str, str]:
    """Leading punctuation, the word, trailing punctuation and possessive (`(Loca!),` -> `(`, `Loca!`, `),`)."""
    lead = len(text) - len(text.lstrip(LEADING))
    core = text[lead:].rstrip(TRAILING)
    trail = text[lead + len(core):]
    possessive = POSSESSIVE_RE.search(core)
    if possessive:
        core, trail = core[:possessive.start()], possessive.group(1) + trail
    return text[:lead], core, trail


class Vocabulary:
    """The words a document reads confidently, with how often each form of them is read."""

    def __init__(self, words: list[dict], settings: SpellingSettings = SETTINGS):
        self.settings = settings
        self.forms: dict[str, Counter] = defaultdict(Counter)
        for w in words:
            if w.get("confidence", 0) >= settings.confident:
                core = split_word(w["text"])[1]
                if len(core) >= settings.min_length and core.isalpha():
                    self.forms[core.lower()][core] += 1
        self.known = set(self.forms) | lexicon()
        self.choices = sorted(self.known)

    def count(self, word: str) -> float:
        """How often the document read `word` confidently; English words it did not read rank by frequency below."""
        if word in self.forms:
            return sum(self.forms[word].values())
        return -1 / (1 + english().get(word, 0))

    def undone(self, core: str) -> set[str]:
        """The word with up to max_confusions of the scan's confusions undone, lower case."""
        table = confusions()
        spots = [(i, read) for read in table for i in range(len(core)) if core.startswith(read, i)]
        out = set()
        for n in range(1, self.settings.max_confusions + 1):
            for combo in itertools.combinations(spots, n):
                ends = [i + len(read) for i, read in combo]
                if any(e > i for e, (i, _) in zip(ends, combo[1:])):
                    continue  # overlapping readings
                for printed in itertools.product(*(table[read] for _, read in combo)):
                    text, shift = core, 0
                    for (i, read), p in zip(combo, printed):
                        text = text[:i + shift] + p + text[i + shift + len(read):]
                        shift += len(p) - len(read)
                    out.add(text.lower())
        return out

    def best(self, candidates: dict[str, int]) -> str | None:
        """The candidate (word -> edits) fewest edits away and most often read; None on a tie."""
        if not candidates:
            return None
        ranked = sorted(candidates, key=lambda c: (candidates[c], -self.count(c)))
        if len(ranked) > 1 and (candidates[ranked[0]], self.count(ranked[0])) == \
                (candidates[ranked[1]], self.count(ranked[1])):
            return None
        return ranked[0]

    def correction(self, core: str) -> str | None:
        """The known word a doubtful word was printed as (lower case), or None to keep it."""
        letters = sum(ch.isalpha() for ch in core)
        if len(core) < self.settings.min_length or not letters or any(ch.isupper() for ch in core[1:]) \
                or core.lower() in self.known:
            return None  # short, an acronym (no vocabulary has them all), or a word as it is
        if core.lower() in english():
            return self.real_word_misread(core)
        if core[0].isdigit() or any(not ch.isalpha() and ch not in misread_glyphs() for ch in core):
            return None  # a number, a code, a compound: not a word misread
        undone = {w for w in self.undone(core) if len(w) >= self.settings.min_length}
        found = {w: 0 for w in undone if w in self.known} or {w: 0 for w in undone if w in english()}
        if not found and letters >= self.settings.min_length and core.isalpha():
            edits = 2 if len(core) >= self.settings.long_word else 1
            found = {w: int(d) for w, d, _ in process.extract(core.lower(), self.choices, scorer=Levenshtein.distance,
                                                               score_cutoff=edits, limit=10)}
        return self.best(found)

    def real_word_misread(self, core: str) -> str | None:
        """The word the document reads surely that an English word it never reads surely was printed
        as, by undoing one of the scan's confusions (`focal` -> `local`); None to keep it."""
        found = {w: 0 for w in self.undone(core) if w in self.forms}
        return self.best(found)

    def small_letters(self, core: str) -> bool:
        """Whether a capitalised word read doubtfully mid-sentence was printed in small letters."""
        forms = self.forms.get(core.lower())
        if not forms:
            return core.lower() in english()
        small, capital = forms.get(core.lower(), 0), forms.get(core.capitalize(), 0)
        return small > 0 and small >= self.settings.small_majority * capital

    def cased(self, word: str, core: str) -> str:
        """`word` in the case the doubtful reading had, or its usual form where that case is unreadable."""
        forms = self.forms.get(word)
        if core.isupper() and len(core) > 1:
            return word.upper()
        if not core[0].isalpha():
            return forms.most_common(1)[0][0] if forms else word
        return word.capitalize() if core[0].isupper() else word

    def corrected(self, text: str) -> str:
        """The reading with its word corrected, each part of a compound written with `/` apart."""
        lead, core, trail = split_word(text)
        parts = core.split("/")
        fixed = [self.cased(word, part) if (word := self.correction(part)) else part for part in parts]
        return lead + "/".join(fixed) + trail if fixed != parts else text


LIST_LETTER_RE = re.compile(r"^(?P<open>\(?)(?P<mark>[^\s()]{1,2})(?P<close>\))$")


def line_starts(words: list[dict], settings: SpellingSettings = SETTINGS) -> list[int]:
    """Indexes of the words that begin their line (no word of the same line close before them)."""
    lines: dict[float, list[dict]] = defaultdict(list)  # a line's words share its top
    for w in words:
        lines[w["top"]].append(w)
    out = []
    for i, w in enumerate(words):
        reach = settings.list_gap * (w["bottom"] - w["top"])
        if not any(o is not w and o["x1"] <= w["x0"] + 1 and w["x0"] - o["x1"] < reach for o in lines[w["top"]]):
            out.append(i)
    return out


def list_letters(words: list[dict], settings: SpellingSettings = SETTINGS) -> list[dict]:
    """A lettered list's markers misread (`¢)`, `€)`, `1)`, `0)` for c), e), l), o)) put right where
    the marker before or after it in the same column is the letter before or after (or, after a
    letter, where it reads as `a`: the next list begins).

    Only a marker's neighbours tell `1)` in a list lettered a) to o) from a numbered item."""
    starts = sorted((i for i in line_starts(words, settings) if LIST_LETTER_RE.match(words[i]["text"])),
                    key=lambda i: words[i]["top"])
    out = list(words)

    def mark(j: int) -> str:
        return LIST_LETTER_RE.match(out[j]["text"])["mark"]

    for i in starts:
        m = LIST_LETTER_RE.match(words[i]["text"])
        if len(m["mark"]) == 1 and m["mark"].islower():
            continue
        column = [j for j in starts if abs(words[j]["x0"] - words[i]["x0"]) <= settings.list_column]
        k = column.index(i)
        before = mark(column[k - 1]) if k else ""
        after = mark(column[k + 1]) if k + 1 < len(column) else ""
        expected = ({chr(ord(before) + 1), "a"} if len(before) == 1 and before.isalpha() else set()) | \
                   ({chr(ord(after) - 1)} if len(after) == 1 and after.isalpha() else set())  # after a letter, a list may start again
        readings = set(confusions().get(m["mark"], [])) | {m["mark"].lower()}
        letter = next((c for c in sorted(readings & expected) if c.isalpha() and c.islower()), None)
        if letter:
            out[i] = dict(words[i], text=m["open"] + letter + m["close"])
    return out


def line_pieces(words: list[dict], settings: SpellingSettings = SETTINGS) -> list[list[int]]:
    """The words of each line of one cell, as indexes left to right: a line's words share its top, and a
    gap wider than list_gap line heights parts two cells."""
    lines: dict[float, list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        lines[w["top"]].append(i)
    pieces = []
    for members in lines.values():
        members.sort(key=lambda i: words[i]["x0"])
        piece = [members[0]]
        for i in members[1:]:
            w = words[i]
            if w["x0"] - words[piece[-1]]["x1"] >= settings.list_gap * (w["bottom"] - w["top"]):
                pieces.append(piece)
                piece = []
            piece.append(i)
        pieces.append(piece)
    return pieces


def follows(upper: dict, lower: dict) -> bool:
    """Whether the line starting with `lower` goes on from the one starting with `upper` in the same cell:
    the next line down, starting where it does or up to a list marker's width to its left."""
    height = lower["bottom"] - lower["top"]
    return 0 < lower["top"] - upper["top"] <= NEXT_LINE * height \
        and -HANGING_INDENT * height <= upper["x0"] - lower["x0"] <= 0.5 * height


NEXT_LINE = 1.8  # line heights: the most a cell's next line lies below the one before
HANGING_INDENT = 3.0  # line heights: how far left of its next lines a first line with a list marker may start


def line_neighbours(words: list[dict], settings: SpellingSettings = SETTINGS) -> dict[int, tuple[dict | None, dict | None]]:
    """Index -> the words just before and after it in its cell's text, None where there is none. A line
    goes on from the one above only where that one wrapped: the first word would not have fitted
    after it within the cell's width (the widest of the lines that follow one another there); a line
    ended short is the end of an item (a list without stops)."""
    pieces = sorted(line_pieces(words, settings), key=lambda p: (words[p[0]]["top"], words[p[0]]["x0"]))
    upper_of: dict[int, list[int]] = {}  # a piece's first word -> the piece above it in its cell
    for k, lower in enumerate(pieces):
        upper = next((u for u in reversed(pieces[:k]) if follows(words[u[0]], words[lower[0]])), None)
        if upper is not None:
            upper_of[lower[0]] = upper
    right: dict[int, float] = {}  # a piece's first word -> the right edge of its cell's lines
    for piece in reversed(pieces):  # lowest first, so a piece's edge is known before the one above takes it
        edge = max(right.get(piece[0], 0.0), words[piece[-1]]["x1"])
        right[piece[0]] = edge
        if piece[0] in upper_of:
            right[upper_of[piece[0]][0]] = max(right.get(upper_of[piece[0]][0], 0.0), edge)
    before_line: dict[int, int] = {}
    for first, upper in upper_of.items():
        w, last = words[first], words[upper[-1]]
        space = WORD_SPACE * (w["bottom"] - w["top"])
        if last["x1"] + space + (w["x1"] - w["x0"]) > right[upper[0]]:
            before_line[first] = upper[-1]
    after_line = {last: first for first, last in before_line.items()}
    out = {}
    for piece in pieces:
        for k, i in enumerate(piece):
            before = piece[k - 1] if k else before_line.get(i)
            after = piece[k + 1] if k + 1 < len(piece) else after_line.get(i)
            out[i] = (words[before] if before is not None else None, words[after] if after is not None else None)
    return out


WORD_SPACE = 0.25  # line heights: a word space


def starts_small(word: dict | None) -> bool:
    core = split_word(word["text"])[1] if word else ""
    return core[:1].islower()


def mid_sentence(before: dict | None, after: dict | None) -> bool:
    """A small-lettered word before (not a list marker `d)`, not closing a sentence), and after it none, a
    small-lettered one or an acronym (a capitalised word after it may be a name's next word)."""
    return starts_small(before) and not before["text"].endswith((".", ":", ";", "?", "!", ")")) \
        and (after is None or starts_small(after) or is_acronym(after))


def is_acronym(word: dict) -> bool:
    core = split_word(word["text"])[1]
    return len(core) >= 2 and core.isalpha() and core.isupper()


def in_small_letters(words: list[dict], vocabulary: Vocabulary, settings: SpellingSettings = SETTINGS) -> list[dict]:
    """Doubtful capitalised words mid-sentence put in small letters where the document says so (see module docstring)."""
    out = list(words)
    neighbours = line_neighbours(words, settings)
    for i, w in enumerate(words):
        lead, core, trail = split_word(w["text"])
        if not doubtful(w, settings) or lead or len(core) < 2 or not core.isalpha() or not core.istitle():
            continue  # a quoted word is a name ("'Signs of Safety'")
        before, after = neighbours[i]
        if len(core) < settings.min_length and before is not None and before["top"] != w["top"]:
            continue  # a short word opening a line ("On line self assessment") as often opens an item
        if mid_sentence(before, after) and vocabulary.small_letters(core):
            out[i] = dict(w, text=lead + core.lower() + trail)
    return out


def correct_views(views: list[PageView], settings: SpellingSettings = SETTINGS) -> list[PageView]:
    """The page views of one document with their doubtful OCR words corrected (see module docstring)."""
    vocabulary = Vocabulary([w for v in views for w in v.words], settings)
    out = []
    for view in views:
        words = [dict(w, text=vocabulary.corrected(w["text"])) if doubtful(w, settings) else w for w in view.words]
        words = list_letters(in_small_letters(words, vocabulary, settings), settings)
        out.append(replace(view, words=words))
    return out
