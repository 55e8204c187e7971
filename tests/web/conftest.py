"""One org with every kind of person the web pages must tell apart, and its projects.

``acme`` (private by default) has ``billing`` (private, two releases with metadata and
files), ``secret-lib`` (private, restricted to the team ``backend``, which may read it) and
``open-lib`` (public). ``zeta`` is another org. The people: ``owner``, ``admin``, ``member``
(a plain member), ``teammate`` (a member in ``backend``), ``uploader`` (a member granted
upload on ``billing``), ``outsider`` (a member of ``zeta`` only) and ``loner`` (in no org).
"""

from dataclasses import dataclass

import pytest

from accounts.models import Organization, User
from registry.models import File, Project, ProjectGrant, Release
from tests.factories import (
    FileFactory,
    OrgFactory,
    ProjectFactory,
    ReleaseFactory,
    TeamFactory,
    UserFactory,
    member,
)

BILLING_METADATA = {
    "summary": "Invoices and payments for the whole company",
    "author": "Ada Lovelace", "author_email": "ada@example.com",
    "maintainer": "", "maintainer_email": "Billing Team <billing@example.com>",
    "license_expression": "Apache-2.0", "license": None,
    "requires_python": ">=3.11",
    "requires_dist": ["httpx>=0.27", "rich; extra == 'cli'",
                      "pytest>=8; extra == \"test\" and python_version >= \"3.11\""],
    "provides_extra": ["cli", "test"],
    "classifiers": ["Programming Language :: Python :: 3",
                    "License :: OSI Approved :: Apache Software License"],
    "project_urls": {"Source": "https://git.example.com/billing",
                     "Evil": "javascript:alert(1)"},
    "keywords": ["invoices", "payments"],
    "description": "# Billing\n\nRaw readme text.",
}


@dataclass
class World:
    org: Organization
    other: Organization
    owner: User
    admin: User
    member: User
    teammate: User
    uploader: User
    outsider: User
    loner: User
    billing: Project
    secret: Project
    public: Project
    old: Release
    new: Release
    wheel: File
    sdist: File

    def person(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    org = OrgFactory(slug="acme", name="Acme Corp")
    other = OrgFactory(slug="zeta", name="Zeta Inc")
    people = {role: member(org, role, username=role) for role in ("owner", "admin")}
    people.update({name: member(org, username=name)
                   for name in ("member", "teammate", "uploader")})
    outsider = member(other, username="outsider")
    billing = ProjectFactory(org=org, name="billing", visibility="private")
    secret = ProjectFactory(org=org, name="secret-lib", visibility="private", restricted=True)
    public = ProjectFactory(org=org, name="open-lib", visibility="public")
    team = TeamFactory(org=org, slug="backend")
    team.members.add(people["teammate"])
    ProjectGrant.objects.create(project=secret, team=team, permission="read")
    ProjectGrant.objects.create(project=billing, user=people["uploader"], permission="upload")
    old = ReleaseFactory(project=billing, version="1.0", metadata={"summary": "Old summary"})
    new = ReleaseFactory(project=billing, version="2.0", metadata=BILLING_METADATA,
                         requires_python=">=3.11", description=BILLING_METADATA["description"])
    FileFactory(release=old)
    wheel = FileFactory(release=new, uploader=people["uploader"])
    sdist = FileFactory(release=new, filename="billing-2.0.tar.gz", packagetype="sdist",
                        python_version="source", size=20480, uploader=people["uploader"])
    FileFactory(release=ReleaseFactory(project=secret, version="0.1",
                                       metadata={"summary": "Hidden"}))
    FileFactory(release=ReleaseFactory(project=public, version="3.1",
                                       metadata={"summary": "Free for all"}),
                uploader=people["member"])
    return World(org=org, other=other, outsider=outsider, loner=UserFactory(username="loner"),
                 billing=billing, secret=secret, public=public, old=old, new=new,
                 wheel=wheel, sdist=sdist, **people)


@pytest.fixture
def browse(client, world):
    """``browse("member")`` returns the test client signed in as that person (anonymous
    for ``"anonymous"``)."""

    def as_person(name: str):
        client.logout()
        user = world.person(name)
        if user is not None:
            client.force_login(user)
        return client

    return as_person
