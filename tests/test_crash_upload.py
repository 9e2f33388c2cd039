"""`kill -9` of `assistant serve` at random moments of uploads through the API: after a restart every uploaded
report is either indexed and listed or absent from the corpus and the index, never a -2 copy, and each one
can be removed."""

import random
import shutil
import subprocess
import time

import pytest

from assistant.serve_process import free_port, start_serve

from .conftest import CORPUS, ROOT

pytestmark = pytest.mark.integration


def _report(n: int) -> str:
    return f"2027年第{n}示例区营商环境报告\n一、总体情况\n" + f"第{n}示例区新登记经营主体增长，服务企业{n}万家。" * 120


def _upload(url: str, path) -> None:
    from gradio_client import Client, handle_file

    Client(url, verbose=False).predict([handle_file(str(path))], api_name="/add_reports")


def test_uploads_survive_kill_9(tmp_path):
    corpus, idx = tmp_path / "corpus", tmp_path / "idx"
    shutil.copytree(CORPUS, corpus)
    subprocess.run([".venv/bin/assistant", "index", str(corpus), "--index", str(idx), "-q"], cwd=ROOT, check=True)
    rng = random.Random(7)
    uploads = []
    for n in range(4):
        path = tmp_path / "uploads" / f"报告{n}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(_report(n), encoding="utf-8")
        uploads.append(path)
        port = free_port()
        proc = start_serve(idx, port, corpus, cwd=ROOT)
        url = f"http://127.0.0.1:{port}/"
        for again in ([path] if n % 2 else [path, path]):  # an upload, or one retried after the crash below
            worker = subprocess.Popen([".venv/bin/python", "-c", f"from tests.test_crash_upload import _upload; "
                                       f"_upload({url!r}, {str(again)!r})"], cwd=ROOT, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.5, 4.0))
            proc.kill()  # kill -9, mid-upload or mid-rebuild
            proc.wait()
            worker.kill()
            proc = start_serve(idx, port, corpus, cwd=ROOT)  # its start finishes or removes the upload
        proc.terminate()
        proc.wait(timeout=30)
    from assistant.index import read_manifest

    indexed = {r["source"].split("/")[-1] for r in read_manifest(idx)["reports"].values()}
    files = {p.name for p in corpus.iterdir() if p.is_file()}
    assert files == indexed and not (corpus / ".incoming").exists()
    assert not [f for f in files if "-2" in f or "-3" in f]
    for name in sorted(files - {p.name for p in CORPUS.iterdir()}):
        r = subprocess.run([".venv/bin/assistant", "remove", name, "--index", str(idx)],
                           cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
