"""Category suggestion (keywords + naive Bayes trained on closed cases), duplicates at intake and on
the case page, merging with followers (tracking page and notifications), work-log photos and resolve
evidence, and the notifications of dispatch / return / resolve."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grassroots.cases import services, suggest
from grassroots.cases.models import Case, CaseFollower, Category
from grassroots.core.attachments import attachments_of
from grassroots.core.errors import ServiceError
from grassroots.notifications.models import Notification
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def photo(name="p.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_tokens_drop_stop_words_and_punctuation():
    words = suggest.tokens("小区门口的井盖，已经丢了！")
    assert "井盖" in words and "的" not in words and "，" not in words and "已经" not in words


def test_keyword_suggestions_rank_the_matching_category_first(loop):
    top = suggest.suggest_categories("楼道里堆满杂物，把消防通道堵塞了")
    assert top[0].category.code == "2401" and "消防通道" in top[0].why
    assert len(top) <= 3
    assert suggest.suggest_categories("啊") == []


def _closed(loop, new_case, category, text):
    case = new_case(category, description=text)
    Case.objects.filter(pk=case.pk).update(state="closed")


def test_naive_bayes_learns_from_closed_cases(loop, new_case):
    garbage, noise = loop.cat_garbage, loop.cat_noise
    # Words that are in neither category's name nor keywords: only the classifier can know them.
    for text in ["楼下夜宵摊油烟熏人", "夜宵摊油烟很大", "烧烤夜宵摊天天油烟"]:
        _closed(loop, new_case, garbage, text)
    for text in ["楼上钢琴声很响", "钢琴练习到半夜", "隔壁钢琴声音太大"]:
        _closed(loop, new_case, noise, text)
    new_case(noise, description="钢琴声音太大了还没办结")  # open cases don't train
    model = suggest.train()
    assert model.documents == 6 and set(model.data["docs"]) == {garbage.code, noise.code}
    ranked = suggest.classify("夜宵摊油烟")
    assert ranked[0][0] == garbage.code and ranked[0][1] > 0.5 and "油烟" in ranked[0][2]
    top = suggest.suggest_categories("晚上钢琴声吵得睡不着")
    assert top[0].category == noise and "相似已办结诉求" in top[0].why
    # the stored table is data: retraining after a category is disabled drops it
    Category.objects.filter(pk=garbage.pk).update(is_active=False)
    assert set(suggest.train().data["docs"]) == {noise.code}


def test_duplicates_by_distance_category_and_text(loop, new_case):
    a = new_case(loop.cat_garbage, description="小区门口垃圾堆放很久没人清运", lng=120.3100, lat=36.0600)
    far = new_case(loop.cat_garbage, description="小区门口垃圾堆放很久没人清运", lng=120.3200, lat=36.0600)
    other_text = new_case(loop.cat_noise, description="楼上装修噪音太吵", lng=120.3101, lat=36.0600)
    Case.objects.filter(pk=far.pk).update(region=loop.c1)
    found = suggest.similar_cases(
        description="门口垃圾堆放没人清运",
        category=loop.cat_garbage,
        lng=120.3102,
        lat=36.0601,
        region=loop.c0,
    )
    assert [d.case for d in found] == [a]
    assert found[0].distance < 50 and found[0].same_category and "米" in found[0].why
    assert other_text not in [d.case for d in found]
    # closed and old cases are not duplicates
    Case.objects.filter(pk=a.pk).update(state="closed")
    assert suggest.similar_cases(description="门口垃圾堆放没人清运", lng=120.3102, lat=36.0601) == []


def test_intake_helper_shows_duplicates_to_staff_only(loop, new_case, client_for):
    a = new_case(loop.cat_garbage, description="小区门口垃圾堆放很久没人清运", lng=120.31, lat=36.06)
    params = {"description": "门口垃圾堆放很久没人清运", "lng": "120.31", "lat": "36.06"}
    staff = client_for(loop.dispatcher).get(reverse("cases:suggest"), params).content.decode()
    assert a.number in staff and "暴露垃圾" in staff
    public = Client().get(reverse("cases:suggest"), params).content.decode()
    assert a.number not in public and "暴露垃圾" in public


def test_merge_makes_reporters_follow_and_notifies_them(loop, new_case, client_for, make_user):
    other_resident = make_user("resident2", "resident")
    survivor = new_case(loop.cat_garbage, description="门口垃圾堆放很久没人清运")
    dup = services.submit(
        other_resident,
        channel="h5",
        region=loop.c0,
        description="门口垃圾一直没人清运",
        reporter_phone="13600002222",
    )
    page = client_for(loop.dispatcher).get(reverse("cases:detail", args=[dup.pk])).content.decode()
    assert "data-duplicates" in page and survivor.number in page
    resp = client_for(loop.dispatcher).post(
        reverse("cases:act", args=[dup.pk, "merge"]),
        {"merge-into": survivor.number, "merge-note": "同一问题"},
    )
    assert resp.status_code == 302
    dup.refresh_from_db()
    assert dup.state == "merged" and dup.merged_into == survivor
    f = CaseFollower.objects.get(case=survivor)
    assert f.user == other_resident and f.phone == "13600002222" and f.source == dup
    note = Notification.objects.get(user=other_resident, kind="cases.merged")
    assert survivor.number in note.title
    # the follower's tracking link of the merged case shows the surviving case
    body = Client().get(reverse("cases:track", args=[services.tracking_token(dup)])).content.decode()
    assert survivor.number in body and "合并" in body
    assert survivor.number in client_for(other_resident).get(reverse("cases:mine")).content.decode()
    # when the surviving case is resolved both the reporter and the follower hear about it
    services.triage(loop.dispatcher, survivor, category=loop.cat_manhole)
    services.dispatch(loop.dispatcher, survivor)
    services.accept(loop.dept_a, survivor)
    services.resolve(loop.dept_a, survivor, resolution="已清运完毕", photos=[photo()])
    assert set(Notification.objects.filter(kind="cases.resolved").values_list("user", flat=True)) == {
        loop.resident.pk,
        other_resident.pk,
    }


def test_dispatch_and_return_notify_members_and_dispatcher(loop, dispatched):
    case = dispatched()
    assert set(Notification.objects.filter(kind="cases.dispatched").values_list("user", flat=True)) == {
        loop.dept_a.pk,
        loop.dept_b.pk,
    }
    services.return_case(loop.dept_a, case, reason="不属于本局职责范围", suggested_handler=loop.h_dept2)
    n = Notification.objects.get(kind="cases.returned")
    assert n.user == loop.dispatcher and "不属于本局职责范围" in n.body


def test_work_log_photos_and_resolve_needs_evidence(loop, dispatched, client_for):
    case = dispatched()
    services.accept(loop.dept_a, case)
    with pytest.raises(ServiceError, match="请上传办结照片"):
        services.resolve(loop.dept_a, case, resolution="已处理完毕")
    case.refresh_from_db()
    assert case.state == "accepted" and not case.resolution
    c = client_for(loop.dept_a)
    resp = c.post(
        reverse("cases:act", args=[case.pk, "log_work"]),
        {"log_work-note": "已到现场，设置围挡", "log_work-photos": [photo("w1.png"), photo("w2.png")]},
    )
    assert resp.status_code == 302
    assert [a.original_name for a in attachments_of(case, "work")] == ["w1.png", "w2.png"]
    event = case.events.get(step="log_work")
    assert len(event.data["photos"]) == 2
    bad = SimpleUploadedFile("x.png", b"GIF89a not really", content_type="image/png")
    c.post(
        reverse("cases:act", args=[case.pk, "resolve"]),
        {"resolve-note": "已更换井盖", "resolve-photos": [bad]},
    )
    case.refresh_from_db()
    assert case.state == "in_progress" and not attachments_of(case, "evidence")
    # work-log photos count as evidence
    services.resolve(loop.dept_a, case, resolution="已更换井盖并恢复路面")
    case.refresh_from_db()
    assert case.state == "resolved"


def test_resolve_without_photo_records_the_reason(loop, dispatched):
    case = dispatched()
    services.accept(loop.dept_a, case)
    with pytest.raises(ServiceError):
        services.resolve(loop.dept_a, case, resolution="已处理完毕", no_photo_reason="无")
    services.resolve(loop.dept_a, case, resolution="已处理完毕", no_photo_reason="地下管网作业无法拍照")
    assert case.events.get(step="resolve").data == {"no_photo_reason": "地下管网作业无法拍照"}


def test_train_command_retrains_and_audits(loop, new_case):
    from io import StringIO

    from django.core.management import call_command

    from grassroots.core.models import AuditEvent

    for text in ["楼下夜宵摊油烟熏人", "夜宵摊油烟很大"]:
        _closed(loop, new_case, loop.cat_garbage, text)
    out = StringIO()
    call_command("train_case_classifier", stdout=out)
    assert "使用已办结工单 2 件" in out.getvalue()
    assert suggest.classify("夜宵摊油烟")[0][0] == loop.cat_garbage.code
    assert AuditEvent.objects.filter(model="cases.suggestionmodel", action="update").exists()
