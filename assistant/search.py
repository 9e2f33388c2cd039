"""Hybrid retrieval: dense + BM25 fused by reciprocal rank, steered to the reports a question names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .answer import answer_type_fits
from .index import IndexData
from .query import QueryInfo
from .regions import NATIONAL
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
    candidates: int = 60
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    steer: bool = True
    next_year_prior: float = 0.5  # a question about year Y is often answered by the Y+1 report ("过去一年")
    outside_prior: float = 0.3  # reports the question does not name still compete, discounted
    steer_min_coverage: float = 0.5  # below this in the named reports, and far better elsewhere: ignore the steer
    mode: str = "hybrid"  # "hybrid" | "dense" | "bm25"
    rerank_depth: int = 30  # fused candidates re-scored by term coverage and answer-type fit; 0 = off
    coverage_weight: float = 1.0
    type_weight: float = 0.3


@dataclass
class Hit:
    row: int
    score: float
    prior: float = 1.0
    coverage: float = 0.0


def report_prior(report: Report, info: QueryInfo, next_year_prior: float = 0.5) -> float:
    """How well a report matches the years and regions a question names (0 = not at all)."""
    if info.regions and report.region not in info.regions:
        return 0.0
    if info.years:
        years = report.years or ((report.year,) if report.year else ())
        if any(y in years for y in info.years):
            return 1.0
        if report.year is not None and any(report.year == y + 1 for y in info.years):
            return next_year_prior
        return 0.0
    return 1.0


def steering(index: IndexData, info: QueryInfo, allowed_docs: list[str], params: SearchParams) -> dict[str, float]:
    """Prior per report for the question, or {} when the question names nothing that matches."""
    if not params.steer or not (info.years or info.regions):
        return {}
    if info.relative and not info.years:
        info = resolve_relative(index, info, allowed_docs)
    priors = {d: p for d in allowed_docs if (p := report_prior(index.reports[d], info, params.next_year_prior)) > 0}
    if not priors and info.regions and info.years:
        # the named region has no report of that year: fall back to the region alone
        region_only = QueryInfo(info.text, regions=info.regions)
        priors = {d: 1.0 for d in allowed_docs if report_prior(index.reports[d], region_only) > 0}
    if not priors and info.regions == [NATIONAL]:
        return {}
    return priors


def resolve_relative(index: IndexData, info: QueryInfo, allowed_docs: list[str]) -> QueryInfo:
    """今年/去年 in a question: the newest report of the named region is the one that says 今年/去年."""
    years = [index.reports[d].year for d in allowed_docs
             if index.reports[d].year and (not info.regions or index.reports[d].region in info.regions)]
    if not years:
        return info
    newest = max(years)
    return QueryInfo(info.text, years=[newest], relative=info.relative, regions=info.regions, national=info.national)


def rows_of(index: IndexData, doc_ids) -> np.ndarray:
    parts = [index.doc_rows[d] for d in doc_ids if d in index.doc_rows]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def ranked(index: IndexData, qvec: np.ndarray | None, qtokens: list[str], docs: list[str] | None,
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


def rerank(index: IndexData, hits: list[Hit], terms: list[str], qtype: str | None, params: SearchParams) -> list[Hit]:
    """Score = prior x (RRF scaled to 0..1 + coverage of question terms + answer-type fit).

    Reports of one series repeat each other almost word for word; within the right report, the
    passage holding all of the question's terms and a value of the asked type (a number, an
    ordinal...) is the one that answers.
    """
    best = (params.dense_weight + params.lexical_weight) / (params.rrf_k + 1)
    rows = np.array([h.row for h in hits], dtype=np.int64)
    use_features = params.rerank_depth > 0 and bool(terms)
    cov = index.bm25.coverage(rows, terms) if use_features else np.zeros(len(hits))
    for h, c in zip(hits, cov.tolist(), strict=True):
        base = h.score / best
        if use_features:
            fit = 1.0 if qtype and answer_type_fits(index.chunks[h.row].text, qtype) else 0.0
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


def search(index: IndexData, qvec: np.ndarray | None, qtokens: list[str], info: QueryInfo, k: int,
           filters: Filters = Filters(), params: SearchParams = SearchParams(),
           terms: list[str] | None = None, qtype: str | None = None) -> list[Hit]:
    """Top-k hits, steered to the reports the question names, overlapping chunks removed."""
    allowed_docs = [d for d, r in index.reports.items() if filters.allows(r)]
    if not allowed_docs:
        return []
    filtered = len(allowed_docs) < len(index.reports)
    priors = steering(index, info, allowed_docs, params)
    pool: dict[int, Hit] = {}
    if priors:
        for h in ranked(index, qvec, qtokens, list(priors), params):
            h.prior = priors[index.chunks[h.row].doc_id]
            pool[h.row] = h
    for h in ranked(index, qvec, qtokens, allowed_docs if filtered else None, params):
        if h.row not in pool:
            h.prior = params.outside_prior if priors else 1.0
            pool[h.row] = h
    terms = terms if terms is not None else qtokens
    hits = rerank(index, list(pool.values()), terms, qtype, params)
    if priors and not info.scope_first and misguided(hits, params):
        for h in hits:
            h.score /= h.prior
            h.prior = 1.0
        hits.sort(key=lambda h: (-h.score, h.row))
    return dedupe(index, hits, k)


def misguided(hits: list[Hit], params: SearchParams) -> bool:
    """True when the named reports hold nothing like an answer but others do: the year or region
    in the question was part of its content (成为广东省率先获批…), not its scope."""
    inside = max((h.coverage for h in hits if h.prior >= params.next_year_prior), default=0.0)
    outside = max((h.coverage for h in hits if h.prior < params.next_year_prior), default=0.0)
    return inside < params.steer_min_coverage <= outside - 0.2


def dedupe(index: IndexData, hits: list[Hit], k: int) -> list[Hit]:
    """Drop a hit that mostly repeats the text of a better one (overlapping windows)."""
    out: list[Hit] = []
    for h in hits:
        c = index.chunks[h.row]
        if any(_overlap(c, index.chunks[o.row]) for o in out):
            continue
        out.append(h)
        if len(out) == k:
            break
    return out


def _overlap(a, b) -> bool:
    if a.doc_id != b.doc_id:
        return False
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0 and inter >= 0.5 * min(a.end - a.start, b.end - b.start)
