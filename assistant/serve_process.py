"""`assistant serve` in a child process on a free port, for browser tests and benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(index: str | Path, port: int, corpus: str | Path | None = None, cwd: str | Path | None = None,
                timeout: float = 300, output=subprocess.DEVNULL, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start `python -m assistant serve` and return once its page answers; its output is in the error."""
    args = [sys.executable, "-m", "assistant", "serve", "--index", str(index), "--port", str(port), *extra]
    if corpus is not None:
        args += ["--corpus", str(corpus)]
    proc = subprocess.Popen(args, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except urllib.error.HTTPError:  # 401 behind --auth: answering
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"assistant serve exited: {proc.stdout.read() if proc.stdout else ''}") from None
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("assistant serve did not answer in time")
