from assistant.evaluate import score_item, summarise


def result(passages, answer=None, abstained=False, span=None, items=()):
    ps = [{"rank": i + 1, "chunk_id": f"c{i}", "title": t, "text": x, "highlights": []} for i, (t, x) in enumerate(passages)]
    return {"abstained": abstained, "passages": ps,
            "answer": {"text": answer, "span": span or answer, "chunk_id": "c0", "items": [{"text": i} for i in items]}
            if answer else None}


def test_hit_needs_answer_and_title():
    item = {"id": "1", "question": "q", "answers": ["5%"], "doc": ["2025年", "北京"], "unanswerable": False}
    r = result([("2024年北京市报告", "增长5%"), ("2025年上海市报告", "增长5%"), ("2025年北京市报告", "增长5%")], "增长5%")
    row = score_item(r, item)
    assert row["rank"] == 3 and row["answer_ok"] is False  # the answer's passage is from the wrong report


def test_span_scoring_reads_the_answer_span():
    item = {"id": "1", "question": "q", "answers": ["全国第二"], "doc": [], "unanswerable": False}
    r = result([("t", "综合排名位列全国第二。")], "综合排名位列全国第二。", span="全国第二")
    row = score_item(r, item)
    assert (row["span"], row["highlight_ok"], row["span_em"], row["span_f1"]) == ("全国第二", True, 1.0, 1.0)
    row = score_item(result([("t", "综合排名位列全国第二。")], "综合排名位列全国第二。", span="第二"), item)
    assert (row["span"], row["highlight_ok"], row["span_em"]) == ("第二", False, 0.0)
    assert abs(row["span_f1"] - 2 / 3) < 1e-9


def test_a_list_answer_is_right_when_an_item_holds_the_gold():
    item = {"id": "1", "question": "q", "answers": ["加强基础研究"], "doc": [], "unanswerable": False}
    r = result([("t", "2022年工作思路")], "2022年,我们将…", items=["(一)加强基础研究和应用基础研究", "(二)探索新型举国体制"])
    assert score_item(r, item)["answer_ok"] is True
    r = result([("t", "2022年工作思路")], "2022年,我们将…", items=["(二)探索新型举国体制"])
    assert score_item(r, item)["answer_ok"] is False


def test_a_list_of_every_item_is_complete_only_when_every_gold_item_is_said():
    item = {"id": "1", "question": "q", "answers": ["扩大内需", "科技创新"], "doc": [], "unanswerable": False,
            "all_answers": True}
    r = result([("t", "重点工作")], "今年重点工作：", items=["（一）扩大内需", "（二）科技创新", "（三）绿色转型"])
    assert score_item(r, item)["complete"] is True
    r = result([("t", "重点工作")], "今年重点工作：", items=["（一）扩大内需"])
    row = score_item(r, item)
    assert (row["answer_ok"], row["complete"]) == (True, False)
    rows = [row | {"all_answers": True}, {**row, "complete": True, "all_answers": True}]
    assert summarise(rows, [1.0, 2.0])["lists_complete"] == 0.5


def test_summary_counts():
    rows = [
        {"rank": 1, "answer_ok": True, "abstained": False, "unanswerable": False},
        {"rank": 3, "answer_ok": False, "abstained": False, "unanswerable": False},
        {"rank": None, "answer_ok": False, "abstained": True, "unanswerable": False},
        {"rank": None, "answer_ok": False, "abstained": True, "unanswerable": True},
        {"rank": None, "answer_ok": False, "abstained": False, "unanswerable": True},
    ]
    m = summarise(rows, [10.0, 20.0, 30.0, 40.0, 50.0])
    assert m["n"] == 3 and m["n_unanswerable"] == 2
    assert (m["hit@1"], m["hit@3"], m["hit@5"]) == (round(1 / 3, 4), round(2 / 3, 4), round(2 / 3, 4))
    assert m["mrr@10"] == round((1 + 1 / 3) / 3, 4)
    assert m["answer_accuracy"] == round(1 / 3, 4)
    assert m["refusal_precision"] == 0.5 and m["refusal_recall"] == 0.5 and m["false_refusals"] == 1
    assert m["latency_p50_ms"] == 30.0
    empty = summarise([], [])
    assert empty["n"] == 0 and empty["hit@1"] is None and empty["latency_p50_ms"] is None


def test_ties_and_empty_results():
    item = {"id": "1", "question": "q", "answers": ["5%", "百分之五"], "doc": [], "unanswerable": False}
    both = result([("a", "增长5%"), ("b", "增长百分之五")], "增长5%")
    assert score_item(both, item)["rank"] == 1  # two passages hold a gold answer: the first one counts
    empty = result([], None, abstained=True)
    row = score_item(empty, item)
    assert row["rank"] is None and row["answer_ok"] is False and row["span"] == "" and row["abstained"] is True
