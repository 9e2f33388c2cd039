"""Text normalisation, done once before anything reads a question, and a same-length fold for matching.

- `fold(text)` maps full-width ASCII (２０２５, ％, Ｍ２), the ideographic space, Kangxi radicals (⼯ U+2F2F)
  and CJK compatibility ideographs to their plain forms, one character for one character, so offsets into
  the folded text are offsets into the original. Reports printed in the 1980s write ５２０５万吨 and １１．２％;
  a Chromium-printed PDF writes 政府⼯作报告.
- `to_simplified(text)` is OpenCC's t2s (character for character on report text: checked, else unchanged).
- `normalise_question(text)` is what a question goes through: fold, traditional to simplified, and the English
  and Latin terms people mix in read in the reports' wording (data/glossary.tsv: GDP growth target ->
  生产总值增长目标, unemployment rate -> 失业率). Chinese punctuation stays as typed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from .lexicon import table

# full-width forms the reports and questions use for ASCII; CJK punctuation (，。？！：；（）) is kept
_KEEP_WIDE = set("，。？！：；（）")
_FOLD = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in _KEEP_WIDE}
_FOLD[0x3000] = " "
for _c in list(range(0x2F00, 0x2FD6)) + list(range(0x2E80, 0x2EF4)) + list(range(0xF900, 0xFB00)):
    _n = unicodedata.normalize("NFKC", chr(_c))
    if len(_n) == 1 and _n != chr(_c):
        _FOLD[_c] = _n
FOLD_TABLE = str.maketrans(_FOLD)


def fold(text: str) -> str:
    """Plain forms of full-width ASCII, Kangxi radicals and compatibility ideographs; same length as `text`."""
    return text.translate(FOLD_TABLE)


_CONVERTER = None


def t2s_converter():
    """The one OpenCC t2s converter of the process (its dictionaries take a while to load)."""
    global _CONVERTER
    if _CONVERTER is None:
        from opencc import OpenCC

        _CONVERTER = OpenCC("t2s")
    return _CONVERTER


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC t2s); the text is returned unchanged if the conversion
    would change its length (offsets into it must stay offsets into the original)."""
    if not text or text.isascii():
        return text
    out = t2s_converter().convert(text)
    return out if len(out) == len(text) else "".join(t2s_converter().convert(ch) or ch for ch in text)


@cache
def glossary() -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern of an English or Latin term, report wording), longest term first (data/glossary.tsv)."""
    rows = sorted(table("glossary.tsv"), key=lambda r: -len(r[0]))
    return tuple((re.compile(rf"(?<![A-Za-z]){_spaced(term)}(?![A-Za-z])", re.I), wording) for term, wording in rows)


def _spaced(term: str) -> str:
    """"growth target" matches growth  target, growth-target and growthtarget."""
    return r"[\s\-_]*".join(re.escape(w) for w in term.split())


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff，。？！、：；）])\s+|\s+(?=[\u4e00-\u9fff，。？！、：；（])")


def english_to_report(text: str) -> str:
    """GDP growth target -> 生产总值增长目标; the spaces left between Chinese words are dropped."""
    if not re.search(r"[A-Za-z]", text):
        return text
    for pattern, wording in glossary():
        text = pattern.sub(wording, text)
    return _CJK_GAP.sub("", text)


def normalise_question(text: str) -> str:
    """A question as everything downstream reads it: plain width, simplified characters, report wording
    for the English terms in it, no surrounding whitespace."""
    return english_to_report(to_simplified(fold(text))).strip()


# a subscript set on a line of its own by the page the text was copied from: 广义货币M\n2\n增长, 细颗粒物（PM\n2.5\n）
_BROKEN_SUBSCRIPT = re.compile(r"(?<=[A-Za-z])\n([0-9.]{1,3})\n")


def with_subscripts_joined(text: str) -> str:
    """M2 and PM2.5 written whole where the source broke them over three lines (the State Council's 2014–2022
    reports in the shared data), so a sentence and a passage are not cut inside them."""
    return _BROKEN_SUBSCRIPT.sub(r"\1", text)
