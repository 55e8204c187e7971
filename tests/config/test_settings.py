"""The settings module under different environments, each in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "files": settings.STORAGES["distributions"]["BACKEND"],
    "files_opts": {k: str(v) for k, v in settings.STORAGES["distributions"]["OPTIONS"].items()},
    "debug": settings.DEBUG,
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
}))
"""


def run_settings(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "STORAGE_BACKEND",
                          "DEBUG", "SECRET_KEY", "LOCAL_CACHE_ONLY"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + PROBE],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )


def settings_for(**env) -> dict:
    """The settings under ``env`` (with a secret key unless it names one)."""
    result = run_settings(**{"SECRET_KEY": "x" * 50, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class TestEmbeddedDefault:
    def test_no_environment_means_sqlite_local_files_eager_celery_locmem(self, tmp_path):
        found = settings_for(WHEELHOUSE_VAR_DIR=str(tmp_path))
        assert found["db"] == "django.db.backends.sqlite3"
        assert found["db_name"] == str(tmp_path / "wheelhouse.sqlite3")
        assert found["cache"].endswith("LocMemCache")
        assert found["eager"] is True and found["broker"] is None
        assert found["files"] == "django.core.files.storage.FileSystemStorage"
        assert found["files_opts"]["location"] == str(tmp_path / "files")


class TestProduction:
    def test_environment_switches_every_backend(self, tmp_path):
        found = settings_for(
            WHEELHOUSE_VAR_DIR=str(tmp_path),
            DATABASE_URL="postgres://wh:pw@db.internal:5432/wheelhouse",
            REDIS_URL="redis://cache.internal:6379/0",
            CELERY_BROKER_URL="redis://cache.internal:6379/1",
            STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="dists",
            AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
            DEBUG="0", SECRET_KEY="x" * 50,
        )
        assert found["db"] == "django.db.backends.postgresql"
        assert found["db_name"] == "wheelhouse"
        assert found["cache"].endswith("RedisCache")
        assert found["eager"] is False
        assert found["broker"] == "redis://cache.internal:6379/1"
        assert found["files"] == "registry.s3.DistributionS3Storage"
        assert found["files_opts"]["bucket_name"] == "dists"
        assert found["files_opts"]["endpoint_url"] == "http://minio.internal:9000"
        assert found["debug"] is False

    def test_postgres_binds_on_the_server_and_prepares_unless_told_not_to(self, tmp_path):
        url = "postgres://wh:pw@db.internal:5432/wheelhouse"
        redis = "redis://cache.internal:6379/0"
        found = settings_for(WHEELHOUSE_VAR_DIR=str(tmp_path), DATABASE_URL=url, REDIS_URL=redis)
        assert found["db_options"]["server_side_binding"] is True
        assert found["db_options"]["prepare_threshold"] == 5
        off = settings_for(WHEELHOUSE_VAR_DIR=str(tmp_path), DATABASE_URL=url, REDIS_URL=redis,
                           DATABASE_PREPARED_STATEMENTS="0")
        assert "prepare_threshold" not in off["db_options"]
        sqlite = settings_for(WHEELHOUSE_VAR_DIR=str(tmp_path))
        assert "prepare_threshold" not in sqlite["db_options"]

    def test_its_key_is_random_kept_and_private(self, tmp_path):
        first = run_settings(WHEELHOUSE_VAR_DIR=str(tmp_path), DEBUG="0")
        assert first.returncode == 0, first.stderr
        kept = tmp_path / "secret_key"
        assert kept.stat().st_mode & 0o077 == 0
        assert len(kept.read_text().strip()) >= 50
        key = kept.read_text()
        assert run_settings(WHEELHOUSE_VAR_DIR=str(tmp_path)).returncode == 0
        assert kept.read_text() == key
        other = tmp_path / "other"
        assert run_settings(WHEELHOUSE_VAR_DIR=str(other)).returncode == 0
        assert (other / "secret_key").read_text() != key


class TestDebug:
    def test_off_unless_set(self, tmp_path):
        assert settings_for(WHEELHOUSE_VAR_DIR=str(tmp_path))["debug"] is False

    def test_the_production_shape_needs_a_secret_key(self, tmp_path):
        result = run_settings(WHEELHOUSE_VAR_DIR=str(tmp_path), REDIS_URL="redis://c:6379/0",
                              DATABASE_URL="postgres://wh:pw@db.internal:5432/wheelhouse")
        assert result.returncode != 0
        assert "Refusing to start without SECRET_KEY" in result.stderr
        assert not (tmp_path / "secret_key").exists()

    def test_development_mode_runs(self, tmp_path):
        result = run_settings(WHEELHOUSE_VAR_DIR=str(tmp_path), DEBUG="1")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["debug"] is True

    @pytest.mark.parametrize("env,message", [
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be 'local' or 's3'"),
        ({"STORAGE_BACKEND": "s3"}, "needs AWS_STORAGE_BUCKET_NAME"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"UPLOAD_MAX_FILE_SIZE": "big"}, "UPLOAD_MAX_FILE_SIZE must be an integer"),
    ])
    def test_bad_values_fail_with_a_clear_message(self, tmp_path, env, message):
        result = run_settings(WHEELHOUSE_VAR_DIR=str(tmp_path), SECRET_KEY="x" * 50, **env)
        assert result.returncode != 0
        assert message in result.stderr


class TestFaultSettings:
    URL = "postgres://wh:pw@db.internal:5432/wheelhouse"

    def test_postgres_connections_and_statements_are_bounded(self, tmp_path):
        found = settings_for(WHEELHOUSE_VAR_DIR=str(tmp_path), DATABASE_URL=self.URL,
                             REDIS_URL="redis://cache.internal:6379/0",
                             DATABASE_CONNECT_TIMEOUT="3", DATABASE_STATEMENT_TIMEOUT="20")
        assert found["db_options"]["connect_timeout"] == 3
        assert found["db_options"]["options"] == "-c statement_timeout=20000"

    def test_a_shared_database_without_the_shared_cache_is_refused(self, tmp_path):
        # A command run without the web's REDIS_URL would leave the web's pages stale.
        result = run_settings(WHEELHOUSE_VAR_DIR=str(tmp_path), SECRET_KEY="x" * 50,
                              DATABASE_URL=self.URL)
        assert result.returncode != 0
        assert "DATABASE_URL is set but REDIS_URL is not" in result.stderr
        allowed = settings_for(WHEELHOUSE_VAR_DIR=str(tmp_path), DATABASE_URL=self.URL,
                               LOCAL_CACHE_ONLY="1")
        assert allowed["cache"].endswith("LocMemCache")
