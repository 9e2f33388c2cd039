"""A chat turn (both readings searched and answered) versus the same question asked on its own.

    .venv/bin/python benchmarks/chat_turn.py --index eval/runs/shared-index [--set eval/dev_chats.jsonl] [--repeat 3]

For every later turn of the chats in --set: `ask(turn, history=earlier turns as understood)` against
`ask(the reading it was understood as)`, alternated, warm (the embedder loaded, one ask before timing).
Prints the medians and their ratio, and how often the second reading had to be answered.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.evaluate import as_understood, load_questions  # noqa: E402


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--set", default=str(ROOT / "eval" / "dev_chats.jsonl"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    a = Assistant.open(args.index)
    items = load_questions(args.set)
    understood: dict[tuple[str, ...], str] = {}
    turns = []
    for item in items:
        today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
        history = as_understood(item.get("history") or [], understood)
        r = a.ask(item["question"], today=today, history=history)
        understood[(*item.get("history", []), item["question"])] = r.understood_as
        if history:
            turns.append((item["question"], history, r.understood_as, today, r.other_reading))
    chat_ms, alone_ms = [], []
    for _ in range(args.repeat):
        for question, history, reading, today, _other in turns:
            chat_ms.append(timed(lambda q=question, h=history, t=today: a.ask(q, today=t, history=h))[0])
            alone_ms.append(timed(lambda q=reading, t=today: a.ask(q, today=t))[0])
    both = sum(1 for *_, other in turns if other and other["confidence"] is not None)
    out = {"turns": len(turns), "repeat": args.repeat, "chat_turn_p50_ms": round(statistics.median(chat_ms), 1),
           "alone_p50_ms": round(statistics.median(alone_ms), 1),
           "ratio": round(statistics.median(chat_ms) / statistics.median(alone_ms), 2),
           "turns_answering_both_readings": both}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{out['turns']} later turns × {args.repeat}: chat turn p50 {out['chat_turn_p50_ms']} ms, "
              f"the same question alone p50 {out['alone_p50_ms']} ms, ratio {out['ratio']}; "
              f"{both} turns answered both readings")


if __name__ == "__main__":
    main()
