"""Excel export kinds of the cases app (discovered by core.exports.discover()); the builders live in
cases.analytics_views next to the pages that offer them."""

from grassroots.core import exports

from . import analytics
from .analytics_views import _build_case_alerts, _build_case_list, _build_rankings, _build_repeats
from .views import can_see_cases

exports.register("cases.alerts", "诉求预警", "cases.case", _build_case_alerts, analytics.can_see_alerts)
exports.register("cases.repeats", "重复诉求预警", "cases.case", _build_repeats, analytics.can_see_alerts)
exports.register(
    "cases.rankings", "诉求办理赋分排名", "cases.case", _build_rankings, analytics.can_see_alerts
)
exports.register("cases.list", "诉求工单", "cases.case", _build_case_list, can_see_cases)
