"""The project's URLs plus one view that crashes, to see how /api/ reports a 500."""

from django.urls import path

from orders_project.urls import urlpatterns as project_urlpatterns


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/v1/crash/", crash), *project_urlpatterns]
