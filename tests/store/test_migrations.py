"""The Alembic migrations make exactly the schema the models describe, on both back ends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.store import Store, StoreError, check_schema, migrate
from hub.store.migrate import current_revision, head_revision
from hub.store.tables import METADATA


def _diff(store: Store) -> list[object]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, METADATA))


def test_migration_creates_exactly_the_models_schema(store: Store) -> None:
    assert _diff(store) == []
    tables = set(sa.inspect(store.engine).get_table_names())
    assert tables == set(METADATA.tables) | {"alembic_version"}


def test_the_current_record_index_is_partial(store: Store) -> None:
    # compare_metadata does not look at an index's WHERE; without it one learner could never
    # have an old record and a current one.
    indexes = {i["name"]: i for i in sa.inspect(store.engine).get_indexes("records")}
    index = indexes["ux_records_current"]
    assert index["unique"]
    where = index["dialect_options"][f"{store.engine.dialect.name}_where"]
    assert "is_current" in str(where)


def test_an_empty_database_differs_until_migrated(db_url: str) -> None:
    store = Store(db_url, create=True)
    try:
        assert _diff(store) != []
        with pytest.raises(StoreError, match="hub db upgrade"):
            check_schema(store)
        migrate(store)
        migrate(store)  # idempotent
        assert current_revision(store) == head_revision()
        check_schema(store)
    finally:
        store.dispose()


def test_downgrade_to_base_removes_every_table(store: Store) -> None:
    from alembic import command

    from hub.store.migrate import alembic_config

    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(sa.inspect(store.engine).get_table_names()) <= {"alembic_version"}


def test_a_database_at_the_first_revision_keeps_its_data_when_upgraded(db_url: str) -> None:
    from hub.store import open_batch, start_run
    from hub.store.tables import Batch, SourceCursor

    store = Store(db_url, create=True)
    try:
        migrate(store, "0001")
        with store.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO schools (code, created_at) VALUES "
                                       "('01000001', CURRENT_TIMESTAMP)"))  # fmt: skip
        with pytest.raises(StoreError, match="0001"):
            check_schema(store)  # an old schema is refused with the command to run
        migrate(store)
        check_schema(store)
        with store.write() as session:
            batch = open_batch(session, start_run(session, {}), "01000001", "2024-2025", "s")
        with store.read() as session:
            assert session.get(Batch, batch) is not None
            assert session.scalars(sa.select(SourceCursor)).all() == []
    finally:
        store.dispose()


def _old_records(store: Store, *keys: str) -> dict[str, int]:
    """Records written as a hub at an old revision wrote them (plain SQL: today's code knows
    columns the old schema does not have)."""
    with store.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO schools (code, created_at) VALUES "
                                   "('01000001', CURRENT_TIMESTAMP)"))  # fmt: skip
        connection.execute(sa.text("INSERT INTO runs (state, parameters, started_at, rows_in, "
                                   "unchanged, accepted, rejected, failed) VALUES ('finished', "
                                   "'{}', CURRENT_TIMESTAMP, 0, 0, 0, 0, 0)"))  # fmt: skip
        run_id = connection.execute(sa.text("SELECT max(id) FROM runs")).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO batches (run_id, school_code, school_year, source, state, "
                "created_at, rows_in, unchanged, unkeyed, accepted, rejected, failed, "
                "superseded) VALUES (:run, '01000001', '2024-2025', 's', 'open', "
                "CURRENT_TIMESTAMP, 0, 0, 0, 0, 0, 0, 0)"
            ),
            {"run": run_id},
        )
        batch = connection.execute(sa.text("SELECT max(id) FROM batches")).scalar_one()
        for key in keys:
            connection.execute(
                sa.text(
                    "INSERT INTO records (batch_id, ma_ho_so, school_code, school_year, "
                    "learner_key, is_current, state, content_hash, created_at, updated_at) "
                    "VALUES (:b, :k, '01000001', '2024-2025', :k, :t, 'extracted', 'h', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"b": batch, "k": key, "t": True},
            )
        rows = connection.execute(sa.text("SELECT ma_ho_so, id FROM records"))
        return {ma: int(rid) for ma, rid in rows}


def test_documents_kept_in_records_move_to_their_own_table_on_upgrade(db_url: str) -> None:
    from hub.store import load_documents

    store = Store(db_url, create=True)
    try:
        migrate(store, "0002")  # records.document still exists
        ids = _old_records(store, "HS1", "HS2")
        with store.write() as session:
            session.execute(
                sa.text("UPDATE records SET document = :d WHERE id = :id"),
                {"d": b"<d>1</d>", "id": ids["HS1"]},
            )
        migrate(store)
        check_schema(store)
        with store.read() as session:
            assert load_documents(session, list(ids.values())) == {ids["HS1"]: b"<d>1</d>"}
        columns = {c["name"] for c in sa.inspect(store.engine).get_columns("records")}
        assert "document" not in columns
    finally:
        store.dispose()


def test_records_of_an_old_store_are_counted_as_worked_by_their_batch_run(db_url: str) -> None:
    from hub.store.tables import Batch, Record

    store = Store(db_url, create=True)
    try:
        migrate(store, "0003")
        ids = _old_records(store, "HS1")
        migrate(store)
        with store.read() as session:
            record = session.get(Record, ids["HS1"])
            assert record is not None
            batch = session.get(Batch, record.batch_id)
            assert batch is not None
            assert record.worked_by_run == batch.run_id
    finally:
        store.dispose()


def test_the_old_store_wide_lease_becomes_the_whole_store_piece(db_url: str) -> None:
    from hub.store.leases import holder_of
    from hub.store.scope import EVERYTHING, Scope

    store = Store(db_url, create=True)
    try:
        migrate(store, "0005")
        with store.write() as session:
            session.execute(
                sa.text(
                    "INSERT INTO leases (name, holder, host, pid, since, renewed_at) "
                    "VALUES ('sync', 'token', 'hub-1', 4242, :now, :now)"
                ),
                {"now": "2026-12-07 01:00:00+00:00"},
            )
        migrate(store)
        held = holder_of(store, Scope(None, "36000001", None))  # overlaps: the whole store
        assert held is not None
        assert (held.name, held.scope, held.pid) == ("*/*/*", EVERYTHING, 4242)
        from alembic import command

        from hub.store.migrate import alembic_config

        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")
        with store.read() as session:
            assert list(session.execute(sa.text("SELECT name FROM leases"))) == [("sync",)]
    finally:
        store.dispose()
