"""The Django admin's registrations, one module per domain app.

Imported by Django's admin autodiscovery (the `backoffice` app's `admin`). The
admin registers models and calls the same services as the dashboard and the
API; it has no rules of its own.
"""

from . import (  # noqa: F401 - each registers its models
    aggregators,
    change_requests,
    connectors,
    customers,
    fulfillment,
    notifications,
    orders,
    reports,
    status_pushes,
    webhooks,
)
