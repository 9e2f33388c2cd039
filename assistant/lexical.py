"""Lexical search: jieba segmentation with a domain dictionary, and BM25 over sparse postings."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from pathlib import Path

import numpy as np

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"
STOPWORDS = frozenset(
    "的 了 和 与 及 以及 或 是 在 对 把 被 为 将 等 也 都 就 而 并 其 之 这 那 有 中 上 下 个 着 我们 我 你 他 它"
    " 吗 呢 吧 啊 么 什么 哪些 哪个 哪家 哪一年 多少 几 怎么 怎样 如何 为什么 是否 请问 请 提出 提到 报告".split()
)
_KEEP = re.compile(r"[\w%％]", re.UNICODE)

_lock = threading.Lock()
_tokenizer = None
_tags = None
_full = False


def tokenizer():
    """A jieba tokenizer with the package's domain dictionary, loaded once: from the SQLite lexicon
    cache when there is one (a few ms), else in full (about 1 s), writing that cache for next time."""
    global _tokenizer, _tags
    with _lock:
        if _tokenizer is None:
            import logging

            import jieba

            from .lexicon_cache import lexicon_path, open_lexicon

            jieba.setLogLevel(logging.WARNING)
            t = jieba.Tokenizer()
            frozen = open_lexicon(lexicon_path(USER_DICT))
            if frozen is None:
                _load_full(t)
            else:
                t.FREQ, _tags, t.total = frozen
                t.initialized = True
            _tokenizer = t
    return _tokenizer


def _load_full(t) -> None:
    global _tags, _full
    from .lexicon_cache import lexicon_path, open_lexicon, word_tags, write_lexicon

    t.load_userdict(str(USER_DICT))
    path = lexicon_path(USER_DICT)
    if not path.exists():
        write_lexicon(t, path)
    frozen = open_lexicon(path)  # the tags from the file: a dict of them would hold ~70 MB for a few look-ups
    _tags, _full = frozen[1] if frozen else word_tags(t), True


def use_full_dictionary() -> None:
    """Before segmenting a whole corpus: plain dict look-ups beat SQLite ones (same segmentation)."""
    global _tokenizer
    tokenizer()
    with _lock:
        if not _full:
            import jieba

            t = jieba.Tokenizer()
            _load_full(t)
            _tokenizer = t


def pos_tags(phrase: str) -> list[tuple[str, str]]:
    """(word, part-of-speech tag) pairs of `phrase`, as jieba.posseg tags them with our dictionary."""
    from .lexicon_cache import pos_cut

    t = tokenizer()
    return pos_cut(t, _tags, phrase)


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens, lower-cased, without punctuation and stopwords."""
    tokens = tokenizer().lcut_for_search(text)
    return [t.lower() for t in (tok.strip() for tok in tokens) if t and _KEEP.search(t) and t not in STOPWORDS]


def tokenize_with_spans(text: str) -> list[tuple[str, int, int]]:
    """Precise-mode tokens with their character offsets (for highlighting)."""
    out = []
    for word, start, end in tokenizer().tokenize(text):
        if word.strip() and _KEEP.search(word):
            out.append((word, start, end))
    return out


class BM25:
    """Okapi BM25 (Lucene idf) stored as term -> postings, scored with numpy only."""

    files = ("bm25_vocab.json", "bm25_indptr.npy", "bm25_docs.npy", "bm25_weights.npy")

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, docs: np.ndarray, weights: np.ndarray, n_docs: int):
        self.vocab, self.indptr, self.docs, self.weights, self.n_docs = vocab, indptr, docs, weights, n_docs

    @classmethod
    def build(cls, corpus_tokens: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        n = len(corpus_tokens)
        lengths = np.array([len(t) for t in corpus_tokens], dtype=np.float32)
        avg = float(lengths.mean()) if n and lengths.sum() else 1.0
        postings: dict[str, list[tuple[int, int]]] = {}
        for doc, tokens in enumerate(corpus_tokens):
            for term, tf in Counter(tokens).items():
                postings.setdefault(term, []).append((doc, tf))
        vocab = {term: i for i, term in enumerate(sorted(postings))}
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        docs_parts, weight_parts = [], []
        for term, i in vocab.items():
            plist = postings[term]
            d = np.array([p[0] for p in plist], dtype=np.int32)
            tf = np.array([p[1] for p in plist], dtype=np.float32)
            idf = np.log(1.0 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
            w = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[d] / avg))
            docs_parts.append(d)
            weight_parts.append(w.astype(np.float32))
            indptr[i + 1] = indptr[i] + len(plist)
        docs = np.concatenate(docs_parts) if docs_parts else np.zeros(0, np.int32)
        weights = np.concatenate(weight_parts) if weight_parts else np.zeros(0, np.float32)
        return cls(vocab, indptr, docs, weights, n)

    def idf(self, term: str) -> float:
        i = self.vocab.get(term)
        df = 0 if i is None else int(self.indptr[i + 1] - self.indptr[i])
        return float(np.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every document for the query (a repeated query term counts once per repeat)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term in query_tokens:
            i = self.vocab.get(term)
            if i is not None:
                s, e = self.indptr[i], self.indptr[i + 1]
                out[self.docs[s:e]] += self.weights[s:e]  # a term's postings hold each doc once
        return out

    def coverage(self, rows: np.ndarray, terms: list[str]) -> np.ndarray:
        """For each document in `rows`, the share of the terms' IDF mass it contains."""
        out = np.zeros(len(rows), dtype=np.float32)
        weights = [self.idf(t) for t in terms]
        total = sum(weights)
        if not total:
            return out
        for term, w in zip(terms, weights, strict=True):
            i = self.vocab.get(term)
            if i is not None:
                out += w * _member(rows, self.docs[self.indptr[i] : self.indptr[i + 1]])
        return out / total

    def save(self, directory: Path) -> list[str]:
        d = Path(directory)
        (d / self.files[0]).write_text(json.dumps({"n_docs": self.n_docs, "vocab": self.vocab}, ensure_ascii=False))
        np.save(d / self.files[1], self.indptr)
        np.save(d / self.files[2], self.docs)
        np.save(d / self.files[3], self.weights)
        return list(self.files)

    @classmethod
    def load(cls, directory: Path) -> BM25:
        d = Path(directory)
        meta = json.loads((d / cls.files[0]).read_text())
        arrays = [np.load(d / name, allow_pickle=False) for name in cls.files[1:]]
        return cls(meta["vocab"], *arrays, n_docs=meta["n_docs"])


def _member(rows: np.ndarray, postings: np.ndarray) -> np.ndarray:
    """Which of `rows` are in `postings` (ascending, as build() writes them): a binary search, not np.isin's sort."""
    if not len(postings):
        return np.zeros(len(rows), dtype=bool)
    at = np.minimum(np.searchsorted(postings, rows), len(postings) - 1)
    return postings[at] == rows
