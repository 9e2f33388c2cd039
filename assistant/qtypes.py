"""Answer types: what kind of value a question asks for (a number, a date, an organisation…), and
whether a text holds one. Search ranks by it and answer extraction picks spans by it."""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import measures, question_types, units, wh_pattern

CN = "零〇一二两三四五六七八九十百千万亿"
UNIT = units()
NUMBER = re.compile(
    rf"(?:(?:超过|超|近|约|逾|达到|达|突破|累计)?(?:\d+(?:[.,]\d+)*|[{CN}]+)(?:多|余)?(?:\s*[-—–~～至到－]\s*\d+(?:\.\d+)*)?\s*(?:[万亿千]{{1,2}}{UNIT}|{UNIT})"
    rf"(?:\s*[-—–~～至到－]\s*\d+(?:\.\d+)*\s*{UNIT})?(?:左右|以上|以内|以下)?)"
)
ORDINAL = re.compile(rf"(?:全国|全省|全市|全球|世界|国内|亚洲)?(?:排名|排)?第[{CN}\d]+(?:名|位)?")
DATE = re.compile(
    rf"(?:19|20)\d{{2}}\s*[-—–~～至到]\s*(?:19|20)\d{{2}}年?|(?:\d{{4}}|[{CN}]{{4}})年(?:度|\d{{1,2}}月(?:\d{{1,2}}日)?)?"
    rf"|\d{{1,2}}月\d{{1,2}}日"
)
TITLE = re.compile(r"《[^《》]{1,60}》|“[^“”]{1,40}”|\"[^\"]{1,40}\"|「[^「」]{1,40}」")
ORG = re.compile(
    r"[\u4e00-\u9fff]{2,20}?(?:委员会|人民政府|政府|办公厅|厅|局|部|院|中心|公司|集团|大学|学院|研究院|研究所|实验室|银行|"
    r"协会|基金会|医院)"
)
ROLE = re.compile(r"(?:常务)?(?:副)?(?:省长|市长|区长|县长|自治区主席|主席|书记|主任|部长|局长|厅长|总理|院长|组长|校长|院士)")
PATTERNS = {"number": [NUMBER], "ordinal": [ORDINAL], "date": [DATE], "title": [TITLE], "org": [ORG], "person": [ROLE]}

# a token that only asks (哪几个, 多少, 谁, 怎么, 是否…), never a term of the question
QUESTION_WORD = re.compile(r"^(?:第?几.?|哪.{0,3}|谁|什么.?|多少.?|怎.{0,2}|如何|是否|为何|吗|呢|要|叫|给|指)$")
WH = wh_pattern()


def question_type(question: str) -> str | None:
    """The kind of value asked for: ordinal, date, person, org, number, title, or None (data/question_types.tsv)."""
    for kind, pattern in question_types():
        if pattern.search(question):
            return kind
    return None


@lru_cache(maxsize=65536)  # search re-checks the same passages for question after question
def answer_type_fits(text: str, qtype: str | None) -> bool:
    """The text holds a value of the asked type."""
    return any(p.search(text) for p in PATTERNS.get(qtype or "", []))


def is_typed(value: str, qtype: str) -> bool:
    """The value is exactly one value of the type."""
    return any(p.fullmatch(value) for p in PATTERNS[qtype])


def asked_unit(question: str) -> str:
    """The measure word a 多少/几 question asks in: 多少家 -> 家, 几所 -> 所, 多少亿元 -> 亿元."""
    m = re.search(rf"(?:多少|几)({UNIT})", question)
    return m.group(1) if m else ""


def measure_fits(span: str, question: str) -> bool:
    """A figure in the measure the question asks for: a percentage for 比例/增速, an amount in 元 for 金额
    (data/measures.tsv). True when the question asks for no particular measure."""
    holds = _asked_measure(question)
    return holds is None or bool(holds.search(span))


@lru_cache(maxsize=256)
def _asked_measure(question: str) -> re.Pattern | None:
    """What the answer span must match for `question`, read once per question (every figure of every candidate
    sentence is checked against it); None when any figure will do."""
    if asked_unit(question) not in ("", "个"):  # 增长了多少亿元: the unit it names decides
        return None
    return next((holds for _, asked, holds in measures() if asked.search(question)), None)
