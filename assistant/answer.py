"""From retrieved passages to an answer: the best sentence, the typed span inside it, and highlights."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import sentence_spans
from .lexical import BM25, STOPWORDS, pos_tags, tokenize, tokenize_with_spans
from .types import Highlight

CN = "零〇一二两三四五六七八九十百千万亿"
UNIT = (
    r"(?:万亿元|亿元|万元|千元|元|亿美元|万美元|美元|万亿|亿|万户|万人次|万人|人次|人|个百分点|百分点|%|％|‰|"
    r"万千瓦|千瓦时|千瓦|万吨|吨|平方公里|平方米|公里|千米|米|亩|万亩|公顷|个|项|家|所|台|套|件|户|座|条|次|篇|名|位|倍|"
    r"岁|天|年|月|届|批|类|支|只|辆|架|艘|部|处|间|张|份|期|轮|场|款|种|颗|国|省|市|县|区)"
)
NUMBER = re.compile(
    rf"(?:(?:超过|超|近|约|逾|达到|达|突破|累计)?(?:\d+(?:[.,]\d+)*|[{CN}]+)(?:多|余)?(?:\s*[-—–~～至到－]\s*\d+(?:\.\d+)*)?\s*{UNIT}"
    rf"(?:\s*[-—–~～至到－]\s*\d+(?:\.\d+)*\s*{UNIT})?(?:左右|以上|以内|以下)?)"
)
ORDINAL = re.compile(rf"(?:全国|全省|全市|全球|世界|国内|亚洲)?(?:排名|排)?第[{CN}\d]+(?:名|位)?")
DATE = re.compile(
    rf"(?:19|20)\d{{2}}\s*[-—–~～至到]\s*(?:19|20)\d{{2}}年?|(?:\d{{4}}|[{CN}]{{4}})年(?:度|\d{{1,2}}月(?:\d{{1,2}}日)?)?"
    rf"|\d{{1,2}}月\d{{1,2}}日"
)
TITLE = re.compile(r"《[^《》]{1,60}》|“[^“”]{1,40}”|\"[^\"]{1,40}\"")
ORG = re.compile(
    r"[\u4e00-\u9fff]{2,20}?(?:委员会|人民政府|政府|办公厅|厅|局|部|院|中心|公司|集团|大学|学院|研究院|研究所|实验室|银行|协会|基金会|医院)"
)
ROLE = re.compile(r"(?:常务)?(?:副)?(?:市长|省长|区长|县长|主席|书记|主任|部长|局长|厅长|总理|院长|组长|校长)")

QUESTION_TYPES = [
    ("ordinal", re.compile(r"第几|排名|排第|名次|位列|排在")),
    ("date", re.compile(r"哪一年|哪年|哪几年|哪些年|何时|什么时候|哪一天|何年|几月|哪个月|什么时间|日期|期限")),
    ("person", re.compile(r"谁|由谁|哪位|什么人(?![才员口民工士])")),
    ("org", re.compile(r"哪家|哪个企业|哪些企业|哪个机构|哪些机构|什么机构|哪个部门|哪些部门|哪所|哪个单位")),
    ("number", re.compile(r"多少|几[个项家所条名位次倍年天亿万]|几|多大|多高|多长|多久|比例|比重|增速|增长率|率是|目标是")),
    ("title", re.compile(r"什么|哪些|哪个|哪项|何种|名称|叫什么")),
]
_PATTERNS = {"number": [NUMBER], "ordinal": [ORDINAL], "date": [DATE], "title": [TITLE], "org": [ORG], "person": [ROLE]}


@dataclass
class Span:
    start: int
    end: int
    kind: str


def question_type(question: str) -> str | None:
    for kind, pattern in QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return None


QUESTION_WORD = re.compile(r"^(?:第?几.?|哪.{0,2}|谁|什么.?|多少.?|怎.{0,2}|如何|是否|为何|吗|呢|要|叫|给|指)$")


# light verbs and particles of spoken questions that say nothing about the topic
FILLER = frozenset(
    "里 让 拿 用 用上 可以 能 能够 会 到 从 向 由 于 以 还 又 所 该 此 各 每 些 这些 那些 一个 得 过 打算 想 方面 情况 具体"
    " 主要 分别 目前 当前".split()
)


def question_terms(question: str) -> list[str]:
    """The content words of a question: its tokens without interrogatives (哪几个/多少/谁) and fillers."""
    return [t for t in dict.fromkeys(tokenize(question)) if not QUESTION_WORD.match(t) and t not in FILLER]


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


def answer_type_fits(text: str, qtype: str) -> bool:
    return any(p.search(text) for p in _PATTERNS.get(qtype, []))


# a term of the report's title names what the whole report is about, not which of its sentences answers
TITLE_TERM_WEIGHT = 0.2
# 什么/哪些 questions: a 《title》 or “quote” in a sentence says little about whether it answers
TYPE_BONUS = {"number": 1.5, "ordinal": 1.5, "date": 1.5, "org": 1.5, "person": 1.5}


def term_weights(terms: list[str], bm25: BM25, title: str = "") -> dict[str, float]:
    """IDF of each question term, discounted when the report's title holds it."""
    title = title.lower()
    return {t: bm25.idf(t) * (TITLE_TERM_WEIGHT if t in title else 1.0) for t in terms}


def sentence_score(sentence: str, weights: dict[str, float], qtype: str | None) -> float:
    """Weighted mass of question terms found in the sentence, plus a bonus when the expected answer type occurs.
    (Substring presence, not a second segmentation: this runs for every sentence of the top passages.)"""
    lowered = sentence.lower()
    score = sum(w for t, w in weights.items() if t in lowered)
    if qtype in TYPE_BONUS and answer_type_fits(sentence, qtype):
        score += TYPE_BONUS[qtype]
    return score


def best_sentence(text: str, terms: list[str], bm25: BM25, qtype: str | None, title: str = "") -> tuple[int, int, float]:
    """(start, end, score) of the sentence of `text` that best answers; `title` is its report's title."""
    weights = term_weights(terms, bm25, title)
    best = (0, len(text), -1.0)
    for s, e in sentence_spans(text, 0, len(text)):
        score = sentence_score(text[s:e], weights, qtype)
        if score > best[2]:
            best = (s, e, score)
    return best


WH = re.compile(
    r"哪家企业|哪个企业|哪些企业|哪家公司|哪个机构|哪些机构|哪个部门|哪些部门|哪个单位|哪家|哪所|哪位|哪里|哪一年|哪年|"
    r"什么时候|何时|由谁|是谁|谁|第几|多少|几[个项家所条名位次倍年天]?|哪个|哪些|哪项|什么"
)
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


def _is_typed(value: str, qtype: str) -> bool:
    return any(p.fullmatch(value) for p in _PATTERNS[qtype])


def answer_span(sentence: str, question: str, qtype: str | None) -> Span | None:
    """The typed candidate in the sentence that completes the question, or sits closest to its terms."""
    if not qtype or qtype not in _PATTERNS:
        return None
    aligned = aligned_span(sentence, question, max_len=40 if qtype == "title" else 20)
    if aligned and qtype == "title":
        aligned = _with_head(sentence, question, *aligned)
    unit = asked_unit(question) if qtype == "number" else ""
    if aligned and (qtype in ("org", "person", "title") or _is_typed(sentence[aligned[0] : aligned[1]], qtype)):
        return Span(aligned[0], _with_counted_noun(sentence, question, unit, aligned[1]) if unit else aligned[1], qtype)
    candidates = []
    for pattern in _PATTERNS[qtype]:
        for m in pattern.finditer(sentence):
            value = m.group(0)
            if value and value not in question and len(value) < len(sentence):
                candidates.append((m.start(), m.end()))
    if not candidates:
        return None
    anchors = [(s, e) for _, s, e in tokenize_with_spans(sentence) if _in_question(sentence[s:e], question)]
    key = key_term_end(sentence, question)

    def rank(c: tuple[int, int]) -> tuple:
        distance = min((max(a[0] - c[1], c[0] - a[1], 0) for a in anchors), default=c[0])
        value = re.sub(r"(?:左右|以上|以内|以下|多|余)$", "", sentence[c[0] : c[1]])
        unit_fits = bool(unit) and unit != "个" and value.endswith(unit)
        follows_key = key is not None and 0 <= c[0] - key <= 12 and not re.search(r"[，。；]", sentence[key : c[0]])
        return (not unit_fits, not follows_key, distance, c[0])

    s, e = min(candidates, key=rank)
    if unit:
        e = _with_counted_noun(sentence, question, unit, e)
    if qtype == "number":  # 达到3.0% -> 3.0%: the verb is not part of the figure (超过/近/约 are: they qualify it)
        s += len(re.match(r"(?:达到|达|累计)?", sentence[s:e]).group(0))
    return Span(s, e, qtype)


def key_term_end(sentence: str, question: str) -> int | None:
    """Where the question's most specific term (its longest word found in the sentence) ends; a value
    right after it answers ("赤字率拟按3%", "城镇新增就业50万人"). 从X提高到Y gives the position of Y."""
    words = sorted(dict.fromkeys(w for w in tokenize(question) if len(w) >= 2 and w in sentence and not QUESTION_WORD.match(w)),
                   key=len, reverse=True)
    if not words:
        return None
    end = sentence.index(words[0]) + len(words[0])
    m = re.match(r"[^，。；]{0,12}?从[^，。；]{1,16}?(?:提高|下降|降低|调整|增加|减少|上调|下调)?(?:到|至|为)", sentence[end:])
    return end + m.end() if m else end


def asked_unit(question: str) -> str:
    """The measure word a 多少/几 question asks in: 多少家 -> 家, 几所 -> 所, 多少亿元 -> 亿元."""
    m = re.search(rf"(?:多少|几)({UNIT})", question)
    return m.group(1) if m else ""


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
