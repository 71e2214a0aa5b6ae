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

The single endpoints those five are made of are factories of their own, for the apps whose resources
are not plain CRUD (claims, reviews, transfers): `list_route` (a filtered, paginated list),
`get_route` (one object in scope) and `action_route` (a state change of one object through a
service). Each is one line in the app's api module instead of a decorated function repeating the
decorator, the pagination and the scoped lookup:

    list_route(router, "/needs/", NeedOut, "cobuild_needs_list", "需求清单",
               read=_needs, filters=ItemFilters, perm="cobuild.view")
    get_route(router, "/needs/{int:need_id}", NeedOut, "cobuild_needs_get", "需求详情", _need)
    action_route(router, "/needs/{int:need_id}/release", NeedOut, "cobuild_needs_release",
                 "退回已认领的需求", fetch=_need, payload=Release,
                 act=lambda user, need, p: services.release_need(user, need, p.reason))

The path parameters are read from the path (`{int:need_id}` is an int, `{code}` a str) and handed to
`fetch` positionally, to `read` by name; other keyword `options` go to the router (description, ...).
"""

import inspect
import re
from collections.abc import Callable
from typing import Any

from ninja import Query, Router, Status
from ninja.pagination import paginate

from .api import ERRORS, CursorPagination, require_perm, visible_or_404


def _signed(fn, **params):
    """Give `fn(request, **kw)` the signature django-ninja reads: named, typed parameters (the path
    parameter keeps each resource's own name, e.g. instructor_id, so the published API is unchanged).
    A parameter is an annotation, or an (annotation, default) pair."""
    request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    fn.__signature__ = inspect.Signature([request, *(_param(n, a) for n, a in params.items())])
    return fn


def _param(name: str, spec) -> inspect.Parameter:
    annotation, default = spec if isinstance(spec, tuple) else (spec, inspect.Parameter.empty)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


_PATH_PARAM = re.compile(r"\{(?:(\w+):)?(\w+)\}")


def path_params(path: str) -> dict[str, type]:
    """The parameters of a route's path, typed as django-ninja reads them: "/a/{int:a_id}/b/{code}"
    -> {"a_id": int, "code": str}."""
    return {name: int if conv == "int" else str for conv, name in _PATH_PARAM.findall(path)}


def endpoint(method, path: str, out, op: str, summary: str, *, status: int = 200, **options):
    """The decorator of a hand-written endpoint: `method` is the router's get/post/patch/put/delete, the
    answer `out` under `status` beside the problem answers (core.api.ERRORS); other `options` (description,
    ...) go to the router. The route factories below declare their endpoints through it too."""
    return method(path, response={status: out, **ERRORS}, operation_id=op, summary=summary, **options)


def list_route(
    router: Router,
    path: str,
    out,
    op: str,
    summary: str,
    *,
    read: Callable[..., Any],
    filters=None,
    perm: str | None = None,
    params: dict[str, Any] | None = None,
    **options,
) -> None:
    """GET `path`: the paginated rows of `read(user, **path and extra params)`.

    `perm` first (a user whose roles lack it everywhere gets a 403, not an empty page); `filters` (a
    ListFilters) document the query parameters and filter the rows; `params` are extra query parameters
    (name -> annotation or (annotation, default)) handed to `read` by name."""
    own = path_params(path)
    extra = dict(params or {})

    def list_(request, **kw):
        if perm is not None:
            require_perm(request.user, perm)
        rows = read(request.user, **{n: kw[n] for n in (*own, *extra)})
        return filters.from_request(request).apply(rows) if filters is not None else rows

    query = {"filters": Query[filters.schema()]} if filters is not None else {}  # type: ignore[misc]
    route = endpoint(router.get, path, list[out], op, summary, **options)
    route(paginate(CursorPagination)(_signed(list_, **own, **query, **extra)))


def get_route(router: Router, path: str, out, op: str, summary: str, fetch: Callable[..., Any], **options):
    """GET `path`: `fetch(user, *path values)`, the one object in the user's scope (its own 404 else)."""
    own = path_params(path)

    def get(request, **kw):
        return fetch(request.user, *(kw[n] for n in own))

    endpoint(router.get, path, out, op, summary, **options)(_signed(get, **own))


def returned(user, obj, result):
    """`action_route`'s reply when the answer is what the service returned (a sign-up, a record)."""
    return result


def action_route(
    router: Router,
    path: str,
    out,
    op: str,
    summary: str,
    *,
    fetch: Callable[..., Any],
    act: Callable[..., Any],
    payload=None,
    status: int = 200,
    reply: Callable[[Any, Any, Any], Any] | None = None,
    method: str = "post",
    **options,
) -> None:
    """POST (or `method`) `path`: one state change of one object, written by a service.

    The object is `fetch(user, *path values)` (in scope, else its 404); the change is
    `act(user, obj[, payload])`, the service checking scope and rules and writing the audit row; the
    answer is `reply(user, obj, act's result)`, by default the object fetched again (a 204 has none)."""
    own = path_params(path)

    def action(request, **kw):
        keys = [kw[n] for n in own]
        obj = fetch(request.user, *keys)
        result = act(request.user, obj, *(() if payload is None else (kw["payload"],)))
        if status == 204:
            return Status(204, None)
        body = fetch(request.user, *keys) if reply is None else reply(request.user, obj, result)
        return body if status == 200 else Status(status, body)

    route = endpoint(
        getattr(router, method), path, None if status == 204 else out, op, summary, status=status, **options
    )
    route(_signed(action, **own, **({} if payload is None else {"payload": payload})))


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

    def one(user, value):
        return visible_or_404(model, user, select_related=select_related, **{key: value})

    def reread(user, obj, _result=None):
        return read(user).get(pk=obj.pk)

    list_route(router, prefix, out, f"{name}_list", summary["list"], read=read, filters=filters, perm=perm)

    def get(user, value):
        # One read through `read` (it is the visible_to() queryset); the scoped lookup only to answer 404.
        found = read(user).filter(**{key: value}).first()
        return found if found is not None else one(user, value)

    get_route(router, item, out, f"{name}_get", summary["get"], get)

    if create is not None and add is not None:

        def create_(request, payload):
            obj = add(request.user, **to_data(request.user, payload))
            return Status(201, reread(request.user, obj))

        route = endpoint(router.post, prefix, out, f"{name}_create", summary["create"], status=201)
        route(_signed(create_, payload=create))

    if update is not None and change is not None:
        action_route(
            router, item, out, f"{name}_update", summary["update"], fetch=one, payload=update, method="patch",
            act=lambda user, obj, payload: change(user, obj, **to_data(user, payload)), reply=reread,
        )  # fmt: skip

    if remove is not None:
        action_route(
            router, item, out, f"{name}_delete", summary["delete"], fetch=one, act=remove, status=204,
            method="delete",
        )  # fmt: skip
