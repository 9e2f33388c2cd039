"""List answers (哪些 / 有哪些措施 / 主要预期目标): the numbered items of a section, the clauses of a targets
sentence, and yes-no verdicts read off the evidence sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lexicon import cn_number
from ..query import Query

_ORDER = "一二三四五六七八九十"
ITEM_MARKS = [  # (pattern, group holding the item's number)
    re.compile(rf"(?:^|(?<=[。；;：:\n]))\s*([{_ORDER}]{{1,2}})是"),  # 一是… 二是…
    re.compile(rf"(?:^|(?<=[\n。；;：:]))\s*[（(]([{_ORDER}]{{1,2}})[)）]"),  # （一）…（二）…
    re.compile(r"(?:^|(?<=[\n。；;：:]))\s*(\d{1,2})[.、．](?!\d)"),  # 1. 2、
    re.compile(rf"(?:^|(?<=[\n。；;：:]))\s*第([{_ORDER}]{{1,2}})[，,、]"),  # 第一，第二，
    re.compile(rf"(?:^|(?<=\n))\s*([{_ORDER}]{{1,2}})[、．.]"),  # 一、 二、 (section headings)
]
ITEM_END = re.compile(r"[。；;！？!?]|\n")
MAX_ITEMS = 12


@dataclass(frozen=True)
class Item:
    """One item of a list answer; `start`/`end` are offsets into the text it was found in."""

    text: str
    start: int
    end: int


def _number(token: str) -> int:
    """1 / 一 / 十二 / 二十 -> the item's number."""
    return int(token) if token.isdigit() else int(cn_number(token) or 0)


def enumerations(text: str, start: int = 0, end: int | None = None) -> list[list[Item]]:
    """Every numbered list in text[start:end] (一是/二是, （一）（二）, 1. 2., 第一/第二, 一、二、), each in order."""
    end = len(text) if end is None else end
    runs = []
    for pattern in ITEM_MARKS:
        marks = [(m.start(1) - (1 if m.start(1) > 0 and text[m.start(1) - 1] in "（(" else 0), _number(m.group(1)))
                 for m in pattern.finditer(text, start, end)]
        run: list[int] = []
        for pos, n in marks:
            if n == 1:
                if len(run) >= 2:
                    runs.append(_items(text, run, end))
                run = [pos]
            elif run and n == len(run) + 1:
                run.append(pos)
        if len(run) >= 2:
            runs.append(_items(text, run, end))
    return runs


def _items(text: str, starts: list[int], end: int) -> list[Item]:
    items = []
    for i, s in enumerate(starts[:MAX_ITEMS]):
        limit = starts[i + 1] if i + 1 < len(starts) else end
        m = ITEM_END.search(text, s, limit)
        e = m.end() if m and text[m.start()] != "\n" else (m.start() if m else limit)
        e = min(e, limit)
        while e > s and text[e - 1] in " \t\r\n\u3000":
            e -= 1
        items.append(Item(text[s:e], s, e))
    return items


def target_clauses(sentence: str, offset: int = 0) -> list[Item]:
    """The targets of a 主要预期目标是：A增长5%左右，B…；C… sentence, each as an item."""
    colon = re.search(r"目标[^：:]{0,6}[：:]|目标是|目标为", sentence)
    if not colon:
        return []
    items, pos = [], colon.end()
    for m in re.finditer(r"[^，；;。]+", sentence[pos:]):
        s, e = pos + m.start(), pos + m.end()
        if re.search(r"\d|[增降]|控制|稳定|同步", sentence[s:e]):
            items.append(Item(sentence[s:e], offset + s, offset + e))
    return items[:MAX_ITEMS] if len(items) >= 3 else []


_COUNT = re.compile(r"([0-9]{1,2}|[两一二三四五六七八九十]{1,3})\s*(?:个方面|个|项|场|件|条|大|类|种|方面)")


def asked_count(question: str) -> int | None:
    """How many items a list question says there are: 哪十个方面 -> 10, 哪9个 -> 9, 六场战役 -> 6, 三大产业 -> 3."""
    for m in _COUNT.finditer(question):
        token = m.group(1).replace("两", "二")
        n = _number(token)
        if 2 <= n <= 30:
            return n
    return None


def best_list(text: str, start: int, end: int, near: int, count: int | None = None) -> list[Item]:
    """The numbered list of text[start:end] with the count the question names, if one has it, and nearest to
    position `near` (the answering sentence)."""
    runs = enumerations(text, start, end)
    if not runs:
        return []

    def distance(run: list[Item]) -> tuple[bool, int, int]:
        mismatch = count is not None and len(run) != count
        if run[0].start <= near <= run[-1].end:
            return (mismatch, 0, -len(run))
        return (mismatch, min(abs(run[0].start - near), abs(run[-1].end - near)), -len(run))

    return min(runs, key=distance)


_NO = re.compile(r"不再|没有|未|不|停止|取消|暂停")


def yes_or_no(sentence: str, query: Query) -> str | None:
    """否 when the sentence plainly negates the asked thing (不再发行抗疫特别国债), 是 when it plainly states
    it; None when it says neither plainly (the evidence sentence is the answer then)."""
    for term in sorted(query.content_terms, key=len, reverse=True):
        if len(term) < 2 or term not in sentence:
            continue
        before = sentence[max(0, sentence.index(term) - 6) : sentence.index(term)]
        if _NO.search(before):
            return "否"
        if re.search(r"继续|将|拟|要|发行|安排|实施|提出|推进", before):
            return "是"
    return None
