"""Rules for wheel archives: framing, safety, bombs, layout, RECORD, WHEEL, entry points."""

import io
import stat
import zipfile
import zlib

import pytest

from uploads.validation import Limits


def codes(report):
    return [problem.code for problem in report.problems]


def only(report):
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


class Unseekable(io.RawIOBase):
    """A write-only stream, which makes zipfile use data descriptors."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, chunk):
        self.data += chunk
        return len(chunk)


def rewrite(source, tmp_path, *, force_zip64=False):
    """Copy a wheel member by member into a fresh archive."""
    target = tmp_path / "rewritten" / source.name
    target.parent.mkdir()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            with new.open(info.filename, "w", force_zip64=force_zip64) as member:
                member.write(old.read(info))
    return target


def write(tmp_path, data, name="demo_pkg-1.0-py3-none-any.whl"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


class TestGoodWheel:
    def test_passes_and_returns_its_metadata(self, build, check_wheel, tmp_path):
        report = check_wheel(build.wheel(tmp_path))
        assert report.ok, report.problems
        assert (report.name, report.version, report.python_tag) == ("demo-pkg", "1.0", "py3")
        assert report.metadata_bytes == build.metadata()
        assert report.metadata["requires_dist"] == ["packaging>=24"]
        assert report.metadata["project_urls"] == {"Source": "https://example.com/demo"}
        assert report.metadata["license_expression"] == "MIT"

    def test_compressed_tag_sets_pass(self, build, check_wheel, tmp_path):
        report = check_wheel(build.wheel(tmp_path, tags="py2.py3-none-any"))
        assert report.ok, report.problems
        assert report.python_tag == "py2.py3"

    def test_signature_files_need_not_be_in_record(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, unlisted={"demo_pkg-1.0.dist-info/RECORD.jws": b"{}"})
        assert check_wheel(path).ok

    def test_zip64_headers_pass(self, build, check_wheel, tmp_path, monkeypatch):
        # A tiny entry limit makes zipfile write the ZIP64 end records too.
        monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
        source = build.wheel(tmp_path)
        target = rewrite(source, tmp_path, force_zip64=True)
        with open(target, "rb") as handle:
            assert b"PK\x06\x06" in handle.read()
        assert check_wheel(target).ok

    def test_data_descriptors_pass(self, build, check_wheel, tmp_path):
        source = build.wheel(tmp_path)
        target = tmp_path / "streamed" / source.name
        target.parent.mkdir()
        stream = Unseekable()
        with zipfile.ZipFile(source) as old, zipfile.ZipFile(stream, "w") as new:
            for info in old.infolist():
                new.writestr(info.filename, old.read(info), zipfile.ZIP_DEFLATED)
        target.write_bytes(bytes(stream.data))
        assert b"PK\x07\x08" in target.read_bytes()
        assert check_wheel(target).ok

    def test_a_raw_built_wheel_with_consistent_framing_passes_framing(self, build, check_wheel,
                                                                      tmp_path):
        report = check_wheel(write(tmp_path, build.raw_zip(build.good_raw_members())))
        assert report.ok, report.problems


class TestZipFraming:
    def test_prepended_data_is_refused(self, build, check_wheel, tmp_path):
        data = build.raw_zip(build.good_raw_members(), prefix=b"#!/bin/sh\nexit 0\n")
        problem = only(check_wheel(write(tmp_path, data)))
        assert problem.code == "zip-framing"
        assert "unexplained data at offset 0" in problem.message

    def test_concatenated_data_is_refused(self, build, check_wheel, tmp_path):
        source = tmp_path / "source"
        source.mkdir()
        data = b"#!/bin/sh\n" + build.wheel(source).read_bytes()
        problem = only(check_wheel(write(tmp_path, data)))
        assert problem.code == "zip-framing"
        assert "data was added before or inside the archive" in problem.message

    @pytest.mark.parametrize("trailer", [b"hidden", b"PK\x05\x06 hidden"])
    def test_trailing_data_is_refused(self, build, check_wheel, tmp_path, trailer):
        data = build.raw_zip(build.good_raw_members(), trailer=trailer)
        problem = only(check_wheel(write(tmp_path, data)))
        assert problem.code == "zip-framing"
        assert "after the end of the archive" in problem.message

    def test_data_between_entries_is_refused(self, build, check_wheel, tmp_path):
        members = build.good_raw_members()
        members[1].gap_before = b"smuggled"
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "zip-framing"
        assert "unexplained data" in problem.message

    def test_local_header_must_name_the_same_file(self, build, check_wheel, tmp_path):
        members = build.good_raw_members()
        members[0].local_name = b"demo_pkg/__evil__.py"
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "zip-framing"
        assert "names another file" in problem.message

    def test_local_header_must_agree_on_size(self, build, check_wheel, tmp_path):
        members = build.good_raw_members()
        members[0].local_size = 1
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "zip-framing"
        assert "disagrees on size" in problem.message

    def test_duplicate_names_are_refused(self, build, check_wheel, tmp_path):
        members = [*build.good_raw_members(), build.RawMember(b"demo_pkg/__init__.py", b"evil")]
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "zip-duplicate"
        assert "'demo_pkg/__init__.py' more than once" in problem.message

    def test_non_utf8_names_need_the_utf8_flag(self, build, check_wheel, tmp_path):
        members = [*build.good_raw_members(), build.RawMember("demo_pkg/é.py".encode("latin-1"))]
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "zip-encoding"

    def test_flagged_utf8_names_are_fine(self, build, check_wheel, tmp_path):
        members = [*build.good_raw_members(),
                   build.RawMember("demo_pkg/é.py".encode(), flags=0x800)]
        assert "zip-encoding" not in codes(check_wheel(write(tmp_path, build.raw_zip(members))))

    def test_only_stored_and_deflated_members(self, build, check_wheel, tmp_path):
        members = [*build.good_raw_members(), build.RawMember(b"demo_pkg/x.py", method=12)]
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "zip-compression"
        assert "method 12" in problem.message

    def test_encrypted_members_are_refused(self, build, check_wheel, tmp_path):
        members = [*build.good_raw_members(), build.RawMember(b"demo_pkg/x.py", flags=0x1)]
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "zip-encrypted"

    def test_an_end_record_hidden_in_the_comment_is_refused(self, build, check_wheel, tmp_path):
        data = bytearray(build.raw_zip(build.good_raw_members()))
        comment = b"PK\x05\x06" + bytes(18)
        data[-2:] = len(comment).to_bytes(2, "little")
        report = check_wheel(write(tmp_path, bytes(data) + comment))
        assert not report.ok

    def test_a_wheel_must_be_a_zip(self, check_wheel, tmp_path):
        problem = only(check_wheel(write(tmp_path, b"not a zip at all")))
        assert problem.code == "archive-invalid"

    def test_a_zip_that_is_also_a_tar_is_refused(self, build, check_wheel, tmp_path):
        tar = build.sdist(tmp_path).read_bytes()
        data = build.raw_zip(build.good_raw_members(), prefix=tar)
        problem = only(check_wheel(write(tmp_path, data)))
        assert problem.code == "archive-polyglot"


class TestMemberSafety:
    @pytest.mark.parametrize(
        ("name", "text"),
        [(b"/etc/passwd", "absolute path"), (b"demo_pkg/../../x.py", "'..'"),
         (b"C:/x.py", "absolute path"), (b"demo_pkg\\..\\..\\x.py", "'..'")],
    )
    def test_unsafe_paths_are_refused(self, build, check_wheel, tmp_path, name, text):
        members = [*build.good_raw_members(), build.RawMember(name)]
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "path-unsafe"
        assert text in problem.message

    def test_symlinks_are_refused(self, build, check_wheel, tmp_path):
        attr = (stat.S_IFLNK | 0o777) << 16
        members = [*build.good_raw_members(), build.RawMember(b"demo_pkg/link", b"/etc",
                                                              external_attr=attr)]
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "link-member"

    @pytest.mark.parametrize("kind", [stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO])
    def test_devices_and_fifos_are_refused(self, build, check_wheel, tmp_path, kind):
        members = [*build.good_raw_members(),
                   build.RawMember(b"demo_pkg/dev", b"", external_attr=(kind | 0o600) << 16)]
        problem = only(check_wheel(write(tmp_path, build.raw_zip(members))))
        assert problem.code == "special-member"

    def test_member_count_is_limited(self, build, check_wheel, tmp_path):
        files = {f"demo_pkg/m{i}.py": b"" for i in range(10)}
        report = check_wheel(build.wheel(tmp_path, files=files), limits=Limits(max_members=5))
        problem = only(report)
        assert problem.code == "too-many-members"
        assert "the limit is 5" in problem.message


class TestZipBombs:
    def test_total_size_is_limited(self, build, check_wheel, tmp_path):
        files = {"demo_pkg/big.bin": bytes(3 << 20)}
        report = check_wheel(build.wheel(tmp_path, files=files),
                             limits=Limits(max_uncompressed=2 << 20, max_ratio=1e9))
        problem = only(report)
        assert problem.code == "zip-bomb"
        assert "more than 2 MiB" in problem.message

    def test_compression_ratio_is_limited(self, build, check_wheel, tmp_path):
        report = check_wheel(build.wheel(tmp_path, files={"demo_pkg/zeros.bin": bytes(8 << 20)}))
        problem = only(report)
        assert problem.code == "zip-bomb"
        assert "100 times" in problem.message

    def test_declared_sizes_are_not_trusted(self, build, check_wheel, tmp_path):
        # Both headers claim 10 bytes; the stream is read one byte past them, which gives
        # the lie away.
        lying = build.RawMember(b"demo_pkg/x.py", bytes(5000), method=8, declared_size=10)
        report = check_wheel(write(tmp_path, build.raw_zip([*build.good_raw_members(), lying])))
        problem = only(report)
        assert problem.code == "archive-corrupt"
        assert "'demo_pkg/x.py' inflates past the 10 bytes" in problem.message

    def test_small_repetitive_wheels_are_not_bombs(self, build, check_wheel, tmp_path):
        assert check_wheel(build.wheel(tmp_path, files={"demo_pkg/z.bin": bytes(500_000)})).ok


class TestWheelLayout:
    def test_dist_info_must_match_the_filename(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, dist_info="other-1.0.dist-info")
        problem = only(check_wheel(path))
        assert problem.code == "wheel-layout"
        assert "'demo_pkg-1.0.dist-info'" in problem.message

    def test_only_one_dist_info(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, unlisted={"extra-2.0.dist-info/METADATA": b""})
        assert only(check_wheel(path)).code == "wheel-layout"

    def test_metadata_wheel_and_record_are_required(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path)
        stripped = tmp_path / "stripped" / path.name
        stripped.parent.mkdir()
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(stripped, "w") as target:
            for info in source.infolist():
                if not info.filename.endswith("/WHEEL"):
                    target.writestr(info, source.read(info))
        problem = only(check_wheel(stripped))
        assert problem.code == "wheel-layout"
        assert "'demo_pkg-1.0.dist-info/WHEEL'" in problem.message


class TestRecord:
    def test_every_member_must_be_listed(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, unlisted={"demo_pkg/sneaky.py": b"import os\n"})
        problem = only(check_wheel(path))
        assert problem.code == "record-missing-entry"
        assert "'demo_pkg/sneaky.py' is in the wheel but not in RECORD" in problem.message

    def test_listed_members_must_exist(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, rows=lambda rows: [*rows, build.record_line("gone.py", b"")])
        problem = only(check_wheel(path))
        assert problem.code == "record-extra-entry"
        assert "'gone.py'" in problem.message

    def test_hashes_must_match(self, build, check_wheel, tmp_path):
        def tamper(rows):
            rows[0][1] = build.record_line("x", b"other")[1]
            return rows

        problem = only(check_wheel(build.wheel(tmp_path, rows=tamper)))
        assert problem.code == "record-hash-mismatch"
        assert "'demo_pkg/__init__.py'" in problem.message

    def test_sizes_must_match(self, build, check_wheel, tmp_path):
        def tamper(rows):
            rows[0][2] = "999"
            return rows

        problem = only(check_wheel(build.wheel(tmp_path, rows=tamper)))
        assert problem.code == "record-size-mismatch"
        assert "'999'" in problem.message

    @pytest.mark.parametrize("algorithm", ["md5", "sha1"])
    def test_weak_hashes_are_refused(self, build, check_wheel, tmp_path, algorithm):
        def weaken(rows):
            rows[0] = build.record_line(rows[0][0], b"VALUE = 1\n", algorithm)
            return rows

        problem = only(check_wheel(build.wheel(tmp_path, rows=weaken)))
        assert problem.code == "record-invalid"
        assert "sha256 or stronger" in problem.message

    def test_stronger_hashes_are_accepted(self, build, check_wheel, tmp_path):
        def strengthen(rows):
            rows[0] = build.record_line(rows[0][0], b"VALUE = 1\n", "sha512")
            return rows

        assert check_wheel(build.wheel(tmp_path, rows=strengthen)).ok


class TestWheelFile:
    def test_wheel_version_must_be_1x(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, wheel_bytes=build.wheel_file(version="2.0"))
        problem = only(check_wheel(path))
        assert problem.code == "wheel-file-invalid"
        assert "must be 1.x" in problem.message

    def test_tags_must_match_the_filename(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, wheel_bytes=build.wheel_file(tags="py2-none-any"))
        problem = only(check_wheel(path))
        assert problem.code == "wheel-tags-mismatch"
        assert "py2-none-any" in problem.message and "py3-none-any" in problem.message

    def test_root_is_purelib_is_required(self, build, check_wheel, tmp_path):
        wheel = b"Wheel-Version: 1.0\nTag: py3-none-any\n"
        problem = only(check_wheel(build.wheel(tmp_path, wheel_bytes=wheel)))
        assert problem.code == "wheel-file-invalid"
        assert "Root-Is-Purelib" in problem.message


class TestEntryPoints:
    def test_valid_entry_points_pass(self, build, check_wheel, tmp_path):
        text = b"[console_scripts]\ndemo = demo_pkg.cli:main [color]\n[flake8.extension]\nD = x\n"
        assert check_wheel(build.wheel(tmp_path, entry_points=text)).ok

    @pytest.mark.parametrize("value", [b"demo_pkg.cli:", b"1demo:main", b"demo:main [bad extra!]"])
    def test_object_references_must_parse(self, build, check_wheel, tmp_path, value):
        path = build.wheel(tmp_path, entry_points=b"[console_scripts]\ndemo = " + value + b"\n")
        problem = only(check_wheel(path))
        assert problem.code == "entry-points-invalid"
        assert "expected 'module.sub:attr [extras]'" in problem.message

    def test_group_names_must_be_dotted_words(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, entry_points=b"[bad group!]\ndemo = demo_pkg:main\n")
        problem = only(check_wheel(path))
        assert problem.code == "entry-points-invalid"
        assert "group 'bad group!'" in problem.message

    def test_must_be_ini(self, build, check_wheel, tmp_path):
        path = build.wheel(tmp_path, entry_points=b"demo = demo_pkg:main\n")
        problem = only(check_wheel(path))
        assert problem.code == "entry-points-invalid"
        assert "cannot be parsed" in problem.message


class TestEntryPointsSpecification:
    """The Entry points specification, and PyPI's rule that a script is a bare command name."""

    def check(self, build, check_wheel, tmp_path, text: bytes):
        return check_wheel(build.wheel(tmp_path, entry_points=text))

    @pytest.mark.parametrize("group", [b"console_scripts", b"gui_scripts"])
    @pytest.mark.parametrize("name", [b"../../x", b"/usr/bin/python3", b"bin/x", b"a\\b",
                                      b"C:\\x", b"..", b".", b"two words", b"x;y", b"$(x)"])
    def test_a_script_name_is_a_bare_command_name(self, build, check_wheel, tmp_path, group,
                                                  name):
        text = b"[" + group + b"]\n" + name + b" = demo_pkg.cli:main\n"
        problem = only(self.check(build, check_wheel, tmp_path, text))
        assert problem.code == "entry-points-invalid"
        assert problem.message == (
            f"Invalid script name '{name.decode()}' in [{group.decode()}]: a command name "
            "holds only letters, digits, '_', '.' and '-', and is not '.' or '..'.")

    @pytest.mark.parametrize("name", [b"demo", b"demo-cli", b"demo.py", b"demo_3.12", b"\xc3\xa9"])
    def test_plain_script_names_pass(self, build, check_wheel, tmp_path, name):
        text = b"[console_scripts]\n" + name + b" = demo_pkg.cli:main\n"
        assert self.check(build, check_wheel, tmp_path, text).ok

    def test_names_in_other_groups_are_the_application_s(self, build, check_wheel, tmp_path):
        text = b"[demo.plugins]\n../x = demo_pkg:a\nwith space = demo_pkg:b\nC:/x = demo_pkg:c\n"
        assert self.check(build, check_wheel, tmp_path, text).ok

    @pytest.mark.parametrize("value", [b"demo-pkg.cli:main", b"demo..cli:main", b".demo:main",
                                       b"demo:main:x", b"demo:main.", b"demo/cli:main",
                                       b"../../x:main", b"demo:ma in", b"demo:"])
    def test_an_object_reference_is_identifiers_and_one_colon(self, build, check_wheel,
                                                               tmp_path, value):
        text = b"[demo.plugins]\ndemo = " + value + b"\n"
        problem = only(self.check(build, check_wheel, tmp_path, text))
        assert problem.code == "entry-points-invalid"
        assert "expected 'module.sub:attr [extras]'" in problem.message

    @pytest.mark.parametrize("value", [b"demo", b"demo.cli", b"demo.cli:main.attr",
                                       b"d\xc3\xa9mo:main", b"demo : main", b"demo:main [x, y]"])
    def test_well_formed_object_references_pass(self, build, check_wheel, tmp_path, value):
        text = b"[demo.plugins]\ndemo = " + value + b"\n"
        assert self.check(build, check_wheel, tmp_path, text).ok

    @pytest.mark.parametrize("group", [b"demo..x", b".demo", b"demo.", b"demo plugins"])
    def test_group_names_are_dotted_words(self, build, check_wheel, tmp_path, group):
        text = b"[" + group + b"]\ndemo = demo_pkg:main\n"
        problem = only(self.check(build, check_wheel, tmp_path, text))
        assert problem.message == f"Invalid entry point group '{group.decode()}'."

    @pytest.mark.parametrize("group", [b"demo-plugins", b"demo.my-plugins", b"pytest11"])
    def test_group_names_with_dashes_pass(self, build, check_wheel, tmp_path, group):
        text = b"[" + group + b"]\ndemo = demo_pkg:main\n"
        assert self.check(build, check_wheel, tmp_path, text).ok

    def test_a_default_section_is_a_group_like_any_other(self, build, check_wheel, tmp_path):
        # Python's INI reader would merge [DEFAULT] into every group; installers do not.
        text = b"[DEFAULT]\n../x = demo_pkg:a\n[console_scripts]\ndemo = demo_pkg:main\n"
        assert self.check(build, check_wheel, tmp_path, text).ok

    def test_every_problem_is_listed(self, build, check_wheel, tmp_path):
        text = (b"[console_scripts]\n../a = demo_pkg:main\n../b = demo_pkg:main\n"
                b"c = not-a-module:main\n")
        report = self.check(build, check_wheel, tmp_path, text)
        assert codes(report) == ["entry-points-invalid"] * 3


class TestMemberData:
    """A member is read from its data with the sizes and CRC-32 its headers declare: readers
    that trust the headers and readers that follow the compressed stream must get the same
    bytes, or the archive is refused as corrupt, naming the member."""

    MODULE = b"VALUE = 1\n"
    HIDDEN = b"import os; os.system('touch /tmp/owned')\n" * 40

    def refused(self, build, check_wheel, tmp_path, member):
        problem = only(check_wheel(write(tmp_path, build.raw_zip(build.good_raw_members(member)))))
        assert problem.code == "archive-corrupt"
        assert "'demo_pkg/__init__.py'" in problem.message
        return problem.message

    def test_a_deflate_stream_that_inflates_past_its_declared_size(self, build, check_wheel,
                                                                    tmp_path):
        member = build.RawMember(b"demo_pkg/__init__.py", self.MODULE + self.HIDDEN, method=8,
                                 declared_size=len(self.MODULE),
                                 declared_crc=zlib.crc32(self.MODULE))
        message = self.refused(build, check_wheel, tmp_path, member)
        assert "inflates past the 10 bytes its headers declare" in message

    def test_a_deflate_stream_that_ends_before_its_declared_size(self, build, check_wheel,
                                                                 tmp_path):
        member = build.RawMember(b"demo_pkg/__init__.py", self.MODULE, method=8,
                                 declared_size=len(self.MODULE) + 5)
        message = self.refused(build, check_wheel, tmp_path, member)
        assert "ends before the 15 bytes its headers declare" in message

    @pytest.mark.parametrize("method", [0, 8])
    def test_a_crc_that_does_not_match(self, build, check_wheel, tmp_path, method):
        member = build.RawMember(b"demo_pkg/__init__.py", self.MODULE, method=method,
                                 declared_crc=zlib.crc32(b"something else"))
        message = self.refused(build, check_wheel, tmp_path, member)
        assert "does not match its CRC-32" in message

    def test_bytes_after_the_end_of_the_deflate_stream(self, build, check_wheel, tmp_path):
        member = build.RawMember(b"demo_pkg/__init__.py", self.MODULE, method=8,
                                 payload=build.deflated(self.MODULE) + self.HIDDEN)
        message = self.refused(build, check_wheel, tmp_path, member)
        assert "has data after the end of its compressed stream" in message

    def test_a_stored_member_whose_data_is_longer_than_declared(self, build, check_wheel,
                                                                 tmp_path):
        member = build.RawMember(b"demo_pkg/__init__.py", self.MODULE + self.HIDDEN,
                                 declared_size=len(self.MODULE),
                                 declared_crc=zlib.crc32(self.MODULE))
        message = self.refused(build, check_wheel, tmp_path, member)
        assert "stored uncompressed in 1650 bytes, but declares 10" in message

    def test_a_truncated_deflate_stream(self, build, check_wheel, tmp_path):
        member = build.RawMember(b"demo_pkg/__init__.py", self.MODULE + self.HIDDEN, method=8,
                                 payload=build.deflated(self.MODULE + self.HIDDEN)[:-8])
        message = self.refused(build, check_wheel, tmp_path, member)
        assert "is cut short: its compressed data ends before its stream does" in message

    def test_members_built_byte_by_byte_that_agree_pass(self, build, check_wheel, tmp_path):
        member = build.RawMember(b"demo_pkg/__init__.py", self.MODULE + self.HIDDEN, method=8)
        assert check_wheel(write(tmp_path, build.raw_zip(build.good_raw_members(member)))).ok
