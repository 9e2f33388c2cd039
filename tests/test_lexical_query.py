import math
from collections import Counter

import numpy as np
import pytest

from assistant.lexical import BM25, tokenize
from assistant.query import parse_query


def reference_bm25(corpus, query, k1=1.2, b=0.75):
    n = len(corpus)
    avg = sum(map(len, corpus)) / n
    out = []
    for doc in corpus:
        tf = Counter(doc)
        s = 0.0
        for t in query:
            df = sum(1 for d in corpus if t in d)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += idf * tf[t] * (k1 + 1) / (tf[t] + k1 * (1 - b + b * len(doc) / avg))
        out.append(s)
    return out


def test_bm25_equals_reference(tmp_path):
    corpus = [tokenize(t) for t in ["赤字率拟按4%左右安排", "地方政府专项债券4.4万亿元", "赤字率赤字规模", "今年工作", ""]]
    query = tokenize("赤字率是多少") + tokenize("专项债券")
    bm25 = BM25.build(corpus)
    np.testing.assert_allclose(bm25.scores(query), reference_bm25(corpus, query), rtol=1e-5)
    bm25.save(tmp_path)
    np.testing.assert_allclose(BM25.load(tmp_path).scores(query), reference_bm25(corpus, query), rtol=1e-5)
    assert bm25.scores(["不存在"]).tolist() == [0.0] * 5


def test_domain_words_segment_whole():
    tokens = tokenize("深圳国家高新区新增专精特新企业，赤字率和地方政府专项债券")
    for word in ["高新区", "国家高新区", "专精特新", "赤字率", "地方政府专项债券"]:
        assert word in tokens
    assert "的" not in tokenize("发展的目标") and "多少" not in tokenize("是多少")


@pytest.mark.parametrize("q, years, regions", [
    ("2025年政府工作报告提出的赤字率是多少？", [2025], []),
    ("二〇二四年广东省地区生产总值增长多少", [2024], ["广东"]),
    ("２０２３年国务院政府工作报告", [2023], ["全国"]),
    ("广西壮族自治区和宁夏2026年的目标", [2026], ["广西", "宁夏"]),
    ("深圳市科创委今年有什么计划", [], ["深圳"]),
])
def test_parse_query(q, years, regions):
    info = parse_query(q)
    assert (info.years, info.regions) == (years, regions)


def test_parse_query_range_and_relative():
    info = parse_query("2021-2023年和去年的情况")
    assert info.year_range == (2021, 2023) and info.years == [] and info.relative == [-1]
