from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .permissions import PERMISSIONS


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone_hash = models.CharField(max_length=40, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username


class Role(models.Model):
    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50)
    permissions = models.JSONField("权限", default=list)
    builtin = models.BooleanField("内置", default=False)
    # Built-in roles only: the default permissions the code last applied (accounts.apps.ensure_builtin_roles
    # adds defaults introduced since and withdraws defaults the code dropped, leaving an administrator's
    # own additions and removals alone).
    applied_defaults = models.JSONField("已应用的默认权限", default=list, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "角色"

    def __str__(self):
        return self.name

    def permission_names(self) -> list[str]:
        return [PERMISSIONS.get(p, p) for p in self.permissions]


class RoleAssignment(models.Model):
    """A user holds a role over a subtree of one of the two trees (or over their own records only)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.CASCADE)
    party_org = models.ForeignKey("party.PartyOrg", null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    # Audit records of assignments carry the node's path, so the audit page scopes them.
    scope_region = "region"
    scope_org = "party_org"

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        constraints = [
            models.CheckConstraint(
                condition=~(Q(region__isnull=False) & Q(party_org__isnull=False)),
                name="assignment_one_tree",
                violation_error_message="授权范围只能是行政区划或党组织之一",
            ),
            models.UniqueConstraint(fields=["user", "role", "region", "party_org"], name="assignment_unique"),
        ]

    def __str__(self):
        scope = self.region or self.party_org or "本人"
        return f"{self.user} · {self.role} · {scope}"

    @property
    def scope_node(self):
        return self.region or self.party_org


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """API tokens are shown once and stored only as a SHA-256 hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=100, blank=True)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, name: str = "", expires_at=None) -> tuple[ApiToken, str]:
        # The visible prefix is hex: a urlsafe one may start with "-", which a command line
        # (`grassroots token U --revoke PREFIX`) would read as an option.
        raw = "gr_" + secrets.token_hex(4) + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=raw[3:11], key_hash=hash_token(raw), expires_at=expires_at
        )
        return token, raw

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ResidentProfile(models.Model):
    """A resident who signed up by phone. The phone is kept only as a keyed hash (core.crypto)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="resident_profile")
    phone_hash = models.CharField(max_length=40, unique=True)
    phone_masked = models.CharField("手机号", max_length=20)
    household = models.ForeignKey(
        "regions.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
        verbose_name="所属住户",
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_region = "household__entrance"

    class Meta:
        verbose_name = verbose_name_plural = "居民账号"

    def __str__(self):
        return f"居民 {self.phone_masked}"


class OneTimeCode(models.Model):
    """A 6-digit login code: stored hashed, expires, single use, limited attempts (SECURITY.md)."""

    phone_hash = models.CharField(max_length=40, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(fields=["phone_hash", "-created_at"]),
            models.Index(fields=["ip", "created_at"], name="accounts_otp_ip_created"),
        ]

    def __str__(self):
        return f"{self.phone_hash[:8]} {self.created_at:%H:%M}"


class SmsOutbox(models.Model):
    """Every message the SMS backend was asked to send: the default backend only writes here and to
    the log, so a demo installation works offline."""

    phone = models.CharField("手机号", max_length=20)
    body = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    backend = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "短信发件箱"

    def __str__(self):
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"
