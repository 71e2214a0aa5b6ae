"""Evaluation cycles: self-assessment -> street review -> district confirmation, scope deciding who acts,
allowed and refused transitions, scores, totals per area, grades and rankings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grassroots.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from grassroots.core.models import AuditEvent
from grassroots.standards import assess
from grassroots.standards.models import EvalState, Evaluation, EvaluationScore, Item

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year - 1


@pytest.fixture
def actors(city, make_user):
    return {
        "community": make_user("c_admin", "community_admin", city.communities[0]),
        "other_community": make_user("c2_admin", "community_admin", city.communities[1]),
        "street": make_user("s_admin", "street_admin", city.streets[0]),
        "other_street": make_user("s2_admin", "street_admin", city.streets[1]),
        "district": make_user("d_admin", "district_admin", city.district),
        "auditor": make_user("aud", "auditor", city.city),
    }


def fill_self(user, ev, value="1"):
    codes = ev.scores.filter(self_score__isnull=True).values_list("item__code", flat=True)
    return assess.save_scores(user, ev, {c: {"score": value, "comment": "已落实"} for c in codes})


def test_opening_creates_a_score_per_applicable_item_with_indicators_computed(city, actors):
    ev = assess.open_evaluation(actors["community"], region=city.communities[0], period=YEAR)
    assert ev.state == EvalState.SELF and ev.level == "community"
    expected = Item.objects.filter(enabled=True, applies_to__in=["community", "all"]).count()
    assert ev.scores.count() == expected > 80
    grading = ev.scores.get(item__indicator="worker_grading")
    # The tiny city's one worker is graded 15 of 18 on the staff post: 100 %, full marks proposed.
    assert grading.value == 100.0 and grading.target == 100.0 and grading.self_score == Decimal("3.0")
    grids = ev.scores.get(item__indicator="grid_party")
    assert grids.value is None and grids.self_score is None and "无" in grids.facts  # no grids: no data
    assert AuditEvent.objects.filter(
        model="standards.evaluation", object_id=str(ev.pk), action="create"
    ).exists()


def test_open_is_refused_twice_out_of_scope_and_at_the_wrong_level(city, actors):
    assess.open_evaluation(actors["community"], region=city.communities[0], period=YEAR)
    with pytest.raises(Conflict):
        assess.open_evaluation(actors["street"], region=city.communities[0], period=YEAR)
    with pytest.raises(NotFound):
        assess.open_evaluation(actors["community"], region=city.communities[2], period=YEAR)
    with pytest.raises(ServiceError) as exc:
        assess.open_evaluation(actors["district"], region=city.district, period=YEAR)
    assert "社区" in exc.value.message
    with pytest.raises(PermissionDenied):
        assess.open_evaluation(actors["auditor"], region=city.communities[1], period=YEAR)
    with pytest.raises(ServiceError):
        assess.open_evaluation(actors["community"], region=city.communities[0], period=1999)
    assert Evaluation.objects.count() == 1


def test_full_cycle_with_scope_deciding_each_step(city, actors):
    c, s, d = actors["community"], actors["street"], actors["district"]
    ev = assess.open_evaluation(c, region=city.communities[0], period=YEAR)
    # Only the community itself self-assesses; the street can't submit for it.
    assert assess.allowed_verbs(s, ev) == [] and assess.allowed_verbs(c, ev) == ["submit"]
    with pytest.raises(ServiceError) as exc:
        assess.transition(c, ev, "submit")
    assert "尚未自评打分" in exc.value.message
    ev = fill_self(c, ev)
    with pytest.raises(PermissionDenied):
        assess.transition(s, ev, "submit")
    ev = assess.transition(c, ev, "submit", comment="自评完成")
    assert ev.state == EvalState.REVIEW
    # Review: the street above (or higher), never the community or another street.
    assert assess.allowed_verbs(c, ev) == []
    with pytest.raises(PermissionDenied):
        assess.transition(c, ev, "approve")
    with pytest.raises(NotFound):
        assess.transition(actors["other_street"], ev, "approve")
    with pytest.raises(ServiceError):
        assess.transition(s, ev, "return_self")  # returning needs a comment
    ev = assess.transition(s, ev, "return_self", comment="佐证材料不全")
    assert ev.state == EvalState.SELF
    ev = assess.transition(c, ev, "submit")
    code = ev.scores.filter(item__measure="evidence").first().item.code
    ev = assess.save_scores(s, ev, {code: {"score": "0.5", "comment": "材料不全扣分"}})
    ev = assess.transition(s, ev, "approve")
    assert ev.state == EvalState.CONFIRM
    # Confirmation: the district only.
    with pytest.raises(PermissionDenied):
        assess.transition(s, ev, "confirm")
    ev = assess.transition(d, ev, "confirm", comment="同意")
    assert ev.state == EvalState.CONFIRMED
    score = ev.scores.get(item__code=code)
    assert (score.self_score, score.review_score, score.final_score) == (
        Decimal("1.0"),
        Decimal("0.5"),
        Decimal("0.5"),
    )
    assert ev.total == sum(s.final_score for s in ev.scores.all())
    assert ev.grade in assess.GRADES
    assert sum(a["max"] for a in ev.area_scores.values()) == float(ev.max_total)
    # Nothing moves a confirmed evaluation, and scores can't change any more.
    for verb in assess.TRANSITIONS:
        with pytest.raises((Conflict, ServiceError)):
            assess.transition(d, ev, verb, comment="x")
    with pytest.raises(ServiceError):
        assess.save_scores(d, ev, {code: {"score": "1"}})
    assert [st.verb for st in ev.steps.all()] == ["submit", "return_self", "submit", "approve", "confirm"]
    assert ev.steps.get(verb="return_self").comment == "佐证材料不全"
    transitions = AuditEvent.objects.filter(
        model="standards.evaluation", object_id=str(ev.pk), action="transition"
    )
    assert transitions.count() == 5


def test_street_evaluation_is_reviewed_and_confirmed_by_the_district(city, actors):
    s, d = actors["street"], actors["district"]
    ev = assess.open_evaluation(s, region=city.streets[0], period=YEAR)
    assert ev.level == "street"
    assert not Item.objects.filter(applies_to="community", scores__evaluation=ev).exists()
    ev = fill_self(s, ev)
    ev = assess.transition(s, ev, "submit")
    with pytest.raises(PermissionDenied):
        assess.transition(s, ev, "approve")  # a street doesn't review itself
    ev = assess.transition(d, ev, "approve")
    ev = assess.transition(d, ev, "return_review", comment="复核")
    assert ev.state == EvalState.REVIEW and not ev.scores.filter(final_score__isnull=False).exists()


def test_scores_are_validated_before_anything_is_written(city, actors):
    c = actors["community"]
    ev = assess.open_evaluation(c, region=city.communities[0], period=YEAR)
    item = ev.scores.filter(item__measure="evidence").first().item
    for bad in ("abc", "-1", str(item.max_score + 1), "NaN"):
        with pytest.raises(ServiceError) as exc:
            assess.save_scores(c, ev, {item.code: {"score": bad}})
        assert item.code in exc.value.errors
    with pytest.raises(ServiceError):
        assess.save_scores(c, ev, {item.code: {"score": "1"}, "ZZ-99": {"score": "1"}})
    assert not EvaluationScore.objects.filter(evaluation=ev, item=item, self_score__isnull=False).exists()
    with pytest.raises(PermissionDenied):
        assess.save_scores(actors["street"], ev, {item.code: {"score": "1"}})
    with pytest.raises(NotFound):
        assess.save_scores(actors["other_community"], ev, {item.code: {"score": "1"}})


def test_evidence_files_are_attached_to_the_item(city, actors):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.core.attachments import attachments_of
    from tests.factories import png_bytes

    c = actors["community"]
    ev = assess.open_evaluation(c, region=city.communities[0], period=YEAR)
    row = ev.scores.filter(item__measure="evidence").select_related("item").first()
    upload = SimpleUploadedFile("会议记录.png", png_bytes(), content_type="image/png")
    assess.save_scores(c, ev, {row.item.code: {"score": "1"}}, files={row.item.code: [upload]})
    assert attachments_of(row, "evidence").count() == 1
    assert row.attachment_visible_to(actors["street"]) and not row.attachment_visible_to(
        actors["other_street"]
    )
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ServiceError):
        assess.save_scores(c, ev, {row.item.code: {"score": "0"}}, files={row.item.code: [bad]})
    row.refresh_from_db()
    assert row.self_score == Decimal("1.0") and attachments_of(row, "evidence").count() == 1


def test_grade_thresholds_are_data(set_params):
    assert [assess.grade_for(p) for p in (95, 85, 70, 10)] == ["优秀", "良好", "一般", "较差"]
    set_params("STD-2", excellent=96)
    assert assess.grade_for(95) == "良好"


def test_indicator_change_is_seen_after_refresh(city, actors):
    from grassroots.grids.models import Grid

    c = actors["community"]
    community = city.communities[0]
    for k in range(2):
        Grid.objects.create(region=community, code=f"{community.code}{k:03d}", name=f"网格{k}", polygon={})
    ev = assess.open_evaluation(c, region=community, period=YEAR)
    row = ev.scores.get(item__indicator="grid_party")
    assert row.value == 0.0 and row.self_score == Decimal("0.0")
    Grid.objects.filter(code=f"{community.code}000").update(party_org=city.branches[0])
    assess.refresh_indicators(c, ev)
    row.refresh_from_db()
    assert row.value == 50.0 and row.self_score == Decimal("1.5")


def test_ranking_red_and_black_lists(city, actors, set_params):
    d = actors["district"]
    set_params("STD-2", red_list=1, black_list=1)
    percents = {}
    for k, community in enumerate(city.communities):
        ev = assess.open_evaluation(d, region=community, period=YEAR)
        # Community 0 scores poorly; the others get full marks on evidence items and k/3 of indicator ones.
        ev.scores.filter(item__measure="evidence").update(self_score=1 if k else 0)
        ev.scores.filter(item__measure="indicator").update(self_score=k)
        Evaluation.objects.filter(pk=ev.pk).update(state=EvalState.CONFIRM)
        ev.refresh_from_db()
        ev = assess.transition(d, ev, "confirm")
        percents[community.code] = float(100 * ev.total / ev.max_total)
    data = assess.ranking(d, period=YEAR, level="community")
    assert [r["rank"] for r in data["rows"]] == [1, 2, 3, 4]
    assert data["rows"][-1]["region"] == city.communities[0] and data["rows"][-1]["grade"] == "较差"
    assert [r["region"] for r in data["black"]] == [city.communities[0]]
    assert len(data["red"]) == 1 and data["red"][0]["percent"] == max(percents.values())
    # Scope: a street admin ranks only its own communities.
    rows = assess.ranking(actors["street"], period=YEAR, level="community")["rows"]
    assert {r["region"] for r in rows} == set(city.communities[:2])
