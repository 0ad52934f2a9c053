"""Settings come from the environment; production settings pass Django's deploy check."""

import json
import os
import subprocess
import sys

from django.conf import settings

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]
CONFIG_KEYS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "EMAIL_URL",
    "ALLOWED_HOSTS",
    # Set by conftest.py for Playwright; a deployment must never have it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(args: list[str], **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_KEYS}
    env.update(environment)
    return subprocess.run(
        args, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )


def settings_seen(**environment: str) -> dict:
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
        "'cache': s.CACHES['default']['BACKEND'], 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG}))"
    )
    result = run(
        [sys.executable, "-c", script],
        DJANGO_SETTINGS_MODULE="orders_project.settings",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_check_is_clean_with_debug_off_and_a_real_secret_key():
    result = run(
        [*MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY="k7#Qz0v!m2Lr9wX4pT8sYc1Ne6bHf3Ju5Da0Gi7Ko2Mq9Vt4Zx1Ws6Rp8Ly3Bn5",
        ALLOWED_HOSTS="orders.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_production_settings_turn_on_https_hsts_and_secure_cookies():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: getattr(s, name) for name in ["
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SECURE_PROXY_SSL_HEADER', 'X_FRAME_OPTIONS', "
        "'SECURE_CONTENT_TYPE_NOSNIFF']}))"
    )
    result = run(
        [sys.executable, "-c", script],
        DJANGO_SETTINGS_MODULE="orders_project.settings",
        DEBUG="0",
        SECRET_KEY="k7#Qz0v!m2Lr9wX4pT8sYc1Ne6bHf3Ju5Da0Gi7Ko2Mq9Vt4Zx1Ws6Rp8Ly3Bn5",
        ALLOWED_HOSTS="orders.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
    }


def test_deploy_check_warns_when_hsts_is_turned_off():
    # Proves the clean check above is not clean by accident: it does look at HSTS.
    result = run(
        [*MANAGE, "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY="k7#Qz0v!m2Lr9wX4pT8sYc1Ne6bHf3Ju5Da0Gi7Ko2Mq9Vt4Zx1Ws6Rp8Ly3Bn5",
        ALLOWED_HOSTS="orders.example.com",
        SECURE_HSTS_SECONDS="0",
    )

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_debug_off_without_secret_key_refuses_to_start():
    result = run([*MANAGE, "check"], DEBUG="0", ALLOWED_HOSTS="orders.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_nothing_configured_means_sqlite_in_process_tasks_and_files_for_mail():
    seen = settings_seen()

    assert seen == {
        "engine": "django.db.backends.sqlite3",
        "eager": True,
        "broker": "memory://localhost/",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "email": "django.core.mail.backends.filebased.EmailBackend",
        "debug": True,
    }


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_broker():
    seen = settings_seen(
        DATABASE_URL="postgres://app@db.internal:5432/orders",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp://mailer.internal:587",
    )

    assert seen == {
        "engine": "django.db.backends.postgresql",
        "eager": False,
        "broker": "redis://cache.internal:6379/0",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "email": "django.core.mail.backends.smtp.EmailBackend",
        "debug": True,
    }


def test_an_smtp_send_gives_up_well_before_the_notification_lease_runs_out():
    assert 0 < settings.EMAIL_TIMEOUT < settings.NOTIFICATION_LEASE_SECONDS / 2
