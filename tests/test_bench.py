import numpy as np

from assistant import Assistant
from assistant.bench import bm25_scale, scaled_vectors

from .conftest import CORPUS


def test_scaled_vectors_keep_the_real_ones_first():
    base = np.eye(4, dtype=np.float32)
    x = scaled_vectors(base, 10)
    assert x.shape == (10, 4) and np.allclose(x[:4], base)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-5)


def test_bm25_scale_runs_on_tiled_postings(tmp_path, fake):
    a = Assistant.build([CORPUS], tmp_path / "idx", fake)
    out = bm25_scale(a, ["创新载体多少家", "高新区排名"], 3)
    assert out["documents"] == 3 * len(a.index.chunks) and 0 <= out["query_p50_ms"] < 1_000  # tiny: well under a second


def test_faiss_and_milvus_lite_side_by_side_agree(tmp_path, fake):
    import os

    import pytest

    if os.environ.get("REQUIRE_ALL_BACKENDS") != "1":
        pytest.importorskip("pymilvus")
    from assistant.bench import stores_side_by_side

    a = Assistant.build([CORPUS], tmp_path / "idx", fake)
    out = stores_side_by_side(a, ["创新载体多少家", "高新区综合排名第几", "新增国家高新技术企业多少家"], tmp_path)
    n = len(a.index.chunks)
    assert out["faiss"]["vectors"] == out["milvus-lite"]["vectors"] == n
    assert out["same_top5_in_same_order"] == "3/3"
    assert a.index.store.name == "faiss"  # the index's own store is put back
