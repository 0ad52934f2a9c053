"""The order page's edit and cancel-items steps (dashboard.order_edits)."""

from django.urls import path

from . import order_edits

urlpatterns = [
    path("orders/<str:number>/edit/", order_edits.order_edit, name="order-edit"),
    path(
        "orders/<str:number>/cancel-items/",
        order_edits.order_cancel_items,
        name="order-cancel-items",
    ),
]
