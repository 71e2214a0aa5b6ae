"""The five endpoints of a plain scoped resource — list, get, create, update, delete — declared once.

The registers of people (社区工作者, 三长, 两代表一委员) and units (驻区单位, 党建指导员) each repeated
the same five django-ninja functions, differing only in names, schemas and services. `crud_routes`
writes them from one declaration; a resource with more to it (the organisation tree, transfers)
keeps hand-written endpoints beside or instead of these.

    crud_routes(
        router, "/workers/", Worker,
        name="people_workers", label="社区工作者",
        out=WorkerOut, create=WorkerCreate, update=WorkerUpdate,
        filters=WorkerFilters, read=_workers, body=_body, perm="people.view",
        add=services.add_worker, change=services.update_worker, remove=services.delete_worker,
    )

The endpoints stay thin as before: reads through `read(user)` (a visible_to() queryset), references
in bodies resolved in the caller's scope by `body(user, payload)`, writes through the app's services
(scope, validation, audit). Objects are addressed by `key` ("code", or "pk" for an integer id).

django-ninja reads an endpoint's parameters from its signature; the functions here take `**kw` and
carry an explicit `__signature__` (`_signed`) naming the schemas and the resource's path parameter.
"""

import inspect
from collections.abc import Callable
from typing import Any

from ninja import Query, Router, Status
from ninja.pagination import paginate

from .api import ERRORS, CursorPagination, require_perm, visible_or_404


def _signed(fn, **params):
    """Give `fn(request, **kw)` the signature django-ninja reads: named, typed parameters (the path
    parameter keeps each resource's own name, e.g. instructor_id, so the published API is unchanged)."""
    request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    fn.__signature__ = inspect.Signature(
        [
            request,
            *(inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=a) for n, a in params.items()),
        ]
    )
    return fn


def crud_routes(
    router: Router,
    prefix: str,
    model,
    *,
    name: str,
    label: str,
    out,
    filters,
    read: Callable[[Any], Any],
    perm: str,
    create=None,
    update=None,
    body: Callable[[Any, Any], dict] | None = None,
    add: Callable | None = None,
    change: Callable | None = None,
    remove: Callable | None = None,
    key: str = "code",
    param: str | None = None,
    select_related: tuple[str, ...] = (),
    summaries: dict[str, str] | None = None,
) -> None:
    """Register list/get (and create/update/delete when their schema and service are given).

    `key` is the lookup ("code" or "pk"); `param` the path parameter's name (default: key)."""
    summary = {
        "list": f"{label}列表",
        "get": f"{label}详情",
        "create": f"登记{label}",
        "update": f"修改{label}",
        "delete": f"删除{label}",
        **(summaries or {}),
    }
    to_data = body or (lambda user, payload: payload.dict(exclude_unset=True))
    param = param or key
    key_type = str if key == "code" else int
    item = f"{prefix}{{{param}}}" if key_type is str else f"{prefix}{{int:{param}}}"

    def one(user, kw):
        return visible_or_404(model, user, select_related=select_related, **{key: kw[param]})

    def reread(user, obj):
        return read(user).get(pk=obj.pk)

    def list_(request, **kw):
        require_perm(request.user, perm)
        return filters.from_request(request).apply(read(request.user))

    list_route = router.get(
        prefix, response={200: list[out], **ERRORS}, operation_id=f"{name}_list", summary=summary["list"]
    )
    # The schema documents and types the parameters; the rows follow the declaration (core.listfilters).
    list_route(paginate(CursorPagination)(_signed(list_, filters=Query[filters.schema()])))  # type: ignore[misc]

    def get(request, **kw):
        # One read through `read` (it is the visible_to() queryset); the scoped lookup only to answer 404.
        found = read(request.user).filter(**{key: kw[param]}).first()
        return found if found is not None else one(request.user, kw)

    route = router.get(
        item, response={200: out, **ERRORS}, operation_id=f"{name}_get", summary=summary["get"]
    )
    route(_signed(get, **{param: key_type}))

    if create is not None and add is not None:

        def create_(request, payload):
            obj = add(request.user, **to_data(request.user, payload))
            return Status(201, reread(request.user, obj))

        route = router.post(
            prefix, response={201: out, **ERRORS}, operation_id=f"{name}_create", summary=summary["create"]
        )
        route(_signed(create_, payload=create))

    if update is not None and change is not None:

        def update_(request, payload, **kw):
            obj = one(request.user, kw)
            change(request.user, obj, **to_data(request.user, payload))
            return reread(request.user, obj)

        route = router.patch(
            item, response={200: out, **ERRORS}, operation_id=f"{name}_update", summary=summary["update"]
        )
        route(_signed(update_, **{param: key_type}, payload=update))

    if remove is not None:

        def delete_(request, **kw):
            remove(request.user, one(request.user, kw))
            return Status(204, None)

        route = router.delete(
            item, response={204: None, **ERRORS}, operation_id=f"{name}_delete", summary=summary["delete"]
        )
        route(_signed(delete_, **{param: key_type}))
