"""`manage.py create_storefront NAME [--webhook-url URL]`: a storefront and its API key."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.services import storefront_create
from shared.errors import OrderError


class Command(BaseCommand):
    help = (
        "Create a storefront with an API key, and print the key and the webhook secret once "
        "(only a hash of the key is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--webhook-url", default="", help="Where order webhooks are POSTed.")
        parser.add_argument("--code", default="", help="Short code (default: from the name).")
        parser.add_argument("--currency", default="VND", help="ISO 4217 code (default VND).")
        parser.add_argument("--language", default="en", choices=["en", "vi"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            storefront, key = storefront_create(
                name=options["name"],
                code=options["code"],
                currency=options["currency"],
                webhook_url=options["webhook_url"],
                default_language=options["language"],
            )
        except OrderError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Storefront: {storefront.name} (code {storefront.code})")
        self.stdout.write(f"API key: {key}")
        self.stdout.write(f"Webhook secret: {storefront.webhook_secret}")
        self.stdout.write(
            "Store both now: the key cannot be shown again. "
            "Send it as the header 'Authorization: Api-Key <key>'."
        )
