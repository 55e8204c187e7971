"""What the tests of the org administration pages share: the objects those pages act on,
beside tests/web/conftest.py's ``world``, and a snapshot of everything they could change."""

from dataclasses import dataclass

from accounts import invitations
from accounts.models import ApiToken, AuditEvent, Invitation, Membership, Team
from accounts.principals import Principal
from registry.models import ProjectGrant
from tests.factories import token_for


@dataclass
class Admin:
    invitation: Invitation  # pending, of new@example.com as member
    invitation_key: str
    member_token: ApiToken  # the plain member's own read token
    ci_token: ApiToken  # an org-owned upload token
    ci_secret: str


def admin_objects(world) -> Admin:
    """Make an ``Admin``'s objects in ``world``'s org (each test module's ``admin_world``
    fixture)."""
    invitation, key = invitations.invitation_create(
        org=world.org, email="new@example.com", principal=Principal(user=world.owner))
    member_token, _ = token_for(world.org, world.member, permission="read")
    ci_token, ci_secret = token_for(world.org, None, permission="upload")
    return Admin(invitation=invitation, invitation_key=key, member_token=member_token,
                 ci_token=ci_token, ci_secret=ci_secret)


def state() -> tuple:
    """Everything the org administration pages could change."""
    return (
        sorted(Membership.objects.values_list("org__slug", "user__username", "role")),
        sorted(Team.objects.values_list("org__slug", "slug", "name")),
        sorted(Team.members.through.objects.values_list("team__slug", "user__username")),
        sorted(Invitation.objects.values_list("pk", "status", "key_hash", "expires_at")),
        sorted(ApiToken.objects.values_list("key_id", "revoked_at")),
        sorted(ProjectGrant.objects.values_list("pk", "permission")),
        AuditEvent.objects.count(),
    )


def urls(admin: Admin) -> dict[str, str]:
    """Every page of the org administration, by a short name."""
    invitation, token = admin.invitation.pk, admin.ci_token.key_id
    return {
        "members": "/acme/-/members/",
        "invite": "/acme/-/members/invite/",
        "role": "/acme/-/members/member/role/",
        "remove": "/acme/-/members/member/remove/",
        "resend": f"/acme/-/members/invitations/{invitation}/resend/",
        "cancel": f"/acme/-/members/invitations/{invitation}/cancel/",
        "teams": "/acme/-/teams/",
        "team": "/acme/-/teams/backend/",
        "team_add": "/acme/-/teams/backend/members/",
        "team_remove": "/acme/-/teams/backend/members/teammate/remove/",
        "team_delete": "/acme/-/teams/backend/delete/",
        "tokens": "/acme/-/tokens/",
        "revoke": f"/acme/-/tokens/{token}/revoke/",
        "audit": "/acme/-/audit/",
    }


# What a form on each page would post (harmless where a page takes no input).
POSTS = {
    "members": {}, "invite": {"email": "x@example.com", "role": "member"},
    "role": {"role": "admin"}, "remove": {}, "resend": {}, "cancel": {},
    "teams": {"slug": "newteam", "name": "New"}, "team": {"name": "Renamed"},
    "team_add": {"username": "member"}, "team_remove": {}, "team_delete": {},
    "tokens": {"description": "ci", "permission": "upload", "projects": "",
               "expires_days": "30"},
    "revoke": {}, "audit": {},
}

# The pages every member may read (``org:members:read``); the others are for admins.
MEMBER_PAGES = ("members", "teams", "team")
