"""The uploaded file's name, as the client sent it, through the endpoint: a name with a path
or a control character is refused, and so is one too long to store, never with a 503."""

import pytest
from django.test import Client

from registry.models import File, Project
from tests.corpus import build_wheel
from tests.uploads.uploading import form_for, leftovers, post_named, stored_names
from tests.uploads.validation.test_validation_filenames import sized_wheel
from uploads.models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wheel(tmp_path):
    return build_wheel(tmp_path, "pkg", "1.0")


class TestNamesWithPaths:
    @pytest.mark.parametrize("sent", [
        "../pkg-1.0-py3-none-any.whl", "../../etc/pkg-1.0-py3-none-any.whl",
        "/pkg-1.0-py3-none-any.whl", "dist/pkg-1.0-py3-none-any.whl",
        "dist\\pkg-1.0-py3-none-any.whl", "C:\\dist\\pkg-1.0-py3-none-any.whl",
    ])
    def test_refused_with_400_saying_so(self, acme, wheel, sent):
        org, token = acme
        response = post_named(org, token, wheel, form_for(wheel, "pkg", "1.0"), sent)
        assert response.status_code == 400, response.content
        assert "carries a path ('/' or '\\')" in response.reason_phrase
        assert not Upload.objects.exists() and not Project.objects.exists()
        assert stored_names() == set() and leftovers() == []

    @pytest.mark.parametrize("sent", [
        "pkg-1.0-py3-none-any.whl\x00.exe", "pkg-1.0-py3-none-any\x07.whl",
        "\x1b[31mpkg-1.0-py3-none-any.whl", "pkg-1.0-py3-none-any.whl\x7f",
    ])
    def test_nul_and_control_characters_are_refused(self, acme, wheel, sent):
        org, token = acme
        response = post_named(org, token, wheel, form_for(wheel, "pkg", "1.0"), sent)
        assert response.status_code == 400, response.content
        assert "NUL or another control character" in response.reason_phrase
        assert response.reason_phrase.isprintable()
        assert not Upload.objects.exists() and stored_names() == set()

    def test_the_plain_name_is_accepted(self, acme, wheel):
        org, token = acme
        response = post_named(org, token, wheel, form_for(wheel, "pkg", "1.0"), wheel.name)
        assert response.status_code == 200, response.content


def demo_wheel(directory, size: int):
    """A valid demo-pkg 1.0 wheel, and a filename of ``size`` bytes for it (a long build tag;
    the file itself keeps a short name, which a local disk allows)."""
    return build_wheel(directory, "demo-pkg", "1.0"), sized_wheel(size)


class TestLongNames:
    def test_the_longest_name_is_stored_and_served(self, acme, tmp_path):
        org, token = acme
        path, filename = demo_wheel(tmp_path, 246)
        response = post_named(org, token, path, form_for(path, "demo-pkg", "1.0"), filename)
        assert response.status_code == 200, response.content
        stored = File.objects.get(filename=filename)
        client = Client()
        served = client.get(f"/acme/files/{stored.path.split('/', 1)[1]}", **_auth(token))
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == path.read_bytes()
        metadata = client.get(f"/acme/files/{stored.path.split('/', 1)[1]}.metadata",
                              **_auth(token))
        assert metadata.status_code == 200

    @pytest.mark.parametrize("size", [247, 249, 250, 300])
    def test_longer_names_answer_400_with_the_limit(self, acme, tmp_path, size):
        org, token = acme
        path, filename = demo_wheel(tmp_path, size)
        response = post_named(org, token, path, form_for(path, "demo-pkg", "1.0"), filename)
        assert response.status_code == 400, response.content
        assert response.reason_phrase.startswith(
            f"The filename is {size} bytes long; the limit is 246 bytes")
        assert not Upload.objects.exists() and stored_names() == set()


def _auth(token):
    from tests.conftest import basic_auth

    return basic_auth(token)
