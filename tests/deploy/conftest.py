import pytest

from tests.deploy.nginx import Nginx
from tests.e2e.conftest import client_venv  # noqa: F401 - a fresh venv to install into
from tests.live import live_registry
from tests.storage.conftest import s3_server  # noqa: F401 - moto's S3 server


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory):
    """A live registry (gunicorn, local files) with deploy/nginx's configuration in front,
    set as a deployment behind it is: X-Accel-Redirect for files, one trusted proxy."""
    live = live_registry(tmp_path_factory.mktemp("live-nginx"))
    live.env.update(ACCEL_REDIRECT_PREFIX="/_files/", TRUSTED_PROXY_COUNT="1")
    live.start()
    nginx = Nginx(prefix=tmp_path_factory.mktemp("nginx"), upstream=live.url.split("//")[1],
                  files_dir=live.var_dir / "files")
    try:
        nginx.start()
        yield live, nginx
    finally:
        nginx.stop()
        live.stop()
