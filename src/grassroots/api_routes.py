"""Mounts every app's django-ninja router under /api/v1/."""

from grassroots.accounts.api import router as accounts_router
from grassroots.cases.api import router as cases_router
from grassroots.core.api import api
from grassroots.dashboards.api import router as dashboards_router
from grassroots.grids.api import router as grids_router
from grassroots.party.api import router as party_router
from grassroots.people.api import router as people_router
from grassroots.regions.api import router as regions_router
from grassroots.standards.api import router as standards_router
from grassroots.units.api import router as units_router

api.add_router("/accounts/", accounts_router)
api.add_router("/regions/", regions_router)
api.add_router("/party/", party_router)
api.add_router("/units/", units_router)
api.add_router("/people/", people_router)
api.add_router("/grids/", grids_router)
api.add_router("/cases/", cases_router)
api.add_router("/standards/", standards_router)
api.add_router("/dashboards/", dashboards_router)

__all__ = ["api"]
