from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("", views.track_lookup, name="track_lookup"),
    path("<str:token>/", views.track_order, name="track_order"),
    path("<str:token>/after-sales/", views.track_after_sales, name="track_after_sales"),
    path("<str:token>/change/", views.track_change_request, name="track_change_request"),
    path(
        "preferences/<str:token>/",
        views.notification_preferences,
        name="notification_preferences",
    ),
]
