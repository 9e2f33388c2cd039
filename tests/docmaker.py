"""Real documents made from a shared report, the way analysts receive them: a PDF printed by LibreOffice (with a
running header and a 第 N 页 共 M 页 footer), a PDF printed by Chromium, a scan (pages as images), a saved web
page with a government site's furniture. Used by tests/test_documents.py and benchmarks/documents.py; nothing
made here is committed (the reports stay in ../shared/data)."""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

HEADER = "江苏省人民政府办公厅 · 2025 年政府工作报告（全文）"


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def report_html(title: str, text: str) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(text)[1:])
    return (f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>"
            "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC';font-size:15px;line-height:1.7}"
            "p{text-indent:2em;margin:0 0 .4em}h1{text-align:center;font-size:26px}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>\n{body}</body></html>")


def libreoffice_pdf(title: str, text: str, out: Path, header: str = HEADER) -> Path:
    """A .docx with a running header and a page-number footer, printed to PDF by LibreOffice."""
    docx_path = out.with_suffix(".docx")
    word_document(title, text, header).save(docx_path)
    print_docx(docx_path)
    docx_path.unlink()
    return out


def print_docx(docx_path: Path) -> Path:
    """The .docx printed to a PDF beside it by LibreOffice."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(docx_path.parent), str(docx_path)],
                   check=True, capture_output=True, timeout=300)
    return docx_path.with_suffix(".pdf")


def word_document(title: str, text: str, header: str = HEADER, table: list[list[str]] | None = None):
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.name = "Noto Serif CJK SC"
    document.styles["Normal"].font.size = Pt(12)
    document.add_heading(title, level=0)
    for p in paragraphs(text)[1:]:
        document.add_paragraph(p).paragraph_format.first_line_indent = Pt(24)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        grid.style = "Table Grid"  # ruled, as report tables are printed
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    footer = section.footer.paragraphs[0]
    footer.text = "— 第 "
    footer._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer.add_run(" 页 共 ")
    footer._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="NUMPAGES"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer.add_run(" 页 —")
    return document


def county_report_pdf(out: Path) -> Path:
    """A three-page report printed by LibreOffice whose thirty items repeat word for word (the numbers aside) at
    the same heights on each page; its last sentence, 粮食总产量达到56.8万吨, is on its last page."""
    title = "2027年示例县政府工作报告"
    items = [f"第{i}项工作：示例县坚持问题导向，推进基层治理现代化，办好民生实事，群众满意度持续提升。" for i in range(1, 31)]
    text = "\n".join([title, *items, "示例县全年粮食总产量达到56.8万吨，创历史新高。"])
    docx_path = out.with_suffix(".docx")
    word_document(title, text, header="示例县人民政府").save(docx_path)
    print_docx(docx_path)
    docx_path.unlink()
    return out


def chromium_pdf(title: str, text: str, out: Path) -> Path:
    """The report as a web page printed by Chromium, with its header (date, title) and footer (page numbers)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.set_content(report_html(title, text))
        page.pdf(path=str(out), format="A4", display_header_footer=True,
                 header_template="<div style='font-size:8px;width:100%;text-align:center'><span class=title></span></div>",
                 footer_template="<div style='font-size:8px;width:100%;text-align:center'>"
                                 "<span class=pageNumber></span>/<span class=totalPages></span></div>",
                 margin={"top": "20mm", "bottom": "20mm", "left": "18mm", "right": "18mm"})
        browser.close()
    return out


def scan(pdf: Path, out: Path, pages: int = 3, dpi: int = 150) -> Path:
    """The first `pages` pages of a PDF as images only (no text layer), as a scanner makes them."""
    work = out.parent / (out.stem + "-pages")
    work.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", "1", "-l", str(pages), str(pdf), str(work / "p")],
                   check=True, timeout=300)
    subprocess.run(["img2pdf", *sorted(map(str, work.glob("p*.png"))), "-o", str(out)], check=True, timeout=300)
    shutil.rmtree(work)
    return out


def saved_web_page(title: str, text: str, site: str = "海南省人民政府网") -> str:
    """The report as a provincial government site shows it: welcome bar, menu, breadcrumb, a related-news
    sidebar with its own figures, share buttons, the footer with its ICP number."""
    body = "\n".join(f"<p style='text-indent:2em'>{html.escape(p)}</p>" for p in paragraphs(text)[1:])
    related = "".join(f"<li><a href='/n{i}.html'>{h}</a></li>" for i, h in enumerate([
        "2024年全省地区生产总值增长9.9%　创历史新高", "省政府召开常务会议　研究部署近期重点工作",
        "我省举行2025年重点项目集中开工仪式", "全省旅游市场持续火爆　接待游客同比增长15.6%"]))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}_{site}</title></head>
<body>
<div class="top-bar">欢迎访问{site}！今天是2025年1月27日 星期一　<a href="/">无障碍</a> <a href="/">长者版</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zw">政务公开</a></li><li><a href="/bs">政务服务</a></li>
<li><a href="/hd">互动交流</a></li><li><a href="/zl">走进海南</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zw">政务公开</a> &gt; <a href="/zw/gzbg">政府工作报告</a></div>
<div class="main">
<div class="article">
<h1 class="article-title">{html.escape(title)}</h1>
<div class="info">来源：海南日报　发布时间：2025-01-27 09:12　【字号：大 中 小】【打印】</div>
<div class="TRS_Editor">
{body}
</div>
<div class="share">分享到：微信 微博 QQ空间</div>
</div>
<div class="sidebar"><h3>相关新闻</h3><ul>{related}</ul>
<h3>热点专题</h3><ul><li><a href="/zt1">海南自由贸易港建设</a></li><li><a href="/zt2">优化营商环境</a></li></ul></div>
</div>
<div class="footer"><p>主办：海南省人民政府办公厅　承办：海南省大数据管理局</p>
<p>琼ICP备05000385号-1　琼公网安备 46010802000001号　网站标识码：4600000001</p>
<p><a href="/about">关于我们</a> | <a href="/map">网站地图</a> | <a href="/contact">联系我们</a></p></div>
</body></html>"""
