"""The one permission vocabulary: capabilities and the role-to-capability table.

Pure data and pure functions: no database, no Django models. Project-level decisions
(``registry.permissions``) read these tables and nothing else.
"""

from enum import StrEnum


class Capability(StrEnum):
    PROJECT_READ = "project:files:read"
    PROJECT_UPLOAD = "project:files:upload"
    PROJECT_YANK = "project:releases:yank"
    PROJECT_MANAGE = "project:settings:manage"
    PROJECT_DELETE = "project:settings:delete"
    PROJECT_GRANTS = "project:grants:manage"
    ORG_READ = "org:projects:list"
    ORG_MEMBERS_READ = "org:members:read"  # members, teams, one's own tokens there
    ORG_QUARANTINE_READ = "org:quarantine:read"  # quarantined files in API listings
    ORG_CREATE_PROJECT = "org:projects:create"
    ORG_MEMBERS = "org:members:manage"
    ORG_TEAMS = "org:teams:manage"
    ORG_TOKENS = "org:tokens:manage"
    ORG_SETTINGS = "org:settings:manage"
    ORG_AUDIT = "org:audit:read"
    ORG_OWNERS = "org:owners:manage"
    ORG_DELETE = "org:settings:delete"


class OrgRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Permission(StrEnum):
    """A project permission (granted to a team or user) and a token's permission."""

    READ = "read"
    UPLOAD = "upload"
    ADMIN = "admin"


class Visibility(StrEnum):
    PRIVATE = "private"
    INTERNAL = "internal"
    PUBLIC = "public"


PROJECT_CAPABILITIES = frozenset(c for c in Capability if c.value.startswith("project:"))
ORG_CAPABILITIES = frozenset(c for c in Capability if c.value.startswith("org:"))

# What a token scoped to named projects may do at org level: "the management API within
# the scope" never reaches the org's members, teams, tokens, settings or audit log, not even
# to read them, whatever the token's permission.
SCOPED_TOKEN_ORG_CAPABILITIES = frozenset({Capability.ORG_READ, Capability.ORG_CREATE_PROJECT})

PERMISSION_CAPABILITIES: dict[Permission, frozenset[Capability]] = {
    Permission.READ: frozenset({Capability.PROJECT_READ}),
    Permission.UPLOAD: frozenset(
        {Capability.PROJECT_READ, Capability.PROJECT_UPLOAD, Capability.PROJECT_YANK}
    ),
    Permission.ADMIN: PROJECT_CAPABILITIES,
}

_ADMIN_ORG = frozenset(
    {
        Capability.ORG_READ,
        Capability.ORG_MEMBERS_READ,
        Capability.ORG_QUARANTINE_READ,
        Capability.ORG_CREATE_PROJECT,
        Capability.ORG_MEMBERS,
        Capability.ORG_TEAMS,
        Capability.ORG_TOKENS,
        Capability.ORG_SETTINGS,
        Capability.ORG_AUDIT,
    }
)

ROLE_CAPABILITIES: dict[OrgRole, frozenset[Capability]] = {
    OrgRole.OWNER: frozenset(Capability),
    OrgRole.ADMIN: _ADMIN_ORG | PROJECT_CAPABILITIES,
    # Members read unrestricted projects; creating projects depends on an org setting.
    OrgRole.MEMBER: frozenset({Capability.ORG_READ, Capability.ORG_MEMBERS_READ}),
}

# Capabilities a token may ever exercise, by its permission. A token never exceeds its owner.
# Quarantined content (projects, and files in API listings) is for owners and admins in a
# session only: no token ever sees it.
TOKEN_CAPABILITIES: dict[Permission, frozenset[Capability]] = {
    Permission.READ: frozenset(
        {Capability.PROJECT_READ, Capability.ORG_READ, Capability.ORG_MEMBERS_READ}
    ),
    Permission.UPLOAD: frozenset(
        {
            Capability.PROJECT_READ,
            Capability.ORG_READ,
            Capability.ORG_MEMBERS_READ,
            Capability.PROJECT_UPLOAD,
            Capability.PROJECT_YANK,
            Capability.ORG_CREATE_PROJECT,
        }
    ),
    Permission.ADMIN: frozenset(Capability)
    - {Capability.ORG_OWNERS, Capability.ORG_DELETE, Capability.ORG_QUARANTINE_READ},
}

PERMISSION_ORDER = [Permission.READ, Permission.UPLOAD, Permission.ADMIN]


def strongest(permissions) -> Permission | None:
    """The strongest of some permissions, or None when there are none."""
    ranked = [PERMISSION_ORDER.index(Permission(p)) for p in permissions]
    return PERMISSION_ORDER[max(ranked)] if ranked else None


def role_allows(role: OrgRole | str | None, capability: Capability) -> bool:
    return role is not None and capability in ROLE_CAPABILITIES[OrgRole(role)]


def permission_allows(permission: Permission | str | None, capability: Capability) -> bool:
    return permission is not None and capability in PERMISSION_CAPABILITIES[Permission(permission)]


def token_allows(permission: Permission | str, capability: Capability) -> bool:
    return capability in TOKEN_CAPABILITIES[Permission(permission)]
