from django.urls import path

from . import kpi as views

app_name = "reports"

urlpatterns = [
    path("", views.kpi, name="kpi"),
]
