"""The admin site: only for the roles that work in it (orders.roles.ADMIN_ROLES)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from orders.roles import user_may_use_admin


class RoleAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, refusing staff whose role has no work in the admin."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "no_admin_role": _("This account may not use the admin site."),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user_may_use_admin(user):
            raise forms.ValidationError(self.error_messages["no_admin_role"], code="no_admin_role")


class OrdersAdminSite(admin.AdminSite):
    site_header = "Order status management"
    site_title = "Order status management"
    index_title = "Managers' console"
    login_form = RoleAdminAuthenticationForm
    # Shows the lockout message of orders_project.security above the form.
    login_template = "admin/orders_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        # Staff alone is not enough: someone logged in to the dashboard without an
        # admin role is sent to the admin's login page, which says why.
        return super().has_permission(request) and user_may_use_admin(request.user)
