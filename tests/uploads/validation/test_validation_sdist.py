"""Rules for sdist archives: gzip tar, safety, bombs and layout."""

import gzip
import io
import tarfile

import pytest

from uploads.validation import Limits


def only(report):
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def write(tmp_path, data, name="demo_pkg-1.0.tar.gz"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


class TestGoodSdist:
    def test_passes_and_returns_its_pkg_info(self, build, check_sdist, tmp_path):
        report = check_sdist(build.sdist(tmp_path))
        assert report.ok, report.problems
        assert (report.name, report.version, report.python_tag) == ("demo-pkg", "1.0", "source")
        assert report.metadata_bytes == build.metadata()
        assert report.metadata["summary"] == "A demo package."
        assert report.metadata["classifiers"] == ["Programming Language :: Python :: 3"]

    def test_gnu_format_passes(self, build, check_sdist, tmp_path):
        assert check_sdist(build.sdist(tmp_path, tar_format=tarfile.GNU_FORMAT)).ok


class TestSdistContainer:
    def test_must_be_gzip(self, build, check_sdist, tmp_path):
        with tarfile.open(fileobj=(buffer := io.BytesIO()), mode="w") as archive:
            archive.addfile(tarfile.TarInfo("demo_pkg-1.0"))
        problem = only(check_sdist(write(tmp_path, buffer.getvalue())))
        assert problem.code == "archive-invalid"
        assert "gzip" in problem.message

    def test_gzip_of_something_else_is_corrupt(self, check_sdist, tmp_path):
        problem = only(check_sdist(write(tmp_path, gzip.compress(b"not a tar" * 100))))
        assert problem.code == "archive-corrupt"

    def test_truncated_gzip_is_corrupt(self, build, check_sdist, tmp_path):
        data = build.sdist(tmp_path).read_bytes()
        problem = only(check_sdist(write(tmp_path, data[: len(data) // 2], "demo_pkg-1.0.tar.gz")))
        assert problem.code == "archive-corrupt"

    def test_garbage_after_the_gzip_stream_is_corrupt(self, build, check_sdist, tmp_path):
        data = build.sdist(tmp_path).read_bytes() + b"trailing garbage"
        assert only(check_sdist(write(tmp_path, data))).code == "archive-corrupt"

    def test_a_tar_that_is_also_a_zip_is_refused(self, build, check_sdist, tmp_path):
        data = build.sdist(tmp_path).read_bytes() + build.raw_zip(build.good_raw_members())
        problem = only(check_sdist(write(tmp_path, data)))
        assert problem.code == "archive-polyglot"
        assert "both a ZIP and a tar" in problem.message


class TestSdistMemberSafety:
    @pytest.mark.parametrize(
        ("name", "text"),
        [("/etc/passwd", "absolute path"), ("demo_pkg-1.0/../../x", "'..'")],
    )
    def test_unsafe_paths_are_refused(self, build, check_sdist, tmp_path, name, text):
        path = build.sdist(tmp_path, extra=[build.tar_member(name, b"x")])
        problem = only(check_sdist(path))
        assert problem.code == "path-unsafe"
        assert text in problem.message

    @pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
    def test_links_are_refused(self, build, check_sdist, tmp_path, kind):
        member = build.tar_member("demo_pkg-1.0/link", type=kind, linkname="demo_pkg-1.0/PKG-INFO")
        problem = only(check_sdist(build.sdist(tmp_path, extra=[member])))
        assert problem.code == "link-member"
        assert "'demo_pkg-1.0/link'" in problem.message

    @pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
    def test_devices_and_fifos_are_refused(self, build, check_sdist, tmp_path, kind):
        member = build.tar_member("demo_pkg-1.0/dev", type=kind)
        problem = only(check_sdist(build.sdist(tmp_path, extra=[member])))
        assert problem.code == "special-member"

    def test_gnu_sparse_members_are_refused(self, build, check_sdist, tmp_path):
        member = build.tar_member("demo_pkg-1.0/sparse", type=tarfile.GNUTYPE_SPARSE)
        path = build.sdist(tmp_path, extra=[member], tar_format=tarfile.GNU_FORMAT)
        problem = only(check_sdist(path))
        assert problem.code == "sparse-member"

    def test_pax_sparse_members_are_refused(self, build, check_sdist, tmp_path):
        headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                   "GNU.sparse.name": "demo_pkg-1.0/sparse", "GNU.sparse.realsize": "10"}
        member = build.tar_member("demo_pkg-1.0/GNUSparseFile.0/sparse", b"0\n" + bytes(510),
                                  pax_headers=headers)
        problem = only(check_sdist(build.sdist(tmp_path, extra=[member])))
        assert problem.code == "sparse-member"

    def test_huge_extended_headers_are_refused(self, build, check_sdist, tmp_path):
        member = build.tar_member("demo_pkg-1.0/x", b"", pax_headers={"comment": "x" * (2 << 20)})
        problem = only(check_sdist(build.sdist(tmp_path, extra=[member])))
        assert problem.code == "tar-header-too-large"

    def test_duplicate_members_are_refused(self, build, check_sdist, tmp_path):
        member = build.tar_member("demo_pkg-1.0/PKG-INFO", b"Metadata-Version: 2.1\n")
        problem = only(check_sdist(build.sdist(tmp_path, extra=[member])))
        assert problem.code == "tar-duplicate"

    def test_member_count_is_limited(self, build, check_sdist, tmp_path):
        extra = [build.tar_member(f"demo_pkg-1.0/m{i}.py", b"") for i in range(10)]
        report = check_sdist(build.sdist(tmp_path, extra=extra), limits=Limits(max_members=5))
        problem = only(report)
        assert problem.code == "too-many-members"
        assert "the limit is 5" in problem.message


class TestTarBombs:
    def test_total_size_is_limited(self, build, check_sdist, tmp_path):
        extra = [build.tar_member("demo_pkg-1.0/big.bin", bytes(3 << 20))]
        report = check_sdist(build.sdist(tmp_path, extra=extra),
                             limits=Limits(max_uncompressed=2 << 20, max_ratio=1e9))
        problem = only(report)
        assert problem.code == "tar-bomb"
        assert "more than 2 MiB" in problem.message

    def test_compression_ratio_is_limited(self, build, check_sdist, tmp_path):
        extra = [build.tar_member("demo_pkg-1.0/zeros.bin", bytes(16 << 20))]
        problem = only(check_sdist(build.sdist(tmp_path, extra=extra)))
        assert problem.code == "tar-bomb"
        assert "100 times" in problem.message


class TestSdistLayout:
    def test_everything_lives_under_one_directory(self, build, check_sdist, tmp_path):
        path = build.sdist(tmp_path, extra=[build.tar_member("other/setup.py", b"")])
        problem = only(check_sdist(path))
        assert problem.code == "sdist-layout"
        assert "'demo_pkg-1.0/'" in problem.message and "'other/setup.py'" in problem.message

    def test_directory_must_match_the_filename(self, build, check_sdist, tmp_path):
        report = check_sdist(build.sdist(tmp_path, top="demo-pkg-1.0"))
        assert [p.code for p in report.problems] == ["sdist-layout", "pkg-info-missing"]

    def test_pkg_info_is_required(self, build, check_sdist, tmp_path):
        path = build.sdist(tmp_path, filename="demo_pkg-1.0.tar.gz", top="demo_pkg-1.0/sub")
        report = check_sdist(path)
        assert [p.code for p in report.problems] == ["pkg-info-missing"]
        assert "'demo_pkg-1.0/PKG-INFO'" in report.problems[0].message
