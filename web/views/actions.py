"""Changing a project from its pages: yank and un-yank a release, delete a file, a release or
the whole project.

Each is a form POSTed to its own URL; GET shows the form or the confirmation step. Both need
the capability the API needs (``Capability.PROJECT_YANK`` to yank, ``PROJECT_DELETE`` to
delete), checked by ``ProjectPageMixin`` before the handler runs. The work is the service's
(``registry.services``), the outcome a message on the page the person lands on.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from accounts.capabilities import Capability
from registry import selectors, services
from registry.jsonapi import find_release
from registry.models import Release
from web.forms import ConfirmNameForm, YankForm
from web.mixins import ProjectPageMixin

FILENAME_RULE = ("A filename once used in this organisation can never be uploaded again, "
                 "even with the same content: a new upload needs a new version.")


class ReleaseActionMixin(ProjectPageMixin):
    """A page about one release of the project (URL keyword ``version``)."""

    release: Release

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = find_release(selectors.release_history(self.project), kwargs["version"])
        if found is None:
            raise Http404("No such release.")
        self.release = found

    def release_url(self) -> str:
        return reverse("release", args=[self.org.slug, self.project.normalized_name,
                                        self.release.version])

    def project_url(self) -> str:
        return reverse("project", args=[self.org.slug, self.project.normalized_name])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(release=self.release, release_url=self.release_url(),
                       filename_rule=FILENAME_RULE)
        return context


class YankView(ReleaseActionMixin, FormView):
    """Yank a release with a reason: installers skip it unless it is pinned exactly."""

    template_name = "web/release_yank.html"
    form_class = YankForm
    view_capability = post_capability = Capability.PROJECT_YANK

    def get_initial(self):
        return {"reason": self.release.yanked_reason}

    def form_valid(self, form):
        services.release_yank(release=self.release, reason=form.cleaned_data["reason"],
                              principal=self.principal)
        messages.success(self.request, f"{self.project.name} {self.release.version} is yanked: "
                                       "installers skip it unless it is pinned exactly.")
        return HttpResponseRedirect(self.release_url())


class UnyankView(ReleaseActionMixin, TemplateView):
    """Undo a yank: installers may choose the release again."""

    template_name = "web/release_unyank.html"
    view_capability = post_capability = Capability.PROJECT_YANK

    def post(self, request, *args, **kwargs):
        services.release_yank(release=self.release, undo=True, principal=self.principal)
        messages.success(request, f"{self.project.name} {self.release.version} is no longer "
                                  "yanked.")
        return HttpResponseRedirect(self.release_url())


class ReleaseDeleteView(ReleaseActionMixin, TemplateView):
    """Delete a release and its files, after a confirmation page."""

    template_name = "web/release_delete.html"
    view_capability = post_capability = Capability.PROJECT_DELETE

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            files=selectors.release_files(self.release, include_quarantined=True), **kwargs)

    def post(self, request, *args, **kwargs):
        names = services.release_delete(release=self.release, principal=self.principal)
        messages.success(request, f"{self.project.name} {self.release.version} is deleted "
                                  f"with {len(names)} file(s). {FILENAME_RULE}")
        return HttpResponseRedirect(self.project_url())


class FileDeleteView(ReleaseActionMixin, TemplateView):
    """Delete one file of a release, after a confirmation page."""

    template_name = "web/file_delete.html"
    view_capability = post_capability = Capability.PROJECT_DELETE

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = selectors.file_get(self.project, kwargs["filename"])
        if found is None or found.release_id != self.release.pk:
            raise Http404("No such file.")
        self.file = found

    def get_context_data(self, **kwargs):
        return super().get_context_data(file=self.file, **kwargs)

    def post(self, request, *args, **kwargs):
        services.file_delete(file=self.file, principal=self.principal)
        messages.success(request, f"{self.file.filename} is deleted. {FILENAME_RULE}")
        return HttpResponseRedirect(self.release_url())


class ProjectDeleteView(ProjectPageMixin, FormView):
    """Delete a project with every release and file; the person types its name to confirm."""

    template_name = "web/project_delete.html"
    form_class = ConfirmNameForm
    view_capability = post_capability = Capability.PROJECT_DELETE

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "expected": self.project.name}

    def get_context_data(self, **kwargs):
        return super().get_context_data(filename_rule=FILENAME_RULE, **kwargs)

    def form_valid(self, form):
        names = services.project_delete(project=self.project, principal=self.principal)
        messages.success(self.request, f"{self.project.name} is deleted with {len(names)} "
                                       f"file(s). {FILENAME_RULE}")
        return HttpResponseRedirect(reverse("org-home", args=[self.org.slug]))
