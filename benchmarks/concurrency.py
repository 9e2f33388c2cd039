"""The server under load: the first question after `assistant serve` starts, and 50 concurrent users.

Starts `assistant serve` on a free port, then
  1. asks one question as soon as the page answers, then 10 more one at a time (first vs later);
  2. sends N questions at once from N threads through the Gradio API (/ask), once over its REST route
     (one POST each) and once with one gradio_client Client called from the N threads, and
     reports the latency of each from the moment all are ready: p50 / p95 / max, and errors.

    python benchmarks/concurrency.py --index index [--users 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.serve_process import free_port, start_serve  # noqa: E402

QUESTIONS = ["累计布局建设了多少家创新载体？", "高新区管委会主任由谁担任？", "深圳高新区在2021年度国家高新区评价中综合排名第几？",
             "全市有多少所高等院校获得科研资金稳定支持？", "2022年要做哪些工作？"]


def ask(client, url: str, question: str) -> float:
    """One question through the Gradio API's REST route (what gradio_client and fetch() also reach)."""
    t0 = time.perf_counter()
    r = client.post(f"{url}gradio_api/run/ask", json={"data": [question, 5, None, None, None, None]}, timeout=120)
    r.raise_for_status()
    assert "passages" in r.json()["data"][0]
    return time.perf_counter() - t0


def ask_gradio_client(client, question: str) -> float:
    t0 = time.perf_counter()
    out = client.predict(question, 5, None, None, None, api_name="/ask")
    assert "passages" in out
    return time.perf_counter() - t0


def concurrent(url: str, users: int, via: str = "rest") -> tuple[list[float], int]:
    import httpx

    times: list[float] = []
    errors = [0]
    gate = threading.Barrier(users)
    lock = threading.Lock()

    shared = None
    if via == "gradio_client":
        from gradio_client import Client

        shared = Client(url, verbose=False)  # one client, 50 threads calling predict

    def user(i: int) -> None:
        if shared is not None:
            call = lambda q: ask_gradio_client(shared, q)  # noqa: E731
        else:
            client = httpx.Client()
            call = lambda q: ask(client, url, q)  # noqa: E731
        gate.wait()
        try:
            t = call(QUESTIONS[i % len(QUESTIONS)])
            with lock:
                times.append(t)
        except Exception:
            with lock:
                errors[0] += 1

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors[0]


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", default="index")
    p.add_argument("--users", type=int, default=50)
    args = p.parse_args()
    if not (Path(args.index) / "manifest.json").exists():
        subprocess.run([sys.executable, "-m", "assistant", "index", "corpus", "--index", args.index, "-q"], check=True)
    port = free_port()
    proc = start_serve(args.index, port, cwd=ROOT)
    try:
        import httpx

        url = f"http://127.0.0.1:{port}/"
        client = httpx.Client()
        client.get(url).raise_for_status()  # the user opens the page first (and this client's connection is set up)
        first = ask(client, url, QUESTIONS[0])
        later = [ask(client, url, QUESTIONS[i % len(QUESTIONS)]) for i in range(1, 11)]
        print(f"first question after start: {first * 1000:.0f} ms; the next 10: median {statistics.median(later) * 1000:.0f} ms")
        for via in ("rest", "gradio_client"):
            cpu = server_cpu(proc.pid)
            times, errors = concurrent(url, args.users, via)
            print(f"{args.users} concurrent questions through /ask ({via}): p50 {pct(times, 0.5):.2f} s, "
                  f"p95 {pct(times, 0.95):.2f} s, max {max(times):.2f} s, {errors} errors; "
                  f"server CPU {server_cpu(proc.pid) - cpu:.2f} s (the rest of the 2 cores went to the clients)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
