"""Releases and files come only from uploads: the admin offers no way to add one by hand
(a File row without its blob would be listed in the index and answer 404)."""

import pytest
from django.test import Client

from tests.factories import FileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["release", "file"])
def test_the_admin_cannot_add(model):
    client = Client()
    client.force_login(UserFactory(username="mod", is_staff=True, is_superuser=True))
    assert client.get(f"/admin/registry/{model}/add/").status_code == 403
    assert f"/admin/registry/{model}/add/" not in client.get(
        f"/admin/registry/{model}/").content.decode()


def test_nor_through_the_pages_of_a_project_or_release():
    file = FileFactory()
    client = Client()
    client.force_login(UserFactory(username="mod", is_staff=True, is_superuser=True))
    for url in (f"/admin/registry/project/{file.release.project.pk}/change/",
                f"/admin/registry/release/{file.release.pk}/change/"):
        page = client.get(url)
        assert page.status_code == 200
        inlines = page.context["inline_admin_formsets"]
        assert inlines and not any(inline.has_add_permission for inline in inlines), url
