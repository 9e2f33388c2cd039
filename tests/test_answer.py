"""Sentence choice and typed spans, on hand-made sentences with known answers."""

import pytest

from assistant.answer import answer_span, best_sentence
from assistant.lexical import BM25, tokenize
from assistant.qtypes import question_type
from assistant.query import understand


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


@pytest.mark.parametrize("sentence, question, span", [
    ("深圳高新区综合排名位列全国第二，仅次于中关村。", "深圳高新区综合排名第几？", "全国第二"),
    ("全市新增国家高新技术企业3070家，总量超过2.3万家。", "全市新增国家高新技术企业多少家？", "3070家"),
    ("赤字率拟按4%左右安排，赤字规模5.66万亿元。", "赤字率是多少？", "4%左右"),
    ("康泰生物研发生产的新冠灭活疫苗获批上市。", "哪家企业研发生产的新冠灭活疫苗获批上市？", "康泰生物"),
    ("领导小组组长由市长担任。", "领导小组组长由谁担任？", "市长"),
    ("该机场于2006年6月21日动工，总投资2.38亿元。", "该机场是何时动工的？", "2006年6月21日"),
    ("全市共布局建设了八个方面的重点任务。", "全市布局建设了几个方面的重点任务？", "八个方面"),
    ("研发投入强度达到3.0%，新增企业超过1200家。", "研发投入强度是多少？", "3.0%"),
    ("研发投入强度达到3.0%，新增企业超过1200家。", "新增企业多少家？", "超过1200家"),
])
def test_answer_span(sentence, question, span):
    s = answer_span(sentence, understand(question))
    assert s is not None and sentence[s.start : s.end] == span


def test_no_typed_candidate_gives_no_span():
    assert answer_span("全市加快建设综合性国家科学中心。", understand("全市新增企业多少家？")) is None


def _bm25(texts):
    return BM25.build([tokenize(t) for t in texts])


def test_title_terms_count_little_when_choosing_the_sentence():
    # the first sentence repeats the report's subject; the second, which answers, calls it 本鱼
    text = "黄足笛鲷，又称焦黄笛鲷，为鲈形目笛鲷科的其中一个种。本鱼分布于印度太平洋区，包括东非、红海等海域。"
    question = "黄足笛鲷分布在什么地区？"
    bm25 = _bm25([text, "其他鱼类的说明。", "另一段无关文字。"])
    query = understand(question)
    s, e, _ = best_sentence(text, query, bm25, title="黄足笛鲷")
    assert text[s:e] == "本鱼分布于印度太平洋区，包括东非、红海等海域。"
    s, e, _ = best_sentence(text, query, bm25, title="")
    assert text[s:e].startswith("黄足笛鲷，又称")  # without the title, the subject's rare name wins


def test_a_quoted_phrase_does_not_make_a_sentence_answer_a_what_question():
    text = "该计划被称为“创新计划”，由多个部门组成。计划的目的在于建立开放数据库。"
    bm25 = _bm25([text, "无关。"])
    question = "该计划的目的是什么？"
    s, e, _ = best_sentence(text, understand(question), bm25)
    assert text[s:e] == "计划的目的在于建立开放数据库。"


def test_spans_do_not_depend_on_the_process_hash_seed():
    """Equal-length question words are taken in question order, not in a set's (per-process) order."""
    import os
    import subprocess
    import sys

    code = ("from assistant.answer import key_term_end; from assistant.query import understand; "
            "s = '就业率保持稳定，赤字率拟按4%安排。'; print(key_term_end(s, understand('赤字率和就业率是多少')))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(6)}
    assert outs == {str("就业率保持稳定，赤字率拟按4%安排。".index("赤字率") + 3)}
