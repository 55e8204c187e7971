"""Rules for the text fields of a twine upload."""

import pytest

from uploads.validation import FormResult, check_form


def form(**changes):
    """A valid wheel upload form, with ``changes`` applied (None removes a field)."""
    fields = {
        ":action": ["file_upload"],
        "protocol_version": ["1"],
        "name": ["demo-pkg"],
        "version": ["1.0"],
        "filetype": ["bdist_wheel"],
        "pyversion": ["py3"],
        "metadata_version": ["2.4"],
        "summary": ["A demo package."],
        "sha256_digest": ["ab" * 32],
        "__file_fields__": ["content"],
    }
    for key, value in changes.items():
        key = key.replace("__colon__", ":")
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value if isinstance(value, list) else [value]
    return fields


def only(result: FormResult):
    assert len(result.problems) == 1, result.problems
    return result.problems[0]


class TestValidForm:
    def test_a_complete_form_has_no_problems(self):
        result = check_form(form())
        assert result.ok
        assert (result.name, result.version, result.filetype) == ("demo-pkg", "1.0", "bdist_wheel")
        assert result.digests == {"sha256": "ab" * 32}

    def test_version_is_returned_in_canonical_form(self):
        assert check_form(form(version="01.0.0RC1")).version == "1.0.0rc1"

    def test_digests_are_lower_cased_and_all_kept(self):
        result = check_form(form(md5_digest="AB" * 16, blake2_256_digest="CD" * 32))
        assert result.digests == {"sha256": "ab" * 32, "md5": "ab" * 16, "blake2_256": "cd" * 32}

    def test_unknown_is_treated_as_absent(self):
        result = check_form(form(summary="UNKNOWN", md5_digest="UNKNOWN", home_page="UNKNOWN"))
        assert result.ok
        assert "md5" not in result.digests

    def test_protocol_version_may_be_absent(self):
        assert check_form(form(protocol_version=None)).ok


class TestProtocolRules:
    def test_other_actions_are_gone(self):
        problem = only(check_form(form(__colon__action="submit")))
        assert problem.code == "action-gone"
        assert "'submit' is no longer supported" in problem.message

    def test_action_is_required(self):
        assert only(check_form(form(__colon__action=None))).code == "action-missing"

    def test_protocol_version_must_be_1(self):
        problem = only(check_form(form(protocol_version="2")))
        assert problem.code == "protocol-unsupported"
        assert "'2'" in problem.message

    def test_only_content_may_be_a_file(self):
        problem = only(check_form(form(__file_fields__=["content", "gpg_signature"])))
        assert problem.code == "file-field-invalid"
        assert "'gpg_signature' was sent as a file" in problem.message

    def test_content_must_be_sent(self):
        assert only(check_form(form(__file_fields__=[]))).code == "content-missing"

    def test_a_field_sent_twice_with_different_values_is_refused(self):
        problem = only(check_form(form(name=["demo-pkg", "other"])))
        assert problem.code == "field-repeated"


class TestNameAndVersionRules:
    def test_name_is_required(self):
        assert only(check_form(form(name="UNKNOWN"))).code == "name-missing"

    @pytest.mark.parametrize("name", ["-demo", "demo_", "dé", "a b"])
    def test_name_must_match_the_pep_508_pattern(self, name):
        problem = only(check_form(form(name=name)))
        assert problem.code == "name-invalid"
        assert f"Invalid project name '{name}'" in problem.message

    def test_version_is_required(self):
        assert only(check_form(form(version=None))).code == "version-missing"

    def test_version_must_be_pep_440(self):
        problem = only(check_form(form(version="one")))
        assert problem.code == "version-invalid"
        assert "'one'" in problem.message and "PEP 440" in problem.message

    def test_a_number_too_long_for_python_is_an_invalid_version(self):
        problems = check_form(form(version="1" * 5000)).problems
        assert problems[0].code == "version-invalid"  # a problem, not a crash

    def test_local_versions_are_refused(self):
        problem = only(check_form(form(version="1.0+local")))
        assert problem.code == "version-local"
        assert problem.message == "Invalid version '1.0+local': local versions are not allowed."


class TestFileRules:
    def test_filetype_must_be_sdist_or_wheel(self):
        problem = only(check_form(form(filetype="bdist_egg")))
        assert problem.code == "filetype-invalid"
        assert "'bdist_egg'" in problem.message

    def test_sdist_pyversion_must_be_source(self):
        problem = only(check_form(form(filetype="sdist", pyversion="py3")))
        assert problem.code == "pyversion-invalid"
        assert "'source'" in problem.message

    def test_sdist_pyversion_may_be_absent(self):
        assert check_form(form(filetype="sdist", pyversion=None)).ok

    @pytest.mark.parametrize("pyversion", [None, "source"])
    def test_wheel_pyversion_must_be_a_python_tag(self, pyversion):
        assert only(check_form(form(pyversion=pyversion))).code == "pyversion-invalid"

    def test_at_least_one_digest_is_required(self):
        problem = only(check_form(form(sha256_digest=None)))
        assert problem.code == "digest-missing"

    @pytest.mark.parametrize(
        ("field", "value"),
        [("sha256_digest", "ab" * 31), ("md5_digest", "zz" * 16), ("blake2_256_digest", "ab")],
    )
    def test_digests_must_be_hex_of_the_right_length(self, field, value):
        problem = only(check_form(form(**{field: value})))
        assert problem.code == "digest-invalid"
        assert problem.field == field


class TestFormMetadataRules:
    @pytest.mark.parametrize("version", ["2.0", "2.6", "3.0"])
    def test_unsupported_metadata_versions_are_refused(self, version):
        problem = only(check_form(form(metadata_version=version)))
        assert problem.code == "metadata-version-unsupported"
        assert f"'{version}'" in problem.message

    def test_metadata_version_is_required(self):
        problem = only(check_form(form(metadata_version=None)))
        assert problem.code == "metadata-version-missing"
        assert "Metadata-Version is required" in problem.message

    @pytest.mark.parametrize("version", ["1.0", "1.2", "2.1", "2.3", "2.5"])
    def test_supported_metadata_versions_are_accepted(self, version):
        assert check_form(form(metadata_version=version)).ok

    def test_metadata_2_5_is_accepted_even_by_an_older_packaging(self, monkeypatch):
        from uploads.validation import core_metadata

        monkeypatch.setattr(core_metadata, "_packaging_knows", lambda version: version != "2.5")
        assert check_form(form(metadata_version="2.5", license_expression="MIT")).ok

    @pytest.mark.parametrize("field", ["requires_dist", "provides_dist", "obsoletes_dist"])
    def test_direct_url_references_are_refused(self, field):
        problem = only(check_form(form(**{field: ["foo @ https://example.com/foo.whl"]})))
        assert problem.code == "direct-url-dependency"
        assert "direct URL references are not allowed" in problem.message

    def test_invalid_requirements_are_refused(self):
        assert only(check_form(form(requires_dist=["foo >>> 1"]))).code == "requirement-invalid"

    def test_unknown_classifiers_are_refused(self):
        problem = only(check_form(form(classifiers=["Made Up :: Classifier"])))
        assert problem.code == "classifier-invalid"
        assert problem.message == "'Made Up :: Classifier' is not a valid classifier."

    def test_deprecated_classifiers_name_their_replacement(self):
        problem = only(check_form(form(classifiers=["Framework :: Django CMS :: 4.2"])))
        assert problem.code == "classifier-deprecated"
        assert "use 'Framework :: Django CMS :: 5.0' instead" in problem.message

    def test_private_classifiers_belong_in_a_private_registry(self):
        assert check_form(form(classifiers=["Private :: Do Not Upload"])).ok

    @pytest.mark.parametrize(
        "value", ["text/html", "text/markdown; variant=Wiki", "text/plain; charset=latin-1"]
    )
    def test_description_content_type_must_be_known(self, value):
        assert only(check_form(form(description_content_type=value))).code == "content-type-invalid"

    def test_markdown_variant_is_accepted(self):
        assert check_form(form(description_content_type="text/markdown; variant=CommonMark")).ok

    def test_license_expression_must_be_spdx(self):
        problem = only(check_form(form(license_expression="MIT AND")))
        assert problem.code == "license-expression-invalid"
        assert "'MIT AND'" in problem.message

    def test_license_and_license_expression_conflict_in_2_4(self):
        problem = only(check_form(form(license_expression="MIT", license="MIT License")))
        assert problem.code == "license-conflict"

    def test_license_expression_needs_metadata_2_4(self):
        problem = only(check_form(form(metadata_version="2.1", license_expression="MIT")))
        assert "introduced in metadata version 2.4" in problem.message

    @pytest.mark.parametrize("url", ["Home, ftp://example.com", "Home, javascript:alert(1)"])
    def test_project_urls_must_be_http(self, url):
        problem = only(check_form(form(project_urls=[url])))
        assert problem.code == "url-invalid"
        assert "http(s)" in problem.message

    def test_project_url_labels_are_short(self):
        problem = only(check_form(form(project_urls=["L" * 33 + ", https://example.com"])))
        assert "longer than 32 characters" in problem.message

    def test_home_page_must_be_a_url(self):
        assert only(check_form(form(home_page="example.com"))).code == "url-invalid"

    def test_summary_is_at_most_512_characters(self):
        problem = only(check_form(form(summary="x" * 513)))
        assert problem.code == "summary-invalid"
        assert "513 characters" in problem.message

    def test_summary_is_a_single_line(self):
        problem = only(check_form(form(summary="one\ntwo")))
        assert problem.code == "summary-invalid"
        assert "single line" in problem.message

    @pytest.mark.parametrize("value", ["not an email", "Jane <jane@>", "a@b.c, broken"])
    def test_emails_must_be_valid(self, value):
        problem = only(check_form(form(author_email=value)))
        assert problem.code == "email-invalid"
        assert "Author-email" in problem.message

    def test_several_addresses_are_accepted(self):
        assert check_form(form(maintainer_email="Jane <jane@example.com>, bob@example.org")).ok

    def test_all_problems_are_collected_in_order(self):
        result = check_form(
            form(protocol_version="9", version="1.0+x", sha256_digest=None, classifiers=["X"])
        )
        assert [p.code for p in result.problems] == [
            "protocol-unsupported", "version-local", "digest-missing", "classifier-invalid",
        ]


class TestLengthsTheRegistryKeeps:
    def test_a_name_of_at_most_200_characters(self):
        assert check_form(form(name="a" * 200)).ok
        problem = only(check_form(form(name="a" * 201)))
        assert problem.code == "name-invalid" and "the limit is 200" in problem.message

    def test_a_version_of_at_most_100_characters(self):
        assert check_form(form(version="1" + ".0" * 49)).ok
        problem = only(check_form(form(version="1" + ".0" * 50)))
        assert problem.code == "version-too-long"
        assert problem.message.endswith("it has 101 characters; the limit is 100.")

    def test_a_pyversion_of_at_most_100_characters(self):
        assert check_form(form(pyversion="p" * 100)).ok
        problem = only(check_form(form(pyversion="p" * 101)))
        assert problem.code == "pyversion-invalid" and "the limit is 100" in problem.message
