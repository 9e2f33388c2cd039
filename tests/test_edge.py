"""The server's edge: every argument of the ask API checked, bad requests answered 4xx before any work,
uploads as transactions, links out of the corpus refused."""

import asyncio
import json
import shutil

import pytest

from assistant.edge import MAX_BODY_BYTES, EdgeGuard, checked_ask_args, checked_k
from assistant.errors import BadQuestion
from tests.conftest import CORPUS, REPORT_A, REPORT_B


@pytest.mark.parametrize("data, message", [
    ([], "ask 需要 1 到 6 个参数"),
    ([123], "question 必须是文字（收到 123）"),
    (["问" * 10_001], "问题过长（10001 字）"),
    (["问", True], "段落数 k 必须是整数（收到 true）"),
    (["问", 5.7], "段落数 k 必须是整数（收到 5.7）"),
    (["问", 0], "段落数 k 须在 1 到 50 之间"),
    (["问", 5, 123], "reports 须是报告标题的列表（收到 123）"),
    (["问", 5, [{}]], "reports 须是报告标题的列表"),
    (["问", 5, None, "9" * 5000], "起始年份须是四位数字的年份"),
    (["问", 5, None, None, None, ["a"] * 10_000], "history 最多 100 条（收到 10000 条"),
    (["问", 5, None, None, None, "那四川呢"], "history 须是之前提问的列表"),
    (["问", 5, None, None, None, ["长" * 2001]], "history 中每条提问不超过 2000 字"),
    (["问", 5, None, None, None, None, "extra"], "ask 需要 1 到 6 个参数"),
])
def test_every_bad_argument_is_named(data, message):
    with pytest.raises(BadQuestion, match=message.replace("(", r"\(").replace(")", r"\)")):
        checked_ask_args(data)


def test_good_arguments_get_their_defaults_and_only_the_last_turns():
    assert checked_ask_args(["问"]) == ["问", 5, [], None, None, None]
    args = checked_ask_args(["问", 5.0, "《某报告》", 2021, "2025", [f"第{i}问" for i in range(50)]])
    assert args[:5] == ["问", 5, ["《某报告》"], 2021, 2025] and args[5] == [f"第{i}问" for i in range(45, 50)]
    assert checked_k("7") == 7


def _call(guard, body: bytes, client="1.2.3.4"):
    sent, seen = [], []

    async def app(scope, receive, send):
        seen.append(json.loads((await receive())["body"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    guard.app = app
    parts = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]
    messages = [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/gradio_api/run/ask", "client": (client, 1)}
    asyncio.run(guard(scope, receive, send))
    status = sent[0]["status"]
    return status, (json.loads(sent[1]["body"]) if status != 200 else seen[0])


def test_the_guard_answers_bad_requests_with_4xx_and_passes_good_ones_checked():
    guard = EdgeGuard(None)
    assert _call(guard, b"not json") == (400, {"error": '请求体须是 JSON，例如 {"data": ["深圳高新区综合排名第几？"]}'})
    status, body = _call(guard, json.dumps({"data": ["问", 5, 123]}).encode())
    assert status == 400 and body["error"].startswith("reports 须是报告标题的列表")
    status, body = _call(guard, json.dumps({"data": ["问", 5, None, None, None, ["问"] * 300_000]}).encode())
    assert status == 413 and f"超过 {MAX_BODY_BYTES // 1024} KB" in body["error"]
    assert _call(guard, json.dumps({"data": ["深圳高新区综合排名第几？"]}).encode()) == (
        200, {"data": ["深圳高新区综合排名第几？", 5, None, None, None, None]})
    assert guard.in_flight == {}


def test_a_client_with_requests_in_flight_waits_its_turn():
    guard = EdgeGuard(None)
    guard.in_flight["1.2.3.4"] = 2
    status, body = _call(guard, json.dumps({"data": ["问"]}).encode())
    assert status == 429 and "最多同时提交 2 个问题" in body["error"]
    assert _call(guard, json.dumps({"data": ["问"]}).encode(), client="5.6.7.8")[0] == 200


def test_a_link_out_of_the_corpus_is_not_indexed(tmp_path, fake, caplog):
    from assistant.api import Assistant

    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n内部资料。\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "passwd.txt").symlink_to(outside)
    a = Assistant.build([corpus], tmp_path / "idx", fake)
    assert [r.title for r in a.index.reports.values() if "root" in r.title] == []
    assert any("passwd.txt links to" in r.message and "skipped" in r.message for r in caplog.records)


def _library(tmp_path, fake):
    from assistant.api import Assistant
    from assistant.library import Library

    corpus, idx = tmp_path / "corpus", tmp_path / "idx"
    shutil.copytree(CORPUS, corpus)
    return Library(corpus, idx, Assistant.build([corpus], idx, fake))


def _upload(tmp_path, name, text):
    src = tmp_path / "gradio-tmp" / name
    src.parent.mkdir(exist_ok=True)
    src.write_text(text, encoding="utf-8")
    return str(src)


def test_a_crash_after_the_move_is_finished_at_the_next_start(tmp_path, fake, monkeypatch):
    library = _library(tmp_path, fake)
    monkeypatch.setattr(library, "rebuild", lambda progress=None: (_ for _ in ()).throw(KeyboardInterrupt()))
    monkeypatch.setattr("pathlib.Path.unlink", lambda self, missing_ok=False: None)  # kill -9: no clean-up runs
    monkeypatch.setattr(library, "_clear_journal", lambda: None)
    with pytest.raises(KeyboardInterrupt):
        library.add([(_upload(tmp_path, "a.txt", REPORT_A), "a.txt")])
    monkeypatch.undo()
    assert (library.corpus / "a.txt").exists() and (library.corpus / ".incoming").is_dir()
    from assistant.api import Assistant
    from assistant.library import Library

    again = Library(library.corpus, library.index_dir, Assistant.open(library.index_dir, fake))
    assert again.recover() == ["上次中断的上传 a.txt 已完成索引"]
    assert "2024年示例市政府工作报告" in {r.title for r in again.assistant.index.reports.values()}
    assert not (library.corpus / ".incoming").exists()
    out = again.add([(_upload(tmp_path, "a.txt", REPORT_A), "a.txt")])  # the same bytes again: no a-2.txt
    assert out.added == [] and out.messages == ["a.txt：《2024年示例市政府工作报告》已在索引中，未重复添加"]
    assert sorted(p.name for p in library.corpus.iterdir()) == sorted([*(p.name for p in CORPUS.iterdir()), "a.txt"])


def test_a_staged_upload_of_a_crash_before_the_move_is_removed(tmp_path, fake):
    from assistant.library import stage_upload

    library = _library(tmp_path, fake)
    stage_upload(_upload(tmp_path, "b.txt", REPORT_B), "b.txt", library.corpus)
    assert library.recover() == ["上次中断的上传 b.txt 未完成，已删除暂存文件"]
    assert not (library.corpus / "b.txt").exists() and not (library.corpus / ".incoming").exists()
    assert len(library.assistant.index.reports) == 1


def test_two_tabs_adding_the_same_file_at_once_each_get_a_true_message(tmp_path, fake):
    import threading

    library = _library(tmp_path, fake)
    src = _upload(tmp_path, "b.txt", REPORT_B)  # Gradio gives both tabs the same cached copy
    outs = []
    tabs = [threading.Thread(target=lambda: outs.append(library.add([(src, "b.txt")]))) for _ in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    assert sorted(len(o.added) for o in outs) == [0, 1]
    assert [m for o in outs for m in o.messages] == ["b.txt：《2025年示例市政府工作报告》已在索引中，未重复添加"]
    assert [p.name for p in library.corpus.glob("b*.txt")] == ["b.txt"]
