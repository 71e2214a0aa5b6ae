"""The case workflow reads GOV-5 and GOV-6 from the Rule table: a city that tunes them changes the
due-soon moment, the scores and how often "unsatisfied" reopens a case."""

from __future__ import annotations

import pytest

from grassroots.cases import services
from grassroots.standards.models import Rule

pytestmark = pytest.mark.django_db
NO_PHOTO = "现场为夜间作业，无法拍照"


def set_params(code, **params):
    rule = Rule.objects.get(code=code)
    rule.params = {**rule.params, **params}
    rule.save(update_fields=["params"])


def test_due_soon_follows_gov5_ratio(loop, dispatched):
    case = dispatched()  # 井盖: 24 clock hours
    assert (case.due_soon_at - case.dispatched_at).total_seconds() == pytest.approx(0.8 * 24 * 3600)
    set_params("GOV-5", due_soon_ratio=0.5)
    other = dispatched()
    assert (other.due_soon_at - other.dispatched_at).total_seconds() == pytest.approx(12 * 3600)


def test_scores_follow_gov6(loop, dispatched):
    set_params("GOV-6", score_basic=70)
    case = dispatched()
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已更换新井盖", no_photo_reason=NO_PHOTO)
    case = services.evaluate_with_link(services.issue_evaluation_link(case), result="basic", comment="还行")
    services.close(loop.dispatcher, case)
    case.refresh_from_db()
    assert case.score == 70


def test_reopen_limit_follows_gov6(loop, dispatched):
    set_params("GOV-6", reopen_limit=2)
    case = dispatched()
    for round_ in (1, 2):
        services.accept(loop.dept_a, case)
        services.resolve(loop.dept_a, case, resolution="已到现场处理完毕", no_photo_reason=NO_PHOTO)
        case = services.evaluate_with_link(
            services.issue_evaluation_link(case), result="unsatisfied", comment="没修好"
        )
        assert case.state == "dispatched" and case.reopen_count == round_
    services.accept(loop.dept_a, case)
    services.resolve(loop.dept_a, case, resolution="已到现场处理完毕", no_photo_reason=NO_PHOTO)
    assert "reopen" not in services.available_actions(loop.dispatcher, case)
    case = services.evaluate_with_link(
        services.issue_evaluation_link(case), result="unsatisfied", comment="仍未解决"
    )
    assert case.state == "closed_unresolved" and case.score == 0
