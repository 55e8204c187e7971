"""The apps depend on Django and Celery, never on the project's own wiring in ``config``."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "registry", "uploads", "web")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_config(app):
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / app).rglob("*.py"))
                 if any(name == "config" or name.startswith("config.")
                        for name in imported_modules(path))]
    assert offenders == []
