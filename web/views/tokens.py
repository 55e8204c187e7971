"""An org's tokens: ``/{org}/-/tokens/``, for who manages them (``Capability.ORG_TOKENS``).

Every token of the org, people's and the org's own, with what it may do and when and from
where it was last used; creating an org-owned token for CI, and revoking any token (with the
tokens created with it, which the service revokes too).

A new token is shown once, in the answer to the POST that created it: it is never put in
the session, a message or a redirect, and that answer is never cached.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.generic import ListView, TemplateView

from accounts import selectors, services
from accounts.capabilities import Capability
from accounts.models import ApiToken
from web import install
from web.forms_orgadmin import TokenCreateForm
from web.mixins import OrgPageMixin, capability_flags
from web.views.project import site_base


class TokensMixin(OrgPageMixin):
    nav_section = "tokens"
    view_capability = post_capability = Capability.ORG_TOKENS

    def tokens_url(self) -> str:
        return reverse("org-tokens", args=[self.org.slug])


class TokensPage(TokensMixin, ListView):
    """The org's tokens, newest first, and the form that creates an org-owned token."""

    template_name = "web/org/tokens.html"
    context_object_name = "tokens"
    paginate_by = 50

    def get_queryset(self):
        return selectors.tokens_of_org(self.org).select_related("created_by")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", TokenCreateForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                token, plaintext = services.token_create(
                    org=self.org, user=None, permission=form.cleaned_data["permission"],
                    projects=form.cleaned_data["projects"],
                    expires_days=form.cleaned_data["expires_days"],
                    description=form.cleaned_data["description"], principal=self.principal)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self.created(token, plaintext)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))

    def created(self, token: ApiToken, plaintext: str):
        base = site_base(self.request)
        index = install.with_token(install.index_url(base, self.org.slug))
        response = render(self.request, "web/org/token_created.html", {
            "org": self.org, "principal": self.principal, "nav_section": self.nav_section,
            "can": capability_flags(self.capabilities), "token": token, "plaintext": plaintext,
            "crumbs": [("Tokens", self.tokens_url()), ("New token", "")],
            "twine_command": f'twine upload --repository-url {base}/{self.org.slug}/legacy/ '
                             f'-u __token__ -p "${install.TOKEN_VARIABLE}" dist/*',
            "pip_command": f'pip install --index-url "{index}" PROJECT'})
        add_never_cache_headers(response)
        return response


class TokenRevokeView(TokensMixin, TemplateView):
    """Revoke a token after a page that shows the tokens created with it, which go too."""

    template_name = "web/org/token_revoke.html"

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = selectors.token_of_org(self.org, kwargs["key_id"])
        if found is None:
            raise Http404("No such token.")
        self.token = found

    def get_context_data(self, **kwargs):
        created = [t for t in selectors.token_descendants(self.token) if t.is_active]
        return super().get_context_data(
            token=self.token, created=created,
            crumbs=[("Tokens", self.tokens_url()), (f"Revoke {self.token.key_id}", "")],
            **kwargs)

    def post(self, request, *args, **kwargs):
        created = [t for t in selectors.token_descendants(self.token) if t.is_active]
        services.token_revoke(token=self.token, principal=self.principal)
        also = f", with {len(created)} token(s) created with it" if created else ""
        messages.success(request, f"The token {self.token.key_id} is revoked{also}: it no "
                                  "longer works.")
        return HttpResponseRedirect(self.tokens_url())
