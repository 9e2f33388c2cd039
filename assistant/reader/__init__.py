"""The reader: from the retrieved passages to the answering sentence, the span inside it, and whether to answer.

Every sentence of the top passages is a candidate; one fitted model scores them (features.py, model.py) and the
best is the answer when its probability clears the model's threshold. The spans inside the best sentence are
scored by a second fitted model. No rule refuses on its own: the scope check (api.py) is the only other one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..lexical import BM25, pos_tags, tokenize_with_spans
from ..query import Query
from .features import (
    ANSWER_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    Asked,
    Source,
    SpanContext,
    answer_features,
    sentence_features,
    span_features,
    with_gaps,
)
from .kinds import KIND_ZH
from .lists import Item, asked_count, best_list, target_clauses, yes_or_no
from .model import LinearModel, shipped
from .spans import Span, aligned_span, candidates
from .text import Sentence, sentences, term_highlights

__all__ = [
    "VALUE_TYPES", "AnswerParams", "Item", "Reading", "Source", "answer_features", "answer_model", "asked_count",
    "best_list", "in_scope", "read", "sentence_model", "sentence_rows", "span_model", "span_rows", "target_clauses",
    "term_highlights", "yes_or_no",
]

# the kinds of question whose names and phrases (jieba part-of-speech tags) are candidates
_TAGGED = (None, "person", "org", "title")
# the kinds of question answered by a value of that kind, when the sentence holds one
VALUE_TYPES = ("number", "date", "ordinal")


@dataclass(frozen=True)
class AnswerParams:
    """Answer and refusal switches (the fitted reader decides the rest: reader/, eval/fit_reader.py)."""

    # the reader's best sentence is refused under the fitted model's threshold (off: always answer, as SQuAD runs do)
    refuse: bool = True
    # a question naming a report the index does not hold (2020年政府工作报告) is refused, saying so
    refuse_missing_scope: bool = True
    # passages whose sentences may supply the answer (the first ones cited)
    answer_passages: int = 5


def sentence_model() -> LinearModel:
    return shipped("sentence", SENTENCE_FEATURES)


def span_model() -> LinearModel:
    return shipped("span", SPAN_FEATURES)


def answer_model() -> LinearModel:
    return shipped("answer", ANSWER_FEATURES)


@dataclass
class Reading:
    """The reader's decision. `span` is (start, end) inside the sentence, None when the sentence is the answer."""

    source: int  # which of the given sources holds the sentence
    sentence: Sentence
    span: tuple[int, int] | None
    prob: float  # the answer model's probability that this sentence answers the question
    answerable: bool
    reason: str = ""  # why not, when not answerable
    key: str | None = None  # the question's most specific term (the rarest in the index)


def in_scope(sources: list[Source]) -> list[int]:
    """Which sources the reader reads: those of the reports the question names (or the next year's, which reviews
    the year asked) when any is among them. A passage of another report is never the answer to a question that
    names its report; the other passages stay shown, as context."""
    inside = [i for i, s in enumerate(sources) if s.in_scope]
    return inside or list(range(len(sources)))


def sentence_rows(query: Query, sources: list[Source], bm25: BM25) -> tuple[Asked, list[tuple[int, Sentence]], np.ndarray]:
    """Every sentence of the sources with its feature vector: (the question as read, [(source, sentence)], X)."""
    asked = Asked.of(query, bm25, sources)
    found = [(i, s) for i, src in enumerate(sources) for s in sentences(src.text, src.rank)]
    x = np.array([sentence_features(asked, s, sources[i]) for i, s in found]).reshape(len(found), len(SENTENCE_FEATURES))
    return asked, found, with_gaps(x)


def span_rows(asked: Asked, sentence: Sentence, prob: float) -> tuple[list[Span], np.ndarray]:
    """The candidate spans of one sentence and their feature vectors."""
    qtype = asked.query.qtype
    tags = pos_tags(sentence.text) if qtype in _TAGGED else None
    aligned = aligned_span(sentence.folded, asked.query.text)
    spans = candidates(sentence.text, sentence.folded, asked.query.text, tags, aligned)
    if qtype in VALUE_TYPES and any(s.kind == qtype for s in spans):  # 第几 asks for an ordinal, 多少 for a figure
        spans = [s for s in spans if s.kind == qtype]
    if aligned and qtype in ("person", "org"):  # 主任由[谁]担任: the name is where the wh-word stands
        spans = [s for s in spans if s.start <= aligned.start and aligned.end <= s.end] or spans
    ctx = SpanContext.of(asked, sentence.folded, aligned, tokenize_with_spans(sentence.text), tags)
    x = np.array([span_features(asked, sentence.folded, s, ctx, prob) for s in spans]).reshape(len(spans), len(SPAN_FEATURES))
    return spans, x


def read(query: Query, sources: list[Source], bm25: BM25, threshold: float | None = None) -> Reading | None:
    """The best sentence of `sources`, the best span in it, and whether it answers: one model ranks the
    sentences, a second scores the best one as an answer to the question (against its fitted threshold, or
    `threshold`), a third picks the span. None when the sources hold no sentence."""
    am = answer_model()
    asked, found, x = sentence_rows(query, sources, bm25)
    if not found:
        return None
    probs = sentence_model().prob(x)
    best = int(np.argmax(probs))
    source, sentence = found[best]
    read_sentences = [s for _, s in found]
    features = answer_features(asked, x, probs, read_sentences)
    score = float(am.prob(features)[0])
    answerable = score >= (am.threshold if threshold is None else threshold)
    reason = "" if answerable else refusal_reason(am, features, asked, read_sentences)
    return Reading(source, sentence, best_span(asked, sentence, float(probs[best])), score, answerable, reason,
                   asked.key)


def best_span(asked: Asked, sentence: Sentence, prob: float) -> tuple[int, int] | None:
    spans, x = span_rows(asked, sentence, prob)
    if not spans:
        return None
    scores = span_model().prob(x)
    span = spans[int(np.argmax(scores))]
    return None if span.kind == "sentence" else (span.start, span.end)


_REASONS = {  # the feature whose weight held the best sentence down most -> what to tell the user
    "best_kind_other": "找到的数字是{found}，不是所问的{asked}",
    "best_typed_missing": "找到的句子里没有所问的{qtype}",
    "best_measure_miss": "找到的数字不是所问的量（单位或口径不同）",
    "best_outside_scope": "最接近的段落不在所问的报告中",
}
_QTYPE_ZH = {"number": "数字", "date": "日期", "ordinal": "名次", "org": "机构", "person": "人名"}


def refusal_reason(model: LinearModel, x: np.ndarray, asked: Asked, found: list[Sentence]) -> str:
    """The strongest reason the best sentence is no answer, in words."""
    q = asked.query
    missing = [t for t in sorted(asked.idf, key=lambda t: -asked.idf[t])
               if len(t) > 1 and not (t.isascii() and len(t) <= 4 and t.isalpha())  # is / the / what
               and not any(t in (s.lead + s.folded).lower() for s in found)]
    contrib = model.contributions(x)
    worst = min(_REASONS, key=lambda f: contrib.get(f, 0.0))
    if contrib.get(worst, 0.0) < -0.5 and not (missing and contrib.get(worst, 0.0) > -1.0):
        if worst == "best_kind_other" and not q.asked_kind:  # the kind the year asked implies (wanted_kind)
            return "找到的数字说的不是所问的年份"
        other = "result" if q.asked_kind == "target" else "target"
        return _REASONS[worst].format(found=KIND_ZH.get(other, ""), asked=KIND_ZH.get(q.asked_kind or "", ""),
                                      qtype=_QTYPE_ZH.get(q.qtype or "", "内容"))
    if missing:
        return f"找到的段落都没有提到「{'」「'.join(missing[:2])}」，可能报告中没有这项内容"
    return "找到的段落与问题关系不大，可能报告中没有这项内容"
