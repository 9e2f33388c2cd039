"""Whether a statement is a target (今年…预期目标…左右) or a result (过去一年…完成…)."""

from __future__ import annotations

from ..lexicon import statement_kinds

KIND_ZH = {"target": "目标", "result": "实绩"}


def sentence_kind(sentence: str, section: str = "") -> str | None:
    """'target' (今年…预期目标…左右) or 'result' (过去一年…完成…): the section decides first, then the sentence."""
    kinds = statement_kinds()
    top = section.split(" > ")[0] if section else ""
    for kind in ("result", "target"):
        if top and kinds[kind, "section"].search(top):
            return kind
    result, target = kinds["result", "sentence"].search(sentence), kinds["target", "sentence"].search(sentence)
    if result and (not target or result.start() < target.start()):
        return "result"
    return "target" if target else None
