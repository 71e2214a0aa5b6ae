"""/api/v1/dashboards/: the figures of the caller's scope."""

from ninja import Router

from grassroots.core.api import require_perm
from grassroots.core.crud import endpoint

from . import services
from .schemas import Summary

router = Router(tags=["dashboards"])


@endpoint(
    router.get, "/summary", Summary, "dashboards_summary", "管辖范围内的主要数字",
    description="区划、党组织、党员、驻区单位、社区工作者和住户的数量，只统计调用者管辖范围之内的数据。",
)  # fmt: skip
def summary(request):
    require_perm(request.user, "dashboards.view")
    return services.scope_counts(request.user)
