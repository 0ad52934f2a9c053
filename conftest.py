"""Project-wide pytest set-up."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; without this the
# browser tests, and every database test after them, trip Django's async guard.
# Set here, never in settings.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness buys nothing in tests and costs seconds per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_background_webhook_retries(settings):
    # A retry timer firing later would touch the database of whichever test runs then;
    # the test of that mode turns it back on.
    settings.WEBHOOK_RETRY_IN_PROCESS = False


@pytest.fixture(autouse=True)
def _local_webhook_receivers_allowed(settings):
    # The webhook tests run their receiver on 127.0.0.1, as a developer would; the
    # tests of the public-address rule (webhooks/tests/test_webhook_addresses.py) turn it off.
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture(autouse=True)
def _fresh_business_calendar():
    # Order creation keeps the holidays for a minute; a test's holidays roll back with
    # its transaction, which no signal reports. (Imported here: Django is set up by now.)
    from orders.planning import calendar_cache_clear

    calendar_cache_clear()
    yield
    calendar_cache_clear()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium: Playwright cannot download its own browser here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def private_cache(settings, request):
    """A cache of this test's own: rate limits and throttles count per test.

    CI's Redis also carries the Celery broker, so it is never flushed instead.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture
def private_media(settings, tmp_path):
    """Files this test saves (report runs, photos) go to its own folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tasks_in_process():
    """Run Celery tasks in this process even where a broker is set (CI has no worker here)."""
    from orders_project.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def admin_open_to_every_role(monkeypatch):
    """Let every role into the admin (only managers get in), to test its per-permission rules.

    The admin's pages and buttons still check each permission; these tests prove
    that with users who hold some permissions and not others.
    """
    from orders import roles

    monkeypatch.setattr(
        roles,
        "ADMIN_ROLES",
        (roles.MANAGER, roles.WAREHOUSE, roles.CUSTOMER_CARE, roles.FINANCE),
    )
