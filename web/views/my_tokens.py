"""A person's own API tokens: ``/accounts/tokens/`` lists them (in every org),
``/accounts/tokens/new/`` creates one, ``/accounts/tokens/{key_id}/revoke/`` revokes one.

Pages for a browser session only: a token presented to them counts for nothing (a token
never manages tokens from here). A token belongs to one of the person's orgs; its scope is
the whole org or projects they may read there, and its permission at most what they hold
(``registry.permissions.permission_held``; the service refuses more). The new token is
shown once, in the answer to the POST that created it: never after a redirect, in a
message or in the session, and that answer is not cached.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, View

from accounts import services
from accounts.authentication import client_ip
from accounts.capabilities import PERMISSION_ORDER, Permission
from accounts.principals import Principal
from accounts.selectors import orgs_of, token_descendants, tokens_of_user
from registry.permissions import permission_held
from registry.selectors import projects_readable
from web.account_forms import TokenCreateForm
from web.token_config import client_configs
from web.views.project import site_base


class MyTokensPage(LoginRequiredMixin, ListView):
    """Every token of mine, newest first, with where and when it was last used."""

    template_name = "web/account/tokens.html"
    context_object_name = "tokens"
    paginate_by = 25
    extra_context = {"nav_section": "tokens"}

    def get_queryset(self):
        return tokens_of_user(self.request.user)


@method_decorator(never_cache, name="dispatch")
class TokenCreatePage(LoginRequiredMixin, View):
    """Choose one of my orgs (``?org=``), then what the token may do there."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.orgs = list(orgs_of(request.user).order_by("name", "slug"))
            chosen = request.GET.get("org") or (self.orgs[0].slug if len(self.orgs) == 1
                                                 else "")
            self.org = next((o for o in self.orgs if o.slug == chosen), None)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        if self.org is None:
            return self.choose_org(request)
        return self.form_page(request, self.form())

    def post(self, request):
        if self.org is None:
            return self.choose_org(request, status=400)
        form = self.form(request.POST)
        if form.is_valid():
            try:
                token, plaintext = self.create(request, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self.created_page(request, token, plaintext)
        return self.form_page(request, form, status=400)

    def choose_org(self, request, status: int = 200):
        return render(request, "web/account/token_org.html", {
            "orgs": self.orgs, "asked": request.GET.get("org", ""),
            "nav_section": "tokens"}, status=status)

    def readable(self):
        principal = Principal(user=self.request.user)
        return projects_readable(principal, self.org).order_by("normalized_name")

    def form(self, data=None) -> TokenCreateForm:
        choices = [(p.normalized_name, p.name) for p in self.readable()]
        return TokenCreateForm(data, projects=choices,
                               up_to=permission_held(self.request.user, self.org)
                               or Permission.READ)

    def form_page(self, request, form, status: int = 200):
        return render(request, "web/account/token_new.html", {
            "form": form, "chosen_org": self.org, "orgs": self.orgs,
            "nav_section": "tokens"}, status=status)

    def create(self, request, data: dict):
        chosen = list(self.readable().filter(normalized_name__in=data["projects"]))
        held = permission_held(request.user, self.org, chosen if data["projects"] else None)
        if held is None:
            raise ValidationError("You hold no permission there.")
        return services.token_create(
            org=self.org, user=request.user, permission=data["permission"],
            projects=data["projects"], expires_days=data["expires_days"],
            description=data["description"], owner_holds=held,
            principal=Principal(user=request.user, ip=client_ip(request)))

    def created_page(self, request, token, plaintext: str):
        can_upload = (PERMISSION_ORDER.index(Permission(token.permission))
                      >= PERMISSION_ORDER.index(Permission.UPLOAD))
        return render(request, "web/account/token_created.html", {
            "token": token, "plaintext": plaintext, "nav_section": "tokens",
            "configs": client_configs(base=site_base(request), org_slug=self.org.slug,
                                      token=plaintext, can_upload=can_upload)})


class TokenRevokePage(LoginRequiredMixin, View):
    """Asks first; then revokes the token and every token created with it. Another person's
    token is 404, exactly as a key that does not exist."""

    def token(self, key_id: str):
        found = tokens_of_user(self.request.user).filter(key_id=key_id).first()
        if found is None:
            raise Http404("No such token.")
        return found

    def get(self, request, key_id: str):
        token = self.token(key_id)
        return render(request, "web/account/token_revoke.html", {
            "token": token, "nav_section": "tokens",
            "children": [t for t in token_descendants(token) if t.revoked_at is None]})

    def post(self, request, key_id: str):
        token = self.token(key_id)
        if token.revoked_at is not None:
            messages.info(request, f"Token {token.key_id} was already revoked.")
            return redirect("my-tokens")
        children = [t for t in token_descendants(token) if t.revoked_at is None]
        services.token_revoke(token=token,
                              principal=Principal(user=request.user, ip=client_ip(request)))
        with_them = (f", and {len(children)} token{'s' if len(children) != 1 else ''} "
                     "created with it" if children else "")
        messages.success(request, f"Token {token.key_id} ({token.org.slug}) is revoked"
                                  f"{with_them}: it no longer works.")
        return redirect("my-tokens")
