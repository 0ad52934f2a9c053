"""Locust users for `make loadtest` (driven by loadtest/run.py; see the README).

A storefront creates orders (POST /api/v1/orders/ with an Idempotency-Key),
reads their status (GET /api/v1/orders/<number>/) and customers look them up on
the tracking page (/track/ form: GET for the CSRF cookie, then POST). Every
request's outcome is appended, with its wall-clock time, to the JSON-lines file
in LOADTEST_OUTCOMES, so the driver can tell the fault windows apart.

The server runs with DEBUG=0, so its CSRF cookie is `Secure`: the tracking
requests say `X-Forwarded-Proto: https` with a matching Referer, as a TLS
proxy in front of gunicorn would, and send the cookie themselves.
"""

import json
import os
import random
import threading
import time
import uuid

from locust import HttpUser, between, events, task

API_KEY = os.environ.get("LOADTEST_API_KEY", "")
OUTCOMES = os.environ.get("LOADTEST_OUTCOMES", "loadtest-outcomes.jsonl")
RUN = os.environ.get("LOADTEST_RUN", uuid.uuid4().hex[:6])

_known_orders: list[tuple[str, str]] = []  # (number, customer e-mail) answered 201
_lock = threading.Lock()
_out = open(OUTCOMES, "a", buffering=1)  # noqa: SIM115 - one line per request, for the run


def _clean_503(response) -> bool:
    """A 503 in the documented shape: the JSON error under /api/, the short page elsewhere."""
    if response is None or response.status_code != 503 or not response.headers.get("Retry-After"):
        return False
    if response.request is not None and "/api/" in (response.request.path_url or ""):
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return False
        return error.get("code") == "service_unavailable" and error.get("details") == {}
    return "text/html" in response.headers.get("Content-Type", "") and (
        "Briefly unavailable" in response.text
    )


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response, exception, **kw):
    status = getattr(response, "status_code", 0) or 0
    _out.write(
        json.dumps(
            {
                "t": time.time(),
                "name": f"{request_type} {name}",
                "status": status,
                "ms": round(response_time, 1),
                "clean_503": _clean_503(response) if status == 503 else False,
                "error": type(exception).__name__ if exception and not status else "",
                "number": kw.get("context", {}).get("number", ""),
            }
        )
        + "\n"
    )


def _order_body(external_id: str, email: str) -> dict:
    return {
        "external_id": external_id,
        "currency": "VND",
        "customer": {"email": email, "name": "Nguyễn Thị Lan", "phone": "+84901234567"},
        "shipping_address": {
            "name": "Nguyễn Thị Lan",
            "line1": "12 Lê Lợi",
            "city": "TP. Hồ Chí Minh",
            "postal_code": "700000",
            "country": "VN",
        },
        "lines": [
            {"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "120000.00"},
            {"sku": "TEA-7", "name": "Tea", "quantity": 1, "unit_price": "85001"},
        ],
        "shipping_price": "30000.00",
        "payment_method": "cod",
        "payment_status": "unpaid",
    }


class Storefront(HttpUser):
    """One storefront integration and its customers; think time 0.5-1.5 s per user."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.headers.update({"Accept": "application/json"})
        self.counter = 0

    @task(3)
    def create_order(self) -> None:
        self.counter += 1
        external_id = f"L{RUN}-{id(self) % 100000:05d}-{self.counter:05d}"
        email = f"{external_id.lower()}@example.com"
        with self.client.post(
            "/api/v1/orders/",
            json=_order_body(external_id, email),
            headers={"Authorization": f"Api-Key {API_KEY}", "Idempotency-Key": str(uuid.uuid4())},
            name="/api/v1/orders/",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                number = response.json()["number"]
                response.request_meta["context"] = {"number": number}
                with _lock:
                    _known_orders.append((number, email))
                response.success()
            else:
                response.failure(f"{response.status_code}")

    @task(3)
    def read_order(self) -> None:
        if not _known_orders:
            return
        number, _email = random.choice(_known_orders)  # noqa: S311 - not security
        with self.client.get(
            f"/api/v1/orders/{number}/",
            headers={"Authorization": f"Api-Key {API_KEY}"},
            name="/api/v1/orders/<number>/",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and response.json()["number"] == number:
                response.success()
            else:
                response.failure(f"{response.status_code}")

    @task(2)
    def track_order(self) -> None:
        if not _known_orders:
            return
        number, email = random.choice(_known_orders)  # noqa: S311 - not security
        base = self.host.replace("http://", "https://", 1)
        https = {"X-Forwarded-Proto": "https", "Referer": f"{base}/track/", "Accept": "text/html"}
        with self.client.get(
            "/track/", headers=https, name="/track/ (form)", catch_response=True
        ) as form:
            token = form.cookies.get("csrftoken")
            if form.status_code != 200 or not token:
                form.failure(f"{form.status_code}")
                return
            form.success()
        with self.client.post(
            "/track/",
            data={"csrfmiddlewaretoken": token, "number": number, "email_or_postal_code": email},
            headers={**https, "Cookie": f"csrftoken={token}"},
            allow_redirects=False,
            name="/track/ (lookup)",
            catch_response=True,
        ) as lookup:
            if lookup.status_code == 302 and "/track/" in lookup.headers.get("Location", ""):
                lookup.success()
            else:
                lookup.failure(f"{lookup.status_code}")
