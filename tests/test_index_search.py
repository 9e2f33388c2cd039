import datetime
import json
import shutil

import numpy as np
import pytest

from assistant import Assistant
from assistant.api import NO_CONTENT
from assistant.embedders import FakeEmbedder
from assistant.errors import BadQuestion, IndexCorrupt, IndexMismatch, IndexMissing
from assistant.index import load_index
from assistant.search import Filters, SearchParams

from .conftest import CORPUS, SEED_TITLE


def test_build_open_roundtrip(tmp_path, fake):
    built = Assistant.build([CORPUS], tmp_path / "idx", fake)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["embedder"] == "fake:256" and manifest["dim"] == 256 and manifest["format"] == 1
    assert manifest["counts"] == {"reports": 1, "chunks": len(built.index.chunks)}
    (doc,) = manifest["reports"].values()
    assert doc["title"] == SEED_TITLE and len(doc["sha256"]) == 64
    assert doc["chunks"] == [c.id for c in built.index.chunks]
    assert {"numpy", "python"} <= set(manifest["versions"])
    opened = Assistant.open(tmp_path / "idx")
    assert opened.embedder.id == "fake:256"
    q = "深圳高新区在2021年度国家高新区评价中综合排名第几？"
    assert opened.ask(q).to_dict() == built.ask(q).to_dict()
    assert (opened.stats.reports, opened.stats.chunks, opened.stats.up_to_date) == (1, len(built.index.chunks), True)


def test_ask_result_shape_and_offsets(tmp_path, fake):
    a = Assistant.build([CORPUS], tmp_path / "idx", fake)
    d = a.ask("深圳高新区在2021年度国家高新区评价中综合排名第几？", k=3).to_dict()
    assert set(d) == {"question", "abstained", "answer", "passages", "warnings", "evidence", "scope_missing",
                      "understood_as", "parts", "confidence", "other_reading", "generated"}
    assert d["understood_as"] == d["question"] and d["scope_missing"] is None and d["parts"] == []
    assert d["other_reading"] is None and 0 < d["confidence"] <= 1  # asked alone: one reading
    assert d["generated"] is None  # no --llm
    assert d["abstained"] is False and d["warnings"] == [] and set(d["evidence"]) == {"coverage", "cosine"}
    assert set(d["answer"]) == {"text", "span", "start", "end", "sentence_start", "sentence_end", "chunk_id", "doc_id",
                                "section", "items", "verdict", "score", "page", "page_end"}
    assert d["answer"]["page"] is None and d["answer"]["page_end"] is None  # a .txt report has no pages
    assert 0 < d["answer"]["score"] <= 1  # the reader's probability that the sentence answers
    assert d["answer"]["items"] == [] and d["answer"]["verdict"] is None
    assert len(d["passages"]) == 3
    report_text = next(iter(a.index.reports.values())).text
    for p in d["passages"]:
        assert set(p) == {"rank", "chunk_id", "doc_id", "title", "year", "source", "section", "text", "start",
                          "end", "score", "highlights", "page", "page_end"}
        assert p["page"] is None
        assert report_text[p["start"] : p["end"]] == p["text"]
        for h in p["highlights"]:
            assert 0 <= h["start"] < h["end"] <= len(p["text"]) and h["kind"] in {"answer", "evidence", "term", "item"}
    top = d["passages"][0]
    assert "全国第二" in top["text"]
    answer = d["answer"]
    assert report_text[answer["start"] : answer["end"]] == answer["span"] == "全国第二"
    assert report_text[answer["sentence_start"] : answer["sentence_end"]] == answer["text"]
    assert answer["sentence_start"] <= answer["start"] < answer["end"] <= answer["sentence_end"]
    assert answer["text"].endswith("综合排名位列全国第二。")


def test_unchanged_text_is_not_embedded_again(two_years, tmp_path):
    fake = FakeEmbedder(256)
    Assistant.build([two_years], tmp_path / "idx", fake)
    first = sum(fake.calls)
    fake.calls.clear()
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    assert fake.calls == [] and a.stats.reused == first and a.stats.embedded == 0
    (two_years / "c.txt").write_text("2026年示例市政府工作报告\n新增一段完全不同的文字内容。", encoding="utf-8")
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    assert sum(fake.calls) == 1 and a.stats.added == ["2026年示例市政府工作报告"]
    (two_years / "c.txt").unlink()
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    assert a.stats.removed == ["2026年示例市政府工作报告"]
    assert all("完全不同" not in c.text for c in a.index.chunks)
    fake.calls.clear()
    Assistant.build([two_years], tmp_path / "idx", fake, rebuild=True)
    assert sum(fake.calls) == first


def test_year_in_question_steers_to_that_report(two_years, tmp_path, fake):
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    for year, _growth in [(2024, "5%左右"), (2025, "5%左右")]:
        r = a.ask(f"{year}年示例市政府工作报告中研发投入强度目标是多少？", k=2)
        assert r.passages[0].report.year == year
    r = a.ask("2024年示例市政府工作报告中研发投入强度目标是多少？")
    assert "2.8%" in r.passages[0].chunk.text
    r = a.ask("2025年的研发投入强度目标是多少？")
    assert "3.0%" in r.passages[0].chunk.text


def test_explicit_filters(two_years, tmp_path, fake):
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    r = a.ask("研发投入强度", k=10, filters=Filters(years=(2025, 2025)))
    assert {p.report.year for p in r.passages} == {2025}
    assert a.ask("研发投入强度", filters=Filters(regions=("北京",))).passages == []
    bm25 = a.ask("研发投入强度", params=SearchParams(mode="bm25"))
    assert bm25.passages and "研发投入强度" in bm25.passages[0].chunk.text


def test_bad_questions(tmp_path, fake):
    a = Assistant.build([CORPUS], tmp_path / "idx", fake)
    for q in ["", "   ", "\n"]:
        with pytest.raises(BadQuestion):
            a.ask(q)
    r = a.ask("高新区" * 1000)
    assert r.warnings[0] == "问题过长（3000 字），只按前 120 字检索"
    for q in ["？？？！！", "😀" * 50, "什么", "2021年深圳的报告"]:  # nothing asked: refused, saying what is missing
        r = a.ask(q)
        assert r.abstained and r.passages == [] and r.warnings == [NO_CONTENT]
    for q in ["<script>alert(1)</script>"]:  # words no report holds: refused, closest passages shown
        r = a.ask(q)
        assert r.abstained and r.answer is None and len(r.passages) == 5 and len(r.warnings) == 1
        assert r.warnings[0].endswith("可能报告中没有这项内容")  # the reason: what no passage holds


def test_missing_corrupt_and_mismatched_index(tmp_path, fake):
    with pytest.raises(IndexMissing, match="assistant index"):
        Assistant.open(tmp_path / "nothing")
    Assistant.build([CORPUS], tmp_path / "idx", fake)
    with pytest.raises(IndexMismatch, match="fake:256"):
        load_index(tmp_path / "idx", "fake:32")
    data_dir = next((tmp_path / "idx").glob("data-*"))
    emb = data_dir / "embeddings.npy"
    emb.write_bytes(emb.read_bytes()[:-100])
    with pytest.raises(IndexCorrupt, match="truncated.*--rebuild"):
        Assistant.open(tmp_path / "idx")
    (data_dir / "dense.faiss").unlink()
    with pytest.raises(IndexCorrupt, match="missing"):
        Assistant.open(tmp_path / "idx")
    (tmp_path / "idx" / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="unreadable"):
        Assistant.open(tmp_path / "idx")


class Exploding(FakeEmbedder):
    def _embed(self, texts, is_query):
        if not is_query:
            raise RuntimeError("killed mid-build")
        return super()._embed(texts, is_query)


def test_failed_build_leaves_previous_index(two_years, tmp_path, fake):
    Assistant.build([CORPUS], tmp_path / "idx", fake)
    before = (tmp_path / "idx" / "manifest.json").read_text()
    with pytest.raises(RuntimeError):
        Assistant.build([two_years], tmp_path / "idx", Exploding(256), rebuild=True)
    assert (tmp_path / "idx" / "manifest.json").read_text() == before
    assert Assistant.open(tmp_path / "idx").ask("综合排名第几").passages
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "idx").iterdir()) == [".lock", "data", "manifest.json"]


def test_stale_temporary_directories_are_cleaned(tmp_path, fake):
    (tmp_path / "idx" / ".tmp-crashed").mkdir(parents=True)
    (tmp_path / "idx" / "data-orphan").mkdir()
    Assistant.build([CORPUS], tmp_path / "idx", fake)
    names = sorted(p.name for p in (tmp_path / "idx").iterdir() if p.name != ".lock")
    assert len(names) == 2 and names[1] == "manifest.json" and names[0].startswith("data-2")


def test_copying_an_index_directory_keeps_it_usable(tmp_path, fake):
    Assistant.build([CORPUS], tmp_path / "idx", fake)
    shutil.copytree(tmp_path / "idx", tmp_path / "copy")
    assert Assistant.open(tmp_path / "copy").ask("创新载体多少家").passages


def test_relative_years_and_content_regions(tmp_path, fake):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for year, jobs in [(2024, "20万人"), (2025, "26万人")]:
        (corpus / f"{year}.txt").write_text(
            f"{year}年北京市政府工作报告\n一、主要目标\n今年城镇新增就业目标为{jobs}以上，居民收入稳步增长。\n", encoding="utf-8")
    (corpus / "other.txt").write_text(
        "2025年示例报告\n一、疫苗\n康泰生物研发生产的新冠灭活疫苗成为广东省率先获批上市的新冠疫苗。\n", encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", fake)
    r = a.ask("北京今年城镇新增就业目标是多少？", today=datetime.date(2025, 3, 5))
    assert r.passages[0].report.year == 2025 and r.answer.span == "26万人以上"
    r = a.ask("北京去年城镇新增就业目标是多少？", today=datetime.date(2025, 3, 5))
    assert r.passages[0].report.year == 2024 and r.answer.span == "20万人以上"
    # asked in 2026, 今年 is 2026: the index has no such report, and says so instead of answering from 2025
    r = a.ask("北京今年城镇新增就业目标是多少？", today=datetime.date(2026, 3, 5))
    assert r.abstained and r.answer is None and r.scope_missing == "索引中没有2026年北京市的报告"
    assert r.warnings[0].startswith("索引中没有2026年北京市的报告；") and r.passages[0].low_confidence
    # 广东省 here is part of what is asked, not where to look: no 广东 report exists, the answer is found anyway
    r = a.ask("哪家企业研发生产的新冠灭活疫苗成为广东省率先获批上市的新冠疫苗？")
    assert not r.abstained and r.passages[0].report.title == "2025年示例报告"
    assert a.index.reports[r.answer.doc_id].text[r.answer.start : r.answer.end] == "康泰生物"


def test_large_stores_use_ivf_with_high_recall(tmp_path, monkeypatch):
    from assistant.stores import FaissStore, load_store

    monkeypatch.setattr(FaissStore, "exact_limit", 1000)
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(40, 32))
    x = (centers[rng.integers(0, 40, 5000)] + 0.3 * rng.normal(size=(5000, 32))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    store = FaissStore(32, expected=len(x))
    store.add(np.arange(len(x)), x)
    assert store.kind == "ivf-sq8" and len(store) == 5000
    queries = x[:50] + 0.05 * rng.normal(size=(50, 32)).astype(np.float32)
    recall = []
    for q in queries:
        exact = set(np.argsort(-(x @ q))[:10].tolist())
        got, _ = store.search(q, 10)
        recall.append(len(exact & set(got.tolist())) / 10)
    assert np.mean(recall) >= 0.95
    allowed = np.arange(2500, 5000)
    got, _ = store.search(queries[0], 5, allowed=allowed)
    assert all(2500 <= i < 5000 for i in got)
    store.save(tmp_path)
    again = load_store("faiss", tmp_path, 32)
    assert again.kind == "ivf-sq8" and again.search(queries[1], 10)[0].tolist() == store.search(queries[1], 10)[0].tolist()


def test_the_answer_comes_from_the_named_report(tmp_path, fake):
    corpus = tmp_path / "c"
    shutil.copytree(CORPUS, corpus)  # more passages: rare words weigh as they do in a real index
    (corpus / "zj.txt").write_text("2025年浙江省政府工作报告\n二、2025年目标任务\n"
                                   "主要预期目标为：生产总值增长5.5%左右，城镇调查失业率控制在5%以内。\n", encoding="utf-8")
    (corpus / "hn.txt").write_text("2025年海南省政府工作报告\n二、2025年主要目标\n"
                                   "今年经济社会发展主要预期目标是：地区生产总值增长6%以上。\n", encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", fake)
    r = a.ask("浙江省2025年地区生产总值增长目标是多少？")
    assert r.answer.span == "5.5%左右" and r.passages[0].report.title == "2025年浙江省政府工作报告"
    r = a.ask("2025年地区生产总值增长目标是多少？")  # no region named: the better sentence may come from either
    assert r.answer.span in ("5.5%左右", "6%以上")


def test_an_event_year_reads_the_next_years_report_first_and_the_years_own_where_there_is_none():
    from types import SimpleNamespace

    from assistant.query import understand
    from assistant.search import steering
    from assistant.types import Report

    def report(year, region="宁夏"):
        return Report(f"{region}{year}", f"{year}年{region}政府工作报告", year, region, None, "", "", "")

    index = SimpleNamespace(reports={r.doc_id: r for r in (report(2025), report(2026), report(2026, "贵州"))})
    docs = list(index.reports)
    asked = understand("宁夏2025年地区生产总值多少亿元")
    assert steering(index, asked, docs, SearchParams()) == {"宁夏2025": 0.5, "宁夏2026": 1.0}
    named = understand("2025年宁夏地区生产总值多少亿元")  # the year opening names the report
    assert steering(index, named, docs, SearchParams()) == {"宁夏2025": 1.0, "宁夏2026": 0.5}
    latest = understand("宁夏2026年地区生产总值多少亿元")  # no 2027 report reviews 2026: the 2026 one is read
    assert steering(index, latest, docs, SearchParams()) == {"宁夏2026": 1.0}
    # asked on a day before the 2026 report was delivered, only the reports of that day are read
    before = understand("宁夏去年地区生产总值多少亿元", today=datetime.date(2025, 2, 10))
    assert steering(index, before, docs, SearchParams()) == {"宁夏2025": 1.0}
    assert steering(index, understand("宁夏地区生产总值多少亿元", today=datetime.date(2025, 2, 10)), docs,
                    SearchParams()) == {"宁夏2025": 1.0}
