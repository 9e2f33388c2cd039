"""Rerunnable evaluation: retrieval hit@k / MRR, answer accuracy, refusals, latency."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import time
import unicodedata
from pathlib import Path

import numpy as np


def load_questions(path: str | Path) -> list[dict]:
    """Read a question set, one JSON object a line; any bad line is a BadQuestionSet naming file and line."""
    from .errors import BadQuestionSet

    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BadQuestionSet(f"{path}: no such question set") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadQuestionSet(f"{path}: cannot be read as UTF-8 text ({e.__class__.__name__})") from None
    items = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                item = question_item(line, n)
            except ValueError as e:
                raise BadQuestionSet(f"{path}, line {n}: {e}") from None
            if item is not None:
                items.append(item)
    if not items:
        raise BadQuestionSet(f"{path}: no questions in it (one JSON object a line: {QUESTION_EXAMPLE})")
    return items


QUESTION_EXAMPLE = '{"id": "q1", "question": "…", "answers": ["…"], "doc": ["…"]}'


def question_item(line: str, n: int) -> dict | None:
    """One line of a question set, checked: a ValueError says what is wrong with it; None for a line to skip."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(item, dict):
        raise ValueError(f"expected a JSON object like {QUESTION_EXAMPLE}, got a {type(item).__name__}")
    question = item.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('"question" is missing or not a non-empty string')
    for key in ("answers", "doc"):
        value = item.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            shown = json.dumps(value, ensure_ascii=False)
            raise ValueError(f'"{key}" must be a list of non-empty strings, e.g. ["全国第二"], not {shown}')
    if item.get("liked") is False:
        return None  # a 👎 from the chat page (feedback.jsonl): it needs the right answer written in first
    for key in ("unanswerable", "all_answers"):
        if key in item and not isinstance(item[key], bool):
            raise ValueError(f'"{key}" must be true or false')
    if "today" in item:
        try:
            datetime.date.fromisoformat(str(item["today"]))
        except ValueError:
            raise ValueError(f'"today" must be a date like "2026-03-05", not {item["today"]!r}') from None
    history = item.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
        raise ValueError('"history" must be a list of the earlier questions of the chat')
    item.setdefault("id", f"q{n}")
    item.setdefault("answers", [])
    item.setdefault("doc", [])
    item.setdefault("unanswerable", not item["answers"])
    if not item["unanswerable"] and not item["answers"]:
        raise ValueError('an answerable question needs "answers" (or "unanswerable": true)')
    return item


def is_hit(passage: dict, item: dict) -> bool:
    """A passage holding a gold answer, from a report whose title has every `doc` substring."""
    return any(a in passage["text"] for a in item["answers"]) and all(d in passage["title"] for d in item["doc"])


def first_hit_rank(passages: list[dict], item: dict) -> int | None:
    for p in passages:
        if is_hit(p, item):
            return p["rank"]
    return None


def answer_span_text(result: dict) -> str:
    """The answer span ("" when refused)."""
    return result["answer"]["span"] if result["answer"] else ""


def split_of(item_id: str) -> str:
    """"tune" or "test": a fixed half of every question set by a hash of the id. Rules and thresholds are
    tuned on the tune half only; the test half says whether they hold on questions not looked at."""
    return "tune" if hashlib.sha256(item_id.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def _normalise(text: str) -> str:
    """Lower-cased, without punctuation or spaces (the CMRC2018 evaluation's normalisation)."""
    return "".join(ch for ch in text.lower() if not (unicodedata.category(ch).startswith(("P", "Z", "S")) or ch.isspace()))


def span_em(prediction: str, golds: list[str]) -> float:
    p = _normalise(prediction)
    return float(any(p == _normalise(g) for g in golds))


def segments(text: str) -> list[str]:
    """The CMRC2018 evaluation's tokens: each Chinese character alone, each run of Latin letters or digits as one
    word (2025年 -> 2025, 年), punctuation and spaces dropped."""
    out, word = [], ""
    for ch in text.lower():
        if re.match(r"[\w.]", ch) and not re.match(r"[\u4e00-\u9fff]", ch):
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        if re.match(r"[\u4e00-\u9fff]", ch) or (ch.isalnum() and not ch.isspace()):
            out.append(ch)
    if word:
        out.append(word)
    return [t.strip(".") for t in out if t.strip(".")]


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b):
            row.append(prev[j] + 1 if x == y else max(prev[j + 1], row[j]))
        prev = row
    return prev[-1]


def span_f1(prediction: str, golds: list[str]) -> float:
    """F1 against the best-matching gold answer as the official CMRC2018 script computes it: precision and recall
    of the longest common subsequence of the two token lists (segments)."""
    p = segments(prediction)
    best = 0.0
    for g in map(segments, golds):
        common = _lcs(p, g) if p and g else 0
        if common:
            precision, recall = common / len(p), common / len(g)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def score_item(result: dict, item: dict) -> dict:
    rank = first_hit_rank(result["passages"], item)
    answer = result["answer"]
    said = [answer["text"], *(i["text"] for i in answer.get("items", []))] if answer else []
    cited = not item["doc"] or (bool(answer) and _answer_title_ok(result, item))
    found = [a for a in item["answers"] if any(a in t for t in said)]
    answer_ok = bool(answer) and bool(found) and cited
    span = answer_span_text(result)
    golds = item["answers"]
    return {"id": item["id"], "question": item["question"], "rank": rank, "answer_ok": answer_ok,
            "abstained": result["abstained"], "unanswerable": item["unanswerable"],
            "answer": answer["text"] if answer else None, "span": span,
            "highlight_ok": bool(span) and any(g in span for g in golds),
            "span_em": span_em(span, golds) if golds else 0.0, "span_f1": span_f1(span, golds) if golds else 0.0,
            # a list whose every gold item is said ("all_answers": true marks a list of every item)
            "complete": bool(item.get("all_answers")) and bool(answer) and cited and len(found) == len(golds)}


def _answer_title_ok(result: dict, item: dict) -> bool:
    p = next((p for p in result["passages"] if p["chunk_id"] == result["answer"]["chunk_id"]), None)
    return p is not None and all(d in p["title"] for d in item["doc"])


def summarise(rows: list[dict], latencies_ms: list[float]) -> dict:
    answerable = [r for r in rows if not r["unanswerable"]]
    negatives = [r for r in rows if r["unanswerable"]]
    n = len(answerable)
    out: dict = {"n": n, "n_unanswerable": len(negatives)}
    for k in (1, 3, 5, 10):
        out[f"hit@{k}"] = _ratio(sum(1 for r in answerable if r["rank"] and r["rank"] <= k), n)
    out["mrr@10"] = _ratio(sum(1 / r["rank"] for r in answerable if r["rank"] and r["rank"] <= 10), n)
    out["answer_accuracy"] = _ratio(sum(r["answer_ok"] for r in answerable), n)
    out["highlight_coverage"] = _ratio(sum(r.get("highlight_ok", False) for r in answerable), n)
    out["span_em"] = _ratio(sum(r.get("span_em", 0.0) for r in answerable), n)
    out["span_f1"] = _ratio(sum(r.get("span_f1", 0.0) for r in answerable), n)
    refused = [r for r in rows if r["abstained"]]
    out["refusal_precision"] = _ratio(sum(r["unanswerable"] for r in refused), len(refused))
    out["refusal_recall"] = _ratio(sum(r["abstained"] for r in negatives), len(negatives))
    out["false_refusals"] = sum(1 for r in answerable if r["abstained"])
    whole = [r for r in rows if r.get("all_answers")]
    if whole:  # lists with every gold item written down
        out["lists_complete"] = _ratio(sum(r["complete"] for r in whole), len(whole))
    out["latency_p50_ms"] = round(float(np.percentile(latencies_ms, 50)), 1) if latencies_ms else None
    out["latency_p95_ms"] = round(float(np.percentile(latencies_ms, 95)), 1) if latencies_ms else None
    return out


def _ratio(a: float, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(assistant, items: list[dict], k: int = 10, with_history: bool = True,
             **ask_kwargs) -> tuple[dict, list[dict]]:
    """Ask every question (with its `today` and, if `with_history`, its chat `history`) and score it."""
    rows, latencies = [], []
    understood: dict[tuple[str, ...], str] = {}  # a chat's turns as the chat understood them, by what was typed
    for item in items:
        today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
        history = as_understood(item.get("history") or [], understood) if with_history else None
        t0 = time.perf_counter()
        result = assistant.ask(item["question"], k=k, today=today, history=history, **ask_kwargs).to_dict()
        latencies.append((time.perf_counter() - t0) * 1000)
        understood[(*item.get("history", []), item["question"])] = result["understood_as"]
        rows.append(score_item(result, item) | {"split": split_of(item["id"]), "kind": item.get("kind"),
                                                  "understood_as": result["understood_as"],
                                                  "all_answers": bool(item.get("all_answers"))})
    return summarise(rows, latencies), rows


def as_understood(history: list[str], understood: dict[tuple[str, ...], str]) -> list[str]:
    """The earlier turns of a chat as the chat page sends them: each as it was understood when it was asked
    (when this run asked it), else as typed."""
    return [understood.get(tuple(history[: i + 1]), h) for i, h in enumerate(history)]


def failures_markdown(rows: list[dict]) -> str:
    lines = ["| id | question | gold rank | span | answer sentence |", "|---|---|---|---|---|"]
    for r in rows:
        bad = (r["unanswerable"] and not r["abstained"]) or (
            not r["unanswerable"] and (r["rank"] != 1 or not r["answer_ok"]))
        if bad:
            lines.append(f"| {r['id']} | {r['question']} | {r['rank']} | {r.get('span', '')} "
                         f"| {(r['answer'] or '(refused)')[:60]} |")
    return "\n".join(lines)
