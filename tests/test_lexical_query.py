import datetime
import math
from collections import Counter

import numpy as np
import pytest

from assistant.lexical import BM25, tokenize
from assistant.lexicon import NATIONAL
from assistant.query import understand


def reference_bm25(corpus, query, k1=1.2, b=0.75):
    n = len(corpus)
    avg = sum(map(len, corpus)) / n
    out = []
    for doc in corpus:
        tf = Counter(doc)
        s = 0.0
        for t in query:
            df = sum(1 for d in corpus if t in d)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += idf * tf[t] * (k1 + 1) / (tf[t] + k1 * (1 - b + b * len(doc) / avg))
        out.append(s)
    return out


def test_bm25_equals_reference(tmp_path):
    corpus = [tokenize(t) for t in ["赤字率拟按4%左右安排", "地方政府专项债券4.4万亿元", "赤字率赤字规模", "今年工作", ""]]
    query = tokenize("赤字率是多少") + tokenize("专项债券")
    bm25 = BM25.build(corpus)
    np.testing.assert_allclose(bm25.scores(query), reference_bm25(corpus, query), rtol=1e-5)
    bm25.save(tmp_path)
    np.testing.assert_allclose(BM25.load(tmp_path).scores(query), reference_bm25(corpus, query), rtol=1e-5)
    assert bm25.scores(["不存在"]).tolist() == [0.0] * 5


def test_domain_words_segment_whole():
    tokens = tokenize("深圳国家高新区新增专精特新企业，赤字率和地方政府专项债券")
    for word in ["高新区", "国家高新区", "专精特新", "赤字率", "地方政府专项债券"]:
        assert word in tokens
    assert "的" not in tokenize("发展的目标") and "多少" not in tokenize("是多少")


@pytest.mark.parametrize("q, years, regions", [
    ("2025年政府工作报告提出的赤字率是多少？", [2025], []),
    ("二〇二四年广东省地区生产总值增长多少", [2024], ["广东"]),
    ("２０２３年国务院政府工作报告", [2023], ["全国"]),
    ("广西壮族自治区和宁夏2026年的目标", [2026], ["广西", "宁夏"]),
    ("深圳市科创委今年有什么计划", (2026,), ("深圳",)),
])
def test_understand_years_and_regions(q, years, regions):
    query = understand(q, today=datetime.date(2026, 3, 5))
    assert (query.years, query.regions) == (tuple(years), tuple(regions))


def test_a_year_range_is_not_a_year_and_a_named_year_wins_over_relative_words():
    query = understand("2021-2023年和去年的情况", today=datetime.date(2026, 3, 5))
    assert query.year_range == (2021, 2023) and query.years == () and query.relative == ("去年",)
    query = understand("2017年政府工作报告提出今年赤字率是多少？", today=datetime.date(2026, 3, 5))
    assert query.years == (2017,) and query.relative == ("今年",)


@pytest.mark.parametrize("q, years", [
    ("北京今年PM2.5要控制在多少？", (2026,)),
    ("去年GDP增长了多少？", (2025,)),
    ("明年有什么安排？", (2027,)),
    ("前年的赤字率", (2024,)),
])
def test_relative_years_resolve_against_today(q, years):
    assert understand(q, today=datetime.date(2026, 11, 29)).years == years


def test_the_query_separates_content_from_scope():
    query = understand("2025年四川省政府工作报告提出的地区生产总值增长目标是多少？")
    assert query.regions == ("四川",) and query.years == (2025,) and query.qtype == "number"
    assert query.issuer == "四川省人民政府"
    assert "多少" not in query.terms and "四川省" in query.terms and "四川省" not in query.content_terms
    assert "地区生产总值" in query.content_terms or "生产总值" in query.content_terms
    assert not understand("2025年政府工作报告？？😀").has_content


@pytest.mark.parametrize("q, terms", [
    ("江苏2025年引进了多少家首店", ("引进", "首店")),  # segmented 家首店: the counter belongs to 多少
    ("吉林一号有多少颗卫星组网", ("一号", "卫星", "组网")),
    ("全省有多少家庭医生", ("全省", "家庭", "医生", "家庭医生")),  # 家庭 begins with 家 but is no counter here: 多少 asks no 家
])
def test_the_counter_after_a_question_word_is_not_part_of_the_term(q, terms):
    assert understand(q).content_terms == terms


def test_a_measure_named_after_its_thing_is_not_a_term_to_find():
    terms = understand("2019年国务院财政赤字规模是多少亿元？").content_terms
    assert "赤字规模" not in terms and {"赤字", "规模"} <= set(terms)
    assert "社会消费品零售总额" in understand("江苏去年社零总额是多少？").content_terms  # 社会消费品零售 is no term


@pytest.mark.parametrize("q, event", [
    ("宁夏2025年地区生产总值多少亿元", True),  # the 2025 figure: the 2026 report's review holds it
    ("贵州人均预期寿命到2025年提升到多少岁", True),
    ("2005年末国家外汇储备有多少", True),  # 年末 dates the figure although the year opens the question
    ("福建去年地区生产总值多少亿元", True),
    ("2025年安徽粮食产量是多少？", False),  # the year opens the question: it names the report
    ("宁夏2025年政府工作报告说生产总值多少", False),  # a report word names the report
    ("宁夏2026年社零增长目标是多少", False),  # a target is set in the year's own report
    ("江西2025年确保粮食产量达到多少", False),  # 确保 is a target word
    ("宁夏的生产总值是多少", False),  # no year
])
def test_a_year_that_dates_what_is_asked_is_not_the_report_to_read(q, event):
    assert understand(q, today=datetime.date(2026, 2, 15)).event_year is event


@pytest.mark.parametrize("q, year", [("甘肃“十四五”末地区生产总值达到多少亿元", 2025), ("十三五期末全国粮食产量多少", 2020),
                                     ("“十一五”末全国铁路营业里程多少", 2010)])
def test_the_end_of_a_five_year_plan_is_its_last_year(q, year):
    u = understand(q, today=datetime.date(2026, 2, 15))
    assert u.years == (year,) and u.event_year


@pytest.mark.parametrize("q, national", [
    ("全国粮食总产量是多少", True),
    ("我国2008年粮食总产量是多少斤", True),
    ("青薯9號畝產創了多少公斤的全國紀錄", False),  # the country is what the record is measured against
    ("新疆以外，哪个品种的棉花产量占全国一半以上", False),
    ("什么产业规模居全国前列", False),
    ("哪个县的亩产是全国第一", False),
])
def test_the_country_a_figure_is_compared_with_is_no_scope(q, national):
    assert (understand(q).regions == (NATIONAL,)) is national


def test_the_year_keeps_its_nian_when_segmentation_glues_it_to_the_next_word():
    assert "年经" not in understand("2024年经新疆过境的中欧班列有多少列").content_terms
    assert understand("2021年度国家高新区评价排第几").tokens[:2] == ("2021", "年度")  # a word: kept whole
