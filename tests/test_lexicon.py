"""The SQLite lexicon cache segments and tags exactly as jieba's in-memory dictionary does."""

import json

import pytest

from assistant.lexical import USER_DICT
from assistant.lexicon_cache import open_lexicon, pos_cut, write_lexicon

from .conftest import CORPUS, ROOT

QUESTIONS = ["累计布局建设了多少家创新载体？", "2025年政府工作报告提出的赤字率是多少？", "沪今年GDP目标定了多少",
             "高新区管委会主任由谁担任？", "专精特新“小巨人”企业有几家", "Python 3.11 与 AI 大模型 abc123"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    import jieba

    full = jieba.Tokenizer()
    full.load_userdict(str(USER_DICT))
    path = tmp_path_factory.mktemp("cache") / "lexicon.sqlite"
    write_lexicon(full, path)
    freq, tags, total = open_lexicon(path)
    lazy = jieba.Tokenizer()
    lazy.FREQ, lazy.total, lazy.initialized = freq, total, True
    return full, lazy, tags


def texts() -> list[str]:
    report = next(CORPUS.glob("*.txt")).read_text(encoding="utf-8")
    dev = [json.loads(line)["question"] for line in (ROOT / "eval" / "dev_corpus.jsonl").read_text().splitlines() if line]
    return [*report.splitlines(), *QUESTIONS, *dev]


def test_same_segmentation_as_the_full_dictionary(pair):
    full, lazy, _ = pair
    assert lazy.total == full.total
    for t in texts():
        assert lazy.lcut_for_search(t) == full.lcut_for_search(t), t
        assert list(lazy.tokenize(t)) == list(full.tokenize(t)), t


def test_same_tags_as_jieba_posseg(pair):
    import jieba.posseg

    full, lazy, tags = pair
    tagger = jieba.posseg.POSTokenizer(full)
    for t in texts():
        assert pos_cut(lazy, tags, t) == [(p.word, p.flag) for p in tagger.cut(t)], t
    assert ("创新载体", "n") in pos_cut(lazy, tags, "创新载体")  # a word of the package's dictionary


def test_an_unreadable_cache_is_ignored(tmp_path):
    bad = tmp_path / "lexicon.sqlite"
    bad.write_bytes(b"not a database")
    assert open_lexicon(bad) is None
    assert open_lexicon(tmp_path / "missing.sqlite") is None
