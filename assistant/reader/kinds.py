"""Whether a statement is a target (今年…预期目标…左右) or a result (过去一年…完成…)."""

from __future__ import annotations

import re

from ..lexicon import statement_kinds

KIND_ZH = {"target": "目标", "result": "实绩"}


def sentence_kind(sentence: str, section: str = "", report_year: int | None = None) -> str | None:
    """'target' (今年…预期目标…左右) or 'result' (过去一年…完成…): the section decides first, then the sentence. A
    top-level section naming the report's own year (三、2026年主要工作 in the 2026 report) sets targets; one naming
    an earlier year (一、2025年主要工作和“十四五”发展成就) reports results."""
    kinds = statement_kinds()
    top = section.split(" > ")[0] if section else ""
    for kind in ("result", "target"):
        if top and kinds[kind, "section"].search(top):
            return kind
    if top and report_year and (named := section_years(top)):
        return "target" if report_year in named else "result" if max(named) < report_year else None
    result, target = kinds["result", "sentence"].search(sentence), kinds["target", "sentence"].search(sentence)
    if result and (not target or result.start() < target.start()):
        return "result"
    return "target" if target else None


def section_years(heading: str) -> set[int]:
    return {int(y) for y in _HEADING_YEAR.findall(heading)}


_HEADING_YEAR = re.compile(r"((?:19|20)\d\d)年")
