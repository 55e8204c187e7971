"""pip and uv against a live registry whose files are in S3 (moto's server): twine uploads,
installs follow the presigned links (the wheel and its PEP 658 file), deletions empty the
bucket. On the Postgres + Redis pass a real Celery worker validates from S3 staging."""

import pytest

from tests.corpus import build_sdist, build_wheel
from tests.e2e.conftest import run_client, twine_upload
from tests.live import live_registry

pytestmark = pytest.mark.e2e
NAME = "s3-client-demo"


@pytest.fixture(scope="module")
def s3_registry(tmp_path_factory, s3_server):
    bucket = s3_server.bucket()
    live = live_registry(tmp_path_factory.mktemp("live-s3"))
    live.env.update(s3_server.environment(bucket))
    live.start()
    try:
        yield live, bucket
    finally:
        live.stop()


@pytest.fixture(scope="module")
def published(s3_registry, tmp_path_factory):
    live, _bucket = s3_registry
    live.manage("createorg", "s3org", "--visibility", "private")
    live.manage("addmember", "s3org", "sam", "--create", "--role", "admin")
    upload = live.token("s3org", "--user", "sam", "--permission", "upload")
    folder = tmp_path_factory.mktemp("dists")
    files = [build_wheel(folder, NAME, "1.0"), build_sdist(folder, NAME, "1.0")]
    result = twine_upload(live, "s3org", upload, *files)
    assert result.returncode == 0, result.stdout + result.stderr + live.log_tail()
    host = live.url.split("://", 1)[1]
    read = live.token("s3org", "--permission", "read")
    return {"index": f"http://__token__:{read}@{host}/s3org/simple/",
            "admin": live.token("s3org", "--user", "sam", "--permission", "admin")}


def stored(server, bucket: str) -> set[str]:
    return {key.rsplit("/", 1)[1] for key in server.keys(bucket)}


class TestClientsOnS3:
    def test_the_bucket_holds_the_uploads_and_nothing_staged(self, s3_registry, published,
                                                             s3_server):
        _live, bucket = s3_registry
        assert all(key.startswith("files/") for key in s3_server.keys(bucket))
        assert stored(s3_server, bucket) == {
            "s3_client_demo-1.0-py3-none-any.whl", "s3_client_demo-1.0-py3-none-any.whl.metadata",
            "s3_client_demo-1.0.tar.gz"}

    def test_pip_follows_the_links_to_the_metadata_and_the_wheel(self, published, client_venv,
                                                                 s3_server):
        result = run_client(str(client_venv / "bin" / "pip"), "install", "-vv", "--no-cache-dir",
                            "--index-url", published["index"], NAME)
        log = result.stdout + result.stderr
        assert result.returncode == 0, log
        assert 'py3-none-any.whl.metadata HTTP/1.1" 302' in log  # the registry's answer
        assert f"127.0.0.1:{s3_server.port}" in log  # ...and the store's
        assert "Successfully installed s3-client-demo-1.0" in log

    def test_uv_installs_through_the_links(self, published, client_venv, uv, tmp_path):
        result = run_client(uv, "pip", "install", "--reinstall", "--python",
                            str(client_venv / "bin" / "python"), "--index-url",
                            published["index"], f"{NAME}==1.0",
                            env={"UV_CACHE_DIR": str(tmp_path / "uv-cache")})
        assert result.returncode == 0, result.stdout + result.stderr

    def test_deleting_the_project_empties_the_bucket(self, s3_registry, published, s3_server):
        import urllib.request

        live, bucket = s3_registry
        request = urllib.request.Request(
            f"{live.url}/api/v1/orgs/s3org/projects/{NAME}/", method="DELETE",
            headers={"Authorization": f"Bearer {published['admin']}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        assert s3_server.keys(bucket) == set()
