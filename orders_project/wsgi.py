"""WSGI entry point, used by gunicorn in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")

application = get_wsgi_application()

from orders_project.runtime import loaded_objects_freeze  # noqa: E402 - needs Django set up

loaded_objects_freeze()
