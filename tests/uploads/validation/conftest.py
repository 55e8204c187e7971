"""Fixtures for the upload validation tests (pure: no database, no Django)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from uploads.validation import check_distribution


def _load_builders():
    # Loaded by path so the tests work whatever pytest import mode the project uses.
    spec = importlib.util.spec_from_file_location(
        "upload_validation_builders", Path(__file__).with_name("builders.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


_BUILDERS = _load_builders()


@pytest.fixture
def build():
    """The archive builders module."""
    return _BUILDERS


@pytest.fixture
def check_wheel(tmp_path):
    """Check a wheel path as an upload of demo-pkg 1.0."""

    def run(path: Path, **overrides):
        arguments = {"filename": path.name, "filetype": "bdist_wheel", "name": "demo-pkg",
                     "version": "1.0"} | overrides
        return check_distribution(path, **arguments)

    return run


@pytest.fixture
def check_sdist(tmp_path):
    """Check an sdist path as an upload of demo-pkg 1.0."""

    def run(path: Path, **overrides):
        arguments = {"filename": path.name, "filetype": "sdist", "name": "demo-pkg",
                     "version": "1.0"} | overrides
        return check_distribution(path, **arguments)

    return run

