"""The project and release pages: who sees them, and what a PyPI user looks for on them."""

import re

import pytest

from accounts.principals import Principal
from registry import moderation
from tests.web.reading import text_of

PAGE = "/acme/project/billing/"


class TestWhoSeesThem:
    @pytest.mark.parametrize(("name", "path", "status"), [
        ("anonymous", PAGE, 404), ("loner", PAGE, 404), ("outsider", PAGE, 404),
        ("member", PAGE, 200), ("uploader", PAGE, 200), ("admin", PAGE, 200),
        ("member", "/acme/project/secret-lib/", 404),
        ("teammate", "/acme/project/secret-lib/", 200),
        ("owner", "/acme/project/secret-lib/", 200),
        ("anonymous", "/acme/project/open-lib/", 200),
        ("outsider", "/acme/project/open-lib/3.1/", 200),
        ("anonymous", PAGE + "1.0/", 404), ("member", PAGE + "1.0/", 200),
    ])
    def test_read_permission(self, browse, name, path, status):
        assert browse(name).get(path).status_code == status

    def test_a_hidden_project_answers_as_an_unknown_one(self, browse):
        client = browse("member")
        hidden, unknown = client.get("/acme/project/secret-lib/"), client.get("/acme/project/nope/")
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.content == unknown.content

    def test_an_unknown_release_is_404(self, browse):
        assert browse("member").get(PAGE + "9.9/").status_code == 404
        assert browse("member").get(PAGE + "not-a-version/").status_code == 404

    def test_a_release_is_found_by_pep440_equality(self, browse):
        response = browse("member").get(PAGE + "2.0.0/")
        assert response.status_code == 200 and response.context["release"].version == "2.0"


@pytest.mark.django_db
class TestWhatItShows:
    def test_the_latest_version_its_date_and_the_core_metadata(self, browse, world):
        response = browse("member").get(PAGE)
        text = text_of(response)
        assert "billing 2.0" in text
        assert f"Latest version: 2.0, released {world.new.created_at:%Y-%m-%d}" in text
        assert "Invoices and payments for the whole company" in text
        assert "License expression Apache-2.0" in text
        assert "Author Ada Lovelace" in text and 'href="mailto:ada@example.com"' in \
            response.content.decode()
        assert "Maintainer Billing Team" in text
        assert "Requires Python >=3.11" in text
        assert "Programming Language" in text and "Python :: 3" in text
        assert "Keywords invoices, payments" in text

    def test_dependencies_grouped_by_extra(self, browse):
        text = text_of(browse("member").get(PAGE))
        assert "Required httpx>=0.27" in text
        assert "With the extra cli rich" in text
        assert 'With the extra test pytest>=8 when extra == "test" and python_version >= "3.11"' \
            in text

    def test_project_links_are_only_http(self, browse):
        body = browse("member").get(PAGE).content.decode()
        assert 'href="https://git.example.com/billing"' in body
        assert "javascript:" not in body

    def test_files_with_full_digests_size_upload_time_and_uploader(self, browse, world):
        text = text_of(browse("member").get(PAGE))
        for file in (world.wheel, world.sdist):
            assert file.filename in text
            assert file.sha256_digest in text and file.blake2_256_digest in text
            assert file.md5_digest in text
        assert "20.0 KB (20480 bytes)" in text
        assert f"{world.sdist.uploaded_at:%Y-%m-%d %H:%M} UTC by uploader" in text

    def test_the_uploader_is_for_the_orgs_members_only(self, browse, world):
        assert "by member" in text_of(browse("member").get("/acme/project/open-lib/"))
        assert "by member" not in text_of(browse("anonymous").get("/acme/project/open-lib/"))

    def test_a_file_links_to_its_download(self, browse, world):
        body = browse("member").get(PAGE).content.decode()
        digest = world.wheel.blake2_256_digest
        assert (f'href="/acme/files/{digest[:2]}/{digest[2:4]}/{digest[4:]}/'
                f'{world.wheel.filename}"') in body

    def test_copy_buttons_stay_hidden_without_javascript(self, browse, world):
        body = browse("member").get(PAGE).content.decode()
        button = re.search(rf'<button[^>]*data-copy="sha256-{world.wheel.sha256_digest}"[^>]*>',
                           body).group(0)
        assert " hidden" in button
        assert f'id="sha256-{world.wheel.sha256_digest}"' in body

    def test_digests_are_inline_and_commands_are_blocks(self, browse, world):
        body = browse("member").get(PAGE).content.decode()
        digest = world.wheel.sha256_digest
        assert f'<code id="sha256-{digest}" class="digest">{digest}</code>' in body
        assert re.search(r'<pre id="[\w-]+"><code>pip install ', body)

    def test_release_history_with_dates_and_yank_reasons(self, browse, world):
        world.old.yanked, world.old.yanked_reason = True, "broke invoices"
        world.old.save()
        text = text_of(browse("member").get(PAGE))
        assert (f"2.0 latest {world.new.created_at:%Y-%m-%d}" in text)
        assert f"1.0 {world.old.created_at:%Y-%m-%d} yanked broke invoices" in text

    def test_a_yanked_release_page_says_so_with_the_reason(self, browse, world):
        world.new.yanked, world.new.yanked_reason = True, "wrong totals"
        world.new.save()
        project = text_of(browse("member").get(PAGE))
        assert "Latest version: 1.0" in project  # PyPI's rule: the newest not yanked
        release = text_of(browse("member").get(PAGE + "2.0/"))
        assert "This release is yanked: wrong totals." in release

    def test_an_older_release_says_it_is_not_the_latest(self, browse):
        text = text_of(browse("member").get(PAGE + "1.0/"))
        assert "billing 1.0" in text and "This is not the latest version. The latest is 2.0" in text

    def test_a_project_without_releases(self, browse, world):
        world.public.releases.all().delete()
        assert "No releases yet" in text_of(browse("anonymous").get("/acme/project/open-lib/"))

    def test_the_readmes_empty_heading_links_are_skipped_by_keyboard_and_reader(self, browse,
                                                                                 world):
        world.new.description_html = ('<h1 id="user-content-x">X<a href="#user-content-x" '
                                      'rel="nofollow"></a></h1>')
        world.new.save()
        body = browse("member").get(PAGE).content.decode()
        assert ('<h1 id="user-content-x">X<a href="#user-content-x" rel="nofollow" '
                'aria-hidden="true" tabindex="-1"></a></h1>') in body

    def test_the_raw_readme_until_it_is_rendered_then_the_html(self, browse, world):
        assert "# Billing" in text_of(browse("member").get(PAGE))
        world.new.description_html = "<h1>Billing rendered</h1>"
        world.new.save()
        body = browse("member").get(PAGE).content.decode()
        assert "<h1>Billing rendered</h1>" in body and "# Billing" not in body


@pytest.mark.django_db
class TestInstallCommands:
    def test_a_private_project_says_how_to_pass_a_token(self, browse):
        response = browse("member").get(PAGE)
        text = text_of(response)
        assert "installers need a token with read permission" in text
        assert 'href="/accounts/tokens/"' in response.content.decode()
        assert ('pip install --index-url "http://__token__:$WHEELHOUSE_TOKEN@testserver/acme/'
                'simple/" "billing"') in response.content.decode().replace("&quot;", '"')
        for tool in ("uv", "poetry", "pdm"):
            assert f'id="install-{tool}"' in response.content.decode()

    def test_a_public_project_needs_none(self, browse):
        body = browse("anonymous").get("/acme/project/open-lib/").content.decode()
        assert "WHEELHOUSE_TOKEN" not in body
        assert 'pip install --index-url "http://testserver/acme/simple/" "open-lib"' in \
            body.replace("&quot;", '"')

    def test_the_release_page_pins_the_version(self, browse):
        body = browse("member").get(PAGE + "1.0/").content.decode().replace("&quot;", '"')
        assert '"billing==1.0"' in body

    def test_the_site_url_when_set(self, browse, settings):
        settings.SITE_URL = "https://packages.example.com"
        body = browse("anonymous").get("/acme/project/open-lib/").content.decode()
        assert "https://packages.example.com/acme/simple/" in body


@pytest.mark.django_db
class TestQuarantine:
    def test_admins_see_a_quarantined_project_with_its_status(self, browse, world):
        moderation.project_quarantine(project=world.billing, reason="malware report")
        assert browse("member").get(PAGE).status_code == 404
        text = text_of(browse("admin").get(PAGE))
        assert "This project is quarantined: malware report." in text

    def test_admins_see_quarantined_files_marked_and_others_not_at_all(self, browse, world):
        moderation.file_quarantine(file=world.sdist, principal=Principal())
        assert world.sdist.filename not in text_of(browse("member").get(PAGE))
        admin = text_of(browse("admin").get(PAGE))
        assert f"{world.sdist.filename} quarantined" in admin


@pytest.mark.django_db
class TestControls:
    @pytest.mark.parametrize(("name", "yank", "delete"), [
        ("anonymous", False, False), ("member", False, False), ("uploader", True, False),
        ("admin", True, True), ("owner", True, True)])
    def test_shown_only_to_whoever_may_use_them(self, browse, world, name, yank, delete):
        world.billing.visibility = "public"
        world.billing.save()
        body = browse(name).get(PAGE).content.decode()
        assert ('action="/acme/project/billing/2.0/yank/"' in body) is yank
        assert ('href="/acme/project/billing/2.0/delete/"' in body) is delete
        assert ('href="/acme/project/billing/delete/"' in body) is delete
        assert (f'/acme/project/billing/2.0/files/{world.wheel.filename}/delete/' in body) \
            is delete

    def test_a_yanked_release_offers_un_yank(self, browse, world):
        world.new.yanked = True
        world.new.save()
        body = browse("uploader").get(PAGE + "2.0/").content.decode()
        assert 'action="/acme/project/billing/2.0/unyank/"' in body
        assert 'action="/acme/project/billing/2.0/yank/"' not in body
