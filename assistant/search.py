"""Hybrid retrieval: dense + BM25 fused by reciprocal rank, steered to the reports a question names."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from .index import IndexData
from .lexicon import NATIONAL, cities, provinces
from .qtypes import answer_type_fits
from .query import Query
from .types import Report


@dataclass(frozen=True)
class Filters:
    """Explicit restrictions chosen by the user; empty means no restriction."""

    years: tuple[int, int] | None = None
    regions: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def allows(self, r: Report) -> bool:
        if self.doc_ids and r.doc_id not in self.doc_ids:
            return False
        if self.regions and r.region not in self.regions:
            return False
        if self.years:
            lo, hi = self.years
            if not any(lo <= y <= hi for y in (r.years or ((r.year,) if r.year else ()))):
                return False
        return True


@dataclass(frozen=True)
class SearchParams:
    """Retrieval knobs; each comment says what raising it trades."""

    candidates: int = 60  # passages taken from each ranking before fusion: recall against time
    rrf_k: int = 60  # reciprocal-rank constant: higher flattens the difference between ranks
    dense_weight: float = 1.0  # weight of the embedding ranking in the fusion
    lexical_weight: float = 1.0  # weight of the BM25 ranking: exact report wording against paraphrase
    steer: bool = True  # prefer the reports whose year and region the question names
    next_year_prior: float = 0.5  # a question about year Y is often answered by the Y+1 report ("过去一年")
    outside_prior: float = 0.3  # reports the question does not name still compete, discounted
    steer_min_coverage: float = 0.5  # below this in the named reports, and far better elsewhere: ignore the steer
    steer_margin: float = 0.2  # ...where "far better" means this much more coverage outside
    mode: str = "hybrid"  # "hybrid" | "dense" | "bm25"
    rerank: bool = True  # re-score the fused candidates by term coverage and answer-type fit
    coverage_weight: float = 1.0  # share of the question's terms a passage holds: wording against meaning
    type_weight: float = 0.3  # a value of the asked type (a number for 多少) in the passage
    overlap: float = 0.5  # a hit sharing this much of a better hit's span is a duplicate window


@dataclass
class Hit:
    row: int
    score: float
    prior: float = 1.0
    coverage: float = 0.0
    in_scope: bool = True  # its report is one the question names (or the next year's); False: it only competes


def report_prior(report: Report, query: Query, next_year_prior: float = 0.5) -> float:
    """How well a report matches the years and regions a question names (0 = not at all). A question dating an
    event in year Y (Query.event_year) is answered by the Y+1 report's review first, the Y report second."""
    if query.regions and report.region not in query.regions:
        return 0.0
    if query.asked_on and report.year and report.year > query.asked_on.year:
        return 0.0  # a report delivered after the day the question is asked (the 2026 report, asked in 2025)
    if query.years:
        years = report.years or ((report.year,) if report.year else ())
        named = any(y in years for y in query.years)
        reviews = report.year is not None and any(report.year == y + 1 for y in query.years)
        if query.event_year:
            return 1.0 if reviews else next_year_prior if named else 0.0
        return 1.0 if named else next_year_prior if reviews else 0.0
    return 1.0


def steering(index: IndexData, query: Query, allowed_docs: list[str], params: SearchParams) -> dict[str, float]:
    """Prior per report for the question, or {} when the question names nothing that matches."""
    if not params.steer or not (query.years or query.regions):
        return {}
    priors = {d: p for d in allowed_docs if (p := report_prior(index.reports[d], query, params.next_year_prior)) > 0}
    if query.event_year and priors and max(priors.values()) < 1.0:  # no report reviews the year: read the year's own
        return steering(index, replace(query, event_year=False), allowed_docs, params)
    if not priors and query.regions and query.years:
        # the named region has no report of that year: fall back to the region alone
        region_only = query.scoped(years=())
        priors = {d: 1.0 for d in allowed_docs if report_prior(index.reports[d], region_only) > 0}
    if not priors and query.national:
        return {}
    return priors


def with_index_regions(index: IndexData, query: Query) -> Query:
    """A city the index has no report of stands for its province (成都 -> 四川, 郑州 -> 河南)."""
    held = {r.region for r in index.reports.values()}
    reported = {r.region for r in index.reports.values() if "报告" in r.title}  # a province's report, not 四川大学
    regions = tuple(dict.fromkeys(
        cities()[r] if r not in held and r in cities() and cities()[r] in reported and not names_own_report(r, query.text)
        else r for r in query.regions))
    if not regions and NATIONAL in held and (re.search(r"(?<![省市区])政府工作报告", query.text) or query.relative) \
            and not re.search(r"各省|各地|省份|省区市|地方(?!政府(?:专项)?债|财政|债)|全省|全市|我省|我市", query.text):
        # "2025年政府工作报告", "今年GDP目标" without a region: the State Council's (地方政府专项债券 and 地方财政赤字
        # are figures of its report, not a question about the provinces)
        regions = (NATIONAL,)
    return query if regions == query.regions else query.scoped(regions=regions)


def names_own_report(city: str, text: str) -> bool:
    """The question asks for the city's own report (杭州市2025年政府工作报告), which its province's does not stand for."""
    return bool(re.search(rf"{re.escape(city)}市?(?:(?:19|20)\d{{2}}年)?(?:的)?(?:人民)?(?:政府)?工作报告", text))


def missing_scope(index: IndexData, query: Query, filters: Filters = Filters()) -> str | None:
    """索引中没有… when the question names a report (its year, region or issuer) that the index does not hold.
    A result asked of year Y is in the Y+1 report ("过去一年"), so that one counts unless a target is asked."""
    if not query.names_report:
        return None
    reports = [r for r in index.reports.values() if filters.allows(r)]
    if "报告" in query.text:  # a resolution on the report (关于政府工作报告的决议) is not the report
        reports = [r for r in reports if "报告" in r.title and "决议" not in r.title]
    if query.regions:
        reports = [r for r in reports if r.region in query.regions]
        if not reports:
            return f"索引中没有{scope_name(query, ())}"
    if not query.years:
        return None
    years = set(query.years)
    if any(years & set(r.years or ((r.year,) if r.year else ())) for r in reports):
        return None
    if query.asked_kind != "target" and any(r.year and r.year - 1 in years for r in reports):
        return None
    return f"索引中没有{scope_name(query, query.years)}"


def scope_name(query: Query, years: tuple[int, ...]) -> str:
    """2020年的国务院政府工作报告, 四川省的报告…"""
    when = "、".join(f"{y}年" for y in years) + ("的" if years else "")
    if query.national:
        return f"{when}国务院政府工作报告"
    if query.regions:
        names = [provinces().get(r, (r + "市" if r in cities() else r,))[0] for r in query.regions]
        return f"{when.rstrip('的')}{'、'.join(names)}的{'政府工作报告' if '政府工作报告' in query.text else '报告'}"
    return f"{when}{'政府工作报告' if '政府工作报告' in query.text else '报告'}"


def rows_of(index: IndexData, doc_ids) -> np.ndarray:
    parts = [index.doc_rows[d] for d in doc_ids if d in index.doc_rows]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def ranked(index: IndexData, qvec: np.ndarray | None, qtokens: tuple[str, ...], docs: list[str] | None,
           params: SearchParams) -> list[Hit]:
    """Fuse dense and BM25 rankings over the chunks of `docs` (None = all) by weighted reciprocal rank."""
    n = params.candidates
    hits: dict[int, Hit] = {}
    rows = None if docs is None else rows_of(index, docs)
    if params.mode in ("hybrid", "dense") and qvec is not None:
        ids, _ = index.store.search(qvec, n, allowed=rows, docs=docs)
        for rank, i in enumerate(ids.tolist()):
            h = hits.setdefault(i, Hit(i, 0.0))
            h.score += params.dense_weight / (params.rrf_k + rank + 1)
    if params.mode in ("hybrid", "bm25") and qtokens:
        scores = index.bm25.scores(qtokens)
        if rows is not None:
            masked = np.full_like(scores, -1.0)
            masked[rows] = scores[rows]
            scores = masked
        top = _top(scores, n)
        for rank, i in enumerate(top.tolist()):
            if scores[i] <= 0:
                break
            h = hits.setdefault(i, Hit(i, 0.0))
            h.score += params.lexical_weight / (params.rrf_k + rank + 1)
    return sorted(hits.values(), key=lambda h: (-h.score, h.row))


def rerank(index: IndexData, hits: list[Hit], query: Query, params: SearchParams) -> list[Hit]:
    """Score = prior x (RRF scaled to 0..1 + coverage of question terms + answer-type fit).

    Reports of one series repeat each other almost word for word; within the right report, the
    passage holding all of the question's terms and a value of the asked type (a number, an
    ordinal...) is the one that answers.
    """
    best = (params.dense_weight + params.lexical_weight) / (params.rrf_k + 1)
    rows = np.array([h.row for h in hits], dtype=np.int64)
    use_features = params.rerank and bool(query.terms)
    cov = index.bm25.coverage(rows, list(query.terms)) if use_features else np.zeros(len(hits))
    for h, c in zip(hits, cov.tolist(), strict=True):
        base = h.score / best
        if use_features:
            chunk = index.chunks[h.row]
            fit = 1.0 if answer_type_fits(index.reports[chunk.doc_id].plain(chunk.text), query.qtype) else 0.0
            base += params.coverage_weight * c + params.type_weight * fit
        h.coverage = c
        h.score = h.prior * base
    return sorted(hits, key=lambda h: (-h.score, h.row))


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, np.int64)
    part = np.argpartition(-scores, n - 1)[:n]
    return part[np.lexsort((part, -scores[part]))]


def search(index: IndexData, query: Query, qvec: np.ndarray | None, k: int, filters: Filters = Filters(),
           params: SearchParams = SearchParams()) -> list[Hit]:
    """Top-k hits, steered to the reports the question names, overlapping chunks removed."""
    allowed_docs = [d for d, r in index.reports.items() if filters.allows(r)]
    if not allowed_docs:
        return []
    filtered = len(allowed_docs) < len(index.reports)
    priors = steering(index, query, allowed_docs, params)
    pool: dict[int, Hit] = {}
    if priors:
        for h in ranked(index, qvec, query.tokens, list(priors), params):
            h.prior = priors[index.chunks[h.row].doc_id]
            pool[h.row] = h
    for h in ranked(index, qvec, query.tokens, allowed_docs if filtered else None, params):
        if h.row not in pool:
            h.prior, h.in_scope = (params.outside_prior, False) if priors else (1.0, True)
            pool[h.row] = h
    hits = rerank(index, list(pool.values()), query, params)
    if priors and not query.scope_first and misguided(hits, params):
        for h in hits:
            h.score /= h.prior
            h.prior, h.in_scope = 1.0, True
        hits.sort(key=lambda h: (-h.score, h.row))
    return dedupe(index, hits, k, params.overlap)


def misguided(hits: list[Hit], params: SearchParams) -> bool:
    """True when the named reports hold nothing like an answer but others do: the year or region
    in the question was part of its content (成为广东省率先获批…), not its scope."""
    inside = max((h.coverage for h in hits if h.in_scope), default=0.0)
    outside = max((h.coverage for h in hits if not h.in_scope), default=0.0)
    return inside < params.steer_min_coverage <= outside - params.steer_margin


def dedupe(index: IndexData, hits: list[Hit], k: int, overlap: float = 0.5) -> list[Hit]:
    """Drop a hit that mostly repeats the text of a better one (overlapping windows)."""
    out: list[Hit] = []
    for h in hits:
        c = index.chunks[h.row]
        if any(_overlap(c, index.chunks[o.row], overlap) for o in out):
            continue
        out.append(h)
        if len(out) == k:
            break
    return out


def _overlap(a, b, share: float) -> bool:
    if a.doc_id != b.doc_id:
        return False
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0 and inter >= share * min(a.end - a.start, b.end - b.start)
