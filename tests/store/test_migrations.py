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


def test_documents_kept_in_records_move_to_their_own_table_on_upgrade(db_url: str) -> None:
    from hub.store import RecordIn, load_documents, open_batch, start_run, upsert_records

    store = Store(db_url, create=True)
    try:
        migrate(store, "0002")  # records.document still exists; no column of the code differs
        with store.write() as session:
            session.execute(sa.text("INSERT INTO schools (code, created_at) VALUES "
                                    "('01000001', CURRENT_TIMESTAMP)"))  # fmt: skip
            batch = open_batch(session, start_run(session, {}), "01000001", "2024-2025", "s")
            rows = [RecordIn("HS1", "k1", "h1"), RecordIn("HS2", "k2", "h2")]
            ids = {a.ma_ho_so: a.record_id for a in upsert_records(session, batch, rows)}
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
