"""A cited slice of a PDF report drawn on its printed page: the page rendered, the slice's characters boxed."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from ..types import Report
from .layout import boxes_of

log = logging.getLogger(__name__)


def page_picture(report: Report, start: int, end: int) -> tuple[int, bytes] | None:
    """(page, JPEG) of the page where report.text[start:end] starts, that text boxed; None when the report has
    no printed lines or its PDF is no longer where it was indexed from."""
    if not report.boxes or not report.source.lower().endswith(".pdf"):
        return None
    by_page = boxes_of(list(report.boxes), start, end)
    if not by_page:
        return None
    page = min(by_page)
    try:
        return page, _rendered(report.source, report.sha256, page, tuple(by_page[page]))
    except Exception as e:  # moved, replaced or unreadable since indexing: the card simply shows no picture
        log.warning("%s: page %d not rendered (%s)", report.source, page, e.__class__.__name__)
        return None


@lru_cache(maxsize=32)
def _rendered(source: str, sha256: str, page: int, boxes: tuple) -> bytes:
    from .pdf import render_page

    return render_page(Path(source), page, list(boxes))
