import base64

import pytest

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test gets its own storage folders, an empty cache and eager Celery."""
    from django.core.cache import cache

    stores = dict(settings.STORAGES)
    for alias in ("default", "distributions", "staging"):
        stores[alias] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / alias},
        }
    settings.STORAGES = stores  # assignment fires setting_changed, which resets storages
    settings.STORAGE_BACKEND = "local"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Index reads check the database unless a test asks for the shared-cache fast path
    # (tests/registry/test_fastpath.py), whichever cache the suite runs on.
    settings.INDEX_CACHE_SHARED = False
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    celery_app.conf.task_always_eager = eager
    cache.clear()


def basic_auth(token: str, username: str = "__token__") -> dict:
    value = base64.b64encode(f"{username}:{token}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {value}"}


@pytest.fixture
def auth_header():
    return basic_auth
