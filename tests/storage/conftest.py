import os
import runpy
from pathlib import Path
from unittest import mock

import pytest

from tests.e2e.conftest import client_venv, uv  # noqa: F401 - fixtures of the live tests
from tests.storage.s3server import S3Server
from tests.uploads.conftest import acme  # noqa: F401 - an org and an upload token

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"


@pytest.fixture(scope="session")
def s3_server():
    """One moto S3 server for the session's storage tests; each test gets its own bucket."""
    server = S3Server().start()
    yield server
    server.kill()


def deployment_storages(tmp_path, **environment: str) -> dict:
    """``STORAGES`` as config/settings.py makes it from a deployment's environment."""
    env = {"SECRET_KEY": "s" * 50, "WHEELHOUSE_VAR_DIR": str(tmp_path), **environment}
    with mock.patch.dict(os.environ, env):
        return runpy.run_path(str(SETTINGS))["STORAGES"]


def use_s3(settings, tmp_path, server: S3Server, bucket: str, **environment: str) -> None:
    """Store distributions and staged uploads in ``bucket``, configured as a deployment
    with ``STORAGE_BACKEND=s3`` and these variables would be."""
    stores = deployment_storages(tmp_path, **server.environment(bucket), **environment)
    settings.STORAGES = {**settings.STORAGES,
                         **{alias: stores[alias] for alias in ("default", "distributions",
                                                               "staging")}}
    settings.STORAGE_BACKEND = "s3"


@pytest.fixture
def bucket(settings, tmp_path, s3_server) -> str:
    """A fresh bucket that distribution and staging storage use for this test."""
    name = s3_server.bucket()
    use_s3(settings, tmp_path, s3_server, name)
    return name
