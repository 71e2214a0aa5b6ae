"""Settings of the worker processes started by tests/core/test_processes.py: the project's settings plus
a test app (opsapp) that registers the test export kind and can slow jobs down so a test kills them
half-way (GRASSROOTS_TEST_SLOW=1)."""

from grassroots.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.opsapp.OpsTestConfig"]  # noqa: F405
