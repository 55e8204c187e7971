"""README rendering after publishing, sanitised, and the render_readmes command."""

from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command

from registry.models import Release
from registry.readme import RENDERER, render_description
from tests.corpus import build_wheel, core_metadata
from tests.factories import OrgFactory, ProjectFactory, ReleaseFactory
from tests.uploads.uploading import upload
from uploads import tasks


def dangerous_markup(html: str) -> list[str]:
    """Script elements, event handler attributes and javascript: links in ``html``."""
    found = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "iframe", "object", "embed", "style"):
                found.append(tag)
            for name, value in attrs:
                if name.startswith("on") or (value or "").strip().lower().startswith(
                        "javascript:"):
                    found.append(f"{tag} {name}={value}")

    Finder().feed(html)
    return found


class TestRenderDescription:
    def test_markdown(self):
        html = render_description("# Title\n\nSome *text*.", "text/markdown")
        assert "<h1" in html and "<em>text</em>" in html

    def test_markdown_commonmark_variant(self):
        html = render_description("~~gone~~", "text/markdown; variant=CommonMark")
        assert "<del>" not in html  # strikethrough is a GFM extension

    def test_rst_is_the_default(self):
        html = render_description("Title\n=====\n\nSome *text*.", "")
        assert "<h1" in html and "<em>text</em>" in html

    def test_plain_text_is_escaped(self):
        assert render_description("a <b>bold</b>\nline", "text/plain") == (
            "a &lt;b&gt;bold&lt;/b&gt;<br>line")

    @pytest.mark.parametrize("content_type", ["text/markdown", "text/x-rst", "text/html"])
    def test_output_is_sanitised(self, content_type):
        text = ('<script>alert(1)</script>\n\n<a href="javascript:alert(2)" onclick="x()">l</a>'
                '\n\n<img src=x onerror="alert(3)">\n\n`x <javascript:alert(4)>`_\n')
        assert dangerous_markup(render_description(text, content_type)) == []

    def test_rst_that_does_not_render_falls_back_to_plain_text(self):
        html = render_description("Title\n===\n\n.. raw:: html\n\n   <script>x</script>\n",
                                  "text/x-rst")
        assert "&lt;script&gt;" in html and "<script" not in html

    def test_empty(self):
        assert render_description("", "text/markdown") == ""


@pytest.mark.django_db(transaction=True)
class TestAfterPublishing:
    def test_publishing_renders_the_readme(self, acme, tmp_path):
        org, token = acme
        meta = core_metadata("pkg", "1.0", description="# Hello\n\n<script>x</script>\n\n*hi*\n")
        wheel = build_wheel(tmp_path, "pkg", "1.0", metadata=meta)
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
        release = Release.objects.get()
        assert release.description_renderer == RENDERER
        assert "<h1" in release.description_html and "<em>hi</em>" in release.description_html
        assert dangerous_markup(release.description_html) == []

    def test_rendering_runs_after_commit_and_the_announcement(self, acme, tmp_path,
                                                              monkeypatch):
        from uploads import notify, publish

        org, token = acme
        seen = []
        monkeypatch.setattr(notify, "upload_announce", lambda pk, status: seen.append("announced"))

        def render(release):
            committed = Release.objects.filter(pk=release.pk).exists()  # visible: committed
            seen.append(("rendered", committed))
            return real_render(release)

        real_render = publish.release_render
        monkeypatch.setattr(publish, "release_render", render)
        wheel = build_wheel(tmp_path, "pkg", "1.0")
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
        assert seen == ["announced", ("rendered", True)]
        assert Release.objects.get().description_renderer == RENDERER

    def test_a_release_already_rendered_is_not_rendered_again(self, acme, tmp_path,
                                                              monkeypatch):
        from tests.corpus import build_sdist
        from uploads import publish

        org, token = acme
        rendered = []
        real_render = publish.release_render

        def render(release):
            rendered.append(release.pk)
            return real_render(release)

        monkeypatch.setattr(publish, "release_render", render)
        assert upload(org, token, build_wheel(tmp_path, "pkg", "1.0"), "pkg", "1.0").status_code \
            == 200
        sdist = build_sdist(tmp_path, "pkg", "1.0")
        assert upload(org, token, sdist, "pkg", "1.0").status_code == 200
        assert rendered == [Release.objects.get().pk]  # the wheel's upload rendered it
        Release.objects.update(description_renderer="readme-renderer 0.1")  # an older one
        assert upload(org, token, build_wheel(tmp_path, "pkg", "1.0", tag="py2-none-any"),
                      "pkg", "1.0").status_code == 200
        assert len(rendered) == 2 and Release.objects.get().description_renderer == RENDERER

    def test_a_failed_render_is_queued_for_the_retrying_task(self, acme, tmp_path,
                                                             monkeypatch):
        from uploads import publish

        org, token = acme
        queued = []
        monkeypatch.setattr(tasks.render_readme, "delay", queued.append)

        def broken(_release):
            raise OSError("renderer crashed")

        monkeypatch.setattr(publish, "release_render", broken)
        wheel = build_wheel(tmp_path, "pkg", "1.0")
        assert upload(org, token, wheel, "pkg", "1.0").status_code == 200
        release = Release.objects.get()
        assert queued == [release.pk] and release.description_html == ""
        tasks.render_readme(release.pk)
        release.refresh_from_db()
        assert release.description_renderer == RENDERER and "<h1" in release.description_html


@pytest.mark.django_db
class TestRenderReadmesCommand:
    @pytest.fixture
    def releases(self):
        org, other = OrgFactory(slug="acme"), OrgFactory(slug="beta")
        made = [ReleaseFactory(project=ProjectFactory(org=org, name=name),
                               description="# Hi", description_content_type="text/markdown")
                for name in ("one", "two")]
        made.append(ReleaseFactory(project=ProjectFactory(org=other, name="one"),
                                   description="Hi *there*"))
        return made

    def run(self, *args) -> str:
        from io import StringIO

        out = StringIO()
        call_command("render_readmes", *args, stdout=out)
        return out.getvalue().strip()

    def test_renders_what_is_missing_then_nothing(self, releases):
        assert self.run() == f"Rendered 3 release descriptions with {RENDERER}."
        assert all("<h1" in r.description_html or "<em>" in r.description_html
                   for r in Release.objects.all())
        assert self.run() == f"Rendered 0 release descriptions with {RENDERER}."

    def test_all_rerenders_and_older_renderers_are_redone(self, releases):
        self.run()
        Release.objects.filter(pk=releases[0].pk).update(description_renderer="old 1.0",
                                                         description_html="stale")
        assert self.run().startswith("Rendered 1 release description ")
        assert "<h1" in Release.objects.get(pk=releases[0].pk).description_html
        assert self.run("--all").startswith("Rendered 3 ")

    def test_scoped_to_an_org_and_a_project(self, releases):
        assert self.run("--org", "acme", "--project", "ONE").startswith("Rendered 1 ")
        assert self.run("--org", "beta").startswith("Rendered 1 ")
        assert self.run("--org", "acme", "--all").startswith("Rendered 2 ")

    @pytest.mark.parametrize(("args", "message"), [
        (["--project", "one"], "--project needs --org"),
        (["--org", "nope"], "Unknown organisation 'nope'"),
        (["--org", "acme", "--project", "zzz"], "No releases of project 'zzz'"),
    ])
    def test_bad_input_is_one_clear_error(self, releases, args, message):
        with pytest.raises(CommandError, match=message):
            self.run(*args)


def test_web_processes_do_not_load_the_renderers():
    """They weigh MiBs per process and only workers render (or validate) READMEs."""
    import subprocess
    import sys
    import textwrap

    from tests.live import ROOT

    probe = textwrap.dedent("""
        import sys
        import config.wsgi
        from django.urls import get_resolver
        get_resolver().url_patterns  # every view module, as the first request loads them
        import uploads.publish, uploads.services, uploads.tasks, uploads.views
        from registry.readme import render_description
        print(sorted(m for m in ("readme_renderer.rst", "readme_renderer.markdown", "nh3",
                                 "cmarkgfm") if m in sys.modules))
        render_description("*hi*", "text/markdown")  # and they load when needed
        print("readme_renderer.markdown" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "WHEELHOUSE_VAR_DIR": str(ROOT / "var"),
                                 "DJANGO_SETTINGS_MODULE": "tests.settings"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "True"]
