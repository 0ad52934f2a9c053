"""`manage.py import_orders FILE --storefront CODE`: summary, row errors, exit status."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connectors.models import ImportJob
from customers.models import Customer
from orders.models import Order
from orders.tests.factories import StorefrontFactory

from .test_imports import GOOD_AND_BAD

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return StorefrontFactory(code="imp", currency="VND")


@pytest.fixture
def orders_csv(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(GOOD_AND_BAD)
    return path


def import_orders(*args: str) -> str:
    out = StringIO()
    call_command("import_orders", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_and_prints_a_summary_and_each_row_not_imported(shop, orders_csv):
    output = import_orders(str(orders_csv), "--storefront", "imp")

    assert "2 orders created, 0 already there, 1 refused (5 rows; import #" in output
    assert "row 5 (external_id A-3): Not imported: row 6 of the same order is wrong." in output
    assert "row 6 (external_id A-3): quantity: Must be a whole number above 0." in output
    assert Order.objects.filter(storefront=shop).count() == 2
    assert ImportJob.objects.get().orders_created == 2

    again = import_orders(str(orders_csv), "--storefront", "imp")

    assert "0 orders created, 2 already there, 1 refused" in again
    assert Order.objects.count() == 2


def test_a_dry_run_writes_nothing(shop, orders_csv):
    output = import_orders(str(orders_csv), "--storefront", "imp", "--dry-run")

    assert "Dry run, nothing written: 2 orders would be created, 0 already there, 1 refused" in (
        output
    )
    assert "row 6 (external_id A-3): quantity:" in output
    assert (Order.objects.count(), Customer.objects.count(), ImportJob.objects.count()) == (0, 0, 0)


def test_strict_exits_nonzero_when_a_row_was_refused(shop, orders_csv):
    with pytest.raises(CommandError, match="2 rows not imported") as raised:
        import_orders(str(orders_csv), "--storefront", "imp", "--strict")
    assert raised.value.returncode == 1
    assert Order.objects.count() == 2  # the good orders are in all the same


def test_the_format_option_reads_a_file_whose_name_does_not_say(shop, tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(GOOD_AND_BAD)

    assert "2 orders created" in import_orders(str(path), "--storefront", "imp", "--format", "csv")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--storefront", "nope"], "No active storefront has the code 'nope'"),
        (["--storefront", "imp", "--format", "xlsx"], "not an XLSX file"),
    ],
)
def test_an_unknown_storefront_or_unreadable_file_stops_the_command(
    shop, orders_csv, args, message
):
    with pytest.raises(CommandError, match=message):
        import_orders(str(orders_csv), *args)
    assert Order.objects.count() == 0


def test_a_missing_file_or_missing_columns_stop_the_command(shop, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_orders(str(tmp_path / "missing.csv"), "--storefront", "imp")
    path = tmp_path / "short.csv"
    path.write_text("external_id,sku\nA,B\n")
    with pytest.raises(CommandError, match="missing: customer_email"):
        import_orders(str(path), "--storefront", "imp")
