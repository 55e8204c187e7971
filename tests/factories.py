"""factory_boy factories for every model, and small helpers built on them."""

import hashlib

import factory
from django.utils import timezone
from packaging.utils import canonicalize_name, canonicalize_version

from accounts import services as account_services
from accounts.models import Membership, Organization, Team, User
from registry.models import File, Project, Release
from registry.storage import blob_path


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    # Verified, as an account that has followed its link; pass verified_email="" for one
    # that has not.
    verified_email = factory.LazyAttribute(lambda o: o.email)
    email_verified_at = factory.LazyAttribute(lambda o: timezone.now() if o.email else None)
    password = factory.django.Password("correct horse battery staple")


class OrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    org = factory.SubFactory(OrgFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    org = factory.SubFactory(OrgFactory)
    slug = factory.Sequence(lambda n: f"team{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    org = factory.SubFactory(OrgFactory)
    name = factory.Sequence(lambda n: f"project-{n}")
    normalized_name = factory.LazyAttribute(lambda o: canonicalize_name(o.name))
    visibility = factory.LazyAttribute(lambda o: o.org.default_visibility)


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    canonical_version = factory.LazyAttribute(lambda o: canonicalize_version(o.version))


class FileFactory(factory.django.DjangoModelFactory):
    """A File row (no stored blob unless the test writes one at ``path``)."""

    class Meta:
        model = File

    release = factory.SubFactory(ReleaseFactory)
    org = factory.LazyAttribute(lambda o: o.release.project.org)
    filename = factory.LazyAttribute(
        lambda o: f"{o.release.project.normalized_name.replace('-', '_')}-"
        f"{o.release.version}-py3-none-any.whl")
    packagetype = "bdist_wheel"
    python_version = "py3"
    size = 1234
    md5_digest = factory.LazyAttribute(lambda o: hashlib.md5(o.filename.encode()).hexdigest())
    sha256_digest = factory.LazyAttribute(lambda o: hashlib.sha256(o.filename.encode()).hexdigest())
    blake2_256_digest = factory.LazyAttribute(
        lambda o: hashlib.blake2b(o.filename.encode(), digest_size=32).hexdigest())
    path = factory.LazyAttribute(lambda o: blob_path(o.org.pk, o.blake2_256_digest, o.filename))
    uploaded_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted as file_publish counts the files it records (registry.usage).
        from registry import usage

        file = super()._create(model_class, *args, **kwargs)
        usage.org_add(org_id=file.org_id, delta=file.size)
        usage.project_add(project_id=file.release.project_id, delta=file.size)
        return file


def member(org: Organization, role: str = "member", **user_kwargs) -> User:
    user = UserFactory(**user_kwargs)
    MembershipFactory(org=org, user=user, role=role)
    return user


def token_for(org: Organization, user: User | None = None, permission: str = "upload",
              projects: list[str] | None = None, expires_days: int | None = None):
    """Create a token through the service; returns (token row, plaintext)."""
    return account_services.token_create(org=org, user=user, permission=permission,
                                         projects=projects, expires_days=expires_days)


def stored_file(release: Release, data: bytes = b"PK\x05\x06" + b"\0" * 18,
                metadata: bytes | None = b"Metadata-Version: 2.1\nName: x\nVersion: 1\n",
                **kwargs) -> File:
    """A File row whose blob (and PEP 658 ``.metadata`` unless None) is in distributions storage.

    The digests are those of ``data``; pass ``filename`` etc. as for FileFactory.
    """
    from django.core.files.base import ContentFile

    from registry.storage import distributions

    digests = dict(
        md5_digest=hashlib.md5(data).hexdigest(), sha256_digest=hashlib.sha256(data).hexdigest(),
        blake2_256_digest=hashlib.blake2b(data, digest_size=32).hexdigest(), size=len(data),
        metadata_sha256=hashlib.sha256(metadata).hexdigest() if metadata is not None else "")
    file = FileFactory(release=release, **{**digests, **kwargs})
    distributions().save(file.path, ContentFile(data))
    if metadata is not None:
        distributions().save(file.path + ".metadata", ContentFile(metadata))
    return file
