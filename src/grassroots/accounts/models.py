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
        raw = "gr_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=raw[3:11], key_hash=hash_token(raw), expires_at=expires_at
        )
        return token, raw

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
