"""An org's members and invitations: ``/{org}/-/members/``.

Every member may read the list (``Capability.ORG_MEMBERS_READ``, as in the API); inviting,
changing roles, removing members and answering for invitations need
``Capability.ORG_MEMBERS``, and whatever touches an owner (inviting one, making one, changing
or removing one) also ``Capability.ORG_OWNERS``. The services write, and keep an owner in
every org: refusing to leave it without one is their word, shown as a message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView

from accounts import invitations, selectors
from accounts import services as account_services
from accounts.capabilities import Capability, OrgRole
from accounts.models import Invitation, Membership
from registry import services
from registry.selectors import grants_to_user
from web.forms_orgadmin import InviteForm, RoleForm, role_choices
from web.mixins import OrgPageMixin, forbidden

OWNER_RULE = "Only owners invite, make, change or remove owners. Nothing was changed."


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class MembersMixin(OrgPageMixin):
    nav_section = "members"

    @property
    def manages_owners(self) -> bool:
        return Capability.ORG_OWNERS in self.capabilities

    def members_url(self) -> str:
        return reverse("org-members", args=[self.org.slug])

    def refuse_owner_change(self, *roles: str):
        """The 403 page when one of ``roles`` is owner and the caller may not manage owners."""
        if OrgRole.OWNER in roles and not self.manages_owners:
            return forbidden(self.request, OWNER_RULE, self.org)
        return None

    def crumbs(self, *more) -> list[tuple[str, str]]:
        return [("Members", self.members_url()), *more]


class MembersPage(MembersMixin, ListView):
    """The members with their roles; for who manages members, the controls and the
    invitations waiting for an answer."""

    template_name = "web/org/members.html"
    context_object_name = "members"
    paginate_by = 50
    view_capability = Capability.ORG_MEMBERS_READ

    def get_queryset(self):
        return selectors.members_of(self.org)

    def get_context_data(self, **kwargs):
        manages = Capability.ORG_MEMBERS in self.capabilities
        return super().get_context_data(
            invitations=selectors.invitations_pending(self.org) if manages else [],
            invite_form=InviteForm(may_manage_owners=self.manages_owners) if manages else None,
            role_choices=role_choices(self.manages_owners), **kwargs)


class InviteView(MembersMixin, FormView):
    """Invite someone by email with a role; the email carries the link to accept."""

    template_name = "web/org/invite.html"
    form_class = InviteForm
    view_capability = post_capability = Capability.ORG_MEMBERS

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "may_manage_owners": self.manages_owners}

    def post(self, request, *args, **kwargs):
        return self.refuse_owner_change(request.POST.get("role", "")) or \
            super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        try:
            invitations.invitation_create(org=self.org, role=role, email=email,
                                          principal=self.principal)
        except ValidationError as exc:
            form.add_error("email", exc)
            return self.form_invalid(form)
        except invitations.EmailFailed as exc:
            messages.error(self.request, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation sent to {email} as {role}; the link in "
                                       "it works for 7 days.")
        return HttpResponseRedirect(self.members_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(crumbs=self.crumbs(("Invite", "")), **kwargs)


class MemberMixin(MembersMixin):
    """A page about one member (URL keyword ``username``): 404 for anyone else."""

    membership: Membership

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = selectors.member_get(self.org, kwargs["username"])
        if found is None:
            raise Http404("No such member.")
        self.membership = found

    def get_context_data(self, **kwargs):
        return super().get_context_data(membership=self.membership, **kwargs)


class RoleView(MemberMixin, FormView):
    """Change a member's role; the services refuse to leave the org without an owner."""

    template_name = "web/org/member_role.html"
    form_class = RoleForm
    view_capability = post_capability = Capability.ORG_MEMBERS

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "may_manage_owners": self.manages_owners}

    def get_initial(self):
        return {"role": self.membership.role}

    def get(self, request, *args, **kwargs):
        return self.refuse_owner_change(self.membership.role) or super().get(request)

    def post(self, request, *args, **kwargs):
        refusal = self.refuse_owner_change(self.membership.role, request.POST.get("role", ""))
        return refusal or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user, role = self.membership.user, form.cleaned_data["role"]
        if role == self.membership.role:
            messages.info(self.request, f"{user.username} is already {role}.")
            return HttpResponseRedirect(self.members_url())
        try:
            account_services.membership_set(org=self.org, user=user, role=role,
                                            principal=self.principal)
        except ValidationError as exc:
            messages.error(self.request, f"{error_text(exc)} Nothing was changed.")
        else:
            messages.success(self.request, f"{user.username} is now {role} of {self.org.slug}.")
        return HttpResponseRedirect(self.members_url())

    def get_context_data(self, **kwargs):
        name = self.membership.user.username
        return super().get_context_data(crumbs=self.crumbs((f"Role of {name}", "")), **kwargs)


class MemberRemoveView(MemberMixin, TemplateView):
    """Remove a member after a page that shows what goes with them: their tokens here (and
    the tokens created with those), their teams and their own grants."""

    template_name = "web/org/member_remove.html"
    view_capability = post_capability = Capability.ORG_MEMBERS

    def get(self, request, *args, **kwargs):
        return self.refuse_owner_change(self.membership.role) or super().get(request)

    def get_context_data(self, **kwargs):
        user = self.membership.user
        tokens = list(selectors.tokens_of_org(self.org, user=user, active=True))
        created = [child for token in tokens for child in selectors.token_descendants(token)
                   if child.is_active]
        return super().get_context_data(
            tokens=tokens, created=created, teams=selectors.teams_of_user(self.org, user),
            grants=grants_to_user(self.org, user),
            crumbs=self.crumbs((f"Remove {user.username}", "")), **kwargs)

    def post(self, request, *args, **kwargs):
        refusal = self.refuse_owner_change(self.membership.role)
        if refusal:
            return refusal
        user = self.membership.user
        try:
            services.member_remove(org=self.org, user=user, principal=self.principal)
        except ValidationError as exc:
            messages.error(request, f"{error_text(exc)} Nothing was changed.")
        else:
            messages.success(request, f"{user.username} is no longer a member of "
                                      f"{self.org.slug}; their tokens here are revoked and "
                                      "their teams and grants withdrawn.")
            if user == self.principal.user:  # the org's pages are closed to them now
                return HttpResponseRedirect(reverse("home"))
        return HttpResponseRedirect(self.members_url())


class InvitationMixin(MembersMixin):
    """A page about one of the org's invitations (URL keyword ``invitation_id``)."""

    invitation: Invitation
    view_capability = post_capability = Capability.ORG_MEMBERS

    def resolve(self, **kwargs) -> None:
        super().resolve(**kwargs)
        found = selectors.invitation_of(self.org, kwargs["invitation_id"])
        if found is None:
            raise Http404("No such invitation.")
        self.invitation = found

    def get_context_data(self, **kwargs):
        return super().get_context_data(invitation=self.invitation, **kwargs)

    def invitee(self) -> str:
        return self.invitation.email or self.invitation.invitee.username


class InvitationResendView(InvitationMixin, TemplateView):
    """Send an invitation again with a new link (the old one stops working)."""

    template_name = "web/org/invitation_resend.html"

    def get(self, request, *args, **kwargs):
        return self.refuse_owner_change(self.invitation.role) or super().get(request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            crumbs=self.crumbs((f"Send the invitation of {self.invitee()} again", "")),
            **kwargs)

    def post(self, request, *args, **kwargs):
        refusal = self.refuse_owner_change(self.invitation.role)
        if refusal:
            return refusal
        try:
            invitations.invitation_resend(invitation=self.invitation, principal=self.principal)
        except (ValidationError, invitations.EmailFailed) as exc:
            text = error_text(exc) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            messages.success(request, f"The invitation is sent to {self.invitee()} again; "
                                      "the earlier link no longer works.")
        return HttpResponseRedirect(self.members_url())


class InvitationCancelView(InvitationMixin, TemplateView):
    """Withdraw an invitation: its link stops working."""

    template_name = "web/org/invitation_cancel.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            crumbs=self.crumbs((f"Withdraw the invitation of {self.invitee()}", "")),
            **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            invitations.invitation_cancel(invitation=self.invitation, principal=self.principal)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"The invitation of {self.invitee()} is withdrawn; its "
                                      "link no longer works.")
        return HttpResponseRedirect(self.members_url())
