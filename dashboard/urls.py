from django.urls import path

from . import bulk, requests, views

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
    path("orders/<str:number>/shipment/", views.order_book_shipment, name="order-book-shipment"),
    path("orders/<str:number>/team/", views.order_team, name="order-team"),
    path("overview/", views.overview, name="overview"),
    path("after-sales/", requests.after_sales_list, name="after-sales-list"),
    path("after-sales/<int:pk>/", requests.after_sales_detail, name="after-sales-detail"),
    path("after-sales/<int:pk>/act/", requests.after_sales_act, name="after-sales-act"),
    path("supplier-requests/", requests.supplier_request_list, name="supplier-request-list"),
    path(
        "supplier-requests/<int:pk>/",
        requests.supplier_request_detail,
        name="supplier-request-detail",
    ),
    path(
        "supplier-requests/<int:pk>/act/",
        requests.supplier_request_act,
        name="supplier-request-act",
    ),
    path("bulk/", bulk.bulk_preview, name="bulk-preview"),
    path("bulk/run/", bulk.bulk_run, name="bulk-run"),
    path("bulk/jobs/<int:pk>/", bulk.bulk_job_detail, name="bulk-job"),
    path("bulk/jobs/<int:pk>/progress/", bulk.bulk_job_progress, name="bulk-job-progress"),
]
