"""The data objects that flow through the pipeline: reports in, chunks out."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Report:
    """One report as read from the corpus. `text` is exactly what was decoded."""

    doc_id: str
    title: str
    year: int | None
    region: str | None
    issuer: str | None
    source: str
    sha256: str
    text: str
    years: tuple[int, ...] = ()
    pages: tuple[int, ...] = ()  # pages[n-1]: where page n starts in text (a PDF); () when not paginated
    traditional: bool = False  # written in traditional characters: searched and read through plain()
    # where each printed line of a PDF sits: (start, end, page, x0, top, x1, bottom), text offsets and PDF points
    boxes: tuple[tuple, ...] = field(default=(), repr=False, compare=False)

    def meta(self) -> dict:
        d = asdict(self)
        d.pop("text")
        d.pop("boxes")
        d["years"] = list(self.years)
        for key in ("pages", "traditional"):  # absent when unset: manifests of plain-text reports stay as they were
            if not d[key]:
                d.pop(key)
            elif key == "pages":
                d[key] = list(self.pages)
        return d

    def page_of(self, offset: int) -> int | None:
        """The 1-based page text[offset] was printed on, or None for a source without pages."""
        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, offset))

    def pages_of(self, start: int, end: int) -> dict:
        """{"page": where text[start:end] starts, "page_end": where it ends if on a later page, else None}."""
        first = self.page_of(start)
        last = self.page_of(max(start, end - 1))
        return {"page": first, "page_end": last if last != first else None}

    def page_label(self, start: int, end: int) -> str:
        """第 5 页 / 第 5–6 页 for a slice of a paginated report, "" otherwise."""
        pages = self.pages_of(start, end)
        if pages["page"] is None:
            return ""
        return f"第 {pages['page']}–{pages['page_end']} 页" if pages["page_end"] else f"第 {pages['page']} 页"

    def plain(self, text: str) -> str:
        """`text` (a slice of this report) as the index searches and reads it: simplified characters, same length."""
        if not self.traditional:
            return text
        from .normalise import to_simplified

        return to_simplified(text)

    @property
    def shown_title(self) -> str:
        """The title as citations give it: with the region when the title does not say whose report it is
        (2026年政府工作报告（云南）), so a province's report never reads like the State Council's."""
        if self.region and self.region != "全国" and not _names_region(self.title, self.region):
            return f"{self.title}（{self.region}）"
        return self.title


@dataclass(frozen=True)
class Chunk:
    """A passage: `text == report.text[start:end]`, always."""

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    section: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: str  # "answer" | "evidence" | "term" | "item" (one item of a list answer)

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "kind": self.kind}


@dataclass
class Passage:
    rank: int
    chunk: Chunk
    report: Report
    highlights: list[Highlight] = field(default_factory=list)
    low_confidence: bool = False

    def to_dict(self) -> dict:
        c, r = self.chunk, self.report
        return {
            "rank": self.rank,
            "chunk_id": c.id,
            "doc_id": c.doc_id,
            "title": r.shown_title,
            "year": r.year,
            "source": r.source,
            "section": c.section,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": round(float(c.score), 6),
            "highlights": [h.to_dict() for h in self.highlights],
            **r.pages_of(c.start, c.end),
        }


@dataclass
class Answer:
    """The answer span (全国第二) inside its sentence, both with offsets into the report text:
    report.text[start:end] == span and report.text[sentence_start:sentence_end] == sentence.
    Without a typed span (a 什么 question with nothing to single out) the span is the sentence."""

    span: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    sentence_end: int
    chunk_id: str
    doc_id: str
    items: list = field(default_factory=list)  # a list answer: answer.Item(text, start, end), report offsets
    section: str = ""  # the section heading of the answering passage
    verdict: str | None = None  # 是 / 否 for a yes-no question, only where the sentence says it plainly
    score: float = 0.0  # the reader's probability that the sentence answers (calibrated on dev data)

    @property
    def text(self) -> str:
        """The answering sentence (the JSON's "text", as scripts read it before `span` existed)."""
        return self.sentence

    def to_dict(self) -> dict:
        return {
            "text": self.sentence,
            "span": self.span,
            "start": self.start,
            "end": self.end,
            "sentence_start": self.sentence_start,
            "sentence_end": self.sentence_end,
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "section": self.section,
            "items": [{"text": i.text, "start": i.start, "end": i.end} for i in self.items],
            "verdict": self.verdict,
            "score": self.score,
        }


@dataclass
class Claim:
    """One sentence of a generated answer and its check against the passages it cites (llm/verify.py)."""

    text: str
    cites: tuple[int, ...]  # ranks of the passages it cites
    verified: bool
    reason: str = ""  # why it was dropped, in Chinese; "" when verified
    coverage: float | None = None  # share of its content words found in the cited passages

    def to_dict(self) -> dict:
        return {"text": self.text, "cites": list(self.cites), "verified": self.verified, "reason": self.reason,
                "coverage": None if self.coverage is None else round(self.coverage, 4)}


@dataclass
class Generated:
    """An LLM's answer to a question the reader answered, checked sentence by sentence. `fallback` says why the
    extractive answer is shown instead; None when the generated answer is used."""

    model: str
    reply: str
    claims: list[Claim]
    fallback: str | None = None
    seconds: float = 0.0  # the LLM's own time
    check_ms: float = 0.0  # the check's time

    @property
    def used(self) -> bool:
        return self.fallback is None

    @property
    def kept(self) -> list[Claim]:
        return [c for c in self.claims if c.verified]

    @property
    def dropped(self) -> list[Claim]:
        return [c for c in self.claims if not c.verified]

    def to_dict(self) -> dict:
        return {"model": self.model, "used": self.used, "fallback": self.fallback, "reply": self.reply,
                "claims": [c.to_dict() for c in self.claims], "seconds": round(self.seconds, 3),
                "check_ms": round(self.check_ms, 3)}


@dataclass
class Result:
    question: str
    abstained: bool
    answer: Answer | None
    passages: list[Passage]
    warnings: list[str] = field(default_factory=list)
    evidence: tuple[float, float | None] | None = None  # (coverage, cosine) the refusal was decided on
    scope_missing: str | None = None  # 索引中没有…: the report the question names is not indexed
    understood_as: str = ""  # the standalone question answered (a follow-up rewritten, 沪 -> 上海, 26年 -> 2026年)
    parts: list[Result] = field(default_factory=list)  # one per region when the question names several
    confidence: float = 0.0  # the answer model's probability for the best sentence, refused or not
    # in a chat, the reading of the turn not answered: {"understood_as": …, "confidence": … (None: not asked)}
    other_reading: dict | None = None
    generated: Generated | None = None  # an LLM's checked answer (--llm), None without one

    @property
    def cited_passage(self) -> Passage | None:
        """The passage the answer was taken from (None when refused)."""
        if self.answer is None:
            return None
        return next((p for p in self.passages if p.chunk.id == self.answer.chunk_id), None)

    def item_passage(self, item) -> Passage | None:
        """The passage a list item stands in (an item under a sub-heading far from the lead sentence has its
        own), else the answer's."""
        doc = self.answer.doc_id if self.answer else None
        return next((p for p in self.passages if p.chunk.doc_id == doc and p.chunk.start <= item.start < p.chunk.end),
                    self.cited_passage)

    def cited_answer(self) -> str:
        """The answer for people: 根据《title》（section）：sentence[n], with [n] the passage's rank."""
        p = self.cited_passage
        if self.parts and not self.abstained:
            return "\n".join(part_line(r, self.passages) for r in self.parts)
        if self.scope_missing:
            return f"{self.scope_missing}，无法回答这个问题。"
        if self.abstained or p is None:
            return "已索引的报告中没有找到能回答这个问题的内容。"
        g = self.generated
        if g is not None and g.used:
            text = "".join(c.text + "".join(f"[{n}]" for n in c.cites) for c in g.kept)
            note = f"\n（另有 {len(g.dropped)} 句未能在引用段落中核实，已略去）" if g.dropped else ""
            return f"{text}\n（由大模型 {g.model} 生成，每句已与所引段落核对）{note}"
        extractive = self.extractive_answer(p)
        return extractive if g is None else f"{extractive}\n（未采用大模型的回答：{g.fallback}）"

    def extractive_answer(self, p: Passage) -> str:
        where = f"《{p.report.shown_title}》" + parenthesised(
            p.chunk.section, p.report.page_label(self.answer.sentence_start, self.answer.sentence_end))
        if self.answer.items:
            return f"根据{where}：\n" + "\n".join(f"{n}. {i.text}[{self.item_passage(i).rank}]"
                                               for n, i in enumerate(self.answer.items, 1))
        verdict = f"{self.answer.verdict}。" if self.answer.verdict else ""
        return f"{verdict}根据{where}：{self.answer.sentence}[{p.rank}]"

    def answer_dict(self) -> dict | None:
        """The answer's JSON, with the page of the answer and of each listed item (None where not paginated)."""
        if self.answer is None:
            return None
        d = self.answer.to_dict()
        p = self.cited_passage
        if p is not None:
            d.update(p.report.pages_of(self.answer.start, self.answer.end))
            for item, i in zip(d["items"], self.answer.items, strict=True):
                item["page"] = p.report.page_of(i.start)
        return d

    def to_dict(self) -> dict:
        coverage, cosine = self.evidence if self.evidence else (None, None)
        return {
            "question": self.question,
            "abstained": self.abstained,
            "answer": self.answer_dict(),
            "passages": [p.to_dict() for p in self.passages],
            "warnings": list(self.warnings),
            "scope_missing": self.scope_missing,
            "understood_as": self.understood_as or self.question,
            "confidence": round(float(self.confidence), 4),
            "other_reading": self.other_reading,
            "generated": None if self.generated is None else self.generated.to_dict(),
            "parts": [{"question": p.question, "abstained": p.abstained, "scope_missing": p.scope_missing,
                       "answer": p.answer_dict()} for p in self.parts],
            "evidence": None if self.evidence is None else {
                "coverage": round(float(coverage), 4), "cosine": None if cosine is None else round(float(cosine), 4)},
        }


def parenthesised(*notes: str) -> str:
    """（section，第 5 页） with the notes that are not empty; "" when none is."""
    said = [n for n in notes if n]
    return f"（{'，'.join(said)}）" if said else ""


def part_line(part: Result, passages: list[Passage]) -> str:
    """One region's answer of a several-region question, cited with the rank of its passage in `passages`."""
    if part.abstained or part.answer is None:
        return f"{part.question}：{part.scope_missing or '已索引的报告中没有找到能回答的内容'}"
    p = next(p for p in passages if p.chunk.id == part.answer.chunk_id)
    return f"{part.question}：根据《{p.report.shown_title}》：{part.answer.sentence}[{p.rank}]"


def _names_region(title: str, region: str) -> bool:
    from .regions import region_of_title

    return region in title or region_of_title(title) == region
