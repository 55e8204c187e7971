import json

from registry.upstream import pages

PAGE_URL = "https://upstream.test/simple/demo/"
SHA = "a" * 64
META = "b" * 64


def _json_page(**file_fields) -> bytes:
    entry = {"filename": "demo-1.0-py3-none-any.whl", "url": "../../files/demo-1.0.whl",
             "hashes": {"sha256": SHA}, "requires-python": ">=3.9",
             "core-metadata": {"sha256": META}, "yanked": "broken build", "size": 123,
             "upload-time": "2025-01-02T03:04:05.000000Z", **file_fields}
    return json.dumps({"meta": {"api-version": "1.4"}, "name": "demo", "versions": ["1.0", "2.0"],
                       "files": [entry],
                       "project-status": {"status": "deprecated", "reason": "use demo2"}}).encode()


class TestParse:
    def test_json(self):
        data = pages.parse(_json_page(), "application/vnd.pypi.simple.v1+json", PAGE_URL)
        entry = data["files"][0]
        assert entry["url"] == "https://upstream.test/files/demo-1.0.whl"
        assert entry["yanked"] == "broken build"
        assert entry["core-metadata"] == {"sha256": META}
        assert (entry["size"], entry["requires-python"]) == (123, ">=3.9")
        assert data["versions"] == ["1.0", "2.0"]
        assert data["status"] == {"status": "deprecated", "reason": "use demo2"}

    def test_json_with_the_old_metadata_key(self):
        body = _json_page(**{"data-dist-info-metadata": {"sha256": META}})
        body = body.replace(b'"core-metadata"', b'"x-ignored"')
        data = pages.parse(body, "application/vnd.pypi.simple.v1+json", PAGE_URL)
        assert data["files"][0]["core-metadata"] == {"sha256": META}

    def test_html(self):
        html = (
            '<html><head><meta name="pypi:project-status" content="archived"></head><body>'
            f'<a href="/files/demo-1.0.tar.gz#sha256={SHA}" data-requires-python="&gt;=3.9" '
            f'data-yanked="" data-dist-info-metadata="sha256={META}">demo-1.0.tar.gz</a>'
            f'<a href="https://cdn.test/demo-2.0-py3-none-any.whl#sha256={SHA}" '
            'data-yanked="security">demo-2.0-py3-none-any.whl</a></body></html>')
        data = pages.parse(html.encode(), "text/html; charset=utf-8", PAGE_URL)
        first, second = data["files"]
        assert first["url"] == "https://upstream.test/files/demo-1.0.tar.gz"
        assert first["hashes"] == {"sha256": SHA}
        assert first["requires-python"] == ">=3.9"
        assert first["yanked"] is True
        assert first["core-metadata"] == {"sha256": META}
        assert second["yanked"] == "security" and second["core-metadata"] is False
        assert data["status"]["status"] == "archived"

    def test_not_a_page(self):
        try:
            pages.parse(b"{}", "application/vnd.pypi.simple.v1+json", PAGE_URL)
        except pages.PageError:
            return
        raise AssertionError("no PageError")


class TestRewritten:
    def test_every_url_is_wheelhouse_and_the_facts_carry_over(self):
        data = pages.parse(_json_page(), "application/vnd.pypi.simple.v1+json", PAGE_URL)
        page = pages.rewritten(data, org="acme", name="demo")
        entry = page["files"][0]
        assert entry["url"] == "/acme/files/upstream/demo/demo-1.0-py3-none-any.whl"
        assert entry["hashes"] == {"sha256": SHA}
        assert entry["core-metadata"] == entry["data-dist-info-metadata"] == {"sha256": META}
        assert entry["yanked"] == "broken build"
        assert (entry["size"], entry["upload-time"]) == (123, "2025-01-02T03:04:05.000000Z")
        assert page["versions"] == ["1.0", "2.0"]
        assert page["project-status"] == {"status": "deprecated", "reason": "use demo2"}
        assert "upstream.test" not in json.dumps(page)

    def test_files_without_a_sha256_are_left_out(self):
        data = pages.parse(_json_page(hashes={"md5": "c" * 32}),
                           "application/vnd.pypi.simple.v1+json", PAGE_URL)
        assert pages.rewritten(data, org="acme", name="demo")["files"] == []

    def test_filenames_that_are_no_distribution_names_are_left_out(self):
        for filename in ("../../etc/passwd", 'a"b.whl', "a\r\nX: y.whl", ".hidden"):
            data = pages.parse(_json_page(filename=filename),
                               "application/vnd.pypi.simple.v1+json", PAGE_URL)
            assert pages.rewritten(data, org="acme", name="demo")["files"] == [], filename

    def test_versions_from_filenames_when_the_upstream_gives_none(self):
        html = (f'<a href="/f/demo-1.0.tar.gz#sha256={SHA}">demo-1.0.tar.gz</a>'
                f'<a href="/f/demo-1.10-py3-none-any.whl#sha256={SHA}">'
                'demo-1.10-py3-none-any.whl</a>'
                f'<a href="/f/demo-1.9.tar.gz#sha256={SHA}">demo-1.9.tar.gz</a>')
        page = pages.rewritten(pages.parse(html.encode(), "text/html", PAGE_URL),
                               org="acme", name="demo")
        assert page["versions"] == ["1.0", "1.9", "1.10"]

    def test_metadata_without_a_sha256_is_not_offered(self):
        data = pages.parse(_json_page(**{"core-metadata": True}),
                           "application/vnd.pypi.simple.v1+json", PAGE_URL)
        assert pages.rewritten(data, org="a", name="demo")["files"][0]["core-metadata"] is False
