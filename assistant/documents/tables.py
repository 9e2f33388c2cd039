"""Tables as passages: each row one sentence that names every cell by its column's header, so a figure in a
table is found, read and cited like one in the text (指标：社会消费品零售总额｜2024年：2109.8亿元｜增长：6.1%。)."""

from __future__ import annotations


def row_sentences(rows: list[list[str]]) -> list[tuple[int, str]]:
    """(row index, sentence) for each row with text; the first row is the header when the table has two rows
    or more. Cells merged across columns repeat their text in every column; they are said once."""
    rows = [[" ".join(str(c or "").split()) for c in row] for row in rows]
    rows = [_once(row) for row in rows]
    header = rows[0] if len(rows) > 1 else []
    out = []
    for i, row in enumerate(rows):
        if header and i == 0:
            continue
        named = zip(header, row, strict=False) if len(header) == len(row) else (("", v) for v in row)
        cells = [f"{h}：{v}" if h and h != v else v for h, v in named if v]
        if cells:
            out.append((i, "｜".join(cells) + "。"))
    return out


def _once(row: list[str]) -> list[str]:
    """A merged cell's repeats blanked (python-docx and pdfplumber both give its text in each column it spans)."""
    return [v if i == 0 or v != row[i - 1] else "" for i, v in enumerate(row)]
