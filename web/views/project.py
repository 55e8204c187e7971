"""The project page (its latest release) and a release's page: one template, ``web/project.html``.

What a PyPI user looks for: the version and its date, the core metadata, the files with
their digests, upload time and uploader, install commands that work for the viewer, and the
release history. Yanked releases carry their reason; the project's admins also see
quarantined files and the project's quarantine. Controls (yank, delete) show only to whoever
holds the capability, and their views (``web.views.actions``) decide again.
"""

from django.conf import settings
from django.http import Http404
from django.views.generic import TemplateView

from accounts.capabilities import Capability, Visibility
from registry.jsonapi import choose_latest, find_release
from registry.models import File, Release
from registry.selectors import release_files, release_history
from registry.storage import url_path
from web import install
from web.metadata import describe
from web.mixins import ProjectPageMixin

TOKENS_PAGE = "/accounts/tokens/"


def site_base(request) -> str:
    """The public base URL: ``SITE_URL`` when set, else the one the request came to."""
    return settings.SITE_URL.rstrip("/") or f"{request.scheme}://{request.get_host()}"


def file_url(file: File, org_slug: str) -> str:
    return f"/{org_slug}/files/{url_path(file.blake2_256_digest, file.filename)}"


class ProjectPage(ProjectPageMixin, TemplateView):
    """``/{org}/project/{project}/``: the latest release (PyPI's rule: the newest that is
    neither yanked nor a pre-release, else the newest not yanked, else the newest)."""

    template_name = "web/project.html"
    pinned = False  # whether the install commands name the version

    def chosen(self, releases: list[Release], latest: Release | None) -> Release | None:
        return latest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        releases = release_history(self.project)
        latest = choose_latest(releases)
        release = self.chosen(releases, latest)
        context.update(releases=releases, latest=latest, release=release)
        if release is not None:
            context.update(self.release_context(release))
        return context

    def release_context(self, release: Release) -> dict:
        quarantined_too = Capability.PROJECT_MANAGE in self.capabilities
        files = [(file, file_url(file, self.org.slug))
                 for file in release_files(release, include_quarantined=quarantined_too)]
        needs_token = self.project.visibility != Visibility.PUBLIC
        return {
            "facts": describe(release.metadata),
            "files": files,
            "snippets": install.install_snippets(
                index=install.index_url(site_base(self.request), self.org.slug),
                name=self.project.name, version=release.version if self.pinned else None,
                needs_token=needs_token),
            "needs_token": needs_token,
            "tokens_page": TOKENS_PAGE,
        }


class ReleasePage(ProjectPage):
    """``/{org}/project/{project}/{version}/``: one release (``1.0`` finds ``1.0.0``)."""

    pinned = True

    def chosen(self, releases: list[Release], latest: Release | None) -> Release | None:
        found = find_release(releases, self.kwargs["version"])
        if found is None:
            raise Http404("No such release.")
        return found
