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
    assert out["documents"] == 3 * len(a.index.chunks) and out["query_p50_ms"] >= 0
