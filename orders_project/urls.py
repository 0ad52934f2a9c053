from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Order status management"
admin.site.site_title = "Order status management"
admin.site.index_title = "Managers' console"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
