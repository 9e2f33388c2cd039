"""Structure-aware Chinese chunking. Every chunk's text is an exact slice of the report text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from .lexicon import CN_NUMERALS, words
from .types import Chunk, Report

HEADING_PATTERNS: list[tuple[int, re.Pattern]] = [
    (0, re.compile(r"^#{1,6}\s+")),  # markdown: level = number of '#'
    (1, re.compile(rf"^第[{CN_NUMERALS}\d]+[编章部](?:分)?\s*")),
    (2, re.compile(rf"^第[{CN_NUMERALS}\d]+节\s*")),
    (1, re.compile(rf"^[{CN_NUMERALS}]+[、．.]\s*")),
    (2, re.compile(rf"^[（(][{CN_NUMERALS}]+[)）]\s*")),
    (3, re.compile(r"^\d{1,2}[、．.](?!\d)\s*")),
    (4, re.compile(r"^[（(]\d{1,2}[)）]\s*")),
]
SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*|\n")
ENUMERATION = re.compile(rf"(?:[{CN_NUMERALS}]+是|第[{CN_NUMERALS}]+[，,、])")
SOFT_BREAK = re.compile(r"[，,、：:]")
_SPACE = " \t\r\n\u3000\ufeff\xa0"
MAX_HEADING = 60


@dataclass(frozen=True)
class ChunkParams:
    max_chars: int = 250
    min_chars: int = 24  # shorter paragraphs join the next one in the same section
    overlap_sentences: int = 1
    fixed: bool = False  # the tutorial baseline: blind windows of max_chars, overlap_chars apart, no context
    overlap_chars: int = 50

    def to_dict(self) -> dict:
        d = asdict(self)
        if not self.fixed:  # keeps manifests of structure-aware builds unchanged
            d.pop("fixed")
            d.pop("overlap_chars")
        return d


def chunk_id(doc_id: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{doc_id}:{start}:{end}:{text}".encode()).hexdigest()[:16]


def lines_with_offsets(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line's content with surrounding whitespace trimmed; empty lines skipped."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        s, e = pos, pos + len(raw)
        pos = e
        while s < e and text[s] in _SPACE:
            s += 1
        while e > s and text[e - 1] in _SPACE:
            e -= 1
        if s < e:
            yield s, e


HEADING_WORDS = words("heading_words.txt")
_PUNCT = re.compile(r"[，。、；：！？,.;:!?（）()“”\"《》\s]")


def heading_of(line: str) -> tuple[int, str, bool] | None:
    """(level, heading title, heading_only) when the line opens a section."""
    if len(line) <= 20 and line.endswith(HEADING_WORDS) and not _PUNCT.search(line):
        return 1, line, True  # an un-numbered part heading: 2024年工作回顾, 名词解释
    for level, pattern in HEADING_PATTERNS:
        m = pattern.match(line)
        if not m:
            continue
        if level == 0:
            return len(line) - len(line.lstrip("#")), line.lstrip("#").strip(), True
        end = re.search(r"[。！？!?]", line)
        if end is None:
            if len(line) > MAX_HEADING:
                return None
            return level, line.rstrip("：:"), True
        title = line[: end.start()]
        if len(title) > MAX_HEADING:
            title = title[:MAX_HEADING] + "…"
        return level, title, False
    return None


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as absolute (start, end), split after 。！？； and newlines."""
    spans, s = [], start
    for m in SENTENCE_END.finditer(text, start, end):
        e = m.end()
        if text[m.start()] == "\n":
            e = m.start()
        if e > s and text[s:e].strip(_SPACE):
            spans.append(_trim(text, s, e))
        s = m.end()
    if s < end and text[s:end].strip(_SPACE):
        spans.append(_trim(text, s, end))
    return spans


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _SPACE:
        s += 1
    while e > s and text[e - 1] in _SPACE:
        e -= 1
    return s, e


def split_long_sentence(text: str, s: int, e: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at commas where possible, else at spaces, else at max_chars but never
    inside a number or a Latin word (a report pasted as one unpunctuated line still gives sensible pieces)."""
    pieces = []
    while e - s > max_chars:
        end, nxt = _cut_point(text[s : s + max_chars + 1], max_chars)
        pieces.append((s, s + end))
        s += nxt
    pieces.append((s, e))
    return pieces


SPACE_BREAK = re.compile(r"[ \t\u3000]+")
_WORD_TAIL = re.compile(r"[0-9A-Za-z.%％]+$")


def _cut_point(window: str, max_chars: int) -> tuple[int, int]:
    """(end of this piece, start of the next) within window[:max_chars], past its middle; window holds
    one character more, to see whether a hard cut would split a number."""
    half, after = max_chars // 2, window[max_chars:]
    window = window[:max_chars]
    commas = [m.end() for m in SOFT_BREAK.finditer(window) if m.end() > half]
    if commas:
        return commas[-1], commas[-1]
    spaces = [m for m in SPACE_BREAK.finditer(window) if m.start() > half]
    if spaces:
        return spaces[-1].start(), spaces[-1].end()
    tail = _WORD_TAIL.search(window)
    if tail and tail.start() > half and _WORD_TAIL.match(after):
        return tail.start(), tail.start()
    return max_chars, max_chars


def windows(text: str, start: int, end: int, params: ChunkParams) -> list[tuple[int, int]]:
    """Split a paragraph into windows of whole sentences, overlapping by one sentence."""
    if end - start <= params.max_chars:
        return [(start, end)]
    sentences: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, start, end):
        sentences.extend(split_long_sentence(text, s, e, params.max_chars))
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences):
            s0, e_next = sentences[i][0], sentences[j][1]
            if e_next - s0 > params.max_chars:
                break
            if ENUMERATION.match(text, sentences[j][0]) and sentences[j - 1][1] - s0 >= params.max_chars // 2:
                break
            j += 1
        out.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        overlap = params.overlap_sentences
        starts_item = ENUMERATION.match(text, sentences[j][0])
        back = j - overlap if overlap and not starts_item and j - overlap > i else j
        last = sentences[back] if back < j else None
        i = back if last and last[1] - last[0] <= params.max_chars // 2 else j
    return out


_FURNITURE = re.compile(r"^(?:[^。！？；：:]{1,6}|【[^】]{0,6}|[^【]{0,6}】)$")


def is_page_furniture(line: str) -> bool:
    """Very short lines with no sentence in them: 下载 / 打印 / 【字号： / 评论 (0) copied from web pages."""
    return bool(_FURNITURE.match(line)) and heading_of(line) is None and not re.search(r"\d{4}", line)


def paragraphs(report: Report) -> Iterator[tuple[int, int, str]]:
    """(start, end, section path) of each content paragraph; heading-only lines update the path."""
    text = report.text
    stack: dict[int, str] = {}
    for s, e in lines_with_offsets(text):
        line = text[s:e]
        if line.lstrip("#").strip() == report.title or is_page_furniture(line):
            continue  # the title line (every passage carries the title anyway), or web-page buttons
        heading = heading_of(line)
        if heading:
            level, title, heading_only = heading
            stack = {lv: t for lv, t in stack.items() if lv < level}
            stack[level] = title
            if heading_only:
                continue
        yield s, e, " > ".join(stack[lv] for lv in sorted(stack))


def merge_short(text: str, paras: list[tuple[int, int, str]], params: ChunkParams) -> list[tuple[int, int, str]]:
    """Join a paragraph shorter than min_chars to the next one when they are adjacent in one section."""
    out: list[tuple[int, int, str]] = []
    pending: tuple[int, int, str] | None = None
    for s, e, section in paras:
        adjacent = pending is not None and not text[pending[1] : s].strip(_SPACE)
        if pending and adjacent and pending[2] == section and e - pending[0] <= params.max_chars:
            s = pending[0]
        elif pending:
            out.append(pending)
        pending = None
        if e - s < params.min_chars:
            pending = (s, e, section)
        else:
            out.append((s, e, section))
    if pending:
        out.append(pending)
    return out


def fixed_windows(text: str, size: int, overlap: int) -> list[tuple[int, int, str]]:
    step = max(1, size - overlap)
    out = []
    for s in range(0, max(len(text) - overlap, 1), step):
        ws, we = _trim(text, s, min(len(text), s + size))
        if ws < we:
            out.append((ws, we, ""))
    return out


def chunk_report(report: Report, params: ChunkParams = ChunkParams()) -> list[Chunk]:
    chunks = []
    if params.fixed:
        pieces = fixed_windows(report.text, params.max_chars, params.overlap_chars)
    else:
        pieces = [(ws, we, section) for s, e, section in merge_short(report.text, list(paragraphs(report)), params)
                  for ws, we in windows(report.text, s, e, params)]
    for ws, we, section in pieces:
        piece = report.text[ws:we]
        chunks.append(Chunk(chunk_id(report.doc_id, ws, we, piece), report.doc_id, piece, ws, we, section))
    return chunks


def embedding_text(report: Report, chunk: Chunk, params: ChunkParams = ChunkParams()) -> str:
    """What the embedder sees: the passage with its report title and section for context, in simplified
    characters (a traditional report is searched through its simplified reading)."""
    if params.fixed:
        return report.plain(chunk.text)
    title = report.shown_title
    section = chunk.section.split(" > ")[-1] if chunk.section else ""
    text = f"{title}｜{section}｜{chunk.text}" if section else f"{title}｜{chunk.text}"
    return report.plain(text)
