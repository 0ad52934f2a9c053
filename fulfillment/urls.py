"""Printable warehouse pages (staff only)."""

from django.urls import path

from . import views

app_name = "fulfillment"

urlpatterns = [
    path("pick-lists/<int:pk>/", views.pick_list_print, name="pick-list"),
    path("orders/<str:number>/pick-list/", views.order_pick_list_print, name="order-pick-list"),
    path("packages/<int:pk>/slip/", views.packing_slip_print, name="packing-slip"),
]
