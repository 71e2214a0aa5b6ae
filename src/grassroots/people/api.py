"""/api/v1/people/: community workers (by 工号), stewards (三长) and deputies (两代表一委员).

Thin: reads through visible_to(), writes through people.services (scope, validation, audit); the five
endpoints of each register come from core.crud, their filters from people.filters.
"""

from ninja import Router

from grassroots.core.api import references
from grassroots.core.crud import crud_routes
from grassroots.party.models import Member
from grassroots.regions.models import Region
from grassroots.regions.schemas import dump

from . import services
from .filters import DeputyFilters, StewardFilters, WorkerFilters
from .models import Deputy, Steward, Worker
from .schemas import (
    DeputyCreate,
    DeputyOut,
    DeputyUpdate,
    StewardCreate,
    StewardOut,
    StewardUpdate,
    WorkerCreate,
    WorkerOut,
    WorkerUpdate,
)

router = Router(tags=["people"])

REFS = {
    "region_code": ("region", Region, "所在区划"),
    "member_id": ("member", Member, "党员", "pk"),
}


def _body(user, payload) -> dict:
    data = references(user, dump(payload), REFS)
    if "gender" in data and data["gender"] is None:
        data["gender"] = ""
    return data


def _register(prefix, model, name, label, schemas, filters, writes, **kw):
    out, create, update = schemas
    add, change, remove = writes
    crud_routes(
        router,
        prefix,
        model,
        name=name,
        label=label,
        out=out,
        create=create,
        update=update,
        filters=filters,
        read=lambda user: model.objects.visible_to(user).select_related("region"),
        perm="people.view",
        body=_body,
        add=add,
        change=change,
        remove=remove,
        select_related=("region",),
        **kw,
    )


_register(
    "/workers/",
    Worker,
    "people_workers",
    "社区工作者",
    (WorkerOut, WorkerCreate, WorkerUpdate),
    WorkerFilters,
    (services.add_worker, services.update_worker, services.delete_worker),
)
_register(
    "/stewards/",
    Steward,
    "people_stewards",
    "三长",
    (StewardOut, StewardCreate, StewardUpdate),
    StewardFilters,
    (services.add_steward, services.update_steward, services.delete_steward),
    key="pk",
    param="steward_id",
    summaries={"create": "新增三长"},
)
_register(
    "/deputies/",
    Deputy,
    "people_deputies",
    "两代表一委员",
    (DeputyOut, DeputyCreate, DeputyUpdate),
    DeputyFilters,
    (services.add_deputy, services.update_deputy, services.delete_deputy),
    key="pk",
    param="deputy_id",
    summaries={"create": "新增两代表一委员"},
)
