"""The floors of the API creation benchmark: the least a POST that writes can cost.

Both insert one row into `bench_floor` (autocommit, one statement) and go through
the same gunicorn, WSGI handler and middleware as `POST /api/v1/orders/`:

- `POST /bench/floor/`: a bare Django view that reads the body. The least any
  Django POST that writes can cost.
- `POST /bench/floor-api/`: a storefront API endpoint that does nothing else:
  the API's own authentication (the storefront's key), permission and throttle,
  JSON parsed and answered through DRF. Every storefront endpoint pays this much
  before its own work; the benchmark's ratio is taken against it.

They are routed only when `BENCH_FLOOR_ENDPOINT` is set (see orders_project/urls.py),
which production never does; the table is created by benchmarks/api_creation.py,
not by a migration.
"""

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsStorefront


def _insert(body: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (body) VALUES (%s) RETURNING id", [body])
        (row_id,) = cursor.fetchone()
    return row_id


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"id": _insert(request.body.decode("utf-8"))}, status=201)


class FloorStorefrontInsert(APIView):
    """The storefront API's authentication and throttles, its permission, and one INSERT."""

    schema = None  # not part of the API
    permission_classes = [IsStorefront]  # as POST /api/v1/orders/

    def post(self, request: Request) -> Response:
        row_id = _insert(json.dumps(request.data, ensure_ascii=False))
        return Response({"id": row_id}, status=status.HTTP_201_CREATED)
