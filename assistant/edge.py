"""The server's edge: every argument of the ask API checked before any work is done, and a guard in front of
Gradio that answers a bad or oversized request with HTTP 4xx and a Chinese message (Gradio itself answers
every error of a /run/ call with 500), and lets no client hold more than a few requests at once."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter

from .conversation import KEEP_TURNS
from .errors import BadQuestion

MAX_K = 50
MAX_QUESTION_INPUT = 10_000  # characters accepted at all; the first MAX_QUESTION_CHARS are read
MAX_HISTORY_ITEMS = 100  # earlier questions accepted; only the last KEEP_TURNS are read
MAX_HISTORY_CHARS = 2_000  # per earlier question
MAX_REPORTS = 300
MAX_TITLE_CHARS = 300
MAX_BODY_BYTES = 2 << 20  # the largest accepted arguments, JSON-escaped (\\uXXXX: 6 bytes a character), fit in it
PER_CLIENT = 2  # requests one client may have in flight; one more is refused (429)
HEAVY_CHARS = 60  # a question (or earlier turn) longer than this is heavy: embedding time grows with its length
HEAVY_K = 10  # ...and so is one asking for more passages than the page shows (each is highlighted and sent)
HEAVY_AT_ONCE = 1  # heavy requests run one at a time, whoever sends them, so ordinary questions keep a core
HEAVY_WAITING = 8  # heavy requests allowed to wait; more are refused (503)
ASK_ARGS = ("question", "k", "reports", "year_from", "year_to", "history")
ASK_DEFAULTS = (None, 5, None, None, None, None)


def checked_k(k) -> int:
    """The number of passages: an integer (5, 5.0 or "5"; not True, not 5.7) from 1 to MAX_K."""
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    elif isinstance(k, str) and k.strip().isdigit() and len(k.strip()) <= 6:
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, int):
        raise BadQuestion(f"段落数 k 必须是整数（收到 {_shown(k)}）")
    if not 1 <= k <= MAX_K:
        raise BadQuestion(f"段落数 k 须在 1 到 {MAX_K} 之间（收到 {k}）")
    return k


def checked_question(question) -> str:
    if not isinstance(question, str):
        raise BadQuestion(f"question 必须是文字（收到 {_shown(question)}）")
    if len(question) > MAX_QUESTION_INPUT:
        raise BadQuestion(f"问题过长（{len(question)} 字），请不超过 {MAX_QUESTION_INPUT} 字")
    return question


def checked_history(history) -> list[str] | None:
    """The chat's earlier questions: a list of strings; only the last KEEP_TURNS are read."""
    if history is None:
        return None
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise BadQuestion('history 须是之前提问的列表（字符串），例如 ["浙江省2025年地区生产总值增长目标是多少？"]')
    if len(history) > MAX_HISTORY_ITEMS:
        raise BadQuestion(f"history 最多 {MAX_HISTORY_ITEMS} 条（收到 {len(history)} 条；追问只读最近 {KEEP_TURNS} 条）")
    if any(len(h) > MAX_HISTORY_CHARS for h in history):
        raise BadQuestion(f"history 中每条提问不超过 {MAX_HISTORY_CHARS} 字")
    return history[-KEEP_TURNS:]


def checked_reports(reports) -> list[str]:
    """Report titles to search in: one title, a list of titles, or nothing."""
    if reports is None or reports == "":
        return []
    titles = [reports] if isinstance(reports, str) else reports
    if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
        raise BadQuestion(f"reports 须是报告标题的列表（收到 {_shown(reports)}）")
    if len(titles) > MAX_REPORTS or any(len(t) > MAX_TITLE_CHARS for t in titles):
        raise BadQuestion(f"reports 最多 {MAX_REPORTS} 个标题，每个不超过 {MAX_TITLE_CHARS} 字")
    return titles


def checked_year(value, name: str) -> int | None:
    """A year box (text on the page, a number or null through the API): empty is no limit."""
    if value is None or str(value).strip() in ("", "0"):
        return None
    text = str(value).strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")).removesuffix("年")
    if not text.isdigit() or len(text) != 4 or not 1900 <= int(text) <= 2100:
        raise BadQuestion(f"{name}须是四位数字的年份，例如 2021（收到 {_shown(value)}）")
    return int(text)


def checked_ask_args(data: list) -> list:
    """The positional arguments of the ask API, checked and with defaults for the missing trailing ones."""
    if not isinstance(data, list) or not 1 <= len(data) <= len(ASK_ARGS):
        raise BadQuestion(f"ask 需要 1 到 {len(ASK_ARGS)} 个参数：{', '.join(ASK_ARGS)}（收到 {_count(data)}）")
    question, k, reports, year_from, year_to, history = [*data, *ASK_DEFAULTS[len(data):]]
    return [checked_question(question), checked_k(5 if k is None else k), checked_reports(reports),
            checked_year(year_from, "起始年份"), checked_year(year_to, "截止年份"), checked_history(history)]


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _count(data) -> str:
    return f"{len(data)} 个" if isinstance(data, list) else type(data).__name__


class EdgeGuard:
    """ASGI middleware in front of Gradio for the ask API (`/gradio_api/run/ask`, `/gradio_api/call/ask`): the
    body is read up to MAX_BODY_BYTES and its arguments checked (checked_ask_args) before Gradio parses it;
    a bad one gets 400 / 413 with {"error": message}; a client with PER_CLIENT requests in flight gets 429."""

    def __init__(self, app, paths: tuple[str, ...] = ("/gradio_api/run/ask", "/gradio_api/call/ask")) -> None:
        self.app, self.paths = app, paths
        self.in_flight: Counter = Counter()
        self.lock = threading.Lock()
        self.heavy: asyncio.Semaphore | None = None  # made in the server's event loop, on first use
        self.heavy_waiting = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or scope["path"].rstrip("/") not in self.paths:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?", 0))[0]
        with self.lock:
            if self.in_flight[client] >= PER_CLIENT:
                return await _reply(send, 429, f"同一客户端最多同时提交 {PER_CLIENT} 个问题，请等前面的回答完成")
            self.in_flight[client] += 1
        try:
            body, status, message = await _read_body(receive)
            payload = None
            if status is None:
                payload, status, message = _checked_payload(body)
            if status is not None:
                return await _reply(send, status, message)
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            if not is_heavy(payload["data"]):
                return await self.app(scope, _replay(body, receive), send)
            if self.heavy_waiting >= HEAVY_WAITING:
                return await _reply(send, 503, "服务器正忙于处理很长的问题，请稍后再试，或把问题写短一些")
            self.heavy = self.heavy or asyncio.Semaphore(HEAVY_AT_ONCE)
            self.heavy_waiting += 1
            try:
                await self.heavy.acquire()
            finally:
                self.heavy_waiting -= 1
            try:
                await self.app(scope, _replay(body, receive), send)
            finally:
                self.heavy.release()
        finally:
            with self.lock:
                self.in_flight[client] -= 1
                if not self.in_flight[client]:
                    del self.in_flight[client]


async def _read_body(receive) -> tuple[bytes, int | None, str]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", 400, "请求未发送完整"
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"", 413, f"请求过大（超过 {MAX_BODY_BYTES // 1024} KB）：问题和 history 都应简短"
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), None, ""


def _checked_payload(body: bytes) -> tuple[dict | None, int | None, str]:
    """The request's JSON with its arguments checked (checked_ask_args), or why it is refused."""
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None, 400, '请求体须是 JSON，例如 {"data": ["深圳高新区综合排名第几？"]}'
    if not isinstance(payload, dict) or "data" not in payload:
        return None, 400, '请求体须是含 "data" 列表的 JSON 对象，例如 {"data": ["深圳高新区综合排名第几？"]}'
    try:
        payload["data"] = checked_ask_args(payload["data"])
    except BadQuestion as e:
        return None, 400, str(e)
    payload["data"][2] = payload["data"][2] or None
    return payload, None, ""


def is_heavy(args: list) -> bool:
    """Checked ask arguments whose question or earlier turns are long (what the embedder spends its time on), or
    that ask for many passages."""
    question, k, _, _, _, history = args
    return len(question) > HEAVY_CHARS or k > HEAVY_K or any(len(h) > HEAVY_CHARS for h in history or ())


def _replay(body: bytes, receive):
    """The checked body for the app's first read; later reads wait on the connection as usual (disconnects)."""
    sent = False

    async def replayed():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# Gradio translates its own words (Drop File Here, Clear, Loading…) by the browser's language: an en-US browser
# gets English around Chinese reports. The page is Chinese for everyone, so its language is set before Gradio's
# scripts read it.
ZH_LOCALE = (b"<script>for (const k of ['language', 'languages']) Object.defineProperty(Navigator.prototype, k, "
             b"{get: () => k === 'language' ? 'zh-CN' : ['zh-CN', 'zh']});</script>")


class ChinesePage:
    """ASGI middleware: every request reads as one from a Chinese browser (Gradio picks its words by the
    Accept-Language header), and the HTML of the page (GET /) gets ZH_LOCALE at the start of its <head>."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = [(k, v) for k, v in scope.get("headers", []) if k != b"accept-language"]
            scope = {**scope, "headers": [*headers, (b"accept-language", b"zh-CN,zh;q=0.9")]}
        if scope["type"] != "http" or scope.get("method") != "GET" or scope["path"] not in ("/", ""):
            return await self.app(scope, receive, send)
        start, parts = {}, []

        async def buffered(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(parts)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                body = body.replace(b"<head>", b"<head>" + ZH_LOCALE, 1)
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)
