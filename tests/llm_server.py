"""A small real OpenAI-compatible HTTP server for tests: it answers /v1/chat/completions with a scripted reply,
streamed as server-sent events when asked, or with a scripted failure; it records every request it gets."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedLLM:
    def __init__(self, reply: str = "", status: int = 200, body: bytes | None = None, delay: float = 0.0):
        self.reply, self.status, self.body, self.delay = reply, status, body, delay
        self.requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        script = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                request["_path"], request["_auth"] = self.path, self.headers.get("Authorization")
                script.requests.append(request)
                time.sleep(script.delay)
                if script.status != 200 or script.body is not None:
                    self._send(script.status, script.body or b'{"error": {"message": "model not loaded"}}')
                elif request.get("stream"):
                    self._stream(script.reply)
                else:
                    self._send(200, json.dumps({"choices": [{"message": {"role": "assistant", "content": script.reply}}]},
                                               ensure_ascii=False).encode())

            def _send(self, status: int, body: bytes, kind: str = "application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, reply: str):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for i in range(0, len(reply), 4):
                    chunk = {"choices": [{"delta": {"content": reply[i:i + 4]}}]}
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

        return Handler
