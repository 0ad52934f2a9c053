"""The Procfile, compose.yaml, the Dockerfile and the Makefile start the same processes.

`make stack` (honcho), `docker compose up` and the separate make targets must not drift
apart: a flag added to one command and not the others would make the stacks behave
differently. Also checks what gunicorn.conf.py reads from the environment.
"""

import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import types

import pytest
import yaml

from shared.tests.scratch_redis import scratch_redis_url

from .processes import PROJECT_DIR

MIGRATE = 'sh -c "python manage.py migrate --noinput && python manage.py sync_roles"'


def procfile() -> dict[str, str]:
    entries = {}
    for line in (PROJECT_DIR / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def compose() -> dict:
    return yaml.safe_load((PROJECT_DIR / "compose.yaml").read_text())


def makefile_recipe(target: str) -> list[str]:
    lines = (PROJECT_DIR / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_the_procfile_runs_web_first_then_worker_and_beat():
    # honcho gives the first process the --port of `make stack` (PORT), the others +100 each.
    assert list(procfile()) == ["web", "worker", "beat"]
    assert procfile()["web"] == "gunicorn --config gunicorn.conf.py orders_project.wsgi"


def test_compose_yaml_parses_and_runs_the_procfiles_commands():
    services = compose()["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name, command in procfile().items():
        assert services[name]["command"] == command, name
    assert services["migrate"]["command"] == MIGRATE
    assert services["migrate"]["restart"] == "no"


def test_compose_gives_every_app_service_the_same_image_and_settings():
    services = compose()["services"]
    apps = [services[name] for name in ("migrate", "web", "worker", "beat")]

    assert {app["image"] for app in apps} == {"orders-app"}
    assert all(app["environment"] == apps[0]["environment"] for app in apps)
    environment = apps[0]["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")  # required, no default
    # web, worker and beat wait for the migration to have finished.
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}
    # Longer than gunicorn's graceful_timeout, so requests in flight can finish.
    assert services["web"]["stop_grace_period"] == "40s"


def test_the_dockerfile_runs_the_procfiles_web_command_as_a_user_other_than_root():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    lines = dockerfile.splitlines()
    instructions = [line.split(maxsplit=1) for line in lines if line[:1].isupper()]

    assert instructions[0] == ["FROM", "python:3.11-slim"]
    cmd = [rest for keyword, rest in instructions if keyword == "CMD"]
    assert len(cmd) == 1
    assert " ".join(yaml.safe_load(cmd[0])) == procfile()["web"]
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users == ["app"]
    assert "collectstatic --noinput" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile


def test_make_worker_beat_and_stack_use_the_procfiles_commands():
    assert makefile_recipe("worker") == ["$(BIN)/" + procfile()["worker"]]
    assert makefile_recipe("beat") == ["$(BIN)/" + procfile()["beat"]]
    stack = makefile_recipe("stack")
    assert "DEBUG=0 $(MANAGE) migrate --noinput" in stack
    # A release's new permissions reach the role groups on every deploy.
    assert "DEBUG=0 $(MANAGE) sync_roles" in stack
    assert "DEBUG=0 $(MANAGE) collectstatic --noinput" in stack
    assert any("honcho --env /dev/null start --port $(PORT)" in line for line in stack)


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="needs GNU make")
def test_make_stack_refuses_to_start_without_its_configuration():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "MAKEFLAGS"}
    }
    env["REDIS_URL"] = scratch_redis_url()
    result = subprocess.run(
        # -o install: do not (re)install the virtualenv for this check.
        [MAKE, "--no-print-directory", "-o", "install", "stack"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "make stack: set DATABASE_URL SECRET_KEY ALLOWED_HOSTS in the environment" in (
        result.stderr
    )
    assert "migrate" not in result.stdout


def gunicorn_config(monkeypatch, **environment: str) -> dict:
    for name in ("HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(PROJECT_DIR / "gunicorn.conf.py"))


def test_gunicorn_conf_defaults(monkeypatch):
    config = gunicorn_config(monkeypatch)

    assert config["bind"] == ["0.0.0.0:8000"]
    assert (config["workers"], config["threads"]) == (2, 1)
    assert (config["timeout"], config["graceful_timeout"]) == (30, 30)
    assert (config["accesslog"], config["errorlog"]) == ("-", "-")


def test_gunicorn_conf_reads_port_and_concurrency_from_the_environment(monkeypatch):
    config = gunicorn_config(
        monkeypatch,
        HOST="127.0.0.1",
        PORT="9123",
        WEB_CONCURRENCY="5",
        GUNICORN_THREADS="4",
        GUNICORN_TIMEOUT="60",
    )

    assert config["bind"] == ["127.0.0.1:9123"]
    assert (config["workers"], config["threads"], config["timeout"]) == (5, 4, 60)


@pytest.mark.parametrize(
    ("threads", "environment", "interval"),
    [(4, {}, 0.0005), (4, {"GUNICORN_SWITCH_INTERVAL_MS": "2"}, 0.002), (1, {}, None)],
)
def test_threaded_workers_hand_the_gil_over_sooner(monkeypatch, threads, environment, interval):
    before = sys.getswitchinterval()
    post_fork = gunicorn_config(monkeypatch, **environment)["post_fork"]
    worker = types.SimpleNamespace(cfg=types.SimpleNamespace(threads=threads))
    try:
        post_fork(server=None, worker=worker)
        assert sys.getswitchinterval() == pytest.approx(interval or before)
    finally:
        sys.setswitchinterval(before)


def test_procfile_commands_are_plain_commands_honcho_and_compose_read_alike():
    # compose runs a string command without a shell: no pipes, variables or quotes.
    for command in procfile().values():
        assert shlex.split(command) == command.split()
        assert not set(command) & set("$|&;<>'\"`")


def operations_section() -> str:
    readme = (PROJECT_DIR / "README.md").read_text()
    start = readme.index("\n## Operations\n")
    return readme[start : readme.index("\n## ", start + 1)]


def test_the_operations_section_lists_every_variable_the_settings_and_gunicorn_read():
    sources = (PROJECT_DIR / "orders_project" / "settings.py").read_text()
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_0-9]+)\"", sources))
    gunicorn = (PROJECT_DIR / "gunicorn.conf.py").read_text()
    read |= set(re.findall(r"(?:_int|environ\.get)\(\s*[\"']([A-Z_0-9]+)[\"']", gunicorn))
    table_rows = [line for line in operations_section().splitlines() if line.startswith("| `")]
    documented = {name for row in table_rows for name in re.findall(r"`([A-Z_0-9]+)`", row)}

    assert len(read) > 40
    assert read - documented == set()


def _make_run_commands(**variables: str) -> str:
    """What `make run` would run (make -n), without installing or migrating."""
    env = {key: value for key, value in os.environ.items() if key not in {"MAKEFLAGS"}}
    env.pop("PUBLIC_BASE_URL", None)
    env.update(variables.pop("environment", {}))
    result = subprocess.run(
        [MAKE, "--no-print-directory", "-n", "-o", "install", "-o", "migrate", "run"]
        + [f"{name}={value}" for name, value in variables.items()],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.skipif(MAKE is None, reason="needs GNU make")
def test_make_run_gives_its_port_to_the_seeded_links_the_server_and_the_worker():
    commands = _make_run_commands(PORT="8101")

    assert "seed_demo --base-url http://127.0.0.1:8101" in commands
    assert "PUBLIC_BASE_URL=http://127.0.0.1:8101 .venv/bin/python manage.py runserver " in (
        commands
    )
    assert "runserver 127.0.0.1:8101" in commands
    assert "PUBLIC_BASE_URL=http://127.0.0.1:8101 .venv/bin/celery" in commands
    assert "8000" not in commands


@pytest.mark.skipif(MAKE is None, reason="needs GNU make")
def test_a_public_base_url_in_the_environment_wins_over_make_runs_port():
    commands = _make_run_commands(
        PORT="8101", environment={"PUBLIC_BASE_URL": "https://orders.example.com"}
    )

    assert "seed_demo --base-url https://orders.example.com" in commands
    assert "runserver 127.0.0.1:8101" in commands
    assert "PUBLIC_BASE_URL=https://orders.example.com .venv/bin/python manage.py runserver" in (
        commands
    )
