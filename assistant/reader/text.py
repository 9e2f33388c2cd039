"""The units a reader scores: the sentences of a passage (with the lead-in of a list they continue) and the
clauses inside a sentence. Offsets are into the passage text; nothing is rewritten."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..chunking import sentence_spans
from ..lexical import STOPWORDS
from ..normalise import fold
from ..types import Highlight

CLAUSE_END = re.compile(r"[，,；;：:。！？!?]")
_TERMINAL = "。！？；!?;"


@dataclass(frozen=True)
class Sentence:
    """One sentence of a retrieved passage: `text == passage_text[start:end]`; `folded` is the same text with
    full-width forms made plain (same length), which is what patterns and term look-ups read."""

    rank: int  # the passage's position among the retrieved passages (0 = first)
    index: int  # the sentence's position in its passage
    start: int
    end: int
    text: str
    folded: str
    lead: str  # the lead-in of a "；" list this sentence continues (主要预期目标是：), else ""


def sentences(text: str, rank: int = 0) -> list[Sentence]:
    """The sentences of a passage. A line break inside a sentence that only sets a subscript apart
    (广义货币M\\n2\\n预期增长13%) does not end it."""
    spans = _join_subscripts(text, sentence_spans(text, 0, len(text)))
    out = []
    for i, (s, e) in enumerate(spans):
        out.append(Sentence(rank, i, s, e, text[s:e], fold(text[s:e]), lead_in(text, s)))
    return out


def _join_subscripts(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    last_short = False  # the piece before this one was a subscript (M / 2 / ...)
    for s, e in spans:
        short = (e - s) <= 2
        if out:
            ps, pe = out[-1]
            gap = text[pe:s]
            if "\n" in gap and not gap.strip() and (short or last_short) and text[pe - 1] not in _TERMINAL:
                out[-1] = (ps, e)
                last_short = short
                continue
        out.append((s, e))
        last_short = short
    return out


def lead_in(text: str, start: int) -> str:
    """The lead-in of a "；"-separated list the sentence at `start` continues: 主要预期目标是：A；B；C — the
    clause B is one of the targets, though it does not say so itself. "" when the sentence starts afresh."""
    begin = max(text.rfind(c, 0, start) for c in "。\n！？") + 1
    colon = max(text.rfind("：", begin, start), text.rfind(":", begin, start))
    return text[begin : colon + 1] if colon >= 0 and begin < start else ""


def clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause: the pieces between ，；：。 (punctuation excluded)."""
    out, s = [], 0
    for m in CLAUSE_END.finditer(sentence):
        if m.start() > s:
            out.append((s, m.start()))
        s = m.end()
    if s < len(sentence):
        out.append((s, len(sentence)))
    return [(a, b) for a, b in out if sentence[a:b].strip()]


def term_highlights(text: str, terms: list[str]) -> list[Highlight]:
    """Every occurrence of a question term (longest match first, no overlaps)."""
    # longest first; equal lengths in question order (a set's order changes with every process's hash seed)
    wanted = sorted(dict.fromkeys(t for t in terms if len(t) > 1 or not t.isascii()), key=len, reverse=True)
    wanted = [t for t in wanted if t not in STOPWORDS and not (len(t) == 1 and t in "年的")]
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    for t in wanted:
        for m in re.finditer(re.escape(t), lowered):
            s, e = m.span()
            if not any(s < te and ts < e for ts, te in taken):
                taken.append((s, e))
    return [Highlight(s, e, "term") for s, e in sorted(taken)]
