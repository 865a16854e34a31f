"""KPI cards: one drawn box per indicator holding its title, a rating box (a word and/or a fill
colour), often a chart and a direction arrow, and its values: labelled in a line
(`Latest: 85%  Target: 90%  Previous: Amber`), as a small grid of headings over values
(`2016/17 outturn | 2017/18 target`), or set beside their headings (`Target   90%`).

A card is recognised by what it holds, not by where it sits or what it says: a drawn box (a
rectangle or a rounded box, stroked or shaded) with a title at its top and either one rating mark
or values under colon labels naming figures. The rating mark is a small box saying only a rating
word; or a plain mark of a rating colour standing apart (not a chart bar on its axis, not a table
cell, not an icon, not a legend swatch), with a rating word or nothing beside it; or a line saying
only a rating word. A box holding cards (a panel, a page background) is no card, and a box inside
one (a chart's plot area, the rating box, the ref badge) is part of it. A shaded box saying a rating
word and a count (`GREEN 12`) counts the report's ratings: a summary, never a rating.

Cards drawn with rules instead of boxes (a word processor's small table per indicator, or a grid of
rules with one card in each cell) are read the same way, their grids found by the ruled reader's
geometry: a small grid topped by one cell across it (the title), its rating a cell; or a grid each
of whose cells with text is a card.

The words come from `normalise/data/kpi_cards.yaml` (rating words, direction arrows, value
headings) and `normalise/data/status.yaml` (status words), read as data.

Each card becomes a two-column `ExtractedTable` (reader `kpi_card`), read by normalise/kpis.py as
one indicator:

    row 0          ref badge (when printed in one) | title
    next rows      (none)                          | rating box (its words and fill); direction arrow
    then           label                           | value         (one row per labelled value)
    last           the card's other text (chart labels, notes) across both columns, when there is any
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

import yaml

from ..page_view import NO_FILL, PageView
from ..records import BBox, Cell, ExtractedTable, TextLine
from .cells import CELLS, CellSettings, cell_fill, lowest_confidence, words_to_lines

NAME = "kpi_card"


@dataclass(frozen=True)
class KpiCardSettings:
    min_width: float = 90.0  # points: a narrower box is a badge, a pill or a bar, not a card
    min_height: float = 30.0  # points: a card holds a title and a rating or a line of values
    page_share: float = 0.6  # of the page's area: a box this big is a page background or a frame, not a card
    same_box: float = 1.5  # points: boxes whose edges are this close are one box drawn twice (fill, then stroke)
    inside: float = 1.0  # points: a box or word reaching this far past a card's edge is still inside it
    rating_max_width: float = 160.0  # points: a wider shaded box saying nothing is a band or a panel, not a rating
    rating_max_height: float = 40.0  # points: a taller shaded box is a panel or a chart bar
    rating_min_size: float = 5.0  # points: a smaller mark is a bullet or a dot in a chart
    rating_max_words: int = 4  # a rating box says one short phrase ('On target', 'GREEN')
    min_saturation: float = 0.3  # 0..1: a paler or greyer fill is shading (a plot area, a card), not a rating colour
    touching: float = 1.5  # points: a rule this close to a shaded box's side makes it a bar on an axis or a table cell
    swatch_reach: float = 1.5  # text heights: a word this close right of a word-less mark is its legend text
    phrase_gap: float = 0.6  # text heights: a gap this wide on a line parts two labelled values (word spaces are ~0.3)
    title_gap: float = 0.8  # text heights: a wider gap under a title line ends the title
    line_gap: float = 0.8  # text heights: a value goes on to the next line when it is no further below than this
    wrap_room: float = 2.5  # text heights: room a layout keeps after a value (a margin, the gap to the next
    #                         label): a line ending nearer the right edge than this and its next word was full
    max_label_words: int = 4  # words of a label up to its colon ('Stat. neighbours:', 'Direction of travel:')
    min_figures: int = 2  # labelled values naming figures that make a box without a rating mark a card
    grid_max_words: int = 6  # words of a value under a heading in a grid of values
    frame_max_cells: int = 12  # a card framed by rules is a small grid: title, rating, a few values
    frame_title_share: float = 0.9  # of a framed card's width its title cell spans
    cells: CellSettings = field(default=CELLS)


SETTINGS = KpiCardSettings()


def key(text: str) -> str:
    """A word or phrase as the vocabulary lists it: lower case, dots and whitespace folded."""
    return " ".join(str(text).lower().replace(".", " ").replace("!", " ").split())


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    data = resources.files("normalise").joinpath("data")
    cards = yaml.safe_load(data.joinpath("kpi_cards.yaml").read_text())
    status = yaml.safe_load(data.joinpath("status.yaml").read_text())
    return {
        "ratings": {key(w) for w in [*cards["rating_words"], *cards["card_ratings"], *status]},
        "directions": {key(w): d for d, words in cards["directions"].items() for w in words},
        "value_heading": re.compile(cards["value_heading"], re.I),
    }


def is_rating_word(text: str) -> bool:
    return key(text) in vocabulary()["ratings"]


def direction_of(text: str) -> str | None:
    """'up', 'down' or 'same' for an arrow or a direction word standing alone; None otherwise."""
    return vocabulary()["directions"].get(key(text))


def names_a_figure(label: str) -> bool:
    return bool(vocabulary()["value_heading"].search(label))


# -- geometry ---------------------------------------------------------------------------------

def box_of(shape: dict) -> BBox:
    return (shape["x0"], shape["top"], shape["x1"], shape["bottom"])


def area(box: BBox) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def inside(inner: BBox, outer: BBox, slack: float) -> bool:
    return (outer[0] - slack <= inner[0] and inner[2] <= outer[2] + slack
            and outer[1] - slack <= inner[1] and inner[3] <= outer[3] + slack)


def overlaps(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def same_box(a: BBox, b: BBox, tolerance: float) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a, b))


def union(boxes) -> BBox:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def word_box(w: dict) -> BBox:
    return (w["x0"], w["top"], w["x1"], w["bottom"])


def centre_in(w: dict, box: BBox, slack: float = 0.0) -> bool:
    x, y = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
    return box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack


def height(item) -> float:
    box = item.bbox if isinstance(item, TextLine) else word_box(item)
    return max(box[3] - box[1], 1.0)


def saturation(rgb) -> float:
    return colorsys.rgb_to_hsv(*rgb)[1] if rgb else 0.0


Line = list[dict]  # the words of one visual line, left to right


def visual_lines(words: list[dict], settings: KpiCardSettings) -> list[Line]:
    """Words grouped into visual lines by their top coordinate (as cells.words_to_lines groups them)."""
    lines: list[Line] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= settings.cells.line_tolerance:
            lines[-1].append(w)
        else:
            lines.append([w])
    for line in lines:
        line.sort(key=lambda w: w["x0"])
    return lines


def text_of(words: list[dict]) -> str:
    return " ".join(w["text"] for w in words)


def line_top(line: Line) -> float:
    return min(w["top"] for w in line)


def line_bottom(line: Line) -> float:
    return max(w["bottom"] for w in line)


def follows(above: Line, below: Line, settings: KpiCardSettings) -> bool:
    """The line below is the next line of the same block: no wider gap than a line's spacing."""
    return line_top(below) - line_bottom(above) <= settings.line_gap * height(above[0])


def phrases(line: Line, settings: KpiCardSettings) -> list[Line]:
    """A line's runs of words parted by gaps wider than a word space: `Latest: 85%` | `Target: 90%`."""
    out = [[line[0]]]
    for a, b in zip(line, line[1:]):
        if b["x0"] - a["x1"] >= settings.phrase_gap * height(a):
            out.append([b])
        else:
            out[-1].append(b)
    return out


def label_end(phrase: Line, settings: KpiCardSettings) -> int | None:
    """Where a phrase's label ends: the first of its first few words ending with a colon."""
    for i, w in enumerate(phrase[:settings.max_label_words]):
        if w["text"].endswith(":"):
            return i
    return None


LABEL_COLON_RE = re.compile(r"^([A-Za-z][A-Za-z.'’()/&-]*:)(\S+)$")  # 'Latest:12' (set closer than a word space)


def at_label_colon(word: dict) -> list[dict]:
    """A label run into its value ('Target:90%', the value set closer than a word space) as two words,
    the letters divided in proportion; a time or a ratio ('10:30', '1:5') stays one word."""
    m = LABEL_COLON_RE.match(word["text"])
    if not m or m.group(1).lower().startswith(("http", "www")):
        return [word]
    cut = word["x0"] + (word["x1"] - word["x0"]) * len(m.group(1)) / len(word["text"])
    return [dict(word, text=m.group(1), x1=cut), dict(word, text=m.group(2), x0=cut)]


def label_text(words: list[dict]) -> str:
    return text_of(words).rstrip(":").strip()


# -- the entry point --------------------------------------------------------------------------

@dataclass
class Card:
    box: BBox
    title: list[dict]
    badge: list[dict] = field(default_factory=list)  # the ref, printed in a badge before the title
    rating: tuple[BBox, list[dict], tuple | None] | None = None  # (box, words, fill) of the rating mark
    direction: list[dict] = field(default_factory=list)
    values: list[tuple[list[dict], list[dict]]] = field(default_factory=list)  # (label words, value words)
    other: list[dict] = field(default_factory=list)  # chart labels, notes: the card's other words


def read_tables(view: PageView, taken: list[BBox] = (), settings: KpiCardSettings = SETTINGS) -> list[ExtractedTable]:
    """One table per KPI card on the page, innermost boxes first: a box holding a card is a panel."""
    cards: list[Card] = []
    for box in card_boxes(view, taken, settings):
        if any(overlaps(box, c.box) for c in cards):
            continue  # holds (or cuts across) a card already read: a panel, a frame, a page background
        card = read_card(view, box, settings)
        if card is not None:
            cards.append(card)
    if may_rate(view, settings):
        cards += framed_cards(view, [*taken, *(c.box for c in cards)], settings)
    return [card_table(view.number, c, settings) for c in sorted(cards, key=lambda c: (c.box[1], c.box[0]))]


def may_rate(view: PageView, settings: KpiCardSettings) -> bool:
    """Some word on the page is a rating word, or some shape has a rating colour: worth looking for
    cards drawn with rules (the grid finder is the costly part)."""
    return any(is_rating_word(w["text"]) for w in view.words) or any(
        b["fill"] is not None and saturation(b["fill"]) >= settings.min_saturation for b in view.boxes) or any(
        saturation(f["rgb"]) >= settings.min_saturation for f in view.fills)


def framed_cards(view: PageView, taken: list[BBox], settings: KpiCardSettings) -> list[Card]:
    """Cards drawn with rules instead of a box: a frame of four rules, a grid each of whose cells with
    text is a card, or a small grid topped by one cell across it (the title), one of its other cells
    the rating."""
    from .ruled import SETTINGS as RULED, ruled_cell_groups

    out: list[Card] = []
    groups = ruled_cell_groups(view, replace(RULED, min_cells=1))  # one cell: a card boxed by four rules
    boxes = [union(cells) for cells in groups]
    grids = [b for cells, b in zip(groups, boxes) if len(cells) > 1]
    for cells, box in zip(groups, boxes):
        if any(overlaps(box, t) for t in taken) or area(box) > settings.page_share * view.width * view.height \
                or any(b != box and inside(b, box, settings.inside) for b in grids) \
                or any(overlaps(box, c.box) for c in out):
            continue  # a slide's or a page's frame, a frame holding another grid, a box in a card: no card
        texts = [c for c in cells if any(centre_in(w, c) for w in view.words)]
        each = [read_card(view, c, settings) for c in texts]
        if each and all(each):
            out += each
        elif len(cells) <= settings.frame_max_cells and (card := read_card(view, box, settings, frame=cells)):
            out.append(card)
    return out


def card_boxes(view: PageView, taken: list[BBox], settings: KpiCardSettings) -> list[BBox]:
    """Drawn boxes big enough to be a card, smallest first, each once, outside boxes other readers took."""
    page_area = view.width * view.height
    found: list[BBox] = []
    for shape in view.boxes:
        box = box_of(shape)
        if box[2] - box[0] < settings.min_width or box[3] - box[1] < settings.min_height \
                or area(box) > settings.page_share * page_area:
            continue
        if any(same_box(box, b, settings.same_box) for b in found) or any(overlaps(box, t) for t in taken):
            continue
        if any(same_box(box, box_of(s), settings.same_box) and shows(s, view, settings) for s in view.boxes):
            found.append(box)
    return sorted(found, key=area)


def shows(shape: dict, view: PageView, settings: KpiCardSettings) -> bool:
    """The box is seen: its outline is stroked, or its fill differs from the paper or the shading under it
    (a white box on white paper, a column's background, bounds nothing one can see)."""
    if shape["stroke"]:
        return True
    if shape["fill"] is None:
        return False
    if min(shape["fill"]) <= NO_FILL:
        return True
    box = box_of(shape)
    return any(s["fill"] is not None and min(s["fill"]) <= NO_FILL and area(box_of(s)) > area(box)
               and inside(box, box_of(s), settings.inside) for s in view.boxes)


def read_card(view: PageView, box: BBox, settings: KpiCardSettings = SETTINGS,
              frame: list[BBox] | None = None) -> Card | None:
    """The card in a box: its title, rating mark, direction and values; None when the box holds no card.
    A card framed by rules (`frame`: the cells of its grid) has its title in a top cell across it, and
    its rating may be one of its cells."""
    words = [part for w in view.words if centre_in(w, box) for part in at_label_colon(w)]
    if not words:
        return None
    inner = [b for b in view.boxes
             if inside(box_of(b), box, settings.inside) and not same_box(box_of(b), box, settings.same_box)]
    title_cell = None
    if frame is not None:
        heads = [c for c in frame if abs(c[1] - box[1]) <= settings.same_box]
        if len(heads) != 1 or heads[0][2] - heads[0][0] < settings.frame_title_share * (box[2] - box[0]):
            return None
        title_cell = heads[0]
        cells = [{"x0": c[0], "top": c[1], "x1": c[2], "bottom": c[3], "fill": cell_fill(c, view.fills), "stroke": True,
                  "cell": True} for c in frame if c != title_cell]  # a shaded cell may be the rating
        inner = [b for b in inner if not any(same_box(box_of(b), c, settings.same_box) for c in frame)] + cells
    rating = rating_box(view, inner, words, settings)
    used = {id(w) for w in rating[1]} if rating else set()
    arrows = [w for w in words if id(w) not in used and not w["text"].isalpha() and direction_of(w["text"])][:1]
    used |= {id(w) for w in arrows}
    lines = visual_lines([w for w in words if id(w) not in used], settings)
    if title_cell is not None:
        title = [ln for ln in lines if all(centre_in(w, title_cell) for w in ln)]
        body = [ln for ln in lines if not all(centre_in(w, title_cell) for w in ln)]
    else:
        title, body = split_title(lines, settings)
    if not title:
        return None
    badge = ref_badge(title[0], inner, settings)
    title_words = [w for line in title for w in line if w not in badge]
    if not title_words:
        return None
    if rating is None:
        rating, body = rating_line(body)
    values, other = labelled_values(body, box, settings)
    grid, other = grid_values(other, settings)
    spaced, other = spaced_values(other, settings)
    direction = arrows
    if not direction:
        direction, other = direction_phrase(other, settings)
    card = Card(box=box, title=title_words, badge=badge, rating=rating, direction=direction,
                values=values + grid + spaced, other=other)
    return card if is_card(card, len(values), settings) else None


def is_card(card: Card, labelled: int, settings: KpiCardSettings) -> bool:
    """A title with a rating word (in its box or alone on a line), or with a rating colour and values;
    or without a rating, with values under colon labels that name figures (a target, an outturn)."""
    if card.rating is not None and (card.rating[1] or card.values):
        return True
    return sum(names_a_figure(label_text(label)) for label, _ in card.values[:labelled]) >= settings.min_figures


# -- the parts of a card ----------------------------------------------------------------------

def rating_box(view: PageView, inner: list[dict], words: list[dict], settings: KpiCardSettings):
    """(box, words, fill) of the card's one rating box: a small box saying only a rating word (on any
    fill, or none); or a plain mark of a rating colour saying nothing, standing apart (no rule runs on
    from its sides, as under a chart's bars or along a table's cells), with a rating word or nothing
    beside it. None when there is none, or more than one to choose from."""
    marks: list[tuple[BBox, list[dict], tuple | None]] = []
    for shape in inner:
        box = box_of(shape)
        width, tall = box[2] - box[0], box[3] - box[1]
        if not (settings.rating_min_size <= width and settings.rating_min_size <= tall <= settings.rating_max_height):
            continue
        fill = shape["fill"] if shape["fill"] is not None and min(shape["fill"]) <= NO_FILL else next(
            (s["fill"] for s in inner if s["fill"] is not None and min(s["fill"]) <= NO_FILL
             and same_box(box_of(s), box, settings.same_box)), None)
        if any(same_box(box, m[0], settings.same_box) for m in marks):
            continue
        said = sorted((w for w in words if centre_in(w, box)), key=lambda w: (round(w["top"]), w["x0"]))
        if said:
            if len(said) > settings.rating_max_words or not is_rating_word(text_of(said)):
                continue  # a count of ratings ('GREEN 12'), a ref badge, a label: no rating
            beside = legend_text([w for w in words if not centre_in(w, box)], box, settings)
            if beside and all(COUNT_RE.match(w["text"]) for w in beside):
                continue  # a rating and the number of indicators rated so: a summary
        else:
            if width > settings.rating_max_width and not shape.get("cell"):
                continue  # a band or a panel saying nothing (a framed card's rating cell may run its width)
            if saturation(fill) < settings.min_saturation or not shape.get("cell") and (
                    touches_a_rule(view, box, settings) or not plain(view, box, settings)):
                continue  # shading, a bar standing on its chart's axis, a shaded cell of a table, an icon
            said = legend_text(words, box, settings)
            if said and not is_rating_word(text_of(said)):
                continue  # a chart legend's swatch, its series named beside it
        marks.append((box, said, fill))
    worded = [m for m in marks if m[1]]
    if len(worded) == 1:
        return worded[0]
    return marks[0] if not worded and len(marks) == 1 else None


COUNT_RE = re.compile(r"^\(?\d+\)?$")  # a bare count of indicators


def plain(view: PageView, box: BBox, settings: KpiCardSettings) -> bool:
    """Nothing else drawn inside the box (strokes, shapes, pictures): a mark of colour, not an icon."""
    x0, top, x1, bottom = box
    slack = settings.touching
    if any(overlaps(box, image) for image in view.images):
        return False
    if any(x0 + slack < e["x0"] < x1 - slack and top + slack < e["top"] < bottom - slack for e in view.edges):
        return False
    return not any(inside(box_of(s), box, 0) and not same_box(box_of(s), box, settings.same_box) for s in view.boxes)


def touches_a_rule(view: PageView, box: BBox, settings: KpiCardSettings) -> bool:
    """A horizontal stroke along the box's top or bottom that runs on past its sides."""
    reach = settings.touching
    for e in view.edges:
        if e["orientation"] != "h" or not (e["x0"] < box[2] and box[0] < e["x1"]):
            continue
        if (abs(e["top"] - box[3]) <= reach or abs(e["top"] - box[1]) <= reach) \
                and (e["x0"] < box[0] - reach or e["x1"] > box[2] + reach):
            return True
    return False


def legend_text(words: list[dict], box: BBox, settings: KpiCardSettings) -> list[dict]:
    """The words printed right beside a word-less mark, on its line, up to the first wide gap."""
    mid = (box[1] + box[3]) / 2
    line = sorted((w for w in words if w["top"] <= mid <= w["bottom"] and w["x0"] >= box[2] - settings.inside),
                  key=lambda w: w["x0"])
    if not line or line[0]["x0"] - box[2] > settings.swatch_reach * height(line[0]):
        return []
    return phrases(line, settings)[0]


def ref_badge(first: Line, inner: list[dict], settings: KpiCardSettings) -> list[dict]:
    """The title line's first word when a shaded badge holds it alone: the indicator's ref ('2a')."""
    word = first[0]
    for shape in inner:
        box = box_of(shape)
        if shape["fill"] is not None and min(shape["fill"]) <= NO_FILL and centre_in(word, box) \
                and box[2] - box[0] <= settings.rating_max_width and not any(centre_in(w, box) for w in first[1:]):
            return [word]
    return []


def split_title(lines: list[Line], settings: KpiCardSettings) -> tuple[list[Line], list[Line]]:
    """The title: the card's first lines, up to a wider gap or a line of labelled values."""
    if not lines or is_label_line(lines[0], settings):
        return [], lines
    title = [lines[0]]
    for line in lines[1:]:
        if line_top(line) - line_bottom(title[-1]) > settings.title_gap * height(title[-1][0]) \
                or is_label_line(line, settings):
            break
        title.append(line)
    return title, lines[len(title):]


def is_label_line(line: Line, settings: KpiCardSettings) -> bool:
    """A line opening with a label: one naming a figure ('Target:'), or one of several on the line."""
    parts = phrases(line, settings)
    end = label_end(parts[0], settings)
    if end is None:
        return False
    labels = sum(label_end(p, settings) is not None for p in parts)
    return labels >= 2 or names_a_figure(label_text(parts[0][:end + 1]))


def rating_line(body: list[Line]):
    """A line saying only a rating word ('GREEN', 'On target'): the rating, printed without a box."""
    for i, line in enumerate(body):
        if is_rating_word(text_of(line)):
            return (union(word_box(w) for w in line), line, None), body[:i] + body[i + 1:]
    return None, body


def labelled_values(body: list[Line], box: BBox, settings: KpiCardSettings):
    """(label words, value words) of each `Label: value` in the lines, and the words that are neither.

    A value runs on to the next line when the line was full (its next word would not have fitted);
    a label's first words may end one line and its colon open the next ('... Next' / 'target: 91%')."""
    if not body:
        return [], []
    left = min(w["x0"] for line in body for w in line)
    right = box[2] - (left - box[0])  # the text's right margin, as wide as its left one
    pairs: list[list] = []  # [label words, value words, index of the value's last line]
    other: list[dict] = []
    pending: list[dict] = []
    for li, line in enumerate(body):
        parts = phrases(line, settings)
        for pi, part in enumerate(parts):
            end = label_end(part, settings)
            if end and not pending:  # words before the label's own: the value above going on, or stray text
                going_on = bool(pairs) and not pi and pairs[-1][2] == li - 1 \
                    and wrapped(body[li - 1], line, right, settings)
                start = label_start(part, end, going_on, 0, settings)
                if start:
                    if going_on or pairs and pairs[-1][2] == li:
                        pairs[-1][1] += part[:start]
                        pairs[-1][2] = li
                    else:
                        other += part[:start]
                    part, end = part[start:], end - start
            if end is not None and label_text(pending + part[:end + 1]) \
                    and len(pending) + end < settings.max_label_words:
                for label, value in run_of_labels(pending + part[:end + 1], part[end + 1:], settings):
                    pairs.append([label, value, li])
                pending = []
                continue
            other += pending
            pending = []
            nxt = body[li + 1] if li + 1 < len(body) else None
            if pi and pi == len(parts) - 1 and nxt and nxt[0]["text"].endswith(":") \
                    and len(part) < settings.max_label_words and wrapped(line, nxt, right, settings):
                pending = part  # 'Next' at the end of a line, 'target:' opening the next
            elif pairs and pairs[-1][2] == li and pi:
                pairs[-1][1] += part  # the value goes on past a wide gap
            elif pairs and not pi and pairs[-1][2] == li - 1 and (
                    wrapped(body[li - 1], line, right, settings)
                    or not pairs[-1][1] and follows(body[li - 1], line, settings)):
                pairs[-1][1] += part  # the value wrapped onto this line (or its label ended the line above)
                pairs[-1][2] = li
            else:
                other += part
    other += pending
    return [(label, value) for label, value, _ in pairs], other


def run_of_labels(label: Line, rest: Line, settings: KpiCardSettings) -> list[tuple[Line, Line]]:
    """A label's value, cut where the next label follows it after a word space only
    ('Latest: 21 Target: 18', 'Latest: 85% Next target: 90%'). The next label is its word ending with
    a colon and the capitalised words just before it, leaving the value a word at least."""
    out, start = [], 0
    for i, w in enumerate(rest):
        if i <= start or not w["text"].endswith(":") or not w["text"][0].isalpha():
            continue
        j = label_start(rest, i, True, start + 1, settings)
        out.append((label, rest[start:j]))
        label, start = rest[j:i + 1], i + 1
    return out + [(label, rest[start:])]


def label_start(words: Line, end: int, capitalised: bool, floor: int, settings: KpiCardSettings) -> int:
    """Where the label ending with words[end] (its colon word) starts: back over the words before it,
    none of them a number ('79%*'; a period such as 'Q3 2023/24' may be), all capitalised where they
    follow a value on the same run ('... available Target:'), at most a label's length, not before
    `floor`."""
    j = end
    while j - 1 >= floor and end - j + 1 < settings.max_label_words and not NUMBER_RE.match(words[j - 1]["text"]) \
            and (not capitalised or words[j - 1]["text"][:1].isupper()):
        j -= 1
    return j


NUMBER_RE = re.compile(r"^[<>≤≥~+±-]?[£$€]?\d[\d,.]*[%*]*$")  # a figure ('79%*', '1,017'), never a label's word


def wrapped(line: Line, nxt: Line, right: float, settings: KpiCardSettings) -> bool:
    """The next line goes on from this one: it follows closely and its first word would not have fitted
    (with the room a layout keeps after a value: a margin, the gap to a next label)."""
    first = nxt[0]
    room = settings.wrap_room * height(first)
    return follows(line, nxt, settings) and line[-1]["x1"] + room + (first["x1"] - first["x0"]) > right


def grid_values(words: list[dict], settings: KpiCardSettings):
    """Values in a small grid: a line of headings naming figures ('2016/17 outturn', 'Target') over a
    line of values, each under its heading. Returns the pairs and the words left over."""
    lines = visual_lines(words, settings)
    pairs, used = [], set()
    for above, below in zip(lines, lines[1:]):
        if id(above[0]) in used or not follows(above, below, settings):
            continue
        heads, cells = phrases(above, settings), phrases(below, settings)
        if len(heads) != len(cells) or not all(names_a_figure(text_of(h)) for h in heads) \
                or any(len(c) > settings.grid_max_words for c in cells):
            continue
        if not all(h[0]["x0"] < c[-1]["x1"] and c[0]["x0"] < h[-1]["x1"] for h, c in zip(heads, cells)):
            continue  # a value not under its heading
        pairs += list(zip(heads, cells))
        used |= {id(w) for w in above + below}
    return pairs, [w for w in words if id(w) not in used]


FIGURE_RE = re.compile(r"^[<>≤≥~+±-]?[£$€]?\d|^(?:-|–|n/?a|tbc|tbd|new|nil|none)$", re.I)  # how a value opens


def spaced_values(words: list[dict], settings: KpiCardSettings):
    """Values set beside their headings without a colon: two or more to a line, parted by wide gaps
    (`Latest 85%   Target 90%   Previous Amber`), or one to a line with a gap between heading and
    value (`Target    90%`). Returns the pairs and the words left over."""
    pairs, used = [], set()
    for line in visual_lines(words, settings):
        parts = phrases(line, settings)
        found = [split for part in parts if (split := heading_and_value(part, settings))]
        if len(found) < 2 and len(parts) == 2 and names_a_figure(text_of(parts[0])) \
                and len(parts[0]) <= settings.max_label_words and opens_like_a_value(parts[1]):
            found = [(parts[0], parts[1])]  # 'Target     90%': a heading, and its value set apart on its line
        elif len(found) < 2:
            continue
        pairs += found
        used |= {id(w) for label, value in found for w in label + value}
    return pairs, [w for w in words if id(w) not in used]


def opens_like_a_value(words: Line) -> bool:
    return bool(FIGURE_RE.match(words[0]["text"])) or is_rating_word(text_of(words))


def heading_and_value(part: Line, settings: KpiCardSettings) -> tuple[Line, Line] | None:
    """The fewest leading words naming a figure, when what follows them opens like a value."""
    for k in range(1, min(settings.max_label_words, len(part) - 1) + 1):
        label, value = part[:k], part[k:]
        if names_a_figure(text_of(label)) and opens_like_a_value(value):
            return label, value
    return None


def direction_phrase(words: list[dict], settings: KpiCardSettings):
    """A phrase saying only a direction of travel ('Improving', 'No change'), and the words left."""
    for line in visual_lines(words, settings):
        for part in phrases(line, settings):
            if direction_of(text_of(part)):
                ids = {id(w) for w in part}
                return part, [w for w in words if id(w) not in ids]
    return [], words


# -- the table --------------------------------------------------------------------------------

def word_cell(row: int, col: int, words: list[dict], settings: KpiCardSettings, col_span: int = 1,
              bbox: BBox | None = None, fill=None) -> Cell:
    lines = words_to_lines(words, settings.cells)
    return Cell(row=row, col=col, col_span=col_span, bbox=bbox or union(word_box(w) for w in words), lines=lines,
                fill=fill, confidence=lowest_confidence(lines))


def card_table(page: int, card: Card, settings: KpiCardSettings = SETTINGS) -> ExtractedTable:
    """The card as rows of a two-column table: ref badge | title, then its marks, then label | value."""
    cells = [word_cell(0, 1, card.title, settings)]
    if card.badge:
        cells.insert(0, word_cell(0, 0, card.badge, settings))
    row = 1
    if card.rating is not None:
        box, said, fill = card.rating
        cells.append(word_cell(row, 1, said, settings, bbox=box, fill=fill) if said
                     else Cell(row=row, col=1, bbox=box, fill=fill))
        row += 1
    if card.direction:
        cells.append(word_cell(row, 1, card.direction, settings))
        row += 1
    for label, value in card.values:
        cells.append(word_cell(row, 0, label, settings))
        if value:
            cells.append(word_cell(row, 1, value, settings))
        row += 1
    if card.other:
        cells.append(word_cell(row, 0, card.other, settings, col_span=2))
        row += 1
    return ExtractedTable(page=page, bbox=card.box, n_rows=row, n_cols=2, cells=cells, reader=NAME)
