"""The chat page (Gradio): ask, read the cited and highlighted passages, manage the reports."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .errors import AssistantError, BadQuestion
from .library import Library
from .render import CSS, answer_html, chat_text, passages_html
from .search import Filters

MAX_K = 50
EXAMPLES = [
    "深圳高新区在2021年度国家高新区评价中综合排名第几？",
    "累计布局建设了多少家创新载体？",
    "高新区管委会主任由谁担任？",
    "2025年政府工作报告提出的赤字率是多少？",
]


def ask(library: Library, question: str, k: int = 5, reports: list[str] | None = None,
        year_from: int | None = None, year_to: int | None = None):
    """Run one question against the current index; returns its Result. Bad arguments raise BadQuestion
    with a message for the user (the same checks as the command line)."""
    a = library.assistant  # one read: a rebuild swapping the index mid-question cannot affect this one
    return a.ask(question, k=checked_k(k), filters=ui_filters(a, reports, year_from, year_to))


def checked_k(k) -> int:
    try:
        value = int(k)
    except (TypeError, ValueError):
        raise BadQuestion(f"段落数 k 必须是整数（收到 {k!r}）") from None
    if not 1 <= value <= MAX_K:
        raise BadQuestion(f"段落数 k 须在 1 到 {MAX_K} 之间（收到 {value}）")
    return value


def ui_filters(a, reports: list[str] | None, year_from, year_to) -> Filters:
    """Filters from the page's (or the API's) report titles and year boxes; unknown titles are an error."""
    titles = [reports] if isinstance(reports, str) else list(reports or [])
    indexed = {r.title for r in a.index.reports.values()}
    unknown = [t for t in titles if t not in indexed]
    if unknown:
        raise BadQuestion("索引中没有这些报告：" + "、".join(f"《{t}》" for t in unknown) + "；请从筛选列表中选择")
    doc_ids = tuple(d for d, r in a.index.reports.items() if r.title in set(titles))
    years = None
    if year_from or year_to:
        lo, hi = int(year_from or 0), int(year_to or 9999)
        if lo > hi:
            raise BadQuestion(f"年份筛选不可能满足：起始年份 {lo} 晚于截止年份 {hi}")
        years = (lo, hi)
    return Filters(years=years, doc_ids=doc_ids)


def report_rows(library: Library) -> list[list]:
    idx = library.assistant.index
    rows = []
    for d, r in sorted(idx.reports.items(), key=lambda kv: (-(kv[1].year or 0), kv[1].title)):
        rows.append([r.title, r.year, r.region or "", len(idx.doc_rows.get(d, [])), idx.added_at.get(d) or "", d])
    return rows


def report_titles(library: Library) -> list[str]:
    return sorted({r.title for r in library.assistant.index.reports.values()})


def make_app(library: Library):
    import gradio as gr

    def respond(question, history, k, reports, year_from, year_to):
        history = list(history or [])
        if not question or not question.strip():
            return "", history, gr.update(), None
        try:
            result = ask(library, question, k, reports, year_from, year_to)
        except AssistantError as e:
            history += [{"role": "user", "content": chat_text(question)},
                        {"role": "assistant", "content": f"⚠️ {chat_text(str(e))}"}]
            return "", history, "", None
        history += [{"role": "user", "content": chat_text(question)},
                    {"role": "assistant", "content": answer_html(result)}]
        return "", history, passages_html(result), result.to_dict()

    def api_ask(question: str, k: int = 5, reports: list[str] | None = None,
                year_from: int | None = None, year_to: int | None = None) -> dict:
        """Ask a question; returns the same JSON as `assistant ask --json`. A bad argument is an error
        whose message says what to change (gradio_client raises it as AppError)."""
        try:
            return ask(library, question, k, reports, year_from, year_to).to_dict()
        except AssistantError as e:
            raise gr.Error(str(e), print_exception=False) from None

    def refresh():
        titles = report_titles(library)
        return report_rows(library), gr.update(choices=titles), gr.update(choices=_remove_choices())

    def _remove_choices():
        return [(f"{r.title}（{r.source.split('/')[-1]}）", d) for d, r in library.assistant.index.reports.items()]

    def upload(files, progress=gr.Progress()):
        if not files:
            return "请选择要上传的文件。", *refresh()
        uploads = [(f, Path(f).name) for f in files]
        try:
            saved, stats = library.add(uploads, progress=lambda done, total: progress((done, total), desc="嵌入段落"))
        except AssistantError as e:
            return f"⚠️ {e}", *refresh()
        notes = "；".join([*stats.warnings, *stats.notices])
        msg = (f"已添加 {', '.join(p.name for p in saved)}：共 {stats.reports} 份报告、{stats.chunks} 个段落，"
               f"新嵌入 {stats.embedded} 个，复用 {stats.reused} 个，用时 {stats.seconds:.1f} 秒。{notes}")
        return msg, *refresh()

    def remove(doc_id, progress=gr.Progress()):
        if not doc_id:
            return "请选择要删除的报告。", *refresh()
        try:
            title, stats = library.remove(doc_id, progress=lambda d, t: progress((d, t)))
        except AssistantError as e:
            return f"⚠️ {e}", *refresh()
        return f"已删除《{title}》，剩余 {stats.reports} 份报告。", *refresh()

    def run_compare(question, by, progress=gr.Progress()):
        import pandas as pd

        from .compare import compare, to_csv

        table = compare(library.assistant, question, by, progress=lambda d, t: progress((d, t), desc="逐份报告"))
        rows = table["rows"]
        frame = pd.DataFrame([{"key": r["key"], "number": r["number"]} for r in rows if r["number"] is not None])
        shown = [[r["key"], r["value"] or f"（{r['reason']}）", {"target": "目标", "result": "实绩"}.get(r["kind"] or "", ""),
                  r["title"], r["sentence"] or ""] for r in rows]
        path = Path(tempfile.mkdtemp()) / "compare.csv"
        path.write_text(to_csv(table), encoding="utf-8-sig")
        is_year = table["by"] == "year"
        return (gr.update(value=frame if is_year else None, visible=is_year),
                gr.update(value=None if is_year else frame, visible=not is_year), shown, str(path))

    with gr.Blocks(title="报告问答助手") as app:
        gr.Markdown("## 报告问答助手\n用中文提问，答案和出处段落会被高亮标出。")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=5):
                    chat = gr.Chatbot(label="对话", height=460, elem_id="chat")
                    with gr.Row():
                        box = gr.Textbox(placeholder="例如：深圳高新区综合排名第几？", show_label=False, scale=5,
                                         elem_id="question", submit_btn=False)
                        send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                    with gr.Accordion("筛选", open=False):
                        reports = gr.Dropdown(report_titles(library), multiselect=True, label="只在这些报告中查找")
                        with gr.Row():
                            year_from = gr.Number(label="起始年份", precision=0)
                            year_to = gr.Number(label="截止年份", precision=0)
                        k = gr.Slider(1, 10, value=5, step=1, label="段落数")
                with gr.Column(scale=6):
                    cards = gr.HTML('<div class="passages"></div>', label="出处段落", elem_id="passages")
            last = gr.JSON(visible=False)
            inputs = [box, chat, k, reports, year_from, year_to]
            outputs = [box, chat, cards, last]
            box.submit(respond, inputs, outputs, api_visibility="private")
            send.click(respond, inputs, outputs, api_visibility="private")
        with gr.Tab("对比"):
            with gr.Row():
                cq = gr.Textbox(value="历年政府工作报告提出的赤字率是多少？", label="对比问题", scale=5, elem_id="compare-q")
                cby = gr.Radio(["year", "region"], value="year", label="按", scale=1)
                cbtn = gr.Button("对比", variant="primary", scale=1, elem_id="compare-run")
            gr.Examples(["历年政府工作报告提出的赤字率是多少？", "2025年各省份政府工作报告中城镇新增就业目标是多少？"],
                        inputs=cq, label="示例")
            line = gr.LinePlot(x="key", y="number", label="历年", visible=True)
            bars = gr.BarPlot(x="key", y="number", label="各地", visible=False)
            ctable = gr.Dataframe(headers=["key", "value", "kind", "title", "sentence"], interactive=False,
                                  elem_id="compare-table")
            csv_file = gr.File(label="CSV", interactive=False)
            cbtn.click(run_compare, [cq, cby], [line, bars, ctable, csv_file], api_name="compare")
        with gr.Tab("报告"):
            table = gr.Dataframe(report_rows(library), headers=["标题", "年份", "地区", "段落数", "加入时间", "doc_id"],
                                 interactive=False, elem_id="reports")
            files = gr.File(label="上传报告（.txt .md .docx .pdf .html .jsonl .csv）", file_count="multiple",
                            file_types=[".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".jsonl", ".csv"],
                            elem_id="upload")
            add_btn = gr.Button("添加到索引", variant="primary", elem_id="add")
            with gr.Row():
                to_remove = gr.Dropdown(_remove_choices(), label="删除报告", elem_id="remove-choice")
                remove_btn = gr.Button("删除", variant="stop", elem_id="remove")
            status = gr.Markdown(elem_id="status")
            add_btn.click(upload, [files], [status, table, reports, to_remove], api_name="add_reports")
            remove_btn.click(remove, [to_remove], [status, table, reports, to_remove], api_name="remove_report")
        gr.api(api_ask, api_name="ask")
    return app


def serve(library: Library, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
          block: bool = True):
    app = make_app(library)
    library.follow()
    app.queue(default_concurrency_limit=4)
    try:
        app.launch(server_name=host, server_port=port, auth=auth, css=CSS, prevent_thread_lock=not block,
                   footer_links=["api"], quiet=True)
    except OSError as e:  # the port was taken after `assistant serve` checked it
        raise AssistantError(f"cannot listen on {host}:{port}: choose a free port with --port ({e})") from None
    return app
