"""The optional LLM answer (--llm): the client against a small real HTTP server in this process, and the
sentence-by-sentence check on scripted replies: every invented figure, wrong-passage citation and uncited
sentence is dropped, every supported sentence is kept."""

import copy
import json
import subprocess
import sys

import pytest

from assistant.api import Assistant
from assistant.cli import main
from assistant.llm import LLMClient, LLMError, attach, generate, prompt, verify
from assistant.llm.client import MAX_REPLY_CHARS
from assistant.llm.verify import CheckParams, figures, plain, split_claims
from tests.conftest import CORPUS, ROOT
from tests.llm_server import ScriptedLLM

QUESTION = "累计布局建设了多少家创新载体？"


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    from assistant.embedders import FakeEmbedder

    path = tmp_path_factory.mktemp("llm") / "idx"
    Assistant.build([CORPUS], path, FakeEmbedder(256))
    return path


@pytest.fixture(scope="module")
def answered(corpus_index):
    from assistant.embedders import FakeEmbedder

    result = Assistant.open(corpus_index, FakeEmbedder(256)).ask(QUESTION)
    assert result.answer.span == "3070家"
    return result


def ranks(result):
    """The rank of the passage holding 3070家 and of one that does not."""
    right = next(p.rank for p in result.passages if "3070家" in p.chunk.text)
    wrong = next(p.rank for p in result.passages if "3070" not in p.chunk.text)
    return right, wrong


def checked(result, reply):
    return attach(copy.deepcopy(result), reply, "scripted", 0.0).generated


@pytest.mark.parametrize("name, reply, kept, dropped", [
    ("supported", "累计布局建设了3070家创新载体[R]。", 1, 0),
    ("citation after the full stop", "深圳累计布局建设新的创新载体3070家。[R]", 1, 0),
    ("Chinese numerals", "累计布局建设新的创新载体三千零七十家[R]。", 1, 0),
    ("traditional and full-width", "累計佈局建設新的創新載體３０７０家[R]。", 1, 0),
    ("bullets and bold", "- **累计布局建设了3070家创新载体**[R]", 1, 0),
    ("a changed figure", "累计布局建设了3071家创新载体[R]。", 0, 1),
    ("a changed magnitude", "累计布局建设了3070万家创新载体[R]。", 0, 1),
    ("citation to the wrong passage", "累计布局建设了3070家创新载体[W]。", 0, 1),
    ("a passage that was not given", "累计布局建设了3070家创新载体[9]。", 0, 1),
    ("no citation", "累计布局建设了3070家创新载体。", 0, 1),
    ("content the passage does not say", "3070家都建在月球背面的海底城市[R]。", 0, 1),
    ("a title the passage does not name", "《深圳市创新载体管理办法》要求建设3070家创新载体[R]。", 0, 1),
    ("one supported, one invented", "累计布局建设了3070家创新载体[R]。其中诺贝尔奖实验室有99家[R]。", 1, 1),
])
def test_each_sentence_is_kept_only_where_its_cited_passage_supports_it(answered, name, reply, kept, dropped):
    right, wrong = ranks(answered)
    g = checked(answered, reply.replace("[R]", f"[{right}]").replace("[W]", f"[{wrong}]"))
    assert (len(g.kept), len(g.dropped)) == (kept, dropped), (name, [c.to_dict() for c in g.claims])
    assert g.used == (kept > 0)
    assert all(c.reason for c in g.dropped) and not any(c.reason for c in g.kept)


def test_a_kept_answer_is_shown_with_its_citations_and_what_was_dropped(answered):
    right, _ = ranks(answered)
    result = attach(copy.deepcopy(answered), f"累计布局建设了3070家创新载体[{right}]。其中诺贝尔奖实验室有99家[{right}]。",
                    "scripted", 0.2)
    assert result.cited_answer() == (f"累计布局建设了3070家创新载体。[{right}]\n（由大模型 scripted 生成，每句已与所引段落核对）"
                                     "\n（另有 1 句未能在引用段落中核实，已略去）")
    dropped = result.generated.dropped[0]
    assert dropped.reason == f"数字99不在引用段落[{right}]中"
    cited = next(p for p in result.passages if p.rank == right)
    support = [h for h in cited.highlights if h.kind == "support"]
    assert len(support) == 1 and "3070家" in cited.chunk.text[support[0].start:support[0].end]
    d = result.to_dict()["generated"]
    assert d["used"] is True and [c["verified"] for c in d["claims"]] == [True, False]


@pytest.mark.parametrize("reply, reason", [
    ("无法从所给段落中回答。", "大模型认为所给段落中没有答案"),
    ("", "大模型没有给出回答"),
    # SmolLM2-135M's real reply to this question: a verbatim quote that stops before the figure asked
    ("二是围绕我市产业和民生需求,累计在缺失环节或特色领域布局[R]", "生成的回答没有给出摘取的答案「3070家」中的数字"),
    ("累计布局建设了3071家创新载体[R]。", "生成的句子都未能在引用段落中核实（数字3071不在引用段落[R]中）"),
])
def test_an_unverifiable_reply_falls_back_to_the_extractive_answer_with_the_reason(answered, reply, reason):
    right, _ = ranks(answered)
    result = attach(copy.deepcopy(answered), reply.replace("[R]", f"[{right}]"), "scripted", 0.0)
    assert result.generated.used is False
    assert result.generated.fallback == reason.replace("[R]", f"[{right}]")
    assert result.cited_answer().endswith(f"3070家。[{right}]\n（未采用大模型的回答：{result.generated.fallback}）")
    assert not any(h.kind == "support" for p in result.passages for h in p.highlights)


def test_a_very_long_reply_is_checked_whole_and_only_its_supported_sentence_kept(answered):
    right, _ = ranks(answered)
    invented = "".join(f"第{i}项指标增长{i}.5%[{right}]。" for i in range(1, 400))
    g = checked(answered, f"累计布局建设了3070家创新载体[{right}]。" + invented)
    assert len(g.kept) == 1 and g.kept[0].text == "累计布局建设了3070家创新载体。"
    assert len(g.dropped) == 399 and g.used


def test_the_reply_is_split_into_sentences_with_their_citations():
    assert split_claims("甲是3070家[1]。乙是5%。[2][3]\n丙[1，2]！[4]") == [
        ("甲是3070家。", (1,)), ("乙是5%。", (2, 3)), ("丙！", (1, 2, 4))]


@pytest.mark.parametrize("text, expected", [
    ("增长5.5%左右", {(5.5, "%")}),
    ("1.2万亿元", {(1.2e12, "")}),
    ("12000亿元", {(1.2e12, "")}),
    ("百分之十二点三", {(12.3, "%")}),
    ("粮食产量达到八千亿斤", {(8e11, "")}),
    ("二〇二六年一月", {(2026, ""), (1, "")}),
    ("提高0.5个百分点", {(0.5, "pp")}),
    ("3,070家", {(3070, "")}),
    ("一是统一思想，老百姓千方百计", set()),
])
def test_figures_are_read_as_values(text, expected):
    assert figures(plain(text)) == expected


def test_the_threshold_decides_the_content_check(answered):
    right, _ = ranks(answered)
    reply = f"这3070家创新载体覆盖全市各区[{right}]。"
    strict = verify(reply, answered.passages, QUESTION, CheckParams(coverage=1.0))
    lenient = verify(reply, answered.passages, QUESTION, CheckParams(coverage=0.0))
    assert [c.verified for c in strict] == [False] and [c.verified for c in lenient] == [True]


def test_the_prompt_numbers_the_passages_and_asks_for_citations(answered):
    system, user = prompt(QUESTION, answered.passages[:2])
    assert "[n]" in system["content"] and user["content"].endswith("回答（每句末尾标 [n]）：")
    assert user["content"].startswith("段落：\n[1]《") and "\n\n[2]《" in user["content"]
    assert f"问题：{QUESTION}" in user["content"]


def test_generate_speaks_the_openai_protocol_to_a_real_server(answered):
    right, _ = ranks(answered)
    with ScriptedLLM(f"累计布局建设了3070家创新载体[{right}]。") as server:
        result = generate(copy.deepcopy(answered), LLMClient(server.url, "qwen2.5", key="secret"))
        (request,) = server.requests
    assert request["_path"] == "/v1/chat/completions" and request["_auth"] == "Bearer secret"
    assert request["model"] == "qwen2.5" and request["stream"] is False and request["temperature"] == 0
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert result.generated.used and result.generated.model == "qwen2.5"


def test_streaming_pieces_add_up_to_the_reply():
    reply = "累计布局建设了3070家创新载体[1]。" * 3
    with ScriptedLLM(reply) as server:
        pieces = list(LLMClient(server.url).stream([{"role": "user", "content": "?"}]))
    assert len(pieces) > 5 and "".join(pieces) == reply


def test_a_runaway_stream_is_cut():
    with ScriptedLLM("很长" * 5000) as server:
        assert len("".join(LLMClient(server.url).stream([]))) == MAX_REPLY_CHARS
        assert len(LLMClient(server.url).complete([])) == MAX_REPLY_CHARS


def test_a_refused_question_never_reaches_the_llm(corpus_index):
    from assistant.embedders import FakeEmbedder

    refused = Assistant.open(corpus_index, FakeEmbedder(256)).ask("2019年政府工作报告提出的M2增长目标是多少？")
    assert refused.abstained
    with ScriptedLLM("M2增长8.6%[1]。") as server:
        out = generate(refused, LLMClient(server.url))
        assert server.requests == []
    assert out.generated is None


@pytest.mark.parametrize("server_kwargs, message", [
    ({"status": 500}, "大模型服务返回错误 500（{url}/chat/completions）：model not loaded"),
    ({"status": 401, "body": b'{"error": "invalid api key"}'},
     "大模型服务返回错误 401（{url}/chat/completions）：invalid api key"),
    ({"body": b"<html>not json</html>"}, "大模型服务的回复不是 JSON（{url}/chat/completions）：<html>not json</html>"),
    ({"body": b'{"choices": []}'}, "大模型服务的回复格式不对（{url}/chat/completions）：没有 choices[0].message.content"),
    ({"delay": 2.0}, "大模型服务在 0.5 秒内没有回复（{url}/chat/completions）"),
])
def test_the_servers_errors_are_said_in_chinese_and_the_extractive_answer_stands(answered, server_kwargs, message):
    with ScriptedLLM(**server_kwargs) as server:
        client = LLMClient(server.url, timeout=0.5)
        with pytest.raises(LLMError) as e:
            client.complete([])
        assert str(e.value) == message.format(url=server.url)
        result = generate(copy.deepcopy(answered), client)
    assert result.generated.used is False and result.generated.fallback == message.format(url=server.url)
    assert "3070家" in result.cited_answer()


def test_an_unreachable_server_is_said_and_the_extractive_answer_stands(answered):
    with ScriptedLLM() as server:
        url = server.url  # the port is free again once the server is closed
    result = generate(copy.deepcopy(answered), LLMClient(url, timeout=2))
    assert result.generated.fallback.startswith(f"无法连接大模型服务 {url}/chat/completions：")
    assert "3070家" in result.cited_answer()


def test_cli_ask_with_llm_prints_the_checked_answer(corpus_index, capsys):
    with ScriptedLLM("累计布局建设了3070家创新载体[1]。深圳有99家[1]。") as server:
        assert main(["ask", QUESTION, "--index", str(corpus_index), "--llm", server.url, "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert main(["ask", QUESTION, "--index", str(corpus_index), "--llm", server.url]) == 0
        text = capsys.readouterr().out
    assert out["generated"]["used"] and [c["verified"] for c in out["generated"]["claims"]] == [True, False]
    assert text.startswith("累计布局建设了3070家创新载体。[1]\n（由大模型 default 生成，每句已与所引段落核对）\n（另有 1 句")


def test_without_llm_nothing_changes_and_nothing_is_imported(corpus_index):
    code = ("import json, sys; from assistant.cli import main; "
            f"main(['ask', {QUESTION!r}, '--index', {str(corpus_index)!r}, '--json']); "
            "assert not [m for m in sys.modules if m.startswith('assistant.llm')], 'assistant.llm imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["generated"] is None
