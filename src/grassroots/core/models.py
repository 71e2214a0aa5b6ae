from __future__ import annotations

from django.db import models
from django.utils import timezone

from .scoping import ScopedModel


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    TRANSITION = "transition", "流转"
    UNMASK = "unmask", "查看个人信息"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    TOKEN = "token", "令牌"


class AuditEvent(ScopedModel):
    """Append-only record of a change or a sensitive read.

    Never updated or deleted by the application; on PostgreSQL a trigger refuses UPDATE and DELETE
    (migration 0002). The actor is kept as id + name without a foreign key, so deleting a user can't
    touch the log.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    request_id = models.CharField(max_length=32, blank=True, db_index=True)
    ip = models.CharField("IP", max_length=64, blank=True)
    source = models.CharField(max_length=16, blank=True)
    action = models.CharField("操作", max_length=16, choices=AuditAction.choices, db_index=True)
    model = models.CharField("对象类型", max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    region_path = models.CharField(max_length=64, blank=True, db_index=True)
    org_path = models.CharField(max_length=64, blank=True, db_index=True)
    changes = models.JSONField("变更", default=dict, blank=True)
    purpose = models.CharField("用途", max_length=200, blank=True)
    success = models.BooleanField(default=True)

    # Audit records are scoped by the paths copied onto them at write time.
    scope_region_path_field = "region_path"
    scope_org_path_field = "org_path"

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id", "-at"])]
        verbose_name = verbose_name_plural = "审计日志"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    @property
    def shown_changes(self) -> dict:
        """The changes as displayed: personal fields masked again by today's policy (core.masking), so
        records written under an older, weaker policy (ID numbers with their region prefix, plain birth
        dates) show no more than new ones. Masking is idempotent; the stored record is never changed."""
        from django.apps import apps

        from .masking import mask

        try:
            personal = getattr(apps.get_model(self.model), "personal_fields", {}) if self.model else {}
        except (LookupError, ValueError):
            personal = {}
        if not personal or not isinstance(self.changes, dict):
            return self.changes or {}
        out = {}
        for k, v in self.changes.items():
            if k in personal and isinstance(v, list | tuple):
                v = [None if x is None else mask(personal[k], str(x)) for x in v]
            out[k] = v
        return out


class ImportJob(models.Model):
    """One uploaded file and its way through dry run and commit. Only its owner can read it."""

    class State(models.TextChoices):
        CHECKING = "checking", "校验中"
        CHECKED = "checked", "待确认"
        INVALID = "invalid", "有错误"
        COMMITTING = "committing", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "导入失败"

    RUNNING = (State.CHECKING, State.COMMITTING)

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField("类型", max_length=16)
    original_name = models.CharField("文件名", max_length=200)
    stored_name = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.CHECKING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "导入任务"

    def __str__(self):
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def running(self) -> bool:
        return self.state in self.RUNNING


class Attachment(models.Model):
    """A file (photo, evidence, minutes) attached to any object; see core/attachments.py.

    Files live under MEDIA_ROOT/attachments with random names and are only served through
    core:attachment (scope-checked against the parent object) or a signed link."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    # What the file is for on its parent: "photo", "evidence", "minutes", ... (free, app-defined)
    role = models.CharField("用途", max_length=24, default="photo")
    stored_name = models.CharField(max_length=80, unique=True)
    original_name = models.CharField("文件名", max_length=200)
    mime = models.CharField(max_length=80)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id", "role"], name="attach_parent")]
        verbose_name = verbose_name_plural = "附件"

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


class ExportJob(models.Model):
    """A large Excel export produced in the background (core/exports.py). Only its owner sees it; the
    file lives under settings.VAR_DIR/exports with a random name and is deleted after EXPORT_KEEP_DAYS."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    RUNNING_STATES = (State.QUEUED, State.RUNNING)

    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="export_jobs")
    kind = models.CharField("类型", max_length=40)
    title = models.CharField("名称", max_length=100)
    params = models.JSONField("筛选条件", default=dict, blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField("预计行数", default=0)
    progress = models.PositiveIntegerField("已写入行数", default=0)
    row_count = models.PositiveIntegerField("行数", default=0)
    stored_name = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField("文件大小", default=0)
    personal = models.BooleanField("含个人信息明文", default=False)
    # non-empty: personal columns asked for in plaintext, with this purpose (watermarked, audited)
    purpose = models.CharField("导出用途", max_length=100, blank=True)
    error = models.CharField("错误", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="exportjob_owner_recent")]
        verbose_name = verbose_name_plural = "导出任务"

    def __str__(self):
        return f"{self.title} ({self.get_state_display()})"

    @property
    def running(self) -> bool:
        return self.state in self.RUNNING_STATES

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, int(100 * self.progress / self.total)) if self.total else 0


class Heartbeat(models.Model):
    """Last sign of life of a background process or of a running job (core/runtime.py).

    On SQLite the same records are kept as small files under VAR_DIR/run/beats instead (a long
    import holds the database's write lock; a file beat never waits for it). Rows are rewritten in
    place, so the table holds one row per live process or running job."""

    key = models.CharField(max_length=120, primary_key=True)
    kind = models.CharField(max_length=16, db_index=True)  # worker / scheduler / job
    at = models.DateTimeField(db_index=True)
    pid = models.PositiveIntegerField(default=0)
    host = models.CharField(max_length=100, blank=True)
    info = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "运行心跳"

    def __str__(self):
        return f"{self.key} {self.at:%H:%M:%S}"


class Lease(models.Model):
    """A named lease held by one process at a time (the scheduler's singleton; core/runtime.py)."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=120)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_tick = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "运行租约"

    def __str__(self):
        return f"{self.name} → {self.holder}"


class FigureBucket(models.Model):
    """One precomputed home figure over one scope bucket (core/tallies.py): the rows of figure `code`
    whose scoped object sits at exactly this region path and party-org path ("" = none), split by `key`
    (a month, an hour, a kind; "" = not split). The exact buckets are disjoint: a user's figure is the sum
    of those their grants cover, or of the subtree totals (tree) at their grants' nodes."""

    code = models.CharField("指标", max_length=60)
    region_path = models.CharField("区划路径", max_length=255, blank=True)
    org_path = models.CharField("组织路径", max_length=255, blank=True)
    key = models.CharField("分组", max_length=40, blank=True)
    value = models.FloatField("数值", default=0)
    # False: the rows at exactly (region_path, org_path). True: a subtree total, the sum of the exact
    # buckets under region_path (org_path "") or under org_path (region_path ""), read by users whose
    # grants are all region grants (or all party-org grants): one row per key and grant.
    tree = models.BooleanField("子树合计", default=False)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "首页指标汇总"
        indexes = [
            models.Index(fields=["code", "region_path"], name="core_figbucket_region"),
            models.Index(fields=["code", "org_path"], name="core_figbucket_org"),
        ]

    def __str__(self):
        return f"{self.code} {self.region_path}/{self.org_path} {self.key} = {self.value}"
