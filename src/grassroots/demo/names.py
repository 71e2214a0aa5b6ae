"""Fast, seeded Chinese names for people, places and organisations (Faker's zh_CN lists, sampled directly)."""

from __future__ import annotations

import itertools
import random

from faker.providers.person.zh_CN import Provider as _Person

from grassroots.core.text import initials

_SURNAMES = list(_Person.last_names.keys())
_SURNAME_CUM = list(itertools.accumulate(_Person.last_names.values()))
_MALE = list(_Person.first_names_male)
_FEMALE = list(_Person.first_names_female)
_SINGLE_MALE = [c for c in _MALE if len(c) == 1]
_SINGLE_FEMALE = [c for c in _FEMALE if len(c) == 1]

# Two-character place words: first + second character, filtered for uniqueness per parent.
_PLACE_A = list("金银湖海山兴安和平福康宁华东西南北新长永泰瑞嘉丰文明德仁春江青云松桥阳昌盛隆鑫翠林")
_PLACE_B = list("口岭湾港园庄河泉桥峰台苑坊门塘溪城源沟洲岛坡亭屯堡湖山林景")
_HOOD_SUFFIX = ["小区", "花园", "家园", "苑", "新村", "公寓", "雅居", "名城"]
NUMERALS = "一二三四五六七八九十"


def person_name(rng: random.Random, male: bool) -> str:
    surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
    pool = _MALE if male else _FEMALE
    given = rng.choice(pool)
    if len(given) == 1 and rng.random() < 0.6:
        given += rng.choice(_SINGLE_MALE if male else _SINGLE_FEMALE)
    return surname + given


_SURNAME_SET = set(_SURNAMES)


def person_initials(name: str) -> str:
    """Pinyin initials of a person's name, as core.text.initials gives them, computed per surname and
    given name so that the (cached) parts are reused across millions of generated names."""
    k = 2 if name[:2] in _SURNAME_SET else 1
    return (initials(name[:k]) + initials(name[k:]))[:64]


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def place_words(rng: random.Random, n: int, taken: set[str] | None = None) -> list[str]:
    """n distinct two-character place words not in `taken` (which is updated)."""
    taken = set() if taken is None else taken
    out = []
    while len(out) < n:
        word = rng.choice(_PLACE_A) + rng.choice(_PLACE_B)
        if word[0] == word[1] or word in taken:
            continue
        taken.add(word)
        out.append(word)
    return out


def hood_suffix(rng: random.Random) -> str:
    return rng.choice(_HOOD_SUFFIX)


def numeral(n: int) -> str:
    """1..99 in Chinese numerals (第三, 第十二)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a GB 11643 citizen ID number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_valid(value: str) -> bool:
    return len(value) == 18 and value[:17].isdigit() and id_check_digit(value[:17]) == value[17].upper()
