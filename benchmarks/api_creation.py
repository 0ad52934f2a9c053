"""Benchmark: order creation through the API under gunicorn, against one-INSERT floors.

`api_creation_results()` starts gunicorn on a free loopback port (production
settings: DEBUG off, PostgreSQL, Redis cache and broker), creates a storefront
and API key for this run, then times, on the client side, `POST /api/v1/orders/`
and the two floors of benchmarks/floor.py with the same body size and headers:
`POST /bench/floor-api/` (a storefront endpoint: API-key authentication,
throttle, JSON, one INSERT) and `POST /bench/floor/` (a bare Django view, one
INSERT):

- `api_create_sequential`: one client, one keep-alive connection;
- `api_create_8_clients`: 8 threads, each with its own keep-alive connection,
  `samples` requests in all.

Each result compares medians (`ratio` = API median / storefront-endpoint floor
median, the target is at most 3; `bare_ratio` against the bare view) and reports
p95 too. Any answer other than 201 fails the benchmark.

Side effects: rows in the database of `database_url` (one storefront per run,
its orders, the `bench_floor` table) and Celery messages published to the broker
in `redis_url` (two per order, nobody consumes them): use a scratch database and a
Redis database no worker reads, e.g. redis://127.0.0.1:6379/15.

    .venv/bin/python -m benchmarks.api_creation   # scratch database orders_apibench
"""

import http.client
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# On 2 cores, 2 processes x 4 threads: of 1x8, 2x2, 2x4, 3x2, 4x1 and 4x2 no setting ran
# clearly faster; 4x1 had a lower median with 8 clients but a p95 2-4 times worse.
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4
CLIENTS = 8
WARMUP = 20
TARGET_RATIO = 3.0
ROUNDS = 3

FLOOR_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench_floor (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    body text
)
"""


# -- Django in this process (storefront, key, floor table) --------------------


def _django_for(database_url: str) -> None:
    """Set Django up on `database_url`, or check the already set-up Django uses it."""
    import django
    from django.apps import apps

    if not apps.ready:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")
        os.environ["DATABASE_URL"] = database_url
        django.setup()
    import environ
    from django.conf import settings

    wanted = environ.Env.db_url_config(database_url)
    have = settings.DATABASES["default"]
    if any(str(wanted.get(k) or "") != str(have.get(k) or "") for k in ("NAME", "HOST", "PORT")):
        raise RuntimeError(
            f"Django in this process uses database {have.get('NAME')!r}, "
            f"not the one of database_url {wanted.get('NAME')!r}."
        )
    if have["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("The API creation benchmark runs against PostgreSQL only.")


def _prepare(run: str, storefront_code: str | None) -> str:
    """Create the floor table and this run's storefront (or key); return the API key in clear."""
    from django.db import connection

    from orders.models import Storefront, StorefrontAPIKey
    from orders.services import storefront_create

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_TABLE_SQL)
    if storefront_code:
        storefront = Storefront.objects.get(code=storefront_code)
        _api_key, key = StorefrontAPIKey.objects.create_key(
            name=f"bench-api-{run}", storefront=storefront
        )
        return key
    _storefront, key = storefront_create(name=f"Bench API {run}", code=f"bench-api-{run}")
    return key


# -- gunicorn ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)  # production defaults: the broker is REDIS_URL
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="0",
        SECRET_KEY="bench",  # noqa: S106 - a throwaway server on loopback
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain http on loopback; HSTS is only sent over https
        BENCH_FLOOR_ENDPOINT="1",
        # The throttle still runs (a Redis round trip per request) but never trips.
        API_THROTTLE_RATE="1000000/min",
        LOG_LEVEL="WARNING",
    )
    return env


class _Gunicorn:
    """gunicorn serving orders_project on a free loopback port; stopped on exit, always."""

    def __init__(self, *, database_url: str, redis_url: str, workers: int, threads: int) -> None:
        self.port = _free_port()
        self.workers, self.threads = workers, threads
        self.env = _server_env(database_url, redis_url)
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> "_Gunicorn":
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if not gunicorn.exists():
            gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
        command = [
            str(gunicorn),
            "orders_project.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--worker-class=gthread",
            "--keep-alive=30",  # the default 2 s would drop idle client connections between phases
            "--log-level=warning",
        ]
        try:
            self.process = subprocess.Popen(  # noqa: S603 - fixed command
                command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
            )
            self._wait_ready()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.tail()}"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/bench/floor/")
                status = connection.getresponse().status
                connection.close()
            except OSError:
                time.sleep(0.2)
                continue
            if status == 405:  # up, and the floor is routed (it takes POST only)
                return
            raise RuntimeError(f"GET /bench/floor/ answered {status}, not 405:\n{self.tail()}")
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-chars:]

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=35)  # gunicorn's graceful timeout is 30 s
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# -- the client ----------------------------------------------------------------


def _order_body(run: str, n: int) -> dict:
    """api/tests/conftest.py::order_body, with a unique external id and customer."""
    return {
        "external_id": f"B{run}-{n:07d}",
        "currency": "VND",
        "customer": {
            "email": f"c{run}-{n:07d}@example.com",
            "name": "Nguyễn Thị Lan",
            "phone": "+84901234567",
        },
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


class _Requests:
    """Numbered requests of one kind (floor or API): each with its own body and key."""

    def __init__(self, *, path: str, run: str, api_key: str) -> None:
        self.path, self.run, self.api_key = path, run, api_key
        self._next = 0
        self._lock = threading.Lock()

    def make(self) -> tuple[bytes, dict[str, str]]:
        with self._lock:
            self._next += 1
            n = self._next
        body = json.dumps(_order_body(self.run, n), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Api-Key {self.api_key}",  # the bare floor ignores it
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return body, headers


class _Failures:
    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []
        self._lock = threading.Lock()

    def add(self, what: str) -> None:
        with self._lock:
            self.count += 1
            if len(self.first) < 3:
                self.first.append(what)


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# One step of a client's plan: which requests, how many, and whether their times count.
Step = tuple[_Requests, int, bool]


def _client(
    port: int,
    plan: list[Step],
    times: dict[str, list[float]],
    failures: _Failures,
    barrier: threading.Barrier,
) -> None:
    """Run `plan`, one keep-alive connection per path; each step starts with all clients."""
    connections: dict[str, http.client.HTTPConnection] = {}
    try:
        for requests, count, kept in plan:
            barrier.wait(timeout=300)
            connection = connections.setdefault(
                requests.path, http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            )
            for _ in range(count):
                body, headers = requests.make()
                began = time.perf_counter()
                try:
                    connection.request("POST", requests.path, body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as error:
                    failures.add(f"{requests.path}: {error!r}")
                    connection.close()  # reconnects on the next request
                    continue
                if kept:
                    times[requests.path].append((time.perf_counter() - began) * 1000)
                if response.status != 201:
                    failures.add(f"{requests.path}: {response.status} {data[:300]!r}")
    except threading.BrokenBarrierError:
        pass  # another client failed; its failure is recorded
    except BaseException as error:
        failures.add(repr(error))
        barrier.abort()
    finally:
        for connection in connections.values():
            connection.close()


def _measure(
    port: int, kinds: list[_Requests], *, samples: int, clients: int
) -> dict[str, list[float]]:
    """Warm up, then `samples` requests of each kind over `clients` threads.

    The kinds (the floors and the API) alternate in blocks of about 10 requests
    per client, so that a change of background load on the machine affects them
    alike; within a block every client sends the same kind. Returns each kind's
    latencies (ms) by path.
    """
    rounds = max(1, samples // (10 * clients))
    plans: list[list[Step]] = [[(kind, WARMUP, False) for kind in kinds] for _ in range(clients)]
    for block in _split(samples, rounds):
        for client, count in enumerate(_split(block, clients)):
            plans[client] += [(kind, count, True) for kind in kinds]
    times: dict[str, list[float]] = {kind.path: [] for kind in kinds}
    failures = _Failures()
    barrier = threading.Barrier(clients)
    threads = [
        threading.Thread(target=_client, args=(port, plan, times, failures, barrier))
        for plan in plans
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures.count:
        raise RuntimeError(
            f"{failures.count} of {len(kinds) * (samples + WARMUP * clients)} requests did not "
            f"answer 201: {failures.first}"
        )
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank


def _result(
    name: str,
    *,
    orders_in_db: int,
    samples: int,
    api: list[float],
    floor: list[float],
    bare_floor: list[float],
    server: str,
) -> dict:
    median, floor_median = statistics.median(api), statistics.median(floor)
    bare_median = statistics.median(bare_floor)
    return {
        "name": name,
        "orders_in_db": orders_in_db,
        "samples": samples,
        "median_ms": round(median, 2),
        "p95_ms": round(_p95(api), 2),
        "floor_median_ms": round(floor_median, 2),
        "floor_p95_ms": round(_p95(floor), 2),
        "ratio": round(median / floor_median, 2),
        "floor": "POST /bench/floor-api/: API-key authentication, throttle, JSON, one INSERT",
        "bare_floor_median_ms": round(bare_median, 2),
        "bare_ratio": round(median / bare_median, 2),
        "bare_floor": "POST /bench/floor/: a bare Django view, one INSERT",
        "errors": 0,  # any error raised before a result is made
        "target_ratio": TARGET_RATIO,
        "server": server,
    }


def api_creation_results(
    *,
    database_url: str,
    redis_url: str,
    orders_in_db: int,
    samples: int = 300,
    workers: int = GUNICORN_WORKERS,
    threads: int = GUNICORN_THREADS,
    storefront_code: str | None = None,
    rounds: int = ROUNDS,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """Time API order creation against the floor, sequentially and with 8 clients.

    By default the orders go to a new storefront of this run. `storefront_code`
    sends them to an existing storefront instead (with a new key), so per-storefront
    lookups (its customers, its orders) see that storefront's volume of data.

    Each of `rounds` rounds starts its own gunicorn and sends `samples` requests of
    each kind, one client then 8; the results pool the rounds' times. On a shared
    machine one gunicorn's run can be a tenth faster or slower than the next, for
    the floors and the API alike; the ratio of each round is kept in `round_ratios`.
    """
    say = progress or (lambda _message: None)
    if not redis_url:
        raise ValueError("Pass a redis_url: without one the server would run Celery tasks inline.")
    _django_for(database_url)
    run = f"{time.strftime('%y%m%d%H%M%S')}-{os.getpid()}"
    api_key = _prepare(run, storefront_code)
    bare_floor = _Requests(path="/bench/floor/", run=run, api_key=api_key)
    floor = _Requests(path="/bench/floor-api/", run=run, api_key=api_key)
    orders = _Requests(path="/api/v1/orders/", run=run, api_key=api_key)
    kinds = (("api_create_sequential", 1), (f"api_create_{CLIENTS}_clients", CLIENTS))
    pooled: dict[str, dict[str, list[float]]] = {name: {} for name, _ in kinds}
    round_ratios: dict[str, list[float]] = {name: [] for name, _ in kinds}
    for round_number in range(1, rounds + 1):
        with _Gunicorn(
            database_url=database_url, redis_url=redis_url, workers=workers, threads=threads
        ) as server:
            for name, clients in kinds:
                say(
                    f"round {round_number}/{rounds}, {name}: {samples} requests to each floor "
                    f"and to the API, {clients} client(s)"
                )
                try:
                    times = _measure(
                        server.port, [bare_floor, floor, orders], samples=samples, clients=clients
                    )
                except RuntimeError as error:
                    raise RuntimeError(f"{error}\n--- gunicorn log ---\n{server.tail()}") from error
                for path, latencies in times.items():
                    pooled[name].setdefault(path, []).extend(latencies)
                round_ratios[name].append(
                    round(
                        statistics.median(times[orders.path])
                        / statistics.median(times[floor.path]),
                        2,
                    )
                )
    return [
        {
            **_result(
                name,
                orders_in_db=orders_in_db,
                samples=samples * rounds,
                api=pooled[name][orders.path],
                floor=pooled[name][floor.path],
                bare_floor=pooled[name][bare_floor.path],
                server=f"gunicorn gthread --workers {workers} --threads {threads}",
            ),
            "rounds": rounds,
            "round_ratios": round_ratios[name],
        }
        for name, _ in kinds
    ]


# -- python -m benchmarks.api_creation -------------------------------------------

SCRATCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/orders_apibench"
SCRATCH_REDIS_URL = "redis://127.0.0.1:6379/15"


def main() -> None:
    database_url = os.environ.get("BENCH_API_DATABASE_URL", SCRATCH_DATABASE_URL)
    redis_url = os.environ.get("BENCH_API_REDIS_URL", SCRATCH_REDIS_URL)
    samples = int(os.environ.get("BENCH_SAMPLES", "300"))
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", GUNICORN_WORKERS))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", GUNICORN_THREADS))
    rounds = int(os.environ.get("BENCH_API_ROUNDS", ROUNDS))
    _django_for(database_url)
    from orders.models import Order

    results = api_creation_results(
        database_url=database_url,
        redis_url=redis_url,
        orders_in_db=Order.objects.count(),
        samples=samples,
        workers=workers,
        threads=threads,
        storefront_code=os.environ.get("BENCH_API_STOREFRONT") or None,
        rounds=rounds,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
