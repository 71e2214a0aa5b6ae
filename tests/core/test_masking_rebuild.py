"""Masking that cannot be undone (issue 14.1): a grid worker who reads everything shown about a member —
the member list page, the detail page (history tab included), the API list and detail, and the Excel
export — and combines it cannot rebuild the member's ID number.

Members are generated like the demo does: real-format ID numbers whose 6-digit region prefix is the
district's and whose birth digits are the member's birth date, ISO 7064 check character. The attacker
is generous: they know the region prefix, use every date, year and age shown, the party rule that one
joins at 18 or older, the gender parity of the sequence digit, and the check character. A member is
"rebuilt" when at most REBUILT candidates remain.
"""

from __future__ import annotations

import datetime
import io
import random
import re
from collections import defaultdict

import pytest
from openpyxl import load_workbook

from grassroots.core.crypto import lookup_hash
from grassroots.core.importing import id_number_check_digit
from grassroots.core.masking import mask, redact_text
from grassroots.core.text import initials
from grassroots.party.models import Member

pytestmark = pytest.mark.django_db

REBUILT = 3  # a candidate set this small means the number is rebuilt
PREFIX = "370202"  # the fixture district's code: the plausible birth-registration region
N_MEMBERS = 60

ID_PATTERN = re.compile(r"[0-9Xx*＊]{18}")
PLAIN_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")


def _add_years(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _members(org, residence) -> list[Member]:
    """Members generated as demo/generator.py does (ages, join ages, real-format ID numbers)."""
    rng = random.Random(1407)
    today = datetime.date.today()
    used, out = set(), []
    for i in range(N_MEMBERS):
        male = rng.random() < 0.68
        age = rng.choices(
            [rng.randint(22, 35), rng.randint(36, 50), rng.randint(51, 65), rng.randint(66, 90)],
            weights=[20, 25, 30, 25],
        )[0]
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        if rng.random() < 0.15:
            status, converted = "probationary", None
            joined = today - datetime.timedelta(days=rng.randint(10, 350))
        else:
            join_age = rng.randint(18, max(19, min(age - 2, 45)))
            joined = min(
                _add_years(birth, join_age) + datetime.timedelta(days=rng.randint(0, 364)),
                today - datetime.timedelta(days=400),
            )
            status, converted = "full", joined + datetime.timedelta(days=365)
        seq = rng.randint(0, 499) * 2 + (1 if male else 0)
        while True:
            first17 = f"{PREFIX}{birth:%Y%m%d}{seq:03d}"
            value = first17 + id_number_check_digit(first17)
            if value not in used:
                used.add(value)
                break
            seq = (seq + 2) % 1000
        name = f"党员{i:03d}"
        out.append(
            Member(
                name=name,
                name_initials=initials(name),
                gender="male" if male else "female",
                birth_date=birth,
                id_number=value,
                id_number_hash=lookup_hash(value),
                phone=f"139{rng.randint(0, 99999999):08d}",
                party_org=org,
                status=status,
                joined_on=joined,
                converted_on=converted,
                residence=residence,
                room=f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
            )
        )
    Member.objects.bulk_create(out)
    return list(Member.objects.filter(party_org=org, name__startswith="党员").order_by("id"))


class Seen:
    """Everything shown about one member, as strings by field kind."""

    def __init__(self):
        self.texts: list[str] = []
        self.ids: list[str] = []
        self.births: list[str] = []
        self.years: list[int] = []
        self.ages: list[int] = []
        self.joined: list[datetime.date] = []
        self.genders: list[str] = []


def _birth_value(seen: Seen, value) -> None:
    if value in (None, ""):
        return
    if isinstance(value, datetime.datetime | datetime.date):
        seen.births.append(value.strftime("%Y-%m-%d"))
        return
    s = str(value)
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        seen.births.append(m.group(0))
    elif re.fullmatch(r"\s*\d{4}\s*年?\s*", s):
        seen.years.append(int(s.strip().rstrip("年")))


def _candidates(seen: Seen, today: datetime.date, cap: int = REBUILT) -> int:
    """How many 18-character ID numbers agree with everything seen."""
    known: dict[int, str] = {}
    for shown in seen.ids:
        for i, ch in enumerate(shown.upper()):
            if ch not in "*＊":
                known[i] = ch
    prefixes = [PREFIX]
    if all(i in known for i in range(6)):
        prefixes = ["".join(known[i] for i in range(6))]
    latest_birth = min((_add_years(j, -18) for j in seen.joined), default=today)

    def births():
        """Birth dates agreeing with what was seen, latest first (generated lazily: the count stops early)."""
        if seen.births:
            yield from sorted({datetime.date.fromisoformat(b) for b in seen.births}, reverse=True)
            return
        years = set(seen.years)
        for age in seen.ages:
            years |= {today.year - age, today.year - age - 1}
        d = latest_birth
        while d.year >= 1900:
            if (not years or d.year in years) and all(
                today.year - d.year - ((today.month, today.day) < (d.month, d.day)) == a for a in seen.ages
            ):
                yield d
            elif years and d.year < min(years):
                return
            d -= datetime.timedelta(days=1)

    seqs = [
        f"{s:03d}"
        for s in range(1000)
        if all(known.get(14 + i, c) == c for i, c in enumerate(f"{s:03d}"))
        and all((s % 2 == 1) == (g == "男") for g in seen.genders)
    ]
    count = 0
    for p in prefixes:
        if any(known.get(i, c) != c for i, c in enumerate(p)):
            continue
        for b in births():
            if b > latest_birth or any(known.get(6 + i, c) != c for i, c in enumerate(b.strftime("%Y%m%d"))):
                continue
            for s in seqs:
                first17 = f"{p}{b:%Y%m%d}{s}"
                check = id_number_check_digit(first17)
                if known.get(17, check) == check:
                    count += 1
                    if count > cap:
                        return count
    return count


def _gather(members, client, api) -> dict[int, Seen]:
    seen: dict[int, Seen] = defaultdict(Seen)
    by_pk = {m.pk: m for m in members}
    by_name = {m.name: m.pk for m in members}

    # 1. list pages
    page = 1
    while True:
        r = client.get("/party/members/", {"page": page})
        assert r.status_code == 200
        html = r.content.decode()
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
            m = re.search(r"/party/members/(\d+)/", row)
            if m and int(m.group(1)) in by_pk:
                s = seen[int(m.group(1))]
                s.texts.append(row)
                s.ids += ID_PATTERN.findall(row)
                s.joined += [datetime.date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", row)]
        if f"page={page + 1}" not in html:
            break
        page += 1

    # 2. detail pages
    for pk in by_pk:
        html = client.get(f"/party/members/{pk}/").content.decode()
        s = seen[pk]
        s.texts.append(html)
        s.ids += ID_PATTERN.findall(html)
        block = re.search(r"出生日期</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
        if block:
            _birth_value(s, re.sub(r"<[^>]+>", "", block.group(1)).strip())
        s.ages += [int(a) for a in re.findall(r"(\d+)\s*岁", html)]
        joined = re.search(r"入党日期</dt><dd[^>]*>(\d{4}-\d{2}-\d{2})", html)
        if joined:
            s.joined.append(datetime.date.fromisoformat(joined.group(1)))
        gender = re.search(r"性别</dt><dd[^>]*>(.)</dd>", html)
        if gender:
            s.genders.append(gender.group(1))

    # 3. API list and detail
    gender_cn = {"male": "男", "female": "女"}
    cursor = None
    items = []
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/party/members/", params).json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            break
    items += [api.get(f"/api/v1/party/members/{pk}").json() for pk in by_pk]
    for item in items:
        if item.get("id") not in by_pk:
            continue
        s = seen[item["id"]]
        s.texts.append(repr(item))
        s.ids.append(item["id_number"])
        _birth_value(s, item.get("birth_date"))
        if item.get("birth_year"):
            s.years.append(int(item["birth_year"]))
        if item.get("age") is not None:
            s.ages.append(int(item["age"]))
        s.joined.append(datetime.date.fromisoformat(item["joined_on"]))
        s.genders.append(gender_cn[item["gender"]])

    # 4. the Excel export of the list
    r = client.get("/party/members/", {"export": "xlsx"})
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content), read_only=True).active.iter_rows(values_only=True))
    header = [str(h).rstrip("*＊ ") for h in rows[0]]
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=False))
        pk = by_name.get(cells.get("姓名"))
        if pk is None:
            continue
        s = seen[pk]
        s.texts.append(repr(row))
        s.ids.append(str(cells.get("身份证号") or ""))
        _birth_value(s, cells.get("出生日期"))
        joined = cells.get("入党日期")
        if joined:
            s.joined.append(
                joined.date()
                if isinstance(joined, datetime.datetime)
                else datetime.date.fromisoformat(str(joined)[:10])
            )
        if cells.get("性别"):
            s.genders.append(str(cells["性别"]))
    return seen


def test_grid_worker_rebuilds_no_id_number(city, make_user, client_for, token_for):
    from django.test import Client

    community, branch = city.communities[0], city.branches[0]
    members = _members(branch, residence=community)
    worker = make_user("gw_rebuild", "grid_worker", community)
    client = client_for(worker)
    api = Client(headers={"authorization": f"Bearer {token_for(worker)}"})

    seen = _gather(members, client, api)
    today = datetime.date.today()
    rebuilt, plaintext = [], []
    for m in members:
        s = seen[m.pk]
        assert s.ids, f"{m.name}: the masked ID number was not found in any output"
        blob = "\n".join(s.texts)
        if m.id_number in blob or m.birth_date.strftime("%Y-%m-%d") in blob:
            plaintext.append(m.name)
        if _candidates(s, today) <= REBUILT:
            rebuilt.append(m.name)
    assert plaintext == []
    assert rebuilt == [], f"{len(rebuilt)}/{len(members)} members' ID numbers can be rebuilt"
    # The attacker model itself works: with the full birth date shown (as before) it rebuilds the
    # number, and with only the year shown it rebuilds those who joined the party soon after turning 18.
    m = members[0]
    s = seen[m.pk]
    s.births = [m.birth_date.isoformat()]
    assert _candidates(s, today) <= REBUILT
    early = Seen()
    early.ids, early.years = ["*" * 14 + "0569"], [1968]
    early.joined = [datetime.date(1986, 1, 25)]  # joined 5 days after turning 18 (born 1968-01-20)
    assert _candidates(early, today) <= REBUILT


def test_masking_policy_per_kind():
    assert mask("id_number", "370202199001311234") == "**************1234"
    assert mask("phone", "13812345678") == "138****5678"
    assert mask("room", "1502") == mask("room", "3-201") == "****"
    assert mask("birth_date", datetime.date(1990, 1, 31)) == mask("birth_date", "1990-01-31") == "****-**-**"
    assert mask("name", "张三丰") == mask("name", "张三") == "张**"


@pytest.mark.parametrize(
    ("text", "secrets"),
    [
        ("联系电话13800138000，3号楼2单元501", ["13800138000", "3号楼", "2单元", "501"]),
        ("联系人：王小明，电话 138-0013-8000", ["王小明", "138-0013-8000"]),
        ("我叫李四，身份证370202199001311234，住12栋3-501室", ["李四", "370202199001311234", "3-501"]),
        ("固话0532-88886666，张先生", ["0532-88886666", "张先生"]),
    ],
)
def test_redact_text(text, secrets):
    out = redact_text(text)
    for secret in secrets:
        assert secret not in out, (secret, out)
    assert "＊＊" in out


def test_audit_records_of_the_older_policy_are_shown_masked_by_todays():
    from grassroots.core.models import AuditEvent

    old = AuditEvent(
        model="party.member",
        changes={
            "id_number": [None, "370***********1234"],
            "birth_date": [None, "1990-01-31"],
            "room": ["**1", "**2"],
            "name": ["张三", "张三丰"],
        },
    )
    assert old.shown_changes == {
        "id_number": [None, "**************1234"],
        "birth_date": [None, "****-**-**"],
        "room": ["****", "****"],
        "name": ["张三", "张三丰"],  # not a personal field of a member
    }
    assert old.changes["birth_date"] == [None, "1990-01-31"]  # the record itself is untouched
