"""Follow-up questions: "那四川呢？" after a question about 浙江 becomes a question that stands on its own.

No language model: a follow-up keeps what it leaves out (year, region, the figure asked) from the turn
before and replaces what it names. The rewritten question is shown to the user (按「…」理解), so a
wrong rewrite is visible at once.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from .lexicon import NATIONAL, YEAR, cn_number, region_forms
from .query import Query, understand
from .reader.model import LinearModel, shipped

# a turn that leans on the one before: 那…呢, 还有…, 换成…, or a bare ending in 呢
_LEANS = re.compile(r"^(?:那么?|还有|再看看?|换成|改成|如果是|同样地?|对于)|呢[？?！!。\s]*$")
# asks for detail about the topic just discussed
_DETAIL = re.compile(r"^(?:那么?)?(?:具体|详细|展开|都|主要)?(?:有哪些|是哪些|包括哪些|哪些|怎么做|怎么干|如何做|"
                     r"如何实现|怎么实现|为什么|为何|采取了?什么|有什么)(?:具体)?(?:措施|举措|做法|办法|安排|工作|任务|内容|方面)?"
                     r"(?:呢|的|吗)?[？?。！!]*$|^(?:具体|详细)(?:说说|讲讲|介绍一下|来说)|^(?:怎么做的|为什么)")
_WH_TAIL = re.compile(r"(?:是|为|有)?(?:多少|几[个项家所条名位次倍年天]?|哪些|什么|哪个|怎样|如何)[^，。？]*[？?]*$")


def scope_prefix(query: Query, event: bool = False) -> str:
    """2025年四川 / 2021年国务院政府工作报告 / 深圳 — the report a standalone question names, in few words
    (a long name like 广西壮族自治区 would pull the report's title page up). With `event`, the years are when
    something happened (四川2024年, 全国2024年: told in the next year's report)."""
    years = "、".join(f"{y}年" for y in query.years)
    if event:
        country = NATIONAL if "政府工作报告" in query.text else ""
        return ("、".join(query.regions) or country) + years
    if query.national:
        return f"{years}国务院政府工作报告"
    if not query.regions and "政府工作报告" in query.text:  # "2025年政府工作报告…": the State Council's
        return f"{years}政府工作报告"
    return years + "、".join(query.regions)


def topic_of(query: Query) -> str:
    """The question without where it looks: 浙江省2025年地区生产总值增长目标是多少？ -> 地区生产总值增长目标是多少？"""
    text = scope_clauses(query.text, query.asked_on)[0]
    for r in query.regions:
        for form in region_forms(r) if r != NATIONAL else ("国务院", "全国"):
            text = text.replace(form, "")
    text = re.sub(rf"{YEAR}\s*年?度?|今年|去年|明年|前年", "", text)
    text = re.sub(r"(?:国务院)?政府工作报告|人民政府|报告", "", text)
    return re.sub(r"^(?:那么?)?[\s的中里，,、提出说]+", "", text).strip() or query.text


# words that say how a thing is measured or which figure of it is asked, not what the thing is: a turn made of
# them alone (实际增长了多少？) asks about the thing the chat was about
_MEASURE_ONLY = frozenset("增长 实际 实际上 完成 目标 预期 规模 总量 总额 比重 占比 增速 速度 数量 达到 提高 下降 降低 "
                          "情况 同比 上年 比上年 多 了 定 定了 这个 这个数 这项 它 该 比 增 增了 涨 涨了 增幅 涨幅 "
                          "增长率".split())


def subject_of(query: Query) -> str:
    """What a question is about, without how it is measured: 生产总值 of 江西2025年生产总值增长目标定了多少？"""
    terms = [t for t in query.content_terms if t not in _MEASURE_ONLY]
    whole = [t for t in terms if not any(t != o and t in o for o in terms)]
    return "".join(whole)


_REFERENCE = re.compile(r"^(?:那么?)?(?:这个数字?|这个|这一数字?|这项|它|该)")


def with_subject(topic: str, query: Query, previous: Query) -> str:
    """The turn's own topic, led by the chat's subject when the turn names only a measure (实际增长了多少？ after
    a question about 生产总值 -> 生产总值实际增长了多少？) or points back at it (这个比上年增长了多少？). A list of
    measures (主要预期目标有哪些) is the report's whole list, not the subject's."""
    if _REFERENCE.match(topic):
        return _REFERENCE.sub(subject_of(previous), topic, count=1)
    if query.content_terms and not subject_of(query) and not query.wants_list:  # 主要预期目标有哪些: all of them
        return subject_of(previous) + topic
    return topic


def is_follow_up(question: str, query: Query, previous: Query | None) -> bool:
    if previous is None or not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", question):  # "😀🎉", "？？？"
        return False
    if _DETAIL.search(question) or _LEANS.search(question):
        return True
    if not query.content_terms:  # only a new scope ("2026年？", "四川的") leans on the topic before
        return bool(query.years or query.regions)
    return len(question) <= 8 and not query.qtype  # "财政赤字？"


_CLAUSE = re.compile(r"[^，,。；;？?！!]+[，,。；;？?！!\s]*")


def scope_clauses(question: str, today: dt.date | None = None) -> tuple[str, tuple[int, ...], tuple[str, ...]]:
    """The question without the clauses after its first that only say where to look (河南呢？按2025年的报告 ->
    河南呢？, 2025), with the years and regions those clauses name."""
    clauses = _CLAUSE.findall(question) or [question]
    body, years, regions = clauses[0], (), ()
    for clause in clauses[1:]:
        q = understand(clause, today)
        if not q.has_content and (q.years or q.regions):
            years, regions = years + q.years, regions + q.regions
        else:
            body += clause
    return body, years, regions


def in_light_of(question: str, previous: Query | None, today: dt.date | None = None, force: bool = True) -> str:
    """The turn read in the light of the one before: what it leaves out (year, region, the figure asked) is
    taken from `previous`, what it names replaces it. With `force` off, only a turn that leans on the one
    before (那…呢, a bare new scope, a short figure) is rewritten."""
    if previous is None:
        return question
    body, clause_years, clause_regions = scope_clauses(question, today)
    query = understand(body, today)
    leans = is_follow_up(body, query, previous)
    if not leans and not (force and query.has_content):
        return question
    years, event = chat_years(query, clause_years, previous)
    regions = query.regions or clause_regions or previous.regions
    scope = scope_prefix(previous.scoped(years=years, regions=regions), event)
    if not leans:  # a question of its own, in the chat's scope where it names none
        if (query.years or clause_years) and (query.regions or clause_regions):
            return question
        return f"{scope} {with_subject(topic_of(query), query, previous)}".strip()
    question = body
    if _DETAIL.search(question):
        stem = _WH_TAIL.sub("", topic_of(previous)).rstrip("是为的") or topic_of(previous)
        stem = re.sub(r"目标$", "", stem)
        return f"{scope} {stem}有哪些具体措施？".strip()
    own = [t for t in query.content_terms if not re.fullmatch(r"那么?|呢|的|还有|换成|改成|如果是", t)]
    if own:  # a new figure in the same scope: 财政赤字呢？ -> 财政赤字是多少？
        asked = re.sub(r"^(?:那么?|还有|换成|改成|如果是)的?|(?:的)?呢?[？?！!。\s]*$", "", topic_of(query)).strip()
        asked = with_subject(asked, query, previous)
        if _WH_TAIL.search(asked) or query.yes_no:  # the turn asks in its own words: 那调查失业率平均是多少
            return f"{scope} {asked}".strip()
        if previous.asked_kind == "target" and query.asked_kind is None:
            asked += "目标"  # 就业呢？ after a question about the GDP target asks for the jobs target
        tail = _WH_TAIL.search(topic_of(previous))
        return f"{scope} {asked}{tail.group(0) if tail else '是多少？'}".strip()
    return f"{scope} {topic_of(previous)}".strip()


def report_years(query: Query) -> tuple[int, ...]:
    """The years of the reports a question reads: an event of 2024 (河南2024年粮食总产量) is told in the 2025 report,
    unless that report is delivered after the day the question is asked."""
    if not query.event_year:
        return query.years
    now = (query.asked_on or dt.date.today()).year
    return tuple(y + 1 if y + 1 <= now else y for y in query.years)


def reviews_chat_report(query: Query, previous: Query) -> bool:
    """A figure of the year before the chat's report (24年实际增了多少, 去年实际增长多少, 2009年国内生产总值达到多少
    in a chat on the 2010 report), asked with words of its own and not as a target or of a named report: the one
    that report's review gives."""
    chat = report_years(previous)
    return (query.asked_kind != "target" and "报告" not in query.text and bool(query.content_terms)
            and bool(query.years) and bool(chat) and all(y + 1 in chat for y in query.years))


def chat_years(query: Query, clause_years: tuple[int, ...], previous: Query) -> tuple[tuple[int, ...], bool]:
    """The years a later turn asks about, and whether they are when something happened (not a report's year). A
    turn about the same kind of thing as an event question before it asks about events too; a target after one
    (城镇新增就业目标 after 河南2024年粮食总产量) is in the report that reviews the event's year."""
    like_previous = previous.event_year and query.asked_kind != "target"
    if clause_years:  # 按2025年的报告
        return clause_years, False
    if query.years:
        return query.years, like_previous or reviews_chat_report(query, previous)
    return (previous.years, True) if like_previous else (report_years(previous), False)


def standalone(question: str, previous: Query | None, today: dt.date | None = None) -> str:
    """The follow-up as a question that stands on its own (unchanged when it already does): the reading the
    wording proposes."""
    return in_light_of(question, previous, today, force=False)


def names_its_scope(query: Query) -> bool:
    """The question says which report it asks about: a year and a region (or the State Council's report; 去年
    alone names a year, not whose report)."""
    return bool(query.years) and (bool(query.regions) or "政府工作报告" in query.text or "国务院" in query.text)


def readings(question: str, history: list[str] | None, today: dt.date | None = None) -> tuple[str, str, bool]:
    """(the turn alone, the turn in the light of the chat, whether the chat's reading is the one proposed). The
    two are equal when the chat adds nothing. The chat's reading is proposed when the wording leans on the
    chat (那四川呢？) or the turn does not say which report it asks about; which one is answered is decided by
    how well each is answered."""
    return readings_after(question, last_topic(history, today), today)


def readings_after(question: str, previous: Query | None, today: dt.date | None = None) -> tuple[str, str, bool]:
    """`readings` of a turn after the chat's topic so far (`last_topic` of its earlier turns)."""
    in_chat = in_light_of(question, previous, today)
    leans = standalone(question, previous, today) != question
    return question, in_chat, leans or (in_chat != question and not names_its_scope(understand(question, today)))


# what decides between the two readings of a later turn: each reading's answer (answered, the reader's probability,
# whether its report is the one the chat was about, whether the reading names a report the index lacks), the
# difference of the two, plus what the wording says (the chat's reading proposed; the turn names a year or region)
READING_FEATURES = ("answered", "prob", "in_chat_scope", "scope_missing")
CHOICE_FEATURES = (*(f"d_{n}" for n in READING_FEATURES), "chat_proposed", "turn_scoped")


def reading_vector(answered: bool, prob: float, in_chat_scope: bool, scope_missing: bool) -> np.ndarray:
    return np.array([answered, prob, in_chat_scope and answered, scope_missing], dtype=np.float64)


def choice_features(chat: np.ndarray, alone: np.ndarray, chat_proposed: bool, turn_scoped: bool) -> np.ndarray:
    return np.concatenate([chat - alone, [float(chat_proposed), float(turn_scoped)]])


def choice_model() -> LinearModel:
    """P(the chat's reading is the right one), fitted on chats by eval/fit_chat.py (assistant/data/reader_chat.json)."""
    return shipped("chat", CHOICE_FEATURES)


def chat_wins_anyway(model: LinearModel, chat: np.ndarray, chat_proposed: bool, turn_scoped: bool) -> float | None:
    """The chooser's probability for the chat's reading against the best answer the turn alone could get (every
    reading feature lies in [0, 1]; the worst for the chat is each at the end its weight disfavours), when even
    that is above the threshold: the turn alone need not be asked. Else None."""
    n = len(READING_FEATURES)
    worst = np.where(model.coef[:n] / model.scale[:n] > 0, 1.0, 0.0)
    p = float(model.prob(choice_features(chat, worst, chat_proposed, turn_scoped))[0])
    return p if p >= model.threshold else None


def turn_scoped(question: str, today: dt.date | None = None) -> bool:
    """The turn names a report of its own: a year and a region, or the State Council's report (in the question or
    a trailing 看2026年的报告)."""
    body, years, regions = scope_clauses(question, today)
    query = understand(body, today)
    return names_its_scope(query.scoped(years=query.years or years, regions=query.regions or regions))


_ITEM_REF = re.compile(r"^(?:那么?)?(?:第\s*([一二三四五六七八九十两]{1,3}|\d{1,2})|(最后|末))\s*(?:一)?(?:个|项|条|点|方面|件)"
                       r"[^，。？?]{0,8}[？?。！!]*$")


def item_reference(question: str) -> int | None:
    """第三个呢？ / 第2项具体怎么做 / 最后一条呢: which item of the previous list answer the turn asks about (1-based;
    -1 for the last), else None."""
    m = _ITEM_REF.match(question.strip())
    if not m:
        return None
    if m.group(2):
        return -1
    token = m.group(1)
    return int(token) if token.isdigit() else int(cn_number(token.replace("两", "二")) or 0) or None


_ITEM_MARK = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}是|\d{1,2}[.、．]"
                        r"|第[一二三四五六七八九十]{1,3}[，,、])")


def item_reading(previous: Query, item: str) -> str:
    """The question a list item stands for: the item itself, in the scope of the list question (its passages are
    its details)."""
    item = _ITEM_MARK.sub("", item).rstrip("。；;，,：: ")
    return f"{scope_prefix(previous)} {item}".strip()


KEEP_TURNS = 5  # earlier turns a follow-up is read against; each is kept as understood, so it stands alone


class Conversation:
    """A chat with an Assistant: each question may lean on the turns before it."""

    def __init__(self, assistant, today: dt.date | None = None, keep: int = KEEP_TURNS) -> None:
        self.assistant = assistant
        self.today = today
        self.keep = keep
        self.understood: list[str] = []  # the last turns as they were understood (standalone questions)

    def ask(self, question: str, **kwargs):
        result = self.assistant.ask(question, history=self.understood, today=self.today, **kwargs)
        self.understood = [*self.understood, result.understood_as][-self.keep:]
        return result


def last_topic(history: list[str] | None, today: dt.date | None = None) -> Query | None:
    """The chat's earlier turns (oldest first) folded into the question the last of them stood for."""
    previous = None
    for earlier in history or []:
        query = understand(standalone(earlier, previous, today), today)
        if query.has_content:  # a turn with nothing in it ("😀", "？？？") leaves the topic where it was
            previous = query
    return previous


def resolve(question: str, history: list[str] | None, today: dt.date | None = None) -> str:
    """The question as it stands alone, given the earlier questions of the chat (oldest first): the reading
    its wording proposes."""
    return standalone(question, last_topic(history, today), today)
