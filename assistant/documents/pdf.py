"""PDFs: the text layer read with positions (pdfplumber), tables kept row by row, pages without a text layer
read by OCR when the `ocr` extra is installed; a page rendered as an image with boxes drawn on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from .layout import Box, Laid, Line, layout, normal_chars
from .tables import row_sentences

log = logging.getLogger(__name__)

OCR_HINT = "安装 pip install 'assistant[ocr]' 后可识别"


class Unreadable(Exception):
    """A file that is skipped with a warning."""


def read_pdf(path: Path, progress: Callable[[int, int], None] | None = None) -> Laid:
    """The report text of a PDF with its page starts and line boxes. Raises Unreadable for a broken file, or for
    a scan when OCR is not installed. Characters come from pdfium (fast, C); a page with ruled lines goes through
    pdfplumber's table finder, so its tables become one line per row."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as e:  # pdfium raises PdfiumError on a damaged or encrypted file
        raise Unreadable(f"not a readable .pdf ({e.__class__.__name__}: {e})") from None
    lines: list[Line] = []
    scanned, ruled = [], []
    try:
        n_pages = len(pdf)
        for n in range(1, n_pages + 1):
            page = pdf[n - 1]
            found = pdfium_lines(page, n)
            if not found and _has(page, pdfium.raw.FPDF_PAGEOBJ_IMAGE):
                scanned.append(n)
            elif _has(page, pdfium.raw.FPDF_PAGEOBJ_PATH, 4):
                ruled.append(n)
            lines += found
    except Exception as e:
        raise Unreadable(f"not a readable .pdf ({e.__class__.__name__})") from None
    finally:
        pdf.close()
    if ruled:
        lines = _with_tables(path, lines, ruled)
    if scanned:
        lines = _with_ocr(path, lines, scanned, progress)
    return layout(lines, n_pages)


def _has(page, kind: int, at_least: int = 1) -> bool:
    n = 0
    for obj in page.get_objects(max_depth=2):
        n += obj.type == kind
        if n >= at_least:
            return True
    return False


def pdfium_lines(page, n: int) -> list[Line]:
    """A page's lines from pdfium's characters: a line ends where pdfium puts a line break; each character keeps
    its box (in points from the top left) and the line its type size."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    textpage = page.get_textpage()
    lines, chars, sizes = [], [], []
    try:
        for i in range(textpage.count_chars()):
            ch = chr(raw.FPDFText_GetUnicode(textpage.raw, i))
            if ch in "\r\n":
                if chars:
                    lines.append(_line(n, chars, sizes, width, height))
                chars, sizes = [], []
                continue
            if raw.FPDFText_IsGenerated(textpage.raw, i) and ch == " ":
                continue  # a gap pdfium saw; normal_chars decides where a space belongs
            left, bottom, right, top = textpage.get_charbox(i)
            chars.append((ch, (left, height - top, right, height - bottom)))
            sizes.append(raw.FPDFText_GetFontSize(textpage.raw, i))
        if chars:
            lines.append(_line(n, chars, sizes, width, height))
    finally:
        textpage.close()
    lines = [line for line in lines if line.chars]
    lines.sort(key=lambda line: (round(line.top), line.x0))
    return lines


def _line(n: int, chars: list, sizes: list[float], width: float, height: float) -> Line:
    """One line, its characters in left-to-right order (LibreOffice writes quotation marks after the words they
    enclose); its size is the median type size of its visible characters (their box height when the printer
    scaled 1-point type with a matrix, as Chromium does)."""
    kept = normal_chars(sorted(chars, key=lambda c: c[1][0]))
    heights = sorted(b[3] - b[1] for c, b in kept if not c.isspace()) or [0.0]
    size = sorted(sizes)[len(sizes) // 2] if sizes else 0.0
    if size <= 1.0:
        size = heights[len(heights) // 2]
    return Line(n, kept, float(width), float(height), round(float(size), 1))


def _with_tables(path: Path, lines: list[Line], ruled: list[int]) -> list[Line]:
    """The lines of pages with ruled lines read again by pdfplumber, its tables as rows, where it finds one."""
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings of every Chromium-printed PDF
    redone: dict[int, list[Line]] = {}
    with pdfplumber.open(str(path)) as pdf:
        for n in ruled:
            page = pdf.pages[n - 1]
            if _tables(page):
                redone[n] = page_lines(page, n)
    if not redone:
        return lines
    kept = [line for line in lines if line.page not in redone]
    return sorted(kept + [line for found in redone.values() for line in found], key=lambda line: line.page)


def _with_ocr(path: Path, lines: list[Line], scanned: list[int], progress) -> list[Line]:
    from . import ocr

    if not ocr.available():
        if not lines:
            raise Unreadable(f"扫描件（{len(scanned)} 页没有文字层），{OCR_HINT}")
        log.warning("%s: %d page(s) without a text layer not read (%s)", path, len(scanned), OCR_HINT)
        return lines
    read = ocr.read_pages(path, scanned, progress)
    return sorted(lines + read, key=lambda line: (line.page, line.top))


def page_lines(page, n: int) -> list[Line]:
    """The visual lines of one page, tables replaced by one line per row (its cells after their headers)."""
    tables = _tables(page)
    inside = [t.bbox for t, _ in tables]
    plain = page.filter(lambda o: o.get("object_type") != "char" or not any(_within(o, b) for b in inside))
    lines = []
    for raw in plain.extract_text_lines(return_chars=True, strip=True):
        chars = normal_chars((c["text"], (c["x0"], c["top"], c["x1"], c["bottom"])) for c in raw["chars"])
        if chars:
            size = sorted(c["size"] for c in raw["chars"])[len(raw["chars"]) // 2]
            lines.append(Line(n, chars, float(page.width), float(page.height), round(float(size), 1)))
    for table, rows in tables:
        for i, sentence in row_sentences(rows):
            box = tuple(map(float, table.rows[i].bbox))  # the row's box for each of its characters
            lines.append(Line(n, [(ch, box) for ch in sentence], float(page.width), float(page.height), alone=True))
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _tables(page) -> list[tuple[object, list[list[str]]]]:
    """Ruled tables of two rows and two columns at least, with their cell texts."""
    found = []
    try:
        for table in page.find_tables():
            rows = [[(cell or "").replace("\n", "").strip() for cell in row] for row in table.extract()]
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                found.append((table, rows))
    except Exception:  # a table finder failing on odd drawings must not lose the page's text
        return []
    return found


def _within(obj: dict, bbox: tuple) -> bool:
    x0, top, x1, bottom = bbox
    mid_x, mid_y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def render_page(path: Path, page: int, boxes: list[Box], width: int = 900) -> bytes:
    """Page `page` (1-based) as a JPEG `width` pixels wide, each box outlined and tinted."""
    import io

    import pypdfium2 as pdfium
    from PIL import ImageDraw

    pdf = pdfium.PdfDocument(str(path))
    try:
        p = pdf[page - 1]
        scale = width / p.get_width()
        image = p.render(scale=scale).to_pil().convert("RGB")
    finally:
        pdf.close()
    overlay = ImageDraw.Draw(image, "RGBA")
    for x0, top, x1, bottom in boxes:
        rect = [x0 * scale - 2, top * scale - 2, x1 * scale + 2, bottom * scale + 2]
        overlay.rectangle(rect, fill=(255, 214, 0, 70), outline=(214, 92, 0, 255), width=2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=72)
    return out.getvalue()
