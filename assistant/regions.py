"""Region and issuer names found in titles and questions."""

from __future__ import annotations

import re

from .lexicon import NATIONAL, cities, provinces

PROVINCES = provinces()
CITIES = tuple(cities())

_ALIASES: list[tuple[str, str]] = sorted(
    [(form, name) for name, forms in PROVINCES.items() for form in forms]
    + [(c + "市", c) for c in CITIES] + [(c, c) for c in CITIES],
    key=lambda p: -len(p[0]),
)
_ISSUER = re.compile(r"([\u4e00-\u9fff]{2,20}?(?:人民政府|委员会|政府|厅|局|办公室))")


def regions_in(text: str) -> list[str]:
    """Canonical region names mentioned in `text`, in order of first mention, longest form first."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for form, name in _ALIASES:  # plain substring search: ~800 names would evict each other from re's cache
        s = text.find(form)
        while s >= 0:
            e = s + len(form)
            if not any(s < te and ts < e for ts, te in taken):
                taken.append((s, e))
                found.append((s, name))
            s = text.find(form, e)
    seen: list[str] = []
    for _, name in sorted(found):
        if name not in seen:
            seen.append(name)
    return seen


def region_of_title(title: str) -> str | None:
    if any(w in title for w in ("国务院", "中华人民共和国", "全国人民代表大会")):
        return NATIONAL
    found = regions_in(title)
    return found[0] if found else None


def issuer_of_title(title: str) -> str | None:
    if "国务院" in title or "中华人民共和国" in title:
        return "国务院"
    region = region_of_title(title)
    if region and "政府工作报告" in title:
        return PROVINCES.get(region, (region + "市",))[0] + "人民政府"
    m = _ISSUER.search(re.sub(r"[\d〇零一二三四五六七八九]{4}年", " ", title))
    return m.group(1) if m else None
