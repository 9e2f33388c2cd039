"""Re-index when files under the corpus change (watchdog), once changes have settled."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from .ingest import SUFFIXES


def watch(paths: list[str], on_change: Callable[[], None], settle: float = 2.0, stop: threading.Event | None = None) -> None:
    """Call `on_change` after report files under `paths` change and `settle` seconds pass quietly."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        raise ImportError("assistant watch needs watchdog: pip install watchdog") from None

    last = [0.0]

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type not in ("created", "modified", "deleted", "moved"):
                return  # opening and reading files (as every build does) is not a change
            names = [getattr(event, "src_path", ""), getattr(event, "dest_path", "")]
            if any(Path(str(n)).suffix.lower() in SUFFIXES for n in names if n):
                last[0] = time.monotonic()

    observer = Observer()
    for p in paths:
        observer.schedule(Handler(), str(p), recursive=True)
    observer.start()
    stop = stop or threading.Event()
    try:
        while not stop.wait(0.2):
            if last[0] and time.monotonic() - last[0] >= settle:
                last[0] = 0.0
                on_change()
    finally:
        observer.stop()
        observer.join()
