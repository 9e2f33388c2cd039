"""One contract for every vector store (FAISS, Milvus Lite), and whole indexes kept in Milvus."""

import json
import os

import numpy as np
import pytest

from assistant import Assistant
from assistant.embedders import FakeEmbedder
from assistant.evaluate import load_questions
from assistant.stores import load_store, make_store, parse_milvus_spec, resolve_store

from .conftest import CORPUS, REPORT_A, REPORT_B, ROOT


def _milvus_available() -> None:
    if os.environ.get("REQUIRE_ALL_BACKENDS") != "1":
        pytest.importorskip("pymilvus")
        pytest.importorskip("milvus_lite")


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory):
    """A Milvus gRPC server on a free local port (Milvus Lite's `server` mode): the network path a Milvus
    standalone or cluster is reached by, tested without Docker."""
    _milvus_available()
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tmp_path_factory.mktemp("milvus-server")
    proc = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:
            if "listening" in line:
                break
        else:
            pytest.fail("the Milvus Lite server did not start")
        yield f"milvus://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture(params=["faiss", "milvus-lite", "milvus-server"])
def store_spec(request, tmp_path):
    if request.param == "milvus-lite":
        _milvus_available()
        return f"milvus://{tmp_path}/contract.db"
    if request.param == "milvus-server":
        return request.getfixturevalue("milvus_server") + f"?collection=contract_{tmp_path.name[-8:].replace('-', '_')}"
    return "faiss"


def _unit(rng, n, dim):
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_store_contract(store_spec, tmp_path):
    """build, search (= brute force), filter by rows and by report, upsert, delete, reopen"""
    rng = np.random.default_rng(0)
    x = _unit(rng, 200, 16)
    attrs = [{"doc_id": f"d{i // 50}", "year": 2020 + i // 50, "region": "北京市"} for i in range(200)]
    store = make_store(store_spec, 16)
    store.add(np.arange(200), x, attrs)
    assert len(store) == 200
    q = x[7]
    ids, scores = store.search(q, 10)
    expected = np.argsort(-(x @ q), kind="stable")[:10]
    assert ids.tolist() == expected.tolist() and ids[0] == 7
    np.testing.assert_allclose(scores, (x @ q)[expected], rtol=1e-5)

    in_d2_d3 = (100 + np.argsort(-(x[100:] @ q))[:5]).tolist()
    assert store.search(q, 5, allowed=np.arange(100, 200))[0].tolist() == in_d2_d3
    assert store.search(q, 5, allowed=np.arange(100, 200), docs=["d2", "d3"])[0].tolist() == in_d2_d3

    moved = _unit(rng, 1, 16)[0]  # upsert: row 150 gets a new vector
    store.remove(np.array([150]))
    store.add(np.array([150]), moved[None, :], [attrs[150]])
    assert store.search(moved, 1)[0].tolist() == [150]

    store.remove(np.array([7]))
    assert 7 not in store.search(q, 10)[0].tolist() and len(store) == 199
    store.add(np.array([7]), x[7:8], [attrs[7]])

    store.save(tmp_path)
    again = load_store(store.spec, tmp_path, 16, [f"row:{i}" for i in range(200)])
    assert len(again) == 200
    assert again.search(q, 10)[0].tolist() == store.search(q, 10)[0].tolist()


def test_milvus_specs(tmp_path):
    assert parse_milvus_spec("milvus:///data/reports.db?collection=gov") == ("/data/reports.db", "gov")
    assert parse_milvus_spec("milvus://milvus.internal:19530?collection=gov") == ("http://milvus.internal:19530", "gov")
    assert parse_milvus_spec("https://in01.zillizcloud.com?collection=gov") == ("https://in01.zillizcloud.com", "gov")
    uri, name = parse_milvus_spec("milvus://relative/file.db")
    assert uri == str((os.getcwd() / __import__("pathlib").Path("relative/file.db")).resolve())
    assert name.startswith("reports_")
    with pytest.raises(ValueError, match="Milvus address"):
        parse_milvus_spec("milvus://")
    with pytest.raises(ValueError, match="unknown vector store"):
        make_store("annoy", 8)
    recorded = "milvus:///data/r.db?collection=reports_1a2b3c4d"
    assert resolve_store(None, recorded) == recorded
    assert resolve_store("milvus:///data/r.db", recorded) == recorded  # same server: keep the collection
    assert resolve_store("milvus:///data/other.db", recorded) == "milvus:///data/other.db"
    assert resolve_store(None, None) == "faiss"


def test_an_index_kept_in_milvus_lite(tmp_path):
    """--store recorded in the manifest; incremental add/remove send and delete only what changed; reopen
    needs no flag; ranks agree with FAISS on the dev questions; a FAISS index migrates without re-embedding."""
    _milvus_available()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT_A, encoding="utf-8")
    emb = FakeEmbedder(256)
    spec = f"milvus://{tmp_path}/reports.db"
    a = Assistant.build([corpus], tmp_path / "idx", emb, store=spec)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["store"].startswith(f"milvus://{tmp_path}/reports.db?collection=reports_")
    store = a.index.store
    n_a = len(a.index.chunks)
    assert store.name == "milvus" and len(store._held()) == n_a

    (corpus / "b.txt").write_text(REPORT_B, encoding="utf-8")
    b = Assistant.build([corpus], tmp_path / "idx", emb)  # no --store: the index keeps its Milvus collection
    assert b.index.manifest["store"] == manifest["store"]
    assert len(b.index.store._held()) == len(b.index.chunks) > n_a
    r = Assistant.open(tmp_path / "idx").ask("2025年研发投入强度达到多少？")
    assert r.answer.span == "3.0%" and r.passages[0].report.year == 2025

    (corpus / "a.txt").unlink()
    c = Assistant.build([corpus], tmp_path / "idx", emb)
    assert c.stats.removed and len(c.index.store._held()) == len(c.index.chunks)

    # the same questions through FAISS and Milvus: the same passages in the same order
    faiss_a = Assistant.build([CORPUS], tmp_path / "faiss-idx", emb)
    embedded = sum(emb.calls)
    moved = __import__("assistant.api", fromlist=["migrate"]).migrate(tmp_path / "faiss-idx", spec)
    assert moved.stats.embedded == 0 and sum(emb.calls) == embedded
    milvus_a = Assistant.open(tmp_path / "faiss-idx", emb)
    assert milvus_a.index.store.name == "milvus" and milvus_a.index.manifest["store"] != manifest["store"]
    for item in load_questions(ROOT / "eval" / "dev_corpus.jsonl"):
        ranks_f = [p.chunk.id for p in faiss_a.ask(item["question"]).passages]
        ranks_m = [p.chunk.id for p in milvus_a.ask(item["question"]).passages]
        assert ranks_f == ranks_m, item["question"]


def test_milvus_collection_damaged_or_of_another_dimension(tmp_path, fake):
    _milvus_available()
    from assistant.errors import IndexCorrupt

    a = Assistant.build([CORPUS], tmp_path / "idx", fake, store=f"milvus://{tmp_path}/m.db")
    store = a.index.store
    with pytest.raises(ValueError, match="holds 256-dimensional vectors, the index needs 384"):
        make_store(store.spec, 384)
    store.client.delete(store.collection, ids=[int(store._pks[0])])  # someone else deleted a vector
    with pytest.raises(IndexCorrupt, match="lacks 1 of the index's"):
        Assistant.open(tmp_path / "idx", fake)
    b = Assistant.build([CORPUS], tmp_path / "idx", fake, rebuild=True)  # the fix the message names
    assert len(b.index.store._held()) == len(b.index.chunks)


def test_a_milvus_lite_file_in_use_by_another_process_is_a_clear_error(tmp_path):
    _milvus_available()
    import subprocess
    import sys
    import time

    from assistant.errors import StoreUnavailable

    db = tmp_path / "busy.db"
    holder = subprocess.Popen([sys.executable, "-c", f"from pymilvus import MilvusClient; c = MilvusClient({str(db)!r}); "
                               "print('open', flush=True); import time; time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        t = time.perf_counter()
        with pytest.raises(StoreUnavailable, match="one process"):
            make_store(f"milvus://{db}", 8)
        assert time.perf_counter() - t < 30
    finally:
        holder.kill()


def test_an_index_on_a_milvus_server_serves_two_processes(tmp_path, milvus_server):
    """Unlike a Lite file, a server is shared: one process builds while another answers."""
    import subprocess
    import sys

    a = Assistant.build([CORPUS], tmp_path / "idx", "fake", store=milvus_server)
    assert a.index.manifest["store"].startswith("http://127.0.0.1:")
    code = (f"from assistant import Assistant; r = Assistant.open({str(tmp_path / 'idx')!r})"
            ".ask('累计布局建设了多少家创新载体？'); print(r.answer.span)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "3070家", out.stderr
