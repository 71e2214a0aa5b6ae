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
    case = Case.objects.filter(state="dispatched", handler_id__in=handler_ids_for(dept)).first()
    assert case is not None
    r = _client("dept").post(f"/cases/{case.pk}/accept/", {}, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('role="alert"') == 1 and html.count("alert-success") == 1


def test_favicon_is_linked_and_served(demo_city):
    html = _client("member").get("/").content.decode()
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', html).group(1)
    from django.contrib.staticfiles import finders

    assert finders.find(href.removeprefix("/static/"))
