"""Intake pages: the resident's H5 form (no login needed), the tracking page behind a signed link,
"我的诉求", the staff intake form (patrol / walk-in / hotline), and the htmx helpers (category and
duplicate suggestions, buildings of a community)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from grassroots.core import context as request_context
from grassroots.core import ratelimit
from grassroots.core.attachments import attachments_of, signed_url
from grassroots.core.errors import ServiceError
from grassroots.core.masking import redact_text
from grassroots.core.scoping import has_perm
from grassroots.regions.forms import community_choices as _community_choices
from grassroots.regions.models import Region

from . import services, suggest
from .forms import IntakeForm, StaffIntakeForm
from .models import Case, Category, Channel
from .workflow import CaseState

# Anonymous H5 submissions allowed per hour.
PER_SESSION_HOUR = 5
PER_IP_HOUR = 20
MAP_GRID_LIMIT = 3000


def _building_choices(community_id):
    if not community_id:
        return []
    community = Region.objects.filter(pk=community_id, level="community").first()
    if community is None:
        return []
    rows = Region.objects.filter(level="building", path__startswith=community.path).order_by("path")[:500]
    return [(b.pk, b.address or b.name) for b in rows]


def _submitted_choices(data, community_id) -> dict:
    """Choices to validate a submitted form: only the chosen community and building. Every community
    of the city (and 500 buildings) is loaded only to render the form; accepting a report needs the
    one chosen (_location_of checks that the building belongs to the community)."""
    communities = (
        [
            (pk, "")
            for pk in Region.objects.filter(pk=community_id, level="community").values_list("pk", flat=True)
        ]
        if community_id
        else []
    )
    building = data.get("building")
    buildings = [(int(building), "")] if communities and str(building or "").isdigit() else []
    return {"communities": communities, "buildings": buildings}


THROTTLE_WINDOW = 3600


def _throttle_keys(request) -> list[tuple[str, int]]:
    """(client identity, hourly limit) pairs: the IP, and the session once there is one."""
    ip = request_context.current().ip or request.META.get("REMOTE_ADDR", "")
    keys = [("ip:" + ip, PER_IP_HOUR)]
    if request.session.session_key:
        keys.append(("s:" + request.session.session_key, PER_SESSION_HOUR))
    return keys


def throttled(request) -> bool:
    """Whether an anonymous visitor has used up this hour's submissions (per session and per IP),
    counted in the cache (core.ratelimit)."""
    return any(
        ratelimit.exceeded("cases-intake", key, limit, THROTTLE_WINDOW)
        for key, limit in _throttle_keys(request)
    )


def _count_submission(request) -> None:
    if not request.session.session_key:
        request.session.save()
    for key, _limit in _throttle_keys(request):
        ratelimit.hit("cases-intake", key, THROTTLE_WINDOW)


def map_data(user=None) -> dict:
    """Boundaries for the tap-to-locate map (public: no personal data). Residents get community
    boundaries only (the point is routed to its grid on submit, and every grid of the city would make
    the phone page heavy); staff get the communities and grids of their own scope (up to MAP_GRID_LIMIT
    grids), so the map opens on the place they work."""
    from grassroots.grids.models import Grid

    staff = user is not None and user.is_authenticated
    communities = Region.objects.visible_to(user, "view") if staff else Region.objects.all()
    features = []
    for r in communities.filter(level="community", polygon__isnull=False).only("code", "name", "polygon"):
        features.append(
            {"type": "Feature", "geometry": r.polygon, "properties": {"kind": "community", "label": r.name}}
        )
    if staff:
        grids = Grid.objects.visible_to(user, "view").only("code", "name", "polygon").order_by("code")
        for g in grids[:MAP_GRID_LIMIT]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": g.polygon,
                    "properties": {"kind": "grid", "label": g.name},
                }
            )
    return {"geojson": {"type": "FeatureCollection", "features": features}}


def _location_of(form) -> tuple:
    """(lng, lat, region, address) from the form: a building's coordinates and address when one is
    picked and there is no point, the chosen community otherwise."""
    data = form.cleaned_data
    lng, lat = data.get("lng"), data.get("lat")
    region = (
        Region.objects.filter(pk=data["community"], level="community").first()
        if data.get("community")
        else None
    )
    address = data.get("address", "")
    if data.get("building") and region is not None:
        building = Region.objects.filter(
            pk=data["building"], level="building", path__startswith=region.path
        ).first()
        if building is None:
            raise ServiceError("所选楼栋不属于该社区", field="building")
        if lng is None and building.lng is not None:
            lng, lat = building.lng, building.lat
        address = address or building.address or building.name
    return lng, lat, region, address


def _submit(request, form, channel, **extra) -> Case:
    data = form.cleaned_data
    category = Category.objects.filter(pk=data["category"]).first() if data.get("category") else None
    lng, lat, region, address = _location_of(form)
    return services.submit(
        request.user,
        channel=channel,
        region=region,
        description=data["description"],
        category=category,
        lng=lng,
        lat=lat,
        address=address,
        reporter_name=data.get("reporter_name", ""),
        reporter_phone=data.get("reporter_phone", ""),
        photos=request.FILES.getlist("photos"),
        prefer_location=True,
        **extra,
    )


def _form_error(form, exc: ServiceError) -> None:
    field = exc.field if exc.field in form.fields else None
    if field == "files":
        field = "photos"
    form.add_error(field if field in form.fields else None, exc.message)


def report(request):
    """The resident's H5 intake form (随手拍): no login needed."""
    anonymous = not request.user.is_authenticated
    community_id = request.POST.get("community") or request.GET.get("community")
    community_id = community_id if str(community_id or "").isdigit() else None
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, **_submitted_choices(request.POST, community_id))
        if anonymous and throttled(request):
            form.add_error(None, "提交过于频繁，请一小时后再试；紧急情况请拨打 12345 热线")
            status = 429
        elif form.is_valid():
            try:
                case = _submit(request, form, Channel.H5)
            except ServiceError as exc:
                _form_error(form, exc)
                status = exc.status if 400 <= exc.status < 500 else 400
            else:
                if anonymous:
                    _count_submission(request)
                return redirect("cases:track", token=services.tracking_token(case))
        else:
            status = 400
        # Shown again (refused): now the whole lists.
        form.fields["community"].choices = [("", "请选择社区"), *_community_choices()]
        form.fields["building"].choices = [("", "不选择楼栋"), *_building_choices(community_id)]
    else:
        initial = {}
        if request.user.is_authenticated:
            initial["reporter_phone"] = getattr(request.user, "phone", "") or ""
        form = IntakeForm(
            initial=initial, communities=_community_choices(), buildings=_building_choices(community_id)
        )
    return render(
        request,
        "cases/report.html",
        {"form": form, "anonymous": anonymous, "map_data": map_data(), "staff": False},
        status=status,
    )


def _timeline(case: Case) -> list[dict]:
    """The public timeline: steps, times and handler names, no staff names or internal notes."""
    public_notes = {"resolve", "return"}
    out = []
    for e in case.events.select_related("handler").order_by("created_at", "id"):
        out.append(
            {
                "label": e.get_step_display(),
                "at": e.created_at,
                "handler": e.handler.name if e.handler_id else "",
                "note": redact_text(e.note) if e.step in public_notes and e.step != "return" else "",
                "state": CaseState(e.to_state).label if e.to_state in CaseState.values else "",
            }
        )
    return out


def track(request, token: str):
    """The tracking page behind the signed link: state timeline, handler, deadline status, photos and
    the evaluation link when it is time. A merged case shows the case it was merged into."""
    try:
        case = services.case_for_tracking(token)
    except services.TrackingExpired as exc:
        return render(request, "cases/track.html", {"error": exc.message, "expired": True}, status=410)
    except ServiceError:
        return render(request, "cases/track.html", {"error": "查询链接无效，请核对后重试"}, status=404)
    shown = case
    hops = 0
    while shown.merged_into_id and hops < 5:
        shown = Case.objects.select_related("region", "category", "handler", "merged_into").get(
            pk=shown.merged_into_id
        )
        hops += 1
    evaluate_url = ""
    if shown.state == CaseState.RESOLVED and case.pk == shown.pk:
        evaluate_url = reverse("cases:evaluate", args=[services.evaluation_token(shown)])
    photos = [
        {"url": signed_url(a, request), "name": a.original_name}
        for role in ("photo", "evidence")
        for a in attachments_of(shown, role)
    ]
    return render(
        request,
        "cases/track.html",
        {
            "case": case,
            "shown": shown,
            "merged": shown.pk != case.pk,
            "timeline": _timeline(shown),
            "deadline_status": shown.get_deadline_status_display(),
            "photos": photos,
            "evaluate_url": evaluate_url,
        },
    )


@login_required
def mine(request):
    """我的诉求: cases the signed-in resident reported or follows."""
    from django.core.paginator import Paginator

    page = Paginator(services.my_cases(request.user), 20).get_page(request.GET.get("page"))
    rows = [{"case": c, "url": reverse("cases:track", args=[services.tracking_token(c)])} for c in page]
    return render(request, "cases/mine.html", {"page_obj": page, "rows": rows, "title": "我的诉求"})


def _worker_grid(user):
    from grassroots.grids.models import GridAssignment

    worker = getattr(user, "worker", None) if user.is_authenticated else None
    if worker is None:
        return None
    a = (
        GridAssignment.objects.filter(worker=worker)
        .select_related("grid__region")
        .order_by("role", "id")
        .first()
    )
    return a.grid if a else None


def can_intake(user) -> bool:
    """Staff who may enter cases for a place (residents' own-records grant is not enough)."""
    from .models import case_grants

    return user.is_superuser or any(g.region_path is not None for g in case_grants(user, "submit"))


@login_required
def intake(request):
    """Staff intake on a phone or desk: a grid worker's patrol report (grid preselected from the
    worker's grid assignment), or a caller / walk-in entered on their behalf (reporter masked after)."""
    if not can_intake(request.user):
        raise Http404
    communities = _community_choices(Region.objects.visible_to(request.user))
    grid = _worker_grid(request.user)
    community_id = request.POST.get("community") or request.GET.get("community")
    if not community_id and grid is not None and grid.region.level == "community":
        community_id = grid.region_id
    kwargs = {"communities": communities, "buildings": _building_choices(community_id)}
    status = 200
    if request.method == "POST":
        form = StaffIntakeForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            channel = form.cleaned_data["channel"]
            use_grid = grid if channel == Channel.PATROL and not form.cleaned_data.get("lng") else None
            if use_grid is not None and form.cleaned_data.get("community") not in (None, use_grid.region_id):
                use_grid = None
            try:
                case = _submit(request, form, channel, grid=use_grid)
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from exc
                _form_error(form, exc)
                status = 400
            else:
                messages.success(request, f"已受理，工单编号 {case.number}")
                return redirect("cases:detail", pk=case.pk)
        else:
            status = 400
    else:
        initial = {"channel": Channel.PATROL if grid else Channel.WALK_IN, "community": community_id}
        form = StaffIntakeForm(initial=initial, **kwargs)
    return render(
        request,
        "cases/intake.html",
        {"form": form, "map_data": map_data(request.user), "staff": True, "grid": grid, "anonymous": False},
        status=status,
    )


def suggestions(request):
    """htmx: the top 3 categories for the typed description (with why) and, for staff who can see
    cases, similar open cases nearby."""
    text = (request.GET.get("description") or "")[:2000]
    cats = suggest.suggest_categories(text)
    dups = []
    if request.user.is_authenticated and has_perm(request.user, "cases.view"):
        try:
            lng = float(request.GET["lng"]) if request.GET.get("lng") else None
            lat = float(request.GET["lat"]) if request.GET.get("lat") else None
        except ValueError:
            lng = lat = None
        if lat is not None and not (-90 <= lat <= 90 and -180 <= (lng or 0) <= 180):
            lng = lat = None
        region = None
        if (request.GET.get("community") or "").isdigit():
            region = Region.objects.filter(pk=request.GET["community"], level="community").first()
        category = None
        if (request.GET.get("category") or "").isdigit():
            category = Category.objects.filter(pk=request.GET["category"]).first()
        if len(text.strip()) >= 5:
            dups = suggest.similar_cases(
                description=text,
                category=category,
                lng=lng,
                lat=lat,
                region=region,
                queryset=Case.objects.visible_to(request.user),
            )
    return render(request, "cases/_suggestions.html", {"suggestions": cats, "duplicates": dups})


def buildings(request):
    """htmx: the building options of a community (region tree picker)."""
    community = request.GET.get("community", "")
    rows = _building_choices(community) if community.isdigit() else []
    return render(request, "cases/_buildings.html", {"rows": rows})


@login_required
def hotline_import(request):
    """12345 tickets from a JSON file: converted to the import sheet and checked row by row by the
    same importer as an Excel upload (/imports/, kind "hotline"); the job page shows the errors."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grassroots.core import import_jobs

    from .forms import HotlineJsonForm
    from .importers import JsonError, json_to_xlsx

    try:
        import_jobs.check_importer(request.user, "hotline")
    except ServiceError as exc:
        raise Http404 from exc
    form = HotlineJsonForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                content = json_to_xlsx(upload.read())
                stem = (upload.name or "tickets").rsplit(".", 1)[0]
                job = import_jobs.store_upload(
                    request.user, "hotline", SimpleUploadedFile(f"{stem}.xlsx", content)
                )
            except JsonError as exc:
                form.add_error("file", str(exc))
                status = 400
            except ServiceError as exc:
                form.add_error("file", exc.message)
                status = 400
            else:
                return redirect("imports:job", pk=job.pk)
        else:
            status = 400
    return render(request, "cases/hotline_import.html", {"form": form}, status=status)
