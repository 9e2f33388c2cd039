"""Time from pressing Enter to the answer being visible, in Debian's Chromium, on a given index.

    .venv/bin/python benchmarks/ui_latency.py --index eval/runs/shared-index [--questions eval/dev_shared.jsonl] [-n 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.serve_process import free_port, start_serve  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--questions", default=str(ROOT / "eval" / "dev_shared.jsonl"))
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    questions = [json.loads(line)["question"] for line in Path(args.questions).read_text().splitlines()][: args.n]
    port = free_port()
    with tempfile.TemporaryDirectory() as corpus:
        proc = start_serve(args.index, port, corpus, cwd=ROOT, timeout=120)
        try:
            url = f"http://127.0.0.1:{port}/"
            times = measure(url, questions)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(json.dumps({"index": args.index, "questions": len(times),
                      "median_ms": round(statistics.median(times) * 1000),
                      "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))] * 1000),
                      "max_ms": round(max(times) * 1000)}, ensure_ascii=False))


def measure(url: str, questions: list[str]) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea")
        times = []
        for i, q in enumerate([questions[0], *questions]):  # the first one warms up and is not counted
            before = page.locator("#chat .message").count()
            page.fill("#question textarea", q)
            t = time.perf_counter()
            page.press("#question textarea", "Enter")
            page.wait_for_function(f"document.querySelectorAll('#chat .message').length >= {before + 2}")
            page.wait_for_function("document.querySelector('#passages .card')")
            if i:
                times.append(time.perf_counter() - t)
        browser.close()
    return times


if __name__ == "__main__":
    main()
