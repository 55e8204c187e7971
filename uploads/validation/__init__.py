"""Validation of uploaded distributions: pure functions, no Django.

Each check runs every rule and returns all problems it finds, most important first.
"""

from .distribution import check_distribution
from .filenames import check_filename
from .form import FILE_FIELDS_KEY, check_form
from .names import check_new_project_name, normalize_name
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
    "check_new_project_name",
    "normalize_name",
]
