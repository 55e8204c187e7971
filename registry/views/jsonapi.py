"""The PyPI-compatible JSON API (``/{org}/pypi/{project}/json``)."""

from django.http import Http404


def project_json(request, org, project):
    raise Http404("Not implemented yet.")


def release_json(request, org, project, version):
    raise Http404("Not implemented yet.")
