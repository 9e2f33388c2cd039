"""The fitted reader on hand-made passages with known answers: which sentence, which span, refuse or not."""

import pytest

from assistant.lexical import BM25, tokenize
from assistant.qtypes import asked_unit, is_typed, question_type
from assistant.query import understand
from assistant.reader import Source, read

FILLER = ["其他鱼类的说明。", "另一段无关文字。", "全市加快建设综合性国家科学中心。", "推进城市更新行动。"]


def _read(question, texts, titles=None, **source):
    bm25 = BM25.build([tokenize(t) for t in [*texts, *FILLER]])
    titles = titles or [""] * len(texts)
    sources = [Source(t, title, rank=i, **source) for i, (t, title) in enumerate(zip(texts, titles, strict=True))]
    return read(understand(question), sources, bm25)


def _span(reading):
    s = reading.sentence.text
    return s[reading.span[0] : reading.span[1]] if reading.span else s


@pytest.mark.parametrize("question, kind", [
    ("深圳高新区综合排名第几？", "ordinal"),
    ("漠河机场是哪一年建成的？", "date"),
    ("领导小组组长由谁担任？", "person"),
    ("哪家企业研发了新冠灭活疫苗？", "org"),
    ("新增高新技术企业多少家？", "number"),
    ("深圳出台了什么规划？", "title"),
    ("深圳怎样推进改革", None),
])
def test_question_type(question, kind):
    assert question_type(question) == kind


@pytest.mark.parametrize("value, typed", [
    ("1.2万家", True), ("5千户", True), ("2590万", True), ("3.5万亿元", True), ("120万人次", True),
    ("科技企业", False), ("2590", False),
])
def test_a_figure_in_ten_thousands_or_thousands_of_a_unit_is_a_number(value, typed):
    assert is_typed(value, "number") is typed


@pytest.mark.parametrize("question, unit", [("新增人口多少万？", "万"), ("新增多少万户？", "万户"), ("新增多少家？", "家")])
def test_the_unit_asked(question, unit):
    assert asked_unit(question) == unit


@pytest.mark.parametrize("sentence, question, span", [
    ("深圳高新区综合排名位列全国第二，仅次于中关村。", "深圳高新区综合排名第几？", "全国第二"),
    ("全市新增国家高新技术企业3070家，总量超过2.3万家。", "全市新增国家高新技术企业多少家？", "3070家"),
    ("赤字率拟按4%左右安排，赤字规模5.66万亿元。", "赤字率是多少？", "4%左右"),
    ("赤字率拟按4%左右安排，赤字规模5.66万亿元。", "赤字规模是多少？", "5.66万亿元"),
    ("康泰生物研发生产的新冠灭活疫苗获批上市。", "哪家企业研发生产的新冠灭活疫苗获批上市？", "康泰生物"),
    ("该机场于2006年6月21日动工，总投资2.38亿元。", "该机场是何时动工的？", "2006年6月21日"),
    ("到一九八五年，粮食产量达到八千亿斤，钢产量达到六千万吨。", "要求到1985年粮食产量达到多少？", "八千亿斤"),
    ("研发投入强度达到3.0%，新增企业超过1200家。", "研发投入强度是多少？", "3.0%"),
])
def test_the_span_that_answers(sentence, question, span):
    assert _span(_read(question, [sentence])) == span


def test_the_answering_sentence_of_a_passage():
    text = ("过去一年，全市地区生产总值增长5.1%。今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，"
            "城镇新增就业15万人。")
    r = _read("今年城镇新增就业目标是多少？", [text])
    assert r.answerable and "城镇新增就业15万人" in r.sentence.text and _span(r) == "15万人"


def test_a_question_no_passage_speaks_to_is_refused_naming_what_is_missing():
    r = _read("火星基地建设进展到哪一步了？", ["全民健身活动广泛开展，新建体育公园20个。", "城市更新行动稳步推进。"])
    assert not r.answerable and "火星" in r.reason


def test_the_answer_may_come_from_a_lower_ranked_passage():
    r = _read("赤字率是多少？", ["今年要实施更加积极的财政政策。", "赤字率拟按4%左右安排。"])
    assert r.source == 1 and r.answerable and _span(r) == "4%左右"
