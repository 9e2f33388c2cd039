"""Reading documents before embedding: pages per second for text PDFs (LibreOffice- and Chromium-printed, with
and without tables), for OCR of a scan, and the same report as .docx and a saved web page, side by side.

    .venv/bin/python benchmarks/documents.py [--reports 3] [--repeat 3] [--ocr-pages 3]

The documents are printed here from shared 2025 provincial reports (tests/docmaker.py: LibreOffice, Chromium,
pdftoppm + img2pdf); nothing is written outside a temporary directory. Medians over --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.documents import read_document  # noqa: E402
from tests import docmaker  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "gov-reports-provincial-2025"
REPORTS = ["2025年江苏省政府工作报告.txt", "2025年四川省政府工作报告.txt", "2025年河北省政府工作报告.txt",
           "2025年广东省政府工作报告.txt", "2025年山东省政府工作报告.txt"]
TABLE = [["指标", "2024年实际", "比上年增长"]] + [[f"指标{i}", f"{100 + i}.5亿元", f"{i % 7}.1%"] for i in range(12)]


def timed(path: Path, repeat: int) -> tuple[float, int, int]:
    """(median seconds, pages, characters) of reading one document."""
    runs, doc = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        doc = read_document(path)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), max(1, len(doc.pages)), len(doc.text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ocr-pages", type=int, default=3)
    args = ap.parse_args()
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        made: dict[str, list[Path]] = {"libreoffice pdf": [], "chromium pdf": [], "pdf with a table": [], "docx": [],
                                       "web page": []}
        for name in REPORTS[: args.reports]:
            text = (SHARED / name).read_text()
            title = docmaker.paragraphs(text)[0]
            stem = Path(name).stem
            made["libreoffice pdf"].append(docmaker.libreoffice_pdf(title, text, tmp / f"{stem}-lo.pdf"))
            made["chromium pdf"].append(docmaker.chromium_pdf(title, text, tmp / f"{stem}-cr.pdf"))
            docx_path = tmp / f"{stem}-table.docx"
            docmaker.word_document(title, text, table=TABLE).save(docx_path)
            made["docx"].append(docx_path)
            made["pdf with a table"].append(docmaker.print_docx(docx_path))
            (tmp / f"{stem}.html").write_text(docmaker.saved_web_page(title, text))
            made["web page"].append(tmp / f"{stem}.html")
        for kind, paths in made.items():
            seconds = pages = chars = 0.0
            for p in paths:
                s, n, c = timed(p, args.repeat)
                seconds, pages, chars = seconds + s, pages + n, chars + c
            row = {"files": len(paths), "seconds": round(seconds, 3), "chars_per_s": round(chars / seconds)}
            if kind.endswith("pdf") or kind == "pdf with a table":
                row |= {"pages": int(pages), "pages_per_s": round(pages / seconds, 1)}
            out[kind] = row
        from assistant.documents import ocr

        if ocr.available() and args.ocr_pages:
            scan = docmaker.scan(made["libreoffice pdf"][0], tmp / "scan.pdf", pages=args.ocr_pages)
            s, n, c = timed(scan, 1)
            out["scan (ocr)"] = {"files": 1, "pages": n, "seconds": round(s, 2), "pages_per_s": round(n / s, 3),
                                 "seconds_per_page": round(s / n, 2)}
        else:
            out["scan (ocr)"] = {"skipped": "the ocr extra is not installed: pip install '.[ocr]'"}
    for kind, row in out.items():
        print(f"{kind:18s} " + "  ".join(f"{k} {v}" for k, v in row.items()))
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
