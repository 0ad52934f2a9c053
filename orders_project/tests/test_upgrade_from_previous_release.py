"""A database made by the previous release, with its demo data, migrates forward intact.

The layout of the apps changed (models moved to new apps with their tables kept,
history rows got typed kinds): this runs the previous release's own `migrate` and
`seed_demo` on a scratch database, then this code's `migrate`, and compares every
table's row count, the sum of the order totals and the sum of the ledger.

It uses a scratch PostgreSQL database when DATABASE_URL is PostgreSQL (as in CI),
else a SQLite file, and the previous release's files from git history.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .processes import PROJECT_DIR, child_environment

# The last release before the layout changed (issue 15): main at 60d287d.
PREVIOUS_RELEASE = "60d287dac5f06f6a38e7cf22518b4949078652cf"

# Counts each table of the database it runs against, and the two money sums; run with
# the code of whichever release is being looked at, so it names no model.
_MEASURE = """
import json
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    cursor.execute('SELECT COALESCE(SUM(total), 0) FROM orders_order')
    orders_total = str(cursor.fetchone()[0])
    cursor.execute('SELECT COALESCE(SUM(amount), 0) FROM reports_ledgerentry')
    ledger_total = str(cursor.fetchone()[0])
print("MEASURE" + json.dumps({"counts": counts, "orders": orders_total, "ledger": ledger_total}))
"""

# Tables that may only grow: new apps and models add content types and permissions,
# and every migration adds a row to django_migrations.
MAY_GROW = {"django_migrations", "django_content_type", "auth_permission"}

# What this code's seed_demo adds to a database seeded before its scenes existed: today's
# work (carrier scans, supplier requests, a wave pick list, a bulk job, a finance report
# run, the published API key) and what that work writes (history, e-mails, alerts).
SCENE_TABLES = {
    "fulfillment_trackingevent",
    "fulfillment_supplierrequest",
    "fulfillment_supplierrequestline",
    "fulfillment_picklist",
    "fulfillment_picklist_orders",
    "orders_bulkjob",
    "orders_bulkjobitem",
    "reports_reportrun",
    "orders_storefrontapikey",
    "orders_orderevent",
    "orders_slaalert",
    "customers_notification",
    # seed_demo syncs the roles, which gives them this code's new permissions.
    "auth_group_permissions",
    # A refund waiting for finance: care takes a return on a paid, delivered order.
    "fulfillment_aftersalesrequest",
    "fulfillment_aftersalesline",
}
# The scenes themselves, each of which must now be there.
SCENES = {
    "fulfillment_trackingevent",
    "fulfillment_supplierrequest",
    "fulfillment_picklist",
    "orders_bulkjob",
    "reports_reportrun",
}


def _previous_release(into: Path) -> Path:
    git = shutil.which("git")
    if git is None or not (PROJECT_DIR / ".git").exists():
        pytest.skip("needs the project's git history (a clone, not an export)")
    archive = subprocess.run(
        [git, "archive", "--format=tar", PREVIOUS_RELEASE],
        cwd=PROJECT_DIR,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"the previous release {PREVIOUS_RELEASE[:7]} is not in this clone's history")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def _manage(code: Path, database_url: str, *args: str, media: Path | None = None) -> str:
    # E-mails stay in memory and files (a report run's) go to the test's folder.
    environment = child_environment(DATABASE_URL=database_url, DEBUG="1", EMAIL_URL="memorymail://")
    if media is not None:
        environment["MEDIA_ROOT"] = str(media)
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):  # tasks run in process, none queued
        environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=code,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}"
    return done.stdout


def _measure(code: Path, database_url: str) -> dict:
    output = _manage(code, database_url, "shell", "-c", _MEASURE)
    (line,) = [line for line in output.splitlines() if line.startswith("MEASURE")]
    return json.loads(line.removeprefix("MEASURE"))


@pytest.fixture
def scratch_database_url(tmp_path):
    """A database of this test's own: on the PostgreSQL server of DATABASE_URL, or SQLite."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    import psycopg2

    name = f"upgrade_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(configured)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


@pytest.mark.slow
def test_demo_database_of_the_previous_release_migrates_with_every_row_and_amount(
    tmp_path, scratch_database_url
):
    previous = _previous_release(tmp_path / "previous")
    _manage(previous, scratch_database_url, "migrate", "--noinput", "-v", "0")
    _manage(previous, scratch_database_url, "seed_demo")
    before = _measure(previous, scratch_database_url)

    _manage(PROJECT_DIR, scratch_database_url, "migrate", "--noinput", "-v", "0")
    after = _measure(PROJECT_DIR, scratch_database_url)

    assert before["counts"]["orders_order"] > 100  # the demo data really is there
    assert before["counts"]["reports_ledgerentry"] > 0
    kept = {table: count for table, count in before["counts"].items() if table not in MAY_GROW}
    assert {table: after["counts"].get(table) for table in kept} == kept
    for table in MAY_GROW:
        assert after["counts"][table] >= before["counts"][table]
    assert (after["orders"], after["ledger"]) == (before["orders"], before["ledger"])
    # The new code reads the old rows: its seed finds the orders there and adds none, only
    # the scenes of today's work that the previous release did not have; once.
    _manage(PROJECT_DIR, scratch_database_url, "seed_demo", media=tmp_path / "media")
    again = _measure(PROJECT_DIR, scratch_database_url)
    unchanged = {table: count for table, count in kept.items() if table not in SCENE_TABLES}
    assert {table: again["counts"].get(table) for table in unchanged} == unchanged
    for table in SCENE_TABLES:
        assert again["counts"][table] >= before["counts"].get(table, 0), table
    for table in SCENES:
        assert again["counts"][table] > before["counts"].get(table, 0), table
    assert (again["orders"], again["ledger"]) == (before["orders"], before["ledger"])
    _manage(PROJECT_DIR, scratch_database_url, "seed_demo", media=tmp_path / "media")
    assert _measure(PROJECT_DIR, scratch_database_url)["counts"] == again["counts"]
