"""Fit the choice between a chat turn's two readings (assistant/data/reader_chat.json) and print held-out figures.

    .venv/bin/python eval/fit_chat.py [--index eval/runs/shared-index] [--c 1.0]

A later turn is answered twice, alone and in the light of the chat; a logistic model over the two answers
(conversation.CHOICE_FEATURES) says which to show. It is fitted on turns where exactly one reading is right:

- the real chats of eval/dev_chats.jsonl to eval/dev_chats4.jsonl (each was held out for its first run, and is
  tune data since its failures were read);
- chats made from the tune halves of the standalone dev sets: a question, then another on the same report with
  its year and region left out (a follow-up), or then a question on another report as it was written (a new
  question mid-chat).

Held out, never fitted on: the same kind of chats made from the test halves. Each group is printed beside the
rule the chooser replaced (the proposed reading kept when answered, else the other if answered).
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from fit_reader import fit  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.conversation import CHOICE_FEATURES, last_topic, readings_after, topic_of, turn_scoped  # noqa: E402
from assistant.evaluate import as_understood, load_questions, score_item, split_of  # noqa: E402
from assistant.query import understand  # noqa: E402
from assistant.reader.model import shipped  # noqa: E402
from assistant.search import Filters  # noqa: E402

STANDALONE = ["dev_corpus", "dev_shared", "dev_realistic", "dev_fresh", "dev_fresh2", "dev_fresh3", "dev_fresh4",
              "dev_fresh5", "dev_fresh6", "dev_fresh7", "dev_fresh8"]
FITTED_CHATS = ["dev_chats", "dev_chats2", "dev_chats3", "dev_chats4"]
FITTING = ["made, tune halves", *FITTED_CHATS]
OUT = ROOT / "assistant" / "data" / "reader_chat.json"


def made_chats(items: list[dict], rng: random.Random) -> list[tuple[list[str], str, dict]]:
    """(history, turn, gold item): each answerable question after another on its report with its scope left out,
    and as written after a question on another report."""
    usable = [i for i in items if not i["unanswerable"] and i["doc"] and not i.get("history")
              and not i.get("all_answers")]
    by_doc: dict[tuple[str, ...], list[dict]] = {}
    for i in usable:
        by_doc.setdefault(tuple(i["doc"]), []).append(i)
    chats = []
    for item in usable:
        today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
        query = understand(item["question"], today)
        same = [i for i in by_doc[tuple(item["doc"])] if i is not item]
        turn = topic_of(query)
        if same and (query.years or query.regions) and turn != item["question"]:
            chats.append(([rng.choice(same)["question"]], turn, item))
        other = [i for d, group in by_doc.items() if d != tuple(item["doc"]) for i in group]
        if other:
            chats.append(([rng.choice(other)["question"]], item["question"], item))
    return chats


def real_chats(items: list[dict]) -> list[tuple[list[str], str, dict]]:
    return [(i["history"], i["question"], i) for i in items if i.get("history")]


def turn_row(a: Assistant, history: list[str], turn: str, item: dict) -> dict | None:
    """Both readings of one turn answered: the chooser's features, which reading is right, what the rule chose."""
    today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
    previous = last_topic(history, today)
    alone, in_chat, chat_first = readings_after(turn, previous, today)
    if alone == in_chat or not understand(alone, today).has_content:
        return None
    ask = lambda reading: a._ask_reading(turn, reading, [], 10, Filters(), None, None, today)  # noqa: E731
    chat, lone = ask(in_chat), ask(alone)
    x = a.choice_features(chat, lone, previous, chat_first, turn_scoped(turn, today))
    chat_ok, lone_ok = (score_item(r.to_dict(), item)["answer_ok"] for r in (chat, lone))
    proposed, other = (chat, lone) if chat_first else (lone, chat)
    rule_chat = (proposed is chat) == (not proposed.abstained or other.abstained)
    return {"id": item["id"], "turn": turn, "x": x, "chat_ok": chat_ok, "alone_ok": lone_ok, "rule_chat": rule_chat}


def rows_of(a: Assistant, chats: list[tuple[list[str], str, dict]]) -> list[dict]:
    return [r for h, t, i in chats if (r := turn_row(a, h, t, i)) is not None]


def chained(a: Assistant, items: list[dict]) -> list[tuple[list[str], str, dict]]:
    """A real chat's turns with their history as the chat understood it (each earlier turn answered first)."""
    understood: dict[tuple[str, ...], str] = {}
    out = []
    for item in items:
        today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
        history = as_understood(item.get("history") or [], understood)
        result = a.ask(item["question"], k=10, today=today, history=history)
        understood[(*item.get("history", []), item["question"])] = result.understood_as
        if history:
            out.append((history, item["question"], item))
    return out


def right(rows: list[dict], choose_chat) -> int:
    return sum((r["chat_ok"] if choose_chat(r) else r["alone_ok"]) for r in rows)


def chooses_chat(model, row: dict) -> bool:
    return model.prob(row["x"])[0] >= model.threshold


def report(name: str, rows: list[dict], model) -> None:
    rule = right(rows, lambda r: r["rule_chat"])
    fitted = right(rows, lambda r: chooses_chat(model, r))
    either = sum(r["chat_ok"] or r["alone_ok"] for r in rows)
    print(f"{name:28} turns {len(rows):4}  right: rule {rule:4}  fitted {fitted:4}  "
          f"either reading {either:4}  chat always {right(rows, lambda r: True):4}  alone always "
          f"{right(rows, lambda r: False):4}")


def informative(groups: dict[str, list[dict]], names: list[str]) -> list[dict]:
    """The turns where exactly one reading is right: the only ones that say which reading to choose."""
    return [r for name in names for r in groups[name] if r["chat_ok"] != r["alone_ok"]]


def fitted(groups: dict[str, list[dict]], names: list[str], c: float):
    rows = informative(groups, names)
    x = np.vstack([r["x"] for r in rows])
    y = np.array([float(r["chat_ok"]) for r in rows])
    return fit(x, y, np.ones(len(y)), CHOICE_FEATURES, c)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "eval" / "runs" / "shared-index"))
    ap.add_argument("--c", type=float, default=1.0)
    args = ap.parse_args()
    a = Assistant.open(args.index)
    rng = random.Random(20261207)
    standalone = [i for name in STANDALONE for i in load_questions(ROOT / "eval" / f"{name}.jsonl")]
    made = made_chats(standalone, rng)
    groups = {"made, tune halves": rows_of(a, [c for c in made if split_of(c[2]["id"]) == "tune"]),
              "made, test halves": rows_of(a, [c for c in made if split_of(c[2]["id"]) != "tune"])}
    # a real chat's history is the turns as they were understood, which depends on the choice: a first model fitted
    # on the made chats alone chains them, the final one is fitted on everything
    first = fitted(groups, ["made, tune halves"], args.c)
    first.save(OUT)
    shipped.cache_clear()
    groups |= {name: rows_of(a, chained(a, load_questions(ROOT / "eval" / f"{name}.jsonl"))) for name in FITTED_CHATS}
    model = fitted(groups, FITTING, args.c)
    rows = informative(groups, FITTING)
    print(f"fitted on {len(rows)} turns where one reading is right ({sum(r['chat_ok'] for r in rows)} the chat's)")
    for n, w in zip(model.names, model.coef, strict=True):
        print(f"  {n:16} {w:+.3f}")
    print("fitted on:")
    for name in FITTING:
        report(name, groups[name], model)
    print("held out:")
    held = groups["made, test halves"]
    report("made, test halves", held, model)
    model = replace(model, threshold=0.5, about={
        "fitted_by": "eval/fit_chat.py", "fitted_on": ["made chats (tune halves)", *FITTED_CHATS],
        "turns": len(rows), "c": args.c,
        "held_out_right": {"made, test halves": [right(held, lambda r: chooses_chat(model, r)), len(held)]}})
    model.save(OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
