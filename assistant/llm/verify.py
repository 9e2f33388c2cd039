"""The check of a generated answer, sentence by sentence, against the passages it cites.

A sentence is kept only when
- it cites at least one of the numbered passages ([n]);
- every figure in it (numbers in Arabic or Chinese numerals, with 万/亿 read as magnitudes, percentages,
  dates) is a figure of a cited passage, its report's title, year or section, or of the question itself;
- every 《title》 in it occurs there too;
- its content words are covered by the cited passages at least as far as the threshold fitted on the dev
  sets (eval/fit_verify.py, data/llm_check.json).

What it proves: each figure and name is in its cited passage. What it does not: that the sentence draws the
right conclusion from them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..lexicon import CN_NUMBER, cn_number, fillers
from ..normalise import fold, to_simplified
from ..types import Claim, Passage

_CITE = re.compile(r"[\[【［]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】］]")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.、)）]|[（(]\d{1,2}[)）]|#+)\s*")
_MARKUP = re.compile(r"\*\*|__|`")
_TITLE = re.compile(r"《([^》]{1,60})》")
_CN_MAGNITUDE = "十百千万亿"
_FIGURE = re.compile(
    rf"(?P<pct>百分之)?(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|{CN_NUMBER.pattern})"
    r"(?P<scale>万亿|亿|万|千)?\s*(?P<after>%|‰|个百分点|百分点)?"
)
_CN_UNIT_AFTER = re.compile(r"[年月日号个项家所名位倍岁天户座条次批类种万亿元吨人%]")
_SCALE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}
REFUSALS = re.compile(r"无法(?:从.{0,10})?(?:回答|确定|得知)|没有(?:提供|提到|找到|相关)|未(?:提及|提到|找到)"
                      r"|不知道|抱歉")


@dataclass(frozen=True)
class CheckParams:
    """Where a sentence's content words are covered enough: fitted (data/llm_check.json)."""

    coverage: float = 0.5


@cache
def fitted_params() -> CheckParams:
    raw = json.loads(resources.files("assistant").joinpath("data/llm_check.json").read_text(encoding="utf-8"))
    return CheckParams(coverage=float(raw["coverage_threshold"]))


def plain(text: str, simplify: bool = True) -> str:
    """What the check compares: folded (full-width digits and %), simplified (a reply may be written in
    traditional characters; passages come simplified from Report.plain), without spaces and thousands commas."""
    text = fold(text)
    text = to_simplified(text) if simplify else text
    return re.sub(r"(?<=\d),(?=\d{3})", "", re.sub(r"[ \t\u00a0]+", "", text))


def split_claims(reply: str) -> list[tuple[str, tuple[int, ...]]]:
    """The reply's sentences with the passage numbers each cites; a [n] standing after the 。 belongs to the
    sentence before it. Bullets and Markdown emphasis are dropped from the text shown."""
    out: list[tuple[str, list[int]]] = []
    for line in fold(reply).splitlines():
        line = _MARKUP.sub("", _BULLET.sub("", line))
        for piece in _SENTENCE.findall(line):
            lead = re.match(rf"^(?:\s*{_CITE.pattern})+", piece)
            if lead and out:
                out[-1][1].extend(_numbers(lead.group(0)))
                piece = piece[lead.end():]
            cites = _numbers(piece)
            text = _CITE.sub("", piece).strip()
            if re.search(r"[\w\u4e00-\u9fff]", text):
                out.append((text, cites))
            elif cites and out:
                out[-1][1].extend(cites)
    return [(text, tuple(dict.fromkeys(cites))) for text, cites in out]


def _numbers(text: str) -> list[int]:
    return [int(n) for m in _CITE.finditer(text) for n in re.split(r"\s*[,，、]\s*", m.group(1))]


def figures(text: str) -> set[tuple[float, str]]:
    """(value, kind) of every figure in `text` (already plain): 1.2万亿元 -> (1.2e12, ""), 5.5% -> (5.5, "%"),
    百分之十二点三 -> (12.3, "%"), 八千亿斤 -> (8e11, ""), 二〇二六年 -> (2026, ""). A Chinese numeral counts only
    with a digit and a magnitude (三千, 十四), as a run of digits (一九八五) or before a unit (两个, 三月), so
    that 一是, 统一 and 百姓 are no figures."""
    found = set()
    for m in _FIGURE.finditer(text):
        num, scale, after = m.group("num"), m.group("scale") or "", m.group("after") or ""
        if num[0].isdigit():
            value = float(num.replace(",", ""))
        else:
            if not _counts_as_figure(num, text[m.end("num"):m.end("num") + 1], bool(m.group("pct") or scale or after)):
                continue
            value = cn_number(num)
            if value is None:
                continue
        value *= _SCALE.get(scale, 1.0)
        kind = "%" if (m.group("pct") or after == "%") else ("pp" if "百分点" in after else after)
        found.add((round(value, 6), kind))
    return found


def _counts_as_figure(num: str, following: str, marked: bool) -> bool:
    if all(c in _CN_MAGNITUDE or c == "点" for c in num):  # 百, 千万: a magnitude with no digit
        return False
    return any(c in _CN_MAGNITUDE for c in num) or len(num) >= 2 or marked or bool(_CN_UNIT_AFTER.match(following))


def titles(text: str) -> list[str]:
    return _TITLE.findall(text)


def content_words(text: str) -> list[str]:
    """The words a claim asserts: precise-mode jieba tokens of two or more characters, not figures, not
    stopwords or question fillers."""
    from ..lexical import STOPWORDS, tokenize_with_spans

    stop = STOPWORDS | fillers() | _FRAME_WORDS
    stripped = _FIGURE.sub(" ", _TITLE.sub(" ", text))
    return [w for w, _, _ in tokenize_with_spans(stripped)
            if len(w) >= 2 and w not in stop and not re.fullmatch(r"[\d.%]+", w)]


# words with which a generated sentence frames what the report says; they assert nothing about the topic
_FRAME_WORDS = frozenset("根据 报告 报告中 政府工作报告 工作报告 资料 段落 材料 提到 提出 指出 显示 表示 明确 介绍 其中 以及 "
                         "我们 此外 另外 同时 方面 内容 相关 所示 所述 可知 来看 总结 工作 如下".split())


def coverage(words: list[str], support: str) -> float:
    """The share of the words' characters that occur in the supporting text."""
    total = sum(len(w) for w in words)
    if not total:
        return 1.0
    return sum(len(w) for w in words if w.lower() in support.lower()) / total


@dataclass
class Support:
    """What a cited passage offers a claim: its text as compared and the figures it holds."""

    text: str
    figures: set
    frame: str  # title, year and section: figures and titles allowed, not content

    @classmethod
    def of(cls, p: Passage) -> Support:
        text = plain(p.report.plain(p.chunk.text), simplify=False)
        frame = plain(p.report.plain(f"{p.report.title} {p.report.year or ''}年 {p.chunk.section}"), simplify=False)
        return cls(text, figures(text) | figures(frame), frame)


def check_claim(text: str, cites: tuple[int, ...], supports: dict[int, Support], allowed: set,
                question: str, params: CheckParams) -> Claim:
    """One sentence against the passages it cites; the reason in Chinese when it fails."""
    said = plain(text)
    cited = [supports[n] for n in cites if n in supports]
    if not cites:
        return Claim(text, cites, False, "没有标注引用的段落")
    if not cited:
        return Claim(text, cites, False, f"引用的段落{_ranks(cites)}不在检索结果中")
    figure_set = allowed.union(*(s.figures for s in cited))
    missing = [f for f in figures(said) if not _figure_in(f, figure_set)]
    if missing:
        return Claim(text, cites, False, f"数字{_shown(missing)}不在引用段落{_ranks(cites)}中")
    frames = "".join(s.text + s.frame for s in cited) + plain(question)
    unknown_titles = [t for t in titles(said) if t not in frames]
    if unknown_titles:
        return Claim(text, cites, False, f"《{unknown_titles[0]}》不在引用段落{_ranks(cites)}中")
    words = content_words(said)
    share = coverage(words, "".join(s.text for s in cited))
    if share < params.coverage:
        return Claim(text, cites, False, f"内容与引用段落{_ranks(cites)}对不上（覆盖 {share:.0%}）", coverage=share)
    return Claim(text, cites, True, "", coverage=share)


def _figure_in(figure: tuple[float, str], available: set) -> bool:
    value, kind = figure
    return any(abs(v - value) <= 1e-9 * max(1.0, abs(value)) and (not kind or k == kind) for v, k in available)


def _shown(missing: list[tuple[float, str]]) -> str:
    parts = []
    for value, kind in sorted(missing)[:3]:
        number = f"{value:g}" if value < 1e6 else (f"{value / 1e8:g}亿" if value >= 1e8 else f"{value / 1e4:g}万")
        parts.append(number + {"%": "%", "pp": "个百分点"}.get(kind, kind))
    return "、".join(parts)


def _ranks(cites: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in cites)


def verify(reply: str, passages: list[Passage], question: str, params: CheckParams | None = None) -> list[Claim]:
    """Every sentence of `reply` checked against the passages it cites (by rank)."""
    params = params or fitted_params()
    supports = {p.rank: Support.of(p) for p in passages}
    allowed = figures(plain(question))
    return [check_claim(text, cites, supports, allowed, question, params) for text, cites in split_claims(reply)]


def claim_support(claim: Claim, passages: list[Passage]) -> list[tuple[Passage, int, int]]:
    """Where each kept claim stands in its cited passages: the passage sentence that shares most of its words
    (chunk offsets), for the card's highlight."""
    from ..chunking import sentence_spans

    words = content_words(plain(claim.text)) or [claim.text]
    marks = []
    for p in passages:
        if p.rank not in claim.cites:
            continue
        text = p.report.plain(p.chunk.text)
        scored = [(coverage(words, plain(text[s:e], simplify=False)), s, e) for s, e in sentence_spans(text, 0, len(text))]
        share, s, e = max(scored, key=lambda x: x[0], default=(0.0, 0, 0))
        if share > 0:
            marks.append((p, s, e))
    return marks


def asked_figures_in(span: str, kept: list[Claim]) -> bool:
    """Whether the kept sentences state the figures of the reader's own answer span (all of them)."""
    wanted = figures(plain(span))
    have = set().union(*(figures(plain(c.text)) for c in kept)) if kept else set()
    return all(_figure_in(f, have) for f in wanted)


def is_refusal(reply: str) -> bool:
    return bool(REFUSALS.search(plain(reply[:200])))
