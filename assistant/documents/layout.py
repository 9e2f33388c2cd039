"""From positioned lines of printed pages (a PDF's text layer or OCR) to the report's paragraphs.

A printed page is a run of visual lines; the report is a run of paragraphs. Lines that repeat on many pages at the
same height (running headers, footers) and page numbers are dropped; a line continues the paragraph above unless
it is indented, the line above ended short of the right margin, the type size changed or a gap opens between
them, and this holds across page breaks. The result keeps, for every character of the text, the page and box it
was printed in, so a citation can name the page and a card can show it with the answer boxed.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points from the page's top left


@dataclass
class Line:
    """One printed line: its characters (one box each) on a page of the given size."""

    page: int  # 1-based
    chars: list[tuple[str, Box]]
    page_width: float
    page_height: float
    size: float = 0.0  # type size (the median character height when the source gives none)
    alone: bool = False  # a paragraph by itself (a table row)

    @property
    def text(self) -> str:
        return "".join(ch for ch, _ in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0][1][0]

    @property
    def x1(self) -> float:
        return self.chars[-1][1][2]

    @property
    def top(self) -> float:
        return min(b[1] for _, b in self.chars)

    @property
    def bottom(self) -> float:
        return max(b[3] for _, b in self.chars)


# start, end in the text, page, x0, top, x1, bottom, and each character's left edge (a table row: none)
LineBox = tuple[int, int, int, float, float, float, float, list[float]]


@dataclass
class Laid:
    """The report text made from lines: `pages[n-1]` is where page n starts in `text`; `lines` holds where each
    printed line is in the text and on its page, so a slice of the text can be boxed on the page."""

    text: str
    pages: tuple[int, ...]
    lines: list[LineBox] = field(default_factory=list)
    title: str | None = None


# Chinese characters and punctuation, with the marks Chinese text shares with Western (· — … “ ”)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u00b7\u2014\u2026\u2018-\u201d]")
_LATIN = re.compile(r"[0-9A-Za-z]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


# CJK Radicals Supplement forms that PDF printers emit for ordinary characters (no Unicode decomposition)
_RADICALS = dict(zip("⼾⺠⺟⻓⻔⻋⻅⻆⻘⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻬⻮⻰⻳⻚⻉⻄⻙⺩⺬⻊⺮",
                     "户民母长门车见角青风飞食马骨鬼鱼鸟卤麦黄齐齿龙龟页贝西韦王示足竹", strict=True))


def compatible(ch: str) -> str:
    """A compatibility form as the character it stands for: Kangxi radicals (⼯ U+2F2F -> 工), radical
    supplement forms (⺠ -> 民), compatibility ideographs, full-width letters and digits (Ｇ２ -> G2),
    ligatures (ﬁ -> fi). Full-width punctuation (，：（）) is the report's own and stays."""
    o = ord(ch)
    if ch in _RADICALS:
        return _RADICALS[ch]
    if 0x2F00 <= o <= 0x2FDF or 0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F or 0xFB00 <= o <= 0xFB06 \
            or 0xFF10 <= o <= 0xFF19 or 0xFF21 <= o <= 0xFF3A or 0xFF41 <= o <= 0xFF5A or ch == "\u00a0":
        return unicodedata.normalize("NFKC", ch)
    return ch


def normal_chars(chars: Iterable[tuple[str, Box]]) -> list[tuple[str, Box]]:
    """Compatibility forms replaced (compatible()); a space dropped between a Chinese character or punctuation
    mark and a digit, letter or mark (printing spaces CJK from digits, 13.7 万亿元; the report did not), kept
    between words and between two Chinese characters (省长 施小琳: a space the report has)."""
    out: list[tuple[str, Box]] = []
    for ch, box in chars:
        for c in compatible(ch):
            if c.isspace() or c == "\u3000":
                c = " "
            out.append((c, box))
    kept = []
    for i, (c, box) in enumerate(out):
        if c == " ":
            before = kept[-1][0] if kept else ""
            after = next((o[0] for o in out[i + 1:] if o[0] != " "), "")
            if not before or not after or before == " " or (
                    (is_cjk(before) or is_cjk(after)) and not (_HAN.match(before) and _HAN.match(after))):
                continue
        kept.append((c, box))
    return kept


_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_\s]*第?\s*\d{1,4}\s*页?(?:\s*[/／共]\s*\d{1,4}\s*页?)?[-—–－_\s]*|page\s*\d+(?:\s*of\s*\d+)?|\d{1,4}\s*/\s*\d{1,4})$",
    re.I)


def is_page_number(text: str) -> bool:
    """— 第 3 页 共 18 页 —, - 3 -, 3/13, 3, Page 3 of 18."""
    return bool(_PAGE_NUMBER.match(text.strip()))


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.replace(" ", ""))


def furniture(lines: list[Line], n_pages: int) -> set[int]:
    """Indexes of running headers, footers and page numbers: a page number anywhere in the top or bottom tenth
    of a page; a line of a page's edge block (the lines above the first wide gap at the top, below the last at
    the bottom, in the top or bottom fifth) whose wording, digits aside, recurs at the same height in the edge
    blocks of at least half the pages (and of two at least). Body lines that repeat word for word at the same
    height (a list of like items) are not in an edge block: a wider gap separates a header from the body."""
    edge = _edge_blocks(lines)
    seen: Counter = Counter()
    for i in edge:
        seen[(_shape(lines[i].text), round(lines[i].top / 6))] += 1
    repeat = max(2, (n_pages + 1) // 2)
    out = set()
    for i, line in enumerate(lines):
        if _in_margin(line, 0.1) and is_page_number(line.text):
            out.add(i)
        elif i in edge and n_pages > 1 and sum(
                seen[(_shape(line.text), round(line.top / 6) + d)] for d in (-1, 0, 1)) >= repeat:
            out.add(i)
    return out


def _edge_blocks(lines: list[Line]) -> set[int]:
    """Per page, the lines at its top before the first gap wider than the body's line spacing, and those at its
    bottom after the last such gap, at most three each and only within the page's top or bottom fifth."""
    by_page: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        by_page[line.page].append(i)
    pitches = []
    for ids in by_page.values():  # the gaps inside the page: its first and last may be a header's, a footer's
        tops = sorted(lines[i].top for i in ids)
        pitches += [b - a for a, b in zip(tops[1:-2], tops[2:-1], strict=True) if b - a > 0.5]
    pitches.sort()
    # wider than a line break and than the usual gap between paragraphs
    wide = max(1.6 * pitches[len(pitches) // 5], 1.2 * pitches[len(pitches) * 3 // 4]) if pitches else 0.0
    out: set[int] = set()
    for ids in by_page.values():
        ids = sorted(ids, key=lambda i: lines[i].top)
        for order in (ids, ids[::-1]):
            block = [order[0]]
            for a, b in zip(order, order[1:], strict=False):
                if abs(lines[b].top - lines[a].top) > wide or len(block) > 3:
                    break
                block.append(b)
            if len(block) <= 3 and len(block) < len(ids):
                out |= {i for i in block if _in_margin(lines[i], 0.2)}
    return out


def _in_margin(line: Line, share: float) -> bool:
    return line.bottom <= line.page_height * share or line.top >= line.page_height * (1 - share)


_ENDS_SENTENCE = re.compile(r"[。！？；：:!?;”’」』）)]$")


def layout(lines: list[Line], n_pages: int) -> Laid:
    """The paragraphs of the lines (in reading order, page by page), with page starts and character boxes."""
    drop = furniture(lines, n_pages)
    body = [line for i, line in enumerate(lines) if i not in drop and line.chars]
    prose = [line for line in body if not line.alone]
    title = first_page_title(prose)
    left, right, size = _margins(prose)
    indented = uses_indents(prose, left, size)
    text: list[str] = []
    at = 0
    boxes: list[LineBox] = []
    page_starts: dict[int, int] = {}
    prev: Line | None = None
    for line in body:
        if prev is not None:
            glue = "\n"
            if continues(prev, line, left, right, size, indented):  # an English phrase broken at a line end keeps its space
                glue = " " if _LATIN.match(prev.chars[-1][0]) and _LATIN.match(line.chars[0][0]) else ""
            text.append(glue)
            at += len(glue)
        page_starts.setdefault(line.page, at)
        piece = line.text
        text.append(piece)
        lefts = [] if line.alone else [round(box[0], 1) for _, box in line.chars]
        boxes.append((at, at + len(piece), line.page, line.x0, line.top, line.x1, line.bottom, lefts))
        at += len(piece)
        prev = line
    pages, start = [], 0
    for n in range(1, n_pages + 1):
        start = page_starts.get(n, start)
        pages.append(start)
    return Laid("".join(text), tuple(pages), boxes, title)


def boxes_of(lines: list[LineBox], start: int, end: int) -> dict[int, list[Box]]:
    """Page -> the boxes covering text[start:end]: each printed line it touches, cut to the characters it holds
    (from their left edges where the line has them, else taken as evenly spread, as Chinese type is)."""
    out: dict[int, list[Box]] = {}
    for s, e, page, x0, top, x1, bottom, *rest in lines:
        if e <= start or s >= end or e <= s:
            continue
        a, b = max(s, start), min(e, end)
        lefts = rest[0] if rest and len(rest[0]) == e - s else []
        if lefts:
            left, right = lefts[a - s], lefts[b - s] if b < e else x1
        else:
            step = (x1 - x0) / (e - s)
            left, right = x0 + (a - s) * step, x0 + (b - s) * step
        out.setdefault(page, []).append((left, top, right, bottom))
    return out


def _margins(body: list[Line]) -> tuple[dict[int, float], dict[int, float], float]:
    """Per page, the body text's left edge and right edge (the most common line ends), and the body type size.
    A page of a few lines (the last one, a page with a table) takes the edges of the full pages."""
    size = statistics.median([line.size for line in body]) if body else 10.0
    left, right, few = {}, {}, []
    for page in {line.page for line in body}:
        on = [line for line in body if line.page == page and abs(line.size - size) < 0.2 * size]
        on = on or [line for line in body if line.page == page]
        left[page] = min(line.x0 for line in on)
        right[page] = _mode_high([line.x1 for line in on], size)
        if len(on) < 5:
            few.append(page)
    full = [p for p in left if p not in few]
    if full:
        usual_left = statistics.median(left[p] for p in full)
        usual_right = statistics.median(right[p] for p in full)
        for page in few:
            left[page], right[page] = min(left[page], usual_left), usual_right
    return defaultdict(float, left), defaultdict(lambda: 1e9, right), size


def _mode_high(values: list[float], size: float) -> float:
    """The right edge that most lines reach: the highest value with many lines within one character of it."""
    values = sorted(values)
    best, count = values[-1], 0
    for v in values:
        n = sum(1 for w in values if v - size <= w <= v)
        if n >= count:
            best, count = v, n
    return best


def continues(prev: Line, line: Line, left: dict[int, float], right: dict[int, float], size: float,
              indented: bool = False) -> bool:
    """Whether `line` carries on the paragraph `prev` ended its line in. In a document whose paragraphs open
    with an indent, that indent is the sign, and a line may end a few characters short of the margin (ragged
    right, a comma that may not open the next line); otherwise the short line above is."""
    unit = max(size, 1.0)
    if prev.alone or line.alone:
        return False
    if abs(line.size - prev.size) > 0.2 * unit:
        return False  # a heading, or back from one
    if line.x0 > left[line.page] + 0.8 * unit:
        return False  # an indented first line
    if line.page == prev.page and line.top - prev.bottom > 1.2 * unit:
        return False  # a blank line between
    short = right[prev.page] - prev.x1
    if indented:
        return short < 4 * unit
    return short < 1.5 * unit and not (_ENDS_SENTENCE.search(prev.text) and short > 0.5 * unit)


def uses_indents(body: list[Line], left: dict[int, float], size: float) -> bool:
    """Paragraphs open with an indent: enough lines start one to two characters in from the left edge."""
    starts = sum(1 for line in body if 0.8 * size < line.x0 - left[line.page] < 3.5 * size)
    return starts >= 3 and starts >= 0.03 * len(body)


def first_page_title(body: list[Line]) -> str | None:
    """The first page's largest type: its line, with the next lines of the same size (a title set on two lines)."""
    first = [line for line in body if line.page == body[0].page] if body else []
    if not first:
        return None
    largest = max(line.size for line in first)
    body_size = statistics.median([line.size for line in body])
    if largest < 1.15 * body_size:
        return None
    i = next(i for i, line in enumerate(first) if line.size == largest)
    parts = [first[i].text]
    for line in first[i + 1:]:
        if abs(line.size - largest) > 0.05 * largest:
            break
        parts.append(line.text)
    title = "".join(parts).strip()
    return title if 2 <= len(title) <= 80 else None
