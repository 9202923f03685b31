"""PostgreSQL's path for the store's bulk writes: COPY for inserts, one UPDATE per change.

SQLAlchemy Core's executemany is what the store uses on both back ends, and on SQLite it is
already fast (in process, a prepared statement reused). On PostgreSQL an executemany of
UPDATEs is a statement per row on the server: psycopg pipelines them, but each is parsed,
planned (the engine prepares nothing, hub.store.engine) and executed alone. Here, on
PostgreSQL only (bench/bench_store_writes.py measures both back ends):

- `copy_rows`: an INSERT of many rows is one `COPY table (columns) FROM STDIN`, each value
  put through its column's own bind processing first (enum values, aware UTC datetimes, JSON
  text), so that what lands is exactly what the INSERT would have written;
- `allocate_ids`: COPY returns no ids, so a caller that needs them takes them from the
  table's sequence first, in one query, in the order the rows are given (as the column's
  default would have numbered them);
- `update_rows`: an executemany of `UPDATE ... WHERE key = :k AND guard = :g` is one
  `UPDATE ... FROM unnest(arrays) AS v(...)`, whose row count is the same sum of matched rows
  the guards of the callers check (hub.store.records: StaleStateError);
- `update_where_in`: an UPDATE of many rows by key to the same values is one `= ANY(array)`.

Everything runs on the session's own connection, inside its transaction: a chunk stays all or
nothing. A driver error is raised as SQLAlchemy's (IntegrityError for a unique index, ...), as
the executemany's would have been. Callers keep their SQLite statements as they are and take
this path when `on_postgres(session)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlmodel import Session

_Write = Callable[[Any], Any]


def on_postgres(session: Session) -> bool:
    """Whether the session writes to PostgreSQL (through psycopg 3, the hub's driver)."""
    return session.get_bind().dialect.name == "postgresql"


def distinct(keys: Sequence[Hashable]) -> bool:
    """No key twice: an UPDATE ... FROM matches a target row once however often it is listed,
    where an executemany would run each listing, so repeated keys keep the executemany."""
    return len(set(keys)) == len(keys)


def _dialect(session: Session) -> sa.Dialect:
    return session.get_bind().dialect


def _writer(dialect: sa.Dialect, column: sa.Column[Any]) -> _Write:
    """How a value of `column` is written: its type's bind processing (enum value, UTC time).

    JSON is the exception: psycopg's dialect leaves it to the driver's adapter at bind time,
    which COPY does not use, so it is serialised here as the dialect would; and None is
    JSON's `null` unless the column is none_as_null, as with an INSERT.
    """
    kind = column.type
    if isinstance(kind, sa.JSON):
        dumps: Callable[[Any], str] = getattr(dialect, "_json_serializer", None) or json.dumps
        if kind.none_as_null:
            return lambda value: None if value is None else dumps(value)
        return dumps
    process = kind.bind_processor(dialect)
    if process is None:
        return _as_is
    return lambda value: None if value is None else process(value)


def _as_is(value: Any) -> Any:
    return value


def _writers(session: Session, table: sa.Table, columns: Sequence[str]) -> list[_Write]:
    dialect = _dialect(session)
    return [_writer(dialect, table.c[name]) for name in columns]


def _value(session: Session, table: sa.Table, column: str, value: Any) -> Any:
    return _writer(_dialect(session), table.c[column])(value)


def _driver(session: Session) -> psycopg.Connection[Any]:
    # The session's connection, inside its transaction (begun by this call if not yet).
    session.flush()
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


def _wrapped(statement: str, exc: psycopg.Error) -> sa.exc.StatementError:
    # The exception SQLAlchemy would have raised for the same driver error.
    return sa.exc.DBAPIError.instance(statement, None, exc, psycopg.Error)


def copy_rows(session: Session, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (all with the same keys: column names) into `table` by COPY.

    A column a row leaves out takes its default, as with an INSERT that omits it.
    """
    if not rows:
        return
    columns = list(rows[0])
    pairs = list(zip(_writers(session, table, columns), columns, strict=True))
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    try:
        with _driver(session).cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([write(row[name]) for write, name in pairs])
    except psycopg.Error as exc:
        raise _wrapped(statement, exc) from exc


def allocate_ids(session: Session, table: sa.Table, count: int, column: str = "id") -> list[int]:
    """`count` new values of `table.column`'s sequence, ascending, in one query."""
    if count <= 0:
        return []
    statement = (
        "SELECT nextval(pg_get_serial_sequence(%(table)s, %(column)s)) "
        "FROM generate_series(1, %(count)s) ORDER BY 1"
    )
    params = {"table": f'"{table.name}"', "column": column, "count": count}
    result = session.connection().exec_driver_sql(statement, params)
    return [int(value) for (value,) in result]


def _array_type(column: sa.Column[Any]) -> str:
    # The base type without a length: an explicit cast to varchar(n) would truncate a long
    # value silently, where the assignment to the column below refuses it as an INSERT would.
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Boolean):
        return "boolean"
    if isinstance(kind, sa.Integer):
        return "bigint"
    if isinstance(kind, sa.DateTime):
        return "timestamptz"
    if isinstance(kind, sa.LargeBinary):
        return "bytea"
    return "text"


def update_rows(
    session: Session,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    where: Mapping[str, str],
    values: Mapping[str, str],
    fixed: Mapping[str, Any] | None = None,
) -> int:
    """One UPDATE for many rows, each with its own keys and values; returns the rows matched.

    The executemany it replaces, with `where={"id": "rid", "state": "expected"}` and
    `values={"state": "new"}`, is

        UPDATE table SET state = :new, <fixed> WHERE id = :rid AND state = :expected

    run once per row. Give keys that are `distinct` (see there).

    Args:
        rows: each row's parameters, by the names `where` and `values` use.
        where: column → parameter name, compared for equality (all must match).
        values: column → parameter name, the value each row sets.
        fixed: column → one value set on every row matched (a time, a constant state).
    """
    if not rows:
        return 0
    fixed = dict(fixed or {})
    columns = [*where, *values]
    names = [*where.values(), *values.values()]
    arrays: dict[str, list[Any]] = {}
    writers = _writers(session, table, columns)
    for i, (write, name) in enumerate(zip(writers, names, strict=True)):
        arrays[f"a{i}"] = [write(row[name]) for row in rows]
    fixed_bound = {
        f"f{i}": _value(session, table, column, value)
        for i, (column, value) in enumerate(fixed.items())
    }
    unnest = ", ".join(
        f"%(a{i})s::{_array_type(table.c[column])}[]" for i, column in enumerate(columns)
    )
    aliases = ", ".join(f"v{i}" for i in range(len(columns)))
    assignments = [f'"{column}" = v.v{len(where) + i}' for i, column in enumerate(values)]
    assignments += [f'"{column}" = %(f{i})s' for i, column in enumerate(fixed)]
    matches = " AND ".join(f't."{column}" = v.v{i}' for i, column in enumerate(where))
    # Names come from the table's metadata, every value is a parameter.
    statement = f'UPDATE "{table.name}" AS t SET {", ".join(assignments)} '  # noqa: S608
    statement += f"FROM unnest({unnest}) AS v({aliases}) WHERE {matches}"
    result = session.connection().exec_driver_sql(statement, arrays | fixed_bound)
    return int(result.rowcount)


def update_where_in(
    session: Session,
    table: sa.Table,
    column: str,
    keys: Iterable[Any],
    *,
    fixed: Mapping[str, Any],
) -> int:
    """`UPDATE table SET <fixed> WHERE column = ANY(keys)`: one statement however many keys
    (SQLite's path cuts them into IN lists of 500); returns the rows matched.

    No guard beside the keys: `AND state = :s` on an indexed column can make the planner scan
    that index instead of looking the keys up, when its statistics are older than a table
    growing while it is written. A guarded change goes through `update_rows`, where the guard
    is a join filter.
    """
    keys = list(keys)
    if not keys:
        return 0
    write = _writer(_dialect(session), table.c[column])
    params: dict[str, Any] = {"keys": [write(key) for key in keys]}
    assignments = []
    for i, (name, value) in enumerate(fixed.items()):
        params[f"f{i}"] = _value(session, table, name, value)
        assignments.append(f'"{name}" = %(f{i})s')
    # Names come from the table's metadata, every value is a parameter.
    statement = f'UPDATE "{table.name}" SET {", ".join(assignments)} '  # noqa: S608
    statement += f'WHERE "{column}" = ANY(%(keys)s::{_array_type(table.c[column])}[])'
    result = session.connection().exec_driver_sql(statement, params)
    return int(result.rowcount)
