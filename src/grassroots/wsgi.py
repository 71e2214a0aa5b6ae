import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
application = get_wsgi_application()

# Load the URLconf, views and common templates now, not on the first request (see core.warmup; with
# gunicorn's preload_app this runs once in the master, before the workers are forked).
from grassroots.core.warmup import warm_up  # noqa: E402

warm_up()
