"""The web UI: org home, project and release pages (server-rendered)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name
from packaging.version import Version

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.capabilities import Capability
from accounts.models import Organization
from accounts.selectors import org_get
from registry.models import Project
from registry.permissions import can
from registry.selectors import files_published, project_get, projects_public, projects_readable
from registry.storage import url_path
from registry.views.common import auth_error, resolve


def _sorted_releases(project: Project):
    def key(release):
        try:
            return Version(release.version)
        except ValueError:  # InvalidVersion, or a number too long for int()
            return Version("0")

    return sorted(project.releases.all(), key=key, reverse=True)


def latest_release(releases):
    """PyPI's rule: the newest release that is not yanked and not a pre-release."""
    stable = [r for r in releases if not r.yanked and not Version(r.version).is_prerelease]
    candidates = stable or [r for r in releases if not r.yanked] or releases
    return candidates[0] if candidates else None


@require_safe
def home(request):
    orgs = Organization.objects.none()
    if request.user.is_authenticated:
        orgs = Organization.objects.filter(memberships__user=request.user)
    return render(request, "registry/home.html", {"orgs": orgs})


def _readable(request, org, project):
    organisation, principal = resolve(request, org)
    found = project_get(organisation, canonicalize_name(project))
    if found is None or not can(principal, Capability.PROJECT_READ, found):
        raise Http404("No such project.")
    return organisation, found


@require_safe
def org_home(request, org):
    try:
        principal = principal_from_request(request)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    if principal.is_anonymous:
        # One query either way, and an org with nothing public answers as no org at all.
        projects = list(projects_public(org).select_related("org").order_by("normalized_name"))
        if not projects:
            raise Http404("No such organisation.")
        organisation = projects[0].org
    else:
        organisation = org_get(org)
        if organisation is None:
            raise Http404("No such organisation.")
        projects = projects_readable(principal, organisation).order_by("normalized_name")
    return render(request, "registry/org.html", {"org": organisation, "projects": projects})


@require_safe
def project_page(request, org, project):
    try:
        organisation, found = _readable(request, org, project)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    releases = _sorted_releases(found)
    latest = latest_release(releases)
    return _release_response(request, organisation, found, latest, releases)


@require_safe
def release_page(request, org, project, version):
    try:
        organisation, found = _readable(request, org, project)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    releases = _sorted_releases(found)
    try:
        wanted = str(Version(version))
    except ValueError as exc:  # InvalidVersion, or a number too long for int()
        raise Http404("No such release.") from exc
    release = next((r for r in releases if r.version == wanted), None)
    if release is None:
        raise Http404("No such release.")
    return _release_response(request, organisation, found, release, releases)


def _release_response(request, org, project, release, releases):
    files = []
    if release is not None:
        files = [(f, f"/{org.slug}/files/{url_path(f.blake2_256_digest, f.filename)}")
                 for f in files_published(project).filter(release=release)]
    return render(request, "registry/project.html", {
        "org": org, "project": project, "release": release, "releases": releases,
        "files": files,
    })
