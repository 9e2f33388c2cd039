"""Property: whatever the document looks like, every passage and highlight offset is exact."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant
from assistant.embedders import FakeEmbedder

pieces = st.sampled_from([
    "一、总体要求", "（二）重点任务", "1.具体措施", "\r\n", "\n", "\ufeff", "\u3000\u3000", "。", "！", "？", "；",
    ",", "，", "“专精特新”", "《规划》", "增长5%左右", "新增就业26万人", "排名全国第二", "　", " ", "<script>alert(1)</script>",
    "一是推进改革", "二是扩大开放", "很长的句子没有标点" * 40, "abc", "😀", "地方政府专项债券4.4万亿元",
])
questions = st.sampled_from(["专项债券是多少？", "排名第几？", "新增就业多少？", "<script>", "😀😀", "改革", "？？"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(pieces, min_size=1, max_size=80), questions)
def test_passages_and_highlights_index_the_report_text(tmp_path_factory, parts, question):
    text = "".join(parts)
    if not text.strip(" \t\r\n\u3000\ufeff"):
        return
    corpus = tmp_path_factory.mktemp("c")
    (corpus / "r.txt").write_bytes(text.encode("utf-8"))
    a = Assistant.build([corpus], corpus / "idx", FakeEmbedder(32))
    (report,) = a.index.reports.values()
    result = a.ask(question, k=5)
    for p in result.to_dict()["passages"]:
        assert report.text[p["start"] : p["end"]] == p["text"]
        for h in p["highlights"]:
            assert 0 <= h["start"] < h["end"] <= len(p["text"])
    if result.answer:
        a_ = result.answer
        assert report.text[a_.start : a_.end] == a_.span and report.text[a_.sentence_start : a_.sentence_end] == a_.sentence
        assert a_.sentence_start <= a_.start <= a_.end <= a_.sentence_end
