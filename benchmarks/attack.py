"""Other users' latency while 4 clients send oversized or malformed requests to the ask API.

Starts `assistant serve` on a free port, measures one ordinary user's questions (one at a time) with the server
quiet, then again while 4 attacker threads keep sending the largest requests the API accepts (a 10,000-character
question with 100 earlier turns of 2,000 characters) and ones it refuses (10,000 history items, a wrong type);
prints p50 / p95 of both and their ratio, and the status codes the attackers got.

    python benchmarks/attack.py --index index [--questions 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.serve_process import free_port, start_serve  # noqa: E402

QUESTIONS = ["累计布局建设了多少家创新载体？", "高新区管委会主任由谁担任？", "深圳高新区在2021年度国家高新区评价中综合排名第几？",
             "全市有多少所高等院校获得科研资金稳定支持？", "2022年要做哪些工作？"]
ATTACKS = [
    {"data": ["创新" * 5000, 50, None, None, None, ["那高新区呢？" + "的" * 1990] * 100]},  # accepted, the largest
    {"data": ["那四川呢？", 5, None, None, None, ["a"] * 10_000]},  # refused: too many turns
    {"data": ["问", 5, 123]},  # refused: a wrong type
    {"data": ["问", True]},
]


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def user(url: str, n: int, address: str = "127.0.0.1") -> list[float]:
    import httpx

    times = []
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address)) as c:
        for i in range(n):
            t0 = time.perf_counter()
            r = c.post(f"{url}gradio_api/run/ask", json={"data": [QUESTIONS[i % len(QUESTIONS)]]}, timeout=120)
            r.raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def attacker(url: str, stop: threading.Event, statuses: Counter, lock: threading.Lock, k: int) -> None:
    import httpx

    # each attacker is its own client (its own loopback address), as four machines would be
    with httpx.Client(transport=httpx.HTTPTransport(local_address=f"127.0.0.{k + 2}")) as c:
        i = k
        while not stop.is_set():
            try:
                status = c.post(f"{url}gradio_api/run/ask", json=ATTACKS[i % len(ATTACKS)], timeout=120).status_code
            except httpx.HTTPError as e:
                status = type(e).__name__
            with lock:
                statuses[status] += 1
            i += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="index")
    ap.add_argument("--questions", type=int, default=40)
    args = ap.parse_args()
    port = free_port()
    proc = start_serve(args.index, port, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    try:
        user(url, 5)  # warm
        quiet = user(url, args.questions)
        stop, statuses, lock = threading.Event(), Counter(), threading.Lock()
        threads = [threading.Thread(target=attacker, args=(url, stop, statuses, lock, k)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(1)
        loud = user(url, args.questions)
        stop.set()
        for t in threads:
            t.join()
        after = user(url, 5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    q95, l95 = percentile(quiet, 95), percentile(loud, 95)
    print(f"quiet:        p50 {statistics.median(quiet):.0f} ms, p95 {q95:.0f} ms ({len(quiet)} questions)")
    print(f"under attack: p50 {statistics.median(loud):.0f} ms, p95 {l95:.0f} ms ({len(loud)} questions); "
          f"p95 ratio {l95 / q95:.2f}")
    print(f"attackers' responses: {dict(sorted(statuses.items(), key=str))}; after the attack p50 "
          f"{statistics.median(after):.0f} ms")


if __name__ == "__main__":
    main()
