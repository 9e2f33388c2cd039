"""Query understanding: the years and regions a question names, used to steer retrieval."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .regions import CITIES, NATIONAL, PROVINCES, regions_in

MAX_QUESTION_CHARS = 2000
_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "一": "1", "二": "2", "三": "3", "四": "4",
           "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_ARABIC_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|年度)?")
_CHINESE_YEAR = re.compile(r"([一二〇零○Ｏ][〇零○Ｏ一二三四五六七八九]{3})年")
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年)?\s*[-—–~～至到]\s*((?:19|20)\d{2})")
RELATIVE = {"今年": 0, "本年": 0, "当年": 0, "去年": -1, "上年": -1, "上一年": -1, "前年": -2, "明年": 1}
_NATIONAL_HINTS = ("国务院", "全国", "中央政府", "我国", "国家层面", "中华人民共和国")


SCOPE_WORDS = frozenset(
    {form for forms in PROVINCES.values() for form in forms} | set(CITIES) | {c + "市" for c in CITIES}
    | {"政府", "工作", "报告", "政府工作", "政府工作报告", "人民政府", "国务院", "全国", "中华人民共和国", "中华",
       "人民", "共和", "共和国", "华人", "自治", "自治区", "省", "市", "年", "年度", "今年", "去年", "明年", "本年"}
)


def is_scope_word(token: str) -> bool:
    """Words that name where to look (a year, a region, the report) rather than what is asked."""
    return token in SCOPE_WORDS or bool(re.fullmatch(r"(?:19|20)\d{2}", token))


@dataclass
class QueryInfo:
    text: str
    years: list[int] = field(default_factory=list)
    relative: list[int] = field(default_factory=list)  # offsets like -1 for 去年, resolved per report
    regions: list[str] = field(default_factory=list)
    national: bool = False
    year_range: tuple[int, int] | None = None
    scope_first: bool = False  # the question opens with its year or region: "2025年四川…", "深圳的…"


def normalise_question(text: str) -> str:
    return text.translate(_FULLWIDTH).strip()


def chinese_year(s: str) -> int:
    return int("".join(_DIGITS[c] for c in s))


def parse_query(question: str) -> QueryInfo:
    text = normalise_question(question)
    info = QueryInfo(text=text)
    for m in _RANGE.finditer(text):
        lo, hi = sorted((int(m.group(1)), int(m.group(2))))
        info.year_range = (lo, hi)
    years = [int(m.group(1)) for m in _ARABIC_YEAR.finditer(text)]
    years += [chinese_year(m.group(1)) for m in _CHINESE_YEAR.finditer(text)]
    if info.year_range:
        years = [y for y in years if y not in info.year_range]
    info.years = list(dict.fromkeys(years))
    info.relative = [off for word, off in RELATIVE.items() if word in text]
    info.regions = [r for r in regions_in(text)]
    info.national = any(h in text for h in _NATIONAL_HINTS) and not info.regions
    if info.national:
        info.regions = [NATIONAL]
    info.scope_first = bool(re.match(r"^(?:在|请问|关于)?\S{0,2}(?:(?:19|20)\d{2}|[一二〇零○]{4})年", text)) or any(
        text.find(form) in (0, 1, 2)
        for r in info.regions
        for form in (_NATIONAL_HINTS if r == NATIONAL else PROVINCES.get(r, (r,)) + (r,))
    )
    return info
