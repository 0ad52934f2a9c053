from django.urls import path

from . import finance as report_views

app_name = "finance"

urlpatterns = [
    path("", report_views.report_runs, name="runs"),
    path("ledger/", report_views.ledger, name="ledger"),
    path("ledger/<int:pk>/correct/", report_views.ledger_correct, name="ledger-correct"),
    path("rates/", report_views.cost_rates, name="cost-rates"),
    path("rates/carriers/<int:pk>/", report_views.carrier_rate_edit, name="carrier-rate-edit"),
    path("rates/<slug:code>/", report_views.cost_rates_edit, name="cost-rates-edit"),
    path("rates/<slug:code>/carriers/new/", report_views.carrier_rate_add, name="carrier-rate-add"),
    path("<int:pk>/", report_views.report_run, name="run"),
    path("<int:pk>/progress/", report_views.report_run_progress, name="run-progress"),
    path("<int:pk>/<str:kind>/", report_views.report_run_download, name="run-download"),
]
