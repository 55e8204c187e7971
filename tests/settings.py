"""The test run's settings (pytest's DJANGO_SETTINGS_MODULE): ``config.settings`` as a
deployment runs them, DEBUG off, with a secret key of their own so that the run needs no
environment at all, and static files read from the apps (the run collects none)."""

import os
from unittest import mock

TEST_SECRET_KEY = "wheelhouse-test-run-key-" + "0123456789abcdef" * 3

with mock.patch.dict(os.environ, {"SECRET_KEY": os.environ.get("SECRET_KEY") or TEST_SECRET_KEY}):
    from config.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
