"""Releases and files of a project in the management API: list, yank, delete.

Quarantined files appear only to whom the capability table gives ``org:quarantine:read``
(the org's owners and admins, in a session); to everyone else they do not exist.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from accounts.api.common import CAPABILITY_DECIDES, ApiView, principal_of
from accounts.capabilities import Capability
from registry import selectors, services
from registry.api.common import project_or_404
from registry.api.projects import FILENAME_RULE
from registry.api.serializers import (
    DeletedFilesSerializer,
    FileSerializer,
    ReleaseSerializer,
    YankSerializer,
)
from registry.permissions import org_can


def _sees_quarantined(request, project) -> bool:
    return org_can(principal_of(request), Capability.ORG_QUARANTINE_READ, project.org)


def _files(request, project, version: str | None = None):
    files = selectors.files_of(project, version)
    return files if _sees_quarantined(request, project) else files.filter(quarantined=False)


def _release_body(request, release) -> dict:
    context = {"show_quarantined": _sees_quarantined(request, release.project)}
    return ReleaseSerializer(release, context=context).data


def _release_or_404(project, version: str):
    release = selectors.release_get(project, version)
    if release is None:
        raise Http404("No such release.")
    return release


class ReleaseListView(ApiView):
    @extend_schema(operation_id="releases_list", responses=ReleaseSerializer(many=True),
                   parameters=[OpenApiParameter("yanked", bool)])
    def get(self, request, org: str, project: str):
        found = project_or_404(request, org, project)
        releases = selectors.releases_of(found)
        if request.query_params.get("yanked") in ("true", "false"):
            releases = releases.filter(yanked=request.query_params["yanked"] == "true")
        return self.paged(releases, ReleaseSerializer,
                          show_quarantined=_sees_quarantined(request, found))


class ReleaseDetailView(ApiView):
    @extend_schema(operation_id="releases_retrieve", responses=ReleaseSerializer)
    def get(self, request, org: str, project: str, version: str):
        found = project_or_404(request, org, project)
        return Response(_release_body(request, _release_or_404(found, version)))

    @extend_schema(operation_id="releases_destroy", responses={200: DeletedFilesSerializer},
                   summary="Delete a release and its files")
    def delete(self, request, org: str, project: str, version: str):
        found = project_or_404(request, org, project, Capability.PROJECT_DELETE)
        release = _release_or_404(found, version)
        names = services.release_delete(release=release, principal=principal_of(request))
        return Response({"detail": f"Release {release.version} of {found.name} is deleted. "
                                   f"{FILENAME_RULE}", "filenames": names})


class ReleaseYankView(ApiView):
    permission_classes = CAPABILITY_DECIDES  # PROJECT_YANK, checked below
    undo = False

    @extend_schema(operation_id="releases_yank", request=YankSerializer,
                   responses=ReleaseSerializer,
                   summary="Yank a release (installers skip it unless pinned exactly)")
    def post(self, request, org: str, project: str, version: str):
        found = project_or_404(request, org, project, Capability.PROJECT_YANK)
        release = _release_or_404(found, version)
        reason = "" if self.undo else self.parsed(YankSerializer)["reason"]
        services.release_yank(release=release, reason=reason, undo=self.undo,
                              principal=principal_of(request))
        return Response(_release_body(request, release))


class ReleaseUnyankView(ReleaseYankView):
    undo = True

    @extend_schema(operation_id="releases_unyank", request=None, responses=ReleaseSerializer,
                   summary="Undo a yank")
    def post(self, request, org: str, project: str, version: str):
        return super().post(request, org, project, version)


class FileListView(ApiView):
    @extend_schema(operation_id="files_list", responses=FileSerializer(many=True),
                   parameters=[OpenApiParameter("version", str)])
    def get(self, request, org: str, project: str):
        found = project_or_404(request, org, project)
        return self.paged(_files(request, found, request.query_params.get("version")),
                          FileSerializer)


class FileDetailView(ApiView):
    def _file(self, request, org, project, filename, capability=Capability.PROJECT_READ):
        found = project_or_404(request, org, project, capability)
        file = _files(request, found).filter(filename=filename).first()
        if file is None:
            raise Http404("No such file.")
        return file

    @extend_schema(operation_id="files_retrieve", responses=FileSerializer)
    def get(self, request, org: str, project: str, filename: str):
        return Response(FileSerializer(self._file(request, org, project, filename)).data)

    @extend_schema(operation_id="files_destroy", responses={200: DeletedFilesSerializer},
                   summary="Delete one file")
    def delete(self, request, org: str, project: str, filename: str):
        file = self._file(request, org, project, filename, Capability.PROJECT_DELETE)
        services.file_delete(file=file, principal=principal_of(request))
        return Response({"detail": f"File '{filename}' is deleted. {FILENAME_RULE}",
                         "filenames": [filename]})
