"""The data objects that flow through the pipeline: reports in, chunks out."""

from __future__ import annotations

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

    def meta(self) -> dict:
        d = asdict(self)
        d.pop("text")
        d["years"] = list(self.years)
        return d


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
            "title": r.title,
            "year": r.year,
            "source": r.source,
            "section": c.section,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": round(float(c.score), 6),
            "highlights": [h.to_dict() for h in self.highlights],
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

    @property
    def cited_passage(self) -> Passage | None:
        """The passage the answer was taken from (None when refused)."""
        if self.answer is None:
            return None
        return next((p for p in self.passages if p.chunk.id == self.answer.chunk_id), None)

    def cited_answer(self) -> str:
        """The answer for people: 根据《title》（section）：sentence[n], with [n] the passage's rank."""
        p = self.cited_passage
        if self.parts and not self.abstained:
            return "\n".join(part_line(r, self.passages) for r in self.parts)
        if self.scope_missing:
            return f"{self.scope_missing}，无法回答这个问题。"
        if self.abstained or p is None:
            return "已索引的报告中没有找到能回答这个问题的内容。"
        where = f"《{p.report.title}》" + (f"（{p.chunk.section}）" if p.chunk.section else "")
        if self.answer.items:
            return f"根据{where}：\n" + "\n".join(f"{n}. {i.text}[{p.rank}]" for n, i in enumerate(self.answer.items, 1))
        verdict = f"{self.answer.verdict}。" if self.answer.verdict else ""
        return f"{verdict}根据{where}：{self.answer.sentence}[{p.rank}]"

    def to_dict(self) -> dict:
        coverage, cosine = self.evidence if self.evidence else (None, None)
        return {
            "question": self.question,
            "abstained": self.abstained,
            "answer": self.answer.to_dict() if self.answer else None,
            "passages": [p.to_dict() for p in self.passages],
            "warnings": list(self.warnings),
            "scope_missing": self.scope_missing,
            "understood_as": self.understood_as or self.question,
            "parts": [{"question": p.question, "abstained": p.abstained, "scope_missing": p.scope_missing,
                       "answer": p.answer.to_dict() if p.answer else None} for p in self.parts],
            "evidence": None if self.evidence is None else {
                "coverage": round(float(coverage), 4), "cosine": None if cosine is None else round(float(cosine), 4)},
        }


def part_line(part: Result, passages: list[Passage]) -> str:
    """One region's answer of a several-region question, cited with the rank of its passage in `passages`."""
    if part.abstained or part.answer is None:
        return f"{part.question}：{part.scope_missing or '已索引的报告中没有找到能回答的内容'}"
    p = next(p for p in passages if p.chunk.id == part.answer.chunk_id)
    return f"{part.question}：根据《{p.report.title}》：{part.answer.sentence}[{p.rank}]"
