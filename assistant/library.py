"""The corpus folder as a user manages it: add uploaded files safely, remove reports, rebuild."""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
import unicodedata
from pathlib import Path

from .errors import AssistantError
from .ingest import SUFFIXES

MAX_UPLOAD_BYTES = 50 << 20
log = logging.getLogger(__name__)


class UploadRejected(AssistantError):
    pass


def safe_name(name: str) -> str:
    """A file name that stays inside the corpus folder: no directories, no dot-files, no control characters."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[\x00-\x1f\x7f/:*?\"<>|]", "_", base).strip(" .")
    if not base or base in (".", ".."):
        raise UploadRejected(f"{name!r} is not a usable file name")
    stem, suffix = Path(base).stem[:100], Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadRejected(f"{base}: unsupported type {suffix or '(none)'}; supported: {' '.join(sorted(SUFFIXES))}")
    return stem + suffix


def save_upload(src: str | Path, original_name: str, corpus: str | Path, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Copy an uploaded file into the corpus under a sanitised, non-clashing name."""
    src, corpus = Path(src), Path(corpus)
    size = src.stat().st_size
    if size > max_bytes:
        raise UploadRejected(f"{original_name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
    name = safe_name(original_name)
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / name
    n = 2
    while target.exists():
        target = corpus / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    if target.resolve().parent != corpus.resolve():
        raise UploadRejected(f"{original_name}: would be written outside the corpus folder")
    shutil.copyfile(src, target)
    return target


def removable_file(source: str, corpus: str | Path) -> Path:
    """The corpus file behind a report, if removing it removes exactly that report."""
    if "#" in source and Path(source.split("#")[0]).suffix.lower() in (".jsonl", ".csv"):
        raise AssistantError(f"{source} is one record of a collection file; edit that file to remove it")
    path = Path(source).resolve()
    if path.parent != Path(corpus).resolve() and Path(corpus).resolve() not in path.parents:
        raise AssistantError(f"{source} is not inside the corpus folder {corpus}; it was indexed from elsewhere")
    return path


class Library:
    """The corpus folder plus the live Assistant; rebuilds swap the Assistant in one assignment."""

    def __init__(self, corpus: str | Path, index_dir: str | Path, assistant) -> None:
        self.corpus = Path(corpus)
        self.index_dir = Path(index_dir)
        self.assistant = assistant
        self._build_lock = threading.Lock()

    def reload_if_rebuilt(self) -> bool:
        """Pick up an index another process (assistant index / watch) wrote; True if it changed."""
        from .api import Assistant
        from .index import read_manifest

        try:
            build_id = read_manifest(self.index_dir).get("build_id")
        except AssistantError:
            return False
        if build_id == self.assistant.index.manifest.get("build_id"):
            return False
        try:
            self.assistant = Assistant.open(self.index_dir, self.assistant.embedder)
        except AssistantError as e:  # e.g. the old data directory vanished under a half-read manifest
            log.warning("index changed but could not be loaded yet: %s", e)
            return False
        return True

    def follow(self, interval: float = 2.0) -> threading.Thread:
        """Poll the index directory in a daemon thread and swap in new builds."""

        def loop() -> None:
            while True:
                time.sleep(interval)
                try:
                    self.reload_if_rebuilt()
                except Exception:  # never let the poller die
                    log.exception("reloading the index failed")

        t = threading.Thread(target=loop, name="index-follower", daemon=True)
        t.start()
        return t

    def rebuild(self, progress=None):
        """Index the corpus folder again (unchanged text is not re-embedded), then swap it in."""
        from .api import Assistant

        with self._build_lock:
            fresh = Assistant.build([self.corpus], self.index_dir, self.assistant.embedder, progress=progress,
                                    wait=True)
            self.assistant = fresh  # queries already running keep the old object and finish normally
            return fresh.stats

    def add(self, uploads: list[tuple[str, str]], progress=None):
        saved = [save_upload(path, name, self.corpus) for path, name in uploads]
        try:
            return saved, self.rebuild(progress)
        except Exception:
            for p in saved:  # a file that breaks the build does not stay behind in the corpus
                p.unlink(missing_ok=True)
            raise

    def remove(self, doc_id: str, progress=None):
        report = self.assistant.index.reports.get(doc_id)
        if report is None:
            raise AssistantError(f"no report {doc_id} in the index")
        if len(self.assistant.index.reports) == 1:
            raise AssistantError("that is the only indexed report; add another before removing it")
        path = removable_file(report.source, self.corpus)
        path.unlink()
        return report.title, self.rebuild(progress)
