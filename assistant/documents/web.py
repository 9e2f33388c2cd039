"""Saved web pages: the article without the site's furniture (menus, breadcrumbs, related-news lists, share
buttons, footers), found by trafilatura; its title from the article heading, not the <title> with the site's
name; tables kept row by row."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .tables import row_sentences

BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title",
          "blockquote", "pre", "dd", "dt"}
_SITE_SUFFIX = re.compile(r"\s*[_|｜—\-–]+\s*[^_|｜—\-–]{2,30}(?:网|网站|政府|门户)\s*$")


def read_web_page(html: str) -> tuple[str, str | None]:
    """(the article's text, one block per line; its title or None)."""
    import trafilatura

    article = trafilatura.extract(html, output_format="html", include_tables=True, include_comments=False,
                                  favor_precision=True, include_links=False)
    text = html_to_text(article) if article else ""
    if len(text) < 0.2 * len(html_to_text(html)):  # not an article page (a list, a bare text file): all of it
        text = html_to_text(html)
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta and meta.title else None
    return text, _SITE_SUFFIX.sub("", title).strip() if title else None


def html_to_text(html: str) -> str:
    """Visible text of HTML, one block element per line, a table row per line (its cells after their headers);
    script and style dropped."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.tables: list[list[list[str]]] = []  # open tables (nested ones too), each a list of rows

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "noscript", "template"):
            self.skip += 1
        elif tag == "table":
            self.tables.append([])
        elif self.tables and tag == "tr":
            self.tables[-1].append([])
        elif self.tables and tag in ("td", "th"):
            if not self.tables[-1]:
                self.tables[-1].append([])
            self.tables[-1][-1].append("")
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "noscript", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag == "table" and self.tables:
            rows = [r for r in self.tables.pop() if any(c.strip() for c in r)]
            self.parts.append("\n" + "\n".join(s for _, s in row_sentences(rows)) + "\n")
        elif tag in BLOCKS and not self.tables:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        if self.tables:
            rows = self.tables[-1]
            if rows and rows[-1]:
                rows[-1][-1] += data
        else:
            self.parts.append(data)
