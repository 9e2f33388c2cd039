"""jieba's dictionary read on demand from SQLite, so a cold `assistant ask` does not wait for it.

jieba keeps its dictionary as one Python dict of ~500k words and prefixes; unmarshalling it takes
about 0.5 s, and jieba.posseg reads a second table of word tags (another 0.6 s) at import. A
question needs a few hundred look-ups. The table below holds exactly what those dicts hold (the
package's domain dictionary included), written once per jieba version and dictionary, so
segmentation through it is identical to segmentation with the full dicts (tests/test_lexicon.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_MISSING = object()
SCHEMA = 1


def cache_dir() -> Path:
    root = os.environ.get("ASSISTANT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "assistant")
    return Path(root)


def lexicon_path(user_dict: Path) -> Path:
    import jieba

    default = Path(jieba.__file__).parent / "dict.txt"
    key = f"{SCHEMA}:{jieba.__version__}:{default.stat().st_size}:".encode() + user_dict.read_bytes()
    return cache_dir() / f"lexicon-{hashlib.sha256(key).hexdigest()[:16]}.sqlite"


class FrozenTable:
    """A read-only str -> value mapping backed by one SQLite column, memoised; supports what jieba
    uses of its FREQ dict (`in`, `[]`, `.get`)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, column: str) -> None:
        self._db, self._lock, self._memo = db, lock, {}
        self._sql = f"SELECT {column} FROM words WHERE word = ?"

    def _lookup(self, word: str):
        value = self._memo.get(word, None)
        if value is None:
            with self._lock:
                row = self._db.execute(self._sql, (word,)).fetchone()
            value = _MISSING if row is None or row[0] is None else row[0]
            self._memo[word] = value
        return value

    def get(self, word: str, default=None):
        value = self._lookup(word)
        return default if value is _MISSING else value

    def __contains__(self, word: str) -> bool:
        return self._lookup(word) is not _MISSING

    def __getitem__(self, word: str):
        value = self._lookup(word)
        if value is _MISSING:
            raise KeyError(word)
        return value


def open_lexicon(path: Path) -> tuple[FrozenTable, FrozenTable, int] | None:
    """(FREQ, word tags, total) from a lexicon file, or None when there is none or it is unreadable."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        total = int(db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()[0])
    except (sqlite3.Error, TypeError, ValueError) as e:
        log.debug("lexicon cache %s unreadable: %s", path, e)
        return None
    lock = threading.Lock()
    return FrozenTable(db, lock, "freq"), FrozenTable(db, lock, "tag"), total


def word_tags(tokenizer) -> dict[str, str]:
    """The part-of-speech tag of every dictionary word, as jieba.posseg reads them (user words last)."""
    tags: dict[str, str] = {}
    with tokenizer.get_dict_file() as f:
        for line in f:
            parts = line.decode("utf-8").strip().split(" ")
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    tags.update(tokenizer.user_word_tag_tab)
    return tags


def write_lexicon(tokenizer, path: Path) -> None:
    """Write the loaded tokenizer's FREQ, total and tags to `path` (atomically; errors only logged)."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        tags = word_tags(tokenizer)
        db = sqlite3.connect(tmp)
        with db:
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER, tag TEXT) WITHOUT ROWID")
            db.execute("INSERT INTO meta VALUES ('total', ?)", (str(tokenizer.total),))
            db.executemany("INSERT INTO words VALUES (?,?,?)",
                           ((w, f, tags.get(w)) for w, f in tokenizer.FREQ.items()))
        db.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error) as e:
        log.debug("could not write the lexicon cache %s: %s", path, e)
        if tmp:
            Path(tmp).unlink(missing_ok=True)


_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._]+)")
_NUM = re.compile("[\\.0-9]+")
_ENG = re.compile("[a-zA-Z0-9]+")


def pos_cut(tokenizer, tags, phrase: str) -> list[tuple[str, str]]:
    """(word, tag) pairs exactly as jieba.posseg's precise mode gives them over `tokenizer`'s dictionary.
    Importing jieba.posseg costs 0.6 s, so it is loaded only for a run of unknown characters, which
    needs its HMM."""
    out: list[tuple[str, str]] = []
    for block in _HAN.split(phrase):
        if not block:
            continue
        if _HAN.fullmatch(block):
            out.extend(_pos_dag(tokenizer, tags, block))
            continue
        for piece in re.split(r"(\r\n|\s)", block):
            if re.fullmatch(r"\r\n|\s", piece):
                out.append((piece, "x"))
            else:
                out.extend((c, "m" if _NUM.match(c) else "eng" if _ENG.match(c) else "x") for c in piece)
    return out


def _pos_dag(tokenizer, tags, sentence: str) -> list[tuple[str, str]]:
    dag = tokenizer.get_DAG(sentence)
    route: dict = {}
    tokenizer.calc(sentence, dag, route)
    out: list[tuple[str, str]] = []
    buf = ""
    x = 0
    while x < len(sentence):
        y = route[x][1] + 1
        if y - x == 1:
            buf += sentence[x:y]
        else:
            out.extend(_flush(tokenizer, tags, buf))
            buf = ""
            out.append((sentence[x:y], tags.get(sentence[x:y], "x")))
        x = y
    out.extend(_flush(tokenizer, tags, buf))
    return out


def _flush(tokenizer, tags, buf: str) -> list[tuple[str, str]]:
    if not buf:
        return []
    if len(buf) == 1:
        return [(buf, tags.get(buf, "x"))]
    if not tokenizer.FREQ.get(buf):
        import jieba.posseg

        return [(p.word, p.flag) for p in jieba.posseg.dt._POSTokenizer__cut_detail(buf)]
    return [(c, tags.get(c, "x")) for c in buf]
