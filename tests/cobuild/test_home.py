"""The community home page shows the co-building figures of the user's scope, equal to direct counts."""

from __future__ import annotations

import datetime
import re

import pytest

from grassroots.cobuild import services
from grassroots.cobuild.models import Need, Registration

pytestmark = pytest.mark.django_db


def figure(html: str, label: str) -> str:
    m = re.search(rf'data-figure="{re.escape(label)}">([^<]*)<', html)
    assert m, label
    return m.group(1).strip()


def test_home_shows_cobuild_figures_of_own_community_only(cb, client_for, django_capture_on_commit_callbacks):
    # The home figures are precomputed buckets, recomputed after each write commits.
    with django_capture_on_commit_callbacks(execute=True):
        reg = services.register_unit(
            cb.liaison,
            unit=cb.unit_a,
            community=cb.A,
            items=["开放会议室"],
            signed_on=datetime.date(2026, 1, 5),
        )
        services.confirm_registration(cb.admin, reg)
        services.register_unit(cb.admin_b, unit=cb.unit_b, community=cb.B, items=["志愿服务"])  # pending, B
        for k in range(3):
            services.post_need(cb.admin, community=cb.A, title=f"需求{k}", category="service")
        services.post_need(cb.admin_b, community=cb.B, title="别的社区", category="service")

    html = client_for(cb.admin).get("/").content.decode()
    assert 'data-home-section="共驻共建"' in html
    assert (
        int(figure(html, "报到单位"))
        == 1
        == Registration.objects.filter(community=cb.A, state="active").count()
    )
    assert int(figure(html, "待认领需求")) == 3 == Need.objects.filter(community=cb.A, state="open").count()
    assert 'href="/cobuild/needs/?state=open"' in html

    html_b = client_for(cb.admin_b).get("/").content.decode()
    assert int(figure(html_b, "报到单位")) == 0 and int(figure(html_b, "待认领需求")) == 1


def test_home_lists_each_cobuilding_app_section_for_a_community_admin(cb, client_for):
    html = client_for(cb.admin).get("/").content.decode()
    for title in ("共驻共建", "志愿服务与微心愿", "组织生活与活动", "党群服务阵地"):
        assert f'data-home-section="{title}"' in html
    assert int(figure(html, "党群服务阵地")) == 0  # none built in this city
