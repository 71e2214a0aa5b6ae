"""Defects of issue 15 found by walking the site as each role."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client

pytestmark = pytest.mark.django_db


def _client(username):
    from grassroots.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


class _Undo(Exception):
    pass


def test_dispatch_choices_are_exactly_the_handlers_the_service_accepts(demo_city):
    from grassroots.accounts.models import User
    from grassroots.cases import services
    from grassroots.cases.models import Case, Handler
    from grassroots.core.errors import ServiceError

    admin = User.objects.get(username="admin")
    case = Case.objects.filter(state="triaged").select_related("region", "category").first()
    assert case is not None
    choices = set(services.dispatchable_handlers(case).values_list("pk", flat=True))
    html = _client("admin").get(f"/cases/{case.pk}/").content.decode()
    select = re.search(r'<select name="dispatch-handler".*?</select>', html, re.S)
    assert select, "dispatch form shown"
    shown = {int(v) for v in re.findall(r'<option value="(\d+)"', select.group(0))}
    assert shown == choices and 0 < len(choices) < Handler.objects.count()
    accepted = set()
    for handler in Handler.objects.select_related("region"):
        try:
            with transaction.atomic():
                services.dispatch(admin, Case.objects.get(pk=case.pk), handler=handler)
                raise _Undo
        except _Undo:
            accepted.add(handler.pk)
        except ServiceError:
            pass
    assert accepted == choices


def test_join_page_lists_only_the_members_own_registrations(demo_city):
    from grassroots.cobuild.models import Registration

    assert Registration.objects.filter(kind="member").count() > 1
    html = _client("admin").get("/cobuild/join/").content.decode()
    assert html.count("data-my-registration") == 0  # the administrator is no registered member
    from grassroots.accounts.models import User

    member = User.objects.get(username="member")
    own = Registration.objects.filter(kind="member", member__user=member).count()
    html = _client("member").get("/cobuild/join/").content.decode()
    assert html.count("data-my-registration") == min(own, 10)


def test_people_detail_values_are_text_not_one_character_links(demo_city):
    from grassroots.people.models import Worker

    w = Worker.objects.exclude(code="").first()
    html = _client("admin").get(f"/people/workers/{w.pk}/").content.decode()
    dl = re.search(r'<dl class="row mb-0 attr-list">(.*?)</dl>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', dl)
    assert links == [(f"/regions/{w.region.code}/", w.region.name)]
    assert w.code in dl


def test_a_success_message_appears_once_on_the_case_page(demo_city):
    from grassroots.accounts.models import User
    from grassroots.cases.models import Case, handler_ids_for

    dept = User.objects.get(username="dept")
    ids = sorted(handler_ids_for(dept))
    case = Case.objects.filter(state="dispatched", handler_id__in=ids).first()
    if case is None:  # the demo's random walk left none waiting for this handler: put one there
        case = Case.objects.filter(handler_id__in=ids).first() or Case.objects.first()
        Case.objects.filter(pk=case.pk).update(state="dispatched", handler_id=ids[0], accepted_at=None)
    r = _client("dept").post(f"/cases/{case.pk}/accept/", {}, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('role="alert"') == 1 and html.count("alert-success") == 1


def test_favicon_is_linked_and_served(demo_city):
    html = _client("member").get("/").content.decode()
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', html).group(1)
    from django.contrib.staticfiles import finders

    assert finders.find(href.removeprefix("/static/"))


def test_audit_changes_read_as_users_see_them(db):
    from grassroots.core.audit_display import changes_text, readable_changes
    from grassroots.core.models import AuditEvent

    wish = AuditEvent(
        model="volunteers.wish",
        changes={
            "state": ["published", "claimed"],
            "claim_due_at": [None, "2026-12-08T02:00:00+00:00"],
        },
    )
    rows = readable_changes(wish)
    assert rows[0] == {"label": "状态", "old": "待认领", "new": "已认领", "single": False}
    assert rows[1]["label"] == "完成截止" and rows[1]["new"] == "2026-12-08 10:00"
    item = AuditEvent(model="volunteers.catalogitem", changes={"is_active": [True, False]})
    assert changes_text(item) == "上架：是 → 否"
    assignment = AuditEvent(model="accounts.roleassignment", changes={"role": [None, "auditor"]})
    assert changes_text(assignment) == "角色：— → 审计员"
    rule = AuditEvent(
        model="standards.rule",
        object_repr="LIFE-1",
        changes={"params": [{"kind": "members_meeting", "period": "quarter", "min_count": 1}, None]},
    )
    text = changes_text(rule)
    assert "活动类型：支部党员大会" in text and "周期：每季度" in text and "kind" not in text


def test_rule_pages_label_every_parameter(demo_city):
    from grassroots.standards.models import Rule

    html = _client("admin").get("/standards/rules/").content.decode()
    for rule in Rule.objects.exclude(params={}):
        for key in rule.params:
            pattern = rf'<span class="text-secondary">([^<]+)</span> <strong data-param="{key}">'
            label = re.search(pattern, html)
            assert label and label.group(1) != key, (rule.code, key)
    assert "members_meeting" not in html.split('data-rule="LIFE-1"')[1].split("</tr>")[0]


def test_deadline_across_new_year_without_the_calendar_falls_back_and_flags(db):
    import datetime as dt

    from grassroots.cases.models import Holiday
    from grassroots.cases.workdays import compute_deadline, local_tz

    Holiday.objects.filter(date__year=2027).delete()
    start = dt.datetime(2026, 12, 30, 10, 0, tzinfo=local_tz())
    _soon, due, missing = compute_deadline(start, 3, "days", share=0.8)
    # 31 Dec (Thu), [1 Jan is 元旦 even without the schedule], 4 Jan (Mon), 5 Jan (Tue)
    assert due == dt.datetime(2027, 1, 5, 10, 0, tzinfo=local_tz())
    assert 2027 in missing


def test_holiday_warning_reaches_street_and_community_administrators(demo_city):
    from django.utils import timezone

    from grassroots.cases.models import Holiday

    Holiday.objects.filter(date__year=timezone.localdate().year + 1).delete()
    for username in ("street", "community", "admin"):
        assert "data-calendar-missing" in _client(username).get("/").content.decode(), username
        r = _client(username).get("/cases/")
        assert str(timezone.localdate().year + 1) in "".join(map(str, r.context["calendar_missing"]))
    assert "data-calendar-missing" not in _client("member").get("/").content.decode()


def test_region_edit_shows_a_map_editor_instead_of_raw_geojson(demo_city):
    from grassroots.regions.models import Region

    node = Region.objects.filter(level="community").order_by("path").first()
    html = _client("admin").get(f"/regions/{node.code}/edit/").content.decode()
    assert 'data-grid-editor="region-edit-data"' in html and "data-grid-editor-form" in html
    assert re.search(r'<input type="hidden" name="polygon"', html)
    assert "<textarea" not in html.split("data-grid-editor-form")[1].split('name="polygon"')[0][-300:]
