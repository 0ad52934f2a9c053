"""`python manage.py finance_report`: the same report the scheduled tasks e-mail, to a file."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.models import Storefront
from reports.exports import finance_report_build, report_csv, report_html, report_xlsx
from reports.selectors import ReportPeriod
from reports.services import MAX_PERIOD_DAYS


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a date; use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Write the finance report for a period (days inclusive) as CSV, XLSX or HTML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (inclusive)")
        parser.add_argument("--storefront", help="a storefront's code; all when left out")
        parser.add_argument("--format", choices=["csv", "xlsx", "html"], default="csv")
        parser.add_argument("--output", required=True, help="the file to write ('-' for stdout)")

    def handle(self, *args, **options) -> None:
        start, end = _day(options["start"]), _day(options["end"])
        if end < start:
            raise CommandError("--to is before --from.")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise CommandError(f"A report covers at most {MAX_PERIOD_DAYS} days.")
        storefront = None
        if options["storefront"]:
            storefront = Storefront.objects.filter(code=options["storefront"]).first()
            if storefront is None:
                raise CommandError(f"No storefront with code '{options['storefront']}'.")
        report = finance_report_build(ReportPeriod(start, end), storefront=storefront)
        content = {
            "csv": lambda: report_csv(report),
            "xlsx": lambda: report_xlsx(report),
            "html": lambda: report_html(report).encode(),
        }[options["format"]]()
        if options["output"] == "-":
            if options["format"] == "xlsx":
                raise CommandError("XLSX is binary; write it to a file.")
            self.stdout.write(content.decode(), ending="")
            return
        Path(options["output"]).write_bytes(content)
        self.stderr.write(f"Wrote {options['output']} ({len(content)} bytes).")
