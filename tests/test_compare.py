import json

from assistant import Assistant
from assistant.cli import main
from assistant.compare import cell_accuracy, compare, parse_value, sentence_kind

YEARS = {2023: ("5%左右", "5.2%"), 2024: ("5.0%—5.5%", "5.3%"), 2025: ("6%－6.5%", None)}


def national(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for year, (target, result) in YEARS.items():
        past = f"一、{year - 1}年工作回顾\n过去一年，国内生产总值增长{result}，城镇新增就业1200万人。\n" if result else ""
        (corpus / f"{year}.txt").write_text(
            f"{year}年中华人民共和国国务院政府工作报告\n{past}二、{year}年工作安排\n"
            f"今年发展主要预期目标是：国内生产总值增长{target}，居民消费价格涨幅3%左右。\n", encoding="utf-8")
    return corpus


def test_parse_value():
    assert parse_value("5.5%左右") == {"number": 5.5, "low": 5.5, "high": None, "unit": "%", "qualifier": "左右"}
    assert parse_value("5.0%—5.5%") == {
        "number": 5.25, "low": 5.0, "high": 5.5, "unit": "%", "qualifier": None}
    assert parse_value("6%－6.5%")["high"] == 6.5
    assert parse_value("4.4万亿元") == {"number": 44000.0, "low": 44000.0, "high": None, "unit": "亿元", "qualifier": None}
    assert parse_value("没有数字") == {}


def test_target_or_result():
    assert sentence_kind("今年发展主要预期目标是：国内生产总值增长5%左右") == "target"
    assert sentence_kind("过去一年，国内生产总值增长5.2%") == "result"
    assert sentence_kind("城镇新增就业5.1万人", "一、2024年工作回顾") == "result"
    assert sentence_kind("城镇新增就业5万人", "二、2025年工作安排") == "target"
    # a section naming a year: the report's own sets targets, an earlier one's reports results
    assert sentence_kind("城镇新增就业115.8万人", "一、2025年主要工作和“十四五”发展成就 > （九）民生", 2026) == "result"
    assert sentence_kind("城镇新增就业100万人以上", "三、2026年主要工作", 2026) == "target"
    assert sentence_kind("城镇新增就业115.8万人", "三、2026年主要工作") is None  # the report's year unknown


def test_compare_by_year_tells_targets_from_results(tmp_path, fake):
    a = Assistant.build([national(tmp_path)], tmp_path / "idx", fake)
    table = compare(a, "历年政府工作报告提出的国内生产总值增长目标是多少？")
    assert table.by == "year"
    rows = {r.key: r for r in table.rows}
    assert [rows[str(y)].value for y in YEARS] == ["5%左右", "5.0%—5.5%", "6%－6.5%"]
    assert {r.kind for r in table.rows} == {"target"}
    assert rows["2024"].low == 5.0 and rows["2024"].high == 5.5
    assert rows["2024"].cells()[:3] == ["2024", "5.0%—5.5%", "目标"]
    for r in table.rows:
        text = a.index.reports[r.doc_id].text
        assert text[r.start : r.end] == r.value
    acc, misses = cell_accuracy(table, {"2023": "5%左右", "2024": "5.0%-5.5%", "2025": "6%-6.5%"})
    assert acc == 1.0 and misses == []


def test_a_report_that_does_not_state_it_gets_no_borrowed_number(tmp_path, fake):
    corpus = national(tmp_path)
    text = "2022年中华人民共和国国务院政府工作报告\n二、2022年工作安排\n今年要稳住经济大盘，居民消费价格涨幅3%左右。\n"
    (corpus / "2022.txt").write_text(text, encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", fake)
    rows = {r.key: r for r in compare(a, "历年政府工作报告提出的国内生产总值增长目标是多少？").rows}
    assert rows["2022"].value is None and rows["2022"].reason
    assert rows["2022"].cells()[1] == f"（{rows['2022'].reason}）"


def test_cli_compare_json_csv_plot(tmp_path, fake, capsys):
    Assistant.build([national(tmp_path)], tmp_path / "idx", fake)
    args = ["compare", "历年国内生产总值增长目标是多少？", "--index", str(tmp_path / "idx"), "--json",
            "--csv", str(tmp_path / "t.csv"), "--plot", str(tmp_path / "t.png")]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"question", "by", "rows"} and len(out["rows"]) == 3
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("key,title,value,number")
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_a_province_that_writes_the_term_short_still_gets_its_figure(tmp_path, fake):
    corpus = tmp_path / "p"
    corpus.mkdir()
    for province, sentence in [("浙江省", "主要预期目标为：生产总值增长5.5%左右，城镇调查失业率控制在5%以内。"),
                               ("海南省", "今年经济社会发展主要预期目标是：地区生产总值增长6%以上。")]:
        text = f"2025年{province}政府工作报告\n二、2025年目标任务\n{sentence}\n"
        (corpus / f"{province}.txt").write_text(text, encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", fake)
    table = compare(a, "2025年各省份政府工作报告中地区生产总值增长目标是多少？")
    rows = [(r.key, r.value, r.kind) for r in table.rows]
    assert rows == [("浙江", "5.5%左右", "target"), ("海南", "6%以上", "target")]


def test_a_row_never_gives_a_result_when_a_target_is_asked(tmp_path, fake):
    corpus = tmp_path / "p"
    corpus.mkdir()
    for province, text in [("浙江省", "二、2025年目标任务\n主要预期目标为：生产总值增长5.5%左右。\n"),
                           ("吉林省", "一、2024年工作回顾\n过去一年，全省地区生产总值增长4.3%。\n")]:
        (corpus / f"{province}.txt").write_text(f"2025年{province}政府工作报告\n{text}", encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", fake)
    rows = {r.key: r for r in compare(a, "2025年各省份政府工作报告中地区生产总值增长目标是多少？").rows}
    assert (rows["浙江"].value, rows["浙江"].kind) == ("5.5%左右", "target")
    assert rows["吉林"].value is None and rows["吉林"].reason == "找到的数字是实绩，不是所问的目标"


def test_a_value_far_off_the_rest_or_in_another_unit_is_flagged_not_plotted(tmp_path):
    from assistant.compare import Row, Table, flag_outliers, plot

    rows = [Row(k, "t", "d", v, **parse_value(v)) for k, v in
            [("浙江", "5.5%左右"), ("江苏", "5%左右"), ("广东", "5%"), ("四川", "6%"), ("上海", "2000%"), ("北京", "3.6万亿元")]]
    flag_outliers(rows)
    assert [r.key for r in rows if r.outlier] == ["上海", "北京"]
    assert "中位数" in rows[4].outlier and "亿元" in rows[5].outlier
    assert rows[4].cells()[1] == "2000%（未绘出：" + rows[4].outlier + "）"
    plot(Table("q", "region", rows), str(tmp_path / "c.png"))
    assert (tmp_path / "c.png").stat().st_size > 0
