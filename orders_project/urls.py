from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import health

urlpatterns = [
    path("", RedirectView.as_view(url="/dashboard/", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("track/", include("tracking.urls")),
    path("fulfillment/", include("dashboard.papers_urls")),
    path("dashboard/kpi/", include("dashboard.kpi_urls")),
    path("dashboard/reports/", include("dashboard.finance_urls")),
    path("dashboard/", include("dashboard.urls")),
]

if settings.BENCH_FLOOR_ENDPOINT:  # benchmarks only, never in production (see settings)
    from benchmarks.floor import FloorStorefrontInsert, floor_insert

    urlpatterns += [
        path("bench/floor/", floor_insert),
        path("bench/floor-api/", FloorStorefrontInsert.as_view()),
    ]

handler404 = "api.errors.api_or_html_404"
handler500 = "api.errors.api_or_html_500"
