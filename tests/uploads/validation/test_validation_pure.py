"""The validation package, and the name rules it shares with the registry, import no Django."""

import subprocess
import sys

from tests.live import ROOT


def test_importing_validation_loads_no_django():
    code = ("import sys, uploads.validation; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'rest_framework'}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
