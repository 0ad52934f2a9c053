"""Helpers for tests that run the project's real server and worker processes."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # gunicorn and celery from the tests' virtualenv

# Variables of the test run that must not leak into a child process.
_NOT_INHERITED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}


def child_environment(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="orders_project.settings",
        PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ProjectProcess:
    """A command of the project in its own process group, its output in a log file."""

    def __init__(self, args: list[str], *, env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args,
            cwd=PROJECT_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, sig: int) -> None:
        """Send `sig` to the main process only, as Docker and Kubernetes do."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, sig)

    def wait_for(self, predicate: Callable[[], object], *, timeout: float, what: str) -> object:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.process.poll() is not None:
                pytest.fail(f"{what}: process exited ({self.process.returncode}):\n{self.tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {what}:\n{self.tail()}")
            time.sleep(0.05)

    def wait_for_log(self, text: str, *, timeout: float) -> None:
        self.wait_for(lambda: text in self.log(), timeout=timeout, what=f"{text!r} in the log")

    def tail(self) -> str:
        return self.log()[-4000:]

    def stop(self) -> None:
        """Make sure nothing of this process is left, whatever the test did."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any child left behind
        self._log.close()
