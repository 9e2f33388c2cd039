"""Vector stores behind one interface, chosen by a config string ("faiss")."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np


class VectorStore(ABC):
    """Inner-product search over normalised vectors, addressed by int64 ids."""

    name: str

    @abstractmethod
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    @abstractmethod
    def remove(self, ids: np.ndarray) -> None: ...

    @abstractmethod
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores), best first; `allowed` restricts the ids searched."""

    @abstractmethod
    def save(self, directory: Path) -> list[str]:
        """Write the store's files; return their names."""

    @abstractmethod
    def __len__(self) -> int: ...


class FaissStore(VectorStore):
    """FAISS inner product with external ids, the index type chosen by size.

    Up to `exact_limit` vectors: exact search (IndexFlatIP), 1.5 KB a vector at 384 dimensions (200k flat
    vectors already cost ~65 ms a query on 2 cores).
    Above: an inverted file with 8-bit scalar quantisation (IVF with 2·√n lists, SQ8): a quarter of the
    memory, and `nprobe` lists searched per query, set so recall@10 against exact stays >= 0.95
    (measured by `assistant bench`).
    """

    name = "faiss"
    filename = "dense.faiss"
    exact_limit = 50_000
    nprobe = 64

    def __init__(self, dim: int, index=None, expected: int = 0) -> None:
        faiss = _faiss()
        self.dim = dim
        if index is None:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim)) if expected <= self.exact_limit else self._ivf(expected)
        self.index = index

    def _ivf(self, n: int):
        faiss = _faiss()
        nlist = max(64, int(2 * n**0.5))
        quantizer = faiss.IndexFlatIP(self.dim)
        self._quantizer = quantizer  # keep the Python object alive as long as the index
        return faiss.IndexIVFScalarQuantizer(quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                             faiss.METRIC_INNER_PRODUCT)

    @property
    def kind(self) -> str:
        return "ivf-sq8" if hasattr(self.index, "nprobe") else "flat"

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(ids):
            return
        vectors = np.ascontiguousarray(vectors, np.float32)
        if not self.index.is_trained:
            sample = vectors[np.random.default_rng(0).permutation(len(vectors))[: 40 * self.index.nlist]]
            self.index.train(sample)
        self.index.add_with_ids(vectors, np.asarray(ids, np.int64))

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.index.remove_ids(np.asarray(ids, np.int64))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        sel = faiss.IDSelectorBatch(np.asarray(allowed, np.int64)) if allowed is not None else None
        if self.kind == "flat":
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        else:
            params = faiss.SearchParametersIVF(sel=sel, nprobe=self.nprobe) if sel is not None else \
                faiss.SearchParametersIVF(nprobe=self.nprobe)
        scores, ids = self.index.search(np.asarray(query, np.float32).reshape(1, -1), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, directory: Path) -> list[str]:
        _faiss().write_index(self.index, str(Path(directory) / self.filename))
        return [self.filename]

    @classmethod
    def load(cls, directory: Path, dim: int) -> FaissStore:
        index = _faiss().read_index(str(Path(directory) / cls.filename))
        if index.d != dim:
            raise ValueError(f"FAISS index has dimension {index.d}, manifest says {dim}")
        return cls(dim, index)

    def __len__(self) -> int:
        return int(self.index.ntotal)


def _faiss():
    try:
        import faiss
    except ImportError:
        raise ImportError("the faiss store needs faiss-cpu: pip install faiss-cpu") from None
    return faiss


STORES = {"faiss": FaissStore}


def make_store(spec: str, dim: int, expected: int = 0) -> VectorStore:
    """A new, empty store; `expected` (the number of vectors to come) lets it pick its index type."""
    try:
        return STORES[spec](dim, expected=expected)
    except KeyError:
        raise ValueError(f"unknown vector store {spec!r}; choose one of: {', '.join(STORES)}") from None


def load_store(spec: str, directory: Path, dim: int) -> VectorStore:
    try:
        cls = STORES[spec]
    except KeyError:
        raise ValueError(f"unknown vector store {spec!r}; choose one of: {', '.join(STORES)}") from None
    return cls.load(directory, dim)
