"""Yank, un-yank and delete from the project pages: the same services and the same decision
as the API, a confirmation step before what cannot be undone, and a message after."""

import pytest

from accounts.models import AuditEvent
from registry.models import File, Project, Release
from tests.web.reading import messages_of, text_of

BASE = "/acme/project/billing/"
YANK, UNYANK, DELETE = BASE + "2.0/yank/", BASE + "2.0/unyank/", BASE + "2.0/delete/"
PROJECT_DELETE = BASE + "delete/"


def file_delete_url(world) -> str:
    return f"{BASE}2.0/files/{world.wheel.filename}/delete/"


def every_action(world) -> list[str]:
    return [YANK, UNYANK, DELETE, PROJECT_DELETE, file_delete_url(world)]


def state(world) -> tuple:
    """What an action could change: releases, files, the yank, the project, the audit."""
    new = Release.objects.filter(pk=world.new.pk).values_list("yanked", "yanked_reason").first()
    return (new, File.objects.count(), Project.objects.filter(pk=world.billing.pk).exists(),
            AuditEvent.objects.count())


class TestRefused:
    @pytest.mark.parametrize("name", ["anonymous", "loner", "outsider"])
    def test_who_may_not_read_gets_404_and_changes_nothing(self, browse, world, name):
        before = state(world)
        for url in every_action(world):
            assert browse(name).get(url).status_code == 404, url
            assert browse(name).post(url, {"reason": "x", "name": "billing"}).status_code == 404
        assert state(world) == before

    def test_a_forged_post_from_a_member_is_403_and_changes_nothing(self, browse, world):
        before = state(world)
        for url in every_action(world):
            get = browse("member").get(url)
            assert get.status_code == 403, url
            post = browse("member").post(url, {"reason": "x", "name": "billing"})
            assert post.status_code == 403, url
            assert "Nothing was changed" in text_of(post)
        assert state(world) == before

    def test_an_uploader_may_yank_but_never_delete(self, browse, world):
        before = state(world)
        for url in (DELETE, PROJECT_DELETE, file_delete_url(world)):
            assert browse("uploader").get(url).status_code == 403
            assert browse("uploader").post(url, {"name": "billing"}).status_code == 403
        assert state(world) == before

    def test_a_restricted_project_is_404_to_members_outside_its_team(self, browse, world):
        url = "/acme/project/secret-lib/0.1/yank/"
        assert browse("member").post(url, {"reason": "x"}).status_code == 404
        assert browse("teammate").post(url, {"reason": "x"}).status_code == 403  # read only
        assert not Release.objects.get(project=world.secret).yanked

    def test_anonymous_readers_of_a_public_project_are_refused(self, browse, world):
        response = browse("anonymous").post("/acme/project/open-lib/3.1/yank/", {"reason": "x"})
        assert response.status_code == 403
        assert not Release.objects.get(project=world.public).yanked

    def test_unknown_release_or_file_is_404(self, browse, world):
        assert browse("admin").get(BASE + "9.9/yank/").status_code == 404
        assert browse("admin").get(BASE + "2.0/files/nope.whl/delete/").status_code == 404
        old_file = world.old.files.get()
        assert browse("admin").get(
            f"{BASE}2.0/files/{old_file.filename}/delete/").status_code == 404


class TestYank:
    def test_the_form_page(self, browse):
        response = browse("uploader").get(YANK)
        assert response.status_code == 200
        assert 'name="reason"' in response.content.decode()
        assert "skip it unless a requirement pins this exact version" in text_of(response)

    def test_yank_with_a_reason(self, browse, world):
        response = browse("uploader").post(YANK, {"reason": "wrong totals"}, follow=True)
        assert response.redirect_chain == [(BASE + "2.0/", 302)]
        world.new.refresh_from_db()
        assert world.new.yanked and world.new.yanked_reason == "wrong totals"
        assert "This release is yanked: wrong totals." in text_of(response)
        assert messages_of(response) == [
            "billing 2.0 is yanked: installers skip it unless it is pinned exactly."]
        event = AuditEvent.objects.get(action="release.yank")
        assert event.actor == world.uploader and event.target == "billing 2.0"

    def test_a_reason_too_long_is_refused_beside_the_field(self, browse, world):
        response = browse("uploader").post(YANK, {"reason": "x" * 501})
        assert response.status_code == 200
        assert "Ensure this value has at most 500 characters" in text_of(response)
        world.new.refresh_from_db()
        assert not world.new.yanked

    def test_un_yank(self, browse, world):
        world.new.yanked, world.new.yanked_reason = True, "oops"
        world.new.save()
        assert "Un-yanking lets pip and uv choose it again" in text_of(
            browse("uploader").get(UNYANK))
        response = browse("uploader").post(UNYANK, follow=True)
        world.new.refresh_from_db()
        assert not world.new.yanked and world.new.yanked_reason == ""
        assert messages_of(response) == ["billing 2.0 is no longer yanked."]
        assert AuditEvent.objects.filter(action="release.unyank", actor=world.uploader).exists()


class TestDelete:
    def test_release_delete_asks_first_with_the_filename_warning(self, browse, world):
        response = browse("admin").get(DELETE)
        text = text_of(response)
        assert response.status_code == 200
        assert "This cannot be undone." in text
        assert "A filename once used in this organisation can never be uploaded again" in text
        assert world.wheel.filename in text and world.sdist.filename in text
        assert Release.objects.filter(pk=world.new.pk).exists()

    def test_release_delete(self, browse, world):
        response = browse("admin").post(DELETE, follow=True)
        assert response.redirect_chain == [(BASE, 302)]
        assert not Release.objects.filter(pk=world.new.pk).exists()
        [message] = messages_of(response)
        assert message.startswith("billing 2.0 is deleted with 2 file(s). A filename once used")
        assert AuditEvent.objects.filter(action="release.delete", actor=world.admin).exists()

    def test_file_delete(self, browse, world):
        url = file_delete_url(world)
        assert "This cannot be undone." in text_of(browse("admin").get(url))
        response = browse("admin").post(url, follow=True)
        assert response.redirect_chain == [(BASE + "2.0/", 302)]
        assert not File.objects.filter(pk=world.wheel.pk).exists()
        assert File.objects.filter(pk=world.sdist.pk).exists()
        assert messages_of(response)[0].startswith(f"{world.wheel.filename} is deleted.")
        assert AuditEvent.objects.filter(action="file.delete", actor=world.admin).exists()

    def test_project_delete_needs_the_name_typed(self, browse, world):
        page = browse("owner").get(PROJECT_DELETE)
        assert "Type the project's name to confirm" in text_of(page)
        wrong = browse("owner").post(PROJECT_DELETE, {"name": "billing-typo"})
        assert wrong.status_code == 200
        assert "That is not the project's name: type billing exactly." in text_of(wrong)
        assert 'aria-invalid="true"' in wrong.content.decode()
        assert Project.objects.filter(pk=world.billing.pk).exists()

    def test_project_delete(self, browse, world):
        response = browse("owner").post(PROJECT_DELETE, {"name": "billing"}, follow=True)
        assert response.redirect_chain == [("/acme/", 302)]
        assert not Project.objects.filter(pk=world.billing.pk).exists()
        assert messages_of(response)[0].startswith("billing is deleted with 3 file(s).")
        assert AuditEvent.objects.filter(action="project.delete", actor=world.owner).exists()
