"""Who may call which endpoint: storefronts (API key) and staff (token or session)."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from orders.services import TAKE_ORDER_PERMISSION

from .authentication import request_storefront


def is_staff_request(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class IsStorefront(BasePermission):
    message = "This endpoint needs a storefront API key."

    def has_permission(self, request: Request, view) -> bool:
        return request_storefront(request) is not None


class IsStaff(BasePermission):
    message = "This endpoint is for staff users."

    def has_permission(self, request: Request, view) -> bool:
        return is_staff_request(request)


class IsStorefrontOrStaff(BasePermission):
    message = "Authenticate with a storefront API key or as a staff user."

    def has_permission(self, request: Request, view) -> bool:
        return request_storefront(request) is not None or is_staff_request(request)


class IsStorefrontOrOrderTaker(BasePermission):
    """Orders come from storefronts, and from staff who take them for customers."""

    message = (
        "Creating orders needs a storefront API key, or a staff user who may take orders "
        "for customers."
    )

    def has_permission(self, request: Request, view) -> bool:
        if request_storefront(request) is not None:
            return True
        return is_staff_request(request) and request.user.has_perm(TAKE_ORDER_PERMISSION)
