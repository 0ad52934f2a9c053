from django.urls import path

from . import (
    after_sales,
    backorders,
    bulk,
    change_requests,
    imports,
    order_edit_urls,
    pick_lists,
    platform_deliveries,
    requests,
    scanning,
    take_order,
    tracking_updates,
    views,
)
from .request_pages import AFTER_SALES_PAGES, SUPPLIER_REQUEST_PAGES

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.DashboardLoginView.as_view(), name="login"),
    path("logout/", views.DashboardLogoutView.as_view(), name="logout"),
    path("board/", views.board, name="board"),
    path("queue/<str:status>/", views.queue, name="queue"),
    path("orders/<str:number>/", views.order_detail, name="order-detail"),
    path("orders/<str:number>/transition/", views.order_transition_view, name="order-transition"),
    path("orders/<str:number>/pick/", views.order_pick, name="order-pick"),
    path("orders/<str:number>/pack/", views.order_pack, name="order-pack"),
    path(
        "orders/<str:number>/open-package/empty/",
        views.order_open_package_empty,
        name="order-open-package-empty",
    ),
    path("scan/", scanning.scan, name="scan"),
    path("orders/<str:number>/shipment/", views.order_book_shipment, name="order-book-shipment"),
    path("orders/<str:number>/team/", views.order_team, name="order-team"),
    path("orders/<str:number>/split/", backorders.order_split_view, name="order-split"),
    *order_edit_urls.urlpatterns,
    path(
        "orders/<str:number>/after-sales/new/",
        after_sales.order_after_sales_open,
        name="order-after-sales-open",
    ),
    path("refunds/", after_sales.refund_queue, name="refund-queue"),
    path("refunds/<int:pk>/approve/", after_sales.refund_approve, name="refund-approve"),
    path("refunds/<int:pk>/reject/", after_sales.refund_reject, name="refund-reject"),
    path("overview/", views.overview, name="overview"),
    # Customers' change requests from the tracking page (dashboard/change_requests.py).
    *change_requests.urlpatterns,
    *requests.request_urls(AFTER_SALES_PAGES),
    *requests.request_urls(SUPPLIER_REQUEST_PAGES),
    path("pick-lists/", pick_lists.pick_list_make, name="pick-list-make"),
    path("pick-lists/<int:pk>/", pick_lists.pick_list_detail, name="pick-list"),
    path("bulk/", bulk.bulk_preview, name="bulk-preview"),
    path("bulk/run/", bulk.bulk_run, name="bulk-run"),
    path("bulk/jobs/<int:pk>/", bulk.bulk_job_detail, name="bulk-job"),
    path("bulk/jobs/<int:pk>/progress/", bulk.bulk_job_progress, name="bulk-job-progress"),
    *take_order.take_order_urls(),
    # Orders from CSV and XLSX files (dashboard/imports.py).
    *imports.import_urls(),
    # What the shops' platforms sent (dashboard/platform_deliveries.py).
    *platform_deliveries.urlpatterns,
    # What the tracking aggregators sent (dashboard/tracking_updates.py).
    *tracking_updates.urlpatterns,
]
