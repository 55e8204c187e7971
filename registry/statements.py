"""Plain SQL for the few reads that every upload makes.

Profiling the upload path under twine showed Django compiling these querysets costing
several times what running them costs (a fetch with two joined tables about 1 ms, the
statement itself 0.1 ms). Each read here is one statement that Postgres and SQLite share,
and its rows come back as model instances, with the database's values converted as the
ORM converts them.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def first(model: type[Model], sql: str, params: list) -> Model | None:
    """The first row of ``sql`` as a ``model`` instance (extra columns become attributes)."""
    return next(iter(model.objects.raw(sql, params)), None)


def for_update() -> str:
    """``FOR UPDATE`` where the database locks rows (SQLite locks the whole file instead)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""
