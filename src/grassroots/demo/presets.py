"""Scale presets of the synthetic demo city. Ranges are inclusive (rng.randint) and drawn per parent.

Proportions come from the seed articles (SEEDS.md): Longchang's community org mix (seed 004), ~11
community workers per community plus one grid worker per grid (seeds 002, 003), 3 governance officers
per community (seed 003), units of every type per community (seed 001).
"""

from __future__ import annotations

from typing import Any

# A city: GB/T 2260 codes, a centre (WGS-84 lng/lat) and a half-size in degrees.
QINGDAO = {
    "code": "370200",
    "name": "青岛市",
    "center": (120.38, 36.07),
    "size": (0.30, 0.20),
    "districts": [
        ("370202", "市南区"),
        ("370203", "市北区"),
        ("370212", "崂山区"),
        ("370213", "李沧区"),
        ("370211", "黄岛区"),
        ("370214", "城阳区"),
        ("370215", "即墨区"),
    ],
}

JILIN_CITIES = [
    {
        "code": "220100",
        "name": "长春市",
        "center": (125.32, 43.82),
        "size": (0.35, 0.25),
        "districts": [
            ("220102", "南关区"),
            ("220103", "宽城区"),
            ("220104", "朝阳区"),
            ("220105", "二道区"),
            ("220106", "绿园区"),
            ("220112", "双阳区"),
            ("220113", "九台区"),
        ],
    },
    {
        "code": "220200",
        "name": "吉林市",
        "center": (126.55, 43.84),
        "size": (0.25, 0.18),
        "districts": [("220202", "昌邑区"), ("220203", "龙潭区"), ("220204", "船营区"), ("220211", "丰满区")],
    },
    {
        "code": "220300",
        "name": "四平市",
        "center": (124.35, 43.17),
        "size": (0.15, 0.10),
        "districts": [("220302", "铁西区"), ("220303", "铁东区")],
    },
    {
        "code": "220400",
        "name": "辽源市",
        "center": (125.14, 42.89),
        "size": (0.12, 0.09),
        "districts": [("220402", "龙山区"), ("220403", "西安区")],
    },
    {
        "code": "220500",
        "name": "通化市",
        "center": (125.94, 41.73),
        "size": (0.12, 0.09),
        "districts": [("220502", "东昌区"), ("220503", "二道江区")],
    },
    {
        "code": "220600",
        "name": "白山市",
        "center": (126.42, 41.94),
        "size": (0.12, 0.09),
        "districts": [("220602", "浑江区"), ("220605", "江源区")],
    },
    {
        "code": "220700",
        "name": "松原市",
        "center": (124.82, 45.14),
        "size": (0.10, 0.08),
        "districts": [("220702", "宁江区")],
    },
    {
        "code": "220800",
        "name": "白城市",
        "center": (122.84, 45.62),
        "size": (0.10, 0.08),
        "districts": [("220802", "洮北区")],
    },
]

_COMMON: dict[str, Any] = {
    "floors": (6, 18),  # an entrance has floors × 2 households (statistical count)
    "grids_per_community": (8, 10),  # read by the grids step; one grid worker per grid
    "street_workers": (3, 5),
    "dues_months": 12,
    "probationary_share": 0.05,
    "in_service_share": 0.30,
    "hub_share": 0.03,
    "transfer_share": 0.02,
}

PRESETS: dict[str, dict[str, Any]] = {
    "tiny": _COMMON
    | {
        "cities": [QINGDAO],
        "districts": 1,
        "streets": (2, 2),
        "communities": (3, 3),
        "neighborhoods": (2, 2),
        "buildings": (2, 3),
        "entrances": (1, 2),
        "households": (2, 3),  # registered Household rows per entrance
        "members": (45, 60),  # per community
        "chunk_members": 5000,
    },
    "small": _COMMON
    | {
        "cities": [QINGDAO],
        "districts": 1,
        "streets": (10, 10),
        "communities": (8, 12),
        "neighborhoods": (2, 4),
        "buildings": (3, 6),
        "entrances": (1, 3),
        "households": (3, 4),
        "members": (140, 260),
        "chunk_members": 10000,
    },
    "city": _COMMON
    | {
        "cities": [QINGDAO],
        "districts": 7,
        "streets": (10, 14),
        "communities": (9, 12),
        "neighborhoods": (2, 5),
        "buildings": (3, 6),
        "entrances": (1, 3),
        "households": (2, 4),
        "members": (120, 220),
        "chunk_members": 30000,
    },
    "province": _COMMON
    | {
        "cities": JILIN_CITIES,
        "districts": None,  # every district listed in the cities
        "streets": (18, 22),
        "communities": (15, 20),
        "neighborhoods": (3, 5),
        "buildings": (3, 6),
        "entrances": (1, 3),
        "households": (2, 3),
        "members": (200, 356),  # ~2 million in ~7,300 communities
        "chunk_members": 50000,
    },
}
# Four streets of the province preset at the province's densities per community (~1/100 of it: ~70
# communities, ~20,000 members, ~630 grids, ~96,000 cases): what `grassroots bench demo_copy` runs by
# default to measure the COPY path against a plain COPY of the same rows without the whole province.
PRESETS["province_slice"] = PRESETS["province"] | {
    "cities": JILIN_CITIES[:1],
    "districts": 1,
    "streets": (4, 4),
}


def get_preset(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise KeyError(name)
    return dict(PRESETS[name])
