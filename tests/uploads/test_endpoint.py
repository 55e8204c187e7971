"""The upload endpoint through Django's test client: protocol, auth, replays, cleanup."""

import hashlib

import pytest
from django.core.files.storage import storages
from django.test import Client

from registry.models import File, FilenameRecord, ProhibitedName, Project, Release
from tests.conftest import basic_auth
from tests.corpus import build_sdist, build_wheel
from tests.factories import OrgFactory, ProjectFactory, member, token_for
from tests.uploads.uploading import form_for, post, post_named, stored_names
from uploads import services
from uploads.models import Upload

# Real transactions: the validation task is enqueued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


class TestHappyPath:
    def test_wheel_and_sdist_publish_wheel_gets_metadata_file(self, acme, tmp_path):
        org, token = acme
        for path in (build_wheel(tmp_path, "Demo.Pkg", "1.0"),
                     build_sdist(tmp_path, "Demo.Pkg", "1.0")):
            response = post(org, token, path, form_for(path, "Demo.Pkg", "1.0"))
            assert response.status_code == 200, response.content
        project = Project.objects.get(org=org)
        assert project.name == "Demo.Pkg" and project.normalized_name == "demo-pkg"
        files = list(File.objects.filter(release__project=project))
        assert {f.packagetype for f in files} == {"bdist_wheel", "sdist"}
        wheel = next(f for f in files if f.packagetype == "bdist_wheel")
        store = storages["distributions"]
        metadata = store.open(wheel.path + ".metadata").read()
        assert hashlib.sha256(metadata).hexdigest() == wheel.metadata_sha256
        assert b"Name: Demo.Pkg" in metadata
        assert store.open(wheel.path).read() == (tmp_path / wheel.filename).read_bytes()
        assert Release.objects.get(project=project).metadata["summary"] == "A test package"
        sdist = next(f for f in files if f.packagetype == "sdist")
        assert sdist.metadata_sha256 == ""  # PEP 658 metadata for wheels only, as PyPI
        assert stored_names() == {f.filename for f in files} | {
            wheel.filename + ".metadata"}  # nothing left in staging
        assert project.last_serial == 2

    def test_post_without_slash_redirects_308(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "pkg", "1.0"),
                        url=f"/{org.slug}/legacy")
        assert response.status_code == 308
        assert response["Location"] == "http://testserver/acme/legacy/"

    @pytest.mark.parametrize("url", ["/acme/legacy", "/acme/legacy/"])
    def test_no_csrf_cookie_is_asked_for(self, acme, tmp_path, url):
        # Upload clients send no CSRF cookie; Django's test client skips the check unless told.
        _org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        with open(path, "rb") as handle:
            response = Client(enforce_csrf_checks=True).post(
                url, {**form_for(path, "pkg", "1.0"), "content": handle}, **basic_auth(token))
        assert response.status_code == (308 if url == "/acme/legacy" else 200)


class TestAuth:
    def test_no_credentials_is_401_with_challenge(self, acme, tmp_path):
        org, _ = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, None, path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic")
        assert "API token" in response.reason_phrase

    def test_password_is_never_accepted(self, acme, tmp_path):
        org, _ = acme
        user = member(org, "owner", username="pat")
        user.set_password("pw-1234-long")
        user.save()
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, "pw-1234-long", path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 401
        assert not Project.objects.exists()

    def test_credentials_are_judged_before_the_org_is_looked_for(self, acme, tmp_path):
        # An anonymous caller or bad credentials learn nothing of which orgs exist.
        org, _ = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        malformed = {"HTTP_AUTHORIZATION": "Basic not-base64!"}
        answers = []
        for slug in ("nobody", org.slug):
            for headers in ({}, malformed, basic_auth("whk_notarealtoken")):
                with open(path, "rb") as handle:
                    form = {**form_for(path, "pkg", "1.0"), "content": handle}
                    response = Client().post(f"/{slug}/legacy/", form, **headers)
                answers.append((response.status_code, response.reason_phrase,
                                response.content, response["WWW-Authenticate"]))
        assert answers[:3] == answers[3:]
        assert [status for status, *_ in answers[:3]] == [401, 401, 401]
        assert "Malformed" in answers[1][1]

    def test_after_too_many_failures_wrong_tokens_wait_and_the_right_one_uploads(
            self, acme, tmp_path):
        # The token's row is read with the org; its secret is checked before the failure
        # count, so failures from the same address never refuse a right token.
        from accounts.authentication import FAILURE_LIMIT

        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        wrong = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
        for _ in range(FAILURE_LIMIT):
            assert post(org, wrong, path, form_for(path, "pkg", "1.0")).status_code == 401
        response = post(org, wrong, path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 429 and response["Retry-After"]
        assert not Project.objects.exists()
        assert post(org, token, path, form_for(path, "pkg", "1.0")).status_code == 200

    def test_token_of_another_org_cannot_upload(self, acme, tmp_path):
        org, _ = acme
        other = OrgFactory()
        _t, foreign = token_for(other, member(other, "owner"), "upload")
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, foreign, path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 403
        assert not Project.objects.filter(org=org).exists()

    def test_read_token_cannot_upload(self, acme, tmp_path):
        org, _ = acme
        _t, read = token_for(org, None, "read")
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, read, path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 403 and "not allowed to upload" in response.reason_phrase

    def test_scoped_token_cannot_create_other_projects(self, acme, tmp_path):
        org, _ = acme
        _t, scoped = token_for(org, None, "upload", projects=["allowed"])
        path = build_wheel(tmp_path, "other", "1.0")
        assert post(org, scoped, path, form_for(path, "other", "1.0")).status_code == 403
        path = build_wheel(tmp_path, "allowed", "1.0")
        assert post(org, scoped, path, form_for(path, "allowed", "1.0")).status_code == 200

    def test_unknown_org_is_a_plain_404_that_says_so(self, acme, tmp_path):
        _org, token = acme
        ghost = OrgFactory.build(slug="ghost")
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(ghost, token, path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 404
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        message = "There is no organisation 'ghost' here; check the upload URL (/ORG/legacy/)."
        assert response.reason_phrase == message
        assert response.content.decode() == message + "\n"


class TestProtocol:
    def test_other_actions_are_gone(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "pkg", "1.0", **{":action": "submit"}))
        assert response.status_code == 410

    def test_digest_mismatch_is_refused_and_nothing_kept(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "pkg", "1.0", sha256_digest="0" * 64))
        assert response.status_code == 400
        assert "sha256 digest supplied does not match" in response.reason_phrase
        assert not Project.objects.exists() and stored_names() == set()

    def test_every_problem_of_the_request_in_one_answer(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        form = form_for(path, "pkg", "1.0", metadata_version=None, sha256_digest="0" * 64)
        response = post_named(org, token, path, form, "../pkg-1.0-py3-none-any.whl")
        assert response.status_code == 400
        lines = response.content.decode().splitlines()
        assert lines[0].startswith("Metadata-Version is required")
        assert any("carries a path" in line for line in lines[1:]), lines
        assert any("sha256 digest supplied does not match" in line for line in lines), lines
        assert response.reason_phrase.endswith("(and 2 more problems)")
        assert not Upload.objects.exists()

    def test_a_filename_for_another_version_is_told_with_the_form_problems(
            self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "pkg", "2.0", summary="a\nb"))
        lines = response.content.decode().splitlines()
        assert response.status_code == 400 and len(lines) == 2, lines
        assert "'summary' must be a single line" in lines[0] and "has version '1.0'" in lines[1]

    def test_form_name_must_match_the_file(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "other", "1.0"))
        assert response.status_code == 400
        assert not Upload.objects.exists() and not Project.objects.exists()

    def test_file_too_large_is_413(self, acme, tmp_path, settings):
        org, token = acme
        settings.UPLOAD_MAX_FILE_SIZE = 100
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 413 and "File too large" in response.reason_phrase

    def test_malformed_form_is_400_with_its_reason(self, acme):
        org, token = acme
        body = b"--x\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--x--"
        response = Client().generic("POST", f"/{org.slug}/legacy/", body,
                                    content_type="multipart/form-data; boundary=x",
                                    **basic_auth(token))
        assert response.status_code == 400
        assert "no Content-Disposition" in response.reason_phrase
        assert not Upload.objects.exists()

    def test_form_is_read_only_after_the_token_is_checked(self, acme):
        org, _ = acme
        response = Client().generic("POST", f"/{org.slug}/legacy/", b"not a form",
                                    content_type="text/plain")
        assert response.status_code == 401

    def test_prohibited_name_is_refused(self, acme, tmp_path):
        org, token = acme
        ProhibitedName.objects.create(normalized_name="evil-pkg", reason="squatting")
        path = build_wheel(tmp_path, "evil_pkg", "1.0")
        response = post(org, token, path, form_for(path, "evil_pkg", "1.0"))
        assert response.status_code == 400 and not Project.objects.exists()


class TestTemporaryFiles:
    """The received file's temporary copy is gone after every answer."""

    @pytest.fixture
    def incoming(self, settings, tmp_path):
        folder = tmp_path / "incoming"
        folder.mkdir()
        settings.FILE_UPLOAD_TEMP_DIR = str(folder)
        return folder

    @pytest.mark.parametrize(("overrides", "status"), [
        ({}, 200), ({"sha256_digest": "0" * 64}, 400), ({"filetype": "sdist"}, 400)])
    def test_after_the_answer(self, acme, tmp_path, incoming, overrides, status):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "pkg", "1.0", **overrides))
        assert response.status_code == status and list(incoming.iterdir()) == []

    def test_after_a_refused_token(self, acme, tmp_path, incoming):
        org, _ = acme
        _t, scoped = token_for(org, None, "upload", projects=["allowed"])
        path = build_wheel(tmp_path, "pkg", "1.0")
        assert post(org, scoped, path, form_for(path, "pkg", "1.0")).status_code == 403
        assert list(incoming.iterdir()) == []

    def test_after_a_file_too_large(self, acme, tmp_path, incoming, settings):
        org, token = acme
        settings.UPLOAD_MAX_FILE_SIZE = 100
        path = build_wheel(tmp_path, "pkg", "1.0")
        assert post(org, token, path, form_for(path, "pkg", "1.0")).status_code == 413
        assert list(incoming.iterdir()) == [] and not Upload.objects.exists()

    def test_after_an_internal_error(self, acme, tmp_path, incoming, monkeypatch):
        org, token = acme

        def broken(**_kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(services, "upload_stage", broken)
        path = build_wheel(tmp_path, "pkg", "1.0")
        with open(path, "rb") as handle:
            response = Client(raise_request_exception=False).post(
                f"/{org.slug}/legacy/", {**form_for(path, "pkg", "1.0"), "content": handle},
                **basic_auth(token))
        assert response.status_code == 500 and list(incoming.iterdir()) == []


class TestReplays:
    def test_same_file_again_is_200_and_stored_once(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        assert post(org, token, path, form_for(path, "pkg", "1.0")).status_code == 200
        assert post(org, token, path, form_for(path, "pkg", "1.0")).status_code == 200
        assert File.objects.count() == 1

    def test_same_name_other_content_is_refused(self, acme, tmp_path):
        org, token = acme
        first = build_wheel(tmp_path, "pkg", "1.0")
        assert post(org, token, first, form_for(first, "pkg", "1.0")).status_code == 200
        (tmp_path / "b").mkdir()
        second = build_wheel(tmp_path / "b", "pkg", "1.0",
                             files={"pkg/__init__.py": b"x = 2\n"})
        response = post(org, token, second, form_for(second, "pkg", "1.0"))
        assert response.status_code == 400
        assert response.reason_phrase.startswith("File already exists")

    def test_deleted_filename_is_never_reusable(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        assert post(org, token, path, form_for(path, "pkg", "1.0")).status_code == 200
        Project.objects.filter(org=org).delete()
        assert FilenameRecord.objects.filter(org=org).exists()
        response = post(org, token, path, form_for(path, "pkg", "1.0"))
        assert response.status_code == 400
        assert response.reason_phrase.startswith("File already exists")

    def test_same_filename_in_another_org_is_independent(self, acme, tmp_path):
        org, token = acme
        other = OrgFactory()
        _t, other_token = token_for(other, member(other, "owner"), "upload")
        path = build_wheel(tmp_path, "pkg", "1.0")
        assert post(org, token, path, form_for(path, "pkg", "1.0")).status_code == 200
        assert post(other, other_token, path, form_for(path, "pkg", "1.0")).status_code == 200

    def test_existing_project_upload_needs_permission_on_it(self, acme, tmp_path):
        org, _ = acme
        ProjectFactory(org=org, name="guarded")
        user = member(org, "member")
        _t, token = token_for(org, user, "upload")
        path = build_wheel(tmp_path, "guarded", "1.0")
        response = post(org, token, path, form_for(path, "guarded", "1.0"))
        assert response.status_code == 403


class TestCanonicalVersions:
    def test_1_0_and_1_0_0_are_one_release_with_one_sdist(self, acme, tmp_path):
        org, token = acme
        wheel = build_wheel(tmp_path, "pkg", "1.0")
        assert post(org, token, wheel, form_for(wheel, "pkg", "1.0")).status_code == 200
        sdist = build_sdist(tmp_path, "pkg", "1.0.0")
        assert post(org, token, sdist, form_for(sdist, "pkg", "1.0.0")).status_code == 200
        release = Release.objects.get(project__org=org)
        assert release.version == "1.0" and release.files.count() == 2
        (tmp_path / "again").mkdir()
        other = build_sdist(tmp_path / "again", "pkg", "1.0.0.0")
        response = post(org, token, other, form_for(other, "pkg", "1.0.0.0"))
        assert response.status_code == 400
        assert "Only one sdist may be uploaded per release" in response.reason_phrase


class TestProjectState:
    def test_archived_project_accepts_no_uploads(self, acme, tmp_path):
        org, token = acme
        ProjectFactory(org=org, name="old-thing", status="archived")
        path = build_wheel(tmp_path, "old-thing", "2.0")
        response = post(org, token, path, form_for(path, "old-thing", "2.0"))
        assert response.status_code == 400 and "is archived" in response.reason_phrase
        assert not File.objects.exists()

    def test_project_creation_through_uploads_is_rate_limited(self, acme, tmp_path, settings):
        org, token = acme
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "project_create": (2, 3600)}
        codes = []
        for name in ("first-one", "second-one", "third-one"):
            path = build_wheel(tmp_path, name, "1.0")
            response = post(org, token, path, form_for(path, name, "1.0"))
            codes.append(response.status_code)
        assert codes == [200, 200, 429]
        assert int(response["Retry-After"]) > 0
        assert not Project.objects.filter(normalized_name="third-one").exists()


class TestFieldLengths:
    """Values longer than the registry keeps answer 400 with the limit, never 503."""

    def test_a_version_longer_than_100_characters(self, acme, tmp_path):
        org, token = acme
        version = "1" + ".0" * 60
        path = build_wheel(tmp_path, "pkg", version)
        response = post(org, token, path, form_for(path, "pkg", version))
        assert response.status_code == 400, response.content
        assert response.reason_phrase == (
            f"Invalid version '{version[:77]}...': it has 121 characters; the limit is 100.")
        assert not Upload.objects.exists()

    def test_a_pyversion_longer_than_100_characters(self, acme, tmp_path):
        org, token = acme
        path = build_wheel(tmp_path, "pkg", "1.0")
        response = post(org, token, path, form_for(path, "pkg", "1.0", pyversion="py3" * 40))
        assert response.status_code == 400, response.content
        assert "it has 120 characters; the limit is 100" in response.reason_phrase
        assert not Upload.objects.exists()
