"""Read reports from files: decode exactly, detect metadata, skip what cannot be read."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .documents import Unreadable, decode, read_document
from .errors import EmptyCorpus
from .lexicon import NUMBERED_HEADING, YEAR_NUMBER
from .normalise import with_subscripts_joined
from .regions import issuer_of_title, region_of_title
from .types import Report

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}
RECORD_SUFFIXES = {".jsonl", ".csv"}
SUFFIXES = DOCUMENT_SUFFIXES | RECORD_SUFFIXES

TEXT_FIELDS = ("content", "text", "full_text", "body")
TITLE_FIELDS = ("title", "name")
YEAR_FIELDS = ("year", "date", "publish_date")
REGION_FIELDS = ("region", "province", "city")
ISSUER_FIELDS = ("issuer", "publisher", "author")



@dataclass(frozen=True)
class FieldMap:
    """Record field names chosen by the user; None means detect."""

    text: str | None = None
    title: str | None = None
    year: str | None = None
    region: str | None = None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_year(*texts: str | None) -> int | None:
    for t in texts:
        if t:
            m = YEAR_NUMBER.search(str(t))
            if m:
                return int(m.group(1))
    return None


def _title_from_text(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
        if len(line) <= 60 and not NUMBERED_HEADING.match(line) and line[-1] not in "。！？；：:，,":
            return line
        return None
    return None


def make_report(text: str, source: str, title: str, year=None, region=None, issuer=None,
                pages: tuple[int, ...] = (), boxes: tuple[tuple, ...] = ()) -> Report:
    digest = sha256_text(text)
    years = tuple(sorted({int(y) for y in YEAR_NUMBER.findall(title)}))
    year = find_year(year) or (years[0] if years else None)
    if year and year not in years:
        years = tuple(sorted({*years, year}))
    return Report(
        doc_id=digest[:16],
        title=title,
        year=year,
        region=region or region_of_title(title),
        issuer=issuer or issuer_of_title(title),
        source=source,
        sha256=digest,
        text=text,
        years=years,
        pages=pages,
        boxes=boxes,
        traditional=is_traditional(text),
    )


def _pick(record: dict, chosen: str | None, candidates: Iterable[str]) -> str | None:
    if chosen:
        value = record.get(chosen)
        return str(value) if value not in (None, "") else None
    for name in candidates:
        value = record.get(name)
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value)
    return None


def read_records(path: Path) -> Iterator[tuple[str, dict]]:
    """Yield (record key, record) from a .jsonl or .csv collection."""
    text = decode(path.read_bytes())
    if path.suffix.lower() == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                log.warning("%s line %d: not JSON (%s); skipped", path, n, e.msg)
                continue
            if isinstance(record, dict):
                yield f"line {n}", record
    else:
        csv.field_size_limit(1 << 30)
        for n, record in enumerate(csv.DictReader(io.StringIO(text, newline="")), 1):
            yield f"row {n}", record


def reports_from_records(path: Path, fields: FieldMap, source: str) -> Iterator[Report]:
    found_text_field = False
    for key, record in read_records(path):
        body = _pick(record, fields.text, TEXT_FIELDS)
        if body is None or not body.strip():
            continue
        found_text_field = True
        title = _pick(record, fields.title, TITLE_FIELDS) or _title_from_text(body) or f"{path.stem} {key}"
        year = _pick(record, fields.year, YEAR_FIELDS)
        year = find_year(year, title, body[:300])
        region = _pick(record, fields.region, REGION_FIELDS)
        region = region_of_title(region) if region else None
        issuer = _pick(record, None, ISSUER_FIELDS)
        yield make_report(with_subscripts_joined(body), f"{source}#{key}", title.strip(), year, region, issuer)
    if not found_text_field:
        names = fields.text or "/".join(TEXT_FIELDS)
        raise Unreadable(f"no record has a text field ({names}); use --text-field to name it")


def is_traditional(text: str, sample: int = 3000) -> bool:
    """Written in traditional characters: OpenCC t2s changes more than one Chinese character in twenty (a simplified
    report has a handful of variant characters at most; a traditional one has one in five or more)."""
    from .normalise import to_simplified

    head = text[:sample]
    han = sum(1 for ch in head if "\u4e00" <= ch <= "\u9fff")
    if han < 20:
        return False
    changed = sum(1 for a, b in zip(head, to_simplified(head), strict=True) if a != b)
    return changed > 0.05 * han


NOT_REPORTS = {"readme", "source", "license", "licence", "changelog"}


def unique_path(path: Path) -> Path:
    """`path`, or name-2.ext, name-3.ext … when it is taken."""
    n, candidate = 2, path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files under `paths`; inside folders, only supported types and not README/SOURCE/LICENSE notes."""
    seen: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found = [f for f in sorted(p.rglob("*"))
                     if f.is_file() and f.suffix.lower() in SUFFIXES and f.stem.lower() not in NOT_REPORTS
                     and not any(part.startswith(".") for part in f.relative_to(p).parts)  # .trash/, .git/, .incoming/
                     and inside(f, p)]
        elif p.is_file():
            found = [p]
        else:
            log.warning("%s: no such file or directory; skipped", p)
            found = []
        for f in found:
            if f.resolve() not in seen:  # a file given itself and inside a given folder is read once
                seen.add(f.resolve())
                yield f


def inside(f: Path, folder: Path) -> bool:
    """The file is really in the folder: a symlink to a file elsewhere (corpus/passwd.txt -> /etc/passwd) would
    show that file to every user of the page, so it is skipped with a warning."""
    if folder.resolve() in f.resolve().parents:
        return True
    log.warning("%s links to %s, outside %s/; skipped (copy the file into the folder to index it)",
                f, f.resolve(), folder)
    return False


def load_file(path: Path, fields: FieldMap = FieldMap()) -> list[Report]:
    """All reports in one file. Raises Unreadable for a file that must be skipped."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise Unreadable(f"unsupported file type {suffix or '(none)'}; supported: {' '.join(sorted(SUFFIXES))}")
    source = str(path)
    if suffix in RECORD_SUFFIXES:
        return list(reports_from_records(path, fields, source))
    doc = read_document(path)
    if not doc.text.strip():
        raise Unreadable("no text")
    title = doc.title or _title_from_text(doc.text) or path.stem
    return [make_report(doc.text, source, title, find_year(title, path.stem), pages=doc.pages, boxes=doc.boxes)]


# formats whose parsing is slow Python (zip/XML, PDF content streams): worth a second process
SLOW_SUFFIXES = {".docx", ".pdf"}
PARALLEL_MIN_FILES = 4


def _load_one(path: Path, fields: FieldMap) -> list[Report] | str:
    """The reports of one file, or why it was skipped."""
    try:
        return load_file(path, fields)
    except Unreadable as e:
        return f"{path}: {e}; skipped"
    except OSError as e:
        return f"{path}: cannot read ({e.strerror}); skipped"


def _load_all(files: list[Path], fields: FieldMap, workers: int | None = None) -> list[list[Report] | str]:
    """load one file after another, or .docx/.pdf in a pool of processes when there are several (both cores)."""
    import os

    slow = [f for f in files if f.suffix.lower() in SLOW_SUFFIXES]
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers < 2 or len(slow) < PARALLEL_MIN_FILES:
        return [_load_one(f, fields) for f in files]
    from concurrent.futures import ProcessPoolExecutor
    from itertools import repeat

    with ProcessPoolExecutor(workers) as pool:
        parsed = dict(zip(slow, pool.map(_load_one, slow, repeat(fields), chunksize=2), strict=True))
    return [parsed[f] if f in parsed else _load_one(f, fields) for f in files]


def load_reports(paths: Iterable[str | Path], fields: FieldMap = FieldMap(), workers: int | None = None,
                 prefer: dict[str, str] | None = None) -> tuple[list[Report], list[str]]:
    """Read every report under `paths`. Returns (reports, warnings). A text found under several names is
    indexed once, under the name `prefer` (doc_id -> source) gives it, else under its oldest file."""
    paths = list(paths)
    warnings: list[str] = []
    by_doc: dict[str, list[Report]] = {}
    for found in _load_all(list(iter_files(paths)), fields, workers):
        if isinstance(found, str):
            warnings.append(found)
            continue
        for report in found:
            by_doc.setdefault(report.doc_id, []).append(report)
    reports = []
    for doc_id, same in by_doc.items():
        keep = min(same, key=lambda r: (r.source != (prefer or {}).get(doc_id), _age(r.source), r.source))
        reports.append(keep)
        warnings += [f"{r.source}: same text as {keep.source} (《{keep.title}》); not indexed again"
                     for r in same if r is not keep]
    for w in warnings:
        log.warning(w)
    if not reports:
        raise EmptyCorpus(
            "no readable reports found in " + ", ".join(map(str, paths))
            + f" (supported: {' '.join(sorted(SUFFIXES))})"
        )
    return reports, warnings


def _age(source: str) -> int:
    try:
        return Path(source.split("#")[0]).stat().st_mtime_ns
    except OSError:
        return 0
