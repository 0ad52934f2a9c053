"""Export or erase one customer's personal data from the command line (as the system)."""

import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.functions import Lower

from customers.models import Customer
from privacy.services import customer_data_export, customer_erase
from shared.errors import OrderError


class Command(BaseCommand):
    help = (
        "Export (JSON on standard output or --output FILE) or erase the personal data of the "
        "customer with --email at storefront --storefront CODE."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--email", required=True)
        parser.add_argument("--storefront", required=True, help="The storefront's code.")
        parser.add_argument("--reason", default="", help="Required to erase: why.")
        parser.add_argument("--output", help="Write the export to this file.")

    def handle(self, *args, **options) -> None:
        customer = (
            Customer.objects.alias(email_lower=Lower("email"))
            .filter(storefront__code=options["storefront"], email_lower=options["email"].lower())
            .first()
        )
        if customer is None:
            raise CommandError("No customer with that e-mail address at that storefront.")
        try:
            if options["action"] == "export":
                # The file first, readable by its owner only: personal data, and no
                # export recorded in the audit trail for a path that cannot be written.
                output = _private_file(options["output"]) if options["output"] else None
                data = customer_data_export(customer=customer, actor=None)
                text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
                if output is not None:
                    with output:
                        output.write(text + "\n")
                    self.stdout.write(f"Written to {options['output']}.")
                else:
                    self.stdout.write(text)
                return
            action = customer_erase(customer=customer, actor=None, reason=options["reason"])
        except OrderError as error:
            raise CommandError(error.message) from None
        if action is None:
            self.stdout.write("Already erased; nothing changed.")
        else:
            self.stdout.write(f"Erased customer {customer.pk}: {json.dumps(action.summary)}")


def _private_file(path: str):
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
    return os.fdopen(descriptor, "w", encoding="utf-8")
