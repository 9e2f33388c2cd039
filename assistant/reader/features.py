"""What the reader's scorers see: one feature vector per candidate sentence and per candidate span.

Each feature is a signal an earlier rule decided on alone (term coverage, the figure's unit and measure, target
or result, the report's scope, the passage's rank); here each is one number, and the fitted weights
(model.py, eval/fit_reader.py) decide how much it counts. Features read the folded text (full-width forms
made plain, same length), so offsets stay the passage's own.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from ..lexical import BM25, STOPWORDS, tokenizer
from ..lexicon import CHINESE_YEAR, YEAR, chinese_year, other_wordings, words
from ..qtypes import QUESTION_WORD, ROLE, WH, measure_fits
from ..query import Query
from .kinds import sentence_kind
from .spans import KINDS, Span, typed_spans
from .text import Sentence

TYPED = ("number", "date", "ordinal", "org", "person")
_BREAK = re.compile(r"[，。；！？,;]")
_QUALIFIER = re.compile(r"(?:左右|以上|以内|以下|上下|多|余)$")


@dataclass(frozen=True)
class Source:
    """What the reader knows of one retrieved passage besides its text."""

    text: str
    title: str = ""
    section: str = ""
    rank: int = 0
    score: float = 0.0  # the retrieval score, relative to the first passage's (1.0 for the first)
    prior: float = 1.0  # how well its report matches the question's years and regions
    coverage: float = 0.0  # share of the question's content IDF mass the passage holds
    cosine: float = 0.0  # dense similarity to the question (0 when searched by BM25 alone)
    opens_report: bool = False  # the report's first passage (its title page: who delivered it, when)
    same_report_as_first: bool = True
    position: float = 0.0  # where the passage starts in its report: 0 its beginning, 1 its end
    in_scope: bool = True  # its report is one the question names, or the next year's (search.Hit.in_scope)
    year: int | None = None  # its report's year


@dataclass(frozen=True)
class Asked:
    """The question as the features read it, computed once per question."""

    query: Query
    idf: dict[str, float]  # content term -> IDF
    key: str | None  # the most specific content term (the rarest in the index)
    bigrams: frozenset[str]
    best_coverage: float
    best_cosine: float
    # content term -> the ways a report may write it: the other wordings of the question's words that hold it
    # (生产总值, 生产, 总值: gdp; 颗粒物 of 细颗粒物年均浓度: pm2.5)
    forms: dict[str, tuple[str, ...]]
    newest: int | None = None  # the latest year among the reports read (of those in scope, when any is)
    bm25: BM25 | None = None  # the index's term statistics (how rare a candidate's words are)

    def holds(self, term: str, text: str) -> bool:
        """`text` (lower-cased) writes `term` in one of its forms."""
        return any(f in text for f in self.forms.get(term, (term,)))

    @classmethod
    def of(cls, query: Query, bm25: BM25, sources: list[Source]) -> Asked:
        content = [t for t in dict.fromkeys(query.content_terms) if t not in STOPWORDS and not QUESTION_WORD.match(t)]
        bigrams = frozenset(t[i : i + 2] for t in content for i in range(len(t) - 1)) | frozenset(
            t for t in content if len(t) == 1)
        idf = {t: bm25.idf(t) for t in content}
        # the most specific term: the rarest in the index among the words of two or more characters (米其林, 赤字率)
        # that do not name the report itself (委员会 of 深圳市科技创新委员会 says which report, not what is asked)
        titles = " ".join(s.title for s in sources).lower()
        key = max((t for t in content if len(t) > 1 and t not in titles), key=lambda t: (idf[t], len(t)), default=None)
        wordings = other_wordings()
        read = [s for s in sources if s.in_scope] or sources
        return cls(query, idf, key, bigrams,
                   max((s.coverage for s in sources), default=0.0), max((s.cosine for s in sources), default=0.0),
                   {t: (t, *(f for w, fs in wordings.items() if t in w and w in query.text for f in fs)) for t in content},
                   max((s.year for s in read if s.year), default=None), bm25)


SENTENCE_FEATURES = (
    "coverage", "mass", "key_term", "run", "bigrams", "passage_coverage", "best_coverage", "cosine_gap",
    "first_passage", "rank", "score", "relevance", "prior", "outside_scope", "same_report", "title_page_date",
    "typed", "typed_missing", "unit_fit", "measure_fit", "measure_miss", "key_then_value", "kind_same", "kind_other",
    "result_position", "target_position", "result_unasked", "target_unasked", "newest_report", "year_spoken",
    "year_other", "period", "length", "first_sentence", "lead",
    "section_term", "q_number", "q_date",
    "q_typed", "q_untyped", "q_list", "q_yes_no",
    "coverage_gap", "mass_gap", "run_gap",  # against the question's best candidate (with_gaps)
)
GAPS = (("coverage_gap", "coverage"), ("mass_gap", "mass"), ("run_gap", "run"))


SENTENCE_COLUMN = {n: i for i, n in enumerate(SENTENCE_FEATURES)}


def with_gaps(x: np.ndarray) -> np.ndarray:
    """Fill the gap columns: each candidate's coverage, mass and run against the best of its question."""
    col = SENTENCE_COLUMN
    for gap, of in GAPS:
        x[:, col[gap]] = x[:, col[of]] - (x[:, col[of]].max() if len(x) else 0.0)
    return x


def sentence_features(asked: Asked, sentence: Sentence, source: Source) -> np.ndarray:
    q = asked.query
    read = (sentence.lead + sentence.folded).lower()
    title = source.title.lower()
    weights = {t: w * (0.2 if t in title else 1.0) for t, w in asked.idf.items()}
    total = sum(weights.values()) or 1.0
    mass = sum(w for t, w in weights.items() if asked.holds(t, read))
    spans = typed_spans(sentence.folded)
    kinds = {s.kind for s in spans} | ({"person"} if ROLE.search(sentence.folded) else set())
    numbers = [sentence.folded[s.start : s.end] for s in spans if s.kind == "number"]
    is_number = q.qtype == "number"
    fits = [n for n in numbers if _unit_fits(n, q) and measure_fits(n, q.text)]
    wanted = wanted_kind(q, source)
    kind = sentence_kind(read, source.section, source.year) if is_number else None
    heading = source.section.split(" > ")[0]
    spoken = years_spoken(read, source) if q.event_year else set()
    return np.array([
        mass / total,
        math.log1p(mass),
        float(asked.key is not None and asked.holds(asked.key, read)),
        _longest_shared(q.text, read) / 8,
        sum(b in read for b in asked.bigrams) / max(1, len(asked.bigrams)),
        source.coverage,
        asked.best_coverage,
        source.cosine - asked.best_cosine,  # relative: each embedder has its own scale of cosines
        float(source.rank == 0),
        source.rank / 2,
        source.score,
        source.score / max(source.prior, 0.01),  # the score before the scope prior discounted it
        source.prior,  # 1 the named report, 0.5 the next year's (its review of the year asked), 0.3 outside
        float(not source.in_scope),
        float(source.same_report_as_first),
        float(source.opens_report and q.qtype == "date"),
        float(q.qtype in TYPED and q.qtype in kinds),
        float(q.qtype in TYPED and q.qtype not in kinds),
        float(is_number and bool(q.unit) and any(_unit_fits(n, q) for n in numbers)),
        float(is_number and bool(fits)),
        float(is_number and bool(numbers) and not fits),
        float(is_number and _key_then_value(read, asked.forms.get(asked.key or "", ()), len(sentence.lead), spans)),
        float(wanted is not None and kind is not None and kind == wanted),
        float(wanted is not None and kind is not None and kind != wanted),
        # a work report reviews the past year first and sets this year's targets after: how early the passage
        # stands when a result is asked, how late when a target is (0 when neither is, or halfway through)
        0.5 - source.position if is_number and wanted == "result" else 0.0,
        source.position - 0.5 if is_number and wanted == "target" else 0.0,
        # the kind of a figure where the question asks for neither (算力规模有多大: most ask what is, not what is planned)
        float(wanted is None and kind == "result"),
        float(wanted is None and kind == "target"),
        # where the question names no year, the latest report says what is now
        float(not q.years and source.year is not None and source.year == asked.newest),
        # the year the sentence speaks of is the year the question dates (Query.event_year), or another one
        float(bool(spoken & set(q.years))),
        float(bool(spoken) and not spoken & set(q.years)),
        # the sentence speaks of several years (五年来…年均增长, 连续4年) where the question names one year
        float(bool(q.years) and not PERIOD.search(q.text) and bool(PERIOD.search(read))),
        math.log1p(len(sentence.text)) / 5,
        float(sentence.index == 0),
        float(bool(sentence.lead)),
        float(bool(heading) and any(len(t) > 1 and t in heading for t in asked.idf)),
        float(is_number),
        float(q.qtype == "date"),
        float(q.qtype in TYPED),
        float(q.qtype not in TYPED),
        float(q.wants_list),
        float(q.yes_no),
        *(0.0 for _ in GAPS),
    ])


ANSWER_FEATURES = (
    "best_prob", "margin", *(f"best_{n}" for n in (
        "coverage", "mass", "key_term", "run", "bigrams", "passage_coverage", "cosine_gap", "prior", "outside_scope", "typed",
        "typed_missing", "measure_fit", "measure_miss", "kind_same", "kind_other", "key_then_value", "first_passage",
        "title_page_date")),
    "passages_coverage", "union_coverage", "key_anywhere", "terms", "q_number", "q_date", "q_typed",
    "q_untyped", "q_list", "q_yes_no",
)


def answer_features(asked: Asked, x: np.ndarray, probs: np.ndarray, found: list[Sentence]) -> np.ndarray:
    """Whether the question is answered at all, read off its best sentence (x[best], probs[best]) and off all of
    them: how much of the question any candidate holds, whether its key term occurs anywhere."""
    order = np.argsort(-probs)
    best = x[order[0]]
    col = SENTENCE_COLUMN
    text = " ".join((s.lead + s.folded).lower() for s in found)
    total = sum(asked.idf.values()) or 1.0
    return np.array([
        probs[order[0]], probs[order[0]] - (probs[order[1]] if len(order) > 1 else 0.0),
        *(best[col[n]] for n in ("coverage", "mass", "key_term", "run", "bigrams", "passage_coverage", "cosine_gap",
                                 "prior", "outside_scope", "typed", "typed_missing", "measure_fit", "measure_miss", "kind_same",
                                 "kind_other", "key_then_value", "first_passage", "title_page_date")),
        best[col["best_coverage"]],
        sum(w for t, w in asked.idf.items() if asked.holds(t, text)) / total,
        float(asked.key is not None and asked.holds(asked.key, text)),
        math.log1p(len(asked.idf)),
        *(best[col[n]] for n in ("q_number", "q_date", "q_typed", "q_untyped", "q_list", "q_yes_no")),
    ])


_SOME = r"(?:[两三四五六七八九十]+|(?<!\d)\d{1,2})"  # 五, 10: a count of years, not a year
PERIOD = re.compile(rf"年均|累计|以来|(?:这|近|过去){_SOME}年|{_SOME}年(?:来|间)|连续{_SOME}年"
                    r"|[“\"]?十[一二三四五六]五[”\"]?(?:时期|期间)"
                    # a change over the years: 高新技术企业从2.2万家增加到4.9万家
                    r"|从[^，。；]{1,12}?(?:增加|提高|提升|增长|扩大|跃升|上升|下降|减少|降低|缩小)(?:到|至)")
_YEAR_SAID = re.compile(rf"(?<!\d)({YEAR})年(?!代)")


def wanted_kind(q: Query, source: Source) -> str | None:
    """The kind of figure asked: the question's own word (目标, 完成), else what the year an event question dates
    is to this report: a year before the report's is one it reviews (a result), its own year or a later one is one
    it plans (a target)."""
    if q.asked_kind or not q.event_year or not q.years or source.year is None:
        return q.asked_kind
    if max(q.years) < source.year:
        return "result"
    return "target" if min(q.years) >= source.year else None


def years_spoken(read: str, source: Source) -> set[int]:
    """The years a sentence speaks of: those it names (2025年, 二〇二五年), else its report's year for a target
    (今年…预期目标) and the year before for a result (过去一年…完成)."""
    named = {int(m.group(1)) for m in _YEAR_SAID.finditer(read)} | {
        y for m in CHINESE_YEAR.finditer(read) if (y := chinese_year(m.group(1)))}
    if named or source.year is None:
        return named
    kind = sentence_kind(read, source.section, source.year)
    return {source.year} if kind == "target" else {source.year - 1} if kind == "result" else set()


def _unit_fits(number: str, q: Query) -> bool:
    return not q.unit or q.unit == "个" or q.unit in number


def _longest_shared(question: str, text: str, longest: int = 8) -> int:
    """Length of the longest piece of the question (up to `longest` characters) the text holds."""
    for k in range(longest, 1, -1):
        if any(question[i : i + k] in text for i in range(len(question) - k + 1)):
            return k
    return 0


def _key_then_value(read: str, key_forms: tuple[str, ...], offset: int, spans: list[Span], window: int = 12) -> bool:
    """A figure follows the question's key term (in any of its forms) closely, in the same clause (赤字率拟按3%左右)."""
    found = [(read.index(f), f) for f in key_forms if f in read]
    if not found:
        return False
    at, form = min(found)
    end = at + len(form)
    for s in spans:
        start = s.start + offset
        if s.kind == "number" and 0 <= start - end <= window and not _BREAK.search(read, end, start):
            return True
    return False


QTYPES = ("none", "number", "date", "ordinal", "person", "org", "title")
QCLASSES = {"value": ("number", "date", "ordinal"), "name": ("person", "org"), "what": ("title",), "other": ("none",)}
SPAN_FEATURES = (
    *(f"kind_{k}" for k in KINDS), "kind_fits", "aligned", "in_question", "after_key", "anchor_distance",
    "unit_fit", "measure_fit", "year_only", "length", "position", "left_match", "right_match", "qualified",
    "clause_mass", "q_typed", "sentence_prob",
    # how long an answer the question wants: the length read by the kind of question, by a question that asks for
    # a description or a reason (open_words.txt), and by one that ends on its wh-word (…是什么？)
    *(f"length_{q}" for q in QTYPES), "length_open", "length_wh_final",
    # which kind of candidate answers which kind of question (a name for 谁, a phrase or a clause for 什么)
    *(f"kind_{k}_{c}" for c in QCLASSES for k in KINDS),
    "word_edges", "left_shared", "right_shared", "starts_clause", "ends_clause", "reaches_end",
    # the noun the wh-word asks about (哪个县市, 什么法律, 哪一支军队): a name of that sort often ends in it (嘉义市, 宪法)
    "head_end", "head_after",
    # the question's words before its wh-word found just before the candidate, those after it just after, and the
    # two crossed (a passive sentence turns the question round): each as a share of the question's IDF mass
    "left_mass", "right_mass", "left_mass_after", "right_mass_before",
    # how rare in the index the candidate's rarest word is (工作, 全部 answer nothing; 济州岛 may)
    "rarity",
)
_ANY_WH = re.compile(r"哪|什么|何|谁|多少|几")
# the noun a wh-word asks about: 哪个[县市], 什么[法律], 哪一支[军队], 何[地]
_HEAD = re.compile(r"(?:哪|什么|何)(?:[一个些种位支所家项条类场部首款座本门名只张届次份间]|样的){0,2}(?=[\u4e00-\u9fff])")
_NOT_HEAD = set("的是在被了为有呢吗与和时候么里儿位个些种")

KIND_OF_QTYPE = {"number": ("number",), "date": ("date",), "ordinal": ("ordinal",), "org": ("org", "aligned"),
                 "person": ("person", "aligned"), "title": ("title", "aligned", "phrase")}


@dataclass(frozen=True)
class SpanContext:
    """What every candidate of one sentence shares: the question's wh-word context and the term positions."""

    left: str  # the two characters before the question's wh-word
    right: str  # the two after it
    anchors: tuple[tuple[int, int], ...]  # where the question's content terms occur in the sentence
    terms: tuple[tuple[int, int, str, float], ...]  # the same with each term and its share of the question's IDF mass
    key_end: int | None
    aligned: tuple[int, int] | None
    edges: frozenset[int]  # where jieba's words of the sentence begin and end
    open_question: bool  # the question asks for a description or a reason (open_words.txt)
    wh_final: bool  # nothing but punctuation follows the question's wh-word
    head: str  # the noun the wh-word asks about, "" when none
    before_wh: frozenset[str]  # the question's terms before its wh-word
    rarity: tuple[tuple[int, int, float], ...]  # the sentence's words: (start, end, IDF / the index's highest IDF)

    @classmethod
    def of(cls, asked: Asked, folded: str, aligned: Span | None, tokens: list[tuple[str, int, int]],
           tags: list[tuple[str, str]] | None) -> SpanContext:
        """`tokens`: the sentence's words with their offsets; `tags`, when given, says where its words end."""
        q = asked.query
        m = WH.search(q.text)
        left = q.text[max(0, m.start() - 2) : m.start()] if m else ""
        right = q.text[m.end() : m.end() + 2] if m else ""
        total = sum(asked.idf.values()) or 1.0
        terms = tuple((h.start(), h.end(), t, asked.idf[t] / total) for t in asked.idf if len(t) > 1
                      for h in re.finditer(re.escape(t), folded))
        anchors = tuple((a, b) for a, b, _, _ in terms)
        key_end = folded.index(asked.key) + len(asked.key) if asked.key and asked.key in folded else None
        if tags is not None:
            edges = frozenset(itertools.accumulate((len(w) for w, _ in tags), initial=0))
        else:
            edges = frozenset(i for _, start, end in tokens for i in (start, end))
        top = asked.bm25.idf("\x00") if asked.bm25 else 1.0  # a word no document holds has the highest IDF
        rarity = tuple((a, b, asked.bm25.idf(w.lower()) / top) for w, a, b in tokens) if asked.bm25 else ()
        return cls(left, right, anchors, terms, key_end, (aligned.start, aligned.end) if aligned else None, edges,
                   any(w in q.text for w in words("open_words.txt")), bool(m) and not re.search(r"\w", q.text[m.end() :]),
                   _head(q.text), _before_wh(q.text, asked.idf), rarity)


def span_features(asked: Asked, folded: str, span: Span, ctx: SpanContext, sentence_prob: float) -> np.ndarray:
    q = asked.query
    value = folded[span.start : span.end]
    n = max(1, len(folded))
    distance = min((max(a - span.end, span.start - b, 0) for a, b in ctx.anchors), default=n)
    clause_start = max(folded.rfind(c, 0, span.start) for c in "，。；：,;:") + 1
    clause_end = min([i for i in (folded.find(c, span.end) for c in "，。；,;") if i >= 0] or [n])
    length = math.log1p(len(value)) / 3
    fits_kind = span.kind in KIND_OF_QTYPE.get(q.qtype or "", ()) or (
        q.qtype is None and span.kind in ("aligned", "phrase", "clause"))
    return np.array([
        *(float(span.kind == k) for k in KINDS),
        float(fits_kind),
        _overlap(ctx.aligned, (span.start, span.end)),
        _share_in(value, q.text),
        float(ctx.key_end is not None and 0 <= span.start - ctx.key_end <= 12
              and not _BREAK.search(folded, ctx.key_end, span.start)),
        math.log1p(distance) / 3,
        float(span.kind == "number" and bool(q.unit) and q.unit != "个" and q.unit in value),
        float(span.kind == "number" and q.qtype == "number" and measure_fits(value, q.text)),
        float(q.qtype != "date" and bool(re.fullmatch(rf"{YEAR}年?(?:度)?", value))),
        length,
        span.start / n,
        float(bool(ctx.left) and folded.endswith(ctx.left, 0, span.start)),
        float(bool(ctx.right) and folded.startswith(ctx.right, span.end)),
        float(bool(_QUALIFIER.search(value))),
        sum(dict((t, w) for a, b, t, w in ctx.terms if a >= clause_start and b <= clause_end).values()),
        float(q.qtype in TYPED),
        sentence_prob,
        *(length * ((q.qtype or "none") == t) for t in QTYPES),
        length * ctx.open_question,
        length * ctx.wh_final,
        *(float(span.kind == k and (q.qtype or "none") in QCLASSES[c]) for c in QCLASSES for k in KINDS),
        ((span.start in ctx.edges) + (span.end in ctx.edges)) / 2,
        _shared_run(folded[max(0, span.start - 8) : span.start][::-1], q.text[::-1]) / 8,
        _shared_run(folded[span.end : span.end + 8], q.text) / 8,
        float(span.start == clause_start),
        float(span.end == clause_end),
        float(span.end >= len(folded.rstrip("。！？；.!?;"))),
        # a name does not end in the role asked about (哪位院士: 李玉, not 院士)
        float(bool(ctx.head) and q.qtype != "person" and value[-1:] in ctx.head),
        float(bool(ctx.head) and folded.startswith(ctx.head[0], span.end)),
        *_side_masses(ctx, span),
        max((r for a, b, r in ctx.rarity if span.start <= a and b <= span.end), default=0.0),
    ])


def _before_wh(question: str, idf: dict[str, float]) -> frozenset[str]:
    m = WH.search(question) or _ANY_WH.search(question)
    return frozenset(t for t in idf if m and 0 <= question.lower().find(t) < m.start())


def _side_masses(ctx: SpanContext, span: Span, window: int = 15) -> tuple[float, ...]:
    """(before-wh terms just before the span, after-wh terms just after it, before-wh after, after-wh before)."""
    near_before = {t: w for a, b, t, w in ctx.terms if span.start - window <= a and b <= span.start}
    near_after = {t: w for a, b, t, w in ctx.terms if span.end <= a and b <= span.end + window}
    return (sum(w for t, w in near_before.items() if t in ctx.before_wh),
            sum(w for t, w in near_after.items() if t not in ctx.before_wh),
            sum(w for t, w in near_after.items() if t in ctx.before_wh),
            sum(w for t, w in near_before.items() if t not in ctx.before_wh))


def _head(question: str) -> str:
    """The first word after the question's wh-word, when it is a noun-like word: 哪个[县市], 哪一支[军队]."""
    m = _HEAD.search(question)
    if not m:
        return ""
    word = next(iter(tokenizer().lcut(question[m.end() : m.end() + 8])), "")
    return word if 1 <= len(word) <= 3 and not set(word) & _NOT_HEAD else ""


def _shared_run(text: str, question: str) -> int:
    """How many of `text`'s first characters the question also holds, in one piece."""
    return next((k for k in range(len(text), 0, -1) if text[:k] in question), 0)


def _overlap(a: tuple[int, int] | None, b: tuple[int, int]) -> float:
    if a is None:
        return 0.0
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0])) if inter else 0.0


def _share_in(value: str, question: str) -> float:
    """Share of the value's character pairs that the question already has: the question does not ask what it says."""
    pairs = [value[i : i + 2] for i in range(len(value) - 1)] or [value]
    return sum(p in question for p in pairs) / len(pairs)
