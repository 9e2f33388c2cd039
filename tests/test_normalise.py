"""Questions are normalised once (traditional, full-width, English terms); numbers in Chinese numerals are read."""

import pytest

from assistant.evaluate import segments, span_f1
from assistant.lexicon import cn_number
from assistant.normalise import fold, normalise_question
from assistant.reader.lists import _number


@pytest.mark.parametrize("typed, read", [
    ("１９９３年政府工作報告說，１９９２年全國鋼產量達到了多少？", "1993年政府工作报告说，1992年全国钢产量达到了多少？"),
    ("2010年政府工作报告里M2 growth target定的是多少？", "2010年政府工作报告里广义货币增长目标定的是多少？"),
    ("四川的GDP total是多少？", "四川的生产总值总量是多少？"),
    ("政府⼯作报告　提出", "政府工作报告 提出"),
])
def test_questions_are_read_in_the_reports_wording(typed, read):
    assert normalise_question(typed) == read


def test_fold_keeps_length_and_chinese_punctuation():
    text = "粮食产量５２０５万吨，增长１１．２％。"
    assert fold(text) == "粮食产量5205万吨，增长11.2%。"
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize("text, value", [
    ("二十", 20), ("十", 10), ("十二", 12), ("一百四十一", 141), ("八千亿", 8e11), ("三亿六千万", 3.6e8),
    ("十二点三", 12.3), ("一九八五", 1985), ("两万", 20000), ("万", None), ("abc", None), ("", None),
])
def test_chinese_numerals(text, value):
    assert cn_number(text) == value


def test_list_numbers_past_ten():
    assert [_number(t) for t in ("一", "九", "十", "十一", "二十", "二十一", "12")] == [1, 9, 10, 11, 20, 21, 12]


def test_span_f1_is_the_official_cmrc2018_lcs_f1():
    assert segments("2025年GDP增长5.5%，AI") == ["2025", "年", "gdp", "增", "长", "5.5", "ai"]
    assert span_f1("增长5.5%左右", ["5.5%左右"]) == pytest.approx(0.75)  # LCS 3 of 5 predicted, 3 of 3 gold
    assert span_f1("左右5.5%", ["5.5%左右"]) == pytest.approx(2 / 3)  # order matters: a bag of characters says 1.0
    assert span_f1("", ["x"]) == 0.0 and span_f1("，。", ["，。"]) == 0.0


def test_a_subscript_broken_over_lines_is_joined_and_nothing_else_is():
    from assistant.normalise import with_subscripts_joined

    assert with_subscripts_joined("今年广义货币M\n2\n预期增长13%左右。") == "今年广义货币M2预期增长13%左右。"
    assert with_subscripts_joined("细颗粒物（PM\n2.5\n）平均浓度下降") == "细颗粒物（PM2.5）平均浓度下降"
    kept = "经济总量迈上新台阶GDP\n2025\n年工作安排\n一、总结\n2\n"  # a year, a heading number after Chinese
    assert with_subscripts_joined(kept) == kept


def test_a_text_file_is_read_with_its_subscripts_joined(tmp_path):
    from assistant.ingest import load_file

    f = tmp_path / "2014年政府工作报告.txt"
    f.write_text("2014年政府工作报告\n今年广义货币M\n2\n预期增长13%左右。\n", encoding="utf-8")
    assert "广义货币M2预期增长13%左右。" in load_file(f)[0].text
