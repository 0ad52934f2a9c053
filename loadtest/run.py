"""`make loadtest`: 2 minutes of load with PostgreSQL and Redis faults, then data checks.

Everything runs on loopback against servers this driver starts and stops
itself, never the machine's shared ones:

- its own PostgreSQL cluster (`initdb` into a temporary directory, port 5439,
  database `orders_load`) and its own redis-server (port 6390, db 9, no
  persistence), so restarting them disturbs nobody;
- gunicorn (2 workers x 4 threads), a Celery worker and Celery beat
  (django-celery-beat) with production settings (DEBUG=0), e-mail written to
  files, and a webhook receiver in this process that records each delivery;
- locust, headless, for LOADTEST_SECONDS (120) with LOADTEST_USERS (12) users.

Faults: at 40 s PostgreSQL is restarted (`pg_ctl restart -m fast`, what
`pg_ctlcluster ... restart` does); at 80 s Redis is shut down (`shutdown
nosave`: queued Celery messages are lost) and started again 10 s later.

What counts as clean: outside the fault windows every request succeeds (201,
200, 302). Inside the PostgreSQL window a request may instead get a 503 in
the documented shape (JSON `service_unavailable` with Retry-After under /api/,
the short HTML page elsewhere); nothing else (no 500, no connection error:
gunicorn itself never goes away). Inside the Redis window nothing may fail at
all: order creation keeps answering 201. A window runs from the fault command
to LOADTEST_GRACE_SECONDS (3) after the server answers again.

After the load the driver waits (at most LOADTEST_DRAIN_SECONDS, 300) until
the outboxes are empty (beat's sweepers re-queue what Redis lost), then checks
the data and writes loadtest/RESULTS.md; it exits 1 when a check fails.
"""

import contextlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("LOADTEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = int(os.environ.get("LOADTEST_PG_PORT", "5439"))
REDIS_PORT = int(os.environ.get("LOADTEST_REDIS_PORT", "6390"))
REDIS_DB = 9
DATABASE = "orders_load"
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "120"))
USERS = int(os.environ.get("LOADTEST_USERS", "12"))
PG_RESTART_AT = float(os.environ.get("LOADTEST_PG_RESTART_AT", str(SECONDS / 3)))
REDIS_STOP_AT = float(os.environ.get("LOADTEST_REDIS_STOP_AT", str(SECONDS * 2 / 3)))
REDIS_DOWN_SECONDS = float(os.environ.get("LOADTEST_REDIS_DOWN_SECONDS", "10"))
GRACE = float(os.environ.get("LOADTEST_GRACE_SECONDS", "3"))
DRAIN_SECONDS = float(os.environ.get("LOADTEST_DRAIN_SECONDS", "300"))
RESULTS = Path(os.environ.get("LOADTEST_RESULTS", ROOT / "loadtest" / "RESULTS.md"))
SUCCESS = {201, 200, 302}


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command: list[str], *, timeout: float = 120, env=None, check=True, as_postgres=False):
    if as_postgres and os.geteuid() == 0:  # initdb and postgres refuse to run as root
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(  # noqa: S603 - fixed commands
        command, timeout=timeout, env=env, check=check, capture_output=True, text=True, cwd=ROOT
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# -- private servers -----------------------------------------------------------


class PrivatePostgres:
    def __init__(self, workdir: Path) -> None:
        self.data = workdir / "pg"
        self.log = workdir / "pg.log"

    def start_fresh(self) -> None:
        if port_open(PG_PORT):
            raise RuntimeError(f"port {PG_PORT} is taken: another loadtest still running?")
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.data.parent, "postgres", "postgres")
        run(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"],
            as_postgres=True,
        )
        self.start()
        run(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(PG_PORT),
                "-U",
                "postgres",
                DATABASE,
            ]
        )

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.data} -c max_connections=60"
        run(
            [
                str(PG_BIN / "pg_ctl"),
                action,
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                *extra,
            ],
            as_postgres=True,
            timeout=90,
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if self.data.exists():
            run(
                [str(PG_BIN / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w"],
                as_postgres=True,
                check=False,
                timeout=60,
            )


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "redis"

    def start(self) -> None:
        self.dir.mkdir(exist_ok=True)
        run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(REDIS_PORT),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ]
        )
        deadline = time.monotonic() + 20
        while not port_open(REDIS_PORT):
            if time.monotonic() > deadline:
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], check=False, timeout=20)


# -- the webhook receiver ------------------------------------------------------


class WebhookReceiver:
    """Answers 200 to every webhook and counts deliveries per event id."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self.orders: dict[str, str] = {}  # event id -> order number
        self.times: dict[str, list] = defaultdict(list)  # event id -> [(time, attempt header)]
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.deliveries[body["id"]] += 1
                receiver.times[body["id"]].append(
                    (round(time.time(), 1), self.headers.get("X-Webhook-Attempt"))
                )
                receiver.orders[body["id"]] = body["data"]["order"]["number"]
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# -- the application -------------------------------------------------------------


def app_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PG_PORT}/{DATABASE}",
        REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/{REDIS_DB}",
        DEBUG="0",
        SECRET_KEY="loadtest-only-secret-key-not-for-production-0123456789abcdef",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        # Three slashes and an absolute path: django-environ drops the path's own leading "/".
        EMAIL_URL=f"filemail:///{workdir / 'mail'}",
        # The load comes from one address and one key: lift the per-address tracking
        # limit and the per-key API limit, or the test would measure only 429s.
        TRACKING_LOOKUP_LIMIT="1000000",
        API_THROTTLE_RATE="1000000/min",
        # Sweep notifications 20 s after their message was lost, not 3 minutes.
        NOTIFICATION_RESEND_AFTER_SECONDS="20",
        LOG_LEVEL="WARNING",
        # gunicorn.conf.py is read too (from the project folder): keep it on loopback.
        HOST="127.0.0.1",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        PYTHONUNBUFFERED="1",
    )
    return env


class Processes:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log_path = self.workdir / f"{name}.log"
        process = subprocess.Popen(  # noqa: S603 - fixed commands
            command,
            cwd=ROOT,
            env=env,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((name, process, log_path))
        return process

    def dead(self) -> list[str]:
        return [name for name, process, _ in self.started if process.poll() is not None]

    def stop_all(self) -> None:
        for _name, process, _ in reversed(self.started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for _name, process, _ in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_http(port: int, path: str, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"http://127.0.0.1:{port}{path} did not answer 200 within {timeout} s")


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {port} did not open within {timeout} s")
        time.sleep(0.2)


# -- the checks ------------------------------------------------------------------


def database():
    return psycopg2.connect(dbname=DATABASE, host="127.0.0.1", port=PG_PORT, user="postgres")


def pending_counts() -> tuple[int, int]:
    with database() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_notification WHERE status = 'pending'")
        notifications = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM orders_webhookevent WHERE status = 'pending'")
        webhooks = cursor.fetchone()[0]
    connection.close()
    return notifications, webhooks


def mail_counts(mail_dir: Path) -> tuple[Counter[str], Counter[str]]:
    """Messages per recipient and per notification id in the file backend's output."""
    per_address: Counter[str] = Counter()
    per_notification: Counter[str] = Counter()
    if not mail_dir.exists():
        return per_address, per_notification
    for path in mail_dir.iterdir():
        text = path.read_text(errors="replace")
        for address in re.findall(r"^To: (.+)$", text, re.M):
            per_address[address.strip().lower()] += 1
        for notification in re.findall(r"^X-Notification-Id: (\d+)$", text, re.M):
            per_notification[notification] += 1
    return per_address, per_notification


def data_checks(created: dict[str, str], receiver: WebhookReceiver, mail_dir: Path) -> list:
    """Return (check, ok, detail) rows. `created`: order number -> e-mail, from the 201s."""
    rows = []
    with database() as connection, connection.cursor() as cursor:

        def one(sql: str) -> list:
            cursor.execute(sql)
            return cursor.fetchall()

        orders = dict(
            one(
                "SELECT o.number, c.email FROM orders_order o "
                "JOIN customers_customer c ON c.id = o.customer_id"
            )
        )
        missing = sorted(set(created) - set(orders))
        rows.append(
            (
                "every 201 order is in the database",
                not missing,
                f"{len(created)} answered 201, {len(orders)} orders stored; missing: {missing[:5]}",
            )
        )
        half = one(
            "SELECT o.number FROM orders_order o WHERE"
            " NOT EXISTS (SELECT 1 FROM orders_orderline l WHERE l.order_id = o.id)"
            " OR (SELECT count(*) FROM orders_orderline l WHERE l.order_id = o.id) <> 2"
            " OR NOT EXISTS (SELECT 1 FROM orders_orderevent e WHERE e.order_id = o.id"
            "   AND e.event_type = 'created' AND e.to_status = 'received')"
            " OR NOT EXISTS (SELECT 1 FROM orders_idempotencykey k WHERE k.order_id = o.id)"
        )
        orphan_keys = one("SELECT count(*) FROM orders_idempotencykey WHERE order_id IS NULL")[0][0]
        rows.append(
            (
                "no half-written order (2 lines, its `created` event, its idempotency key)",
                not half and not orphan_keys,
                f"incomplete orders: {[r[0] for r in half][:5]}; keys without an order: "
                f"{orphan_keys}",
            )
        )
        notes = one(
            "SELECT o.number, n.kind, n.status, count(*) FROM orders_order o "
            "LEFT JOIN customers_notification n ON n.order_id = o.id "
            "GROUP BY o.number, n.kind, n.status"
        )
        per_order: dict[str, list] = defaultdict(list)
        for number, kind, status, count in notes:
            per_order[number].append((kind, status, count))
        wrong = {n: v for n, v in per_order.items() if v != [("order_received", "sent", 1)]}
        rows.append(
            (
                "exactly one notification per order (order_received), sent",
                not wrong,
                f"{len(per_order)} orders; wrong: {dict(list(wrong.items())[:5])}",
            )
        )
        mails, per_notification = mail_counts(mail_dir)
        bad_mail = {
            e: mails.get(e.lower(), 0) for e in orders.values() if mails.get(e.lower()) != 1
        }
        repeated = {n: c for n, c in per_notification.items() if c != 1}
        rows.append(
            (
                "exactly one e-mail per order in the mail files (and per notification id)",
                not bad_mail and not repeated,
                f"{sum(mails.values())} messages for {len(orders)} orders; wrong: "
                f"{dict(list(bad_mail.items())[:5])}; notification ids sent more than once: "
                f"{dict(list(repeated.items())[:5])}",
            )
        )
        events = dict(
            one(
                "SELECT id::text, status FROM orders_webhookevent "
                "WHERE event_type = 'order.created'"
            )
        )
        undelivered = [i for i, s in events.items() if s != "delivered"]
        counts = Counter(receiver.deliveries[i] for i in events)
        rows.append(
            (
                "every order.created webhook delivered exactly once",
                len(events) == len(orders) and not undelivered and set(counts) <= {1},
                f"{len(events)} events for {len(orders)} orders; undelivered "
                f"{len(undelivered)}; deliveries per event: {dict(counts)}; repeated "
                f"(time, X-Webhook-Attempt): "
                f"{[receiver.times[i] for i in events if receiver.deliveries[i] > 1][:5]}",
            )
        )
    connection.close()
    return rows


# -- the outcome analysis -------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def analyse(outcomes: list[dict], windows: dict[str, tuple[float, float]]) -> tuple[list, dict]:
    def window_of(t: float) -> str:
        return next((name for name, (a, b) in windows.items() if a <= t <= b), "")

    summary: dict = {"by_name": {}, "outside": Counter(), "inside": defaultdict(Counter)}
    errors_outside, bad_inside = [], []
    for outcome in outcomes:
        status, window = outcome["status"], window_of(outcome["t"])
        label = str(status) if status else f"connection error ({outcome['error']})"
        if status == 503:
            label = "503 clean" if outcome["clean_503"] else "503 NOT in the documented shape"
        if window:
            summary["inside"][window][label] += 1
            allowed = status in SUCCESS or (window == "postgres" and outcome["clean_503"])
            if not allowed:
                bad_inside.append(outcome)
        else:
            summary["outside"][label] += 1
            if status not in SUCCESS:
                errors_outside.append(outcome)
    by_name: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        by_name[outcome["name"]].append(outcome["ms"])
    for name, times in sorted(by_name.items()):
        summary["by_name"][name] = (len(times), statistics.median(times), percentile(times, 0.95))
    calm = [o["ms"] for o in outcomes if not window_of(o["t"])]
    summary["calm"] = (len(calm), percentile(calm, 0.95))
    all_times = [o["ms"] for o in outcomes]
    summary["all"] = (
        len(all_times),
        statistics.median(all_times) if all_times else 0,
        percentile(all_times, 0.95),
    )
    checks = [
        (
            "no error outside the fault windows",
            not errors_outside,
            f"{len(errors_outside)}: {Counter((o['name'], o['status']) for o in errors_outside)}",
        ),
        (
            "inside the windows only clean 503s (PostgreSQL) and no failure at all (Redis)",
            not bad_inside,
            f"{len(bad_inside)}: {Counter((o['name'], o['status']) for o in bad_inside)}",
        ),
    ]
    redis_creates = [
        o for o in outcomes if o["name"] == "POST /api/v1/orders/" and window_of(o["t"]) == "redis"
    ]
    checks.append(
        (
            "order creation answered 201 while Redis was down",
            bool(redis_creates) and all(o["status"] == 201 for o in redis_creates),
            f"{len(redis_creates)} creations in the Redis window: "
            f"{dict(Counter(o['status'] for o in redis_creates))}",
        )
    )
    return checks, summary


def write_results(
    *, started: datetime, duration: float, outcomes, windows, summary, checks, notes: list[str]
) -> bool:
    ok = all(passed for _, passed, _ in checks)
    count, median, p95 = summary["all"]
    lines = [
        "# Load and fault test results",
        "",
        f"`make loadtest`, run {started:%Y-%m-%d %H:%M} UTC: {USERS} locust users for "
        f"{SECONDS} s against gunicorn (2 workers x 4 threads), a Celery worker and beat, "
        "on a 2-core machine shared with other jobs. "
        f"**{'All checks passed.' if ok else 'SOME CHECKS FAILED.'}**",
        "",
        f"- Requests: {count} in {duration:.0f} s, **{count / duration:.1f} requests/s**; "
        f"median {median:.0f} ms, **p95 {p95:.0f} ms** (p95 outside the fault windows: "
        f"{summary['calm'][1]:.0f} ms over {summary['calm'][0]} requests).",
        "- Fault windows (seconds after the start; from the command until "
        f"{GRACE:.0f} s after the server answered again):",
    ]
    t0 = started.timestamp()
    for name, (a, b) in windows.items():
        lines.append(f"  - {name}: {a - t0:.1f} s to {b - t0:.1f} s")
    lines += ["", "| request | count | median ms | p95 ms |", "| --- | ---: | ---: | ---: |"]
    for name, (n, med, p) in summary["by_name"].items():
        lines.append(f"| `{name}` | {n} | {med:.0f} | {p:.0f} |")
    lines += [
        "",
        "| outcome | outside the windows | PostgreSQL window | Redis window |",
        "| --- | ---: | ---: | ---: |",
    ]
    labels = sorted(set(summary["outside"]) | {k for c in summary["inside"].values() for k in c})
    for label in labels:
        lines.append(
            f"| {label} | {summary['outside'][label]} | "
            f"{summary['inside']['postgres'][label]} | {summary['inside']['redis'][label]} |"
        )
    lines += ["", "| check | result | detail |", "| --- | --- | --- |"]
    for name, passed, detail in checks:
        lines.append(f"| {name} | {'pass' if passed else '**FAIL**'} | {detail} |")
    if notes:
        lines += ["", *notes]
    RESULTS.write_text("\n".join(lines) + "\n")
    return ok


# -- the run ---------------------------------------------------------------------


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="orders-loadtest-"))
    workdir.chmod(0o755)
    postgres, redis = PrivatePostgres(workdir), PrivateRedis(workdir)
    processes = Processes(workdir)
    locust = None
    notes: list[str] = []
    try:
        log(f"private PostgreSQL on {PG_PORT} and Redis on {REDIS_PORT} in {workdir}")
        postgres.start_fresh()
        redis.start()
        env = app_env(workdir)
        python = str(BIN / "python")
        run([python, "manage.py", "migrate", "--noinput"], env=env, timeout=300)
        run([python, "manage.py", "collectstatic", "--noinput"], env=env, timeout=300)
        receiver = WebhookReceiver()
        output = run(
            [
                python,
                "manage.py",
                "create_storefront",
                "Load Shop",
                "--currency",
                "VND",
                "--webhook-url",
                receiver.url,
            ],
            env=env,
        ).stdout
        api_key = re.search(r"API key: (\S+)", output).group(1)

        port = free_port()
        processes.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "orders_project.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--threads=4",
                "--worker-class=gthread",
                "--keep-alive=30",
                "--timeout=60",
            ],
            env,
        )
        processes.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "orders_project",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=2",
                "-Q",
                "default,webhooks,notifications,reports",
            ],
            env,
        )
        processes.start(
            "beat", [str(BIN / "celery"), "-A", "orders_project", "beat", "--loglevel=WARNING"], env
        )
        wait_http(port, "/readyz")

        outcomes_path = workdir / "outcomes.jsonl"
        locust_env = {**env, "LOADTEST_API_KEY": api_key, "LOADTEST_OUTCOMES": str(outcomes_path)}
        log(f"locust: {USERS} users for {SECONDS} s on http://127.0.0.1:{port}")
        started = datetime.now(UTC)
        t0 = time.time()
        locust = subprocess.Popen(  # noqa: S603 - fixed command
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                str(USERS),
                "-t",
                f"{SECONDS}s",
                "--stop-timeout",
                "10",
                "--host",
                f"http://127.0.0.1:{port}",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=locust_env,
            stdout=(workdir / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        windows: dict[str, tuple[float, float]] = {}

        time.sleep(max(0.0, t0 + PG_RESTART_AT - time.time()))
        log("restarting PostgreSQL")
        a = time.time()
        postgres.restart()
        windows["postgres"] = (a, time.time() + GRACE)
        log(f"PostgreSQL back after {time.time() - a:.1f} s")

        time.sleep(max(0.0, t0 + REDIS_STOP_AT - time.time()))
        log("stopping Redis")
        a = time.time()
        redis.stop()
        time.sleep(REDIS_DOWN_SECONDS)
        redis.start()
        windows["redis"] = (a, time.time() + GRACE)
        log(f"Redis back after {time.time() - a:.1f} s")

        locust.wait(timeout=SECONDS + 60)
        duration = time.time() - t0
        log(f"locust done after {duration:.0f} s; draining the outboxes")
        deadline = time.monotonic() + DRAIN_SECONDS
        pending = pending_counts()
        while pending != (0, 0) and time.monotonic() < deadline:
            time.sleep(5)
            pending = pending_counts()
        drained_after = DRAIN_SECONDS - (deadline - time.monotonic())
        log(f"pending notifications/webhooks {pending} after {drained_after:.0f} s")
        time.sleep(3)  # a message sent right now still has its file to write

        outcomes = [json.loads(line) for line in outcomes_path.read_text().splitlines() if line]
        created = {o["number"]: "" for o in outcomes if o["status"] == 201 and o["number"]}
        checks, summary = analyse(outcomes, windows)
        checks.append(
            (
                "the outboxes drained (beat's sweepers re-queued what Redis lost)",
                pending == (0, 0),
                f"pending (notifications, webhooks) = {pending} "
                f"{drained_after:.0f} s after the load",
            )
        )
        checks += data_checks(created, receiver, workdir / "mail")
        dead = processes.dead()
        checks.append(
            (
                "gunicorn, worker and beat survived both faults",
                not dead,
                f"exited: {dead}" if dead else "all running",
            )
        )
        ok = write_results(
            started=started,
            duration=duration,
            outcomes=outcomes,
            windows=windows,
            summary=summary,
            checks=checks,
            notes=notes,
        )
        for name, passed, detail in checks:
            log(f"{'pass' if passed else 'FAIL'}: {name}: {detail}")
        log(f"results in {RESULTS}")
        return 0 if ok else 1
    finally:
        if locust is not None and locust.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(locust.pid, signal.SIGKILL)
        processes.stop_all()
        redis.stop()
        postgres.stop()
        if os.environ.get("LOADTEST_KEEP"):
            log(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
