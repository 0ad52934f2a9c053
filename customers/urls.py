from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.track_lookup, name="track_lookup"),
    path("<str:token>/", views.track_order, name="track_order"),
    path(
        "preferences/<str:token>/",
        views.notification_preferences,
        name="notification_preferences",
    ),
]
