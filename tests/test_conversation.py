"""Follow-ups, list answers, yes/no, everyday names and dates, missing reports, target or result."""

import datetime
import json
import subprocess
import sys

import numpy as np
import pytest

from assistant import Assistant
from assistant.conversation import (
    CHOICE_FEATURES,
    chat_wins_anyway,
    choice_features,
    choice_model,
    item_reference,
    reading_vector,
    readings,
    resolve,
    scope_clauses,
)
from assistant.evaluate import as_understood
from assistant.query import everyday_to_report, understand
from assistant.reader.lists import asked_count, best_list, enumerations, target_clauses

from .conftest import ROOT

TODAY = datetime.date(2026, 11, 29)
ZJ = "浙江省2025年地区生产总值增长目标是多少？"


@pytest.mark.parametrize("history, question, understood", [
    ([], ZJ, ZJ),  # a first question stands alone
    ([ZJ], "那四川呢？", "2025年四川 地区生产总值增长目标是多少？"),
    ([ZJ, "那四川呢？"], "2026年呢？", "2026年四川 地区生产总值增长目标是多少？"),
    ([ZJ], "广东的报告里呢？", "2025年广东 地区生产总值增长目标是多少？"),
    ([ZJ], "去年的呢？", "2025年浙江 地区生产总值增长目标是多少？"),  # 去年 of 2026-11-29
    ([ZJ], "就业目标呢？", "2025年浙江 城镇新增就业目标是多少？"),  # a new figure keeps the scope
    ([ZJ], "财政赤字呢？", "2025年浙江 财政赤字目标是多少？"),
    (["2025年政府工作报告提出的赤字率是多少？"], "2024年的呢？", "2024年政府工作报告 赤字率是多少？"),
    (["2025年政府工作报告提出的赤字率是多少？"], "专项债呢？", "2025年政府工作报告 地方政府专项债券目标是多少？"),
    (["2023年国务院政府工作报告提出的城镇新增就业目标是多少？"], "国内生产总值增长目标呢？",
     "2023年国务院政府工作报告 国内生产总值增长目标是多少？"),
    ([ZJ], "具体有哪些措施？", "2025年浙江 地区生产总值增长有哪些具体措施？"),  # detail: same topic, a list
    ([ZJ], "吉林2025年粮食产量目标是多少？", "吉林2025年粮食产量目标是多少？"),  # stands on its own: afresh
    ([ZJ, "那四川呢？"], "西藏2025年地区生产总值增长目标是多少？", "西藏2025年地区生产总值增长目标是多少？"),
])
def test_follow_ups_are_rewritten_into_standalone_questions(history, question, understood):
    assert resolve(question, history, TODAY) == understood


@pytest.mark.parametrize("typed, read", [
    ("沪2025年GDP增长目标是多少？", "上海2025年生产总值增长目标是多少？"),
    ("粤今年的经济增长目标", "广东今年的生产总值增长目标"),
    ("鹏城21年新增了多少家企业", "深圳2021年新增了多少家企业"),
    ("首都26年的就业目标", "北京2026年的城镇新增就业目标"),
    ("浙江城镇新增就业多少人", "浙江城镇新增就业多少人"),  # 江城 inside 浙江城镇 is not 武汉
    ("京津冀协同发展", "京津冀协同发展"),  # 京 is not a place here: nothing follows it that a place takes
    ("近10年来赤字率", "近10年来赤字率"),  # a duration, not the year 2010
    ("用了20年", "用了20年"),
    ("赤字率是多少", "赤字率是多少"),  # 赤字率 is not rewritten although 赤字 is a word of it
    ("调查失业率是多少", "调查失业率是多少"),  # already part of 城镇调查失业率
    ("专项债券多少亿元", "专项债券多少亿元"),  # not 地方政府专项债券券
])
def test_everyday_names_and_two_digit_years_are_read_in_report_wording(typed, read):
    assert everyday_to_report(typed, TODAY) == read


def test_a_year_compared_with_is_not_the_year_asked():
    assert understand("它比上年提高了吗", TODAY).years == ()  # 比上年 compares; 上年 alone would be 2025
    assert understand("上年完成了多少", TODAY).years == (2025,)
    in_chat = readings("它比上年提高了吗", ["2017年政府工作报告的赤字率是多少"], TODAY)[1]
    assert in_chat == "2017年政府工作报告 赤字率比上年提高了吗"


def test_two_digit_years_after_next_year_are_last_century():
    assert understand("98年的报告", datetime.date(2026, 1, 1)).years == (1998,)
    assert understand("27年的目标", datetime.date(2026, 1, 1)).years == (2027,)


def test_target_or_result_is_read_from_the_question():
    assert understand("吉林2025年打算打多少粮食？").asked_kind == "target"
    assert understand("2026年上海说去年城镇新增就业多少人？").asked_kind == "result"
    assert understand("2025年四川GDP增长了多少？").asked_kind == "result"
    assert understand("2025年四川粮食产量").asked_kind is None
    assert understand("2026年吉林省人均预期寿命达到多少岁").asked_kind is None  # 预期寿命 asks no 预期 target


def test_a_day_asked_and_the_congress_by_its_short_name():
    q = understand("上海2026年政府工作报告是哪天在人代会上作的？")
    assert (q.qtype, "人民代表大会" in q.text) == ("date", True)
    assert understand("重庆的报告是几月几号作的").qtype == "date"


def test_enumerations_are_found_in_order_with_exact_offsets():
    text = ("二、2022年工作思路\n（一）加强基础研究。推进实验室建设。\n"
            "（二）强化企业主体。一是支持研发；二是培育企业；三是完善政策。\n（三）优化生态。\n")
    runs = enumerations(text)
    assert [[i.text for i in run] for run in runs] == [
        ["一是支持研发；", "二是培育企业；", "三是完善政策。"],
        ["（一）加强基础研究。", "（二）强化企业主体。", "（三）优化生态。"],
    ]
    assert all(text[i.start : i.end] == i.text for run in runs for i in run)
    assert enumerations("一是只有一项。没有第二项。") == []  # one item is not a list
    assert enumerations("二是从第二项开始；三是第三项。") == []  # nor is a list that does not start at 一


def test_a_targets_sentence_splits_into_its_targets():
    sentence = "今年主要预期目标是：地区生产总值增长5.5%左右，城镇调查失业率控制在5%以内；居民消费价格涨幅2%左右。"
    items = target_clauses(sentence, offset=100)
    assert [i.text for i in items] == ["地区生产总值增长5.5%左右", "城镇调查失业率控制在5%以内", "居民消费价格涨幅2%左右"]
    assert all(sentence[i.start - 100 : i.end - 100] == i.text for i in items)
    assert target_clauses("今年要加快发展，推动改革，扩大开放。") == []


REPORTS = {
    "2025年浙江省政府工作报告": "2025年浙江省政府工作报告\n一、2024年工作回顾\n"
                          "过去一年，全省生产总值增长5.4%，城镇新增就业118万人。\n二、2025年目标任务和重点工作\n主要预期目标为：生产总值增长5.5%左右，城镇调查失业率控制在5%以内，"
                          "居民消费价格涨幅2%左右。\n今年重点抓好以下工作：一是扩大有效投资；二是提振消费；三是稳定外贸。\n",
    "2025年四川省政府工作报告": "2025年四川省政府工作报告\n二、2025年工作安排\n今年发展主要预期目标是：地区生产总值增长5.5%以上；"
                          "城镇新增就业85万人。\n",
    "2021年国务院政府工作报告": "2021年国务院政府工作报告\n二、2021年主要目标任务\n今年赤字率拟按3.2%左右安排，"
                         "不再发行抗疫特别国债。\n",
}


@pytest.fixture(scope="module")
def chat_index(tmp_path_factory):
    from assistant.embedders import FakeEmbedder

    corpus = tmp_path_factory.mktemp("chat") / "corpus"
    corpus.mkdir()
    for title, text in REPORTS.items():
        (corpus / f"{title}.txt").write_text(text, encoding="utf-8")
    a = Assistant.build([corpus], corpus.parent / "idx", FakeEmbedder(64))
    a.dir = corpus.parent / "idx"
    return a


def test_a_conversation_carries_the_scope_and_shows_how_it_understood(chat_index):
    conv = chat_index.conversation(today=TODAY)
    first = conv.ask("浙江省2025年地区生产总值增长目标是多少？")
    assert first.answer.span == "5.5%左右" and first.understood_as == first.question
    second = conv.ask("那四川呢？")
    assert second.understood_as == "2025年四川 地区生产总值增长目标是多少？"
    assert second.answer.span == "5.5%以上" and second.cited_passage.report.title == "2025年四川省政府工作报告"
    d = second.to_dict()
    assert d["question"] == "那四川呢？" and d["understood_as"] == "2025年四川 地区生产总值增长目标是多少？"
    alone = chat_index.ask("那四川呢？")  # without the conversation there is nothing to ask
    assert alone.abstained


def test_list_answers_have_items_with_offsets_into_the_report(chat_index):
    r = chat_index.ask("浙江2025年主要预期目标有哪些？")
    report = chat_index.index.reports[r.answer.doc_id]
    assert [i.text for i in r.answer.items] == ["生产总值增长5.5%左右", "城镇调查失业率控制在5%以内", "居民消费价格涨幅2%左右"]
    assert all(report.text[i.start : i.end] == i.text for i in r.answer.items)
    assert r.to_dict()["answer"]["items"][0] == {"text": "生产总值增长5.5%左右", "start": r.answer.items[0].start,
                                                 "end": r.answer.items[0].end, "page": None}
    assert sum(h.kind == "item" for h in r.cited_passage.highlights) == 3
    r = chat_index.ask("浙江2025年要抓好哪些重点工作？")
    assert [i.text for i in r.answer.items] == ["一是扩大有效投资；", "二是提振消费；", "三是稳定外贸。"]
    assert "1. 一是扩大有效投资；[1]" in r.cited_answer()


def test_a_plain_no_is_said_and_a_missing_report_is_named(chat_index):
    r = chat_index.ask("21年还发抗疫特别国债吗？", today=TODAY)
    assert r.answer.verdict == "否" and "不再发行抗疫特别国债" in r.answer.sentence
    assert r.cited_answer().startswith("否。根据《2021年国务院政府工作报告》")
    r = chat_index.ask("2020年政府工作报告提出的赤字率是多少？")
    assert r.abstained and r.answer is None and r.scope_missing == "索引中没有2020年的国务院政府工作报告"
    assert r.passages and all(p.low_confidence for p in r.passages)  # the nearest, labelled, never the answer
    r = chat_index.ask("2024年四川省政府工作报告提出的地区生产总值增长目标是多少？")
    assert r.scope_missing == "索引中没有2024年四川省的政府工作报告"
    r = chat_index.ask("西藏2025年地区生产总值增长目标是多少？")
    assert r.scope_missing == "索引中没有西藏自治区的报告"
    r = chat_index.ask("成都2025年地区生产总值增长目标是多少？")  # no 成都 report: its province answers
    assert r.scope_missing is None and r.answer.span == "5.5%以上"


@pytest.mark.parametrize("question", ["😀🎉🚀🔥", "什么", "？？？", "2025年政府工作报告", "那呢？"])
def test_no_content_no_answer(chat_index, question):
    r = chat_index.ask(question)
    assert r.abstained and r.passages == [] and "请说明想了解什么" in r.warnings[-1]


def test_chat_command_reads_follow_ups_and_prints_one_json_object_per_turn(chat_index):
    idx = str(chat_index.dir)
    turns = "浙江省2025年地区生产总值增长目标是多少？\n那四川呢？\n退出\n不会被读到\n"
    out = subprocess.run([sys.executable, "-m", "assistant", "chat", "--index", idx, "--json", "--today", "2026-11-29"],
                         input=turns, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["understood_as"] for d in lines] == ["浙江省2025年地区生产总值增长目标是多少？",
                                                   "2025年四川 地区生产总值增长目标是多少？"]
    assert [d["answer"]["span"] for d in lines] == ["5.5%左右", "5.5%以上"]


@pytest.mark.parametrize("question", ["😀🎉", "？？？", "什么"])
def test_a_turn_with_nothing_in_it_is_not_a_follow_up(chat_index, question):
    r = chat_index.ask(question, history=[ZJ])
    assert r.abstained and r.passages == [] and r.understood_as != resolve("那四川呢？", [ZJ])


def test_an_empty_turn_in_between_leaves_the_topic_where_it_was():
    assert resolve("那四川呢？", [ZJ, "😀🎉", "？？？"], TODAY) == "2025年四川 地区生产总值增长目标是多少？"


def test_a_figure_of_another_measure_or_unit_is_not_the_answer(tmp_path):
    from assistant.embedders import FakeEmbedder

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "2019.txt").write_text(
        "2019年国务院政府工作报告\n二、2019年主要目标任务\n积极的财政政策要加力提效。今年赤字率拟按2.8%安排；"
        "财政赤字2.76万亿元，其中中央财政赤字1.83万亿元。\n", encoding="utf-8")
    (corpus / "sc.txt").write_text("2025年四川省政府工作报告\n一、2024年工作回顾\n建设大熊猫国家公园，15个先行县试点取得成效。\n",
                                   encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", FakeEmbedder(64))
    r = a.ask("2019年国务院财政赤字占比是多少？")  # 占比 asks for a percentage: not 2.76万亿元
    assert r.understood_as == "2019年国务院财政赤字率是多少？" and r.answer.span == "2.8%"
    r = a.ask("2019年国务院财政赤字规模是多少亿元？")
    assert r.answer.span == "2.76万亿元"
    r = a.ask("2025年四川大熊猫数量增长了多少只？")  # 15个 is not a number of 只
    assert r.abstained and r.answer is None


def test_a_question_about_several_regions_gets_one_cited_answer_each(chat_index):
    r = chat_index.ask("浙江和四川2025年地区生产总值增长目标分别是多少？")
    assert [(p.question, p.answer.span) for p in r.parts] == [("浙江", "5.5%左右"), ("四川", "5.5%以上")]
    assert [p.chunk.id for p in r.passages[:2]] == [part.answer.chunk_id for part in r.parts]  # cited first
    assert r.cited_answer().splitlines() == [
        f"浙江：根据《2025年浙江省政府工作报告》：{r.parts[0].answer.sentence}[1]",
        f"四川：根据《2025年四川省政府工作报告》：{r.parts[1].answer.sentence}[2]"]
    assert [p["answer"]["span"] for p in r.to_dict()["parts"]] == ["5.5%左右", "5.5%以上"]
    r = chat_index.ask("浙江和西藏2025年地区生产总值增长目标分别是多少？")  # one of them is not indexed
    assert not r.abstained and r.scope_missing is None
    assert [(p.question, p.abstained, p.scope_missing) for p in r.parts] == [
        ("浙江", False, None), ("西藏", True, "索引中没有西藏自治区的报告")]
    assert resolve("那江苏和四川呢？", [ZJ], TODAY) == "2025年江苏、四川 地区生产总值增长目标是多少？"


def test_relative_years_without_a_region_mean_the_state_council_and_do_not_ask_for_a_result(chat_index):
    assert understand("去年赤字率是多少", TODAY).asked_kind is None  # 去年 picks the report here
    assert understand("2026年上海报告说去年城镇新增就业多少人", TODAY).asked_kind == "result"
    r = chat_index.ask("今年赤字率是多少？", today=datetime.date(2021, 3, 5))
    assert r.answer.span == "3.2%左右" and r.cited_passage.report.title == "2021年国务院政府工作报告"
    r = chat_index.ask("今年赤字率是多少？", today=TODAY)
    assert r.abstained and r.scope_missing == "索引中没有2026年的国务院政府工作报告"


def test_a_list_under_the_named_heading_does_not_answer_a_question_about_something_it_never_names(tmp_path):
    from assistant.embedders import FakeEmbedder

    corpus = tmp_path / "c"
    corpus.mkdir()
    text = ("2024年国务院政府工作报告\n二、2024年政府工作任务\n"
            "今年要做好以下工作：一是扩大国内需求；二是稳定对外贸易；三是深化重点改革。\n")
    (corpus / "2024.txt").write_text(text, encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", FakeEmbedder(64))
    listed = a.ask("2024年政府工作报告提出今年要做好哪些工作？")
    assert [i.text for i in listed.answer.items] == ["一是扩大国内需求；", "二是稳定对外贸易；", "三是深化重点改革。"]
    r = a.ask("2024年政府工作报告提出在哪些城市试点四天工作制？")
    assert r.abstained and "没有提到" in r.warnings[-1]


@pytest.mark.parametrize("history, question, in_chat, leans", [
    # a clause after the question that only says where to look is scope, wherever it stands
    (["广东的地区生产总值增长目标是多少？看2026年的报告"], "河南呢？按2025年的报告",
     "2025年河南 地区生产总值增长目标是多少？", True),
    (["2017年国务院政府工作报告的CPI目标是多少？"], "2013年那份报告里呢？",
     "2013年国务院政府工作报告 居民消费价格目标是多少？", True),
    # the turn asks in its own words: the figure asked before is not added to it
    (["安徽2024年城镇新增就业多少人"], "那调查失业率平均是多少", "安徽2024年 调查失业率平均是多少", True),
    # years: an event question's year stays an event's; a target after it is in the report reviewing that year;
    # a result of the year before the chat's report is that report's review
    (["河南2024年粮食总产量多少斤"], "城镇新增就业多少人", "河南2024年 城镇新增就业多少人", True),
    (["河南2024年粮食总产量多少斤"], "城镇新增就业目标多少人", "2025年河南 城镇新增就业目标多少人", True),
    (["湖南2025年生产总值目标定的多少"], "24年实际增了多少？", "湖南2024年 生产总值实际增了多少？", True),
    (["2025年政府工作报告赤字率是多少？"], "2024年实际增长了多少", "全国2024年 赤字率实际增长了多少", True),
    (["宁夏2026年GDP增长目标是多少"], "2025年的呢", "2025年宁夏 生产总值增长目标是多少", True),
    (["辽宁2026年报告里经济增长目标"], "去年实际增长多少", "辽宁2025年 生产总值实际增长多少", True),
    (["浙江2026年城镇新增就业目标多少？"], "主要预期目标有哪些", "2026年浙江 主要预期目标有哪些", True),  # all of them
    (["辽宁2026年报告里经济增长目标"], "那2025年的报告里就业目标是多少", "2025年辽宁 城镇新增就业目标是多少", True),
    (["2010年政府工作报告GDP增长目标"], "2009年国内生产总值达到多少", "全国2009年 国内生产总值达到多少", True),
    # a question of its own that names no report: the chat's scope is proposed
    (["2013年政府工作报告提出财政赤字多少？"], "其中中央财政赤字是多少", "2013年政府工作报告 其中中央财政赤字是多少", True),
    # one naming only its region takes the chat's year first; read alone it wins when answered clearly better
    (["2013年政府工作报告提出财政赤字多少？"], "深圳高新区综合排名第几？", "2013年深圳 高新区综合排名第几？", True),
    ([ZJ], "吉林2025年粮食产量目标是多少？", "吉林2025年粮食产量目标是多少？", False),  # names its own scope
    # a turn naming only a measure, or pointing back (这个, 它), asks about the chat's subject
    (["河南2025年经济增长目标是多少？"], "实际上2024年增长了多少？", "河南2024年 生产总值实际上增长了多少？", True),
    (["河南2025年经济总量是多少？"], "这个比上年增长了多少？", "河南2025年 生产总值比上年增长了多少？", True),
    (["2025年政府工作报告提出的赤字率是多少？"], "它比上年提高了多少？", "2025年政府工作报告 赤字率比上年提高了多少？", True),
])
def test_every_later_turn_is_read_alone_and_in_the_light_of_the_chat(history, question, in_chat, leans):
    assert readings(question, history, TODAY) == (question, in_chat, leans)


@pytest.mark.parametrize("question, regions", [
    ("新能源汽车产量排全国第几", ()), ("粮食总产量在全国排第几？", ()), ("全国重点实验室有多少家", ()),
    ("在全国百强县里有几个", ()), ("全国粮食产量是多少", ("全国",)), ("湖北获得国家科技奖励多少项，全国排第几？", ("湖北",)),
])
def test_the_country_a_place_is_ranked_against_is_not_the_report_asked(question, regions):
    assert understand(question, TODAY).regions == regions


@pytest.mark.parametrize("question, wants_list", [
    ("湖南2026年政府工作报告重点抓好的十个方面工作分别是什么", True), ("三大攻坚战各是什么", True),
    ("浙江和江苏的增长目标分别是多少", False), ("赤字率是什么", False),
])
def test_asking_what_each_of_several_things_is_asks_for_a_list(question, wants_list):
    assert understand(question, TODAY).wants_list is wants_list


def test_the_choice_between_two_readings_compares_their_answers():
    chat = reading_vector(answered=True, prob=0.8, in_chat_scope=True, scope_missing=False)
    alone = reading_vector(answered=True, prob=0.9, in_chat_scope=False, scope_missing=False)
    assert choice_features(chat, alone, chat_proposed=True, turn_scoped=False).tolist() == pytest.approx(
        [0.0, -0.1, 1.0, 0.0, 1.0, 0.0])
    assert reading_vector(False, 0.4, True, True).tolist() == [0.0, 0.4, 0.0, 1.0]  # unanswered: in no scope
    model = choice_model()
    assert model.names == CHOICE_FEATURES and model.about["fitted_by"] == "eval/fit_chat.py"
    # a reading answered in the chat's report beats one answered elsewhere with the same confidence
    assert model.prob(choice_features(chat, reading_vector(True, 0.8, False, False), True, False))[0] > 0.5
    # a chat reading naming a report the index lacks loses to the turn answered alone
    assert model.prob(choice_features(reading_vector(False, 0.0, False, True), alone, True, False))[0] < 0.5


def test_the_turn_alone_is_not_asked_only_when_no_answer_of_it_could_win():
    import itertools

    model = choice_model()
    values = list(itertools.product([0.0, 1.0], [0.0, 0.3, 0.7, 1.0], [0.0, 1.0], [0.0, 1.0]))
    skipped = 0
    for chat, proposed, scoped in itertools.product(values, [False, True], [False, True]):
        sure = chat_wins_anyway(model, np.array(chat), proposed, scoped)
        if sure is not None:
            skipped += 1
            for alone in values:  # whatever the turn alone would have got, the chat's reading would have won
                assert model.prob(choice_features(np.array(chat), np.array(alone), proposed, scoped))[0] >= sure
    assert skipped  # some answers of the chat's reading are sure enough


def test_scope_clauses_are_split_off():
    assert scope_clauses("河南呢？按2025年的报告", TODAY) == ("河南呢？", (2025,), ())
    assert scope_clauses("安徽的呢，也是2025年", TODAY) == ("安徽的呢，", (2025,), ())
    assert scope_clauses("浙江呢，生产总值多少", TODAY) == ("浙江呢，生产总值多少", (), ())  # not scope only


def test_a_later_turn_is_answered_by_the_reading_answered_better(chat_index):
    # a question of its own in a chat about another report is answered as when asked alone
    alone = chat_index.ask("浙江省2025年城镇新增就业多少人？")
    r = chat_index.ask("浙江省2025年城镇新增就业多少人？", history=["2021年政府工作报告赤字率是多少？"])
    assert r.understood_as == alone.understood_as and r.answer.span == alone.answer.span == "118万人"
    # a turn that leans on the chat is read in its light, and says how it would have been read otherwise
    r = chat_index.ask("四川呢？按2025年的报告", history=[ZJ], today=TODAY)
    assert r.understood_as == "2025年四川 地区生产总值增长目标是多少？" and r.answer.span == "5.5%以上"
    assert r.to_dict()["confidence"] == round(r.confidence, 4) > 0
    other = r.to_dict()["other_reading"]
    assert other == {"understood_as": "四川呢？按2025年的报告", "confidence": None}  # alone it asks nothing


def test_a_proposed_reading_that_leads_nowhere_loses_to_the_turn_read_alone(chat_index):
    # no year: the chat's 2021 is proposed, and 2021年浙江 is not indexed; alone, the turn is answered
    r = chat_index.ask("浙江过去一年城镇新增就业多少人？", history=["2021年政府工作报告赤字率是多少？"], today=TODAY)
    assert r.understood_as == "浙江过去一年城镇新增就业多少人？" and r.answer.span == "118万人"
    assert r.other_reading["understood_as"].startswith("2021年浙江") and r.other_reading["confidence"] == 0.0


def test_earlier_turns_are_scored_as_the_chat_understood_them():
    understood = {("浙江呢",): "2025年浙江 生产总值是多少？"}
    assert as_understood(["浙江呢", "四川呢"], understood) == ["2025年浙江 生产总值是多少？", "四川呢"]


@pytest.mark.parametrize("question, count", [
    ("河南2025年要在哪十个方面更大力度推动？", 10), ("陕西2026年要重点做好哪9个方面的工作？", 9),
    ("“六场战役”都是哪些？", 6), ("要打好哪三大产业的转型攻坚战？", 3), ("有哪些措施？", None), ("哪一个？", None),
])
def test_a_list_question_may_say_how_many_items_it_asks(question, count):
    assert asked_count(question) == count


def test_the_list_of_the_count_asked_is_chosen_over_a_nearer_one():
    text = "一是甲；二是乙。\n（一）子一。\n（二）子二。\n（三）子三。\n"
    assert [i.text for i in best_list(text, 0, len(text), 0)] == ["一是甲；", "二是乙。"]  # the nearest
    assert [i.text for i in best_list(text, 0, len(text), 0, count=3)] == ["（一）子一。", "（二）子二。", "（三）子三。"]


@pytest.mark.parametrize("question, n", [("第三个呢？", 3), ("第2项具体怎么做", 2), ("最后一条呢", -1), ("第十个方面呢", 10),
                                         ("第三产业呢？", None), ("第一季度GDP呢", None)])
def test_a_turn_may_name_an_item_of_the_list_before(question, n):
    assert item_reference(question) == n


def test_an_item_of_the_previous_list_answer_is_asked_about(chat_index):
    listed = "浙江2025年要抓好哪些重点工作？"
    r = chat_index.ask("第二个呢？", history=[listed], today=TODAY)
    assert r.understood_as == "2025年浙江 提振消费" and r.cited_passage.report.title == "2025年浙江省政府工作报告"
    assert "提振消费" in r.answer.sentence
    r = chat_index.ask("第五个呢？", history=[listed], today=TODAY)
    assert r.abstained and r.warnings[-1] == "上一个回答没有第5项（共3项）"


@pytest.mark.parametrize("question, regions", [
    ("2021年政府工作报告 地方政府专项债券是多少", ("全国",)),  # a figure of the State Council's report
    ("2021年政府工作报告提出的地方财政赤字是多少", ("全国",)),
    ("2021年各地方政府工作报告的增长目标", ()),  # the provinces' reports
])
def test_a_report_named_without_a_region_is_the_state_councils_unless_the_provinces_are_asked(
        chat_index, question, regions):
    from assistant.search import with_index_regions

    assert with_index_regions(chat_index.index, understand(question, TODAY)).regions == regions


def test_each_list_item_cites_the_passage_it_stands_in():
    from assistant.reader.lists import Item
    from assistant.render import answer_html
    from assistant.types import Answer, Chunk, Passage, Report, Result

    text = "重点抓好两个方面工作：\n（一）稳增长。\n（二）促改革。\n"
    report = Report("r", "2026年湖南省政府工作报告", 2026, "湖南", None, "", "", text)
    lead, second = text.index("重点"), text.index("（二）")
    passages = [Passage(1, Chunk("c1", "r", text[:second], 0, second), report),
                Passage(2, Chunk("c2", "r", text[second:], second, len(text)), report)]
    items = [Item("（一）稳增长。", text.index("（一）"), second - 1), Item("（二）促改革。", second, len(text) - 1)]
    answer = Answer(span=text[lead:11], start=lead, end=11, sentence=text[lead:11], sentence_start=lead,
                    sentence_end=11, chunk_id="c1", doc_id="r", items=items)
    result = Result("湖南2026年重点抓好的两个方面工作分别是什么", False, answer, passages)
    assert [result.item_passage(i).rank for i in items] == [1, 2]
    assert result.cited_answer().splitlines()[1:] == ["1. （一）稳增长。[1]", "2. （二）促改革。[2]"]
    assert 'href="#passage-2"' in answer_html(result)
