from django.urls import path

from . import report_views

app_name = "finance"

urlpatterns = [
    path("", report_views.report_runs, name="runs"),
    path("<int:pk>/", report_views.report_run, name="run"),
    path("<int:pk>/progress/", report_views.report_run_progress, name="run-progress"),
    path("<int:pk>/<str:kind>/", report_views.report_run_download, name="run-download"),
]
