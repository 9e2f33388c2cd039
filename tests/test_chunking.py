from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import ChunkParams, chunk_report, heading_of, sentence_spans
from assistant.ingest import load_reports, make_report

from .conftest import CORPUS


def report(text: str, title: str = "测试报告"):
    return make_report(text, "mem", title)


def test_seed_sections_and_exact_offsets():
    (r,), _ = load_reports([CORPUS])
    chunks = chunk_report(r)
    assert all(r.text[c.start : c.end] == c.text for c in chunks)
    assert all(len(c.text) <= 250 for c in chunks)
    first = chunks[0]
    assert first.section == "一、2021年工作成效 > (一)面向长远发展,加强科技创新系统谋划"
    assert first.text.startswith("一是高标准编制《深圳市科技创新“十四五”规划》")
    ranking = next(c for c in chunks if "全国第二" in c.text)
    assert ranking.section == "一、2021年工作成效 > (四)开新篇谋新局,多措并举推动深圳国家高新区高质量发展"
    assert chunks[-1].section == "二、2022年工作思路 > (七)推进高新区高质量发展"


def test_heading_patterns():
    assert heading_of("一、2021年工作成效") == (1, "一、2021年工作成效", True)
    assert heading_of("（二）加强基础研究") == (2, "（二）加强基础研究", True)
    assert heading_of("(三)聚焦四个面向") == (2, "(三)聚焦四个面向", True)
    assert heading_of("3. 强化企业主体。支持企业加大研发。") == (3, "3. 强化企业主体", False)
    assert heading_of("2、推进改革") == (3, "2、推进改革", True)
    assert heading_of("第一章 总则") == (1, "第一章 总则", True)
    assert heading_of("第二节 目标") == (2, "第二节 目标", True)
    assert heading_of("## 背景") == (2, "背景", True)
    assert heading_of("2021年全市GDP增长。") is None
    assert heading_of("一是建设基础研究机构。") is None


def test_heading_with_body_keeps_body_as_passage():
    r = report("二、主要任务\n（一）扩大内需。推动消费升级，稳定投资。\n")
    (c,) = chunk_report(r)
    assert c.text == "（一）扩大内需。推动消费升级，稳定投资。"
    assert c.section == "二、主要任务 > （一）扩大内需"


def test_long_paragraph_windows_follow_sentences_with_overlap():
    sentences = [f"第{i}句话讲的是一件具体的工作内容并且给出了{i}个数字。" for i in range(30)]
    text = "".join(sentences)
    r = report(text + "\n")
    chunks = chunk_report(r, ChunkParams(max_chars=120))
    assert len(chunks) > 5
    for c in chunks:
        assert len(c.text) <= 120
        assert c.text.endswith("。") and any(c.text.startswith(s) for s in sentences)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end > b.start  # one sentence shared
        assert r.text[b.start : a.end] in sentences


def test_enumeration_starts_a_new_window():
    text = "一是" + "甲" * 100 + "。二是" + "乙" * 50 + "。三是" + "丙" * 60 + "。"
    chunks = chunk_report(report(text), ChunkParams(max_chars=200))
    assert [c.text[:2] for c in chunks] == ["一是", "二是"]  # 二是 would fit, but starts a new item
    assert chunks[1].text.endswith("丙。")


def test_sentence_longer_than_window_is_cut_at_commas():
    text = "，".join(["这是一个很长的分句内容"] * 40) + "。"
    chunks = chunk_report(report(text), ChunkParams(max_chars=100))
    assert all(len(c.text) <= 100 for c in chunks)
    assert "".join(c.text for c in chunks) == text


def test_short_paragraphs_merge_within_a_section():
    r = report("各位代表：\n现在，我代表市人民政府，向大会报告政府工作，请予审议。\n")
    (c,) = chunk_report(r)
    assert c.text == "各位代表：\n现在，我代表市人民政府，向大会报告政府工作，请予审议。"


def test_sentence_spans():
    text = "甲。乙！丙？丁；戊"
    assert [text[s:e] for s, e in sentence_spans(text, 0, len(text))] == ["甲。", "乙！", "丙？", "丁；", "戊"]


pieces = st.sampled_from(["一、总体要求", "（二）重点任务", "1.具体措施", "\r\n", "\n", "\ufeff", "\u3000\u3000",
                          "。", "！", "？", "；", ",", "，", "“引号”", "《规划》", "增长5%", "　", " ", "<script>",
                          "一是推进改革", "二是扩大开放", "很长的句子" * 30, "abc", "😀"])


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=60), st.integers(min_value=20, max_value=300))
def test_offsets_exact_on_generated_documents(parts, size):
    text = "".join(parts)
    r = report(text)
    for c in chunk_report(r, ChunkParams(max_chars=size)):
        assert r.text[c.start : c.end] == c.text
        assert c.text.strip()
        assert len(c.text) <= size


def test_web_page_furniture_and_title_line_are_not_passages():
    text = ("下载\n打印\n【字号：\n】\n2026年示例省政府工作报告\n各位代表：\n"
            "现在，我代表省人民政府，向大会报告政府工作。\n评论 (0)")
    r = report(text, title="2026年示例省政府工作报告")
    (c,) = chunk_report(r)
    assert c.text == "各位代表：\n现在，我代表省人民政府，向大会报告政府工作。"


def test_fixed_windows_baseline():
    text = "甲" * 1200
    chunks = chunk_report(report(text), ChunkParams(max_chars=500, fixed=True, overlap_chars=50))
    assert [(c.start, c.end) for c in chunks] == [(0, 500), (450, 950), (900, 1200)]
    assert ChunkParams().to_dict() == {"max_chars": 250, "min_chars": 24, "overlap_sentences": 1}


def test_unnumbered_part_headings_open_sections():
    text = ("2025年某省政府工作报告\n各位代表：\n2024年工作回顾\n过去一年，全省地区生产总值增长5.7%。\n"
            "2025年工作安排建议\n今年发展主要预期目标是：地区生产总值增长5.5%以上。\n（一）全方位扩大内需\n扩大有效投资。\n"
            "名词解释\n1.两新：是指大规模设备更新和消费品以旧换新\n四川省人民政府省长 施小琳\n")
    sections = {c.text.split("。")[0]: c.section for c in chunk_report(report(text, "2025年某省政府工作报告"))}
    assert sections["今年发展主要预期目标是：地区生产总值增长5.5%以上"] == "2025年工作安排建议"
    assert sections["扩大有效投资"] == "2025年工作安排建议 > （一）全方位扩大内需"
    assert heading_of("名词解释") == (1, "名词解释", True) and heading_of("2024年工作回顾") == (1, "2024年工作回顾", True)
    assert heading_of("四川省人民政府省长 施小琳") is None and heading_of("各位代表：") is None
    assert heading_of("我们将继续加强政府自身建设。") is None
