"""Region and issuer names found in titles and questions."""

from __future__ import annotations

import re

NATIONAL = "全国"

# canonical short name -> the forms it appears in
PROVINCES: dict[str, tuple[str, ...]] = {
    "北京": ("北京市", "北京"), "天津": ("天津市", "天津"), "上海": ("上海市", "上海"),
    "重庆": ("重庆市", "重庆"), "河北": ("河北省", "河北"), "山西": ("山西省", "山西"),
    "辽宁": ("辽宁省", "辽宁"), "吉林": ("吉林省", "吉林"), "黑龙江": ("黑龙江省", "黑龙江"),
    "江苏": ("江苏省", "江苏"), "浙江": ("浙江省", "浙江"), "安徽": ("安徽省", "安徽"),
    "福建": ("福建省", "福建"), "江西": ("江西省", "江西"), "山东": ("山东省", "山东"),
    "河南": ("河南省", "河南"), "湖北": ("湖北省", "湖北"), "湖南": ("湖南省", "湖南"),
    "广东": ("广东省", "广东"), "海南": ("海南省", "海南"), "四川": ("四川省", "四川"),
    "贵州": ("贵州省", "贵州"), "云南": ("云南省", "云南"), "陕西": ("陕西省", "陕西"),
    "甘肃": ("甘肃省", "甘肃"), "青海": ("青海省", "青海"), "台湾": ("台湾省", "台湾"),
    "内蒙古": ("内蒙古自治区", "内蒙古"), "广西": ("广西壮族自治区", "广西"),
    "西藏": ("西藏自治区", "西藏"), "宁夏": ("宁夏回族自治区", "宁夏"),
    "新疆": ("新疆维吾尔自治区", "新疆"), "香港": ("香港特别行政区", "香港"),
    "澳门": ("澳门特别行政区", "澳门"),
}

CITIES = (
    "深圳", "广州", "杭州", "南京", "武汉", "成都", "西安", "青岛", "厦门", "宁波", "大连",
    "沈阳", "长春", "哈尔滨", "济南", "苏州", "郑州", "长沙", "合肥", "福州", "昆明", "南宁",
    "贵阳", "兰州", "西宁", "银川", "乌鲁木齐", "拉萨", "呼和浩特", "石家庄", "太原", "南昌",
    "海口", "无锡", "佛山", "东莞", "珠海",
)

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
    for form, name in _ALIASES:
        for m in re.finditer(re.escape(form), text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append((s, name))
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
