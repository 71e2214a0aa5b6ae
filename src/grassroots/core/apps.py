import datetime

from django.apps import AppConfig
from django.utils import timezone


class CoreConfig(AppConfig):
    name = "grassroots.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        import logging

        from django.conf import settings

        from grassroots.core import schedule

        for notice in getattr(settings, "KEY_NOTICES", []):
            logging.getLogger("grassroots.crypto").warning(notice)

        # Download files of background exports are kept 7 days.
        schedule.register(
            schedule.Periodic(
                "core.purge_exports", "grassroots.core.exports.purge_expired_exports", at="04:30"
            )
        )
        # Stale-job detection (core/runtime.py): every minute, jobs whose worker stopped are marked failed.
        schedule.register(
            schedule.Periodic(
                "core.detect_stale_jobs",
                "grassroots.core.tasks.detect_stale_jobs",
                every=datetime.timedelta(minutes=1),
            )
        )
        _watch_jobs()
        from .navigation import NavItem, register

        register(NavItem("数据导入", "imports:index", "file-import", "imports.run"))
        # Pillow's decompression-bomb guard follows settings.UPLOAD_MAX_PIXELS for every image opened.
        from .attachments import _configure_pillow

        _configure_pillow()
        # Home figures precomputed per scope bucket (core/tallies.py): rebuilt by every rollup run.
        from .figures import register_summary
        from .tallies import refresh_all

        register_summary("core.figure_buckets", refresh_all)


def _watch_jobs() -> None:
    """The background jobs that carry a heartbeat while they run (see runtime.watch)."""
    from . import runtime

    def failed(state, field):
        return lambda reason: {"state": state, field: reason, "finished_at": timezone.now()}

    runtime.watch(
        "core.importjob.check",
        "core.importjob",
        ["checking"],
        ["grassroots.core.import_jobs.check_job"],
        failed("invalid", "message"),
    )
    runtime.watch(
        "core.importjob.commit",
        "core.importjob",
        ["committing"],
        ["grassroots.core.import_jobs.commit_job"],
        failed("failed", "message"),
    )
    runtime.watch(
        "core.exportjob",
        "core.exportjob",
        ["queued", "running"],
        ["grassroots.core.exports.run_export"],
        failed("failed", "error"),
    )
    runtime.watch(
        "standards.healthrun",
        "standards.healthrun",
        ["queued", "running"],
        ["grassroots.standards.tasks.run_health_check"],
        failed("failed", "error"),
    )
    runtime.watch(
        "dashboards.rolluprun",
        "dashboards.rolluprun",
        ["queued", "running"],
        ["grassroots.dashboards.tasks.rollup_task"],
        failed("failed", "error"),
    )
