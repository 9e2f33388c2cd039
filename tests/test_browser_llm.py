"""`assistant serve --llm URL` in a real browser: a generated answer, checked sentence by sentence, with the
verified sentence's support marked in its card and the invented one struck out; the switch turns it off."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.serve_process import free_port, start_serve

from .conftest import CORPUS, ROOT
from .llm_server import ScriptedLLM
from .test_browser import CHROMIUM, ask

pytestmark = [pytest.mark.integration, pytest.mark.browser]
REPLY = "深圳累计布局建设新的创新载体3070家[1]。其中诺贝尔奖实验室有99家[1]。"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if not Path(CHROMIUM).exists() and os.environ.get("REQUIRE_ALL_BACKENDS") != "1":
        pytest.skip("Debian's chromium is not installed: run scripts/test-setup.sh (CI fails here instead of skipping)")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("ui-llm")
    shutil.copytree(CORPUS, tmp / "corpus")
    port = free_port()
    with ScriptedLLM(REPLY) as llm:
        proc = start_serve(tmp / "idx", port, tmp / "corpus", cwd=ROOT, output=subprocess.PIPE,
                           extra=("--llm", llm.url, "--llm-model", "scripted-7b"))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run"])
                pg = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
                pg.goto(f"http://127.0.0.1:{port}/")
                pg.wait_for_selector("#question textarea")
                pg.llm = llm
                yield pg
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_a_generated_answer_is_shown_checked_and_its_support_marked(page):
    assert page.locator("#use-llm input[type=checkbox]").is_checked()
    ask(page, "累计布局建设了多少家创新载体？")
    page.wait_for_selector("#chat .claim.ok")
    last = page.locator("#chat .message").last
    assert last.locator(".claim.ok").inner_text() == "深圳累计布局建设新的创新载体3070家。[1]"
    dropped = last.locator(".claim.dropped").inner_text()
    assert dropped.startswith("其中诺贝尔奖实验室有99家。[1]")
    assert "未能在引用段落中核实，已略去：数字99不在引用段落[1]中" in dropped
    assert "由大模型 scripted-7b 生成" in last.inner_text() and "原文：" in last.inner_text()
    support = page.locator("#passage-1 mark.support").inner_text()
    assert "3070家" in support
    assert page.llm.requests[-1]["stream"] is True  # the page streams the reply while the model writes
    out = Path(os.environ.get("SCREENSHOT_DIR", str(ROOT / "eval" / "runs")))
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "llm.png"), full_page=False)


def test_switched_off_the_extractive_answer_is_shown_and_the_llm_not_asked(page):
    asked = len(page.llm.requests)
    page.get_by_role("tab", name="问答").click()
    page.locator("#use-llm input[type=checkbox]").uncheck()
    ask(page, "深圳高新区综合排名第几？")
    last = page.locator("#chat .message").last
    assert "全国第二" in last.inner_text() and last.locator(".claim").count() == 0
    assert len(page.llm.requests) == asked
