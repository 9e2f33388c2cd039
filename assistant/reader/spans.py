"""Candidate answers inside a sentence: typed values (figures, also in Chinese numerals; dates; ordinals; names;
《titles》; organisations), the text standing where the question's wh-word stands, noun phrases, clauses and
the sentence itself. Which one answers is the scorer's decision (features.py, model.py), not a pattern's.

Every pattern reads the folded sentence (full-width forms made plain, same length), so offsets are the
sentence's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lexicon import units
from ..qtypes import ORG, ROLE, TITLE, WH
from .text import clauses

_CN = "零〇○一二两三四五六七八九十百千万亿"
_DIGITS = r"(?:\d{1,3}(?:，\d{3})+(?!\d)|\d(?: \d)+(?![\d.])|\d+(?:[.,]\d+)*)"
_CN_NUM = rf"[{_CN}]+(?:点[零〇○一二三四五六七八九]+)?"
_UNIT = units()
# a figure's unit: a known one, else one character standing for a thing counted (4金, 800列, 9.4万P)
_ANY_UNIT = rf"(?:{_UNIT}|[A-Za-z]{{1,3}}(?![A-Za-z])|[\u4e00-\u9fff](?<![的是和与及在了为等年月日多余]))"
_PREFIX = r"(?:超过|超|近|约|逾|突破|达到|达|累计|共|仅)?"
_SUFFIX = r"(?:左右|以上|以内|以下|上下|多|余)?"
_RANGE = r"\s*[-—–~～至到－]\s*"
NUMBER = re.compile(
    rf"{_PREFIX}(?:"
    rf"百分之{_CN_NUM}|百分之{_DIGITS}"  # 百分之十二点三
    rf"|{_DIGITS}(?:多|余)?\s*(?:万亿|亿|万|千)?\s*(?:{_ANY_UNIT})?(?:{_RANGE}{_DIGITS}\s*(?:万亿|亿|万)?\s*(?:{_UNIT})?)?"
    rf"|{_CN_NUM}(?:{_UNIT})(?:{_RANGE}{_CN_NUM}(?:{_UNIT}))?"
    # a Chinese numeral before any other character only when it has a magnitude (百万辆, 八千亿斤), so that the
    # words 零售, 一般 and 三产 are not figures
    rf"|[{_CN}]*[十百千万亿]{_ANY_UNIT}"
    rf"){_SUFFIX}"
)
_VERB_PREFIX = re.compile(r"^(?:达到|达|累计|共)")
DATE = re.compile(
    rf"(?:19|20)\d{{2}}\s*年?\s*[-—–~～至到]\s*(?:19|20)\d{{2}}年"
    rf"|(?:(?:19|20)\d{{2}}|[一二〇零○][〇零○一二三四五六七八九]{{3}})年(?:度|\d{{1,2}}月(?:\d{{1,2}}日)?|[{_CN}]{{1,2}}月(?:[{_CN}]{{1,3}}日)?)?"
    r"|\d{1,2}月\d{1,2}日|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日"
)
ORDINAL = re.compile(
    rf"(?:全国|全省|全市|全区|全球|世界|国内|亚洲|西部|中部)?(?:排名|排|位居|居|列|位列)?"
    rf"(?:第[{_CN}\d]+(?:名|位)?|首位|榜首|前列|第一方阵)"
)
_PARTICLES = "了的是在由被给为把对于"
_NOUNISH = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "eng", "vn", "an", "m", "q", "j", "l", "i")

KINDS = ("number", "date", "ordinal", "title", "org", "person", "aligned", "phrase", "clause", "tail", "sentence")


@dataclass(frozen=True)
class Span:
    """A candidate answer: sentence_text[start:end], of `kind` (one of KINDS)."""

    start: int
    end: int
    kind: str


def typed_spans(folded: str) -> list[Span]:
    """Figures, dates, ordinals, 《titles》 and organisations in a (folded) sentence."""
    out = [Span(*m.span(), "date") for m in DATE.finditer(folded)]  # first: 2009年 is a date more than a figure
    for m in NUMBER.finditer(folded):
        s, e = m.span()
        s += len(_VERB_PREFIX.match(folded[s:e]).group(0)) if _VERB_PREFIX.match(folded[s:e]) else 0
        if e > s and re.search(rf"[\d{_CN}]", folded[s:e]) and not _bare_cn(folded[s:e]):
            out.append(Span(s, e, "number"))
    for kind, pattern in (("ordinal", ORDINAL), ("title", TITLE), ("org", ORG)):
        out.extend(Span(*m.span(), kind) for m in pattern.finditer(folded) if m.end() > m.start())
    return out


def _bare_cn(value: str) -> bool:
    """一是 / 三大 / 十分: a Chinese numeral word, not a figure (a figure has a unit after its numeral)."""
    return bool(re.fullmatch(rf"[{_CN}]{{1,2}}[是大分项条批些者]", value))


def person_spans(sentence: str, tags: list[tuple[str, str]]) -> list[Span]:
    """Names: words jieba tags as person names, and the name written beside a role (省长 刘小涛, 李玉院士)."""
    out, pos = [], 0
    words = []
    for word, tag in tags:
        words.append((pos, pos + len(word), word, tag))
        pos += len(word)
    for i, (s, e, word, tag) in enumerate(words):
        if tag in ("nr", "nrfg", "nrt") and len(word) >= 2:
            out.append(Span(s, e, "person"))
        if ROLE.fullmatch(word) or word in ("省长", "主席", "总理", "院士"):
            nxt = [w for w in words[i + 1 : i + 3] if w[2].strip()]
            if nxt and re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", nxt[0][2]):
                out.append(Span(nxt[0][0], nxt[0][1], "person"))
            prev = words[i - 1] if i else None
            if prev and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", prev[2]) and prev[3].startswith("n"):
                out.append(Span(prev[0], prev[1], "person"))
    return out


def phrase_spans(tags: list[tuple[str, str]]) -> list[Span]:
    """Maximal runs of noun-like words (国家最高科学技术奖, 台北市政府政风处处长), and their last one or two words."""
    out, run, pos = [], [], 0
    for word, tag in [*tags, ("。", "x")]:
        start, pos = pos, pos + len(word)
        if tag.startswith(_NOUNISH) and word.strip() and tag != "x":
            run.append((start, pos))
            continue
        if run:
            out.append(Span(run[0][0], run[-1][1], "phrase"))
            for k in (1, 2):
                if len(run) > k:
                    out.append(Span(run[-k][0], run[-1][1], "phrase"))
        run = []
    return [s for s in out if s.end - s.start >= 2]


def clause_spans(sentence: str, question: str) -> list[Span]:
    """Each clause; each clause without the words it shares with the question at its start or end
    (叶盛茂是台北市政府政风处处长 -> 台北市政府政风处处长); and, from every clause on, the rest of the sentence."""
    out = []
    parts = clauses(sentence)
    for i, (s, e) in enumerate(parts):
        out.append(Span(s, e, "clause"))
        ts, te = _strip_shared(sentence, s, e, question)
        if (ts, te) != (s, e) and te - ts >= 2:
            out.append(Span(ts, te, "clause"))
        if i + 1 < len(parts) and i < 4:
            out.append(Span(s, parts[-1][1], "tail"))
    return out


def _strip_shared(sentence: str, s: int, e: int, question: str) -> tuple[int, int]:
    """Drop from the clause's start the longest piece that is also in the question (then particles), and the
    same at its end: what is left is what the question does not already say."""
    for k in range(min(e - s, 12), 1, -1):
        if sentence[s : s + k] in question:
            s += k
            break
    while s < e and sentence[s] in _PARTICLES:
        s += 1
    for k in range(min(e - s, 12), 1, -1):
        if sentence[e - k : e] in question:
            e -= k
            break
    return s, e


def aligned_span(sentence: str, question: str, max_len: int = 24) -> Span | None:
    """The text of the sentence standing where the question's wh-word stands: "哪家企业研发生产的新冠灭活疫苗…"
    against "康泰生物研发生产的新冠灭活疫苗…" gives 康泰生物; "组长由谁担任" against "组长由市长担任" gives 市长."""
    m = WH.search(question)
    if not m:
        return None
    left = question[: m.start()].rstrip(_PARTICLES)
    right = question[m.end() :].lstrip(_PARTICLES)
    frag = next((right[:k] for k in (6, 5, 4, 3, 2) if len(right[:k]) == k and right[:k] in sentence
                 and not re.search(r"[\W_]", right[:k])), None)
    if frag is None:
        return None
    fallback = None
    for hit in re.finditer(re.escape(frag), sentence):
        end = hit.start()
        clause = max(sentence.rfind(d, 0, end) for d in "，。；：,;:") + 1
        start = next((pos + k for k in (4, 3, 2) if len(left[-k:]) == k
                      for pos in [sentence.rfind(left[-k:], clause, end)] if pos >= 0), None)
        span = _trimmed(sentence, clause if start is None else start, end, max_len)
        if span and start is not None:  # the question's words on both sides: 主任由[谁]担任 -> 分管副市长
            return span
        fallback = fallback or span
    return fallback


def _trimmed(sentence: str, start: int, end: int, max_len: int) -> Span | None:
    while start < end and sentence[start] in _PARTICLES:
        start += 1
    while end > start and sentence[end - 1] in _PARTICLES:
        end -= 1
    return Span(start, end, "aligned") if 1 < end - start <= max_len else None


def candidates(sentence: str, folded: str, question: str, tags: list[tuple[str, str]] | None,
               aligned: Span | None = None) -> list[Span]:
    """Every candidate answer of the sentence, each (start, end) once (the first kind found keeps it).
    `tags` (jieba words with part-of-speech) add names and noun phrases; None skips them."""
    found = typed_spans(folded)
    if aligned:
        found.append(aligned)
    if tags is not None:
        found += person_spans(sentence, tags) + phrase_spans(tags)
    found += clause_spans(folded, question)
    found.append(Span(0, len(sentence), "sentence"))
    seen, out = set(), []
    for span in found:
        key = (span.start, span.end)
        if key not in seen and span.end > span.start:
            seen.add(key)
            out.append(span)
    return out
