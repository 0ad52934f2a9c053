"""Probes for load balancers and orchestrators: cheap enough to poll every few seconds.

`/healthz`: the process is up and answering (touches nothing else).
`/readyz`: the database and the broker answer too; 503 when one does not.
"""

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 1.0


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database_check() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _broker_check() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return "not used (tasks run in the web process)"
    if not url.startswith(("redis://", "rediss://")):
        return "not checked"
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    ready = True
    for name, check in (("database", _database_check), ("broker", _broker_check)):
        started = time.monotonic()
        try:
            checks[name] = check()
        except Exception as error:
            ready = False
            checks[name] = f"failing: {type(error).__name__}"
        checks[f"{name}_ms"] = f"{(time.monotonic() - started) * 1000:.1f}"
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )
