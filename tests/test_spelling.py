"""Doubtful OCR words corrected against the document's own confident words (extract/spelling.py),
on readings Tesseract gave for the copier scans of tests/test_scans.py."""

from __future__ import annotations

from extract.page_view import PageView
from extract.spelling import Vocabulary, correct_views, list_letters


def word(text: str, confidence: float | None = 0.97, x0: float = 100.0, top: float = 50.0) -> dict:
    out = {"text": text, "x0": x0, "x1": x0 + 6 * len(text), "top": top, "bottom": top + 10}
    if confidence is not None:
        out["confidence"] = confidence
    return out


VOCABULARY = Vocabulary([word(t) for t in "local school schools personal Bromley learning Children CAF".split()])


def test_misread_letters_become_the_documents_word():
    assert [VOCABULARY.corrected(t) for t in ("loca!", "(Loca!),", "schoo!", "school!", "persona!", "Bromiey's",
                                              "leaming")] == \
           ["local", "(Local),", "school", "school", "personal", "Bromley's", "learning"]


def test_months_come_from_the_lexicon_and_words_from_the_english_list():
    assert [VOCABULARY.corrected(t) for t in ("Apri]", "Apri!", "i!!")] == ["April", "April", "ill"]


def test_words_acronyms_and_codes_are_kept_as_read():
    kept = ["implemented", "levels", "provided", "old", "YOS", "CAFs", "1to", "0-25", "skills/GCSEs", "heath"]
    assert VOCABULARY.corrected("schoo!s/GCSEs") == "schools/GCSEs"
    assert [VOCABULARY.corrected(t) for t in kept] == kept


def test_only_doubtful_words_are_corrected():
    """A clean word read surely stays; a mark inside a word makes it doubtful however surely it was read;
    a text layer's word (no confidence) is never touched."""
    def view(number: int, words: list[dict]) -> PageView:
        return PageView(number=number, width=600, height=800, images=[], char_count=0, edges=[], verticals=[],
                        fills=[], words=words)

    first = view(1, [word("local"), word("Bromley"), word("Ofsted")])
    second = view(2, [word("Bromly", 0.9), word("Ofsled", 0.97, top=70), word("loca!", 0.99, top=90),
                      word("loca!", None, top=110)])
    _, out = correct_views([first, second])
    assert [w["text"] for w in out.words] == ["Bromley", "Ofsled", "local", "loca!"]


def test_a_lettered_lists_markers_are_read_from_their_neighbours():
    marks = ["a)", "b)", "¢)", "d)", "€)", "f)", "1)", "m)", "N)", "0)", "p)", "4)", "1)", "2)", "3)"]
    words = [w for k, m in enumerate(marks) for w in (word(m, 0.9, 10, 20.0 * k), word("text", 0.97, 40, 20.0 * k))]
    fixed = [w["text"] for w in list_letters(words) if w["x0"] == 10]
    assert fixed == ["a)", "b)", "c)", "d)", "e)", "f)", "l)", "m)", "n)", "o)", "p)", "a)", "1)", "2)", "3)"]


def line(texts: str, top: float, x0: float = 100.0, confidence: float = 0.97, doubtful_word: str = "") -> list[dict]:
    """One line of words, a word space apart; `doubtful_word` read at 0.7 (as Tesseract read these)."""
    out, x = [], x0
    for t in texts.split():
        out.append(word(t, 0.7 if t == doubtful_word else confidence, x, top))
        x = out[-1]["x1"] + 3
    return out


def test_doubtful_capitals_mid_sentence_are_put_in_small_letters():
    """Readings of the Chromium copier scan: `strengthen Joint working`, a line ending `groups` over
    `Including BAME`; a sentence's first word after a list marker, a quoted name and a name of
    several capitalised words stay as read."""
    def view(words: list[dict]) -> PageView:
        return PageView(number=1, width=600, height=800, images=[], char_count=0, edges=[], verticals=[],
                        fills=[], words=words)

    vocabulary = line("joint joint joint including support support Joint Health", 20)
    words = (line("review and strengthen Joint working", 50, doubtful_word="Joint")
             + line("provision to identified groups", 70) + line("Including BAME (Black, Asian", 82, doubtful_word="Including")
             + line("d) Explore opportunities", 110, doubtful_word="Explore")
             + line("and ‘Signs of Safety’ model", 130, doubtful_word="‘Signs")
             + line("with the Family Support Service", 150, doubtful_word="Support"))
    _, out = correct_views([view(vocabulary), view(words)])
    assert [w["text"] for w in out.words if w["confidence"] == 0.7] == ["joint", "including", "Explore", "‘Signs", "Support"]


def test_a_real_word_the_document_never_reads_surely_is_undone_to_one_it_does():
    vocabulary = Vocabulary([word("local")])
    assert [vocabulary.corrected(t) for t in ("focal", "heath", "total")] == ["local", "heath", "total"]
