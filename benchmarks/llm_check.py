"""The cost of checking a generated answer (assistant/llm/verify.py via attach), beside the LLM's own time.

    .venv/bin/python benchmarks/llm_check.py [--index index] [--repeat 20]

For each question of eval/dev_corpus.jsonl the reader answers; a scripted reply of three sentences (one
restating the answer sentence, one with an invented figure, one uncited) is checked against the top passages,
`--repeat` times, warm. Prints the median and the slowest check per answer, in milliseconds.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.api import Assistant  # noqa: E402
from assistant.llm import attach  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--questions", default=str(ROOT / "eval" / "dev_corpus.jsonl"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    a = Assistant.open(args.index)
    items = [json.loads(line) for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    results = [r for r in (a.ask(i["question"]) for i in items) if not r.abstained and r.answer and not r.answer.items]
    times = []
    for r in results:
        rank = r.cited_passage.rank
        reply = f"{r.answer.sentence}[{rank}]。另外新增了12345家企业[{rank}]。这一点非常重要。"
        attach(copy.deepcopy(r), reply, "bench", 0.0)  # warm: jieba and OpenCC loaded
        for _ in range(args.repeat):
            times.append(attach(copy.deepcopy(r), reply, "bench", 0.0).generated.check_ms)
    print(f"{len(results)} answers x {args.repeat}: check median {statistics.median(times):.2f} ms, "
          f"p95 {sorted(times)[int(0.95 * len(times))]:.2f} ms, max {max(times):.2f} ms per answer")


if __name__ == "__main__":
    main()
