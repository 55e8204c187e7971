"""An org's upstream indexes: ``/{org}/-/upstreams/`` for its owners and admins.

One page lists the upstreams in the order they are asked, the reserved, allow and deny
patterns, the policy with its refusal counter, and the size of the proxy cache, with a form
for each; removing posts to its own small view. Everything needs ``Capability.ORG_SETTINGS``,
as in the API.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from accounts.capabilities import Capability
from registry.models import UpstreamPatternKind
from registry.upstream import selectors, services
from web.mixins import OrgPageMixin


class UpstreamForm(forms.Form):
    url = forms.CharField(max_length=500, label="Simple index URL",
                          help_text="Ends in /simple/ for most indexes, PyPI included.")
    username = forms.CharField(max_length=200, required=False, label="Username")
    password = forms.CharField(max_length=500, required=False, label="Password",
                               widget=forms.PasswordInput,
                               help_text="Stored encrypted; never shown again.")


class PatternForm(forms.Form):
    kind = forms.ChoiceField(choices=UpstreamPatternKind.choices, label="Kind",
                             help_text="Reserved: your own namespace, never proxied. Allow / "
                                       "deny: names proxied or not.")
    pattern = forms.CharField(max_length=200, label="Pattern",
                              help_text="A glob over normalised names, such as acme-*.")


class PolicyForm(forms.Form):
    allow_list_only = forms.BooleanField(required=False, label="Proxy allow-listed names only")


class UpstreamsMixin(OrgPageMixin):
    nav_section = "upstreams"
    view_capability = post_capability = Capability.ORG_SETTINGS

    def page_url(self) -> str:
        return reverse("org-upstreams", args=[self.org.slug])


class UpstreamsPage(UpstreamsMixin, TemplateView):
    template_name = "web/org/upstreams.html"

    def get_context_data(self, **kwargs):
        policy = selectors.policy_of(self.org)
        kwargs.setdefault("upstream_form", UpstreamForm())
        kwargs.setdefault("pattern_form", PatternForm())
        kwargs.setdefault("policy_form",
                          PolicyForm(initial={"allow_list_only": policy.allow_list_only}))
        return super().get_context_data(
            upstreams=selectors.upstreams_of(self.org), patterns=selectors.patterns_of(self.org),
            defaults=selectors.sources_of(self.org), policy=policy,
            cached_bytes=selectors.cache_size(self.org),
            crumbs=[("Upstream indexes", "")], **kwargs)

    def post(self, request, *args, **kwargs):
        """Add an upstream (form ``upstream``), a pattern (``pattern``) or set the policy."""
        which = request.POST.get("form")
        if which == "pattern":
            return self._submitted(PatternForm(request.POST), "pattern_form", self._pattern)
        if which == "policy":
            return self._submitted(PolicyForm(request.POST), "policy_form", self._policy)
        return self._submitted(UpstreamForm(request.POST), "upstream_form", self._upstream)

    def _submitted(self, form, name: str, save):
        if form.is_valid():
            try:
                message = save(form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(self.request, message)
                return HttpResponseRedirect(self.page_url())
        return self.render_to_response(self.get_context_data(**{name: form}), status=400)

    def _upstream(self, data) -> str:
        upstream = services.upstream_add(org=self.org, principal=self.principal, **data)
        return f"{upstream.url} is upstream number {upstream.position + 1}."

    def _pattern(self, data) -> str:
        pattern = services.pattern_add(org=self.org, principal=self.principal, **data)
        return f"The {pattern.kind} pattern '{pattern.pattern}' is added."

    def _policy(self, data) -> str:
        services.policy_update(org=self.org, principal=self.principal, **data)
        return ("Only allow-listed names are proxied now." if data["allow_list_only"]
                else "Every name the guard lets through is proxied now.")


class UpstreamRemoveView(UpstreamsMixin, View):
    def post(self, request, *args, upstream_id: int, **kwargs):
        upstream = selectors.upstreams_of(self.org).filter(pk=upstream_id).first()
        if upstream is None:
            raise Http404("No such upstream.")
        services.upstream_remove(upstream=upstream, principal=self.principal)
        messages.success(request, f"{upstream.url} is no longer an upstream.")
        return HttpResponseRedirect(self.page_url())


class PatternRemoveView(UpstreamsMixin, View):
    def post(self, request, *args, pattern_id: int, **kwargs):
        pattern = selectors.patterns_of(self.org).filter(pk=pattern_id).first()
        if pattern is None:
            raise Http404("No such pattern.")
        services.pattern_remove(pattern=pattern, principal=self.principal)
        messages.success(request, f"The {pattern.kind} pattern '{pattern.pattern}' is removed.")
        return HttpResponseRedirect(self.page_url())
