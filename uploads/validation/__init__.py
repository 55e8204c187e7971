"""Validation of uploaded distributions: pure functions, no Django.

Each check runs every rule and returns all problems it finds, most important first.
"""

from registry.names import normalize_name

from .distribution import check_distribution
from .filenames import check_filename
from .form import FILE_FIELDS_KEY, check_form
from .results import FormResult, Limits, Problem, Report

__all__ = [
    "FILE_FIELDS_KEY",
    "FormResult",
    "Limits",
    "Problem",
    "Report",
    "check_distribution",
    "check_filename",
    "check_form",
    "normalize_name",
]
