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


def machine() -> str:
    """This machine in one line: cores, CPU model, memory, Python."""
    import os
    import platform

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 2**20
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rss_mb() -> float:
    """Resident memory of this process now (not the lifetime peak, which never goes down)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def indexing_throughput(assistant, reports: int = 4, repeat: int = 3) -> dict:
    """Full pipeline (read, chunk, embed, BM25, write) versus the bare embedder on the same passage texts,
    run alternately (embedder, pipeline, embedder, …) so both see the same machine; the ratio is the median
    of the per-pair ratios."""
    from .api import Assistant
    from .chunking import chunk_report, embedding_text

    chosen = sorted(assistant.index.reports.values(), key=lambda r: r.doc_id)[:reports]
    texts = [embedding_text(r, c) for r in chosen for c in chunk_report(r)]
    chars = sum(len(t) for t in texts)
    embedder_s, pipeline_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for i, r in enumerate(chosen):
            (corpus / f"{i}.txt").write_text(r.text, encoding="utf-8")
        for _ in range(repeat):
            embedder_s.append(_median_time(lambda: assistant.embedder.embed_passages(texts), 1))
            pipeline_s.append(_median_time(
                lambda: Assistant.build([corpus], Path(tmp) / "idx", assistant.embedder, rebuild=True), 1))
    e, p = statistics.median(embedder_s), statistics.median(pipeline_s)
    return {"chunks": len(texts), "chars": chars, "repeats": repeat,
            "embedder_chunks_per_s": round(len(texts) / e, 2),
            "pipeline_chunks_per_s": round(len(texts) / p, 2),
            "pipeline_chars_per_s": round(chars / p),
            "ratio_pipeline_to_embedder": round(statistics.median(e_ / p_ for e_, p_ in zip(embedder_s, pipeline_s, strict=True)),
                                                3)}


def parsing_parallel(assistant, files: int = 24, repeat: int = 3) -> dict:
    """Reading .docx reports one after another versus in a process per core (the shared reports as .docx)."""
    import os

    import docx

    from .ingest import load_reports

    chosen = sorted(assistant.index.reports.values(), key=lambda r: r.doc_id)[:files]
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(chosen):
            d = docx.Document()
            for line in r.text.splitlines():
                d.add_paragraph(line)
            d.save(Path(tmp) / f"{i}.docx")
        serial = _median_time(lambda: load_reports([tmp], workers=1), repeat)
        parallel = _median_time(lambda: load_reports([tmp], workers=os.cpu_count() or 1), repeat)
    return {"files": len(chosen), "workers": os.cpu_count(), "serial_s": round(serial, 2),
            "parallel_s": round(parallel, 2), "speedup": round(serial / parallel, 2)}


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
           "rss_growth_mb": round(rss_mb() - before, 1), "recall@10": round(float(np.mean(recall)), 4),
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


def stores_side_by_side(assistant, questions: list[str], tmp: Path) -> dict:
    """FAISS and Milvus Lite holding the same index: writing its vectors, searching, and ask() end to end
    through each; and whether the two return the same passages in the same order."""
    from .index import chunk_attrs, chunk_keys
    from .stores import make_store

    idx = assistant.index
    keys = chunk_keys(idx.chunks, idx.text_hashes)
    attrs = chunk_attrs(idx.chunks, idx.reports)
    qvecs = [assistant.embedder.embed_query(q) for q in questions]
    out, passages = {}, {}
    original = idx.store
    for name, spec in (("faiss", "faiss"), ("milvus-lite", f"milvus://{tmp}/bench.db?collection=bench")):
        t = time.perf_counter()
        store = make_store(spec, idx.embeddings.shape[1], expected=len(keys))
        store.sync(keys, idx.embeddings, attrs)
        write_s = time.perf_counter() - t
        search, ask = [], []
        idx.store = store
        passages[name] = []
        for q, v in zip(questions, qvecs, strict=True):
            t = time.perf_counter()
            store.search(v, 60)
            search.append(time.perf_counter() - t)
            t = time.perf_counter()
            r = assistant.ask(q, k=5, qvec=v)
            ask.append(time.perf_counter() - t)
            passages[name].append([p.chunk.id for p in r.passages])
        out[name] = {"vectors": len(store), "write_s": round(write_s, 2),
                     "write_vectors_per_s": round(len(keys) / write_s),
                     "search60_p50_ms": round(statistics.median(search) * 1000, 2),
                     "ask_p50_ms": round(statistics.median(ask) * 1000, 1),
                     "ask_p95_ms": round(float(np.percentile(ask, 95)) * 1000, 1)}
    idx.store = original
    same = [f == m for f, m in zip(passages["faiss"], passages["milvus-lite"], strict=True)]
    out["same_top5_in_same_order"] = f"{sum(same)}/{len(same)}"
    return out


def run(index_dir: str | Path, questions: list[str], sizes: list[int], milvus: bool = True) -> dict:
    from .api import Assistant

    out = {"cold_start": cold_start(index_dir, questions[0])}
    a = Assistant.open(index_dir)
    out["index_chunks"] = len(a.index.chunks)
    out["query_latency"] = query_latency(a, questions)
    out["indexing"] = indexing_throughput(a)
    out["parsing"] = parsing_parallel(a)
    if milvus:
        with tempfile.TemporaryDirectory() as tmp:
            out["stores"] = stores_side_by_side(a, questions, Path(tmp))
    qvecs = np.stack([a.embedder.embed_query(q) for q in questions[:100]])
    out["vectors"] = [vector_scale(a.index.embeddings, qvecs, n) for n in [len(a.index.chunks), *sizes]]
    out["bm25"] = [bm25_scale(a, questions, max(1, n // len(a.index.chunks))) for n in sizes]
    return out


def summary(out: dict) -> list[str]:
    """The bench's numbers as lines for people."""
    q, ix, ps = out["query_latency"], out["indexing"], out["parsing"]
    lines = [
        f"index: {out['index_chunks']} chunks; cold start {out['cold_start']['open_to_first_answer_s']} s to the first answer",
        f"query: ask p50 {q['ask_p50_ms']} ms, p95 {q['ask_p95_ms']} ms; embedding the question alone p50 "
        f"{q['embed_query_p50_ms']} ms; ratio {q['ratio_p50']}x ({q['questions']} questions)",
        f"indexing: pipeline {ix['pipeline_chunks_per_s']} chunks/s ({ix['pipeline_chars_per_s']} chars/s), bare embedder "
        f"{ix['embedder_chunks_per_s']} chunks/s: ratio {ix['ratio_pipeline_to_embedder']} ({ix['chunks']} chunks, "
        f"median of {ix['repeats']} alternating runs)",
        f"parsing {ps['files']} .docx reports: {ps['serial_s']} s one by one, {ps['parallel_s']} s on {ps['workers']} "
        f"processes ({ps['speedup']}x)",
    ]
    for v in out["vectors"]:
        lines.append(f"vectors {v['vectors']:>9}: {v['index']:<7} build {v['build_s']} s, {v['index_mb']} MB, "
                     f"RSS +{v['rss_growth_mb']} MB, recall@10 {v['recall@10']}, search p50 {v['search_p50_ms']} ms "
                     f"p95 {v['search_p95_ms']} ms")
    for b in out["bm25"]:
        lines.append(f"bm25 {b['documents']:>9} docs: query p50 {b['query_p50_ms']} ms, p95 {b['query_p95_ms']} ms")
    stores = out.get("stores")
    if stores:
        for name in ("faiss", "milvus-lite"):
            s = stores[name]
            lines.append(f"store {name:<11}: write {s['vectors']} vectors in {s['write_s']} s ({s['write_vectors_per_s']}/s), "
                         f"search top-60 p50 {s['search60_p50_ms']} ms, ask (question already embedded) p50 {s['ask_p50_ms']} ms "
                         f"p95 {s['ask_p95_ms']} ms")
        lines.append(f"stores agree: same top-5 passages in the same order for {stores['same_top5_in_same_order']} questions")
    return lines


def markdown(out: dict, command: str) -> str:
    import json

    return "\n".join([
        "# Benchmarks", "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M')} by `{command}` on {machine()}.", "",
        "Medians of repeated runs; ratios measured side by side in the same run.", "",
        *[f"- {line}" for line in summary(out)], "",
        "Raw output:", "", "```json", json.dumps(out, ensure_ascii=False, indent=1), "```", "",
    ])
