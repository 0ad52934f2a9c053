"""`import_orders FILE --storefront CODE [--dry-run] [--format csv|xlsx] [--strict]`.

Prints a summary ("3 orders created, 1 already there, 1 refused") and each row
not imported ("row 7 (external_id X): quantity: Must be a whole number above 0.").
Exits 0 once the file was read, also when some orders were refused (they are
reported; the good ones were created); `--strict` exits 1 then. A file that
cannot be read, an unknown storefront or missing columns stop it with an error
before anything is written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.import_files import FORMATS, MAX_FILE_BYTES, ImportFileError, order_file_read
from connectors.import_jobs import import_file_run
from connectors.imports import import_check
from orders.models import Storefront


class Command(BaseCommand):
    help = "Import orders from a CSV or XLSX file: one row per order line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .csv or .xlsx file whose first row names the columns.")
        parser.add_argument("--storefront", required=True, help="The storefront's code.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what would be created; write nothing.",
        )
        parser.add_argument(
            "--format", choices=FORMATS, help="The file's format, if its name does not say."
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit with status 1 when any row was refused.",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        storefront = Storefront.objects.filter(code=options["storefront"], is_active=True).first()
        if storefront is None:
            raise CommandError(f"No active storefront has the code '{options['storefront']}'.")
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(
                    f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it."
                )
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        try:
            order_file = order_file_read(content, name=path.name, file_format=options["format"])
        except ImportFileError as error:
            raise CommandError(error.message) from None
        for note in order_file.notes:
            self.stdout.write(note)
        if options["dry_run"]:
            check = import_check(order_file, storefront=storefront)
            self.stdout.write(
                f"Dry run, nothing written: {len(check.to_create)} orders would be created, "
                f"{len(check.existing)} already there, {len(check.refused)} refused "
                f"({check.rows_total} rows)."
            )
            errors = check.row_errors()
        else:
            job, result = import_file_run(
                order_file=order_file, content=content, storefront=storefront
            )
            self.stdout.write(f"{result.summary()} ({job.rows_total} rows; import #{job.pk}).")
            errors = result.row_errors
        for error in errors:
            self.stdout.write(str(error))
        if errors and options["strict"]:
            raise CommandError(f"{len(errors)} rows not imported.", returncode=1)
