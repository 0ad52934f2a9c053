"""`manage.py rotate_api_key CODE [--revoke-old]`: a new API key for a storefront."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.models import Storefront
from orders.services import storefront_api_key_rotate


class Command(BaseCommand):
    help = (
        "Issue a new API key for the storefront with this code and print it once. The old "
        "keys keep working until revoked (in the admin, or now with --revoke-old)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The storefront's code.")
        parser.add_argument(
            "--revoke-old",
            action="store_true",
            help="Revoke every other key of the storefront at once (e.g. a key leaked).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            storefront = Storefront.objects.get(code=options["code"])
        except Storefront.DoesNotExist:
            raise CommandError(f"No storefront with code '{options['code']}'.") from None
        rotation = storefront_api_key_rotate(
            storefront=storefront, revoke_old=options["revoke_old"]
        )
        self.stdout.write(f"Storefront: {storefront.name} (code {storefront.code})")
        self.stdout.write(f"New API key: {rotation.key}")
        self.stdout.write(f"Its prefix: {rotation.api_key.prefix}")
        if rotation.revoked_prefixes:
            self.stdout.write(f"Revoked now: {', '.join(rotation.revoked_prefixes)}")
        if rotation.still_active_prefixes:
            self.stdout.write(
                f"Still working until you revoke them: {', '.join(rotation.still_active_prefixes)}"
                " (revoke them in the admin, Storefront API keys, once the storefront uses the"
                " new key)"
            )
        self.stdout.write("Store the key now: it cannot be shown again.")
