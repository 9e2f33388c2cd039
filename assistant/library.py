"""The corpus folder as a user manages it: add uploaded files safely, remove reports, rebuild."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AssistantError
from .ingest import SUFFIXES, unique_path

MAX_UPLOAD_BYTES = 50 << 20
log = logging.getLogger(__name__)


class UploadRejected(AssistantError):
    pass


# why ingest skipped a file, for people reading the page
UNREADABLE_ZH = {"empty file": "空文件", "binary file": "二进制文件，不是文本", "not UTF-8": "不是 UTF-8 或 GBK 编码的文本",
                 "no text": "没有文字内容", "not a readable .docx": "无法解析的 .docx", "not a readable .pdf": "无法解析的 .pdf",
                 "no record has a text field": "没有一条记录含正文字段", "unsupported file type": "不支持的文件类型"}


def unreadable_zh(reason: str) -> str:
    return next((zh for en, zh in UNREADABLE_ZH.items() if reason.startswith(en)), reason)


def safe_name(name: str) -> str:
    """A file name that stays inside the corpus folder: no directories, no dot-files, no control characters."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[\x00-\x1f\x7f/:*?\"<>|]", "_", base).strip(" .")
    if not base or base in (".", ".."):
        raise UploadRejected(f"{name}：文件名不可用")
    stem, suffix = Path(base).stem[:100], Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadRejected(f"{base}：不支持的文件类型 {suffix or '（无扩展名）'}，支持 {' '.join(sorted(SUFFIXES))}")
    return stem + suffix


INCOMING = ".incoming"  # uploads staged beside the reports; a dot-folder, so never read as reports


def save_upload(src: str | Path, original_name: str, corpus: str | Path, max_bytes: int | None = None) -> Path:
    """Copy an uploaded file into the corpus under a sanitised, non-clashing name (at most MAX_UPLOAD_BYTES)."""
    src, corpus = Path(src), Path(corpus)
    staged = stage_upload(src, original_name, corpus, max_bytes)
    target = unique_path(corpus / staged.name.split("-", 1)[1])
    os.replace(staged, target)
    return target


def stage_upload(src: str | Path, original_name: str, corpus: str | Path, max_bytes: int | None = None) -> Path:
    """Copy an upload into corpus/.incoming/ as <content hash>-<sanitised name>: checked, outside the reports."""
    src, corpus = Path(src), Path(corpus)
    max_bytes = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    name = safe_name(original_name)
    size = src.stat().st_size
    if size > max_bytes:
        raise UploadRejected(f"{original_name}：{size / 1e6:.1f} MB，超过 {max_bytes / 1e6:.0f} MB 的上限")
    incoming = corpus / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    staged = incoming / f"{file_hash(src)}-{name}"
    if staged.resolve().parent != incoming.resolve():
        raise UploadRejected(f"{original_name}：会被写到报告文件夹之外，已拒绝")
    tmp = staged.with_name(staged.name + ".part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, staged)
    return staged


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


@dataclass
class AddOutcome:
    """What an upload did, file by file: each message is about this upload only."""

    added: list[str] = field(default_factory=list)  # titles now in the index
    messages: list[str] = field(default_factory=list)  # one line per file not added, and why
    stats: object = None  # BuildStats of the rebuild, None when nothing was added


class Library:
    """The corpus folder plus the live Assistant; rebuilds swap the Assistant in one assignment."""

    def __init__(self, corpus: str | Path, index_dir: str | Path, assistant) -> None:
        self.corpus = Path(corpus)
        self.index_dir = Path(index_dir)
        self.assistant = assistant
        self._build_lock = threading.Lock()
        self._add_lock = threading.Lock()  # one upload at a time: each tab's message is about its own files

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
        """Index every source the index reads (its folders, the corpus folder) again, then swap it in."""
        from .api import Assistant

        with self._build_lock:
            fresh = Assistant.build([self.corpus], self.index_dir, self.assistant.embedder, progress=progress,
                                    wait=True)
            self.assistant = fresh  # queries already running keep the old object and finish normally
            return fresh.stats

    def add(self, uploads: list[tuple[str, str]], progress=None) -> AddOutcome:
        """Add uploaded files as one transaction: each is checked (name, type, size, readable, not indexed already)
        and staged in corpus/.incoming/; the good ones move into the corpus and the index is rebuilt once. If the
        rebuild fails they leave the corpus again; a crash in between is finished at the next start (`recover`).
        Uploads are serialised: two tabs adding at once each get a true message. The uploaded files themselves
        (Gradio's cache) are left alone: another tab may be reading the same one."""
        with self._add_lock:
            out, moved = AddOutcome(), []
            seen = set(self.assistant.index.reports)
            try:
                for src, name in uploads:
                    staged, titles = self._accept(src, name, seen, out.messages)
                    if staged:
                        moved.append(self._move_in(staged))
                        out.added += titles
                if moved:
                    try:
                        out.stats = self.rebuild(progress)
                    except BaseException:
                        for p in moved:  # a file that breaks the build does not stay behind in the corpus
                            p.unlink(missing_ok=True)
                        raise
            finally:
                self._clear_journal()
            return out

    def _accept(self, src: str, name: str, seen: set[str], messages: list[str]) -> tuple[Path | None, list[str]]:
        from .ingest import Unreadable, load_file

        try:
            staged = stage_upload(src, name, self.corpus)
        except UploadRejected as e:
            messages.append(str(e))
            return None, []
        except OSError as e:
            messages.append(f"{name}：无法保存（{e.strerror}）")
            return None, []
        try:
            reports = load_file(staged)
        except (Unreadable, OSError) as e:
            staged.unlink(missing_ok=True)
            messages.append(f"{name}：无法读取（{unreadable_zh(str(e))}），未添加")
            return None, []
        new = [r for r in reports if r.doc_id not in seen]
        if not new:
            staged.unlink(missing_ok=True)
            messages.append(f"{name}：《{reports[0].title}》已在索引中，未重复添加")
            return None, []
        seen.update(r.doc_id for r in new)
        return staged, [r.title for r in new]

    def _move_in(self, staged: Path) -> Path:
        """Move a staged upload into the corpus, first noting where (the journal a crash is recovered from).
        The same bytes already there under that name are not copied again."""
        digest, name = staged.name.split("-", 1)
        target = self.corpus / name
        if target.exists() and file_hash(target) != digest:
            target = unique_path(target)
        journal = staged.with_name(staged.name + ".json")
        journal.write_text(json.dumps({"target": target.name}, ensure_ascii=False), encoding="utf-8")
        os.replace(staged, target)
        return target

    def _clear_journal(self) -> None:
        """Empty corpus/.incoming/ (and remove it): every staged upload is in the corpus or given up."""
        incoming = self.corpus / INCOMING
        if incoming.is_dir():
            for p in incoming.iterdir():
                p.unlink(missing_ok=True)
            incoming.rmdir()

    def recover(self) -> list[str]:
        """Finish what a crashed upload left: staged files are removed, and files it had moved into the corpus
        are indexed now (one rebuild). Returns one line per file, also logged."""
        incoming = self.corpus / INCOMING
        if not incoming.is_dir():
            return []
        lines, moved = [], []
        for journal in sorted(incoming.glob("*.json")):
            try:
                target = self.corpus / json.loads(journal.read_text(encoding="utf-8"))["target"]
            except (OSError, ValueError, KeyError):
                continue
            if target.exists():
                moved.append(target)
        for p in sorted(incoming.iterdir()):
            if p.suffix != ".json":
                lines.append(f"上次中断的上传 {p.name.split('-', 1)[-1].removesuffix('.part')} 未完成，已删除暂存文件")
        if moved:
            self.rebuild()
            indexed = {Path(r.source).name for r in self.assistant.index.reports.values()}
            lines += [f"上次中断的上传 {p.name} 已完成索引" if p.name in indexed else
                      f"上次中断的上传 {p.name} 无法索引，已保留在报告文件夹中" for p in moved]
        self._clear_journal()
        for line in lines:
            log.warning(line)
        return lines

    def remove(self, doc_id: str, progress=None):
        """Take a report out of the index; its file moves to .trash/ in its folder. Returns (report, moved_to)."""
        from .api import remove_report

        with self._build_lock:
            if doc_id in self.assistant.index.reports and len(self.assistant.index.reports) == 1:
                raise AssistantError("这是索引中唯一的报告；请先添加其他报告再删除它")
            report, fresh, moved = remove_report(self.index_dir, doc_id, self.assistant, progress)
            self.assistant = fresh
            return report, moved
