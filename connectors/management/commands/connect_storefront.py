"""`manage.py connect_storefront CODE --platform shopify|woocommerce --secret SECRET`.

Keeps the platform's webhook signing secret (and, with --api-url/--api-token, where
shipped orders are reported back) for the storefront, and prints the URL to
register on the platform. The secret is never printed back.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared.errors import OrderError

from ...models import Platform
from ...services.connections import connection_save, connection_webhook_url


class Command(BaseCommand):
    help = (
        "Connect a storefront to its Shopify or WooCommerce store: keep the webhook signing "
        "secret (encrypted) and print the webhook URL to register on the platform."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The storefront's code.")
        parser.add_argument("--platform", required=True, choices=Platform.values)
        parser.add_argument(
            "--secret",
            required=True,
            help="The platform's webhook signing secret (Shopify: shown under Settings > "
            "Notifications > Webhooks; WooCommerce: the webhook's Secret field).",
        )
        parser.add_argument(
            "--api-url",
            default=None,
            help="The shop's REST API base URL, where shipped orders are reported back.",
        )
        parser.add_argument(
            "--api-token",
            default=None,
            help="The access token for --api-url (WooCommerce: consumer_key:consumer_secret).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection, created = connection_save(
                storefront_code=options["code"],
                platform=options["platform"],
                secret=options["secret"],
                api_url=options["api_url"],
                api_token=options["api_token"],
            )
        except OrderError as error:
            raise CommandError(error.message) from None
        storefront = connection.storefront
        self.stdout.write(
            f"{'Connected' if created else 'Updated the connection of'} {storefront.name} "
            f"(code {storefront.code}) to {connection.get_platform_display()}; "
            "the signing secret is stored encrypted."
        )
        self.stdout.write("Register this webhook URL on the platform (JSON format):")
        self.stdout.write(connection_webhook_url(connection))
