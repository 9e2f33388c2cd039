"""Vector stores behind one interface, chosen by a config string: "faiss" (a file in the index directory)
or a Milvus URI ("milvus:///path/local.db" for Milvus Lite, "milvus://host:19530" or "http(s)://…" for a server)."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np


class VectorStore(ABC):
    """Inner-product search over normalised vectors, addressed by int64 ids (an index's chunk rows).

    Every vector may carry attributes {"doc_id", "year", "region"}; a search may be restricted by rows
    (`allowed`) or, equivalently, by the reports they belong to (`docs`): each store uses what it filters on.
    """

    name: str
    spec: str  # the config string that reopens this store; recorded in the index manifest

    @abstractmethod
    def add(self, ids: np.ndarray, vectors: np.ndarray, attrs: Sequence[dict] | None = None) -> None: ...

    @abstractmethod
    def remove(self, ids: np.ndarray) -> None: ...

    @abstractmethod
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               docs: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores), best first; `allowed` ids or `docs` reports restrict the search."""

    @abstractmethod
    def save(self, directory: Path) -> list[str]:
        """Write the store's files into the index data directory; return their names."""

    @abstractmethod
    def __len__(self) -> int: ...

    def sync(self, keys: Sequence[str], vectors: np.ndarray, attrs: Sequence[dict]) -> None:
        """Hold a build's vectors: row i is the vector of chunk `keys[i]`. A new local store adds them all;
        a shared one (Milvus) sends only what it does not hold yet."""
        self.add(np.arange(len(keys), dtype=np.int64), vectors, attrs)

    def prune(self) -> None:
        """After the new manifest is in place: drop what no longer belongs to the index (shared stores).
        A local store is written whole with each build, so it has nothing to drop."""
        return None


class FaissStore(VectorStore):
    """FAISS inner product with external ids, the index type chosen by size.

    Up to `exact_limit` vectors: exact search (IndexFlatIP), 1.5 KB a vector at 384 dimensions (200k flat
    vectors already cost ~65 ms a query on 2 cores).
    Above: an inverted file with 8-bit scalar quantisation (IVF with 2·√n lists, SQ8): a quarter of the
    memory, and `nprobe` lists searched per query, set so recall@10 against exact stays >= 0.95
    (measured by `assistant bench`).
    """

    name = spec = "faiss"
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

    def add(self, ids: np.ndarray, vectors: np.ndarray, attrs: Sequence[dict] | None = None) -> None:
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

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               docs: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
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
    def load(cls, spec: str, directory: Path, dim: int, keys: Sequence[str] = ()) -> FaissStore:
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


class MilvusStore(VectorStore):
    """A Milvus collection: embedded Milvus Lite (a local .db file) or a Milvus server / cluster.

    Entities are keyed by a stable hash of the chunk (its id and embedded text), so a rebuild sends only new
    chunks and deletes only the ones gone; rows (which shift between builds) are mapped in memory. The
    collection name is recorded in the spec (`?collection=`), so two indexes never share one by accident.
    A server token is read from the MILVUS_TOKEN environment variable, never stored.
    """

    name = "milvus"
    batch = 1000
    _clients: dict[str, object] = {}  # one client per URI and process (Milvus Lite allows one per file)

    def __init__(self, spec: str, dim: int, expected: int = 0) -> None:
        self.uri, self.collection = parse_milvus_spec(spec)
        self.spec = f"milvus://{self.uri}" if is_lite(self.uri) else self.uri
        self.spec += "?" + urlencode({"collection": self.collection})
        self.dim = dim
        self.client = self._client(self.uri)
        self.keys: list[str] = []
        self.row_of: dict[int, int] = {}
        self._pks = np.zeros(0, np.int64)  # row -> pk
        self._stale: set[int] = set()  # entities held before sync() that the new build no longer has
        self._ensure_collection()

    @classmethod
    def _client(cls, uri: str):
        if uri not in cls._clients:
            try:
                from pymilvus import MilvusClient
            except ImportError:
                raise ImportError("the milvus store needs pymilvus: pip install -e .[milvus]") from None
            import logging

            # Milvus Lite lacks AllocTimestamp: the query iterator logs a traceback and falls back, harmlessly
            for name in ("grpc._server", "pymilvus.client.iterator.query_iterator"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            if is_lite(uri):
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            token = os.environ.get("MILVUS_TOKEN", "")
            try:
                cls._clients[uri] = MilvusClient(uri=uri, token=token) if token else MilvusClient(uri=uri)
            except Exception as e:  # pymilvus raises its own exception types for every connection failure
                from .errors import StoreUnavailable

                if is_lite(uri):
                    raise StoreUnavailable(
                        f"cannot open the Milvus Lite file {uri} ({e.__class__.__name__}); Milvus Lite lets one process "
                        "use a file at a time: stop the other `assistant serve`/`watch` on this index (or add reports "
                        "from its page), or use a Milvus server for several processes") from None
                raise StoreUnavailable(f"cannot reach Milvus at {uri} ({e}); is the server running, and is "
                                       "MILVUS_TOKEN set if it needs one?") from None
        return cls._clients[uri]

    def _ensure_collection(self) -> None:
        from pymilvus import DataType

        c = self.client
        if c.has_collection(self.collection):
            fields = c.describe_collection(self.collection)["fields"]
            dim = next((int(f["params"]["dim"]) for f in fields if f["name"] == "vec"), None)
            if dim != self.dim:
                raise ValueError(f"Milvus collection {self.collection!r} holds {dim}-dimensional vectors, "
                                 f"the index needs {self.dim}")
        else:
            schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("pk", DataType.INT64, is_primary=True)
            schema.add_field("key", DataType.VARCHAR, max_length=128)
            schema.add_field("doc_id", DataType.VARCHAR, max_length=128)
            schema.add_field("year", DataType.INT64)
            schema.add_field("region", DataType.VARCHAR, max_length=64)
            schema.add_field("vec", DataType.FLOAT_VECTOR, dim=self.dim)
            params = c.prepare_index_params()
            # Lite searches exactly; a server picks its own ANN index (AUTOINDEX, HNSW-based)
            params.add_index(field_name="vec", index_type="FLAT" if is_lite(self.uri) else "AUTOINDEX",
                             metric_type="IP")
            params.add_index(field_name="doc_id", index_type="INVERTED")
            c.create_collection(self.collection, schema=schema, index_params=params)
        c.load_collection(self.collection)

    def _assign(self, keys: Sequence[str]) -> None:
        """Row i is the chunk keys[i] (a build's whole content)."""
        self.keys = list(keys)
        self.row_of, self._pks = {}, np.zeros(0, np.int64)
        self._map(range(len(keys)))

    def _key(self, row: int) -> str:
        return self.keys[row] if row < len(self.keys) else f"row:{row}"

    def _map(self, rows: Sequence[int]) -> None:
        if len(self._pks) <= max(rows, default=-1):
            self._pks = np.concatenate([self._pks, np.full(max(rows) + 1 - len(self._pks), -1, np.int64)])
        for row in rows:
            pk = key_pk(self._key(row))
            self._pks[row] = pk
            self.row_of[pk] = row

    def add(self, ids: np.ndarray, vectors: np.ndarray, attrs: Sequence[dict] | None = None) -> None:
        rows = [int(i) for i in ids]
        self._map(rows)
        entities = [{"pk": int(self._pks[r]), "key": self._key(r), "doc_id": str(a.get("doc_id") or ""),
                     "year": int(a.get("year") or 0), "region": str(a.get("region") or ""),
                     "vec": np.asarray(v, np.float32).tolist()}
                    for r, v, a in zip(rows, vectors, attrs or [{}] * len(rows), strict=True)]
        for i in range(0, len(entities), self.batch):
            self.client.upsert(self.collection, entities[i : i + self.batch])
        self._flush()

    def _flush(self) -> None:
        """Seal what was written: Milvus Lite searches unflushed rows by brute force in Python (600 ms a query
        at 16k vectors, 25 ms once flushed); a server seals segments. Once per write batch, not per row."""
        self.client.flush(self.collection)

    def remove(self, ids: np.ndarray) -> None:
        pks = [int(self._pks[int(i)]) for i in ids if int(i) < len(self._pks) and self._pks[int(i)] >= 0]
        self._delete(pks)
        for pk in pks:
            self._pks[self.row_of.pop(pk)] = -1

    def _delete(self, pks: Sequence[int]) -> None:
        for i in range(0, len(pks), self.batch):
            self.client.delete(self.collection, ids=list(pks[i : i + self.batch]))
        if len(pks):
            self._flush()

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               docs: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        if docs is not None:
            where = f"doc_id in {json.dumps(list(docs), ensure_ascii=False)}"
        elif allowed is not None:
            where = f"pk in {[int(self._pks[int(i)]) for i in allowed if self._pks[int(i)] >= 0]}"
        else:
            where = ""
        if k <= 0 or where.endswith("[]"):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        found = self.client.search(self.collection, data=[np.asarray(query, np.float32).tolist()], limit=min(k, 16384),
                                   filter=where, anns_field="vec", search_params={"metric_type": "IP"},
                                   output_fields=["pk"])[0]
        # entities of another build (a crash before prune) are not part of this index
        pairs = [(self.row_of[h["pk"]], h["distance"]) for h in found if h["pk"] in self.row_of]
        return np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.float32)

    def sync(self, keys: Sequence[str], vectors: np.ndarray, attrs: Sequence[dict]) -> None:
        self._assign(keys)
        held = self._held()
        self._stale = held - self.row_of.keys()
        todo = np.array([r for r, pk in enumerate(self._pks.tolist()) if pk not in held], np.int64)
        if len(todo):
            self.add(todo, vectors[todo], [attrs[i] for i in todo])

    def prune(self) -> None:
        # what sync() found that this build does not have (the build lock keeps other writers out meanwhile)
        self._delete(sorted(self._stale))
        self._stale = set()

    def _held(self) -> set[int]:
        it = self.client.query_iterator(self.collection, batch_size=self.batch * 10, filter="", output_fields=["pk"])
        held: set[int] = set()
        while page := it.next():
            held.update(e["pk"] for e in page)
        it.close()
        return held

    def save(self, directory: Path) -> list[str]:
        info = {"spec": self.spec, "collection": self.collection, "vectors": len(self.row_of)}
        (Path(directory) / "milvus.json").write_text(json.dumps(info, ensure_ascii=False, indent=1))
        return ["milvus.json"]

    @classmethod
    def load(cls, spec: str, directory: Path, dim: int, keys: Sequence[str] = ()) -> MilvusStore:
        store = cls(spec, dim)
        store._assign(keys)
        held = store._held()
        missing = sum(pk not in held for pk in store.row_of)
        if missing:
            raise ValueError(f"Milvus collection {store.collection!r} at {store.uri} lacks {missing} of the index's "
                             f"{len(keys)} vectors")
        return store

    def __len__(self) -> int:
        return len(self.row_of)


def parse_milvus_spec(spec: str) -> tuple[str, str]:
    """(client URI, collection) from milvus:///abs/file.db, milvus://rel/file.db, milvus://host:port or
    http(s)://host:port, each with an optional ?collection=NAME (a new name is made up when absent)."""
    base, _, query = spec.partition("?")
    collection = parse_qs(query).get("collection", [""])[0] or f"reports_{uuid.uuid4().hex[:8]}"
    if base.startswith(("http://", "https://")):
        return base, collection
    rest = base.removeprefix("milvus://")
    if is_lite(rest):
        return str(Path(rest).expanduser().resolve()), collection
    if not urlsplit(f"http://{rest}").hostname:
        raise ValueError(f"cannot read the Milvus address in {spec!r}; use milvus:///path/to/file.db or milvus://host:19530")
    return f"http://{rest}", collection


def key_pk(key: str) -> int:
    """A stable non-negative int64 primary key for a chunk key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") & (2**63 - 1)


def is_lite(uri: str) -> bool:
    """A Milvus Lite file rather than a server address."""
    return uri.endswith(".db")


def is_milvus(spec: str) -> bool:
    return spec.startswith(("milvus://", "http://", "https://"))


def resolve_store(wanted: str | None, previous: str | None) -> str:
    """The store a build writes to: the one asked for, else the index's own. A Milvus address without a
    collection keeps the collection the index already uses there."""
    if not wanted:
        return previous or "faiss"
    if is_milvus(wanted) and "collection=" not in wanted and previous and is_milvus(previous):
        if parse_milvus_spec(wanted)[0] == parse_milvus_spec(previous)[0]:
            return previous
    return wanted


STORES = {"faiss": FaissStore, "milvus": MilvusStore}


def _store_class(spec: str) -> type[VectorStore]:
    if is_milvus(spec):
        return MilvusStore
    if spec in STORES:
        return STORES[spec]
    raise ValueError(f"unknown vector store {spec!r}; use faiss, milvus:///path/to/file.db or milvus://host:19530")


def make_store(spec: str, dim: int, expected: int = 0) -> VectorStore:
    """A store for a new build; `expected` (the number of vectors to come) lets FAISS pick its index type.
    A Milvus spec connects to its collection (created if needed), which may already hold vectors to reuse."""
    cls = _store_class(spec)
    return cls(spec, dim, expected=expected) if cls is MilvusStore else cls(dim, expected=expected)


def load_store(spec: str, directory: Path, dim: int, keys: Sequence[str] = ()) -> VectorStore:
    """Reopen the store of an index; `keys` are its chunk keys in row order (Milvus maps them to rows)."""
    return _store_class(spec).load(spec, directory, dim, keys)
