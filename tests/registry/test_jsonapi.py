"""The PyPI JSON API documents: the pure builder (no database)."""

from datetime import UTC, datetime

import pytest

from registry import jsonapi

WHEN = datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
LINKS = jsonapi.Links(project="http://h/o/project/demo/", release="http://h/o/project/demo/{version}/")
METADATA = {
    "summary": "A demo", "description": "# Demo", "description_content_type": "text/markdown",
    "requires_python": ">=3.9", "requires_dist": ["requests>=2", "rich; extra == 'cli'"],
    "provides_extra": ["cli"], "license": "MIT", "license_expression": "MIT",
    "keywords": ["demo", "test"], "classifiers": ["Programming Language :: Python :: 3"],
    "author": "Ann", "author_email": "ann@example.com", "maintainer": "Bob",
    "maintainer_email": "bob@example.com", "home_page": "http://example.com",
    "project_urls": {"Source": "http://example.com/src"}, "platform": ["any"],
    "dynamic": ["Requires-Dist"],
}


def rel(version, yanked=False, reason="", metadata=None):
    return jsonapi.ReleaseRow(version=version, yanked=yanked, yanked_reason=reason,
                              requires_python="", metadata=metadata or {})


def dist(version, filename=None, metadata_sha256=""):
    return jsonapi.DistRow(
        version=version, filename=filename or f"demo-{version}.tar.gz", url="http://h/f",
        packagetype="sdist", python_version="source", requires_python=">=3.9", size=5,
        md5="m" * 32, sha256="s" * 64, blake2_256="b" * 64, metadata_sha256=metadata_sha256,
        upload_time=WHEN)


class TestChooseLatest:
    @pytest.mark.parametrize(("releases", "expected"), [
        ([rel("1.0"), rel("2.0"), rel("1.10")], "2.0"),
        ([rel("1.0"), rel("2.0b1")], "1.0"),
        ([rel("1.0"), rel("2.0", yanked=True)], "1.0"),
        ([rel("1.0", yanked=True), rel("2.0rc1")], "2.0rc1"),
        ([rel("1.0", yanked=True), rel("0.9", yanked=True)], "1.0"),
        ([rel("1.9"), rel("1.10")], "1.10"),
    ])
    def test_pypi_rule(self, releases, expected):
        assert jsonapi.choose_latest(releases).version == expected

    def test_no_release(self):
        assert jsonapi.choose_latest([]) is None


class TestFindRelease:
    def test_exact_and_equivalent_versions(self):
        releases = [rel("1.0.0"), rel("2.0")]
        assert jsonapi.find_release(releases, "1.0.0").version == "1.0.0"
        assert jsonapi.find_release(releases, "1.0").version == "1.0.0"
        assert jsonapi.find_release(releases, "3.0") is None
        assert jsonapi.find_release(releases, "not a version") is None


class TestDocuments:
    def test_info_carries_core_metadata(self):
        doc = jsonapi.project_document(name="Demo", serial=4, links=LINKS, dists=[],
                                       releases=[rel("1.0", metadata=METADATA)])
        info = doc["info"]
        assert info["name"] == "Demo" and info["version"] == "1.0"
        assert info["summary"] == "A demo" and info["description"] == "# Demo"
        assert info["description_content_type"] == "text/markdown"
        assert info["requires_dist"] == ["requests>=2", "rich; extra == 'cli'"]
        assert info["requires_python"] == ">=3.9"
        assert info["provides_extra"] == ["cli"]
        assert info["license"] == "MIT" and info["license_expression"] == "MIT"
        assert info["keywords"] == "demo,test"
        assert info["classifiers"] == ["Programming Language :: Python :: 3"]
        assert info["author"] == "Ann" and info["author_email"] == "ann@example.com"
        assert info["home_page"] == "http://example.com"
        assert info["project_urls"] == {"Source": "http://example.com/src"}
        assert info["dynamic"] == ["Requires-Dist"]
        assert info["package_url"] == "http://h/o/project/demo/"
        assert info["release_url"] == "http://h/o/project/demo/1.0/"
        assert info["yanked"] is False and info["yanked_reason"] is None
        assert doc["last_serial"] == 4 and doc["vulnerabilities"] == []

    def test_empty_metadata_gives_pypi_empty_values(self):
        info = jsonapi.project_document(name="D", serial=1, links=LINKS, dists=[],
                                        releases=[rel("1.0")])["info"]
        assert info["requires_dist"] is None and info["project_urls"] is None
        assert info["summary"] == "" and info["keywords"] == ""

    def test_file_entries(self):
        doc = jsonapi.project_document(
            name="D", serial=1, links=LINKS, releases=[rel("1.0")],
            dists=[dist("1.0", metadata_sha256="c" * 64)])
        entry = doc["urls"][0]
        assert entry["digests"] == {"md5": "m" * 32, "sha256": "s" * 64,
                                    "blake2b_256": "b" * 64}
        assert entry["md5_digest"] == "m" * 32
        assert entry["upload_time"] == "2024-01-02T03:04:05"
        assert entry["upload_time_iso_8601"] == "2024-01-02T03:04:05.600000Z"
        assert entry["core-metadata"] == {"sha256": "c" * 64}
        assert entry["data-dist-info-metadata"] == {"sha256": "c" * 64}
        assert entry["has_sig"] is False and entry["size"] == 5
        assert entry["packagetype"] == "sdist" and entry["python_version"] == "source"
        assert entry["requires_python"] == ">=3.9"
        assert doc["releases"]["1.0"] == [entry]

    def test_releases_sorted_and_urls_are_latest(self):
        doc = jsonapi.project_document(
            name="D", serial=1, links=LINKS,
            releases=[rel("1.10"), rel("1.9"), rel("2.0a1")],
            dists=[dist("1.9"), dist("1.10"), dist("2.0a1")])
        assert list(doc["releases"]) == ["1.9", "1.10", "2.0a1"]
        assert [u["filename"] for u in doc["urls"]] == ["demo-1.10.tar.gz"]

    def test_yanked_release_and_files(self):
        doc = jsonapi.release_document(name="D", serial=1, links=LINKS,
                                       release=rel("1.0", yanked=True, reason="oops"),
                                       dists=[dist("1.0")])
        assert doc["info"]["yanked"] is True and doc["info"]["yanked_reason"] == "oops"
        assert doc["urls"][0]["yanked"] is True and doc["urls"][0]["yanked_reason"] == "oops"
        assert "releases" not in doc

    def test_no_releases_is_none(self):
        assert jsonapi.project_document(name="D", serial=1, links=LINKS, releases=[],
                                        dists=[]) is None
