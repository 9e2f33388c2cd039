"""Index lifecycle: incremental builds, no-op, lock, crash safety, serving while rebuilding."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from assistant import Assistant
from assistant.embedders import FakeEmbedder
from assistant.index import BuildLocked, build_lock
from assistant.library import Library, UploadRejected, safe_name, save_upload

from .conftest import CORPUS, REPORT_A, ROOT


def embedded_texts(fake: FakeEmbedder) -> int:
    return sum(fake.calls)


def test_add_change_rename_delete(two_years, tmp_path):
    fake = FakeEmbedder()
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    n_b = sum(1 for c in a.index.chunks if c.doc_id == next(d for d, r in a.index.reports.items() if r.year == 2025))
    fake.calls.clear()
    # rename: same text, new name -> nothing embedded, source updated
    (two_years / "b.txt").rename(two_years / "renamed.txt")
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    assert embedded_texts(fake) == 0 and not a.stats.up_to_date
    assert any(r.source.endswith("renamed.txt") for r in a.index.reports.values())
    # change one sentence -> only the chunk(s) holding it are embedded
    text = (two_years / "a.txt").read_text(encoding="utf-8")
    (two_years / "a.txt").write_text(text.replace("1200家", "1300家"), encoding="utf-8")
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    assert embedded_texts(fake) == 1 and a.stats.embedded == 1
    assert a.stats.updated == ["2024年示例市政府工作报告"] and a.stats.added == a.stats.removed == []
    assert any("1300家" in c.text for c in a.index.chunks) and not any("1200家" in c.text for c in a.index.chunks)
    # delete -> its passages never come back
    fake.calls.clear()
    (two_years / "renamed.txt").unlink()
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    assert embedded_texts(fake) == 0 and a.stats.removed == ["2025年示例市政府工作报告"]
    assert all(r.year == 2024 for r in a.index.reports.values())
    r = Assistant.open(tmp_path / "idx").ask("2025年示例市政府工作报告研发投入强度", k=10)
    assert all(p.report.year == 2024 for p in r.passages)
    assert n_b == 3  # the 2025 report's passages: all gone from the index and the answers above


def test_no_change_writes_nothing(two_years, tmp_path):
    fake = FakeEmbedder()
    Assistant.build([two_years], tmp_path / "idx", fake)
    manifest = (tmp_path / "idx" / "manifest.json").read_text()
    fake.calls.clear()
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    assert a.stats.up_to_date and fake.calls == []
    assert (tmp_path / "idx" / "manifest.json").read_text() == manifest


def test_same_report_twice_is_indexed_once(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT_A, encoding="utf-8")
    (corpus / "copy of a.txt").write_text(REPORT_A, encoding="utf-8")
    a = Assistant.build([corpus], tmp_path / "idx", FakeEmbedder())
    assert len(a.index.reports) == 1 and any(
        "not indexed again" in w and w.startswith(str(corpus / "copy of a.txt")) for w in a.stats.warnings)


def test_second_build_is_refused_while_one_runs(two_years, tmp_path):
    with build_lock(tmp_path / "idx"):
        with pytest.raises(BuildLocked, match="--wait"):
            Assistant.build([two_years], tmp_path / "idx", FakeEmbedder())
    Assistant.build([two_years], tmp_path / "idx", FakeEmbedder())  # free again


SLOW_BUILD = """
import sys, time
from assistant import Assistant
from assistant.embedders import FakeEmbedder

class Slow(FakeEmbedder):
    batch_size = 2
    def _embed(self, texts, is_query):
        time.sleep(0.2)
        return super()._embed(texts, is_query)

def progress(done, total):
    print("batch", done, total, flush=True)

Assistant.build([sys.argv[1]], sys.argv[2], Slow(), rebuild=True, progress=progress)
print("finished", flush=True)
"""


def test_sigkill_mid_build_leaves_the_old_index(two_years, tmp_path):
    idx = tmp_path / "idx"
    Assistant.build([CORPUS], idx, FakeEmbedder())
    before = (idx / "manifest.json").read_text()
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, str(two_years), str(idx)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("batch")
    assert proc.stdout.readline().startswith("batch")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (idx / "manifest.json").read_text() == before
    r = Assistant.open(idx).ask("深圳高新区综合排名第几？")
    assert r.passages[0].report.title.startswith("深圳市科技创新委员会")


DIES_WHILE_WRITING = """
import os, sys
import numpy as np
import assistant.index as index
from assistant import Assistant
from assistant.embedders import FakeEmbedder

def die(*args, **kwargs):
    os._exit(9)  # like SIGKILL: no cleanup runs

index.np.save = die  # the SQLite file is written, then the process dies on the first array
Assistant.build([sys.argv[1]], sys.argv[2], FakeEmbedder(), rebuild=True)
"""


def test_death_while_writing_leaves_the_old_index_and_is_cleaned_up(two_years, tmp_path):
    idx = tmp_path / "idx"
    Assistant.build([CORPUS], idx, FakeEmbedder())
    before = (idx / "manifest.json").read_text()
    proc = subprocess.run([sys.executable, "-c", DIES_WHILE_WRITING, str(two_years), str(idx)], cwd=ROOT)
    assert proc.returncode == 9
    leftovers = [p for p in idx.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers and (leftovers[0] / "chunks.sqlite").exists()  # half-written
    assert (idx / "manifest.json").read_text() == before
    assert Assistant.open(idx).ask("深圳高新区综合排名第几？").passages
    Assistant.build([two_years], idx, FakeEmbedder())
    assert not any(p.name.startswith(".tmp-") for p in idx.iterdir())


def test_queries_never_fail_while_the_index_is_rebuilt(two_years, tmp_path):
    fake = FakeEmbedder()
    a = Assistant.build([two_years], tmp_path / "idx", fake)
    library = Library(two_years, tmp_path / "idx", a)
    errors, answered, stop = [], [], threading.Event()

    def query() -> None:
        while not stop.is_set():
            try:
                r = library.assistant.ask("研发投入强度目标是多少？", k=3)
                assert r.passages and all(p.report.text[p.chunk.start : p.chunk.end] == p.chunk.text for p in r.passages)
                answered.append(len(library.assistant.index.reports))
            except Exception as e:  # noqa: BLE001 - any failure is the test's failure
                errors.append(e)

    t = threading.Thread(target=query)
    t.start()
    for i in range(4):
        (two_years / f"new{i}.txt").write_text(f"2026年新报告{i}\n新增内容第{i}条，研发投入强度达到{i}%。\n", encoding="utf-8")
        library.rebuild()
    stop.set()
    t.join()
    assert errors == [] and len(answered) > 0
    assert len(library.assistant.index.reports) == 6


def test_server_side_reload_picks_up_a_build_from_another_process(two_years, tmp_path):
    a = Assistant.build([two_years], tmp_path / "idx", FakeEmbedder())
    library = Library(two_years, tmp_path / "idx", a)
    assert library.reload_if_rebuilt() is False
    (two_years / "c.txt").write_text("2026年另一份报告\n全新内容。\n", encoding="utf-8")
    Assistant.build([two_years], tmp_path / "idx", FakeEmbedder())
    assert library.reload_if_rebuilt() is True and len(library.assistant.index.reports) == 3


def test_watch_reindexes_after_changes_settle(two_years, tmp_path):
    from assistant.watch import watch

    calls, stop = [], threading.Event()
    t = threading.Thread(target=watch, args=([str(two_years)], lambda: calls.append(time.monotonic()), 0.3, stop))
    t.start()
    time.sleep(0.5)
    (two_years / "x.txt").write_text("新报告\n内容。\n", encoding="utf-8")
    (two_years / "notes.tmp").write_text("ignored")
    deadline = time.monotonic() + 10
    while not calls and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    t.join()
    assert len(calls) == 1


def test_uploads_are_sanitised(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("报告\n内容。\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\evil.md") == "evil.md"
    assert safe_name("报告<1>.TXT") == "报告_1_.txt"
    for bad in ["run.sh", "..", "", "noext"]:
        with pytest.raises(UploadRejected):
            safe_name(bad)
    first = save_upload(src, "../x.txt", corpus)
    second = save_upload(src, "x.txt", corpus)
    assert (first.name, second.name) == ("x.txt", "x-2.txt") and first.parent == corpus
    with pytest.raises(UploadRejected, match="超过 0 MB 的上限"):
        save_upload(src, "big.txt", corpus, max_bytes=3)


def test_unchanged_passages_are_not_segmented_again(two_years, tmp_path, monkeypatch):
    import assistant.index as index

    calls = []
    real = index.tokenize
    monkeypatch.setattr(index, "tokenize", lambda text: calls.append(text) or real(text))
    first = Assistant.build([two_years], tmp_path / "idx", FakeEmbedder())
    assert len(calls) == len(first.index.chunks)
    calls.clear()
    (two_years / "c.txt").write_text("2026年另一份报告\n全新内容。\n", encoding="utf-8")
    second = Assistant.build([two_years], tmp_path / "idx", FakeEmbedder())
    assert len(calls) == 1 and len(second.index.chunks) == len(first.index.chunks) + 1
    q = "研发投入强度"
    np_scores = second.index.bm25.scores(index.tokenize(q))
    rebuilt = Assistant.build([two_years], tmp_path / "idx2", FakeEmbedder()).index.bm25.scores(real(q))
    assert np_scores.tolist() == rebuilt.tolist()  # cached tokens give the same BM25 as fresh ones


def test_watch_ignores_reads(two_years):
    """A build reads every report; that must not count as a change (or watch would re-index forever)."""
    from assistant.watch import watch

    calls, stop = [], threading.Event()
    t = threading.Thread(target=watch, args=([str(two_years)], lambda: calls.append(1), 0.3, stop))
    t.start()
    time.sleep(0.5)
    for _ in range(3):
        for f in two_years.glob("*.txt"):
            f.read_bytes()
        time.sleep(0.4)
    stop.set()
    t.join()
    assert calls == []
