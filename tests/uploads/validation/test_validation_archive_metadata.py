"""Rules for the METADATA / PKG-INFO inside an archive, and for its README."""

import pytest

from uploads.validation import Limits

BROKEN_RST = "Title\n=====\n\n.. unknown-directive:: boom\n"


def only(report):
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


class TestArchiveMetadataRules:
    def test_name_must_agree_with_the_upload(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, metadata_bytes=build.metadata(name="other-pkg"))
        problem = only(check_wheel(path))
        assert problem.code == "metadata-name-mismatch"
        assert problem.message == (
            "The name in METADATA is 'other-pkg', but the upload is for 'demo-pkg'."
        )

    def test_names_compare_normalized(self, build, check_wheel, tmp_path):
        assert check_wheel(build.wheel(tmp_path, metadata_bytes=build.metadata(name="Demo_Pkg"))).ok

    def test_version_must_agree_with_the_upload(self, build, check_sdist, tmp_path):
        path = build.sdist(tmp_path, pkg_info=build.metadata(version="1.1"))
        problem = only(check_sdist(path))
        assert problem.code == "metadata-version-mismatch"
        assert "PKG-INFO is '1.1'" in problem.message and "'1.0'" in problem.message

    def test_versions_compare_canonically(self, build, check_sdist, tmp_path):
        report = check_sdist(build.sdist(tmp_path, pkg_info=build.metadata(version="1.0.0")))
        assert report.ok
        assert report.version == "1.0.0"

    def test_metadata_version_2_0_is_refused(self, build, check_wheel, tmp_path):
        data = build.metadata(metadata_version="2.0", headers=())
        data = data.replace(b"License-Expression: MIT\n", b"")
        problem = only(check_wheel(build.wheel(tmp_path, metadata_bytes=data)))
        assert problem.code == "metadata-version-unsupported"
        assert "'2.0'" in problem.message

    def test_direct_url_dependencies_are_refused(self, build, check_wheel, tmp_path):
        data = build.metadata(headers=(("Requires-Dist", "evil @ https://example.com/e.whl"),))
        problem = only(check_wheel(build.wheel(tmp_path, metadata_bytes=data)))
        assert problem.code == "direct-url-dependency"

    def test_classifiers_are_checked(self, build, check_sdist, tmp_path):
        data = build.metadata(headers=(("Classifier", "Not :: A :: Classifier"),))
        problem = only(check_sdist(build.sdist(tmp_path, pkg_info=data)))
        assert problem.code == "classifier-invalid"

    def test_emails_are_checked(self, build, check_sdist, tmp_path):
        data = build.metadata(headers=(("Maintainer-email", "nobody at example"),))
        problem = only(check_sdist(build.sdist(tmp_path, pkg_info=data)))
        assert problem.code == "email-invalid"
        assert "Maintainer-email" in problem.message

    def test_unknown_fields_are_refused(self, build, check_wheel, tmp_path):
        data = build.metadata(headers=(("Frobnicate", "yes"),))
        problem = only(check_wheel(build.wheel(tmp_path, metadata_bytes=data)))
        assert problem.code == "metadata-invalid"
        assert "'frobnicate'" in problem.message.lower()

    def test_metadata_size_is_limited(self, build, check_wheel, tmp_path):
        report = check_wheel(build.wheel(tmp_path), limits=Limits(max_metadata_bytes=100))
        problem = only(report)
        assert problem.code == "metadata-too-large"
        assert report.metadata_bytes is None

    def test_pkg_info_size_is_limited(self, build, check_sdist, tmp_path):
        report = check_sdist(build.sdist(tmp_path), limits=Limits(max_metadata_bytes=100))
        assert only(report).code == "metadata-too-large"

    def test_metadata_comes_from_the_archive(self, build, check_wheel, tmp_path):
        data = build.metadata(headers=(("Keywords", "alpha, beta"), ("Platform", "linux")))
        report = check_wheel(build.wheel(tmp_path, metadata_bytes=data))
        assert report.metadata["keywords"] == ["alpha", "beta"]
        assert report.metadata["platform"] == ["linux"]
        assert report.metadata_bytes == data


class TestReadmeRules:
    def test_broken_rst_is_refused(self, build, check_wheel, tmp_path):
        data = build.metadata(description=BROKEN_RST)
        problem = only(check_wheel(build.wheel(tmp_path, metadata_bytes=data)))
        assert problem.code == "readme-invalid"
        assert problem.message == (
            "The description failed to render for 'text/x-rst'. "
            "Check it locally with `python -m readme_renderer README.rst`."
        )

    def test_rst_is_assumed_without_a_content_type(self, build, check_wheel, tmp_path):
        data = build.metadata(description=BROKEN_RST, content_type=None)
        problem = only(check_wheel(build.wheel(tmp_path, metadata_bytes=data)))
        assert problem.code == "readme-invalid"

    @pytest.mark.parametrize("content_type", ["text/markdown", "text/plain; charset=UTF-8"])
    def test_markdown_and_plain_text_always_render(self, build, check_wheel, tmp_path,
                                                   content_type):
        data = build.metadata(description=BROKEN_RST, content_type=content_type)
        assert check_wheel(build.wheel(tmp_path, metadata_bytes=data)).ok


class TestProblemOrder:
    def test_filename_then_archive_then_metadata_then_readme(self, build, check_wheel, tmp_path):
        data = build.metadata(
            headers=(("Classifier", "Bogus :: Classifier"),), description=BROKEN_RST
        )
        path = build.wheel(tmp_path, metadata_bytes=data, tags="py3-none-linux_x86_64",
                           unlisted={"demo_pkg/extra.py": b""})
        report = check_wheel(path)
        assert [p.code for p in report.problems] == [
            "platform-tag-invalid", "record-missing-entry", "classifier-invalid", "readme-invalid",
        ]
