"""Refusal trade-off: sweep the coverage threshold, count false refusals and refused negatives.

    .venv/bin/python eval/refusal_curve.py --index /path/to/index [--cmrc 200] [--out eval/refusal]

Answerable questions: eval/dev_corpus.jsonl + eval/dev_shared.jsonl. Negatives: their unanswerable
items plus CMRC2018 dev questions (Wikipedia facts no report holds), read from ../shared/data.
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

from assistant import Assistant  # noqa: E402
from assistant.evaluate import load_questions  # noqa: E402


def features(a: Assistant, question: str) -> tuple[float, float | None]:
    """The refusal evidence of one question (best coverage and cosine among the top 3 passages)."""
    r = a.ask(question, k=3)
    return r.evidence if r.evidence else (0.0, 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--cmrc", type=int, default=200, help="CMRC2018 dev questions used as negatives")
    ap.add_argument("--out", default=str(ROOT / "eval" / "refusal"))
    args = ap.parse_args()
    a = Assistant.open(args.index)
    floor, sure = a.answer_params.floor_coverage, a.answer_params.sure_cosine(getattr(a.embedder, "spec", ""))
    items = load_questions(ROOT / "eval" / "dev_corpus.jsonl") + load_questions(ROOT / "eval" / "dev_shared.jsonl")
    cmrc = ROOT.parent / "shared" / "data" / "cmrc2018" / "cmrc2018_dev.json"
    if args.cmrc and cmrc.exists():
        qs = [qa["question"] for d in json.loads(cmrc.read_text())["data"] for p in d["paragraphs"] for qa in p["qas"]]
        random.Random(0).shuffle(qs)
        items += [{"question": q, "unanswerable": True, "source": "cmrc"} for q in qs[: args.cmrc]]
    scored = [(it["unanswerable"], *features(a, it["question"])) for it in items]
    pos = [(c, d) for u, c, d in scored if not u]
    neg = [(c, d) for u, c, d in scored if u]
    rows = []
    for t in [x / 100 for x in range(0, 71, 5)]:
        rows.append((t, sum(a.refuses(c, d, t) for c, d in pos), sum(a.refuses(c, d, t) for c, d in neg)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"Answerable: {len(pos)}, negatives: {len(neg)} (index {Path(args.index).name}/). Refuse when the best "
             f"content-word coverage of the top 3 passages is below the threshold, unless it is at least {floor} "
             f"and the best cosine is at least {sure} (the default threshold is {a.answer_params.min_coverage}).", "",
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
    ax.set_title("Refusal trade-off (coverage threshold)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(str(out) + ".png", dpi=120)


if __name__ == "__main__":
    main()
