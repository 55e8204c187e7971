"""The project's URLs plus views that fail, for the error page tests (never in the product)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


def fails(request):
    raise RuntimeError("a secret detail of the failure")


def refuses(request):
    raise PermissionDenied("Only the owner may see this.")


def refuses_silently(request):
    raise PermissionDenied


def misses(request):
    raise Http404("No such widget.")


urlpatterns = [
    path("test-fails/", fails),
    path("test-refuses/", refuses),
    path("test-refuses-silently/", refuses_silently),
    path("test-misses/", misses),
    *project_urlpatterns,
]
