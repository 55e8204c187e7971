"""One base template for every page, Django's auth pages included: the header, the
stylesheet and script served from our own static files, and the auth flows."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core import mail

from tests.web.reading import text_of


def assets(body: str) -> list[str]:
    return re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', body)


class TestEveryPage:
    @pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/password_reset/",
                                      "/acme/project/open-lib/"])
    def test_the_base_its_own_assets_and_a_skip_link(self, browse, path):
        body = browse("anonymous").get(path).content.decode()
        assert assets(body) == ["/static/web/wheelhouse.css", "/static/web/copy.js"]
        assert '<a class="skip-link" href="#main">' in body and '<main id="main"' in body
        assert "admin/css" not in body

    def test_the_assets_are_there(self):
        assert finders.find("web/wheelhouse.css") and finders.find("web/copy.js")


class TestHeader:
    def test_anonymous_visitors_get_a_log_in_link_back_to_the_page(self, browse):
        body = browse("anonymous").get("/acme/project/open-lib/").content.decode()
        assert 'href="/accounts/login/?next=/acme/project/open-lib/"' in body
        assert "Log out" not in body

    def test_the_org_switcher_lists_my_orgs_only_and_marks_the_current_one(self, browse, world):
        body = browse("member").get("/acme/project/billing/").content.decode()
        switcher = re.search(r'<details class="menu org-switcher">.*?</details>', body, re.S)[0]
        assert 'href="/acme/" class="current" aria-current="true">Acme Corp' in switcher
        assert "Zeta" not in switcher

    def test_the_user_menu(self, browse):
        body = browse("member").get("/").content.decode()
        menu = re.search(r'<details class="menu user-menu">.*?</details>', body, re.S)[0]
        for target in ('href="/"', 'href="/accounts/settings/"', 'href="/accounts/tokens/"',
                       'href="/accounts/password_change/"'):
            assert target in menu
        assert re.search(r'<form method="post" action="/accounts/logout/">'
                         r'<input type="hidden" name="csrfmiddlewaretoken"', menu)


@pytest.mark.django_db
class TestAuthPages:
    def test_log_in_and_out(self, browse, world):
        client = browse("anonymous")
        page = client.get("/accounts/login/")
        assert "Forgotten your password?" in text_of(page)
        assert '<label for="id_username">' in page.content.decode()
        wrong = client.post("/accounts/login/", {"username": "member", "password": "nope"})
        assert "Please enter a correct username and password" in text_of(wrong)
        logged_in = client.post("/accounts/login/", {
            "username": "member", "password": "correct horse battery staple"}, follow=True)
        assert "Dashboard" in text_of(logged_in)
        out = client.post("/accounts/logout/")
        assert out.status_code == 200 and "You are logged out." in text_of(out)
        assert 'href="/static/web/wheelhouse.css"' in out.content.decode()

    def test_password_reset(self, browse, world):
        client = browse("anonymous")
        assert "Reset your password" in text_of(client.get("/accounts/password_reset/"))
        done = client.post("/accounts/password_reset/", {"email": "member@example.com"},
                           follow=True)
        assert "Check your email" in text_of(done)
        link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
        form = client.get(link, follow=True)
        assert "Set a new password" in text_of(form)
        assert 'name="new_password1"' in form.content.decode()
        complete = client.post(form.redirect_chain[-1][0], {
            "new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
            follow=True)
        assert "Your password is set" in text_of(complete)
        assert client.login(username="member", password="a-brand-new-passphrase")

    def test_a_used_reset_link(self, browse):
        page = browse("anonymous").get("/accounts/reset/MQ/set-password/")
        assert "This link is not valid" in text_of(page)

    def test_password_change(self, browse):
        assert browse("anonymous").get("/accounts/password_change/").status_code == 302
        client = browse("member")
        assert "Change your password" in text_of(client.get("/accounts/password_change/"))
        done = client.post("/accounts/password_change/", {
            "old_password": "correct horse battery staple",
            "new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"},
            follow=True)
        assert "Your password is changed" in text_of(done)
