from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grassroots.core.errors import NotFound, ServiceError
from grassroots.core.middleware import client_ip
from grassroots.core.scoping import has_perm

from . import services
from .forms import (
    AssignForm,
    CodeLoginForm,
    PasswordResetForm,
    PhoneForm,
    RolePermissionsForm,
    UserCreateForm,
)
from .models import ApiToken, ResidentProfile, Role, RoleAssignment
from .permissions import PERMISSIONS, SEPARATED_ROLES


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        from .throttle import BLOCKED_MESSAGE, ip_blocked

        # Refused before any password is checked, for every username (accounts.throttle).
        if ip_blocked(client_ip(request)):
            form = self.get_form_class()(request)  # unbound: validating it would try the password
            form.cleaned_data = {}
            form.add_error(None, BLOCKED_MESSAGE)
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)


@login_required
def profile(request):
    assignments = request.user.assignments.select_related("role", "region", "party_org")
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "accounts/profile.html", {"assignments": assignments, "tokens": tokens})


@login_required
@require_POST
def token_revoke(request, prefix: str):
    """The owner revokes one of their own API tokens (audited by the service)."""
    try:
        services.revoke_token(request.user, request.user, prefix)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已吊销令牌 {prefix}…")
    return redirect("accounts:profile")


# --- user management (accounts.manage) ----------------------------------------------------------


def _require(request, perm: str) -> None:
    if not has_perm(request.user, perm):
        raise Http404


def _grantable_roles(user):
    roles = Role.objects.order_by("id")
    if not user.is_superuser:
        roles = roles.exclude(code__in=SEPARATED_ROLES)
    return list(roles)


@login_required
def user_list(request):
    _require(request, "accounts.manage")
    qs = services.manageable_users(request.user).order_by("username")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    assignments = RoleAssignment.objects.select_related("role", "region", "party_org")
    qs = qs.prefetch_related(Prefetch("assignments", queryset=assignments))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    form = UserCreateForm(roles=_grantable_roles(request.user))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page_obj": page,
            "object_list": page.object_list,
            "q": q,
            "form": form,
            "querystring_without_page": (params.urlencode() + "&") if params else "",
        },
    )


@login_required
@require_POST
def user_create(request):
    _require(request, "accounts.manage")
    form = UserCreateForm(request.POST, roles=_grantable_roles(request.user))
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
        return redirect("accounts:users")
    d = form.cleaned_data
    try:
        node = services.find_scope_node(d["scope"]) if d["scope"] else None
        user, generated = services.create_user(
            request.user,
            d["username"],
            password=d["password"] or None,
            display_name=d["display_name"],
            role_code=d["role"],
            node=node,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:users")
    messages.success(request, f"已创建用户 {user.username}")
    if generated:
        messages.warning(request, f"初始密码（只显示这一次，请转交本人并提醒修改）：{generated}")
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def user_detail(request, pk: int):
    try:
        user = services.get_manageable_user(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    assignments = user.assignments.select_related("role", "region", "party_org").order_by("id")
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(
        request,
        "accounts/user_detail.html",
        {
            "obj": user,
            "assignments": assignments,
            "tokens": tokens,
            "assign_form": AssignForm(roles=_grantable_roles(request.user)),
            "password_form": PasswordResetForm(),
        },
    )


@login_required
@require_POST
def user_assign(request, pk: int):
    try:
        user = services.get_manageable_user(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    form = AssignForm(request.POST, roles=_grantable_roles(request.user))
    if form.is_valid():
        try:
            code = form.cleaned_data["scope"]
            node = services.find_scope_node(code) if code else None
            services.assign_role(request.user, user, form.cleaned_data["role"], node)
            messages.success(request, "已授权")
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "请选择角色")
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def assignment_revoke(request, pk: int, assignment_id: int):
    try:
        user = services.get_manageable_user(request.user, pk)
        if not user.assignments.filter(pk=assignment_id).exists():
            raise NotFound()
        services.revoke_assignment(request.user, assignment_id)
    except NotFound as exc:
        raise Http404 from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_detail", pk=pk)
    messages.success(request, "已撤销授权")
    return redirect("accounts:user_detail", pk=pk)


@login_required
@require_POST
def user_password(request, pk: int):
    try:
        user = services.get_manageable_user(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    form = PasswordResetForm(request.POST)
    form.is_valid()
    try:
        generated = services.reset_password(request.user, user, form.cleaned_data.get("password") or None)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_detail", pk=pk)
    messages.success(request, "密码已重置")
    if generated:
        messages.warning(request, f"新密码（只显示这一次）：{generated}")
    return redirect("accounts:user_detail", pk=pk)


# --- role configuration (roles.manage) -----------------------------------------------------------


@login_required
def role_list(request):
    _require(request, "roles.manage")
    roles = Role.objects.order_by("id")
    return render(request, "accounts/role_list.html", {"roles": roles, "catalog": PERMISSIONS})


@login_required
def role_edit(request, pk: int):
    _require(request, "roles.manage")
    role = get_object_or_404(Role, pk=pk)
    if request.method == "POST":
        form = RolePermissionsForm(request.POST)
        if form.is_valid():
            try:
                services.set_role_permissions(request.user, role, form.cleaned_data["permissions"])
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已保存角色“{role.name}”的权限")
                return redirect("accounts:roles")
        else:
            messages.error(request, "权限选择不正确")
    else:
        form = RolePermissionsForm(initial={"permissions": role.permissions})
    return render(request, "accounts/role_edit.html", {"role": role, "form": form, "obj": role})


# --- residents: phone + one-time code -----------------------------------------------------------


def resident_home_url() -> str:
    """Where a resident lands after signing in: the resident's own phone app (H5)."""
    return reverse("h5:home")


def resident_login(request):
    """Mobile-first: request a 6-digit code for a phone, then log in with it (signs up on first use)."""
    if request.user.is_authenticated and hasattr(request.user, "resident_profile"):
        return redirect(resident_home_url())
    phone = ""
    sent = False
    error = ""
    status = 200
    if request.method == "POST":
        # Enter in the phone field before any code was asked for submits the default (login) button:
        # with no code typed, that means "send me a code".
        wants_code = not request.POST.get("code", "").strip()
        form: PhoneForm | CodeLoginForm
        if request.POST.get("action") == "send" or wants_code:
            form = PhoneForm(request.POST)
            phone = request.POST.get("phone", "")[:20]
            if form.is_valid():
                try:
                    services.request_login_code(form.cleaned_data["phone"], ip=client_ip(request))
                    sent = True
                except ServiceError as exc:
                    error, status = exc.message, exc.status
            else:
                error, status = "请输入正确的 11 位手机号码", 400
        else:
            form = CodeLoginForm(request.POST)
            phone = request.POST.get("phone", "")[:20]
            sent = True
            if form.is_valid():
                try:
                    user = services.login_with_code(form.cleaned_data["phone"], form.cleaned_data["code"])
                except ServiceError as exc:
                    error, status = exc.message, exc.status
                else:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    return redirect(resident_home_url())
            else:
                error, status = "请输入手机号和 6 位数字验证码", 400
    return render(
        request,
        "accounts/resident_login.html",
        {"phone": phone, "sent": sent, "error": error},
        status=status,
    )


@login_required
def resident_me(request):
    """我的信息: a resident's own account and linked household (masked, as everywhere)."""
    from grassroots.regions.models import Household

    profile = ResidentProfile.objects.filter(user=request.user).first()
    households = Household.objects.visible_to(request.user).filter(residents__user=request.user)
    households = households.select_related("entrance")
    if profile is None:
        raise Http404
    return render(
        request,
        "accounts/resident_me.html",
        {"profile": profile, "households": list(households), "logout_url": reverse("accounts:logout")},
    )
