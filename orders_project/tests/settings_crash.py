"""The project's settings with the test-only URLs, for servers the tests start."""

from orders_project.settings import *  # noqa: F403

ROOT_URLCONF = "orders_project.tests.urls"
