from accounts.models import AuditEvent
from registry.models import File, FilenameRecord, Project, ProjectGrant, Release
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory, TeamFactory, member


class TestProjects:
    def test_member_creates_where_the_org_allows(self, as_user, plain_member, org):
        response = as_user(plain_member).post(f"/api/v1/orgs/{org.slug}/projects/",
                                              {"name": "My.Lib"})
        assert response.status_code == 201, response.json()
        assert response.json()["normalized_name"] == "my-lib"
        assert response.json()["visibility"] == org.default_visibility
        org.members_can_create_projects = False
        org.save()
        response = as_user(plain_member).post(f"/api/v1/orgs/{org.slug}/projects/",
                                              {"name": "other"})
        assert response.status_code == 403

    def test_invalid_and_duplicate_names_are_400(self, as_user, admin, org, project):
        client = as_user(admin)
        assert client.post(f"/api/v1/orgs/{org.slug}/projects/", {"name": "-bad"}).status_code \
            == 400
        response = client.post(f"/api/v1/orgs/{org.slug}/projects/", {"name": "WIDGETS"})
        assert response.status_code == 400
        assert "already exists" in response.json()["detail"]

    def test_project_creation_is_rate_limited(self, as_user, admin, org, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "project_create": (2, 3600)}
        client = as_user(admin)
        for name in ("a1", "a2"):
            assert client.post(f"/api/v1/orgs/{org.slug}/projects/", {"name": name}) \
                .status_code == 201
        response = client.post(f"/api/v1/orgs/{org.slug}/projects/", {"name": "a3"})
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0

    def test_restricted_project_hidden_from_members_without_grants(
            self, as_user, plain_member, org):
        ProjectFactory(org=org, name="secret", restricted=True, visibility="private")
        ProjectFactory(org=org, name="open", visibility="private")
        client = as_user(plain_member)
        names = [p["name"] for p in client.get(f"/api/v1/orgs/{org.slug}/projects/")
                 .json()["results"]]
        assert names == ["open"]
        assert client.get(f"/api/v1/orgs/{org.slug}/projects/secret/").status_code == 404

    def test_visibility_change_is_audited(self, as_user, admin, org, project):
        response = as_user(admin).patch(f"/api/v1/orgs/{org.slug}/projects/widgets/",
                                        {"visibility": "public"})
        assert response.status_code == 200
        event = AuditEvent.objects.get(action="project.update")
        assert event.data == {"before": {"visibility": "private"},
                              "after": {"visibility": "public"}}

    def test_member_without_admin_grant_cannot_change_settings(
            self, as_user, plain_member, org, project):
        response = as_user(plain_member).patch(f"/api/v1/orgs/{org.slug}/projects/widgets/",
                                               {"visibility": "public"})
        assert response.status_code == 403

    def test_delete_explains_that_filenames_stay_used(self, as_user, admin, org, project):
        file = FileFactory(release=ReleaseFactory(project=project, version="1.0"))
        FilenameRecord.objects.create(org=org, filename=file.filename,
                                      sha256_digest=file.sha256_digest,
                                      blake2_256_digest=file.blake2_256_digest)
        response = as_user(admin).delete(f"/api/v1/orgs/{org.slug}/projects/widgets/")
        assert response.status_code == 200
        assert "never" in response.json()["detail"]
        assert response.json()["filenames"] == [file.filename]
        assert not Project.objects.filter(pk=project.pk).exists()
        assert FilenameRecord.objects.filter(org=org, filename=file.filename).exists()


class TestReleasesAndFiles:
    def test_yank_and_unyank_with_reason(self, as_user, org, project):
        uploader = member(org, "member")
        ProjectGrant.objects.create(project=project, user=uploader, permission="upload")
        ReleaseFactory(project=project, version="1.0")
        client = as_user(uploader)
        url = f"/api/v1/orgs/{org.slug}/projects/widgets/releases/1.0/"
        response = client.post(url + "yank/", {"reason": "broken build"})
        assert response.status_code == 200
        assert response.json()["yanked"] and response.json()["yanked_reason"] == "broken build"
        assert client.post(url + "unyank/").json()["yanked"] is False
        assert AuditEvent.objects.filter(action="release.yank").exists()

    def test_an_upload_token_yanks_through_the_api_a_read_token_cannot(self, as_token, org,
                                                                       project):
        ReleaseFactory(project=project, version="1.0")
        url = f"/api/v1/orgs/{org.slug}/projects/widgets/releases/1.0/yank/"
        refused = as_token(org, permission="read").post(url, {"reason": "broken"})
        assert refused.status_code == 403
        response = as_token(org, permission="upload").post(url, {"reason": "broken"})
        assert response.status_code == 200 and response.json()["yanked"]

    def test_tokens_create_projects_as_the_capability_table_says(self, as_token, org):
        url = f"/api/v1/orgs/{org.slug}/projects/"
        assert as_token(org, permission="read").post(url, {"name": "by-reader"}).status_code \
            == 403
        assert as_token(org, permission="upload").post(url, {"name": "by-ci"}).status_code \
            == 201
        scoped = as_token(org, permission="upload", projects=["other"])
        assert scoped.post(url, {"name": "by-scoped"}).status_code == 403

    def test_a_version_names_its_release_as_uploads_match_them(self, as_user, admin, org,
                                                               project):
        release = ReleaseFactory(project=project, version="1.0.0")
        FileFactory(release=release)
        base = f"/api/v1/orgs/{org.slug}/projects/widgets/"
        client = as_user(admin)
        assert client.get(base + "releases/1.0/").json()["version"] == "1.0.0"
        assert client.get(base + "files/?version=1.0").json()["count"] == 1
        assert client.post(base + "releases/1/yank/").status_code == 200
        assert client.get(base + f"releases/{'9' * 5000}/").status_code == 404

    def test_reader_cannot_yank(self, as_user, plain_member, org, project):
        ReleaseFactory(project=project, version="1.0")
        response = as_user(plain_member).post(
            f"/api/v1/orgs/{org.slug}/projects/widgets/releases/1.0/yank/")
        assert response.status_code == 403

    def test_list_files_and_delete_one(self, as_user, admin, org, project):
        file = FileFactory(release=ReleaseFactory(project=project, version="2.0"))
        client = as_user(admin)
        listed = client.get(f"/api/v1/orgs/{org.slug}/projects/widgets/files/?version=2.0")
        assert [f["filename"] for f in listed.json()["results"]] == [file.filename]
        response = client.delete(
            f"/api/v1/orgs/{org.slug}/projects/widgets/files/{file.filename}/")
        assert response.status_code == 200
        assert "never" in response.json()["detail"]
        assert not File.objects.filter(pk=file.pk).exists()

    def test_delete_release(self, as_user, admin, org, project):
        ReleaseFactory(project=project, version="3.0")
        response = as_user(admin).delete(
            f"/api/v1/orgs/{org.slug}/projects/widgets/releases/3.0/")
        assert response.status_code == 200
        assert not Release.objects.filter(project=project).exists()


class TestGrants:
    def test_admin_grants_a_team_upload(self, as_user, admin, org, project):
        team = TeamFactory(org=org, slug="ci")
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/projects/widgets/grants/",
                                       {"team": "ci", "permission": "upload"})
        assert response.status_code == 201, response.json()
        assert ProjectGrant.objects.get(project=project, team=team).permission == "upload"
        grant_id = response.json()["id"]
        url = f"/api/v1/orgs/{org.slug}/projects/widgets/grants/{grant_id}/"
        assert as_user(admin).patch(url, {"permission": "read"}).json()["permission"] == "read"
        assert as_user(admin).delete(url).status_code == 200
        assert not ProjectGrant.objects.exists()

    def test_team_of_another_org_is_refused(self, as_user, admin, org, project):
        from tests.factories import OrgFactory

        TeamFactory(org=OrgFactory(slug="other"), slug="ci")
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/projects/widgets/grants/",
                                       {"team": "ci", "permission": "upload"})
        assert response.status_code == 400
        assert response.json()["errors"] == {"team": [f"There is no team 'ci' in {org.slug}."]}
        assert not ProjectGrant.objects.exists()

    def test_an_unknown_user_is_refused(self, as_user, admin, org, project):
        response = as_user(admin).post(f"/api/v1/orgs/{org.slug}/projects/widgets/grants/",
                                       {"user": "nobody", "permission": "read"})
        assert response.status_code == 400
        assert response.json()["detail"] == "'nobody' is not a member of acme."
        assert not ProjectGrant.objects.exists()

    def test_members_cannot_grant(self, as_user, plain_member, org, project):
        response = as_user(plain_member).post(
            f"/api/v1/orgs/{org.slug}/projects/widgets/grants/",
            {"user": "mia", "permission": "admin"})
        assert response.status_code == 403
