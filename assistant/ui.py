"""The chat page (Gradio): ask, read the cited and highlighted passages, manage the reports, compare."""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from pathlib import Path

from .compare import CELL_HEADERS
from .conversation import KEEP_TURNS
from .edge import ChinesePage, EdgeGuard, checked_ask_args, checked_year
from .errors import AssistantError, BadQuestion
from .library import Library
from .render import CSS, HEAD, answer_html, chat_text, passages_html
from .search import Filters

log = logging.getLogger(__name__)

EXAMPLES = [
    "深圳高新区在2021年度国家高新区评价中综合排名第几？",
    "累计布局建设了多少家创新载体？",
    "高新区管委会主任由谁担任？",
    "2025年政府工作报告提出的赤字率是多少？",
]
BY_CHOICES = [("按问题自动选择", "auto"), ("按年份", "year"), ("按地区", "region")]
REPORT_HEADERS = ["标题", "年份", "地区", "段落数", "加入时间", "文件"]
EMPTY_CHAT = {"history": [], "turns": [], "passages": ""}


def ask(library: Library, question: str, k: int = 5, reports: list[str] | None = None,
        year_from: int | None = None, year_to: int | None = None, history: list[str] | None = None):
    """Run one question against the current index; returns its Result. `history` holds the chat's earlier
    questions (oldest first) for follow-ups; only the last few are read. Bad arguments raise BadQuestion with a
    message for the user (edge.py: the same checks the server's guard applies before any work)."""
    a = library.assistant  # one read: a rebuild swapping the index mid-question cannot affect this one
    question, k, reports, year_from, year_to, history = checked_ask_args([question, k, reports, year_from, year_to,
                                                                          history])
    return a.ask(question, k=k, filters=ui_filters(a, reports, year_from, year_to), history=history)


def ui_filters(a, reports: list[str] | None, year_from, year_to) -> Filters:
    """Filters from the page's (or the API's) report titles and year boxes; unknown titles are an error."""
    titles = [reports] if isinstance(reports, str) else list(reports or [])
    indexed = {r.title for r in a.index.reports.values()}
    unknown = [t for t in titles if t not in indexed]
    if unknown:
        raise BadQuestion("索引中没有这些报告：" + "、".join(f"《{t}》" for t in unknown) + "；请从筛选列表中选择")
    doc_ids = tuple(d for d, r in a.index.reports.items() if r.title in set(titles))
    years = None
    year_from, year_to = checked_year(year_from, "起始年份"), checked_year(year_to, "截止年份")
    if year_from or year_to:
        lo, hi = year_from or 0, year_to or 9999
        if lo > hi:
            raise BadQuestion(f"年份筛选不可能满足：起始年份 {lo} 晚于截止年份 {hi}")
        years = (lo, hi)
    return Filters(years=years, doc_ids=doc_ids)


def report_rows(library: Library) -> list[list]:
    idx = library.assistant.index
    return [[r.title, r.year or "", r.region or "", len(idx.doc_rows.get(d, [])), idx.added_at.get(d) or "",
             Path(r.source).name]
            for d, r in sorted(idx.reports.items(), key=lambda kv: (-(kv[1].year or 0), kv[1].title))]


def report_titles(library: Library) -> list[str]:
    return sorted({r.title for r in library.assistant.index.reports.values()})


def remove_choices(library: Library) -> list[tuple[str, str]]:
    reports = library.assistant.index.reports.values()
    return [(f"{r.title}（{Path(r.source).name}）", r.doc_id) for r in sorted(reports, key=lambda r: r.title)]


def turn_record(question: str, result=None, error: str | None = None) -> dict:
    """What the page keeps of one turn: for the Markdown export and for 👍/👎 feedback."""
    if result is None:
        return {"question": question, "error": error}
    a, cited = result.answer, result.cited_passage
    return {
        "question": question, "understood_as": result.understood_as or question,
        "abstained": result.abstained, "span": a.span if a else None,
        "items": [i.text for i in a.items] if a else [],
        "sentence": a.sentence if a else None, "title": cited.report.shown_title if cited else None,
        "rank": cited.rank if cited else None,
        "generated": result.generated.to_dict() if result.generated else None,
        "passages": [{"rank": p.rank, "title": p.report.shown_title, "year": p.report.year, "section": p.chunk.section,
                      "chunk_id": p.chunk.id, "start": p.chunk.start, "end": p.chunk.end} for p in result.passages],
    }


def conversation_markdown(turns: list[dict]) -> str:
    """The conversation as Markdown, each answer with its numbered citations."""
    lines = ["# 报告问答记录", ""]
    for t in turns:
        lines += [f"**问：** {t['question']}", ""]
        if t.get("understood_as") and t["understood_as"] != t["question"]:
            lines += [f"（按「{t['understood_as']}」理解）", ""]
        if t.get("error"):
            lines += [f"**答：** ⚠️ {t['error']}", ""]
        elif t.get("abstained") or not t.get("sentence"):
            lines += ["**答：** 已索引的报告中没有找到能回答这个问题的内容。", ""]
        elif t.get("items"):
            lines += ["**答：**", "", *[f"{n}. {item} [{t['rank']}]" for n, item in enumerate(t["items"], 1)], ""]
        else:
            lines += [f"**答：** {t['span'] or t['sentence']}", "", f"> {t['sentence']} [{t['rank']}]", ""]
        lines += generated_markdown(t.get("generated"))
        for p in t.get("passages", []):
            where = " · ".join(str(x) for x in (p["year"], p["section"]) if x)
            lines.append(f"[{p['rank']}] 《{p['title']}》 {where}（字符 {p['start']}–{p['end']}）")
        lines.append("")
    return "\n".join(lines)


def generated_markdown(g: dict | None) -> list[str]:
    """An LLM's answer in the export: the verified sentences with their [n], the dropped ones and why."""
    if not g:
        return []
    if not g["used"]:
        return [f"（未采用大模型的回答：{g['fallback']}）", ""]
    lines = [f"**大模型（{g['model']}）的回答，逐句核对：**", ""]
    for c in g["claims"]:
        cites = "".join(f"[{n}]" for n in c["cites"])
        lines.append(f"- ✓ {c['text']}{cites}" if c["verified"] else f"- ✗ ~~{c['text']}~~（{c['reason']}，已略去）")
    return [*lines, ""]


_feedback_lock = threading.Lock()


def save_feedback(library: Library, turn: dict, liked: bool) -> Path:
    """Append a 👍/👎 with the question, answer and cited passages to feedback.jsonl in the index directory.
    `assistant eval` reads the file: a 👍 line is a question whose answer is the span it got."""
    path = library.index_dir / "feedback.jsonl"
    # a follow-up (那四川呢？) is saved as the question it was understood as, so the line stands alone
    line = {"id": f"fb-{time.strftime('%Y%m%d-%H%M%S')}", "question": turn.get("understood_as") or turn["question"],
            "liked": liked,
            "answers": [turn["span"] or turn["sentence"]] if liked and turn.get("sentence") else [],
            "doc": [turn["title"]] if liked and turn.get("title") else [],
            "answer": turn.get("sentence"), "passages": turn.get("passages", []),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with _feedback_lock, open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


def browser_secret(library: Library) -> str:
    """The key the page's stored conversation is encrypted with, kept in the index directory: Gradio's
    default is new at every start, which would make a restarted server forget every conversation."""
    import secrets

    path = library.index_dir / "browser-state.key"
    try:
        return path.read_text(encoding="utf-8").strip() or _new_secret(path, secrets.token_hex(32))
    except FileNotFoundError:
        return _new_secret(path, secrets.token_hex(32))


def _new_secret(path: Path, value: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


def compare_default(library: Library) -> str:
    """A comparison the index can answer: across years when it holds one issuer's series, else across regions."""
    reports = list(library.assistant.index.reports.values())
    national = {r.year for r in reports if r.region == "全国" and r.year}
    if len(national) >= 2:
        return "历年政府工作报告提出的赤字率是多少？"
    by_year: dict[int, set] = {}
    for r in reports:
        if r.year and r.region and r.region != "全国":
            by_year.setdefault(r.year, set()).add(r.region)
    if by_year:
        year = max(by_year, key=lambda y: (len(by_year[y]), y))
        return f"{year}年各省份政府工作报告中地区生产总值增长目标是多少？"
    return "历年政府工作报告提出的赤字率是多少？"


def make_app(library: Library, llm=None):
    """The page; `llm` (an llm.LLMClient) adds the switch 由大模型组织回答, off without one."""
    import gradio as gr

    def respond(question, state, k, reports, year_from, year_to, use_llm=False):
        state = dict(state or EMPTY_CHAT)
        history, turns = list(state["history"]), list(state["turns"])
        if not question or not question.strip():
            yield "", history, gr.update(), None, state
            return
        try:
            # the turns as understood stand alone, so the last few carry the whole chat's context
            earlier = [t.get("understood_as") or t["question"] for t in turns if not t.get("error")][-KEEP_TURNS:]
            result = ask(library, question, k, reports, year_from, year_to, history=earlier)
        except AssistantError as e:
            history += [{"role": "user", "content": chat_text(question)},
                        {"role": "assistant", "content": f"⚠️ {chat_text(str(e))}"}]
            turns.append(turn_record(question, error=str(e)))
            state = {"history": history, "turns": turns, "passages": ""}
            yield "", history, "", None, state
            return
        history.append({"role": "user", "content": chat_text(question)})
        if llm is not None and use_llm:
            streaming_cards = passages_html(result)
            for partial in generated_stream(result, llm):  # the reply as it streams, then the checked answer
                yield "", [*history, {"role": "assistant", "content": partial}], streaming_cards, None, gr.skip()
        history.append({"role": "assistant", "content": answer_html(result)})
        turns.append(turn_record(question, result))
        cards = passages_html(result)
        yield "", history, cards, result.to_dict(), {"history": history, "turns": turns, "passages": cards}

    def api_ask(question: str, k: int = 5, reports: list[str] | None = None,
                year_from: int | None = None, year_to: int | None = None, history: list[str] | None = None,
                use_llm: bool = False) -> dict:
        """Ask a question; returns the same JSON as `assistant ask --json`. `history`: the chat's earlier
        questions, oldest first, so a follow-up (那四川呢？) is understood (see understood_as). `use_llm`: the
        server's LLM (serve --llm) writes the answer, each sentence checked (see generated). A bad argument
        is an error whose message says what to change (gradio_client raises it as AppError)."""
        try:
            result = ask(library, question, k, reports, year_from, year_to, history)
        except AssistantError as e:
            raise gr.Error(str(e), title="出错了", print_exception=False) from None
        if use_llm and llm is not None:
            from .llm import generate

            result = generate(result, llm)
        return result.to_dict()

    def restore(state):
        state = state or EMPTY_CHAT
        return state["history"], state["passages"] or '<div class="passages"></div>'

    def clear():
        return [], '<div class="passages"></div>', None, dict(EMPTY_CHAT)

    def export(state):
        turns = (state or EMPTY_CHAT)["turns"]
        if not turns:
            raise gr.Error("还没有对话可以导出", title="出错了", print_exception=False)
        path = Path(tempfile.mkdtemp()) / f"报告问答-{time.strftime('%Y%m%d-%H%M')}.md"
        path.write_text(conversation_markdown(turns), encoding="utf-8")
        return str(path)

    def on_like(data, state):
        turns = (state or EMPTY_CHAT)["turns"]
        turn = turns[data.index // 2] if isinstance(data.index, int) and data.index // 2 < len(turns) else None
        if turn is None or turn.get("error"):
            return
        save_feedback(library, turn, bool(data.liked))  # the thumb itself turns solid: no toast needed

    on_like.__annotations__["data"] = gr.LikeData  # how Gradio knows to pass the like event (see PEP 563)

    def lists(status: str = ""):
        """The report table, the filter choices and the remove list, read from the index now."""
        return (status, report_rows(library), gr.update(choices=report_titles(library)),
                gr.update(choices=remove_choices(library), value=None), gr.update(visible=False))

    def upload(files, progress=gr.Progress()):
        if not files:
            return *lists("请先选择要上传的文件。"), gr.update()
        uploads = [(f, Path(f).name) for f in files]
        try:
            out = library.add(uploads, progress=lambda done, total: progress((done, total), desc="嵌入段落", unit="段"))
        except AssistantError as e:
            return *lists(f"⚠️ {e}"), None
        lines = []
        if out.added:
            s = out.stats
            lines.append(f"已添加 {'、'.join(f'《{t}》' for t in out.added)}：索引共 {s.reports} 份报告、{s.chunks} 个段落，"
                         f"新嵌入 {s.embedded} 个，用时 {s.seconds:.1f} 秒。")
            lines += [f"⚠️ {n}" for n in s.notices]
        lines += [f"⚠️ {m}" for m in out.messages]
        return *lists("\n\n".join(lines)), None

    def ask_remove(doc_id):
        report = library.assistant.index.reports.get(doc_id or "")
        if report is None:
            return "请先在列表中选择要删除的报告。", gr.update(visible=False)
        return (f"确认删除《{report.title}》？它的文件将移到报告文件夹的 .trash/ 中，可以恢复。",
                gr.update(visible=True))

    def remove(doc_id, progress=gr.Progress()):
        if not doc_id:
            return lists("请先在列表中选择要删除的报告。")
        try:
            report, moved = library.remove(doc_id, progress=lambda d, t: progress((d, t), desc="重建索引", unit="段"))
        except AssistantError as e:
            return lists(f"⚠️ 删除失败：{e}")
        where = f"文件已移到 {moved}" if moved else f"不再读取 {report.source}"
        return lists(f"已删除《{report.title}》（{where}），索引中还有 {len(library.assistant.index.reports)} 份报告。")

    def run_compare(question, by, progress=gr.Progress()):
        from .compare import compare, figure, to_csv

        try:
            table = compare(library.assistant, question, None if by == "auto" else by,
                            progress=lambda d, t: progress((d, t), desc="逐份报告", unit="份"))
        except AssistantError as e:
            raise gr.Error(str(e), title="出错了", print_exception=False) from None
        if not table.rows:
            raise gr.Error("索引中没有可对比的报告：“历年”需要同一发布者多个年份的报告，“各省”需要同一年多个地区的报告。",
                           title="出错了", print_exception=False)
        shown = [r.cells() for r in table.rows]
        path = Path(tempfile.mkdtemp()) / "对比.csv"
        path.write_text(to_csv(table), encoding="utf-8-sig")
        return figure(table), shown, str(path)

    with gr.Blocks(title="报告问答助手") as app:
        saved = gr.BrowserState(dict(EMPTY_CHAT), storage_key="report-assistant-chat", secret=browser_secret(library))
        gr.Markdown("## 报告问答助手\n用中文提问，答案和出处段落会被高亮标出；点 [n] 跳到对应段落。")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=5, min_width=320):
                    # no floating label: on a phone it covered the first line, on a desktop the last question
                    chat = gr.Chatbot(label="对话", show_label=False, height=460, elem_id="chat", buttons=["copy"],
                                      feedback_options=("Like", "Dislike"))
                    with gr.Row():
                        box = gr.Textbox(placeholder="例如：高新区排名第几？", label="问题", show_label=False, scale=5,
                                         elem_id="question", submit_btn=False)
                        send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="send")
                with gr.Column(scale=6, min_width=320):
                    cards = gr.HTML('<div class="passages"></div>', label="出处段落", elem_id="passages")
            gr.Examples(EXAMPLES, inputs=box, label="示例问题")
            with gr.Row():
                new_btn = gr.Button("新对话（不再承接上文）", elem_id="new-chat", size="sm")
                export_btn = gr.Button("导出对话（Markdown）", elem_id="export", size="sm")
            export_file = gr.DownloadButton(elem_id="export-file", elem_classes=["hidden-download"])
            with gr.Accordion("筛选", open=False):
                # every list of the library starts empty and is filled when the page loads (app.load(lists)):
                # what the page's config and API description carry must not name a report before login
                reports = gr.Dropdown([], multiselect=True, label="只在这些报告中查找", allow_custom_value=True)
                with gr.Row():
                    year_from = gr.Textbox(label="起始年份", placeholder="例如 2021", elem_id="year-from")
                    year_to = gr.Textbox(label="截止年份", placeholder="例如 2025", elem_id="year-to")
                k = gr.Slider(1, 10, value=5, step=1, label="段落数")
            # the switch exists only with an LLM server (serve --llm): without one the page is as before
            use_llm = gr.Checkbox(True, label=f"由大模型（{llm.model if llm else ''}）组织回答，逐句与引用段落核对",
                                  elem_id="use-llm", visible=llm is not None)
            last = gr.JSON(visible=False)
            inputs = [box, saved, k, reports, year_from, year_to, use_llm]
            outputs = [box, chat, cards, last, saved]
            box.submit(respond, inputs, outputs, api_visibility="private")
            send.click(respond, inputs, outputs, api_visibility="private")
            chat.clear(clear, None, [chat, cards, last, saved], api_visibility="private")
            new_btn.click(clear, None, [chat, cards, last, saved], api_visibility="private")
            export_btn.click(export, saved, export_file, api_visibility="private").then(
                None, None, None, js="() => document.querySelector('#export-file').click()")  # Gradio #9230
            chat.like(on_like, saved, None, api_visibility="private")
        with gr.Tab("对比"):
            with gr.Row():
                cq = gr.Textbox(value=compare_default(library), label="对比问题", scale=5, elem_id="compare-q")
                cby = gr.Radio(BY_CHOICES, value="auto", label="对比方式", scale=2, elem_id="compare-by")
                cbtn = gr.Button("对比", variant="primary", scale=1, elem_id="compare-run")
            gr.Examples(["历年政府工作报告提出的赤字率是多少？", "2025年各省份政府工作报告中城镇新增就业目标是多少？"],
                        inputs=cq, label="示例")
            chart = gr.Plot(label="图表", elem_id="compare-chart")
            ctable = gr.Dataframe(headers=CELL_HEADERS, interactive=False, elem_id="compare-table", wrap=True)
            csv_file = gr.File(label="导出 CSV", interactive=False)
            cbtn.click(run_compare, [cq, cby], [chart, ctable, csv_file], api_name="compare")
        with gr.Tab("报告"):
            table = gr.Dataframe(None, headers=REPORT_HEADERS, interactive=False, elem_id="reports")
            files = gr.File(label="上传报告（.txt .md .docx .pdf .html .jsonl .csv，单个不超过 50 MB）",
                            file_count="multiple",
                            file_types=[".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".jsonl", ".csv"],
                            elem_id="upload")
            add_btn = gr.Button("添加到索引", variant="primary", elem_id="add")
            with gr.Row():
                to_remove = gr.Dropdown([], value=None, label="删除报告", elem_id="remove-choice", allow_custom_value=True)
                remove_btn = gr.Button("删除…", variant="stop", elem_id="remove")
            with gr.Group(visible=False, elem_id="confirm") as confirm:
                with gr.Row():
                    confirm_btn = gr.Button("确认删除", variant="stop", elem_id="confirm-remove")
                    cancel_btn = gr.Button("取消", elem_id="cancel-remove")
            status = gr.Markdown(elem_id="status")
            listed = [status, table, reports, to_remove, confirm]
            add_btn.click(upload, [files], [*listed, files], api_name="add_reports")
            remove_btn.click(ask_remove, [to_remove], [status, confirm], api_visibility="private")
            cancel_btn.click(lambda: ("已取消。", gr.update(visible=False)), None, [status, confirm],
                             api_visibility="private")
            confirm_btn.click(remove, [to_remove], listed, api_name="remove_report")
        app.load(restore, saved, [chat, cards], api_visibility="private")
        app.load(lists, None, listed, api_visibility="private")
        gr.api(api_ask, api_name="ask", queue=False)  # one HTTP request per question: no queue round trips
    return app


def generated_stream(result, llm):
    """The chat's reply while the LLM writes (streamed where the server streams); once it ends, `result` has the
    checked answer attached. A refused question is not sent to the LLM."""
    from .llm import generate_streaming

    for reply in generate_streaming(result, llm):
        yield f'<span class="generating">大模型生成中（尚未核对）：</span>{chat_text(reply)}'


def warm_up(library: Library) -> None:
    """Ask one question in this process before anyone else does: the first question pays for the model's
    first call (and jieba's dictionary), not the first user. In process, so it works with --auth too."""
    t0 = time.perf_counter()
    try:
        library.assistant.ask(EXAMPLES[1], k=1)
    except AssistantError as e:
        log.info("warm-up question failed: %s", e)
    log.info("warmed up in %.2f s", time.perf_counter() - t0)


def wait_until_answering(url: str, timeout: float = 60.0) -> None:
    """Return once the server answers HTTP at `url` (any status: with --auth the page is a login page)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read(0)
            return
        except urllib.error.HTTPError:
            return  # 401 / 403: answering, behind a login
        except OSError as e:
            if time.monotonic() > deadline:
                raise AssistantError(f"the server at {url} did not answer within {timeout:.0f} s ({e})") from None
            time.sleep(0.1)


def _announcements():
    """Gradio's screen-reader announcements (common.complete, common.error) have no translation in any locale:
    without these a screen reader reads the raw keys out."""
    import gradio as gr

    words = {"common.complete": "完成", "common.error": "出错"}
    return gr.I18n(**{locale: words for locale in ("zh", "zh-CN")})


def serve(library: Library, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
          block: bool = True, ready=None, llm=None):
    """Start the page and API; `ready(url)` is called once the server answers (after the warm-up)."""
    from starlette.middleware import Middleware

    app = make_app(library, llm)
    warm_up(library)
    library.follow()
    app.queue(default_concurrency_limit=8)
    try:
        app.launch(server_name=host, server_port=port, auth=auth, css=CSS, head=HEAD, prevent_thread_lock=True,
                   footer_links=["api"], quiet=True, max_file_size="50mb", i18n=_announcements(),
                   app_kwargs={"middleware": [Middleware(EdgeGuard), Middleware(ChinesePage)]})
    except OSError as e:  # the port was taken after `assistant serve` checked it
        raise AssistantError(f"cannot listen on {host}:{port}: choose a free port with --port ({e})") from None
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    wait_until_answering(url)
    if ready:
        ready(url)
    if block:
        app.block_thread()
    return app
