"""The whole capability matrix: every principal kind x every capability x every visibility.

Each row of ``PROJECT_MATRIX`` is written out by hand from ARCHITECTURE §4-§5: the letters
give the capabilities on a private, an internal and a public project, first unrestricted,
then restricted to named teams. ``-`` nothing, ``R`` read, ``U`` read + upload + yank,
``A`` every project capability.

"Internal" is for signed-in users who belong to some org of the instance: an ``outsider``
(an owner of another org) reads it, a ``newcomer`` (signed up, in no org) and a
``former_member`` (in no org any more) do not. A token acts only in its own org: an
outsider's token reads here only what anonymous callers read (``outsider_token_read``).
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.capabilities import Capability
from accounts.models import Membership
from accounts.principals import ANONYMOUS, Principal
from registry.models import ProjectGrant, ProjectStatus
from registry.permissions import can, can_create_project, org_capabilities
from registry.selectors import projects_public, projects_readable
from tests.factories import (
    OrgFactory,
    ProjectFactory,
    TeamFactory,
    UserFactory,
    member,
    token_for,
)

C = Capability
LETTERS = {
    "-": frozenset(),
    "R": frozenset({C.PROJECT_READ}),
    "U": frozenset({C.PROJECT_READ, C.PROJECT_UPLOAD, C.PROJECT_YANK}),
    "A": frozenset(c for c in C if c.value.startswith("project:")),
}
VISIBILITIES = ["private", "internal", "public"]

PROJECT_MATRIX = {
    # kind:                       (unrestricted, restricted)
    "anonymous":                   ("--R", "--R"),
    "outsider":                    ("-RR", "-RR"),
    "newcomer":                    ("--R", "--R"),
    "unverified_newcomer":         ("--R", "--R"),
    "former_member":               ("--R", "--R"),
    "member":                      ("RRR", "-RR"),
    "member_user_read":            ("RRR", "RRR"),
    "member_user_upload":          ("UUU", "UUU"),
    "member_team_upload":          ("UUU", "UUU"),
    "member_team_read_user_admin": ("AAA", "AAA"),
    "admin":                       ("AAA", "AAA"),
    "owner":                       ("AAA", "AAA"),
    "owner_token_read":            ("RRR", "RRR"),
    "owner_token_upload":          ("UUU", "UUU"),
    "owner_token_admin":           ("AAA", "AAA"),
    "owner_token_admin_elsewhere": ("--R", "--R"),
    "owner_token_read_elsewhere":  ("--R", "--R"),
    "member_token_admin":          ("RRR", "-RR"),
    "member_user_upload_token_read": ("RRR", "RRR"),
    "former_member_token":         ("--R", "--R"),
    "org_token_read":              ("RRR", "RRR"),
    "org_token_upload":            ("UUU", "UUU"),
    "org_token_admin":             ("AAA", "AAA"),
    "org_token_upload_in_scope":   ("UUU", "UUU"),
    "org_token_upload_elsewhere":  ("--R", "--R"),
    "org_token_revoked":           ("--R", "--R"),
    "org_token_expired":           ("--R", "--R"),
    "other_org_token_admin":       ("--R", "--R"),
    "outsider_token_read":         ("--R", "--R"),
    "outsider_scoped_token_admin": ("--R", "--R"),
    "former_outsider_token":       ("--R", "--R"),
}

ORG_ALL = frozenset(c for c in C if c.value.startswith("org:"))
ORG_ADMIN = ORG_ALL - {C.ORG_OWNERS, C.ORG_DELETE}
# No token sees quarantined content, whoever owns it.
TOKEN_ADMIN = ORG_ADMIN - {C.ORG_QUARANTINE_READ}
MEMBER = frozenset({C.ORG_READ, C.ORG_MEMBERS_READ})
MEMBER_CREATE = MEMBER | {C.ORG_CREATE_PROJECT}
# A token scoped to projects lists the org's projects and nothing else org-wide.
SCOPED = frozenset({C.ORG_READ})
SCOPED_CREATE = frozenset({C.ORG_READ, C.ORG_CREATE_PROJECT})
NONE = frozenset()
# kind: (org capabilities when members may create projects, when they may not)
ORG_MATRIX = {
    "anonymous": (NONE, NONE),
    "outsider": (NONE, NONE),
    "newcomer": (NONE, NONE),
    "former_member": (NONE, NONE),
    "member": (MEMBER_CREATE, MEMBER),
    "member_user_admin": (MEMBER_CREATE, MEMBER),
    "admin": (ORG_ADMIN, ORG_ADMIN),
    "owner": (ORG_ALL, ORG_ALL),
    "owner_token_read": (MEMBER, MEMBER),
    "owner_token_read_elsewhere": (SCOPED, SCOPED),
    "owner_token_upload": (MEMBER_CREATE, MEMBER_CREATE),
    "owner_token_admin": (TOKEN_ADMIN, TOKEN_ADMIN),
    "owner_token_admin_elsewhere": (SCOPED_CREATE, SCOPED_CREATE),
    "member_token_admin": (MEMBER_CREATE, MEMBER),
    "former_member_token": (NONE, NONE),
    "org_token_read": (MEMBER, MEMBER),
    "org_token_read_scoped": (SCOPED, SCOPED),
    "org_token_upload": (MEMBER_CREATE, MEMBER_CREATE),
    "org_token_upload_elsewhere": (SCOPED_CREATE, SCOPED_CREATE),
    "org_token_admin": (TOKEN_ADMIN, TOKEN_ADMIN),
    "org_token_admin_scoped": (SCOPED_CREATE, SCOPED_CREATE),
    "org_token_revoked": (NONE, NONE),
    "other_org_token_admin": (NONE, NONE),
    "outsider_token_read": (NONE, NONE),
}


@dataclass
class World:
    org: object
    other: object
    projects: dict = field(default_factory=dict)  # (visibility, restricted, status) -> Project

    def names(self) -> list[str]:
        return [p.normalized_name for p in self.projects.values()]

    def grant(self, permission: str, *, user=None, team=None) -> None:
        for project in self.projects.values():
            ProjectGrant.objects.create(project=project, user=user, team=team,
                                        permission=permission)


def build_world() -> World:
    world = World(org=OrgFactory(slug="orga"), other=OrgFactory(slug="orgb"))
    for visibility in VISIBILITIES:
        for restricted in (False, True):
            for status in (ProjectStatus.ACTIVE, ProjectStatus.QUARANTINED):
                name = f"{visibility}-{'r' if restricted else 'u'}-{status}"
                world.projects[visibility, restricted, status] = ProjectFactory(
                    org=world.org, name=name, visibility=visibility, restricted=restricted,
                    status=status)
    return world


def _user(world, role, *grants):
    user = member(world.org, role)
    for permission in grants:
        world.grant(permission, user=user)
    return user


def _token(world, user, permission, projects=None, **changes):
    token, _ = token_for(world.org, user, permission, projects)
    for key, value in changes.items():
        setattr(token, key, value)
    return Principal(user=user, token=token)


def _former(world, with_token=False):
    user = _user(world, "admin", "admin")
    principal = _token(world, user, "admin") if with_token else Principal(user=user)
    Membership.objects.filter(user=user).delete()
    user._wh_roles = {}
    return principal


def _team_member(world):
    user = _user(world, "member", "admin")
    ProjectGrant.objects.filter(user=user).delete()
    team = TeamFactory(org=world.org)
    team.members.add(user)
    world.grant("upload", team=team)
    return Principal(user=user)


def _team_read_user_admin(world):
    user = _user(world, "member", "admin")
    team = TeamFactory(org=world.org)
    team.members.add(user)
    ProjectGrant.objects.filter(user=user).delete()
    world.grant("read", team=team)
    world.grant("admin", user=user)
    return Principal(user=user)


def _other_org_token(world):
    token, _ = token_for(world.other, None, "admin")
    return Principal(token=token)


def _outsider_token(world, permission, projects=None, former=False):
    """A token of an owner of the other org (worth an anonymous caller here)."""
    user = member(world.other, "owner")
    token, _ = token_for(world.other, user, permission, projects)
    if former:
        Membership.objects.filter(user=user).delete()
    return Principal(user=user, token=token)


PRINCIPALS = {
    "anonymous": lambda w: ANONYMOUS,
    "outsider": lambda w: Principal(user=member(w.other, "owner")),
    "newcomer": lambda w: Principal(user=UserFactory()),
    "unverified_newcomer": lambda w: Principal(user=UserFactory(verified_email="")),
    "former_member": lambda w: _former(w),
    "member": lambda w: Principal(user=_user(w, "member")),
    "member_user_read": lambda w: Principal(user=_user(w, "member", "read")),
    "member_user_upload": lambda w: Principal(user=_user(w, "member", "upload")),
    "member_user_admin": lambda w: Principal(user=_user(w, "member", "admin")),
    "member_team_upload": _team_member,
    "member_team_read_user_admin": _team_read_user_admin,
    "admin": lambda w: Principal(user=_user(w, "admin")),
    "owner": lambda w: Principal(user=_user(w, "owner")),
    "owner_token_read": lambda w: _token(w, _user(w, "owner"), "read"),
    "owner_token_read_elsewhere": lambda w: _token(w, _user(w, "owner"), "read", ["zzz"]),
    "owner_token_upload": lambda w: _token(w, _user(w, "owner"), "upload"),
    "owner_token_admin": lambda w: _token(w, _user(w, "owner"), "admin"),
    "owner_token_admin_elsewhere": lambda w: _token(w, _user(w, "owner"), "admin", ["zzz"]),
    "member_token_admin": lambda w: _token(w, _user(w, "member"), "admin"),
    "member_user_upload_token_read": lambda w: _token(w, _user(w, "member", "upload"), "read"),
    "former_member_token": lambda w: _former(w, with_token=True),
    "org_token_read": lambda w: _token(w, None, "read"),
    "org_token_read_scoped": lambda w: _token(w, None, "read", ["zzz"]),
    "org_token_upload": lambda w: _token(w, None, "upload"),
    "org_token_admin": lambda w: _token(w, None, "admin"),
    "org_token_admin_scoped": lambda w: _token(w, None, "admin", ["zzz"]),
    "org_token_upload_in_scope": lambda w: _token(w, None, "upload", w.names()),
    "org_token_upload_elsewhere": lambda w: _token(w, None, "upload", ["zzz"]),
    "org_token_revoked": lambda w: _token(w, None, "admin", revoked_at=timezone.now()),
    "org_token_expired": lambda w: _token(
        w, None, "admin", expires_at=timezone.now() - timedelta(seconds=1)),
    "other_org_token_admin": _other_org_token,
    "outsider_token_read": lambda w: _outsider_token(w, "read"),
    "outsider_scoped_token_admin": lambda w: _outsider_token(w, "admin", ["zzz"]),
    "former_outsider_token": lambda w: _outsider_token(w, "admin", former=True),
}


def _expected(kind: str, visibility: str, restricted: bool) -> frozenset:
    letters = PROJECT_MATRIX[kind][1 if restricted else 0]
    return LETTERS[letters[VISIBILITIES.index(visibility)]]


@pytest.mark.django_db
class TestProjectMatrix:
    @pytest.mark.parametrize("kind", sorted(PROJECT_MATRIX))
    def test_every_capability_on_every_visibility(self, kind):
        world = build_world()
        principal = PRINCIPALS[kind](world)
        wrong = []
        for (visibility, restricted, status), project in world.projects.items():
            if status != ProjectStatus.ACTIVE:
                continue
            expected = _expected(kind, visibility, restricted)
            for capability in C:
                if not capability.value.startswith("project:"):
                    continue
                if can(principal, capability, project) != (capability in expected):
                    wrong.append((project.name, capability.value, capability in expected))
        assert wrong == []

    @pytest.mark.parametrize("kind", sorted(PROJECT_MATRIX))
    def test_quarantined_projects_only_for_managers_in_a_session(self, kind):
        world = build_world()
        principal = PRINCIPALS[kind](world)
        managers = kind in ("admin", "owner")
        for (_, _, status), project in world.projects.items():
            if status == ProjectStatus.QUARANTINED:
                assert can(principal, C.PROJECT_READ, project) is managers, project.name
                assert can(principal, C.PROJECT_UPLOAD, project) is managers, project.name

    @pytest.mark.parametrize("kind", sorted(PROJECT_MATRIX))
    def test_listing_agrees_with_the_decision(self, kind):
        world = build_world()
        principal = PRINCIPALS[kind](world)
        listed = set(projects_readable(principal, world.org, include_quarantined=True))
        index = set(projects_readable(principal, world.org))
        for project in world.projects.values():
            readable = can(principal, C.PROJECT_READ, project)
            assert (project in listed) is readable, project.name
            in_index = readable and project.status != ProjectStatus.QUARANTINED
            assert (project in index) is in_index, project.name

    def test_the_anonymous_listing_by_slug_agrees(self):
        world = build_world()
        public = set(projects_public("orga"))
        assert public == set(projects_readable(ANONYMOUS, world.org))
        assert {p.name for p in public} == {"public-u-active", "public-r-active"}
        assert not projects_public("orgb").exists() and not projects_public("nobody").exists()


@pytest.mark.django_db
class TestOrgMatrix:
    @pytest.mark.parametrize("members_create", [True, False])
    @pytest.mark.parametrize("kind", sorted(ORG_MATRIX))
    def test_org_capabilities(self, kind, members_create):
        world = build_world()
        world.org.members_can_create_projects = members_create
        world.org.save()
        principal = PRINCIPALS[kind](world)
        expected = ORG_MATRIX[kind][0 if members_create else 1]
        assert org_capabilities(principal, world.org) == expected


@pytest.mark.django_db
class TestProjectCreationByScope:
    def test_scoped_upload_token_creates_only_names_in_its_scope(self):
        world = build_world()
        principal = _token(world, None, "upload", ["new-thing"])
        assert can_create_project(principal, world.org, "new-thing")
        assert not can_create_project(principal, world.org, "other-thing")

    def test_read_token_never_creates(self):
        world = build_world()
        principal = _token(world, None, "read", ["new-thing"])
        assert not can_create_project(principal, world.org, "new-thing")

    def test_member_creates_only_where_the_org_allows(self):
        world = build_world()
        principal = Principal(user=_user(world, "member"))
        assert can_create_project(principal, world.org, "x")
        world.org.members_can_create_projects = False
        world.org.save()
        principal.user._wh_roles = {}
        assert not can_create_project(principal, world.org, "x")

