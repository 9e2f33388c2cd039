from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared" / "data"
SEED_TITLE = "深圳市科技创新委员会2021年工作总结和2022年工作思路"

REPORT_A = """2024年示例市政府工作报告
一、2023年工作回顾
过去一年，全市地区生产总值增长5.1%。新增高新技术企业1200家。
二、2024年工作安排
今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，研发投入强度达到2.8%。
（一）加快发展新质生产力
一是培育专精特新企业，新增国家级专精特新“小巨人”企业30家。二是建设新型研发机构。
"""

REPORT_B = REPORT_A.replace("2024年示例市", "2025年示例市").replace("2023年", "2024年").replace(
    "5.1%", "5.3%").replace("1200家", "1500家").replace("2024年工作安排", "2025年工作安排").replace("2.8%", "3.0%")


@pytest.fixture
def fake():
    from assistant.embedders import FakeEmbedder

    return FakeEmbedder(256)


@pytest.fixture
def two_years(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT_A, encoding="utf-8")
    (corpus / "b.txt").write_text(REPORT_B, encoding="utf-8")
    return corpus
