"""A reporter hears back (receipt, dispatch, resolution with the evaluation link, closure) by text message
and, with an account, in the inbox; reports left with a phone appear in 我的诉求 after signing in with
it; a reopen tells the handler and the dispatcher, and nobody else."""

from __future__ import annotations

import re

import pytest

from grassroots.accounts import services as account_services
from grassroots.accounts.models import SmsOutbox
from grassroots.cases import services
from grassroots.cases.models import Case, Channel
from grassroots.notifications.models import Notification

pytestmark = pytest.mark.django_db
NO_PHOTO = "现场为夜间作业，无法拍照"
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """The receipt is sent by a background task queued after commit (test_intake_deferred.py checks
    that it is deferred); here it runs as soon as it is queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _anonymous_case(loop, category=None, phone=PHONE):
    from django.contrib.auth.models import AnonymousUser

    return services.submit(
        AnonymousUser(),
        channel=Channel.H5,
        region=loop.c0,
        description="小区门口井盖缺失，夜间很危险",
        category=category,
        reporter_phone=phone,
    )


def _texts(phone=PHONE) -> list[str]:
    return list(SmsOutbox.objects.filter(phone=phone).order_by("id").values_list("body", flat=True))


def test_anonymous_reporter_is_texted_each_step_with_links(
    loop, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://jc.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        case = _anonymous_case(loop)
    assert (
        case.reporter_user_id is None and case.reporter_phone_hash and PHONE not in case.reporter_phone_hash
    )
    [receipt] = _texts()
    token = services.tracking_token(case)
    assert "已受理" in receipt and case.number in receipt
    assert f"https://jc.example.cn/cases/track/{token}/" in receipt
    with django_capture_on_commit_callbacks(execute=True):
        services.triage(loop.dispatcher, case, category=loop.cat_manhole)
        services.dispatch(loop.dispatcher, case)
    assert "已派单" in _texts()[-1] and loop.h_dept.name in _texts()[-1]
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(loop.dept_a, case)
        services.resolve(loop.dept_a, case, resolution="已更换新井盖并恢复路面", no_photo_reason=NO_PHOTO)
    resolved = _texts()[-1]
    assert "已办结" in resolved and "已更换新井盖" in resolved
    link = re.search(r"https://jc\.example\.cn(/cases/evaluate/\S+/)", resolved).group(1)
    token = link.split("/")[-2]
    services.evaluate_with_link(token, result="satisfied", comment="很及时")  # the texted link works
    with django_capture_on_commit_callbacks(execute=True):
        services.close(loop.dispatcher, Case.objects.get(pk=case.pk))
    assert "已结案" in _texts()[-1]
    assert len(_texts()) == 4
    # nothing went to any other phone, and no inbox row exists without an account
    assert SmsOutbox.objects.exclude(phone=PHONE).count() == 0
    assert not Notification.objects.filter(kind__in=["cases.received", "cases.resolved"]).exists()


def test_no_text_when_the_transaction_rolls_back(loop, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _anonymous_case(loop)
        raise RuntimeError
    assert _texts() == []


def test_reports_left_with_a_phone_appear_after_sms_login_and_the_inbox_hears(loop):
    case = _anonymous_case(loop)
    other = _anonymous_case(loop, phone="13800000000")
    account_services.request_login_code(PHONE)
    code = re.search(r"\d{6}", _texts()[-1]).group(0)
    user = account_services.login_with_code(PHONE, code)
    assert list(services.my_cases(user)) == [case]
    assert services.is_reporter(user, case) and not services.is_reporter(user, other)
    # from now on the resident also hears in the inbox
    services.triage(loop.dispatcher, case, category=loop.cat_manhole)
    services.dispatch(loop.dispatcher, case)
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已更换新井盖并恢复路面", no_photo_reason=NO_PHOTO)
    row = Notification.objects.get(user=user, kind="cases.resolved")
    assert row.url.startswith("/cases/evaluate/")
    # the signed-in reporter may evaluate without the link
    services.evaluate(user, case, result="unsatisfied", comment="没修好")
    case.refresh_from_db()
    assert case.state == "dispatched" and case.reopen_count == 1


def test_reopen_notifies_the_handler_and_the_dispatcher_only(loop, dispatched):
    case = dispatched()
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已处理完毕", no_photo_reason=NO_PHOTO)
    before = set(Notification.objects.values_list("pk", flat=True))
    services.evaluate_with_link(services.issue_evaluation_link(case), result="unsatisfied", comment="没修好")
    new = Notification.objects.exclude(pk__in=before).filter(kind="cases.reopened")
    assert {n.user for n in new} == {loop.dept_a, loop.dept_b, loop.dispatcher}
    assert all(loop.resident != n.user and n.url == f"/cases/{case.pk}/" for n in new)
    assert "没修好" in new[0].body
    assert not Notification.objects.filter(kind="cases.reopened", user=loop.dept_other).exists()


def test_dispatcher_reopen_notifies_too(loop, dispatched):
    case = dispatched()
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已处理完毕", no_photo_reason=NO_PHOTO)
    services.reopen(loop.dispatcher, case, reason="居民电话反映仍未解决")
    users = set(Notification.objects.filter(kind="cases.reopened").values_list("user__username", flat=True))
    assert users == {"dept_a", "dept_b", "street_disp"}


def test_track_by_number_and_phone(loop):
    case = _anonymous_case(loop)
    assert services.case_by_number_and_phone(case.number, PHONE) == case
    from grassroots.core.errors import NotFound, ServiceError

    with pytest.raises(NotFound):
        services.case_by_number_and_phone(case.number, "13800000000")
    with pytest.raises(ServiceError):
        services.case_by_number_and_phone("", PHONE)
