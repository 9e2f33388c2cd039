import json
import logging

import pytest

from assistant.errors import EmptyCorpus
from assistant.ingest import FieldMap, Unreadable, decode, load_file, load_reports

from .conftest import CORPUS, SEED_TITLE

TEXT = "一、工作回顾\n过去一年，地区生产总值增长5%。\n"


def test_seed_report_metadata():
    (r,), warnings = load_reports([CORPUS])
    assert warnings == []
    assert r.title == SEED_TITLE
    assert r.year == 2021 and r.years == (2021, 2022)
    assert r.region == "深圳" and r.issuer == "深圳市科技创新委员会"
    assert r.source.endswith(".txt") and len(r.sha256) == 64 and r.doc_id == r.sha256[:16]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_decodes_each_encoding_exactly(tmp_path, encoding):
    path = tmp_path / "r.txt"
    path.write_bytes(TEXT.encode(encoding))
    (r,) = load_file(path)
    assert r.text == TEXT  # BOM removed, nothing else changed


def test_crlf_is_kept(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode())
    assert load_file(path)[0].text == TEXT.replace("\n", "\r\n")


@pytest.mark.parametrize("data, reason", [(b"", "empty"), (b"\x00\x01\x02binary\x00" * 50, "binary"),
                                          (bytes(range(128, 256)) * 20, "not UTF-8")])
def test_unreadable_bytes(data, reason):
    with pytest.raises(Unreadable, match=reason):
        decode(data)


def test_bad_files_are_skipped_with_a_warning(tmp_path, caplog):
    (tmp_path / "good.txt").write_text(TEXT)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\xff" * 100)
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    with caplog.at_level(logging.WARNING):
        reports, warnings = load_reports([tmp_path])
    assert [r.source.split("/")[-1] for r in reports] == ["good.txt"]
    assert sorted(w.split("/")[-1].split(":")[0] for w in warnings) == ["bin.txt", "broken.docx", "empty.txt"]


def test_empty_corpus_is_a_clear_error(tmp_path):
    (tmp_path / "notes.bin").write_bytes(b"x")
    with pytest.raises(EmptyCorpus, match="no readable reports"):
        load_reports([tmp_path])


def test_duplicate_text_is_indexed_once(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.txt").write_text(TEXT)
    reports, warnings = load_reports([tmp_path])
    assert len(reports) == 1 and any("same text" in w for w in warnings)


def test_jsonl_records_detect_fields(tmp_path):
    path = tmp_path / "reports.jsonl"
    rows = [{"title": "2025年中华人民共和国国务院政府工作报告", "content": TEXT, "year": "2025"},
            {"title": "某决议", "content": "2024年3月11日通过。", "year": None},
            {"title": "no text"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nnot json\n")
    reports = load_file(path)
    assert [(r.title, r.year, r.region, r.issuer) for r in reports] == [
        ("2025年中华人民共和国国务院政府工作报告", 2025, "全国", "国务院"),
        ("某决议", 2024, None, None),
    ]
    assert reports[0].text == TEXT and reports[0].source.endswith("reports.jsonl#line 1")


def test_csv_with_bom_and_field_overrides(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(("\ufeffprovince,yr,name,body_text\n广西壮族自治区,2026,报告甲,\"" + TEXT + "\"\n").encode())
    with pytest.raises(Unreadable, match="--text-field"):
        load_file(path)
    (r,) = load_file(path, FieldMap(text="body_text", title="name", year="yr"))
    assert (r.title, r.year, r.region, r.text) == ("报告甲", 2026, "广西", TEXT)


def test_docx_and_html(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("2025年示例省政府工作报告")
    d.add_paragraph("过去一年，地区生产总值增长5%。")
    d.save(tmp_path / "r.docx")
    (r,) = load_file(tmp_path / "r.docx")
    assert r.title == "2025年示例省政府工作报告" and r.year == 2025
    assert r.text == "2025年示例省政府工作报告\n过去一年，地区生产总值增长5%。"

    (tmp_path / "p.html").write_text(
        "<html><head><title>某报告</title><script>alert(1)</script></head><body><p>第一段。</p><p>第二段&amp;。</p></body></html>"
    )
    (h,) = load_file(tmp_path / "p.html")
    assert (h.text, h.title) == ("第一段。\n第二段&。", "某报告")


def test_script_in_a_text_report_stays_plain_text(tmp_path):
    (tmp_path / "x.txt").write_text("报告\n<script>alert(1)</script>内容。\n")
    assert "<script>alert(1)</script>" in load_file(tmp_path / "x.txt")[0].text


def test_readme_in_a_corpus_folder_is_not_a_report(tmp_path):
    (tmp_path / "README.md").write_text("# notes\n")
    (tmp_path / "r.txt").write_text(TEXT)
    reports, _ = load_reports([tmp_path])
    assert [r.source.split("/")[-1] for r in reports] == ["r.txt"]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with `text` in Helvetica, with a correct xref table, as a strict reader wants."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf(tmp_path):
    (tmp_path / "budget-2025.pdf").write_bytes(minimal_pdf("Budget report 2025: deficit ratio 4 percent."))
    (r,) = load_file(tmp_path / "budget-2025.pdf")
    assert r.text.strip() == "Budget report 2025: deficit ratio 4 percent."
    assert r.year == 2025
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(Unreadable, match="pdf"):
        load_file(tmp_path / "broken.pdf")


def test_parallel_parsing_gives_what_serial_parsing_gives(tmp_path):
    import docx

    for i in range(5):
        d = docx.Document()
        d.add_paragraph(f"202{i}年示例市政府工作报告")
        d.add_paragraph(f"地区生产总值增长{i}.5%左右。新增企业{i}00家。")
        d.save(tmp_path / f"r{i}.docx")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "note.txt").write_text("2024年示例县工作总结\n完成投资10亿元。", encoding="utf-8")
    serial = load_reports([tmp_path], workers=1)
    parallel = load_reports([tmp_path], workers=2)
    assert parallel == serial
    assert [r.title for r in serial[0]] == ["2024年示例县工作总结", *[f"202{i}年示例市政府工作报告" for i in range(5)]]
    assert len(serial[1]) == 1 and "broken.pdf" in serial[1][0]


def test_a_docx_table_is_read_row_by_row_in_place(tmp_path):
    import docx

    from assistant.ingest import read_document

    d = docx.Document()
    d.add_paragraph("2025年示例省政府工作报告")
    d.add_paragraph("一、2024年主要指标")
    table = d.add_table(rows=3, cols=3)
    rows = [("指标", "2024年", "增长"), ("社会消费品零售总额", "5.2万亿元", "4.8%"), ("城镇新增就业", "120万人", "")]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("二、2025年工作安排")
    d.save(tmp_path / "r.docx")
    assert read_document(tmp_path / "r.docx").text.splitlines() == [
        "2025年示例省政府工作报告", "一、2024年主要指标", "指标：社会消费品零售总额｜2024年：5.2万亿元｜增长：4.8%。",
        "指标：城镇新增就业｜2024年：120万人。", "二、2025年工作安排"]
