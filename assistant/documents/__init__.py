"""Documents -> report text. Each reader gives the text the index holds (every passage is a slice of it), the
title where the document says it better than its first line (a PDF's largest heading, a web page's article
heading), and for paginated documents where each page starts, so citations can name the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..normalise import with_subscripts_joined
from .pdf import OCR_HINT, Unreadable

__all__ = ["OCR_HINT", "Document", "Unreadable", "decode", "read_document"]

PAGINATED = {".pdf"}


@dataclass(frozen=True)
class Document:
    text: str
    title: str | None = None
    pages: tuple[int, ...] = ()  # pages[n-1]: where page n starts in text; () when the source has no pages
    boxes: tuple[tuple, ...] = ()  # layout.LineBox of every printed line, for drawing an answer on its page


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030; refuse binary."""
    if not data.strip():
        raise Unreadable("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise Unreadable("binary file (NUL bytes)")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise Unreadable("not UTF-8 or GBK/GB18030 text")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad <= len(sample) * 0.01


def read_document(path: Path, progress: Callable[[int, int], None] | None = None) -> Document:
    """Read one document file. `progress(done, total)` is called per page read by OCR."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from .word import read_docx

        return Document(read_docx(path))
    if suffix == ".pdf":
        from .pdf import read_pdf

        laid = read_pdf(path, progress)
        return Document(laid.text, laid.title, laid.pages, tuple(laid.lines))
    text = decode(path.read_bytes())
    if suffix in (".html", ".htm"):
        from .web import read_web_page

        return Document(*read_web_page(text))
    return Document(with_subscripts_joined(text))
