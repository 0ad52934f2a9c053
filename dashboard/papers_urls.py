"""Staff-only pages: printable warehouse papers and customers' after-sales photos."""

from django.urls import path

from . import papers as views

app_name = "fulfillment"

urlpatterns = [
    path("pick-lists/<int:pk>/", views.pick_list_print, name="pick-list"),
    path("orders/<str:number>/pick-list/", views.order_pick_list_print, name="order-pick-list"),
    path("packages/<int:pk>/slip/", views.packing_slip_print, name="packing-slip"),
    path("shipments/<int:pk>/label.pdf", views.shipment_label_pdf, name="shipment-label"),
    path("packages/<int:pk>/slip.pdf", views.package_slip_pdf, name="package-slip-pdf"),
    path("orders/<str:number>/papers.pdf", views.order_papers_pdf, name="order-papers"),
    path("pick-lists/<int:pk>/papers.pdf", views.pick_list_papers_pdf, name="pick-list-papers"),
    path("after-sales/photos/<int:pk>/", views.after_sales_photo, name="after-sales-photo"),
]
