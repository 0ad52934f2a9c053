from django.core.management.base import BaseCommand

from orders.roles import roles_sync


class Command(BaseCommand):
    help = "Create or update the staff role groups from the table in orders/roles.py."

    def handle(self, *args, **options) -> None:
        for name, group in roles_sync().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
