"""The previous answer step (the rule cascade of commit bc98a94) on the same indexes and questions, for a side-by-side
comparison with the fitted reader. The old code is unpacked from git into eval/runs/ and run in its own process.

    .venv/bin/python eval/baseline.py --index eval/runs/shared-index --set eval/dev_realistic.jsonl [--no-refusals]

Prints one JSON line per question: the old result (`to_dict()`), to be scored by the current metrics
(make_results.py does this).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "bc98a94"  # the last release answering with the cascade of rules
RUNNER = """
import datetime, json, sys
from dataclasses import replace
from assistant import Assistant
index, path, no_refusals = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
a = Assistant.open(index)
if no_refusals:
    a.answer_params = replace(a.answer_params, min_coverage=0.0, refuse_without_figure=False,
                              refuse_other_kind=False, refuse_missing_scope=False)
for line in open(path, encoding="utf-8"):
    item = json.loads(line)
    today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
    try:
        r = a.ask(item["question"], k=item.get("k", 10), today=today, history=item.get("history")).to_dict()
    except Exception as e:  # an empty question in the data
        r = {"abstained": True, "answer": None, "passages": [], "understood_as": "", "error": str(e)}
    print(json.dumps(r, ensure_ascii=False), flush=True)
"""


def unpack(commit: str = COMMIT) -> Path:
    """The old package, unpacked once into eval/runs/baseline-<commit>/."""
    target = ROOT / "eval" / "runs" / f"baseline-{commit}"
    if not (target / "assistant").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = target / "src.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), commit, "assistant"], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
        archive.unlink()
    return target


def baseline_results(index: str | Path, items: list[dict], no_refusals: bool = False, k: int = 10) -> list[dict]:
    """Ask every item with the old code; one result dict per item, in order."""
    source = unpack()
    questions = source / "questions.jsonl"
    questions.write_text("".join(json.dumps({**i, "k": k}, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", RUNNER, str(Path(index).resolve()), str(questions), "1" if no_refusals else "0"],
                         cwd=source, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--no-refusals", action="store_true")
    args = ap.parse_args()
    items = [json.loads(line) for line in Path(args.set).read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in baseline_results(args.index, items, args.no_refusals):
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
