"""HTML for people: highlighted passages and answers. Every piece of report text is escaped here."""

from __future__ import annotations

import base64
import html

from .types import Highlight, Passage, Report, Result, parenthesised

KIND_ORDER = ("support", "evidence", "item", "answer", "term")  # outer to inner when highlights nest

CSS = """
.passages { display: flex; flex-direction: column; gap: 10px; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; background: #fff; color: #1f2328; }
.card.low { border-style: dashed; opacity: 0.85; }
.card .head { font-size: 0.9em; color: #57606a; margin-bottom: 6px; }
.card .head b { color: #1f2328; }
.card .text { line-height: 1.8; white-space: pre-wrap; }
.card details { margin-top: 6px; font-size: 0.92em; color: #57606a; }
.card .context { white-space: pre-wrap; line-height: 1.7; }
.card .page { margin-left: 6px; padding: 0 5px; border-radius: 4px; background: #eaeef2; color: #1f2328; }
.card .page-image img { display: block; max-width: 100%; margin-top: 6px; border: 1px solid #d0d7de; }
mark.answer { background: #ffd33d; color: #000; font-weight: 700; padding: 0 2px; border-radius: 3px; }
mark.evidence { background: #dafbe1; color: inherit; }
mark.item { background: #fff1b8; color: inherit; border-radius: 3px; }
mark.support { background: #ddf4ff; color: inherit; }
.claims { margin: 0 0 4px 0; padding: 0; list-style: none; }
.claim.ok::before { content: "✓ "; color: #1a7f37; font-weight: 700; }
.claim.dropped { color: #8c959f; }
.claim.dropped s { text-decoration-color: #cf222e; }
.generating, .llm-note { color: #57606a; font-size: 0.85em; }
.extract { margin-top: 4px; font-size: 0.92em; }
.items-block { margin-top: 8px; padding-top: 6px; border-top: 1px dashed #d0d7de; line-height: 1.8; }
.understood { color: #57606a; font-size: 0.85em; }
ol.items { margin: 4px 0 4px 1.4em; padding: 0; }
mark.term { background: transparent; color: inherit; border-bottom: 2px solid #54aeff; }
.refusal { color: #9a6700; font-weight: 600; }
.card.flash { animation: flash 1.6s ease-out; }
@keyframes flash { 0% { box-shadow: 0 0 0 4px #ffd33d; background: #fff8c5; } 100% { box-shadow: none; background: #fff; } }
a.cite { text-decoration: none; font-weight: 600; cursor: pointer; }
.cites { color: #57606a; font-size: 0.85em; line-height: 1.5; }
.warn { color: #9a6700; font-size: 0.9em; }
.hidden-download { display: none !important; }
#reports, #compare-table { overflow-x: auto; }
#reports table, #compare-table table { min-width: 640px; }
"""

# [n] in the chat scrolls to its card and flashes it (the chat's links are plain anchors; this adds the flash)
HEAD = r"""<script>
document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a.cite");
  if (!a) return;
  e.preventDefault();
  e.stopPropagation();
  const card = document.getElementById((a.getAttribute("href") || "").slice(1));  // the chat drops data-*
  if (!card) return;
  card.scrollIntoView({behavior: "smooth", block: "center"});
  card.classList.remove("flash");
  void card.offsetWidth;
  card.classList.add("flash");
}, true);
// Gradio's tooltips and screen-reader labels are English in every locale: said in Chinese
const ZH_LABELS = {"Copy table data": "复制表格", "Fullscreen": "全屏", "Exit fullscreen": "退出全屏",
  "Click to upload or drop files": "点击上传或拖入文件", "Table actions": "表格操作", "Dataframe": "表格",
  "Gradio footer navigation": "页脚", "Copy message": "复制消息", "Copy": "复制", "Like": "有用", "Dislike": "没用",
  "Clear": "清除", "Download": "下载", "Remove": "移除", "Copied!": "已复制", "common.upload": "上传",
  "File upload": "上传文件"};
function zhLabels(root) {
  for (const el of root.querySelectorAll ? root.querySelectorAll("[title], [aria-label]") : []) {
    for (const a of ["title", "aria-label"]) {
      const v = el.getAttribute(a);
      if (v && ZH_LABELS[v]) el.setAttribute(a, ZH_LABELS[v]);
    }
  }
}
// ...and so are a few of its status lines (upload, queue)
const ZH_TEXT = [[/^\s*Uploading\s+(\d+)\s+files?\.*\s*$/, "正在上传 $1 个文件…"],
  [/^\s*In queue:?\s*(\d+)\s+of\s+(\d+)\s*$/, "排队中：第 $1 个，共 $2 个"], [/^(\s*)processing(\s*\|?\s*)$/, "$1处理中$2"]];
function zhText(root) {
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const t = walk.currentNode, v = t.textContent;
    for (const [re, zh] of ZH_TEXT) if (re.test(v)) t.textContent = v.replace(re, zh);
  }
}
new MutationObserver((ms) => ms.forEach((m) => {
  const root = m.type === "characterData" ? m.target.parentNode : (m.target.parentNode || m.target);
  if (root) { zhLabels(root); zhText(root); }
})).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true,
                                       attributeFilter: ["title", "aria-label"]});
</script>"""


def highlight_html(text: str, highlights: list[Highlight]) -> str:
    """Escape `text` and wrap highlighted ranges in <mark class=kind>, properly nested (evidence >
    answer > term), so the answer span stays one element even when question terms fall inside it."""
    bounds = sorted({0, len(text), *(h.start for h in highlights), *(h.end for h in highlights)})
    out: list[str] = []
    stack: list[str] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        present = {h.kind for h in highlights if h.start <= a and b <= h.end}
        wanted = [k for k in KIND_ORDER if k in present]
        keep = 0
        while keep < min(len(stack), len(wanted)) and stack[keep] == wanted[keep]:
            keep += 1
        out.extend("</mark>" for _ in stack[keep:])
        out.extend(f'<mark class="{k}">' for k in wanted[keep:])
        stack = wanted
        out.append(html.escape(text[a:b]))
    out.extend("</mark>" for _ in stack)
    return "".join(out)


def neighbours(report: Report, start: int, end: int, chars: int = 300) -> tuple[str, str]:
    """The paragraphs around report.text[start:end], cut at line breaks where possible."""
    text = report.text
    before = text[max(0, start - chars) : start]
    if start - chars > 0 and "\n" in before:
        before = before[before.index("\n") + 1 :]
    after = text[end : end + chars]
    if end + chars < len(text) and "\n" in after:
        after = after[: after.rindex("\n")]
    return before.strip(), after.strip()


def items_block(p: Passage, items: list) -> str:
    """The items of a list answer that lie outside the passage's text, each highlighted in its line of the
    report (headings of the section's subsections, say), with its character offsets."""
    outside = [i for i in items if i.start >= p.chunk.end or i.end <= p.chunk.start]
    if not outside:
        return ""
    lines = "".join(f'<div><mark class="item">{html.escape(i.text)}</mark> <small>（字符 {i.start}–{i.end}）</small></div>'
                    for i in outside)
    return f'<div class="items-block"><div class="head">本节所列各项</div>{lines}</div>'


def passage_card(p: Passage, items: list | None = None, answer=None) -> str:
    r, c = p.report, p.chunk
    meta = [f"<b>[{p.rank}] {html.escape(r.shown_title)}</b>"]
    if r.year:
        meta.append(str(r.year))
    if c.section:
        meta.append(html.escape(c.section))
    if r.pages:
        meta.append(f'<span class="page">{r.page_label(c.start, c.end)}</span>')
    meta.append(f"score {c.score:.3f}")
    if p.low_confidence:
        meta.append("低置信度")
    before, after = neighbours(r, c.start, c.end)
    context = ""
    if before or after:
        context = (
            "<details><summary>上下文</summary><div class=\"context\">"
            f"{html.escape(before)}\n<b>……</b>\n{html.escape(after)}</div></details>"
        )
    cls = "card low" if p.low_confidence else "card"
    return (
        f'<div class="{cls}" id="passage-{p.rank}" data-rank="{p.rank}" data-chunk="{html.escape(c.id)}">'
        f'<div class="head">{" · ".join(meta)}</div>'
        f'<div class="text">{highlight_html(c.text, p.highlights)}</div>{items_block(p, items or [])}{context}'
        f'{page_image(p, answer)}</div>'
    )


def page_image(p: Passage, answer=None) -> str:
    """The printed page of the cited passage, the answer (or the passage) boxed on it: a PDF's card only."""
    if not p.report.pages or answer is None:
        return ""
    from .documents.pages import page_picture

    picture = page_picture(p.report, answer.start, answer.end)
    if picture is None:
        return ""
    page, jpeg = picture
    data = base64.b64encode(jpeg).decode("ascii")
    return (f'<details class="page-image"><summary>查看原文第 {page} 页（答案已框出）</summary>'
            f'<img alt="第 {page} 页" src="data:image/jpeg;base64,{data}"></details>')


def passages_html(result: Result) -> str:
    if not result.passages:
        return '<div class="passages"><p>没有找到相关段落。</p></div>'
    cited = result.cited_passage
    items = result.answer.items if result.answer else []
    return '<div class="passages">' + "".join(
        passage_card(p, items if p is cited else None, result.answer if p is cited else None)
        for p in result.passages) + "</div>"


# the chat renders Markdown (and $…$ LaTeX): report text must not become links, emphasis or lists there
_CHAT_ESCAPES = {ord(c): f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$:^="} | {
    ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;"}


def chat_text(text: str) -> str:
    """Text shown in the chat exactly as written: HTML and Markdown syntax turned into character references."""
    return text.translate(_CHAT_ESCAPES)


def cite(rank: int) -> str:
    return f'<a class="cite" href="#passage-{rank}">[{rank}]</a>'


def short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def citation_line(p: Passage) -> str:
    """[n] short title · year · last section heading: one compact line, so the answer stays in view."""
    parts = [chat_text(short(p.report.shown_title, 18))]
    if p.report.year:
        parts.append(str(p.report.year))
    if p.chunk.section:
        parts.append(chat_text(short(p.chunk.section.split(" > ")[-1], 18)))
    if p.report.pages:
        parts.append(p.report.page_label(p.chunk.start, p.chunk.end))
    return f"{cite(p.rank)} {' · '.join(parts)}"


def bold_span(a) -> str:
    """The answer sentence with its span in bold, every piece escaped for the chat."""
    span_start, span_end = a.start - a.sentence_start, a.end - a.sentence_start  # offsets within the sentence
    return (chat_text(a.sentence[:span_start]) + f"<b>{chat_text(a.sentence[span_start:span_end])}</b>"
            + chat_text(a.sentence[span_end:]))


def part_html(part: Result, passages: list[Passage]) -> str:
    """One region's line of a several-region answer: 浙江：根据《…》：…<b>5.5%左右</b>…[1]."""
    if part.abstained or part.answer is None:
        why = part.scope_missing or "已索引的报告中没有找到能回答的内容"
        return f'{chat_text(part.question)}：<span class="refusal">{chat_text(why)}</span>'
    p = next(p for p in passages if p.chunk.id == part.answer.chunk_id)
    return f"{chat_text(part.question)}：根据《{chat_text(p.report.shown_title)}》：{bold_span(part.answer)}{cite(p.rank)}"


def understood_line(result: Result) -> str:
    """按「…」理解: shown whenever the question answered is not the one typed (a follow-up, 沪 -> 上海)."""
    if not result.understood_as or result.understood_as == result.question:
        return ""
    return f'<div class="understood">按「{chat_text(result.understood_as)}」理解</div>'


def answer_html(result: Result) -> str:
    """The chat reply: the answer sentence with the span in bold (or the numbered items of a list answer),
    [n] linking to its card, compact citations, and how the question was understood."""
    warnings = "".join(f'<br><span class="warn">⚠️ {chat_text(w)}</span>' for w in result.warnings)
    understood = understood_line(result)
    if result.abstained or result.cited_passage is None:
        refusal = result.scope_missing or "已索引的报告中没有找到能回答这个问题的内容"
        lines = [f'<span class="refusal">{chat_text(refusal)}。</span>']
        if result.passages:
            lines.append("最接近的段落（低置信度）列在出处段落中。")
        return "<br>".join(lines) + warnings + understood
    if result.parts:
        lines = "".join(f"<li>{part_html(part, result.passages)}</li>" for part in result.parts)
        return f'<ol class="items">{lines}</ol>{warnings}{understood}' \
               f'<div class="cites">{"<br>".join(citation_line(p) for p in result.passages)}</div>'
    a, top = result.answer, result.cited_passage
    where = f"《{chat_text(top.report.shown_title)}》" + parenthesised(
        chat_text(short(a.section.split(" > ")[-1], 30)) if a.section else "",
        top.report.page_label(a.sentence_start, a.sentence_end))
    cites = "<br>".join(citation_line(p) for p in result.passages)
    if a.items:
        items = "".join(f"<li>{chat_text(i.text)}{cite(result.item_passage(i).rank)}</li>" for i in a.items)
        return f'根据{where}，共 {len(a.items)} 项：<ol class="items">{items}</ol>{warnings}{understood}' \
               f'<div class="cites">{cites}</div>'
    sentence = bold_span(a)
    verdict = f"<b>{a.verdict}</b>。" if a.verdict else ""
    extract = f'{verdict}根据{where}：{sentence}{cite(top.rank)}'
    g = result.generated
    if g is not None and g.used:
        extract = f'{generated_html(g)}<div class="extract">原文：{extract}</div>'
    elif g is not None:
        warnings += f'<br><span class="warn">未采用大模型的回答：{chat_text(g.fallback or "")}</span>'
    return f'{extract}{warnings}{understood}<div class="cites">{cites}</div>'


def generated_html(g) -> str:
    """The LLM's sentences: the verified ones with their [n], the dropped ones struck through with the reason."""
    rows = []
    for c in g.claims:
        cites = "".join(cite(n) for n in c.cites)
        if c.verified:
            rows.append(f'<li class="claim ok">{chat_text(c.text)}{cites}</li>')
        else:
            rows.append(f'<li class="claim dropped"><s>{chat_text(c.text)}</s>{cites} '
                        f'（未能在引用段落中核实，已略去：{chat_text(c.reason)}）</li>')
    note = f"由大模型 {chat_text(g.model)} 生成，✓ 的每句已与所引段落核对（数字、名称在段落中）"
    return f'<ul class="claims">{"".join(rows)}</ul><div class="llm-note">{note}</div>'
