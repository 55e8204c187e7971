"""The pure PEP 503 / 691 page builders (no database)."""

from datetime import UTC, datetime, timedelta, timezone

from registry import simple

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def row(version="1.0", filename=None, **kwargs):
    values = dict(
        filename=filename or f"demo-{version}-py3-none-any.whl", url=f"/o/files/aa/{version}",
        sha256="a" * 64, version=version, requires_python="", yanked=False, yanked_reason="",
        metadata_sha256="", size=10, upload_time=WHEN)
    values.update(kwargs)
    return simple.FileRow(**values)


def detail(files, **kwargs):
    values = dict(name="demo", serial=7, status="active",
                  versions=[f.version for f in files], files=files)
    values.update(kwargs)
    return simple.project_detail(**values)


class TestProjectDetail:
    def test_meta_declares_api_version_1_4_and_serial(self):
        page = detail([row()])
        assert page["meta"] == {"api-version": "1.4", "_last-serial": 7}

    def test_files_sorted_by_version_then_filename(self):
        files = [row("1.10", "demo-1.10.tar.gz"), row("1.2", "demo-1.2-py3-none-any.whl"),
                 row("1.2", "demo-1.2.tar.gz"), row("1.10rc1", "demo-1.10rc1.tar.gz"),
                 row("1.9", "demo-1.9.tar.gz")]
        names = [f["filename"] for f in detail(files)["files"]]
        assert names == ["demo-1.2-py3-none-any.whl", "demo-1.2.tar.gz", "demo-1.9.tar.gz",
                         "demo-1.10rc1.tar.gz", "demo-1.10.tar.gz"]

    def test_versions_are_pep440_sorted_and_unique(self):
        page = detail([row("1.10"), row("1.2")], versions=["1.10", "1.2", "1.2", "0.1"])
        assert page["versions"] == ["0.1", "1.2", "1.10"]

    def test_pep700_size_and_upload_time_with_z_suffix(self):
        entry = detail([row(size=4321)])["files"][0]
        assert entry["size"] == 4321
        assert entry["upload-time"] == "2024-05-06T07:08:09.123456Z"

    def test_upload_time_is_converted_to_utc(self):
        plus_two = WHEN.astimezone(timezone(timedelta(hours=2)))
        entry = detail([row(upload_time=plus_two)])["files"][0]
        assert entry["upload-time"] == "2024-05-06T07:08:09.123456Z"

    def test_yanked_with_reason_and_without(self):
        files = [row("1.0", yanked=True, yanked_reason="broken"), row("2.0", yanked=True),
                 row("3.0")]
        assert [f["yanked"] for f in detail(files)["files"]] == ["broken", True, False]

    def test_core_metadata_pep658_and_pep714_keys(self):
        entries = detail([row("1.0", metadata_sha256="b" * 64), row("2.0")])["files"]
        assert entries[0]["core-metadata"] == {"sha256": "b" * 64}
        assert entries[0]["data-dist-info-metadata"] == {"sha256": "b" * 64}
        assert entries[1]["core-metadata"] is False
        assert entries[1]["data-dist-info-metadata"] is False

    def test_requires_python_none_when_empty(self):
        entries = detail([row("1.0", requires_python=">=3.9"), row("2.0")])["files"]
        assert [e["requires-python"] for e in entries] == [">=3.9", None]

    def test_project_status_pep792_with_reason(self):
        assert detail([])["project-status"] == {"status": "active"}
        page = detail([], status="archived", status_reason="moved")
        assert page["project-status"] == {"status": "archived", "reason": "moved"}


class TestProjectList:
    def test_json_drops_private_keys(self):
        page = simple.public_list(simple.project_list(serial=3, names=[("Foo", "foo")]))
        assert page == {"meta": {"api-version": "1.4", "_last-serial": 3},
                        "projects": [{"name": "Foo"}]}
