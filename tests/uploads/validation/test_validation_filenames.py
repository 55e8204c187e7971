"""Rules for the name of the uploaded file."""

import pytest

from uploads.validation import check_filename
from uploads.validation.filenames import MAX_FILENAME_BYTES


def wheel(filename, name="demo-pkg", version="1.0"):
    return check_filename(filename, filetype="bdist_wheel", name=name, version=version)


def sdist(filename, name="demo-pkg", version="1.0"):
    return check_filename(filename, filetype="sdist", name=name, version=version)


class TestFilenameRules:
    def test_good_names_pass(self):
        assert wheel("demo_pkg-1.0-py3-none-any.whl") == ()
        assert sdist("demo_pkg-1.0.tar.gz") == ()

    def test_a_version_number_too_long_for_python_is_refused_without_parsing(self):
        huge = "9" * 5000  # int() refuses more than 4,300 digits
        assert [p.code for p in wheel(f"demo_pkg-{huge}-py3-none-any.whl")] == \
            ["filename-too-long"]
        assert [p.code for p in sdist(f"demo_pkg-{huge}.tar.gz")] == ["filename-too-long"]

    @pytest.mark.parametrize("filename", ["demo_pkg-1.0-py3-none-any\x00.whl",
                                          "demo_pkg-1.0-py3-none-any.whl\n",
                                          "\x1b[2Jdemo_pkg-1.0-py3-none-any.whl"])
    def test_nul_and_control_characters_are_refused(self, filename):
        (problem,) = wheel(filename)
        assert problem.code == "filename-invalid"
        assert "NUL or another control character" in problem.message
        # The message shows them escaped, never as they are.
        assert problem.message.isprintable()

    @pytest.mark.parametrize("filename", ["../demo_pkg-1.0.tar.gz", "/demo_pkg-1.0.tar.gz",
                                          "a\\demo_pkg-1.0.tar.gz", "dist/demo_pkg-1.0.tar.gz"])
    def test_a_name_that_carries_a_path_is_refused(self, filename):
        (problem,) = sdist(filename)
        assert problem.code == "filename-invalid"
        assert "carries a path ('/' or '\\')" in problem.message

    @pytest.mark.parametrize("filename", ["..", "."])
    def test_dot_names_are_refused(self, filename):
        assert [p.code for p in sdist(filename)] == ["filename-invalid"]

    def test_wheels_end_in_whl(self):
        (problem,) = wheel("demo_pkg-1.0.tar.gz")
        assert problem.code == "filename-extension"
        assert ".whl" in problem.message

    def test_zip_sdists_are_refused(self):
        (problem,) = sdist("demo_pkg-1.0.zip")
        assert problem.code == "sdist-zip"
        assert "PEP 625" in problem.message

    @pytest.mark.parametrize("filename", ["demo_pkg-1.0.tar.bz2", "demo_pkg-1.0.tgz"])
    def test_sdists_end_in_tar_gz(self, filename):
        (problem,) = sdist(filename)
        assert problem.code == "filename-extension"

    @pytest.mark.parametrize(
        "filename", ["demo_pkg-1.0-py3-none.whl", "demo_pkg-one-py3-none-any.whl"]
    )
    def test_wheel_filenames_must_parse(self, filename):
        (problem,) = wheel(filename)
        assert problem.code == "filename-invalid"
        assert "PEP 427" in problem.message

    def test_wheel_for_another_project_is_refused(self):
        (problem,) = wheel("other-1.0-py3-none-any.whl")
        assert problem.code == "filename-name-mismatch"
        assert "for project 'other'" in problem.message
        assert "'demo-pkg'" in problem.message

    @pytest.mark.parametrize(
        "filename", ["Demo_Pkg-1.0-py3-none-any.whl", "demo.pkg-1.0-py3-none-any.whl"]
    )
    def test_wheel_name_must_be_escaped_exactly(self, filename):
        (problem,) = wheel(filename)
        assert problem.code == "filename-not-normalized"
        assert "must start with 'demo_pkg-'" in problem.message

    def test_escaping_follows_the_normalized_name(self):
        assert wheel("my_pkg-1.0-py3-none-any.whl", name="My.Pkg") == ()

    def test_wheel_version_must_match(self):
        (problem,) = wheel("demo_pkg-2.0-py3-none-any.whl")
        assert problem.code == "filename-version-mismatch"
        assert "'2.0'" in problem.message and "'1.0'" in problem.message

    def test_versions_compare_canonically(self):
        assert wheel("demo_pkg-1.0.0-py3-none-any.whl", version="1.0") == ()

    def test_plain_linux_wheels_point_at_manylinux(self):
        (problem,) = wheel("demo_pkg-1.0-cp312-cp312-linux_x86_64.whl")
        assert problem.code == "platform-tag-invalid"
        assert "'linux_x86_64'" in problem.message and "manylinux" in problem.message

    @pytest.mark.parametrize(
        "platform",
        ["any", "win32", "win_amd64", "win_arm64", "manylinux1_x86_64", "manylinux2014_aarch64",
         "manylinux_2_28_x86_64", "manylinux_2_17_ppc64", "musllinux_1_2_aarch64",
         "macosx_10_9_x86_64", "macosx_11_0_arm64", "macosx_14_0_universal2", "linux_armv7l",
         "ios_13_0_arm64_iphoneos", "android_21_arm64_v8a"],
    )
    def test_allowed_platforms(self, platform):
        assert wheel(f"demo_pkg-1.0-cp312-cp312-{platform}.whl") == ()

    @pytest.mark.parametrize(
        "platform",
        ["freebsd_13_amd64", "macosx_11_2_arm64", "musllinux_1_2_ppc64", "manylinux_2_17_mips",
         "android_21_mips"],
    )
    def test_other_platforms_are_refused(self, platform):
        (problem,) = wheel(f"demo_pkg-1.0-cp312-cp312-{platform}.whl")
        assert problem.code == "platform-tag-invalid"
        assert f"'{platform}'" in problem.message

    def test_sdist_name_must_be_the_normalized_name(self):
        (problem,) = sdist("Demo-Pkg-1.0.tar.gz")
        assert problem.code == "filename-not-normalized"

    def test_sdist_version_must_match(self):
        (problem,) = sdist("demo_pkg-1.1.tar.gz")
        assert problem.code == "filename-version-mismatch"

    def test_sdist_filename_must_parse(self):
        (problem,) = sdist("demo_pkg.tar.gz")
        assert problem.code == "filename-invalid"


def sized_wheel(size: int) -> str:
    """A valid demo-pkg 1.0 wheel filename of ``size`` bytes (a long build tag)."""
    fixed = len("demo_pkg-1.0-1-py3-none-any.whl")
    return f"demo_pkg-1.0-1{'b' * (size - fixed)}-py3-none-any.whl"


class TestFilenameLength:
    def test_the_longest_name_storage_holds_passes(self):
        assert len(sized_wheel(246)) == 246 == MAX_FILENAME_BYTES
        assert wheel(sized_wheel(246)) == ()

    @pytest.mark.parametrize("size", [247, 249, 250, 255, 4000])
    def test_longer_names_are_refused_with_the_limit(self, size):
        (problem,) = wheel(sized_wheel(size))
        assert problem.code == "filename-too-long"
        assert problem.message == (
            f"The filename is {size} bytes long; the limit is 246 bytes (the file is stored "
            "under its name, beside its '.metadata' file, and a stored name has at most 255 "
            "bytes).")

    def test_bytes_count_not_characters(self):
        name = "ä" * 124  # 248 bytes in UTF-8
        (problem,) = check_filename(name, filetype=None, name=None, version=None)
        assert "248 bytes" in problem.message


class TestWithAnIncompleteForm:
    """The name is judged even when the form lacks the filetype, name or version, so that one
    answer reports every problem of the request."""

    def test_path_and_length_without_a_filetype(self):
        codes = [p.code for p in check_filename("../" + sized_wheel(250), filetype=None,
                                                name=None, version=None)]
        assert codes == ["filename-invalid", "filename-too-long"]

    def test_a_wheel_filename_is_parsed_without_the_name_and_version(self):
        assert check_filename("demo_pkg-1.0-py3-none-any.whl", filetype="bdist_wheel",
                              name=None, version=None) == ()
        (problem,) = check_filename("demo_pkg-one-py3-none-any.whl", filetype="bdist_wheel",
                                    name=None, version=None)
        assert problem.code == "filename-invalid"
