"""Orders from a file: rows checked and grouped into orders, then created through order_create.

One row is one order line; rows with the same `external_id` are one order,
wherever they stand in the file (in the order each id first appears). The
order-level columns (customer, address, payment) are read from an order's
first row; a later row may leave them empty or repeat them, and a different
value there is an error on that row. `shipping_price`, `discount_total` and
`tax_total` are read once, from the first row (later rows' values are not read).

A bad row refuses its whole order: every row of that order is reported, the bad
one with its error and the others as "not imported". Orders are checked with
the creation service's own rules (amounts in the storefront currency's minor
units, totals within the money columns) before anything is written, so a
preview or a dry run says what an import will do without writing anything.
Each good order is then created in its own transaction; an external id the
storefront already has is counted as "already there" and left alone, so a file
imported twice creates nothing new.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Address, Customer
from orders.models import Order, OrderLine, PaymentMethod, PaymentStatus, Storefront
from orders.services import order_create, order_total_compute
from shared.actors import Actor
from shared.errors import OrderConflict, OrderError
from shared.money import MONEY_LIMIT, amount_in_minor_units
from shared.parsing import INTEGER_MAX

from .import_files import FileRow, OrderFile

# Columns that describe the order, not the line: the same on each row of an order.
_CUSTOMER_COLUMNS = {"customer_email": "email", "customer_name": "name", "customer_phone": "phone"}
_ADDRESS_COLUMNS = {
    "ship_name": "name",
    "ship_line1": "line1",
    "ship_line2": "line2",
    "ship_city": "city",
    "ship_province": "province",
    "ship_postal_code": "postal_code",
    "ship_country": "country",
}
_PAYMENT_COLUMNS = ("payment_method", "payment_status")
ORDER_COLUMNS: tuple[str, ...] = (*_CUSTOMER_COLUMNS, *_ADDRESS_COLUMNS, *_PAYMENT_COLUMNS)
# Read from an order's first row only (DESIGN.md: the shipping price is read once).
FIRST_ROW_AMOUNTS: tuple[str, ...] = ("shipping_price", "discount_total", "tax_total")

_REQUIRED = frozenset(
    {
        "customer_email",
        "customer_name",
        "ship_line1",
        "ship_city",
        "ship_country",
        "sku",
        "name",
        "quantity",
        "unit_price",
        "payment_method",
    }
)
# What each column's database field holds: longer text would fail as a database error.
_MAX_LENGTHS: dict[str, int] = {
    "external_id": Order._meta.get_field("external_id").max_length,
    **{
        column: Customer._meta.get_field(name).max_length
        for column, name in _CUSTOMER_COLUMNS.items()
    },
    **{
        column: Address._meta.get_field(name).max_length
        for column, name in _ADDRESS_COLUMNS.items()
        if column != "ship_country"  # two letters, checked as such
    },
    **{name: OrderLine._meta.get_field(name).max_length for name in ("sku", "name", "category")},
}
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_ARRIVAL_PAYMENT_STATUSES = (PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED, PaymentStatus.PAID)


@dataclass(frozen=True)
class RowError:
    """Why a row was not imported; `field` is the column ("" for the row as a whole)."""

    row: int
    external_id: str
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "external_id": self.external_id,
            "field": self.field,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.external_id:
            where += f" (external_id {self.external_id})"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


@dataclass
class FileOrder:
    """One order of the file: its rows and, once they all passed, order_create's fields."""

    external_id: str
    rows: list[int] = field(default_factory=list)
    order_values: dict[str, str] = field(default_factory=dict)  # from the first row
    lines: list[dict[str, Any]] = field(default_factory=list)
    amounts: dict[str, Decimal] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    exists: bool = False  # the storefront already has an order with this external id
    total: Decimal = Decimal("0.00")

    @property
    def first_row(self) -> int:
        return self.rows[0]

    @property
    def is_bad(self) -> bool:
        return bool(self.errors)

    def create_fields(self) -> dict[str, Any]:
        """Keyword arguments of `order_create` (add storefront, actor and note)."""
        values = self.order_values
        customer = {key: values[column] for column, key in _CUSTOMER_COLUMNS.items()}
        address = {key: values[column] for column, key in _ADDRESS_COLUMNS.items()}
        # The recipient is the customer unless the file names someone else.
        address["name"] = address["name"] or customer["name"]
        return {
            "external_id": self.external_id,
            "customer": customer,
            "shipping_address": address,
            "lines": [dict(line) for line in self.lines],
            "payment_method": values["payment_method"],
            "payment_status": values["payment_status"],
            **self.amounts,
        }


@dataclass
class ImportCheck:
    """A file checked for a storefront: what an import would create, skip and refuse."""

    file: OrderFile
    storefront: Storefront
    orders: list[FileOrder]
    # Rows that belong to no order (no external id): reported, never imported.
    loose_errors: list[RowError] = field(default_factory=list)

    @property
    def rows_total(self) -> int:
        return len(self.file.rows)

    @property
    def to_create(self) -> list[FileOrder]:
        return [order for order in self.orders if not order.is_bad and not order.exists]

    @property
    def existing(self) -> list[FileOrder]:
        # Left alone whatever its rows say now: nothing of it would be written anyway.
        return [order for order in self.orders if order.exists]

    @property
    def refused(self) -> list[FileOrder]:
        return [order for order in self.orders if order.is_bad and not order.exists]

    def row_errors(self) -> list[RowError]:
        """Every row not imported, by row number."""
        errors = [*self.loose_errors]
        for order in self.refused:
            errors += order_row_errors(order)
        return sorted(errors, key=lambda error: (error.row, error.field))


def order_row_errors(order: FileOrder) -> list[RowError]:
    """The order's own errors, and "not imported" for each of its other rows."""
    bad_rows = {error.row for error in order.errors}
    first_bad = min(bad_rows)
    others = [
        RowError(
            row=row,
            external_id=order.external_id,
            field="",
            message=_("Not imported: row %(row)s of the same order is wrong.") % {"row": first_bad},
        )
        for row in order.rows
        if row not in bad_rows
    ]
    return [*order.errors, *others]


def import_check(order_file: OrderFile, *, storefront: Storefront) -> ImportCheck:
    """Check every row of `order_file` for `storefront` and group them into orders.

    Writes nothing. Orders the storefront already has (by external id) are marked
    `exists`; they are reported as "already there" and not checked further.
    """
    orders: dict[str, FileOrder] = {}
    loose_errors = []
    for row in order_file.rows:
        external_id = row.cells["external_id"].strip()
        if not external_id:
            loose_errors.append(
                RowError(row.number, "", "external_id", _("Required: the order's id."))
            )
            continue
        order = orders.setdefault(external_id, FileOrder(external_id=external_id))
        _row_add(order, row, currency=storefront.currency)
    existing = _external_ids_existing(storefront, list(orders))
    for order in orders.values():
        order.exists = order.external_id in existing
        if not order.is_bad and not order.exists:
            _order_totals_check(order)
    return ImportCheck(
        file=order_file,
        storefront=storefront,
        orders=list(orders.values()),
        loose_errors=loose_errors,
    )


def _external_ids_existing(storefront: Storefront, external_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(external_ids), 500):  # SQLite caps a statement's parameters
        found.update(
            Order.objects.filter(
                storefront=storefront, external_id__in=external_ids[start : start + 500]
            ).values_list("external_id", flat=True)
        )
    return found


def _row_add(order: FileOrder, row: FileRow, *, currency: str) -> None:
    """Check one row and add it to its order: the first row gives the order's values."""
    cells = {column: value.strip() for column, value in row.cells.items()}
    errors: list[tuple[str, str]] = []
    for column, value in cells.items():
        limit = _MAX_LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            errors.append((column, _("At most %(limit)s characters.") % {"limit": limit}))
    is_first = not order.rows
    order.rows.append(row.number)
    values = _order_values_read(cells, errors, is_first=is_first)
    if is_first:
        order.order_values = values
        order.amounts = _amounts_read(cells, currency, errors)
    else:
        wrong = {column for column, _message in errors}
        for column in ORDER_COLUMNS:
            # An empty cell on a later row means "as on the first row".
            if not cells.get(column) or column in wrong:
                continue
            if _comparable(column, values[column]) != _comparable(
                column, order.order_values.get(column, "")
            ):
                errors.append(
                    (
                        column,
                        _("Differs from row %(row)s of the same order (%(value)s).")
                        % {"row": order.first_row, "value": order.order_values.get(column) or "-"},
                    )
                )
    line = _line_read(cells, currency, errors)
    if errors:
        order.errors += [
            RowError(row.number, order.external_id, column, message) for column, message in errors
        ]
    elif line is not None:
        order.lines.append(line)


def _comparable(column: str, value: str) -> str:
    # E-mail addresses are told apart without regard to case, as customers are found.
    return value.casefold() if column == "customer_email" else value


def _order_values_read(
    cells: dict[str, str], errors: list[tuple[str, str]], *, is_first: bool
) -> dict[str, str]:
    """The order-level columns of a row, normalised; required ones only on a first row."""
    values = {column: cells.get(column, "") for column in ORDER_COLUMNS}
    if is_first:
        for column in ORDER_COLUMNS:
            if column in _REQUIRED and not values[column]:
                errors.append((column, _("Required.")))
    if values["customer_email"]:
        try:
            validate_email(values["customer_email"])
        except ValidationError:
            errors.append(("customer_email", _("Not a valid e-mail address.")))
    if values["ship_country"]:
        if _COUNTRY.match(values["ship_country"]):
            values["ship_country"] = values["ship_country"].upper()
        else:
            errors.append(("ship_country", _("Use a two-letter ISO 3166-1 country code, e.g. VN.")))
    method = values["payment_method"].lower()
    if method and method not in PaymentMethod.values:
        errors.append(
            (
                "payment_method",
                _("Must be one of: %(values)s.") % {"values": ", ".join(PaymentMethod.values)},
            )
        )
    values["payment_method"] = method
    status = values["payment_status"].lower() or (PaymentStatus.UNPAID if is_first else "")
    if status and status not in _ARRIVAL_PAYMENT_STATUSES:
        errors.append(
            (
                "payment_status",
                _("Must be one of: %(values)s (empty means unpaid).")
                % {"values": ", ".join(_ARRIVAL_PAYMENT_STATUSES)},
            )
        )
    values["payment_status"] = status
    return values


def _amounts_read(
    cells: dict[str, str], currency: str, errors: list[tuple[str, str]]
) -> dict[str, Decimal]:
    """The order's shipping price, discount and tax (empty: 0), from its first row."""
    amounts = {}
    for column in FIRST_ROW_AMOUNTS:
        amount = _amount_read(cells.get(column, "") or "0", currency, column, errors)
        if amount is not None:
            amounts[column] = amount
    return amounts


def _amount_read(
    text: str, currency: str, column: str, errors: list[tuple[str, str]]
) -> Decimal | None:
    """A decimal amount, 0 or more, in the currency's minor units (never rounded)."""
    try:
        amount = amount_in_minor_units(text, currency, field=column)
    except OrderError as error:
        errors.append((column, _details_message(error, column)))
        return None
    if amount < 0:
        errors.append((column, _("Must be a decimal amount, 0 or more.")))
        return None
    return amount


def _line_read(
    cells: dict[str, str], currency: str, errors: list[tuple[str, str]]
) -> dict[str, Any] | None:
    """The order line a row carries: sku, name, quantity, unit price, category."""
    for column in ("sku", "name", "quantity", "unit_price"):
        if not cells[column]:
            errors.append((column, _("Required.")))
    quantity = _quantity_read(cells["quantity"], errors) if cells["quantity"] else None
    unit_price = (
        _amount_read(cells["unit_price"], currency, "unit_price", errors)
        if cells["unit_price"]
        else None
    )
    if quantity is None or unit_price is None or not cells["sku"] or not cells["name"]:
        return None
    if unit_price * quantity >= MONEY_LIMIT:
        errors.append(
            ("unit_price", _("The line's total (price x quantity) is too large to store."))
        )
        return None
    return {
        "sku": cells["sku"],
        "name": cells["name"],
        "quantity": quantity,
        "unit_price": unit_price,
        "category": cells["category"],
    }


def _quantity_read(text: str, errors: list[tuple[str, str]]) -> int | None:
    """A whole number above 0; "2.0" (how a spreadsheet may write 2) is 2, "2.5" is refused."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value() or number <= 0:
        errors.append(("quantity", _("Must be a whole number above 0.")))
        return None
    if number > INTEGER_MAX:
        errors.append(("quantity", _("At most %(limit)s.") % {"limit": f"{INTEGER_MAX:,}"}))
        return None
    return int(number)


def _order_totals_check(order: FileOrder) -> None:
    """The creation service's checks on the whole order: its total fits and is not negative."""
    subtotal = sum((line["unit_price"] * line["quantity"] for line in order.lines), Decimal(0))
    order.total = order_total_compute(subtotal=subtotal, **order.amounts)
    if order.total.copy_abs() >= MONEY_LIMIT:
        column, message = "unit_price", _("The order's total is too large to store.")
    elif order.total < 0:
        column = "discount_total"
        message = _("The discount is larger than the goods, shipping and tax together.")
    else:
        return
    order.errors.append(RowError(order.first_row, order.external_id, column, message))


def _details_message(error: OrderError, column: str) -> str:
    """The service's message about `column`, else its general message."""
    for key, messages in error.details.items():
        if messages and (key == column or not column):
            return str(messages[0])
    return error.message


@dataclass
class ImportResult:
    """What an import did: counts, and each row not imported, by row number."""

    created: int = 0
    existing: int = 0
    refused: int = 0
    row_errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return _("%(created)s orders created, %(existing)s already there, %(refused)s refused") % {
            "created": self.created,
            "existing": self.existing,
            "refused": self.refused,
        }


def import_order_write(
    order: FileOrder, *, storefront: Storefront, actor: Actor, note: str
) -> tuple[str, list[RowError]]:
    """Create one checked order in its own transaction: "created", "existing" or "refused".

    The order's external id may have arrived since the check (another import,
    the API): the service's conflict then counts it as already there.
    """
    if Order.objects.filter(storefront=storefront, external_id=order.external_id).exists():
        return "existing", []
    try:
        with transaction.atomic():
            order_create(storefront=storefront, actor=actor, note=note, **order.create_fields())
    except OrderError as error:
        if (
            isinstance(error, OrderConflict)
            and Order.objects.filter(storefront=storefront, external_id=order.external_id).exists()
        ):
            return "existing", []
        # The service refused the whole order: said against its first row.
        detail = "; ".join(
            f"{key}: {messages[0]}" for key, messages in error.details.items() if messages
        )
        message = f"{error.message} ({detail})" if detail else error.message
        order.errors.append(RowError(order.first_row, order.external_id, "", message))
        return "refused", order_row_errors(order)
    return "created", []


def import_run(
    check: ImportCheck,
    *,
    actor: Actor,
    note: str,
    progress: Callable[[ImportResult, int], None] | None = None,
    orders: Iterable[FileOrder] | None = None,
) -> ImportResult:
    """Create the checked file's good orders, one by one; report the refused ones' rows.

    `progress(result, processed)` is called after each order (the job's progress bar).
    """
    result = ImportResult(
        existing=len(check.existing),
        refused=len(check.refused),
        row_errors=check.row_errors(),
    )
    processed = result.existing + result.refused
    for order in check.to_create if orders is None else orders:
        outcome, errors = import_order_write(
            order, storefront=check.storefront, actor=actor, note=note
        )
        if outcome == "created":
            result.created += 1
        elif outcome == "existing":
            result.existing += 1
        else:
            result.refused += 1
            result.row_errors += errors
        processed += 1
        if progress is not None:
            progress(result, processed)
    result.row_errors.sort(key=lambda error: (error.row, error.field))
    return result


def import_note(file_name: str) -> str:
    """The created history row's note: where the order came from."""
    return _("Imported from %(name)s") % {"name": file_name}
