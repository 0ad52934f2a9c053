"""Staff-only pages: printable warehouse papers and customers' after-sales photos."""

from django.urls import path

from . import papers as views

app_name = "fulfillment"

urlpatterns = [
    path("pick-lists/<int:pk>/", views.pick_list_print, name="pick-list"),
    path("orders/<str:number>/pick-list/", views.order_pick_list_print, name="order-pick-list"),
    path("packages/<int:pk>/slip/", views.packing_slip_print, name="packing-slip"),
    path("after-sales/photos/<int:pk>/", views.after_sales_photo, name="after-sales-photo"),
]
