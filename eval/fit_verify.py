"""Fit the content-coverage threshold of the LLM answer check (assistant/llm/verify.py) on the dev sets' tune
halves, and judge the whole check on their test halves.

    .venv/bin/python eval/fit_verify.py            # prints the figures; --write saves assistant/data/llm_check.json

For every answerable dev question whose report holds its answer, the sentence an instructed LLM writes is made
from the question: the wh-word replaced by the gold answer (浙江2025年生产总值增长目标是多少？ ->
浙江2025年生产总值增长目标是5.5%左右。). Cited to the passage holding the answer it is supported; cited to the
passage of the same report that shares most of its words but lacks the answer, it is a wrong-passage citation and
must be dropped. The threshold is the one with the fewest errors on the tune halves with the whole check (figures,
titles, coverage) applied, a wrong citation kept counting twice a supported sentence dropped; the test halves say
whether it holds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from make_results import REPORTS  # noqa: E402

from assistant.chunking import chunk_report  # noqa: E402
from assistant.evaluate import load_questions, split_of  # noqa: E402
from assistant.ingest import load_reports  # noqa: E402
from assistant.llm.verify import CheckParams, content_words, coverage, plain, verify  # noqa: E402
from assistant.normalise import normalise_question  # noqa: E402
from assistant.types import Passage  # noqa: E402

SETS = ["dev_corpus", "dev_shared", "dev_realistic", "dev_fresh", "dev_fresh2", "dev_fresh3", "dev_fresh4",
        "dev_fresh5", "dev_fresh6", "dev_fresh7", "dev_fresh8"]
OUT = ROOT / "assistant" / "data" / "llm_check.json"
WRONG_KEPT_COST = 2
_WH = re.compile(r"(?:是)?(?:多少|几)[个家项名位人万亿元%岁天年座条所吨公里平方米]*"
                 r"|是什么|什么|哪些|哪个|哪里|哪一年|哪年|谁|第几")


def declarative(question: str, answer: str) -> str:
    """The sentence an LLM told to quote figures writes for `question`: the wh-word replaced by the answer."""
    q = re.sub(r"[？?吗呢。！!\s]+$", "", normalise_question(question))
    q = re.sub(r"[？?]", "，", q)  # 湖南高新技术企业有多少家？看2025年的报告 is one sentence
    return (_WH.sub(answer, q, count=1) if _WH.search(q) else f"{q}是{answer}") + "。"


def claims(items: list[dict], reports: list) -> list[dict]:
    """(sentence, right passage, wrong passage, split) for each question whose report holds the answer."""
    chunks = {}
    out = []
    for item in items:
        if item.get("unanswerable") or not item.get("answers") or not item.get("doc"):
            continue
        report = next((r for r in reports if all(d in r.shown_title for d in item["doc"])), None)
        if report is None:
            continue
        if report.doc_id not in chunks:
            chunks[report.doc_id] = chunk_report(report)
        answer = item["answers"][0]
        right = next((c for c in chunks[report.doc_id] if answer in c.text), None)
        if right is None:
            continue
        sentence = declarative(item["question"], answer)
        words = content_words(plain(sentence))
        others = [c for c in chunks[report.doc_id] if not any(a in c.text for a in item["answers"])]
        if not others:
            continue
        wrong = max(others, key=lambda c: coverage(words, plain(report.plain(c.text))))
        out.append({"id": item["id"], "question": item["question"], "sentence": sentence, "split": split_of(item["id"]),
                    "right": Passage(1, right, report), "wrong": Passage(1, wrong, report)})
    return out


def outcomes(rows: list[dict], threshold: float) -> dict:
    """How the whole check does at `threshold`: supported kept, wrong-passage citations dropped."""
    params = CheckParams(coverage=threshold)
    kept = sum(verify(r["sentence"] + "[1]", [r["right"]], r["question"], params)[0].verified for r in rows)
    dropped = sum(not verify(r["sentence"] + "[1]", [r["wrong"]], r["question"], params)[0].verified for r in rows)
    return {"n": len(rows), "supported_kept": kept, "wrong_dropped": dropped, "right": kept + dropped}


def coverage_only(rows: list[dict], threshold: float) -> dict:
    """Coverage alone (no figure check): what the threshold itself separates."""
    def share(r, which):
        return coverage(content_words(plain(r["sentence"])), plain(r[which].report.plain(r[which].chunk.text)))
    return {"supported_kept": sum(share(r, "right") >= threshold for r in rows),
            "wrong_dropped": sum(share(r, "wrong") < threshold for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"save the fitted threshold to {OUT.relative_to(ROOT)}")
    args = parser.parse_args()
    reports = load_reports(REPORTS)[0]
    rows = [r for name in SETS for r in claims(load_questions(ROOT / "eval" / f"{name}.jsonl"), reports)]
    tune, test = [r for r in rows if r["split"] == "tune"], [r for r in rows if r["split"] == "test"]
    grid = [round(0.05 * i, 2) for i in range(0, 20)]
    scored = {t: outcomes(tune, t) for t in grid}
    # a sentence shown as verified that its passage does not support costs twice a supported one dropped (which
    # only falls back to the extractive answer); ties go to the stricter threshold
    best = max(grid, key=lambda t: (scored[t]["supported_kept"] + WRONG_KEPT_COST * scored[t]["wrong_dropped"], t))
    print(f"claims: {len(tune)} tune, {len(test)} test (each cited once right, once to the nearest wrong passage)")
    for t in grid:
        mark = " <- fitted" if t == best else ""
        print(f"  threshold {t:.2f}: tune {scored[t]['supported_kept']}/{len(tune)} kept, "
              f"{scored[t]['wrong_dropped']}/{len(tune)} dropped{mark}")
    held = outcomes(test, best)
    alone = coverage_only(test, best)
    none = outcomes(test, 0.0)
    print(f"test halves at {best:.2f}: supported kept {held['supported_kept']}/{len(test)}, "
          f"wrong-passage citations dropped {held['wrong_dropped']}/{len(test)}")
    print(f"  coverage alone: kept {alone['supported_kept']}/{len(test)}, dropped {alone['wrong_dropped']}/{len(test)}; "
          f"figures and titles alone (threshold 0): kept {none['supported_kept']}/{len(test)}, "
          f"dropped {none['wrong_dropped']}/{len(test)}")
    checks = [(r, verify(r["sentence"] + "[1]", [r["right"]], r["question"], CheckParams(best))[0]) for r in test]
    for r, claim in [(r, c) for r, c in checks if c.reason][:8]:
        print("  dropped though supported:", r["sentence"], "-", claim.reason)
    if args.write:
        OUT.write_text(json.dumps({
            "coverage_threshold": best, "fitted_by": "eval/fit_verify.py", "wrong_kept_cost": WRONG_KEPT_COST,
            "fitted_on": [f"{s} (tune half)" for s in SETS], "tune_claims": len(tune),
            "test": {"claims": len(test), **{k: held[k] for k in ("supported_kept", "wrong_dropped")}},
        }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
