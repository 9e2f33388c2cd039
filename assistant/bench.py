"""Speed and scale on this machine: medians of repeated runs, ratios measured side by side.

    assistant bench --index eval/runs/shared-index [--json] [--sizes 200000,1000000]
"""

from __future__ import annotations

import gc
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def indexing_throughput(assistant, reports: int = 3, repeat: int = 2) -> dict:
    """Full pipeline (read, chunk, embed, BM25, write) versus the bare embedder on the same passage texts."""
    from .api import Assistant
    from .chunking import chunk_report, embedding_text

    chosen = sorted(assistant.index.reports.values(), key=lambda r: r.doc_id)[:reports]
    texts = [embedding_text(r, c) for r in chosen for c in chunk_report(r)]
    chars = sum(len(t) for t in texts)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for i, r in enumerate(chosen):
            (corpus / f"{i}.txt").write_text(r.text, encoding="utf-8")

        def pipeline() -> None:
            Assistant.build([corpus], Path(tmp) / "idx", assistant.embedder, rebuild=True)

        embedder_s = _median_time(lambda: assistant.embedder.embed_passages(texts), repeat)
        pipeline_s = _median_time(pipeline, repeat)
    return {"chunks": len(texts), "chars": chars,
            "embedder_chunks_per_s": round(len(texts) / embedder_s, 2),
            "pipeline_chunks_per_s": round(len(texts) / pipeline_s, 2),
            "pipeline_chars_per_s": round(chars / pipeline_s),
            "ratio_pipeline_to_embedder": round(embedder_s / pipeline_s, 3)}


def query_latency(assistant, questions: list[str]) -> dict:
    """Warm end-to-end ask() versus embedding the question alone, per question, side by side."""
    assistant.ask(questions[0])
    total, embed = [], []
    for q in questions:
        t = time.perf_counter()
        assistant.embedder.embed_query(q)
        embed.append(time.perf_counter() - t)
        t = time.perf_counter()
        assistant.ask(q, k=5)
        total.append(time.perf_counter() - t)
    p50, e50 = statistics.median(total), statistics.median(embed)
    return {"questions": len(questions), "ask_p50_ms": round(p50 * 1000, 1),
            "ask_p95_ms": round(float(np.percentile(total, 95)) * 1000, 1),
            "embed_query_p50_ms": round(e50 * 1000, 1), "ratio_p50": round(p50 / e50, 2)}


def cold_start(index_dir: str | Path, question: str) -> dict:
    """From Assistant.open to the first answer, in this process (the model loads once per process)."""
    from .api import Assistant

    t = time.perf_counter()
    a = Assistant.open(index_dir)
    opened = time.perf_counter() - t
    a.ask(question)
    return {"open_s": round(opened, 2), "open_to_first_answer_s": round(time.perf_counter() - t, 2)}


def scaled_vectors(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n vectors: the real passage vectors, then perturbed copies of them (the point is the index)."""
    rng = np.random.default_rng(seed)
    reps = -(-n // len(base))
    out = np.tile(base, (reps, 1))[:n].copy()
    out[len(base):] += rng.normal(scale=0.02, size=(n - len(base), base.shape[1])).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def vector_scale(base: np.ndarray, queries: np.ndarray, n: int) -> dict:
    """Build the store chosen for n vectors; recall@10 against exact search, query time, size, memory."""
    import faiss

    from .stores import FaissStore

    x = scaled_vectors(base, n)
    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    store = FaissStore(x.shape[1], expected=n)
    store.add(np.arange(n), x)
    build_s = time.perf_counter() - t
    size_mb = len(faiss.serialize_index(store.index)) / 2**20
    times, recall = [], []
    for q in queries:
        t = time.perf_counter()
        got, _ = store.search(q, 10)
        times.append(time.perf_counter() - t)
        exact = np.argpartition(-(x @ q), 10)[:10]
        recall.append(len(set(exact.tolist()) & set(got.tolist())) / 10)
    out = {"vectors": n, "index": store.kind, "build_s": round(build_s, 1), "index_mb": round(size_mb, 1),
           "peak_rss_growth_mb": round(rss_mb() - before, 1), "recall@10": round(float(np.mean(recall)), 4),
           "search_p50_ms": round(statistics.median(times) * 1000, 2),
           "search_p95_ms": round(float(np.percentile(times, 95)) * 1000, 2)}
    del store, x
    gc.collect()
    return out


def bm25_scale(assistant, questions: list[str], factor: int) -> dict:
    """BM25 query time with the postings of every passage repeated `factor` times (no per-document loop)."""
    from .lexical import BM25, tokenize

    b = assistant.index.bm25
    n = b.n_docs
    lengths = np.diff(b.indptr)
    offsets = (np.arange(factor, dtype=np.int64) * n)
    docs = (b.docs.astype(np.int64)[None, :] + offsets[:, None])
    docs = np.concatenate([docs[:, s:e].ravel() for s, e in zip(b.indptr[:-1], b.indptr[1:], strict=True)])
    weights = np.concatenate([np.tile(b.weights[s:e], factor) for s, e in zip(b.indptr[:-1], b.indptr[1:], strict=True)])
    indptr = np.concatenate([[0], np.cumsum(lengths * factor)])
    big = BM25(b.vocab, indptr, docs, weights, n * factor)
    tokens = [tokenize(q) for q in questions]
    times = []
    for t_ in tokens:
        t = time.perf_counter()
        scores = big.scores(t_)
        np.argpartition(-scores, min(60, len(scores) - 1))[:60]
        times.append(time.perf_counter() - t)
    return {"documents": n * factor, "query_p50_ms": round(statistics.median(times) * 1000, 1),
            "query_p95_ms": round(float(np.percentile(times, 95)) * 1000, 1)}


def run(index_dir: str | Path, questions: list[str], sizes: list[int]) -> dict:
    from .api import Assistant

    out = {"cold_start": cold_start(index_dir, questions[0])}
    a = Assistant.open(index_dir)
    out["index_chunks"] = len(a.index.chunks)
    out["query_latency"] = query_latency(a, questions)
    out["indexing"] = indexing_throughput(a)
    qvecs = np.stack([a.embedder.embed_query(q) for q in questions[:100]])
    out["vectors"] = [vector_scale(a.index.embeddings, qvecs, n) for n in [len(a.index.chunks), *sizes]]
    out["bm25"] = [bm25_scale(a, questions, max(1, n // len(a.index.chunks))) for n in sizes]
    return out
