"""Mounts every app's django-ninja router under /api/v1/."""

from grassroots.accounts.api import router as accounts_router
from grassroots.cases.analytics_api import router as cases_analytics_router
from grassroots.cases.api import router as cases_router
from grassroots.cases.public_api import router as cases_public_router
from grassroots.cobuild.api import router as cobuild_router
from grassroots.core.api import api
from grassroots.dashboards.api import router as dashboards_router
from grassroots.deliberation.api import router as deliberation_router
from grassroots.emergency.api import router as emergency_router
from grassroots.grids.api import router as grids_router
from grassroots.linkage.api import router as linkage_router
from grassroots.merit.api import router as merit_router
from grassroots.notifications.api import router as notifications_router
from grassroots.onewindow.api import router as onewindow_router
from grassroots.orglife.api import router as orglife_router
from grassroots.outreach.api import router as outreach_router
from grassroots.party.api import router as party_router
from grassroots.people.api import router as people_router
from grassroots.proactive.api import router as proactive_router
from grassroots.recruitment.api import router as recruitment_router
from grassroots.redproperty.api import router as redproperty_router
from grassroots.regions.api import router as regions_router
from grassroots.standards.api import router as standards_router
from grassroots.units.api import router as units_router
from grassroots.venues.api import router as venues_router
from grassroots.volunteers.api import router as volunteers_router
from grassroots.whistle.api import router as whistle_router

api.add_router("/accounts/", accounts_router)
api.add_router("/regions/", regions_router)
api.add_router("/party/", party_router)
api.add_router("/units/", units_router)
api.add_router("/people/", people_router)
api.add_router("/grids/", grids_router)
api.add_router("/cases/analytics/", cases_analytics_router)
api.add_router("/public/", cases_public_router)
api.add_router("/cases/", cases_router)
api.add_router("/standards/", standards_router)
api.add_router("/dashboards/", dashboards_router)
api.add_router("/notifications/", notifications_router)
api.add_router("/whistle/", whistle_router)
api.add_router("/outreach/", outreach_router)
api.add_router("/linkage/", linkage_router)
api.add_router("/cobuild/", cobuild_router)
api.add_router("/volunteers/", volunteers_router)
api.add_router("/venues/", venues_router)
api.add_router("/orglife/", orglife_router)
api.add_router("/deliberation/", deliberation_router)
api.add_router("/merit/", merit_router)
api.add_router("/recruitment/", recruitment_router)
api.add_router("/emergency/", emergency_router)
api.add_router("/redproperty/", redproperty_router)
api.add_router("/proactive/", proactive_router)
api.add_router("/onewindow/", onewindow_router)

__all__ = ["api"]
