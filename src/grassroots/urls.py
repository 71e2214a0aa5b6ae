from django.contrib import admin
from django.urls import include, path

from grassroots.api_routes import api
from grassroots.core import health, metrics
from grassroots.h5 import views as h5_views

admin.site.site_header = admin.site.site_title = "基层治理平台管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    # `/`: public landing for visitors, the resident H5 for residents, the 工作台 for staff.
    path("", h5_views.root, name="home"),
    path("h5/", include("grassroots.h5.urls")),
    path("accounts/", include("grassroots.accounts.urls")),
    path("core/", include("grassroots.core.urls")),
    path("imports/", include("grassroots.core.import_urls")),
    path("regions/", include("grassroots.regions.urls")),
    path("party/", include("grassroots.party.urls")),
    path("units/", include("grassroots.units.urls")),
    path("people/", include("grassroots.people.urls")),
    path("grids/", include("grassroots.grids.urls")),
    path("cases/", include("grassroots.cases.urls")),
    path("notifications/", include("grassroots.notifications.urls")),
    path("whistle/", include("grassroots.whistle.urls")),
    path("outreach/", include("grassroots.outreach.urls")),
    path("linkage/", include("grassroots.linkage.urls")),
    path("open311/", include("grassroots.open311.urls")),
    path("cobuild/", include("grassroots.cobuild.urls")),
    path("volunteers/", include("grassroots.volunteers.urls")),
    path("venues/", include("grassroots.venues.urls")),
    path("orglife/", include("grassroots.orglife.urls")),
    path("merit/", include("grassroots.merit.urls")),
    path("recruitment/", include("grassroots.recruitment.urls")),
    path("emergency/", include("grassroots.emergency.urls")),
    path("standards/", include("grassroots.standards.urls")),
    path("dashboards/", include("grassroots.dashboards.urls")),
    path("deliberation/", include("grassroots.deliberation.urls")),
    path("redproperty/", include("grassroots.redproperty.urls")),
    path("proactive/", include("grassroots.proactive.urls")),
    path("onewindow/", include("grassroots.onewindow.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # Operations: no login, no personal data (core/health.py); /metrics only when GRASSROOTS_METRICS=1.
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

# Chinese error pages (problem+json under /api/); see core/error_views.py.
handler400 = "grassroots.core.error_views.bad_request"
handler403 = "grassroots.core.error_views.permission_denied"
handler404 = "grassroots.core.error_views.page_not_found"
handler500 = "grassroots.core.error_views.server_error"
