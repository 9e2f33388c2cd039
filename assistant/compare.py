"""One question asked of every year or every region: a table of cited values, and a chart."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from .lexicon import NATIONAL, YEAR, is_scope_word
from .qtypes import measure_fits
from .query import Query, understand
from .reader.kinds import KIND_ZH, sentence_kind
from .search import Filters
from .types import Report

log = logging.getLogger(__name__)

_NUM = r"\d+(?:\.\d+)?"
VALUE = re.compile(
    rf"(?P<low>{_NUM})\s*(?P<unit1>%|％|万亿元|亿元|万元|万人|万吨|亿斤|万户|个百分点)?"
    rf"(?:\s*[-—–~～至到－]\s*(?P<high>{_NUM}))?\s*(?P<unit>%|％|万亿元|亿元|万元|元|万人次|万人|人|万吨|吨|亿斤|万亿斤|斤|万户|户|个百分点|家|个|项)?"
    rf"(?P<qualifier>左右|以上|以内|以下|上下)?"
)
SCALE = {"万亿元": (1e4, "亿元"), "亿元": (1.0, "亿元"), "万元": (1e-4, "亿元")}
_SERIES = re.compile(r"历年|历届|每年|各年|各省份?|各地区?|各省区市|全国各省|31个省份?|各个省份?")


@dataclass
class Row:
    key: str  # the year or the region
    title: str
    doc_id: str
    value: str | None
    number: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    qualifier: str | None = None
    kind: str | None = None  # "target" | "result"
    sentence: str | None = None
    chunk_id: str | None = None
    start: int | None = None
    end: int | None = None
    reason: str | None = None
    outlier: str | None = None  # why the value is not plotted with the others (another unit, far off the rest)

    def to_dict(self) -> dict:
        return asdict(self)

    def cells(self) -> list[str]:
        """The row as people read it, on the page and on the command line: key, value (or why there is none),
        目标/实绩, report title, the sentence it is cited from."""
        value = self.value or f"（{self.reason}）"
        if self.value and self.outlier:
            value += f"（未绘出：{self.outlier}）"
        return [self.key, value, KIND_ZH.get(self.kind or "", ""), self.title, self.sentence or ""]


CELL_HEADERS = ["年份/地区", "数值", "类型", "报告", "原文句子"]


@dataclass
class Table:
    """One question asked of every year or every region; serialised only at the edges (CLI, page, CSV)."""

    question: str
    by: str  # "year" | "region"
    rows: list[Row]

    def to_dict(self) -> dict:
        return {"question": self.question, "by": self.by, "rows": [r.to_dict() for r in self.rows]}


def parse_value(text: str) -> dict:
    """5.5%左右 -> number 5.5, unit %, qualifier 左右; 5.0%—5.5% -> low/high; 4.4万亿元 -> 44000 亿元."""
    m = VALUE.search(text)
    if not m:
        return {}
    low = float(m.group("low"))
    high = float(m.group("high")) if m.group("high") else None
    unit = m.group("unit") or m.group("unit1")
    if unit == "％":
        unit = "%"
    if unit in SCALE:
        factor, unit_to = SCALE[unit]
        low, high, unit = low * factor, (high * factor if high is not None else None), unit_to
    number = (low + high) / 2 if high is not None else low
    return {"number": round(number, 6), "low": low, "high": high, "unit": unit, "qualifier": m.group("qualifier")}


def scope(assistant, question: str, by: str | None = None, title_filter: str | None = None) -> tuple[str, list[Report]]:
    """Which reports the question ranges over: 历年 -> every report of the issuer (State Council by default),
    各省 -> every provincial report of the year it names; `title_filter` narrows either."""
    info = understand(question)
    if by is None:
        series = re.search(r"历年|历届|每年|各年", question)
        by = "year" if series or not re.search(r"各省|各地|省份|省区市", question) else "region"
    reports = [r for r in assistant.index.reports.values() if r.year]
    if title_filter:
        reports = [r for r in reports if title_filter in r.title]
    if by == "year":
        regions = [x for x in info.regions if x != NATIONAL] or [NATIONAL]
        reports = [r for r in reports if r.region in regions and "决议" not in r.title]
        if info.year_range:
            lo, hi = info.year_range
            reports = [r for r in reports if lo <= r.year <= hi]
        reports.sort(key=lambda r: r.year)
    else:
        years = info.years or ([max(r.year for r in reports)] if reports else [])
        reports = [r for r in reports if r.year in years and r.region not in (None, NATIONAL)]
        reports.sort(key=lambda r: r.region or "")
    return by, reports


def strip_scope(question: str) -> str:
    """The question without its series words, so each report is asked the plain question."""
    return _SERIES.sub("", question).replace("政府工作报告中", "").replace("政府工作报告", "") or question


def compare(assistant, question: str, by: str | None = None, title_filter: str | None = None, workers: int = 2,
            progress=None) -> Table:
    by, reports = scope(assistant, question, by, title_filter)
    plain = understand(strip_scope(question))
    qvec = assistant.embedder.embed_query(plain.text)  # embedded once, reused for every report
    wanted = understand(question).asked_kind
    done = [0]

    def one(report: Report) -> Row:
        row = answer_in(assistant, plain, report, by, qvec, wanted)
        done[0] += 1
        if progress:
            progress(done[0], len(reports))
        return row

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        rows = list(pool.map(one, reports))
    flag_outliers(rows)
    return Table(question, by, rows)


def flag_outliers(rows: list[Row], factor: float = 4.0) -> None:
    """Mark the values a chart must not put on the others' axis: another unit than most rows have, or (with
    four or more values) more than `factor` times the median or less than its 1/`factor`."""
    valued = [r for r in rows if r.number is not None]
    units = [r.unit for r in valued]
    common = max(set(units), key=units.count) if units else None
    for r in valued:
        if r.unit != common:
            r.outlier = f"单位（{r.unit or '无'}）与其他各行（{common or '无'}）不同"
    same = sorted(r.number for r in valued if r.outlier is None)
    if len(same) < 4:
        return
    median = same[len(same) // 2]
    for r in valued:
        if r.outlier is None and median > 0 and not median / factor <= r.number <= median * factor:
            r.outlier = f"与其他各行（中位数 {median:g}）相差悬殊，请核对原文"


def answer_in(assistant, query: Query, report: Report, by: str, qvec, wanted: str | None) -> Row:
    """The question asked of one report through Assistant.ask: its answer span is the row's value when it is
    a figure that belongs to the asked term."""
    key = str(report.year) if by == "year" else (report.region or report.title)
    base = Row(key=key, title=report.title, doc_id=report.doc_id, value=None)
    result = assistant.ask(query.text, k=5, filters=Filters(doc_ids=(report.doc_id,)), qvec=qvec)
    a = result.answer
    if result.abstained or a is None:
        base.reason = result.warnings[-1] if result.warnings else "报告中没有能回答的段落"
        return base
    parsed = parse_value(a.span) if a.span != a.sentence else {}
    # 赤字率, 城镇新增就业: the term the figure belongs to (not a year: 2025 says where, not what)
    specific = [w for w in query.tokens if len(w) >= 3 and not is_scope_word(w)]
    if not parsed or (specific and not any(names(a.sentence, w) for w in specific)):
        base.reason = "报告的相关段落中没有该指标的数值"
        return base
    if re.fullmatch(rf"{YEAR}\s*年?(?:度)?", a.span.strip()) or (
            query.qtype == "number" and not measure_fits(a.span, query.text)):
        base.reason = f"找到的「{a.span}」不是所问指标的数值"  # a year, or an amount where a rate is asked
        return base
    kind = sentence_kind(a.sentence, a.section, report.year)
    if wanted and kind and kind != wanted:  # one column holds one kind: 2024's result is no 2025 target
        base.reason = f"找到的数字是{KIND_ZH[kind]}，不是所问的{KIND_ZH[wanted]}"
        return base
    return Row(key=key, title=report.title, doc_id=report.doc_id, value=a.span, chunk_id=a.chunk_id,
               kind=kind, sentence=a.sentence, start=a.start, end=a.end, **parsed)


def names(sentence: str, term: str) -> bool:
    """The sentence names the term, or its core: 生产总值 names 地区生产总值, 新增就业 names 城镇新增就业."""
    return any(term[i:] in sentence for i in range(0, max(1, len(term) - 3)))


BY_ZH = {"year": "年份", "region": "地区"}


def figure(table: Table):
    """The compared values as points on a scale from zero, ranges (5.0%—5.5%) as error bars, qualifiers
    (左右, 以上) as labels; a matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    fonts = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei"]
    if not {f.name for f in font_manager.fontManager.ttflist} & set(fonts):
        log.warning("no Chinese font found for the chart, its labels will show as boxes: install one "
                    "(Debian/Ubuntu: apt-get install fonts-noto-cjk)")
    plt.rcParams["font.sans-serif"] = [*fonts, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    rows = [r for r in table.rows if r.number is not None and r.outlier is None]
    left_out = [r for r in table.rows if r.number is not None and r.outlier is not None]
    fig, ax = plt.subplots(figsize=(max(6, len(rows) * 0.4), 4))
    xs = list(range(len(rows)))
    ys = [r.number for r in rows]
    err = [[r.number - (r.low if r.high is not None else r.number) for r in rows],
           [(r.high if r.high is not None else r.number) - r.number for r in rows]]
    ax.errorbar(xs, ys, yerr=err, marker="o", capsize=4, linestyle="-" if table.by == "year" else "none")
    for x, r in zip(xs, rows, strict=True):
        label = r.value if r.qualifier or r.high is not None else ""
        if label:
            ax.annotate(label, (x, r.high if r.high is not None else r.number), fontsize=7, ha="center",
                        va="bottom", xytext=(0, 3), textcoords="offset points")
    ax.set_xticks(xs, [r.key for r in rows], rotation=60, fontsize=8)
    if ys and min(ys) >= 0:
        ax.set_ylim(bottom=0, top=max(r.high if r.high is not None else r.number for r in rows) * 1.15 or 1)
    units = {r.unit for r in rows if r.unit}
    ax.set_xlabel(BY_ZH.get(table.by, ""))
    ax.set_ylabel("数值" + (f"（{' / '.join(sorted(units))}）" if units else ""))
    ax.set_title(table.question, fontsize=9)
    if left_out:  # flagged, not plotted: one outlier would flatten every other point
        fig.text(0.01, 0.01, "未绘出：" + "；".join(f"{r.key} {r.value}（{r.outlier}）" for r in left_out)[:160],
                 fontsize=7, ha="left", va="bottom")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot(table: Table, path: str) -> None:
    """The chart of `figure` written as a PNG."""
    import matplotlib.pyplot as plt

    fig = figure(table)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cell_accuracy(table: Table, gold: dict[str, str]) -> tuple[float, list[tuple[str, str, str | None]]]:
    """Share of gold cells whose value parses to the same number and unit; with the misses."""
    rows = {r.key: r.to_dict() for r in table.rows}
    misses = []
    for key, value in gold.items():
        want, got = parse_value(value), rows.get(key)
        ok = got is not None and got["number"] is not None and abs(got["number"] - want["number"]) < 1e-9 and (
            got["unit"] == want["unit"])
        if not ok:
            misses.append((key, value, got["value"] if got else None))
    return (1 - len(misses) / len(gold)) if gold else 0.0, misses


def to_csv(table: Table) -> str:
    import csv
    import io

    fields = ["key", "title", "value", "number", "low", "high", "unit", "qualifier", "kind", "sentence", "chunk_id",
              "start", "end", "reason"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    w.writerows(r.to_dict() for r in table.rows)
    return buf.getvalue()
