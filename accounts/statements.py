"""Plain SQL for the few statements that every upload (and every token check) makes.

Profiling the upload path under twine showed Django compiling these querysets costing
several times what running them costs (a fetch with two joined tables about 1 ms, the
statement itself 0.1 ms). Each read here is one statement that Postgres and SQLite share,
and its rows come back as model instances, with the database's values converted as the
ORM converts them.

Round trips cost more than the statements themselves once the two cores are shared by
twine, gunicorn, Postgres, Redis and Celery: statements that need nothing from each other's
answers go through a ``pipeline()`` together (Postgres's pipeline mode). A pipeline of two
costs a little more client CPU than two plain statements (measured: ~70 us); it pays where it
saves a round trip under load, or several at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

from accounts.models import ApiToken, User


def first(model: type[Model], sql: str, params: list) -> Model | None:
    """The first row of ``sql`` as a ``model`` instance (extra columns become attributes).

    The row must hold every concrete field of the model (``SELECT *`` or ``t.*``). Values
    convert as the ORM converts them; the layout of a row is worked out once per process
    (and database vendor), which saves a third of what Django's ``raw()`` spends on it.
    """
    return _from_row(model, *_first_row(sql, params))


def _from_row(model: type[Model], row: tuple | None, columns: tuple[str, ...]) -> Model | None:
    if row is None:
        return None
    fields, extras = _layout(model, columns)
    obj = _instance(model, row, fields)
    for index, name in extras:
        setattr(obj, name, row[index])
    return obj


def joined(models: tuple[type[Model], ...], sql: str,
           params: list) -> tuple[Model | None, ...] | None:
    """The first row of ``sql`` as one instance per model, or None when there is no row.

    The row is each model's columns in turn (``SELECT a.*, b.* FROM a LEFT JOIN b ...``),
    so rows that belong together cost one statement. A model whose primary key is NULL in
    the row (the outer join found nothing) comes back as None.
    """
    return _joined_from_row(models, *_first_row(sql, params))


def _joined_from_row(models: tuple[type[Model], ...], row: tuple | None,
                     columns: tuple[str, ...]) -> tuple[Model | None, ...] | None:
    if row is None:
        return None
    widths = [len(model._meta.concrete_fields) for model in models]
    if sum(widths) != len(columns):  # checked first: a short row would fail obscurely below
        raise ValueError(f"the row has {len(columns)} columns, the models {sum(widths)}")
    found, start = [], 0
    for model, width in zip(models, widths, strict=True):
        fields, _extras = _layout(model, columns[start:start + width], start)
        start += width
        pk_index = fields[model._meta.concrete_fields.index(model._meta.pk)][0]
        found.append(None if row[pk_index] is None else _instance(model, row, fields))
    return tuple(found)


def _first_row(sql: str, params: list) -> tuple[tuple | None, tuple[str, ...]]:
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None, ()
        return row, _column_names(cursor)


def _column_names(cursor) -> tuple[str, ...]:
    """The names of the columns of the cursor's current result (none for a statement that
    returns no rows). psycopg builds ``description`` anew, one object per column, at every
    read (~60 us for a 45-column row); its result's own field names cost a fifteenth."""
    result = getattr(cursor.cursor, "pgresult", None)
    if result is None:  # another backend (or no Postgres result): what it describes
        return tuple(column[0] for column in cursor.description or ())
    return tuple(result.fname(index).decode() for index in range(result.nfields))


def _db():
    """The connection itself: ``django.db.connection`` is a proxy that looks the connection
    up again (a context-local read) at every attribute, and a field preparing or converting
    a value reads several."""
    return connections[DEFAULT_DB_ALIAS]


def _instance(model: type[Model], row: tuple, fields) -> Model:
    db, values = _db(), []
    for index, expression, converters in fields:
        value = row[index]
        for convert in converters:
            value = convert(value, expression, db)
        values.append(value)
    return model.from_db(db.alias, None, values)


_LAYOUTS: dict[str, dict] = {}


def _layout(model: type[Model], columns: tuple[str, ...], offset: int = 0):
    """Where each concrete field of ``model`` is in a row whose columns from ``offset`` on
    are ``columns``, with the converters the ORM's compiler would apply; the rest of the
    columns are extras."""
    db = _db()
    layouts = _LAYOUTS.setdefault(db.vendor, {})
    key = (model, columns, offset)
    if key not in layouts:
        position = {name: offset + index for index, name in enumerate(columns)}
        fields = []
        for field in model._meta.concrete_fields:
            expression = field.get_col(model._meta.db_table)
            converters = (db.ops.get_db_converters(expression)
                          + expression.get_db_converters(db))
            fields.append((position[field.column], expression, converters))
        known = {field.column for field in model._meta.concrete_fields}
        extras = [(offset + index, name) for index, name in enumerate(columns)
                  if name not in known]
        layouts[key] = (fields, extras)
    return layouts[key]


def insert(obj: Model, pipe: Pipeline | None = None, *,
           computed: dict[str, tuple[str, list]] | None = None) -> Model:
    """INSERT a new instance as ``save()`` would (its fields' values prepared by the fields
    themselves), in one statement that returns its primary key. Sends no signals: models
    with ``post_save`` receivers are saved through the ORM.

    ``computed`` gives some columns (by attribute name) an SQL expression with its own
    parameters instead of the instance's value: a key that a statement sent earlier in the
    same pipeline has only just made. Sent through ``pipe``, the primary key is set when the
    pipeline ends."""
    db, computed = _db(), computed or {}
    fields, sql = _insert_sql(type(obj), tuple((name, computed[name][0])
                                               for name in sorted(computed)))
    values = []
    for field in fields:
        if field.attname in computed:
            values += computed[field.attname][1]
        else:
            values.append(field.get_db_prep_save(field.pre_save(obj, add=True), db))

    def inserted(row: tuple) -> None:
        obj.pk = row[0]
        obj._state.adding, obj._state.db = False, db.alias

    execute(sql, values, then=inserted, pipe=pipe)
    return obj


_INSERTS: dict[tuple, tuple[list, str]] = {}


def _insert_sql(model: type[Model], expressions: tuple[tuple[str, str], ...]):
    """The fields an INSERT of ``model`` sets and its text, built once per model (and
    computed columns): quoting every column name again cost more than running it."""
    db = _db()
    key = (db.vendor, model, expressions)
    if key not in _INSERTS:
        computed = dict(expressions)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = db.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(computed.get(f.attname, "%s") for f in fields)
        # Names come from the model's metadata, quoted; every value is a parameter, and
        # each expression is the caller's constant text.
        _INSERTS[key] = (fields, f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
                                 f"({columns}) VALUES ({placeholders}) "
                                 f"RETURNING {quote(model._meta.pk.column)}")
    return _INSERTS[key]


def update(obj: Model, fields: list[str], pipe: Pipeline | None = None) -> None:
    """UPDATE the named fields of a saved instance, as ``save(update_fields=...)`` would,
    without signals (through ``pipe``, if given)."""
    db = _db()
    chosen = [obj._meta.get_field(name) for name in fields]
    values = [f.get_db_prep_save(f.pre_save(obj, add=False), db) for f in chosen]
    quote = db.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in chosen)
    sql = (f"UPDATE {quote(obj._meta.db_table)} SET {assignments} "  # noqa: S608
           f"WHERE {quote(obj._meta.pk.column)} = %s")
    execute(sql, [*values, obj.pk], pipe=pipe)


def execute(sql: str, params: list, *, then: Callable[[tuple | None], Any] | None = None,
            pipe: Pipeline | None = None) -> None:
    """Run one statement now, or send it through ``pipe``; ``then`` gets its first row (None
    if it returned none) now, or when the pipeline ends."""
    if pipe is not None:
        pipe.send(sql, params, then=then)
        return
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        if then is not None:
            then(cursor.fetchone() if _column_names(cursor) else None)


class Pending:
    """What a statement sent through a pipeline gave, readable once the pipeline has ended."""

    __slots__ = ("_value", "ready")

    def __init__(self) -> None:
        self._value: Any = None
        self.ready = False

    @property
    def value(self) -> Any:
        if not self.ready:
            raise RuntimeError("a pipelined statement's result is read after its pipeline ends")
        return self._value

    def _set(self, value: Any) -> None:
        self._value, self.ready = value, True


class Pipeline:
    """Statements sent one after another without waiting for each one's answer.

    On Postgres (its pipeline mode) they cost one round trip together instead of one each:
    the server runs them in order, and the answers come back when the pipeline ends, where
    the first error among them is raised (a Django ``DatabaseError``, as from ``execute``).
    Elsewhere each statement runs as it is sent; either way a statement's result is read
    only after the pipeline ends, so code behaves alike on both.
    """

    def __init__(self) -> None:
        self._sent: list[tuple[Any, Pending, Callable | None]] = []

    def send(self, sql: str, params: list,
             then: Callable[[tuple | None], Any] | None = None) -> Pending:
        """Run ``sql``; the Pending gets its first row (None if it returned no row), or
        what ``then`` makes of that row."""
        return self._send(sql, params, None if then is None else lambda row, _: then(row))

    def first(self, model: type[Model], sql: str, params: list) -> Pending:
        """``first()`` through the pipeline: the row as a ``model`` instance, or None."""
        return self._send(sql, params, lambda row, columns: _from_row(model, row, columns))

    def joined(self, models: tuple[type[Model], ...], sql: str, params: list,
               then: Callable[[tuple | None], Any] | None = None) -> Pending:
        """``joined()`` through the pipeline (and what ``then`` makes of its instances)."""
        def convert(row, columns):
            found = _joined_from_row(models, row, columns)
            return found if then is None else then(found)

        return self._send(sql, params, convert)

    def _send(self, sql: str, params: list, convert: Callable | None) -> Pending:
        pending, cursor = Pending(), _db().cursor()
        self._sent.append((cursor, pending, convert))
        cursor.execute(sql, params)
        return pending

    def _finish(self) -> None:
        for cursor, pending, convert in self._sent:
            columns = _column_names(cursor)
            row = cursor.fetchone() if columns else None
            pending._set(convert(row, columns) if convert is not None else row)

    def _close(self) -> None:
        for cursor, _pending, _convert in self._sent:
            cursor.close()


@contextmanager
def pipeline() -> Iterator[Pipeline]:
    """A ``Pipeline`` for the statements sent in the block (see there)."""
    pipe = Pipeline()
    try:
        db = _db()
        if db.vendor == "postgresql":
            db.close_if_health_check_failed()  # as a cursor would (CONN_HEALTH_CHECKS)
            db.ensure_connection()
            with db.wrap_database_errors, db.connection.pipeline():
                yield pipe
        else:
            yield pipe
        pipe._finish()
    finally:
        pipe._close()


def for_update() -> str:
    """``FOR UPDATE`` where the database locks rows (SQLite locks the whole file instead)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


_ORG_ROW_SQL = "SELECT * FROM accounts_organization WHERE id = %s"


def org_lock_sql() -> str:
    """The org's row, locked: one publisher (or blob sweep) at a time per org."""
    return _ORG_ROW_SQL + for_update()


# The token and its owner (org tokens have none) in one statement.
_KEY_AND_OWNER_SQL = ("SELECT t.*, u.* FROM accounts_apitoken t "
                      "LEFT JOIN accounts_user u ON u.id = t.user_id WHERE t.{column} = %s")
_USER_ROW_SQL = "SELECT * FROM accounts_user WHERE id = %s"


def token_with_user(*, key_id: str | None = None, pk: int | None = None) -> ApiToken | None:
    """The API token with that key id (or primary key), its owner loaded; None if none.

    Its org is read only if asked for: the callers compare ``org_id``.
    """
    column, value = ("key_id", key_id) if pk is None else ("id", pk)
    return _with_owner(joined((ApiToken, User), _KEY_AND_OWNER_SQL.format(column=column),
                              [value]))


def token_with_user_later(pipe: Pipeline, *, key_id: str) -> Pending:
    """``token_with_user`` by key id, through a pipeline."""
    return pipe.joined((ApiToken, User), _KEY_AND_OWNER_SQL.format(column="key_id"), [key_id],
                       then=_with_owner)


def _with_owner(found: tuple | None) -> ApiToken | None:
    if found is None:
        return None
    token, owner = found
    token.user = owner
    return token


def user_by_pk(pk: int) -> User | None:
    """The user with that primary key, or None."""
    return first(User, _USER_ROW_SQL, [pk])
