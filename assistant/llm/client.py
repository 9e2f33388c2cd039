"""A client for any server speaking OpenAI's `/v1/chat/completions` (ollama, vLLM, llama.cpp's llama-server,
Xinference), with the standard library only: plain HTTP, a timeout, server-sent events when streaming, and the
server's errors said in Chinese."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import AssistantError

ENV_URL, ENV_MODEL, ENV_KEY = "ASSISTANT_LLM_URL", "ASSISTANT_LLM_MODEL", "ASSISTANT_LLM_KEY"
MAX_REPLY_CHARS = 4000  # a reply is cut here: the check reads every sentence, and a runaway model must not stall it


class LLMError(AssistantError):
    """The LLM server could not be reached or did not answer; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class LLMClient:
    """`url` is the API base (http://127.0.0.1:11434/v1); `/chat/completions` is appended unless it is there."""

    url: str
    model: str = "default"
    key: str | None = None
    timeout: float = 60.0
    max_tokens: int = 400

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"

    def complete(self, messages: list[dict]) -> str:
        """The whole reply at once."""
        with self._post(messages, stream=False) as response:
            body = _json(response.read(), self.endpoint)
        try:
            return (body["choices"][0]["message"]["content"] or "")[:MAX_REPLY_CHARS]
        except (KeyError, IndexError, TypeError):
            raise LLMError(f"大模型服务的回复格式不对（{self.endpoint}）：没有 choices[0].message.content") from None

    def stream(self, messages: list[dict]) -> Iterator[str]:
        """The reply piece by piece as the server sends it (server-sent events); a server that ignores
        `stream` and answers at once gives one piece."""
        with self._post(messages, stream=True) as response:
            if "text/event-stream" not in (response.headers.get("Content-Type") or ""):
                body = _json(response.read(), self.endpoint)
                yield ((body.get("choices") or [{}])[0].get("message") or {}).get("content") or ""
                return
            sent = 0
            for raw in response:
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                choice = (_json(data.encode(), self.endpoint).get("choices") or [{}])[0]
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece:
                    piece = piece[: MAX_REPLY_CHARS - sent]
                    sent += len(piece)
                    yield piece
                if sent >= MAX_REPLY_CHARS:
                    return

    def _post(self, messages: list[dict], stream: bool):
        payload = {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": self.max_tokens,
                   "stream": stream}
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(self.endpoint, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                         headers, method="POST")
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310 (the user's own server)
        except urllib.error.HTTPError as e:
            raise LLMError(f"大模型服务返回错误 {e.code}（{self.endpoint}）：{_server_message(e)}") from None
        except TimeoutError:
            raise LLMError(f"大模型服务在 {self.timeout:g} 秒内没有回复（{self.endpoint}）") from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, TimeoutError | socket.timeout):
                raise LLMError(f"大模型服务在 {self.timeout:g} 秒内没有回复（{self.endpoint}）") from None
            raise LLMError(f"无法连接大模型服务 {self.endpoint}：{e.reason}；请确认服务已启动、地址正确") from None
        except ValueError as e:  # not an http(s) URL
            raise LLMError(f"大模型服务地址不对：{self.url}（{e}）；应形如 http://127.0.0.1:11434/v1") from None


def _json(raw: bytes, where: str) -> dict:
    try:
        body = json.loads(raw.decode("utf-8", "replace"))
    except json.JSONDecodeError:
        raise LLMError(f"大模型服务的回复不是 JSON（{where}）：{raw[:120].decode('utf-8', 'replace')}") from None
    if not isinstance(body, dict):
        raise LLMError(f"大模型服务的回复格式不对（{where}）")
    if "error" in body and "choices" not in body:
        raise LLMError(f"大模型服务报错（{where}）：{_error_text(body['error'])}")
    return body


def _server_message(e: urllib.error.HTTPError) -> str:
    try:
        raw = e.read()[:2000].decode("utf-8", "replace")
    except OSError:
        return str(e.reason)
    try:
        return _error_text(json.loads(raw).get("error", raw))
    except (json.JSONDecodeError, AttributeError):
        return raw.strip()[:200] or str(e.reason)


def _error_text(error) -> str:
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


def client_from(url: str | None = None, model: str | None = None, key: str | None = None,
                timeout: float | None = None) -> LLMClient | None:
    """The client the flags or the environment ask for (ASSISTANT_LLM_URL / _MODEL / _KEY); None without a URL."""
    url = url or os.environ.get(ENV_URL)
    if not url:
        return None
    return LLMClient(url, model or os.environ.get(ENV_MODEL) or "default", key or os.environ.get(ENV_KEY) or None,
                     timeout if timeout is not None else 60.0)
