"""Adding one report to a big index, versus embedding that report's passages alone; and a no-change run.

    .venv/bin/python benchmarks/incremental.py --index /path/to/index-of-all-shared-reports

Works on a copy of the given index (built from corpus/ plus the shared reports): removes one 2025
provincial report, adds it back (timed), embeds the same passages with the bare embedder (timed),
and times `index` with nothing changed. Medians over --repeat runs, measured side by side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.chunking import chunk_report, embedding_text  # noqa: E402
from assistant.ingest import load_reports  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
ALL = [ROOT / "corpus", SHARED / "gov-reports-national" / "government_work_reports.jsonl",
       SHARED / "gov-reports-provincial-2025", SHARED / "gov-reports-provincial-2026"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True, help="an index of corpus/ + all shared reports")
    ap.add_argument("--report", default="2025年北京市政府工作报告.txt")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    one = SHARED / "gov-reports-provincial-2025" / args.report
    others = [ROOT / "corpus", ALL[1], ALL[3]] + sorted(p for p in ALL[2].glob("*.txt") if p != one)
    with tempfile.TemporaryDirectory() as tmp:
        idx = Path(tmp) / "idx"
        shutil.copytree(args.index, idx)
        a = Assistant.open(idx)
        embedder = a.embedder
        (report,), _ = load_reports([one])
        texts = [embedding_text(report, c) for c in chunk_report(report)]
        add_s, embed_s, nochange_s = [], [], []
        for _ in range(args.repeat):
            # without the report: its folder is read file by file, the report left out (drops it; nothing embedded)
            Assistant.build(others, idx, embedder, forget=[ALL[2], one])
            t = time.perf_counter()
            stats = Assistant.build([one], idx, embedder).stats  # the index's sources and the report
            add_s.append(time.perf_counter() - t)
            assert stats.embedded == len(texts), (stats.embedded, len(texts))
            t = time.perf_counter()
            embedder.embed_passages(texts)
            embed_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            assert Assistant.build([], idx, embedder).stats.up_to_date
            nochange_s.append(time.perf_counter() - t)
        out = {
            "report": args.report, "chunks": len(texts), "index_chunks": len(a.index.chunks),
            "add_one_report_s": round(statistics.median(add_s), 2),
            "embed_its_chunks_alone_s": round(statistics.median(embed_s), 2),
            "ratio": round(statistics.median(add_s) / statistics.median(embed_s), 3),
            "no_change_index_s": round(statistics.median(nochange_s), 2),
            "runs": args.repeat,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
