"""Reading an order file (CSV or XLSX) into numbered rows: the first step of an import.

The parsing is tablib's (Python's csv module for CSV, openpyxl in read-only
mode for XLSX); here the rows get the numbers a spreadsheet shows (the header
is row 1, the first order line row 2), the header is matched to the documented
columns, and cells become text, carefully for what Excel stores as numbers.
Nothing here knows about orders: `connectors.imports` checks the rows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import tablib
from django.utils.translation import gettext as _
from tablib.exceptions import InvalidDimensions, UnsupportedFormat

# The documented columns (DESIGN.md), in the documented order.
DOCUMENTED_COLUMNS: tuple[str, ...] = (
    "external_id",
    "customer_email",
    "customer_name",
    "customer_phone",
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_postal_code",
    "ship_country",
    "sku",
    "name",
    "quantity",
    "unit_price",
    "category",
    "shipping_price",
    "payment_method",
    "payment_status",
)
# A file must have the columns whose values every row needs. The others may be left
# out altogether (a marketplace export without a phone or category column): they read
# as empty cells, with the same defaults.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "external_id",
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
)
# Read when present: the documented columns a row may leave empty, the address's
# province or state, and the order's discounts and tax (read from an order's first
# row, like its shipping price).
OPTIONAL_COLUMNS: tuple[str, ...] = (
    *(column for column in DOCUMENTED_COLUMNS if column not in REQUIRED_COLUMNS),
    "ship_province",
    "discount_total",
    "tax_total",
)

FORMATS: tuple[str, ...] = ("csv", "xlsx")

# Bounds that keep one upload from taking the server's memory: a file of 50,000
# order lines is some 10 MB as CSV, less as XLSX. An XLSX is a zip: what it
# unpacks to is bounded too, before openpyxl reads it.
MAX_ROWS = 50_000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 300 * 1024 * 1024

# tablib (csv) drops empty lines, while a spreadsheet shows them as empty rows:
# they are marked so that they stay, and every row keeps the number a spreadsheet
# gives it. The unit separator cannot be part of an order's text; it is removed
# from every cell.
_BLANK_LINE_MARK = "\x1f"


class ImportFileError(Exception):
    """The whole file is refused (unreadable, too large, columns missing): says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileRow:
    """One row under the header: its spreadsheet number and its cells by column name."""

    number: int
    cells: dict[str, str]


@dataclass
class OrderFile:
    """The rows of a file whose header has every required column."""

    name: str
    format: str
    rows: list[FileRow]
    # What the reader noticed without refusing the file (extra columns ignored).
    notes: list[str] = field(default_factory=list)


def file_format_guess(file_name: str) -> str:
    """The format a file's name says (.csv or .xlsx), or refuse the file."""
    suffix = PurePath(file_name or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ImportFileError(
            _("Only .csv and .xlsx files can be imported, not '%(name)s'.") % {"name": file_name}
        )
    return suffix


def order_file_read(content: bytes, *, name: str, file_format: str | None = None) -> OrderFile:
    """Read `content` (the file's bytes) as CSV or XLSX; refuse it with ImportFileError.

    The format comes from `file_format`, else from the file's name.
    """
    file_format = (file_format or file_format_guess(name)).lower()
    if file_format not in FORMATS:
        raise ImportFileError(
            _("Unknown format '%(format)s': use csv or xlsx.") % {"format": file_format}
        )
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB: split it into smaller files.")
            % {"limit": MAX_FILE_BYTES // (1024 * 1024)}
        )
    table = _csv_table(content) if file_format == "csv" else _xlsx_table(content)
    if not table or not any(_cell_text(cell) for cell in table[0]):
        raise ImportFileError(
            _("The file is empty: its first row must name the columns (%(columns)s).")
            % {"columns": ", ".join(DOCUMENTED_COLUMNS)}
        )
    header = [_cell_text(cell).strip().lower() for cell in table[0]]
    positions, notes = _columns_find(header)
    rows = []
    for index, values in enumerate(table[1:], start=2):
        cells = {
            column: _cell_text(values[position]) if position < len(values) else ""
            for column, position in positions.items()
        }
        # Empty rows are skipped, not refused; a column left out reads as empty cells.
        if any(value.strip() for value in cells.values()):
            cells = {column: "" for column in OPTIONAL_COLUMNS} | cells
            rows.append(FileRow(number=index, cells=cells))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(count)s rows; at most %(limit)s can be imported at once.")
            % {"count": f"{len(rows):,}", "limit": f"{MAX_ROWS:,}"}
        )
    return OrderFile(name=name, format=file_format, rows=rows, notes=notes)


def _columns_find(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Where each known column is; refuse a header that lacks a required column."""
    positions: dict[str, int] = {}
    ignored = []
    for position, name in enumerate(header):
        if name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS:
            if name in positions:
                raise ImportFileError(
                    _("The column '%(column)s' appears twice in the first row.") % {"column": name}
                )
            positions[name] = position
        elif name:
            ignored.append(name)
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(missing)s. Expected: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(DOCUMENTED_COLUMNS)}
        )
    notes = []
    if ignored:
        notes.append(
            _("Columns ignored (not part of an order import): %(columns)s.")
            % {"columns": ", ".join(ignored)}
        )
    return positions, notes


def _csv_table(content: bytes) -> list[list[Any]]:
    try:
        # utf-8-sig: Excel starts the UTF-8 CSVs it saves with a byte-order mark.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The CSV file is not UTF-8 text: save it as 'CSV UTF-8' and try again.")
        ) from None
    # Excel saves CSV with semicolons where the decimal mark is a comma: the header says which.
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return _dataset_rows(_blank_lines_marked(text), "csv", delimiter=delimiter)


def _blank_lines_marked(text: str) -> Iterator[str]:
    for line in io.StringIO(text, newline=""):
        yield _BLANK_LINE_MARK + line if line in ("\n", "\r\n", "\r") else line


def _xlsx_table(content: bytes) -> list[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(_("This is not an XLSX file (Excel 2007 or later).")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The XLSX file unpacks to more than %(limit)s MB: split it into smaller files.")
            % {"limit": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    return _dataset_rows(io.BytesIO(content), "xlsx")


def _dataset_rows(stream: Any, file_format: str, **options: Any) -> list[list[Any]]:
    """The file's rows (the header first), read by tablib; the first sheet of a workbook."""
    try:
        dataset = tablib.Dataset().load(stream, format=file_format, headers=False, **options)
    except InvalidDimensions:
        raise ImportFileError(
            _("A row has more cells than the first row has columns: name every column.")
        ) from None
    except (UnsupportedFormat, ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
        # openpyxl raises these for a damaged workbook; csv raises ValueError (csv.Error).
        raise ImportFileError(
            _("The file cannot be read as %(format)s: %(error)s")
            % {"format": file_format.upper(), "error": error}
        ) from None
    return [list(row) for row in dataset]


def _cell_text(value: Any) -> str:
    """A cell as text: what a person typed, also when the spreadsheet stored a number.

    Excel keeps 2 as 2.0 and a postal code 70000 as an integer; a float becomes
    the shortest decimal that is the same number (str, never binary arithmetic),
    so 150000.0 reads "150000" and 12.5 "12.5". Money is then read from the text
    as Decimal.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace(_BLANK_LINE_MARK, "")
