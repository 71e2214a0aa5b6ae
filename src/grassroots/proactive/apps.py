from django.apps import AppConfig
from django.utils import timezone


class ProactiveConfig(AppConfig):
    name = "grassroots.proactive"
    label = "proactive"
    verbose_name = "主动治理"

    def ready(self):
        from grassroots.core import navigation, runtime, schedule

        # Hot topics are recomputed nightly after the dashboard rollups (03:00).
        schedule.register(
            schedule.Periodic(
                "proactive.hot_topics", "grassroots.proactive.tasks.nightly_hot_topics", at="03:30"
            )
        )
        runtime.watch(
            "proactive.hottopicrun",
            "proactive.hottopicrun",
            ["queued", "running"],
            ["grassroots.proactive.tasks.compute_hot_topics"],
            lambda reason: {"state": "failed", "error": reason, "finished_at": timezone.now()},
        )
        navigation.register(
            navigation.NavItem(
                "热点问题", "proactive:hot_list", "flame", "proactive.view", section="主动治理"
            ),
            navigation.NavItem(
                "未诉先办", "proactive:task_list", "bolt", "proactive.view", section="主动治理"
            ),
            navigation.NavItem(
                "每月一题", "proactive:theme_list", "calendar-event", "proactive.view", section="主动治理"
            ),
        )
