"""The reader's candidates and features on hand-made sentences, and its fitted models as stored."""

import datetime
import json

import numpy as np
import pytest

from assistant.lexical import BM25, tokenize
from assistant.qtypes import measure_fits
from assistant.query import understand
from assistant.reader import in_scope
from assistant.reader.features import (
    ANSWER_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    Asked,
    Source,
    sentence_features,
    wanted_kind,
    with_gaps,
    years_spoken,
)
from assistant.reader.model import DATA, LinearModel, shipped
from assistant.reader.spans import typed_spans
from assistant.reader.text import sentences


def _asked(question, texts):
    bm25 = BM25.build([tokenize(t) for t in [*texts, "无关的段落。", "另一段文字。"]])
    sources = [Source(t, rank=i) for i, t in enumerate(texts)]
    return Asked.of(understand(question), bm25, sources), sources


def _features(question, text):
    asked, sources = _asked(question, [text])
    s = sentences(text)[0]
    return dict(zip(SENTENCE_FEATURES, sentence_features(asked, s, sources[0]), strict=True))


@pytest.mark.parametrize("sentence, values", [
    ("到一九八五年，粮食产量达到八千亿斤，钢产量达到六千万吨。", ["一九八五年", "八千亿斤", "六千万吨"]),
    ("河北运动员勇夺4金、13金。", ["4金", "13金"]),
    ("预计生产总值增长5%—5.5%，人均预期寿命达到79.5岁。", ["5%—5.5%", "79.5岁"]),
    ("1992年钢产量达到８０００万吨。", ["1992年", "8000万吨"]),
    ("深圳高新区综合排名位列全国第二。", ["全国第二"]),
])
def test_typed_spans_read_chinese_numerals_and_counted_things(sentence, values):
    folded = sentences(sentence)[0].folded
    found = {folded[s.start : s.end] for s in typed_spans(folded)}
    assert set(values) <= found


def test_words_that_begin_with_a_numeral_are_not_figures():
    folded = sentences("社会消费品零售总额增长2.4%，一般公共预算收入增长2.3%，第三产业增长5.1%。")[0].folded
    assert [folded[s.start : s.end] for s in typed_spans(folded) if s.kind == "number"] == ["2.4%", "2.3%", "5.1%"]


def test_a_figure_of_the_asked_measure_right_after_the_key_term():
    f = _features("赤字率是多少？", "赤字率拟按4%左右安排。")
    assert (f["key_term"], f["measure_fit"], f["measure_miss"], f["key_then_value"], f["typed"]) == (1, 1, 0, 1, 1)
    f = _features("赤字率是多少？", "赤字规模5.66万亿元。")
    assert (f["measure_fit"], f["measure_miss"], f["typed"]) == (0, 1, 1)


@pytest.mark.parametrize("question, figure, fits", [
    ("山西全年生产总值增长是多少", "4%", True),
    ("山西全年生产总值增长是多少", "2.6万亿元", False),
    ("进出口总额总量多少", "1.4万亿元", True),
    ("进出口总额总量多少", "10.2%", False),
    ("规模以上工业增加值增长多少", "6%", True),  # 规模以上 names no level
    ("存款增长了多少亿元", "300亿元", True),  # the unit it names decides, not 增长
    ("人口增长到多少", "1.4亿人", True),
])
def test_growth_asks_a_rate_and_a_total_a_level(question, figure, fits):
    assert measure_fits(figure, question) is fits


def test_a_target_asked_and_a_result_found():
    f = _features("2025年的生产总值增长目标是多少？", "过去一年，全市生产总值增长5.1%。")
    assert (f["kind_same"], f["kind_other"]) == (0, 1)
    f = _features("2025年的生产总值增长目标是多少？", "今年的主要预期目标是：生产总值增长5%左右。")
    assert (f["kind_same"], f["kind_other"]) == (1, 0)


def test_a_report_that_writes_gdp_holds_the_term_the_question_was_read_as():
    f = _features("山西全年GDP growth是多少", "全年GDP增长4%，快于上年。")  # read as 生产总值增长
    assert (f["key_term"], f["key_then_value"], f["coverage"] > 0.5) == (1, 1, True)


@pytest.mark.parametrize("question, values", [
    ("去年完成了多少万亩综合治理？", (-0.4, 0.0)),  # a result asked: the report's review comes first
    ("今年的目标是完成多少万亩综合治理？", (0.0, 0.4)),
    ("综合治理多少万亩？", (0.0, 0.0)),  # neither asked: where it stands says nothing
])
def test_where_a_passage_stands_in_its_report_is_read_for_a_result_or_a_target(question, values):
    asked, _ = _asked(question, ["开展综合治理330万亩。"])
    s = sentences("开展综合治理330万亩。")[0]
    x = sentence_features(asked, s, Source(s.text, position=0.9))
    got = (x[SENTENCE_FEATURES.index("result_position")], x[SENTENCE_FEATURES.index("target_position")])
    assert got == pytest.approx(values)


def test_coverage_counts_title_terms_little():
    asked, _ = _asked("黄足笛鲷分布在什么地区？", ["本鱼分布于印度太平洋区。"])
    s = sentences("黄足笛鲷为鲈形目笛鲷科。")[0]
    with_title = sentence_features(asked, s, Source(s.text, title="黄足笛鲷"))
    without = sentence_features(asked, s, Source(s.text))
    i = SENTENCE_FEATURES.index("coverage")
    assert with_title[i] < without[i]


def test_gaps_compare_each_candidate_with_the_best_of_its_question():
    asked, sources = _asked("赤字率是多少？", ["赤字率拟按4%左右安排。", "今年财政政策更加积极。"])
    x = with_gaps(np.array([sentence_features(asked, sentences(s.text)[0], s) for s in sources]))
    cov, gap = SENTENCE_FEATURES.index("coverage"), SENTENCE_FEATURES.index("coverage_gap")
    assert x[0, gap] == 0.0 and x[1, gap] == pytest.approx(x[1, cov] - x[0, cov]) and x[1, gap] < 0


def test_a_subscript_line_break_does_not_end_a_sentence():
    text = "广义货币M\n2\n预期增长13%左右。"
    assert [s.text for s in sentences(text)] == [text]


def test_a_model_stored_for_other_features_is_refused_with_the_fix():
    m = LinearModel(("a", "b"), np.zeros(2), np.ones(2), np.array([1.0, -1.0]), 0.0, 0.4)
    again = LinearModel.from_json(json.loads(json.dumps(m.to_json())), ("a", "b"))
    assert again.prob(np.array([1.0, 0.0]))[0] == pytest.approx(1 / (1 + np.exp(-1)))
    assert again.threshold == 0.4
    with pytest.raises(ValueError, match="refit with eval/fit_reader.py"):
        LinearModel.from_json(m.to_json(), ("a", "c"), "reader_x.json")


@pytest.mark.parametrize("name, features", [("sentence", SENTENCE_FEATURES), ("answer", ANSWER_FEATURES),
                                            ("span", SPAN_FEATURES)])
def test_the_shipped_models_fit_the_features_the_code_computes(name, features):
    model = shipped(name, features)
    assert model.names == features and np.all(model.scale > 0)
    about = json.loads((DATA / f"reader_{name}.json").read_text(encoding="utf-8"))["about"]
    assert about["command"].startswith("eval/fit_reader.py")


def test_the_reader_reads_the_named_reports_passages_when_there_are_any():
    scoped = [False, True, True, False]  # another report, the named one, the next year's (it reviews the year asked)
    assert in_scope([Source("甲。", in_scope=s) for s in scoped]) == [1, 2]
    assert in_scope([Source("甲。", in_scope=False), Source("乙。", in_scope=False)]) == [0, 1]  # none named: all read


def _fit_reader():
    """eval/fit_reader.py as a module (it is a script, not part of the package)."""
    import importlib
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
    return importlib.import_module("fit_reader")


def test_an_untyped_negative_keeps_only_the_sentences_without_a_value_of_the_asked_kind():
    Group, untyped_negative = _fit_reader().Group, _fit_reader().untyped_negative

    text = "全省新增首店1809家。拓展首发、首店等消费场景。首店经济加快发展。"
    asked, sources = _asked("引进了多少家首店", [text])
    found = [(0, s) for s in sentences(text)]
    x = with_gaps(np.array([sentence_features(asked, s, sources[0]) for _, s in found]))
    g = Group("dev", "tune", True, False, x, np.array([1.0, 0.0, 0.0]), asked, found, ["1809家"])
    made = untyped_negative(g)
    assert [s.text for _, s in made.sentences] == ["拓展首发、首店等消费场景。", "首店经济加快发展。"]
    assert (made.answerable, made.made_negative, made.y.tolist()) == (False, True, [0.0, 0.0])
    assert made.x[:, SENTENCE_FEATURES.index("coverage_gap")].max() == 0.0  # gaps against the best of these
    who = Group("dev", "tune", True, False, x, g.y, _asked("谁引进了首店", [text])[0], found, ["x"])
    assert untyped_negative(who) is None  # a question asking no value


@pytest.mark.parametrize("text, section, years", [
    ("全年地区生产总值5696亿元，增长5.3%。", "一、2025年工作总结", {2025}),  # a result: the year the report reviews
    ("地区生产总值增长5%左右。", "二、2026年工作安排", {2026}),  # a target: the report's own year
    ("2024年全省粮食产量259.2亿斤。", "二、2026年工作安排", {2024}),  # a year named wins
    ("宁东基地产值超过2000亿元。", "", set()),  # 2000亿元 is no year, and the sentence is neither kind
])
def test_the_year_a_sentence_speaks_of(text, section, years):
    assert years_spoken(text, Source(text, section=section, year=2026)) == years


def test_the_year_spoken_of_is_read_only_where_the_question_dates_an_event():
    text = "全年地区生产总值5696亿元，增长5.3%。"
    for question, values in [("宁夏2025年地区生产总值多少亿元", (1, 0)), ("宁夏2024年地区生产总值多少亿元", (0, 1)),
                             ("2025年宁夏地区生产总值多少亿元", (0, 0))]:  # the year opening names the report
        asked, _ = _asked(question, [text])
        x = sentence_features(asked, sentences(text)[0], Source(text, section="一、2025年工作总结", year=2026))
        got = (x[SENTENCE_FEATURES.index("year_spoken")], x[SENTENCE_FEATURES.index("year_other")])
        assert got == values, question


@pytest.mark.parametrize("question, report_year, wanted", [
    ("西藏去年农牧民转移就业多少人", 2025, "result"),  # 2024 is a year the 2025 report reviews
    ("西藏去年农牧民转移就业多少人", 2024, "target"),  # and one the 2024 report plans
    ("西藏去年转移就业的目标是多少人", 2025, "target"),  # the question's own word decides
    ("西藏农牧民转移就业多少人", 2025, None),  # no year dated: either kind
])
def test_the_kind_a_dated_event_asks_depends_on_the_report_read(question, report_year, wanted):
    q = understand(question, today=datetime.date(2025, 3, 1))
    assert wanted_kind(q, Source("", year=report_year)) == wanted


def test_a_result_outweighs_a_target_where_a_past_year_is_asked_without_a_kind_word():
    q = "西藏去年农牧民转移就业多少人"
    texts = ["农牧民转移就业64.8万人。", "今年农牧民转移就业63万人以上。"]
    asked = Asked.of(understand(q, today=datetime.date(2025, 3, 1)), BM25.build([tokenize(t) for t in texts]),
                     [Source(t, rank=0) for t in texts])
    section = {"农牧民转移就业64.8万人。": "一、2024年工作回顾", "今年农牧民转移就业63万人以上。": "二、2025年工作安排"}
    col = SENTENCE_FEATURES.index
    for text, same in [(texts[0], 1.0), (texts[1], 0.0)]:
        x = sentence_features(asked, sentences(text)[0], Source(text, section=section[text], year=2025))
        assert (x[col("kind_same")], x[col("kind_other")]) == (same, 1.0 - same), text


def test_where_no_year_is_named_the_latest_report_and_a_result_are_told_apart():
    q = "庆阳数据中心集群的算力规模有多大"
    texts = ["庆阳数据中心集群算力规模达到11.4万P。", "力争庆阳数据中心集群算力规模突破10万P。"]
    sources = [Source(texts[0], section="一、2025年工作回顾", year=2026),
               Source(texts[1], section="三、2025年重点工作", year=2025, rank=1)]
    asked = Asked.of(understand(q), BM25.build([tokenize(t) for t in texts]), sources)
    assert asked.newest == 2026
    col = SENTENCE_FEATURES.index
    cols = [col("result_unasked"), col("target_unasked"), col("newest_report")]
    got = [tuple(sentence_features(asked, sentences(t)[0], src)[cols]) for t, src in zip(texts, sources, strict=True)]
    assert got == [(1.0, 0.0, 1.0), (0.0, 1.0, 0.0)]


@pytest.mark.parametrize("question, text, period", [
    ("新疆2025年地区生产总值是多少", "经济总量稳步提升，地区生产总值年均增长5.9%。", 1),  # five years' average for one year
    ("按2026年的报告，新疆棉花产量占全国多少", "棉花产量连续4年占全国九成以上。", 1),
    ("新疆2025年地区生产总值是多少", "全年地区生产总值2.15万亿元、增长5.5%。", 0),
    ("新疆十四五时期地区生产总值年均增长多少", "地区生产总值年均增长5.9%。", 0),  # a period asked
    ("新疆地区生产总值是多少", "地区生产总值年均增长5.9%。", 0),  # no year named
    ("浙江2025年新增高新技术企业多少家", "高新技术企业从2.2万家增加到4.9万家。", 1),  # a change over the years
    ("浙江2025年新增高新技术企业多少家", "新增高新技术企业超6000家。", 0),
])
def test_a_sentence_about_several_years_is_told_apart_where_one_year_is_asked(question, text, period):
    assert _features(question, text)["period"] == period


def _span_features(question, text):
    """Each candidate span of the text's first sentence -> its features (as a dict)."""
    from assistant.reader import span_rows

    asked, _ = _asked(question, [text])
    s = sentences(text)[0]
    spans, x = span_rows(asked, s, 0.9)
    return {s.text[sp.start : sp.end]: dict(zip(SPAN_FEATURES, row, strict=True)) for sp, row in zip(spans, x, strict=True)}


@pytest.mark.parametrize("question, head", [
    ("台湾第一座二二八纪念碑位于哪个县市?", "县市"), ("这与哪一支军队较量?", "军队"), ("依据的是什么法律？", "法律"),
    ("潘嘉丽的职业是什么？", ""), ("于海什么时候入选？", ""), ("他在哪里出生？", ""), ("皇帝是哪一位？", ""),
])
def test_the_noun_a_wh_word_asks_about(question, head):
    from assistant.reader.features import _head

    assert _head(question) == head


def test_a_name_ending_in_the_asked_noun_and_standing_where_the_question_words_stand():
    f = _span_features("台湾第一座二二八纪念碑位于哪个县市？", "台湾第一座二二八纪念碑位于嘉义市，建于1989年。")
    assert f["嘉义市"]["head_end"] == 1.0 and f["1989年"]["head_end"] == 0.0
    # 纪念碑 and 位于 come before the wh-word in the question and just before 嘉义市 in the sentence
    assert f["嘉义市"]["left_mass"] > 0.5 and f["嘉义市"]["right_mass"] == 0.0
    assert f["嘉义市"]["word_edges"] == 1.0 and f["嘉义市"]["starts_clause"] == 0.0 and f["嘉义市"]["ends_clause"] == 1.0


def test_a_year_is_a_date_candidate_and_the_length_is_read_by_the_kind_of_question():
    f = _span_features("于海什么时候入选国家队？", "于海自2009年以来入选中国国家队。")
    assert f["2009年"]["kind_date"] == 1.0 and f["2009年"]["kind_number"] == 0.0 and f["2009年"]["kind_date_value"] == 1.0
    assert f["2009年"]["length_date"] == f["2009年"]["length"] > 0 and f["2009年"]["length_title"] == 0.0
    why = _span_features("为什么他被称作先知？", "他被称作先知，因为他预言了王国的命运。")
    sentence = max(why, key=len)
    assert why[sentence]["length_open"] == why[sentence]["length"] and why[sentence]["reaches_end"] == 1.0


def test_the_span_scorer_is_fitted_to_rank_each_sentences_best_candidate_first():
    fit_choice = _fit_reader().fit_choice

    rng = np.random.default_rng(0)
    xs, best = [], []
    for _ in range(60):  # 5 candidates a sentence: the best has the highest first feature, the second is noise
        x = rng.normal(size=(5, 2))
        xs.append(x)
        best.append(x[:, 0] == x[:, 0].max())
    model = fit_choice(xs, best, [1.0] * len(xs), ("signal", "noise"), c=1.0)
    assert model.coef[0] > 1.0 and abs(model.coef[1]) < model.coef[0] / 3
    assert all(b[int(np.argmax(model.prob(x)))] for x, b in zip(xs, best, strict=True))
    signed = fit_choice(xs, best, [1.0] * len(xs), ("signal", "measure_miss"), c=1.0)  # SIGNS: measure_miss <= 0
    assert signed.coef[1] <= 0.0
