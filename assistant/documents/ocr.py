"""Pages without a text layer read by OCR on the CPU: RapidOCR's bundled PP-OCR models on onnxruntime (the `ocr`
extra). Each recognised line becomes a Line in PDF points, its characters spread evenly over its box, so the
layout step and the page boxes work on a scan as on a printed PDF."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from .layout import Line, normal_chars

SCALE = 2.0  # render at 144 dpi: the models read 10.5 pt body text reliably from there
MIN_SCORE = 0.5


def available() -> bool:
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def read_pages(path: Path, pages: list[int], progress: Callable[[int, int], None] | None = None) -> list[Line]:
    """The lines of the given pages (1-based) of a PDF, read from their rendered images. Without a `progress`
    callback a bar on stderr shows the pages read and the time left (a page takes seconds)."""
    import pypdfium2 as pdfium

    progress = progress or _bar(path, len(pages))
    pdf = pdfium.PdfDocument(str(path))
    lines: list[Line] = []
    try:
        for done, n in enumerate(pages, 1):
            page = pdf[n - 1]
            width, height = page.get_width(), page.get_height()
            image = page.render(scale=SCALE).to_numpy()
            lines += recognised_lines(_engine()(image)[0] or [], n, width, height)
            if progress:
                progress(done, len(pages))
    finally:
        pdf.close()
    return lines


def _bar(path: Path, total: int) -> Callable[[int, int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc=f"OCR {path.name}", unit=" 页", file=sys.stderr, leave=False,
               bar_format="{desc}: {n_fmt}/{total_fmt} 页 [{elapsed}<{remaining}, {rate_fmt}]")

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def recognised_lines(results: list, page: int, width: float, height: float) -> list[Line]:
    """RapidOCR's [(4 corner points in pixels), text, confidence] as Lines in PDF points, top to bottom."""
    lines = []
    for corners, text, score in results:
        text = text.strip()
        if not text or float(score) < MIN_SCORE:
            continue
        xs, ys = [p[0] / SCALE for p in corners], [p[1] / SCALE for p in corners]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        step = (x1 - x0) / len(text)
        chars = normal_chars((ch, (x0 + i * step, top, x0 + (i + 1) * step, bottom)) for i, ch in enumerate(text))
        if chars:
            lines.append(Line(page, chars, width, height, size=round(bottom - top, 0)))
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines
