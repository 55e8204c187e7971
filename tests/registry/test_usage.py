"""The per-project and per-org byte counters the upload quota reads."""

import importlib

import pytest
from django.apps import apps
from django.db.models import Sum

from accounts.models import Organization
from accounts.principals import Principal
from registry import services
from registry.models import File, Project, Release
from tests.factories import FileFactory, OrgFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def sums() -> dict:
    """What the counters must equal: the sizes of the file rows that exist."""
    found = {("org", o.pk): o.used_bytes for o in Organization.objects.all()}
    found |= {("project", p.pk): p.used_bytes for p in Project.objects.all()}
    truth = {key: 0 for key in found}
    for org_id, total in File.objects.values_list("org_id").annotate(t=Sum("size")).order_by():
        truth[("org", org_id)] = total
    for project_id, total in (File.objects.values_list("release__project_id")
                              .annotate(t=Sum("size")).order_by()):
        truth[("project", project_id)] = total
    return {"counters": found, "files": truth}


def assert_counters_true():
    both = sums()
    assert both["counters"] == both["files"]


@pytest.fixture
def corpus():
    """Two orgs; acme has 'one' (two releases, three files) and 'two' (one file)."""
    acme, beta = OrgFactory(slug="acme"), OrgFactory(slug="beta")
    one, two = ProjectFactory(org=acme, name="one"), ProjectFactory(org=acme, name="two")
    first, second = ReleaseFactory(project=one, version="1.0"), ReleaseFactory(project=one,
                                                                               version="2.0")
    FileFactory(release=first, size=100)
    FileFactory(release=first, size=20, filename="one-1.0.tar.gz", packagetype="sdist")
    FileFactory(release=second, size=3)
    FileFactory(release=ReleaseFactory(project=two, version="1.0"), size=4000)
    FileFactory(release=ReleaseFactory(project=ProjectFactory(org=beta, name="one")), size=7)
    return acme, one, two


def test_counters_follow_new_files(corpus):
    acme, one, two = corpus
    acme.refresh_from_db(), one.refresh_from_db(), two.refresh_from_db()
    assert (acme.used_bytes, one.used_bytes, two.used_bytes) == (4123, 123, 4000)
    assert_counters_true()


def test_counters_follow_every_kind_of_delete(corpus):
    acme, one, two = corpus
    nobody = Principal()
    services.file_delete(file=File.objects.get(size=3), principal=nobody)
    assert_counters_true()
    services.release_delete(release=Release.objects.get(project=one, version="1.0"),
                            principal=nobody)
    assert_counters_true()
    FileFactory(release=ReleaseFactory(project=two, version="2.0"), size=50)
    services.file_delete(file=File.objects.get(size=4000), principal=nobody)
    assert_counters_true()
    services.project_delete(project=two, principal=nobody)  # its releases and files too
    assert_counters_true()
    for release in Release.objects.filter(project__org__slug="beta"):
        services.release_delete(release=release, principal=nobody)
    assert_counters_true()
    assert Organization.objects.get(slug="beta").used_bytes == 0


def test_the_migration_counts_the_files_already_stored(corpus):
    Organization.objects.update(used_bytes=0)
    Project.objects.update(used_bytes=0)
    migration = importlib.import_module("registry.migrations.0003_project_used_bytes")
    migration.count_used_bytes(apps, None)
    assert_counters_true()
    assert Organization.objects.get(slug="acme").used_bytes == 4123


def test_published_files_are_counted_by_file_publish(corpus):
    acme, one, _two = corpus
    one.refresh_from_db()
    serial = one.last_serial
    new = services.NewFile(filename="one-3.0-py3-none-any.whl", packagetype="bdist_wheel",
                           python_version="py3", size=500, md5="m", sha256="s" * 64,
                           blake2_256="b" * 64, path="x", version="3.0", project_name="one")
    file = services.file_publish(project=one, new=new, principal=Principal())
    one.refresh_from_db()
    assert file.release.version == "3.0" and one.last_serial == serial + 1
    assert one.used_bytes == 123 + 500
    assert_counters_true()
