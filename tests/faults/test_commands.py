"""An operator command run without the web's cache settings is refused before it changes
anything: its change could not drop the web's cached pages."""

import os
import subprocess
import sys

from tests.live import ROOT


def test_yank_without_the_shared_cache_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}}
    # The address is never reached: the command stops before it connects.
    env.update(DATABASE_URL="postgres://wh@127.0.0.1:9/wheelhouse", SECRET_KEY="x" * 50,
               WHEELHOUSE_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "yank", "acme", "pkg", "1.0"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DATABASE_URL is set but REDIS_URL is not" in result.stderr
