"""Query understanding: a question is read once into a frozen `Query` that search, answer and compare share."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from .lexicon import (
    ARABIC_YEAR,
    CHINESE_YEAR,
    NATIONAL,
    PLAN_END,
    YEAR,
    YEAR_RANGE,
    asked_kinds,
    chinese_year,
    fillers,
    is_scope_word,
    list_pattern,
    measure_tail,
    national_hints,
    place_names,
    plan_end_year,
    provinces,
    region_aliases,
    region_forms,
    relative_years,
    report_words,
    synonyms,
)
from .normalise import normalise_question
from .qtypes import QUESTION_WORD, asked_unit, question_type
from .regions import regions_in

MAX_QUESTION_CHARS = 120  # read at most: a question is short, and embedding time grows with its length (200: 74 ms)


@dataclass(frozen=True)
class Query:
    """One question, understood: what it asks (terms, answer type, unit) and where to look (years, regions)."""

    text: str
    tokens: tuple[str, ...]
    terms: tuple[str, ...]  # the tokens without interrogatives and fillers, in order
    content_terms: tuple[str, ...]  # the terms without scope words (2025年, 四川省, 政府工作报告)
    qtype: str | None  # the kind of value asked for (qtypes.question_type)
    unit: str  # the measure word a 多少/几 question asks in
    years: tuple[int, ...] = ()
    year_range: tuple[int, int] | None = None
    regions: tuple[str, ...] = ()
    relative: tuple[str, ...] = ()  # 今年/去年… as written; `years` holds what they resolve to
    scope_first: bool = False  # the question opens with its year or region: "2025年四川…", "深圳的…"
    asked_kind: str | None = None  # "target" (目标/计划/打算) or "result" (实现/完成/去年…多少); None = either
    names_report: bool = False  # the years/regions say which report to read, not what is asked (report_words)
    # the year dates what is asked (宁夏2025年地区生产总值, 2005年末外汇储备), not which report: the next year's
    # report, which reviews that year, is read first. Not when the year opens the question (2025年安徽粮食产量:
    # the 2025 report) or a report word, 今年/去年 or a target says which report it is
    event_year: bool = False
    wants_list: bool = False  # 哪些 / 有哪些措施 / 主要预期目标: answered with the items of a list
    yes_no: bool = False  # 吗 / 是否 / 有没有: answered with the evidence, 是/否 only where it says so plainly
    asked_on: dt.date | None = None  # the day the question is asked when not today (a question set's `today`)

    @property
    def national(self) -> bool:
        return self.regions == (NATIONAL,)

    @property
    def issuer(self) -> str | None:
        """国务院 for a question about the national reports, the region's government for one region."""
        if self.national:
            return "国务院"
        if len(self.regions) == 1:
            return region_forms(self.regions[0])[0] + "人民政府"
        return None

    @property
    def has_content(self) -> bool:
        """False for "？？？", "😀", "什么", "2025年政府工作报告": nothing that says what is wanted."""
        return bool(self.content_terms)

    def scoped(self, **changes) -> Query:
        """The same question with other years or regions (a report the question names may be missing)."""
        return replace(self, **changes)


def question_terms(tokens: list[str] | tuple[str, ...]) -> list[str]:
    """The content words of a question: its tokens without interrogatives (哪几个/多少/谁) and fillers."""
    filler = fillers()
    return [t for t in dict.fromkeys(tokens) if not QUESTION_WORD.match(t) and t not in filler]


_PLACE_BEFORE = r"(?:^|(?<=[\s，。？！、,.?!：:；;（(“\"在和与及从到至那]))"
_PLACE_AFTER = r"(?=\d|[〇零一二]{2}|今年|去年|明年|前年|本年|的|省|市|政府|GDP|gdp|经济|地区)"
_SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})年(?![来内间后前以左多底末初])")
_YEAR_BEFORE = "，。？！、,.?!：:；;（(“\"在和与及从到至是说那 \t"


def everyday_to_report(text: str, today: dt.date | None = None) -> str:
    """The question in the reports' wording: 沪/魔都 -> 上海, 26年 -> 2026年, GDP -> 生产总值
    (the tables are data/region_aliases.tsv and data/synonyms.tsv)."""
    for alias, region in region_aliases():
        form = provinces().get(region, (region,))[-1]
        if alias in text:
            text = re.sub(_PLACE_BEFORE + re.escape(alias) + (_PLACE_AFTER if len(alias) == 1 else ""), form, text)
    yy = (today or dt.date.today()).year % 100
    text = _SHORT_YEAR.sub(lambda m: _full_year(m, yy), text)
    for everyday, report in synonyms():
        text = _replace_unless_part(text, everyday, report)
    return text


def _full_year(m: re.Match, yy: int) -> str:
    """26年 -> 2026年 where it stands as a year: at the start, after punctuation or a place (深圳21年);
    not in 近10年 / 用了20年."""
    before = m.string[: m.start()]
    if before and before[-1] not in _YEAR_BEFORE and not before.endswith(tuple(place_names())):
        return m.group(0)
    return f"{20 if int(m.group(1)) <= yy + 1 else 19}{m.group(1)}年"


def _replace_unless_part(text: str, word: str, wording: str) -> str:
    """Replace `word` by `wording` except where it already stands inside `wording` (赤字 in 赤字率) or inside
    part of it (失业率 in 调查失业率, which 城镇调查失业率 ends with)."""
    out, pos = [], 0
    inner = wording.find(word)
    for m in re.finditer(re.escape(word), text):
        s = m.start()
        if inner >= 0 and (text.startswith(wording, s - inner) or _within(text, s, m.end(), wording, inner)):
            continue
        out += [text[pos:s], wording]
        pos = m.end() + _overlap(wording, text[m.end():])
    return "".join(out) + text[pos:]


def _within(text: str, s: int, e: int, wording: str, inner: int) -> bool:
    """The text around text[s:e] goes on as `wording` goes on around its `inner` occurrence of the word."""
    before = inner > 0 and s > 0 and text[s - 1] == wording[inner - 1]
    after_at = inner + (e - s)
    after = after_at < len(wording) and e < len(text) and text[e] == wording[after_at]
    return before or after


def _overlap(wording: str, after: str) -> int:
    """How much of what follows the replaced word the wording already says (PM2.5年均浓度 -> 细颗粒物年均浓度,
    not 细颗粒物年均浓度年均浓度)."""
    return max((k for k in range(2, len(wording)) if after.startswith(wording[-k:])), default=0)


_HOW_MUCH = re.compile(r"多(?:高|大|长|久|远|快|重|低)")


def understand(question: str, today: dt.date | None = None) -> Query:
    """Read a question once. 今年/去年/明年 resolve against `today` (default: the real date) unless the
    question names a year itself ("2017年政府工作报告提出今年…": 今年 is that report's year)."""
    from .lexical import tokenize

    text = everyday_to_report(normalise_question(question), today)
    unit = asked_unit(text)
    tokens = without_counter(without_year_glue(tuple(tokenize(text))), text, unit)
    # 多高/多大/多久 ask like 多少; segmented apart, their 高/大 would count as terms
    terms = tuple(question_terms(tokenize(_HOW_MUCH.sub("多少", text)) if _HOW_MUCH.search(text) else tokens))
    terms = tuple(t for t in terms if not _asked_count(t, text))
    year_range = None
    for m in YEAR_RANGE.finditer(text):
        lo, hi = sorted((int(m.group(1)), int(m.group(2))))
        year_range = (lo, hi)
    years = [int(m.group(1)) for m in ARABIC_YEAR.finditer(text)]
    years += [chinese_year(m.group(1)) for m in CHINESE_YEAR.finditer(text)]
    years += [plan_end_year(m.group(1)) for m in PLAN_END.finditer(text)]
    if year_range:
        years = [y for y in years if y not in year_range]
    # 比上年/较去年 compare with a year, they do not name the one asked
    relative = tuple(word for word in relative_years() if re.search(rf"(?<![比较]){word}", text))
    kind_text = text
    if relative and not years and not year_range:
        now = (today or dt.date.today()).year
        years = [now + relative_years()[w] for w in relative]
        # 去年 chose the report here ("去年赤字率是多少" asks 2025's figure); it does not also ask for a result
        kind_text = re.sub("|".join(relative), "", text)
    regions = regions_in(text)
    if not regions and any(h in _without_comparisons(text) for h in national_hints()):
        regions = [NATIONAL]
    report_word = any(w in text for w in report_words())
    names_report = bool(years or regions) and (report_word or bool(relative) or bool(years and regions))
    kind = asked_kind(kind_text)
    event_year = bool(years) and not report_word and kind != "target" and (
        not _opens_with_year(text) or bool(_YEAR_AS_TIME.search(text)))
    return Query(
        text=text, tokens=tokens, terms=terms, content_terms=_content(terms, text, regions),
        qtype=question_type(text), unit=unit, years=tuple(dict.fromkeys(years)), year_range=year_range,
        regions=tuple(regions), relative=relative, scope_first=_scope_first(text, regions),
        asked_kind=kind, names_report=names_report, event_year=event_year, wants_list=bool(list_pattern().search(text)),
        yes_no=bool(re.search(r"吗[？?]*$|是否|有没有|是不是|还[^，。？]{0,6}吗", text)), asked_on=today,
    )


def without_year_glue(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """2024年经新疆… segments as 2024 / 年经: the 年 belongs to the year, the rest is the question's own word.
    A word the dictionary knows stays whole (2021年度, 2025年底)."""
    from .lexical import tokenizer

    known = tokenizer().FREQ
    out: list[str] = []
    for i, t in enumerate(tokens):
        glued = i and re.fullmatch(YEAR, tokens[i - 1]) and t.startswith("年") and len(t) > 1 and not known.get(t)
        out += ["年", t[1:]] if glued else [t]
    return tuple(out)


def without_counter(tokens: tuple[str, ...], text: str, unit: str) -> tuple[str, ...]:
    """多少家首店 segments as 家首店 and 几颗卫星 as 颗卫星: the counter belongs to the question word, the rest is the
    term the reports write (首店, 卫星). A piece more common as a word than its rest stays whole (多少家庭: 家庭)."""
    if not unit:
        return tokens
    from .lexical import tokenizer

    known = tokenizer().FREQ
    asked = rf"(?:多少|几){re.escape(unit)}"

    def term(token: str) -> str:
        rest = token[len(unit):]
        glued = token.startswith(unit) and bool(rest) and re.search(asked + re.escape(rest), text)
        return rest if glued and known.get(token, 0) < max(known.get(rest, 0), 1) else token

    return tuple(term(t) for t in tokens)


def _asked_count(token: str, text: str) -> bool:
    """哪十个方面: 十个 is how many items are asked, not a term the report writes."""
    return bool(re.fullmatch(r"[0-9两二三四五六七八九十]{1,3}[个项条大场件类种]?", token)) and f"哪{token}" in text


def asked_kind(text: str) -> str | None:
    """"target" for 目标/预期/计划/力争/打算…, "result" for 实现/完成/达到/增长了/去年…多少, else None."""
    return next((kind for kind, pattern in asked_kinds() if pattern.search(text)), None)


def _content(terms: tuple[str, ...], text: str, regions: list[str]) -> tuple[str, ...]:
    """The terms that are not scope (not a scope word, not a piece of a region's name: 内蒙 of 内蒙古), and not a
    thing-plus-measure word whose thing is a term already (赤字规模 with 赤字: reports write 财政赤字2.76万亿元)."""
    forms = [f for r in regions for f in region_forms(r) if f in text]
    return tuple(t for t in terms if not is_scope_word(t) and not any(t in f for f in forms)
                 and not ((m := measure_tail().search(t)) and m.start() > 0 and t[: m.start()] in terms))


_YEAR_AS_TIME = re.compile(rf"(?:{YEAR}|[一二〇零○]{{4}})年(?:末|底|全年)")


def _opens_with_year(text: str) -> bool:
    """2025年安徽… (not 安徽2025年…)."""
    return bool(re.match(rf"^(?:在|请问|关于)?(?:{YEAR}|[一二〇零○]{{4}})年", text))


# 全国 as the measure a place is compared with (创全国纪录, 居全国前列, 占全国的比重, 在全国排第几) or part of a name (全国重点
# 实验室, 全国百强县), not the country asked about
_AGAINST_COUNTRY = re.compile(r"(?<=[占居列比于在排])全国"
                              r"|全国(?=(?:新)?纪录|第[一二三四五六七八九十\d]|前列|首[个家位创]|领先|平均|之最|排名?|百强|重点实验室)")


def _without_comparisons(text: str) -> str:
    return _AGAINST_COUNTRY.sub("", text)


def _scope_first(text: str, regions: list[str]) -> bool:
    if re.match(rf"^(?:在|请问|关于)?\S{{0,2}}(?:{YEAR}|[一二〇零○]{{4}})年", text):
        return True
    return any(text.find(form) in (0, 1, 2) for r in regions
               for form in (national_hints() if r == NATIONAL else region_forms(r)))
