"""The word lists and the few patterns every stage shares, read once from assistant/data/.

Word lists live in data files so they can be reviewed and changed without reading code: regions and
cities, scope words, fillers, units, question words, national hints, relative years, heading words.
This module also owns the one year pattern, the one Chinese-numeral map and the numbered-heading pattern.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in (raw.strip() for raw in text.splitlines()) if line and not line.startswith("#")]


@cache
def words(name: str) -> tuple[str, ...]:
    """Every whitespace-separated word of a word-list file, in file order."""
    return tuple(dict.fromkeys(w for line in _lines(name) for w in line.split()))


@cache
def table(name: str) -> tuple[tuple[str, ...], ...]:
    """The rows of a tab-separated file."""
    return tuple(tuple(cell.strip() for cell in line.split("\t")) for line in _lines(name))


# -- numbers and years -------------------------------------------------------------------------------------

CN_NUMERALS = "一二三四五六七八九十百零〇"  # what numbers sections and list items (一、 （二） 三是)
CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "一": "1", "二": "2", "三": "3", "四": "4",
             "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
YEAR = r"(?:19|20)\d{2}"
YEAR_NUMBER = re.compile(rf"(?<!\d)({YEAR})(?!\d)")
ARABIC_YEAR = re.compile(rf"(?<!\d)({YEAR})\s*(?:年|年度)?")
CHINESE_YEAR = re.compile(r"([一二〇零○Ｏ][〇零○Ｏ一二三四五六七八九]{3})年")
# the last year of a five-year plan: “十四五”末 is 2025, 十三五期末 2020
PLAN_END = re.compile(r"十([一二三四五六])五[”\"」]?(?:末|期末|收官之年)")
YEAR_RANGE = re.compile(rf"(?<!\d)({YEAR})\s*(?:年)?\s*[-—–~～至到]\s*({YEAR})")
NUMBERED_HEADING = re.compile(
    rf"^\s*(?:[{CN_NUMERALS}]+[、．.]|[（(][{CN_NUMERALS}\d]+[)）]|\d+[.、．]|第[{CN_NUMERALS}\d]+[章节编部])"
)


def plan_end_year(numeral: str) -> int:
    """十一五 ends in 2010, 十四五 in 2025."""
    return 2005 + 5 * "一二三四五六".index(numeral) + 5


_CN_VALUE = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE = {"万": 10_000, "亿": 100_000_000}
CN_NUMBER = re.compile(r"[零〇○一二两三四五六七八九十百千万亿]+(?:点[零〇○一二三四五六七八九]+)?")


def cn_number(text: str) -> float | None:
    """二十 -> 20, 一百四十一 -> 141, 三亿六千万 -> 360000000, 八千亿 -> 8e11, 十二点三 -> 12.3, 一九八五 -> 1985
    (digit by digit when there is no 十/百/千); None when `text` is not a Chinese numeral."""
    if not text or not CN_NUMBER.fullmatch(text):
        return None
    whole, _, decimals = text.partition("点")
    if not any(c in _CN_SMALL or c in _CN_LARGE for c in whole):
        value = float("".join(str(_CN_VALUE[c]) for c in whole)) if whole else 0.0
    else:
        value = _cn_integer(whole)
        if value is None:
            return None
    if decimals:
        value += float("0." + "".join(str(_CN_VALUE[c]) for c in decimals))
    return value


def _cn_integer(text: str) -> float | None:
    total, section, digit = 0.0, 0.0, None
    for c in text:
        if c in _CN_VALUE:
            digit = _CN_VALUE[c]
        elif c in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[c]
            digit = None
        else:  # 万 / 亿 scale everything before them in their section
            section += digit or 0
            if section == 0 and total == 0:
                return None
            total = (total + section) * _CN_LARGE[c] if c == "亿" or total < _CN_LARGE[c] else total + section * _CN_LARGE[c]
            section, digit = 0.0, None
    return total + section + (digit or 0)


def chinese_year(s: str) -> int:
    """二〇二五 -> 2025."""
    return int("".join(CN_DIGITS[c] for c in s))


def is_year(token: str) -> bool:
    return bool(re.fullmatch(YEAR, token))


# -- regions ------------------------------------------------------------------------------------------------

NATIONAL = "全国"


@cache
def provinces() -> dict[str, tuple[str, ...]]:
    """Canonical province name -> the forms it is written in (北京 -> 北京市, 北京)."""
    return {row[0]: row[1:] for row in table("provinces.tsv")}


@cache
def cities() -> dict[str, str]:
    """City -> its province."""
    return {row[0]: row[1] for row in table("cities.tsv")}


def region_forms(region: str) -> tuple[str, ...]:
    """How a region is written, longest first: 四川 -> (四川省, 四川); a city -> (深圳市, 深圳)."""
    return provinces().get(region) or (region + "市", region)


@cache
def place_names() -> frozenset[str]:
    """Every written form of every province and city."""
    return frozenset({f for forms in provinces().values() for f in forms} | {f for c in cities() for f in region_forms(c)})


@cache
def national_hints() -> tuple[str, ...]:
    return words("national_hints.txt")


@cache
def relative_years() -> dict[str, int]:
    """今年 -> 0, 去年 -> -1, …"""
    return {row[0]: int(row[1]) for row in table("relative_years.tsv")}


# -- question words -----------------------------------------------------------------------------------------

@cache
def scope_words() -> frozenset[str]:
    """Words that name where to look (a year, a region, the report) rather than what is asked."""
    return place_names() | set(words("scope_words.txt"))


def is_scope_word(token: str) -> bool:
    return token in scope_words() or is_year(token)


@cache
def fillers() -> frozenset[str]:
    return frozenset(words("filler.txt"))


@cache
def units() -> str:
    """The measure words a figure ends in, as one regex alternation (file order: longer before prefix)."""
    return "(?:" + "|".join(re.escape(u) for u in words("units.txt")) + ")"


@cache
def wh_pattern() -> re.Pattern:
    return re.compile("|".join(words("wh_words.txt")))


@cache
def question_types() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((kind, re.compile(pattern)) for kind, pattern in table("question_types.tsv"))


@cache
def asked_kinds() -> tuple[tuple[str, re.Pattern], ...]:
    """("target", pattern), ("result", pattern): what a figure question asks for (data/asked_kinds.tsv)."""
    return tuple((kind, re.compile(pattern)) for kind, pattern in table("asked_kinds.tsv"))


@cache
def report_words() -> tuple[str, ...]:
    return words("report_words.txt")


@cache
def region_aliases() -> tuple[tuple[str, str], ...]:
    """(alias, canonical region), longest alias first (data/region_aliases.tsv)."""
    return tuple(sorted(((a, c) for a, c in table("region_aliases.tsv")), key=lambda p: -len(p[0])))


@cache
def synonyms() -> tuple[tuple[str, str], ...]:
    """(everyday wording, report wording), longest first (data/synonyms.tsv)."""
    return tuple(sorted(((a, c) for a, c in table("synonyms.tsv")), key=lambda p: -len(p[0])))


@cache
def other_wordings() -> dict[str, tuple[str, ...]]:
    """Report wording -> the other ways a report may write it too (生产总值 -> gdp, 居民消费价格 -> cpi), lower-cased:
    the question is read in one wording, a report may print the other (全年GDP增长4%). From data/synonyms.tsv
    and data/glossary.tsv."""
    out: dict[str, list[str]] = {}
    for alias, wording in (*table("synonyms.tsv"), *table("glossary.tsv")):
        if len(alias) > 1 and alias.lower() != wording:
            out.setdefault(wording, []).append(alias.lower())
    return {w: tuple(dict.fromkeys(a)) for w, a in out.items()}


@cache
def list_pattern() -> re.Pattern:
    """Questions that ask for several things (data/list_words.txt)."""
    return re.compile("|".join(_lines("list_words.txt")))


@cache
def statement_kinds() -> dict[tuple[str, str], re.Pattern]:
    """(kind, "section" | "sentence") -> the cue words of a target or result statement (data/statement_kinds.tsv)."""
    return {(kind, where): re.compile(pattern) for kind, where, pattern in table("statement_kinds.tsv")}


@cache
def measures() -> tuple[tuple[str, re.Pattern, re.Pattern], ...]:
    """(measure, the question words asking for it, what its answer span holds) from data/measures.tsv."""
    return tuple((m, re.compile(asked), re.compile(holds)) for m, asked, holds, *_ in table("measures.tsv"))


@cache
def measure_tail() -> re.Pattern:
    """The words that, ending a question's word, name a measure of the thing before them (赤字规模, 投资总额):
    the fourth column of data/measures.tsv."""
    return re.compile(f"(?:{'|'.join(row[3] for row in table('measures.tsv') if len(row) > 3)})$")
