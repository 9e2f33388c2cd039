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
    """Exact inner product (IndexFlatIP) with external ids (IndexIDMap2)."""

    name = "faiss"
    filename = "dense.faiss"

    def __init__(self, dim: int, index=None) -> None:
        faiss = _faiss()
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, np.float32), np.asarray(ids, np.int64))

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self.index.remove_ids(np.asarray(ids, np.int64))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, np.int64)))
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


def make_store(spec: str, dim: int) -> VectorStore:
    try:
        return STORES[spec](dim)
    except KeyError:
        raise ValueError(f"unknown vector store {spec!r}; choose one of: {', '.join(STORES)}") from None


def load_store(spec: str, directory: Path, dim: int) -> VectorStore:
    try:
        cls = STORES[spec]
    except KeyError:
        raise ValueError(f"unknown vector store {spec!r}; choose one of: {', '.join(STORES)}") from None
    return cls.load(directory, dim)
