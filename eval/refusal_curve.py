"""Refusal trade-off: sweep the reader's threshold, count false refusals and refused negatives.

    .venv/bin/python eval/refusal_curve.py --index /path/to/index [--cmrc 200] [--out eval/refusal]

Questions: the test halves of eval/dev_*.jsonl (the reader was not fitted on them, and its threshold was chosen
on the tune halves), asked without refusing, so each answer carries the reader's score. Negatives: their
unanswerable items plus CMRC2018 dev questions (Wikipedia facts no report holds), read from ../shared/data.
Writes a markdown table and, when matplotlib is installed, a PNG.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataclasses import replace  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.evaluate import load_questions, split_of  # noqa: E402
from assistant.reader import answer_model  # noqa: E402

SETS = ("dev_corpus", "dev_shared", "dev_realistic", "dev_lists")


def score(a: Assistant, question: str) -> float:
    """The reader's probability for its best sentence (the scope check still refuses: score 0)."""
    r = a.ask(question, k=3)
    return r.answer.score if r.answer else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--cmrc", type=int, default=200, help="CMRC2018 dev questions used as negatives")
    ap.add_argument("--out", default=str(ROOT / "eval" / "refusal"))
    args = ap.parse_args()
    a = Assistant.open(args.index)
    a.answer_params = replace(a.answer_params, refuse=False)
    shipped = answer_model().threshold
    items = [i for name in SETS for i in load_questions(ROOT / "eval" / f"{name}.jsonl") if split_of(i["id"]) == "test"]
    cmrc = ROOT.parent / "shared" / "data" / "cmrc2018" / "cmrc2018_dev.json"
    if args.cmrc and cmrc.exists():
        qs = [qa["question"] for d in json.loads(cmrc.read_text())["data"] for p in d["paragraphs"] for qa in p["qas"]]
        random.Random(0).shuffle(qs)
        items += [{"question": q, "unanswerable": True, "source": "cmrc"} for q in qs[: args.cmrc]]
    scored = [(it["unanswerable"], score(a, it["question"])) for it in items]
    pos = [p for u, p in scored if not u]
    neg = [p for u, p in scored if u]
    rows = []
    for t in sorted({x / 20 for x in range(0, 19)} | {round(shipped, 3)}):
        rows.append((t, sum(p < t for p in pos), sum(p < t for p in neg)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"Answerable: {len(pos)}, negatives: {len(neg)} (index {Path(args.index).name}/; the dev sets' test halves "
             f"and {args.cmrc} CMRC2018 dev questions). Refuse when the answer model's probability for the best sentence is "
             f"below the threshold (shipped: {shipped:.3f}, chosen on the tune halves).", "",
             "| threshold | false refusals | refused negatives | refusal recall |", "|---|---|---|---|"]
    lines += [f"| {t:.2f} | {fr} ({fr / len(pos):.1%}) | {tr} | {tr / len(neg):.1%} |" for t, fr, tr in rows]
    Path(str(out) + ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([r[1] / len(pos) for r in rows], [r[2] / len(neg) for r in rows], marker="o")
    for t, fr, tr in rows[::2]:
        ax.annotate(f"{t:.2f}", (fr / len(pos), tr / len(neg)), fontsize=7)
    ax.set_xlabel("answerable questions refused")
    ax.set_ylabel("unanswerable questions refused")
    ax.set_title("Refusal trade-off (reader threshold)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(str(out) + ".png", dpi=120)


if __name__ == "__main__":
    main()
