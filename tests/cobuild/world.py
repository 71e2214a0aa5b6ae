"""Co-building objects of the access-matrix world, one set in community A and one in B.

Built lazily from the endpoint declarations (tests/cobuild/endpoints.py) inside the running test's
transaction, and rebuilt when a previous test's rollback removed them, so tests/access/world.py
stays untouched."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone


def cobuild_world(w) -> SimpleNamespace:
    from grassroots.cobuild.models import Need

    cached = getattr(w, "_cobuild", None)
    if cached is not None and Need.objects.filter(pk=cached.need_a.pk).exists():
        return cached
    w._cobuild = _build(w)
    return w._cobuild


def _build(w) -> SimpleNamespace:
    from grassroots.cobuild.models import (
        Agreement,
        Committee,
        CommitteeMember,
        Meeting,
        Need,
        Project,
        Registration,
        Resolution,
        Resource,
        ServicePost,
    )
    from grassroots.cobuild.services import community_org

    ns = SimpleNamespace()
    now = timezone.now()
    for tag, community, unit, member in (("a", w.A, w.unit_a, w.member_a), ("b", w.B, w.unit_b, w.member_b)):
        org = community_org(community)
        post = ServicePost.objects.create(community=community, org=org, name="政策宣传")
        reg = Registration.objects.create(
            kind="unit",
            community=community,
            org=org,
            unit=unit,
            contact_name="联系人",
            contact_phone="13812345678",
        )
        Agreement.objects.create(registration=reg, community=community, org=org, items=["开放场地"])
        # The emergency world may have registered the matrix member already (one registration each).
        mreg, _ = Registration.objects.update_or_create(
            member=member,
            defaults={"kind": "member", "community": community, "org": member.party_org, "state": "active"},
        )
        mreg.posts.set([post])
        need = Need.objects.create(community=community, org=org, title=f"需求{tag}", category="service")
        claimed = Need.objects.create(
            community=community,
            org=org,
            title=f"已认领需求{tag}",
            category="funds",
            state="claimed",
            claimed_unit=unit,
            claimed_at=now,
        )
        res = Resource.objects.create(
            community=community, org=org, unit=unit, title=f"资源{tag}", category="venue"
        )
        res_claimed = Resource.objects.create(
            community=community,
            org=org,
            unit=unit,
            title=f"已认领资源{tag}",
            category="skills",
            state="claimed",
            claimed_community=community,
            claimed_at=now,
        )
        project = Project.objects.create(community=community, org=org, title=f"项目{tag}")
        committee = Committee.objects.create(
            community=community, org=org, name=f"联席会议{tag}", place="会议室"
        )
        CommitteeMember.objects.create(committee=committee, name="委员")
        meeting = Meeting.objects.create(
            committee=committee, starts_at=now - datetime.timedelta(hours=1), place="会议室", theme="议事"
        )
        resolution = Resolution.objects.create(meeting=meeting, issue=f"议题{tag}")
        for name, obj in (
            ("reg", reg),
            ("mreg", mreg),
            ("need", need),
            ("need_claimed", claimed),
            ("res", res),
            ("res_claimed", res_claimed),
            ("project", project),
            ("committee", committee),
            ("meeting", meeting),
            ("resolution", resolution),
        ):
            setattr(ns, f"{name}_{tag}", obj)
    return ns
