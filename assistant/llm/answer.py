"""A generated answer for a question the reader answered: the top passages numbered in a prompt, the reply
checked sentence by sentence (verify.py), and the extractive answer kept whenever the reply cannot be trusted."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..types import Generated, Highlight, Passage, Result
from .client import LLMClient, LLMError
from .verify import asked_figures_in, claim_support, is_refusal, verify

PASSAGES = 5  # passages given to the model: the reader's answer is among the first few
SYSTEM = ("你是报告问答助手。只根据用户给出的编号段落回答问题，不使用段落以外的知识。"
          "用简短的中文句子回答，每句末尾用 [n] 标出所依据段落的编号；"
          "句中的数字、日期、百分比和名称照抄段落原文，不换算、不改写。"
          "段落中没有答案时，只回答：无法从所给段落中回答。")


def prompt(question: str, passages: list[Passage]) -> list[dict]:
    """The chat messages: the rules, then the numbered passages (title, year, section, text) and the question."""
    numbered = "\n\n".join(
        f"[{p.rank}]《{p.report.shown_title}》{p.report.year or ''} {p.chunk.section}\n{p.chunk.text}".rstrip()
        for p in passages)
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"段落：\n{numbered}\n\n问题：{question}\n回答（每句末尾标 [n]）："}]


def asks_llm(result: Result) -> bool:
    """The reader's refusal and scope checks stand first: a refused question never reaches the model. Neither do
    a several-region answer (each region is answered on its own) nor a list, whose items come from the report's
    own structure, each cited where it stands, which a generated paraphrase could only blur."""
    return not result.abstained and result.answer is not None and not result.parts and not result.answer.items


def given_passages(result: Result) -> list[Passage]:
    return result.passages[:PASSAGES]


def messages_for(result: Result) -> list[dict]:
    return prompt(question_of(result), given_passages(result))


def question_of(result: Result) -> str:
    return result.understood_as or result.question


def generate(result: Result, client: LLMClient) -> Result:
    """`result` with `generated` set: the model's reply, checked. A refused result is returned unchanged,
    without calling the model."""
    for _ in generate_streaming(result, client, stream=False):
        pass
    return result


def generate_streaming(result: Result, client: LLMClient, stream: bool = True) -> Iterator[str]:
    """The reply so far, each time a piece arrives (one piece when not streamed), then `result.generated` set:
    the checked reply, or the server's error with the extractive answer kept. A refused result gets nothing
    and the model is not called."""
    if not asks_llm(result):
        return
    started, reply = time.perf_counter(), ""
    try:
        for piece in client.stream(messages_for(result)) if stream else [client.complete(messages_for(result))]:
            reply += piece
            yield reply
    except LLMError as e:  # the extractive answer still stands, with the server's trouble said
        failed(result, client.model, str(e), time.perf_counter() - started)
        return
    attach(result, reply, client.model, time.perf_counter() - started)


def failed(result: Result, model: str, error: str, seconds: float) -> Result:
    result.generated = Generated(model, "", [], fallback=error, seconds=seconds)
    return result


def attach(result: Result, reply: str, model: str, seconds: float) -> Result:
    """Check `reply` against the passages it was given; keep it when a sentence survives and it agrees with the
    reader on the figures of the answer span, else keep the extractive answer and say why. Each kept sentence's
    support is marked in its card."""
    started = time.perf_counter()
    shown = given_passages(result)
    generated = Generated(model, reply, verify(reply, shown, question_of(result)), seconds=seconds)
    generated.fallback = fallback_reason(result, generated)
    if generated.used:
        for claim in generated.kept:
            for p, s, e in claim_support(claim, shown):
                p.highlights = sorted([*p.highlights, Highlight(s, e, "support")], key=lambda h: (h.start, -h.end))
    generated.check_ms = (time.perf_counter() - started) * 1000
    result.generated = generated
    return result


def fallback_reason(result: Result, generated: Generated) -> str | None:
    """Why the extractive answer is shown instead of the generated one; None when the generated one stands."""
    if not generated.reply.strip():
        return "大模型没有给出回答"
    kept = generated.kept
    if not kept:
        if is_refusal(generated.reply):
            return "大模型认为所给段落中没有答案"
        reasons = "；".join(dict.fromkeys(c.reason for c in generated.dropped[:3]))
        return f"生成的句子都未能在引用段落中核实（{reasons}）"
    a = result.answer
    if a is not None and not asked_figures_in(a.span, kept):
        return f"生成的回答没有给出摘取的答案「{a.span}」中的数字"
    return None
