"""The chat page in a real browser (Debian's Chromium driven by Playwright), with the real model."""

import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import pytest

from assistant.serve_process import free_port, start_serve

from .conftest import CORPUS, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
NEW_REPORT = "2027年示例市营商环境报告\n一、总体情况\n2027年示例市新登记经营主体18.6万户，其中民营企业占比达到92%。\n"
XSS_REPORT = "网页安全测试报告\n一、说明\n本段含有<script>alert(1)</script>脚本标记，应当作为文字显示。\n"
PROVINCES = {  # two provinces that state the same target with the term written two ways
    "2025年浙江省政府工作报告": "2025年浙江省政府工作报告\n二、2025年目标任务\n"
                          "主要预期目标为：生产总值增长5.5%左右，城镇调查失业率控制在5%以内。\n",
    "2025年海南省政府工作报告": "2025年海南省政府工作报告\n二、2025年主要目标\n"
                          "今年经济社会发展主要预期目标是：地区生产总值增长6%以上。\n",
    "2025年四川省政府工作报告": "2025年四川省政府工作报告\n二、2025年工作安排\n"
                          "今年发展主要预期目标是：地区生产总值增长5.5%以上；城镇新增就业85万人以上。\n",
}
MARKDOWN_LINK = "[官方说明](javascript:alert(1))"
MD_REPORT = f"网页链接测试报告\n一、说明\n链接测试报告的完整版本请见{MARKDOWN_LINK}，**加粗**与_斜体_应当原样显示。\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists() and os.environ.get("REQUIRE_ALL_BACKENDS") != "1":
        pytest.skip("Debian's chromium is not installed: run scripts/test-setup.sh (CI fails here instead of skipping)")
    tmp = tmp_path_factory.mktemp("ui")
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "xss.txt").write_text(XSS_REPORT, encoding="utf-8")
    (corpus / "md.txt").write_text(MD_REPORT, encoding="utf-8")
    for name, text in PROVINCES.items():
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    if shutil.which("soffice"):
        from . import docmaker

        docmaker.county_report_pdf(corpus / f"{COUNTY}.pdf")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    procs = [start_server(tmp, corpus, port)]

    def restart() -> None:
        procs[-1].terminate()
        procs[-1].wait(timeout=30)
        procs.append(start_server(tmp, corpus, port))

    yield url, tmp, restart
    procs[-1].terminate()
    procs[-1].wait(timeout=30)


COUNTY = "2027年示例县政府工作报告"


def start_server(tmp: Path, corpus: Path, port: int) -> subprocess.Popen:
    return start_serve(tmp / "idx", port, corpus, cwd=ROOT, output=subprocess.PIPE)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        pg = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
        dialogs = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.dialogs = dialogs
        pg.goto(server[0])
        pg.wait_for_selector("#question textarea")
        pg.browser_ = browser
        yield pg
        browser.close()


def ask(page, question: str) -> float:
    page.get_by_role("tab", name="问答").click()
    before = page.locator("#chat .message").count()
    page.fill("#question textarea", question)
    t0 = time.perf_counter()
    page.press("#question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#chat .message').length >= {before + 2}", timeout=60000)
    page.wait_for_function("!document.querySelector('#passages .pending, #chat .pending')", timeout=60000)
    return time.perf_counter() - t0


def test_answer_is_highlighted(page):
    ask(page, "深圳高新区在2021年度国家高新区评价中综合排名第几？")
    page.wait_for_selector("#passages mark.answer")
    assert page.locator("#passages mark.answer").first.inner_text() == "全国第二"
    assert "全国第二" in page.locator("#chat").inner_text()
    assert page.locator("#passages .card").first.locator(".head").inner_text().startswith(
        "[1] 深圳市科技创新委员会2021年工作总结和2022年工作思路")
    out = Path(os.environ.get("SCREENSHOT_DIR", str(ROOT / "eval" / "runs")))
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "screenshot.png"), full_page=False)


def test_refusal_is_plain(page):
    ask(page, "深圳2021年的GDP总量是多少？")
    assert "没有找到能回答这个问题的内容" in page.locator("#chat .message").last.inner_text()
    assert page.locator("#passages .card.low").count() >= 1


def test_script_in_a_report_is_inert_text(page):
    ask(page, "哪份报告含有脚本标记？")
    text = page.locator("#passages").inner_text()
    assert "<script>alert(1)</script>" in text
    assert page.locator("#passages script").count() == 0 and page.dialogs == []


def upload(page, path: Path, expect: str) -> str:
    page.get_by_role("tab", name="报告").click()
    page.set_input_files("#upload input[type=file]", str(path))
    page.wait_for_timeout(500)
    page.click("#add")
    page.wait_for_function(f"(document.querySelector('#status') || {{}}).innerText?.includes({expect!r})", timeout=120000)
    return page.locator("#status").inner_text()


def indexed_titles(server) -> list[str]:
    import json

    manifest = json.loads((server[1] / "idx" / "manifest.json").read_text())
    return sorted(m["title"] for m in manifest["reports"].values())


def test_upload_then_ask(page, server, tmp_path):
    before = indexed_titles(server)
    new = tmp_path / "示例市营商环境报告.txt"
    new.write_text(NEW_REPORT, encoding="utf-8")
    upload(page, new, "已添加")
    assert (server[1] / "corpus" / "示例市营商环境报告.txt").exists()
    assert indexed_titles(server) == sorted([*before, "2027年示例市营商环境报告"])  # every earlier report kept
    assert page.locator("#upload").inner_text().count("点击上传") == 1  # the upload box is cleared
    page.get_by_role("tab", name="问答").click()
    ask(page, "2027年示例市新登记经营主体多少户？")
    page.wait_for_selector("#passages mark.answer")
    assert page.locator("#passages mark.answer").first.inner_text() == "18.6万户"


def test_answer_latency(page, capsys):
    times = [ask(page, q) for q in ["累计布局建设了多少家创新载体？", "高新区管委会主任由谁担任？",
                                    "全市有多少所高等院校获得科研资金稳定支持？"]]
    with capsys.disabled():
        print(f"\nbrowser: answer visible after Enter, median {statistics.median(times) * 1000:.0f} ms over {len(times)}")


def test_gradio_api_for_scripts(server):
    from gradio_client import Client

    client = Client(server[0], verbose=False)
    out = client.predict("深圳高新区在2021年度国家高新区评价中综合排名第几？", 3, None, None, None, api_name="/ask")
    assert out["abstained"] is False and len(out["passages"]) == 3
    assert out["passages"][0]["title"] == "深圳市科技创新委员会2021年工作总结和2022年工作思路"
    text = out["passages"][0]["text"]
    marks = [h for h in out["passages"][0]["highlights"] if h["kind"] == "answer"]
    assert text[marks[0]["start"] : marks[0]["end"]] == "全国第二"


def test_markdown_in_a_report_is_shown_as_text_in_the_chat(page):
    ask(page, "链接测试报告的完整版本请见哪里？")
    reply = page.locator("#chat .message").last
    assert MARKDOWN_LINK in reply.inner_text() and "**加粗**与_斜体_" in reply.inner_text()
    assert reply.locator("a:not(.cite)").count() == 0 and reply.locator("strong, em").count() == 0
    assert page.locator("#chat a[href^='javascript']").count() == 0 and page.dialogs == []


def test_gradio_api_errors_are_clear_and_in_chinese(server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(server[0], verbose=False)
    question = "深圳高新区在2021年度国家高新区评价中综合排名第几？"
    cases = [(("   ", 3, None, None, None), "问题是空的"), ((question, 0, None, None, None), "段落数 k 须在 1 到 50 之间"),
             ((question, 3, ["不存在的报告"], None, None), "索引中没有这些报告：《不存在的报告》"),
             ((question, 3, None, 2025, 2021), "起始年份 2025 晚于截止年份 2021")]
    for args, message in cases:
        with pytest.raises(AppError, match=message):
            client.predict(*args, api_name="/ask")
    out = client.predict(question, 3, None, None, None, api_name="/ask")  # the server still answers, the same way
    marks = [h for h in out["passages"][0]["highlights"] if h["kind"] == "answer"]
    assert out["passages"][0]["text"][marks[0]["start"] : marks[0]["end"]] == "全国第二"


def test_double_add_and_junk_leave_nothing_behind(page, server, tmp_path):
    corpus = server[1] / "corpus"
    before, files = indexed_titles(server), sorted(p.name for p in corpus.iterdir())
    again = tmp_path / "示例市营商环境报告.txt"
    again.write_text(NEW_REPORT, encoding="utf-8")
    assert "已在索引中，未重复添加" in upload(page, again, "未重复添加")
    junk = tmp_path / "bin.txt"
    junk.write_bytes(b"\x00\x01\x02" * 500)
    status = upload(page, junk, "无法读取")
    assert status.count("bin.txt") == 1 and "示例市营商环境报告" not in status  # each message once, this upload only
    assert sorted(p.name for p in corpus.iterdir()) == files and indexed_titles(server) == before


def test_a_fresh_page_lists_exactly_the_indexed_reports(page, server):
    fresh = page.context.new_page()
    fresh.goto(server[0])
    fresh.wait_for_selector("#question textarea")
    fresh.get_by_role("tab", name="报告").click()
    fresh.wait_for_timeout(1000)
    table = fresh.locator("#reports").inner_text()
    assert all(t in table for t in indexed_titles(server)) and "2027年示例市营商环境报告" in table
    fresh.close()


def test_citation_link_scrolls_to_and_flashes_its_card(page):
    ask(page, "累计布局建设了多少家创新载体？")
    links = page.locator("#chat .message").last.locator("a.cite")
    assert links.count() >= 2
    links.nth(1).click()
    page.wait_for_function("document.querySelector('#passage-1').classList.contains('flash')", timeout=5000)
    box = page.locator("#passage-1").bounding_box()
    assert 0 <= box["y"] <= page.viewport_size["height"]


def test_reload_keeps_the_chat_and_feedback_and_export_work(page, server):
    import json

    ask(page, "高新区管委会主任由谁担任？")
    n = page.locator("#chat .message").count()
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_function(f"document.querySelectorAll('#chat .message').length == {n}", timeout=10000)
    assert "高新区管委会主任由谁担任？" in page.locator("#chat").inner_text()
    assert page.locator("#passages .card").count() >= 1
    page.locator("#chat .message").last.hover()
    page.locator("#chat button[aria-label='赞']").last.click()
    feedback = server[1] / "idx" / "feedback.jsonl"
    deadline = time.time() + 10
    while time.time() < deadline and not (feedback.exists() and feedback.read_text(encoding="utf-8").endswith("\n")):
        time.sleep(0.2)
    line = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert line["question"] == "高新区管委会主任由谁担任？" and line["liked"] is True and line["answers"]
    with page.expect_download() as download:
        page.click("#export")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "**问：** 高新区管委会主任由谁担任？" in text and "[1] 《" in text


def test_a_server_restart_keeps_the_chat(page, server):
    ask(page, "全市有多少所高等院校获得科研资金稳定支持？")
    n = page.locator("#chat .message").count()
    server[2]()
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_function(f"document.querySelectorAll('#chat .message').length == {n}", timeout=15000)
    assert "全市有多少所高等院校获得科研资金稳定支持？" in page.locator("#chat").inner_text()


def test_filters_start_empty_and_an_impossible_range_is_explained(page):
    page.get_by_role("tab", name="问答").click()
    page.get_by_text("筛选", exact=True).click()
    boxes = page.locator("#year-from textarea, #year-from input, #year-to textarea, #year-to input")
    assert [boxes.nth(i).input_value() for i in range(2)] == ["", ""]
    boxes.nth(0).fill("2025")
    boxes.nth(1).fill("2021")
    ask(page, "高新区管委会主任由谁担任？")
    assert "年份筛选不可能满足：起始年份 2025 晚于截止年份 2021" in page.locator("#chat .message").last.inner_text()
    boxes.nth(0).fill("")
    boxes.nth(1).fill("")
    page.get_by_text("筛选", exact=True).click()


def test_compare_default_question_works_and_agrees_with_the_chat(page):
    page.get_by_role("tab", name="对比").click()
    assert page.locator("#compare-q textarea").input_value() == "2025年各省份政府工作报告中地区生产总值增长目标是多少？"
    page.click("#compare-run")
    page.wait_for_function("(document.querySelector('#compare-table') || {}).innerText?.includes('5.5%左右')",
                           timeout=60000)
    table = page.locator("#compare-table").inner_text()
    assert "6%以上" in table and "目标" in table
    assert page.locator("#compare-chart img, #compare-chart canvas, #compare-chart svg").count() >= 1
    ask(page, "浙江省2025年地区生产总值增长目标是多少？")
    page.wait_for_selector("#passages mark.answer")
    assert page.locator("#passages mark.answer").first.inner_text() == "5.5%左右"


def test_a_five_turn_chat_with_a_follow_up_a_list_an_item_and_a_topic_switch(page):
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#chat .message').length == 0")
    ask(page, "浙江省2025年地区生产总值增长目标是多少？")
    assert "5.5%左右" in page.locator("#chat .message").last.inner_text()
    ask(page, "那四川呢？")
    reply = page.locator("#chat .message").last
    assert "按「2025年四川 地区生产总值增长目标是多少？」理解" in reply.inner_text()
    assert reply.locator("b").first.inner_text() == "5.5%以上"
    assert page.locator("#passages .card").first.locator(".head").inner_text().startswith("[1] 2025年四川省政府工作报告")
    ask(page, "2022年要做哪些工作？")
    items = page.locator("#chat .message").last.locator("ol.items li")
    assert items.count() == 7
    assert items.first.inner_text() == "(一)加强基础研究和应用基础研究[1]"
    assert items.nth(6).inner_text() == "(七)推进高新区高质量发展[1]"
    assert page.locator("#passages .card").first.locator("mark.item").count() >= 1
    ask(page, "第三项呢？")  # an item of the list just answered
    reply = page.locator("#chat .message").last
    assert "按「2022年 畅通成果产业化链条」理解" in reply.inner_text() and "成果赋权" in reply.inner_text()
    assert "(三)畅通成果产业化链条" in page.locator("#passages .card").first.locator(".head").inner_text()
    ask(page, "深圳高新区综合排名第几？")  # a question of its own
    assert page.locator("#chat .message").last.locator("b").first.inner_text() == "全国第二"
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR", str(ROOT / "eval" / "runs"))) / "chat.png"))


def test_no_english_on_any_tab(page):
    import re

    allowed = {"API", "CSV", "MB", "Markdown", "csv", "docx", "html", "htm", "jsonl", "md", "pdf", "txt"}
    for tab in ["对比", "报告", "问答"]:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(500)
        chrome = page.evaluate("""() => {
            const skip = '#passages, #chat .message, #reports, #remove-choice, code, script, style';  // report data
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), out = [];
            while (walk.nextNode()) {
                const el = walk.currentNode.parentElement;
                if (el && !el.closest(skip) && el.offsetParent !== null) out.push(walk.currentNode.textContent);
            }
            return out.join(' '); }""")
        assert set(re.findall(r"[A-Za-z]{2,}", chrome)) <= allowed, (tab, chrome)
    page.get_by_role("tab", name="报告").click()
    headers = page.locator("#reports thead").inner_text()
    assert all(h in headers for h in ["标题", "年份", "地区", "段落数", "加入时间", "文件"])
    assert not re.search(r"[A-Za-z]{2,}", headers)


def test_on_a_phone_the_passages_follow_the_answer(page, server):
    phone = page.browser_.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(server[0])
    phone.wait_for_selector("#question textarea")
    ask(phone, "深圳高新区在2021年度国家高新区评价中综合排名第几？")
    chat, cards = phone.locator("#chat").bounding_box(), phone.locator("#passages .card").first.bounding_box()
    assert cards["y"] >= chat["y"] + chat["height"] - 1 and cards["y"] < chat["y"] + chat["height"] + 400
    assert "见右侧" not in phone.locator("body").inner_text()
    phone.get_by_role("tab", name="报告").click()
    phone.wait_for_timeout(500)
    scrolls = phone.evaluate("""() => { let e = document.querySelector('#reports table');
        while (e && !['auto', 'scroll'].includes(getComputedStyle(e).overflowX)) e = e.parentElement;
        return {box: !!e && e.scrollWidth > e.clientWidth, page: document.documentElement.scrollWidth <= innerWidth + 1}; }""")
    assert scrolls == {"box": True, "page": True}  # the table scrolls sideways in its box, the page does not
    phone.get_by_role("tab", name="问答").click()
    out = Path(os.environ.get("SCREENSHOT_DIR", str(ROOT / "eval" / "runs")))
    phone.screenshot(path=str(out / "screenshot-phone.png"), full_page=True)
    phone.close()


def test_remove_asks_first_then_the_report_no_longer_answers(page, server):
    page.get_by_role("tab", name="报告").click()
    page.click("#remove-choice input")
    page.get_by_role("option", name=re.compile("网页链接测试报告")).click()
    page.click("#remove")
    page.wait_for_selector("#confirm-remove", state="visible")
    assert "确认删除《网页链接测试报告》" in page.locator("#status").inner_text()
    assert "网页链接测试报告" in indexed_titles(server)  # nothing happens before the confirmation
    page.click("#confirm-remove")
    page.wait_for_function("document.querySelector('#status').innerText.includes('已删除')", timeout=120000)
    assert "网页链接测试报告" not in indexed_titles(server)
    assert (server[1] / "corpus" / ".trash" / "md.txt").exists()
    page.get_by_role("tab", name="问答").click()
    ask(page, "链接测试报告的完整版本请见哪里？")
    assert all("网页链接测试报告" not in t for t in page.locator("#passages .card .head").all_inner_texts())


def _english_words(pg) -> set[str]:
    """Latin words the page shows outside report data (titles, passages, the chat's answers)."""
    text = pg.evaluate("""() => {
        const skip = '#passages, #chat .message, #reports, #remove-choice, code, script, style';
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), out = [];
        while (walk.nextNode()) {
            const el = walk.currentNode.parentElement;
            if (el && !el.closest(skip) && el.offsetParent !== null) out.push(walk.currentNode.textContent);
        }
        for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], .sr-only'))
            if (el.offsetParent !== null && !el.closest(skip))
                out.push(el.getAttribute('placeholder') || '', el.getAttribute('aria-label') || '',
                         el.getAttribute('title') || '', el.classList.contains('sr-only') ? el.textContent : '');
        return out.join(' '); }""")
    return set(re.findall(r"[A-Za-z]{2,}", text)) - {"API", "CSV", "KB", "MB", "Markdown", "csv", "docx", "html", "htm",
                                                     "jsonl", "md", "pdf", "txt"}


def test_an_english_browser_gets_the_chinese_page_also_while_uploading(page, server, tmp_path):
    pg = page.browser_.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US").new_page()
    pg.goto(server[0])
    pg.wait_for_selector("#question textarea")
    pg.get_by_role("tab", name="报告").click()
    pg.wait_for_timeout(500)
    assert _english_words(pg) == set(), "报告 tab"  # Drop File Here / Click to Upload
    report = tmp_path / "2027年示例区营商环境报告.txt"
    report.write_text("2027年示例区营商环境报告\n一、总体情况\n" + "示例区新登记经营主体增长。" * 400, encoding="utf-8")
    pg.set_input_files("#upload input[type=file]", str(report))
    pg.click("#add")
    seen = set()
    deadline = time.monotonic() + 180  # a loaded machine embeds the 23 passages in well over 12 s
    while time.monotonic() < deadline:  # what the page shows while it stages, embeds and rebuilds
        seen |= _english_words(pg)
        if "已添加" in pg.locator("#status").inner_text():
            break
        pg.wait_for_timeout(100)
    assert "已添加" in pg.locator("#status").inner_text()
    assert seen == set(), sorted(seen)
    pg.close()


def test_on_a_phone_nothing_covers_the_chat_and_the_placeholder_fits(page, server):
    phone = page.browser_.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(server[0])
    phone.wait_for_selector("#question textarea")
    ask(phone, "深圳高新区在2021年度国家高新区评价中综合排名第几？")
    layout = phone.evaluate("""() => {
        const box = document.querySelector('#question textarea'), style = getComputedStyle(box);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = style.font;
        const first = document.querySelector('#chat .message').getBoundingClientRect();
        const labels = [...document.querySelectorAll('#chat label, #chat [data-testid=block-label]')]
            .filter(l => l.offsetParent !== null).map(l => l.getBoundingClientRect());
        return {placeholder: ctx.measureText(box.placeholder).width,
                room: box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
                covered: labels.some(l => l.bottom > first.top && l.top < first.bottom)}; }""")
    assert layout["placeholder"] <= layout["room"] and not layout["covered"], layout
    phone.close()


def test_a_pdf_passage_shows_its_page_and_the_page_with_the_answer_boxed(page, server):
    if not (server[1] / "corpus" / f"{COUNTY}.pdf").exists():
        assert os.environ.get("REQUIRE_ALL_BACKENDS") != "1", "soffice missing: run scripts/test-setup.sh"
        pytest.skip("needs soffice to print the PDF (scripts/test-setup.sh installs it)")
    ask(page, "示例县2027年粮食总产量是多少？")
    assert "56.8万吨" in page.locator("#chat .message").last.inner_text()
    assert "（第 3 页）" in page.locator("#chat .message").last.inner_text()  # the citation names the page
    card = page.locator("#passages .card").first
    assert card.locator(".head .page").inner_text() == "第 3 页"
    summary = card.locator("details.page-image summary")
    assert summary.inner_text() == "查看原文第 3 页（答案已框出）"
    summary.click()
    image = card.locator("details.page-image img")
    image.wait_for(state="visible")
    assert image.evaluate("img => img.complete && img.naturalWidth") >= 800
    image.scroll_into_view_if_needed()
    out = Path(os.environ.get("SCREENSHOT_DIR", str(ROOT / "eval" / "runs")))
    page.screenshot(path=str(out / "pdf-page.png"), full_page=False)
