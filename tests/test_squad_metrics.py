import json

from assistant.squad import load_squad, span_em, span_f1


def test_span_metrics_on_known_cases():
    assert span_em("全国第二", ["全国第二"]) == 1.0
    assert span_em("全国第二。", ["全国 第二"]) == 1.0  # punctuation and spaces ignored
    assert span_em("第二", ["全国第二"]) == 0.0
    assert span_f1("第二", ["全国第二"]) == 2 * (1.0 * 0.5) / 1.5
    assert span_f1("", ["全国第二"]) == 0.0
    assert span_f1("3070家", ["3070家", "3070"]) == 1.0
    assert span_f1("abc", ["xyz"]) == 0.0


def test_load_squad(tmp_path):
    data = {"data": [{"id": "A", "title": "标题", "paragraphs": [
        {"id": "A_0", "context": "甲乙丙。", "qas": [{"id": "q1", "question": "甲？", "answers": [
            {"text": "甲", "answer_start": 0}, {"text": "甲", "answer_start": 0}]}]}]}]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    records, items = load_squad(path)
    assert records == [{"title": "A_0-0 标题", "content": "甲乙丙。"}]
    assert items == [{"id": "q1", "question": "甲？", "answers": ["甲"], "doc": ["A_0-0 标题"], "unanswerable": False}]
