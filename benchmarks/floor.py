"""The floor of the API creation benchmark: the least a Django POST that writes can cost.

`POST /bench/floor/` goes through the same gunicorn, WSGI handler and middleware
as `POST /api/v1/orders/`, reads the body and inserts one row into `bench_floor`
(autocommit, one statement). It is routed only when `BENCH_FLOOR_ENDPOINT` is
set (see orders_project/urls.py), which production never does; the table is
created by benchmarks/api_creation.py, not by a migration.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> JsonResponse:
    body = request.body.decode("utf-8")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (body) VALUES (%s) RETURNING id", [body])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)
