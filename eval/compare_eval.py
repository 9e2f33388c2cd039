"""Cell accuracy of `assistant compare` on eval/compare.jsonl (gold values checked by hand against the reports).

    .venv/bin/python eval/compare_eval.py --index eval/runs/shared-index [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.compare import cell_accuracy, compare  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    a = Assistant.open(args.index)
    out, total, right = [], 0, 0
    for line in (ROOT / "eval" / "compare.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        t = time.perf_counter()
        table = compare(a, item["question"], item["by"])
        seconds = time.perf_counter() - t
        acc, misses = cell_accuracy(table, item["gold"])
        total += len(item["gold"])
        right += round(acc * len(item["gold"]))
        out.append({"id": item["id"], "question": item["question"], "cells": len(item["gold"]),
                    "accuracy": round(acc, 4), "seconds": round(seconds, 2), "misses": misses})
    summary = {"cells": total, "cell_accuracy": round(right / total, 4), "comparisons": out}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    for o in out:
        print(f"{o['id']}: {o['accuracy']:.1%} of {o['cells']} cells in {o['seconds']} s; misses {o['misses']}")
    print(f"overall: {summary['cell_accuracy']:.1%} of {total} cells")


if __name__ == "__main__":
    main()
