"""A Celery worker stopped in the middle of a task loses no task.

Real `celery worker` processes (the Procfile's command, prefork pool, one child) run
the test-only task in orders_project/tests/slow_tasks.py, which writes "start" and
"done" lines to a marker file around a 2-second sleep, against the scratch Redis database:

- SIGTERM to the worker (what Docker, Kubernetes and systemd's KillMode=mixed send):
  warm shutdown, the task finishes and is acknowledged, nothing stays queued;
- SIGKILL of the pool child running the task: the worker hands the message back
  (task_acks_late + task_reject_on_worker_lost) and the task runs again to the end;
- SIGKILL of the whole worker: the message stays in Redis' unacked set and is given to
  the next worker once the visibility timeout has passed (2 days by default; the test
  starts the next worker with CELERY_VISIBILITY_TIMEOUT=1).

Skipped unless Redis answers at
the scratch database (TEST_REDIS_URL, see shared/tests/scratch_redis.py).
The worker touches no database.
"""

import os
import signal
import time
import uuid

import pytest
from celery import Celery

from shared.tests.scratch_redis import scratch_redis_url

from .processes import BIN, ProjectProcess, child_environment

BROKER_URL = scratch_redis_url()  # flushed before and after
TASK_SECONDS = 2.0
WORKER_COMMAND = [
    # The Procfile's worker line ...
    str(BIN / "celery"),
    "-A",
    "orders_project",
    "worker",
    "--loglevel",
    "INFO",
    "-Q",
    "default,webhooks,notifications,reports",
    # ... with one pool child, a quicker start and the test task.
    "--concurrency",
    "1",
    "--without-heartbeat",
    "--without-mingle",
    "--without-gossip",
    "--include",
    "orders_project.tests.slow_tasks",
]


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _redis_answers(), reason=f"needs Redis at {BROKER_URL}"),
]


@pytest.fixture
def broker():
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def producer(broker):
    """A Celery client of its own, so the tests' app (eager, other broker) stays as it is."""
    app = Celery("graceful-shutdown-test", broker=BROKER_URL)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def workers(tmp_path, broker):
    """`start(**env)` starts a worker and waits until it is ready; all are stopped after."""
    started: list[ProjectProcess] = []

    def start(**environment: str) -> ProjectProcess:
        worker = ProjectProcess(
            WORKER_COMMAND,
            env=child_environment(REDIS_URL=BROKER_URL, **environment),
            log_path=tmp_path / f"worker-{len(started)}.log",
        )
        started.append(worker)
        worker.wait_for_log(" ready.", timeout=20)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "marker.txt"
    path.touch()
    return path


def send(producer: Celery, marker) -> str:
    task_id = uuid.uuid4().hex
    producer.send_task(
        "tests.slow_marker",
        args=[str(marker), task_id, TASK_SECONDS],
        task_id=task_id,
        queue="default",
    )
    return task_id


def lines(marker) -> list[list[str]]:
    return [line.split() for line in marker.read_text().splitlines()]


def started_child(worker: ProjectProcess, marker, task_id: str, *, count: int = 1) -> int:
    """Wait until the task has started `count` times; return the pid of the child running it."""
    worker.wait_for(
        lambda: sum(line[:2] == ["start", task_id] for line in lines(marker)) >= count,
        timeout=10,
        what=f"the task to start (time {count})",
    )
    return int([line for line in lines(marker) if line[0] == "start"][-1][2])


def nothing_left_in(broker, *, within: float = 5.0) -> bool:
    """No message waits in a queue and none is delivered but unacknowledged.

    The pool child logs "succeeded" before the worker's main process acknowledges
    the message (task_acks_late), so the broker is polled for a few seconds rather
    than read once right after the log line.
    """
    deadline = time.monotonic() + within
    while True:
        queued = sum(broker.llen(queue) for queue in ("default", "webhooks", "notifications"))
        if queued == 0 and broker.hlen("unacked") == 0 and broker.zcard("unacked_index") == 0:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def test_sigterm_is_a_warm_shutdown_that_finishes_the_task_in_flight(
    producer, workers, marker, broker
):
    worker = workers()
    task_id = send(producer, marker)
    started_child(worker, marker, task_id)

    worker.signal(signal.SIGTERM)
    returncode = worker.process.wait(timeout=15)

    assert returncode == 0, worker.tail()
    assert [line[:2] for line in lines(marker)] == [["start", task_id], ["done", task_id]]
    log = worker.log()
    assert "worker: Warm shutdown" in log
    assert f"Task tests.slow_marker[{task_id}] succeeded" in log
    assert nothing_left_in(broker)


def test_a_pool_child_killed_mid_task_gives_the_task_back_and_it_runs_again(
    producer, workers, marker, broker
):
    worker = workers()
    task_id = send(producer, marker)
    child = started_child(worker, marker, task_id)

    os.kill(child, signal.SIGKILL)
    worker.wait_for_log(f"Task tests.slow_marker[{task_id}] succeeded", timeout=15)

    steps = [line[:2] for line in lines(marker)]
    assert steps == [["start", task_id], ["start", task_id], ["done", task_id]]
    assert "WorkerLostError" in worker.log()
    assert nothing_left_in(broker)


def test_a_worker_killed_hard_leaves_the_task_to_the_next_worker_after_the_visibility_timeout(
    producer, workers, marker, broker
):
    first = workers()
    task_id = send(producer, marker)
    started_child(first, marker, task_id)

    os.killpg(first.pid, signal.SIGKILL)  # no warm shutdown, no acknowledgement
    first.process.wait(timeout=10)
    killed_at = time.monotonic()
    assert [line[:2] for line in lines(marker)] == [["start", task_id]]
    # Parked, not lost: delivered to a worker that never acknowledged it.
    assert broker.hlen("unacked") == 1
    assert broker.llen("default") == 0

    time.sleep(max(0.0, 1.5 - (time.monotonic() - killed_at)))  # the 1 s timeout has passed
    second = workers(CELERY_VISIBILITY_TIMEOUT="1")
    second.wait_for_log(f"Task tests.slow_marker[{task_id}] succeeded", timeout=15)

    assert [line[:2] for line in lines(marker)] == [
        ["start", task_id],
        ["start", task_id],
        ["done", task_id],
    ]
    assert nothing_left_in(broker)
