"""Test-only Celery task, imported by the worker processes of test_graceful_shutdown.py.

It appends "start <id> <pid>" to a marker file, sleeps, then appends "done <id> <pid>",
so a test can tell a task that finished from one that was cut off or ran twice.
"""

import os
import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.slow_marker")
def slow_marker(marker_path: str, task_id: str, seconds: float = 2.0) -> None:
    """Append a start line, sleep `seconds`, append a done line (each flushed at once)."""
    marker = Path(marker_path)
    with marker.open("a") as file:
        file.write(f"start {task_id} {os.getpid()}\n")
    time.sleep(seconds)
    with marker.open("a") as file:
        file.write(f"done {task_id} {os.getpid()}\n")
