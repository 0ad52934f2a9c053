from django.contrib.admin.apps import AdminConfig


class OrdersAdminConfig(AdminConfig):
    """Django's admin, with a site that admits only the roles that work in it."""

    default_site = "orders_project.admin.OrdersAdminSite"
