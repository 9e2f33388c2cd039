"""Word (.docx) files: paragraphs and tables in document order (python-docx)."""

from __future__ import annotations

from pathlib import Path

from .pdf import Unreadable
from .tables import row_sentences


def read_docx(path: Path) -> str:
    import docx  # python-docx

    try:
        document = docx.Document(str(path))
    except Exception as e:  # a corrupt zip or not a docx at all
        raise Unreadable(f"not a readable .docx ({e.__class__.__name__})") from None
    return "\n".join(docx_blocks(document))


def docx_blocks(document) -> list[str]:
    """Paragraphs and tables in document order, a table row as one sentence (tables.row_sentences)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            rows = [[c.text.strip() for c in row.cells] for row in Table(child, document).rows]
            lines += [s for _, s in row_sentences(rows)]
    return lines
