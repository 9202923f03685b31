"""Incremental reads: a sync reads a source again only when it changed since its last read.

Against the real sandbox, on SQLite and on PostgreSQL. The generated province has two schools
(one primary, one lower-secondary), each its own source (a province folder).
"""

from __future__ import annotations

import sqlalchemy as sa
from openpyxl import load_workbook

from hub.pipeline import SyncOptions, run_sync
from hub.store import RecordState, records_in
from hub.store.tables import SourceCursor

from .checks import assert_exactly_once
from .conftest import DefectKind, expected_ids, province_settings

SMALL = 36


def _sync(world, client=None, **options):  # type: ignore[no-untyped-def]
    store = world.store()
    try:
        return run_sync(
            world.config,
            SyncOptions(progress=False, **options),
            client or world.client(),
            store=store,
        )
    finally:
        store.dispose()


def _cursors(world):  # type: ignore[no-untyped-def]
    store = world.store()
    try:
        with store.read() as session:
            return {c.source: c.cursor for c in session.scalars(sa.select(SourceCursor))}
    finally:
        store.dispose()


def _learners_of(world, school):  # type: ignore[no-untyped-def]
    return {ma for ma in expected_ids(world.settings) if ma.startswith(school)}


def test_an_unchanged_province_is_not_read_again(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL))
    first = _sync(world)
    assert first.sources_unchanged == 0
    cursors = _cursors(world)
    name = world.config.sources[0].name
    assert sorted(cursors) == sorted(f"{name}/{s}" for s in world.province.schools)

    client = world.client()
    second = _sync(world, client)
    assert second.sources_unchanged == len(world.province.schools)
    assert second.read == 0
    assert second.batches == []
    assert client.metrics.requests["NopHocBa"] == 0
    assert client.metrics.requests["TraCuuHocSinh"] == 0
    assert_exactly_once(world, expected_ids(world.settings))

    full = _sync(world, full_read=True)  # --full reads everything; nothing is new
    assert full.read == first.read
    assert full.sources_unchanged == 0
    assert full.documents_sent == 0
    assert all(b.unchanged == b.rows_in for b in full.batches)


def test_a_changed_file_makes_its_school_read_in_full_and_only_it(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL))
    _sync(world)
    school = sorted(world.province.schools)[0]
    learner_list = world.province.school_folder(school) / "danh-sach-hoc-sinh.xlsx"
    book = load_workbook(learner_list)  # saved again: other bytes, the same learners
    book.save(learner_list)

    second = _sync(world)
    assert second.sources_unchanged == len(world.province.schools) - 1
    assert second.read == len(_learners_of(world, school))
    (batch,) = second.batches  # the whole school, every learner unchanged by content
    assert batch.rows_in == batch.unchanged == second.read
    assert second.documents_sent == 0
    assert _sync(world).sources_unchanged == len(world.province.schools)


def test_a_school_with_failed_learners_is_read_again_to_retry_them(make_world) -> None:  # type: ignore[no-untyped-def]
    settings = province_settings(SMALL, seed=5, defects={DefectKind.ROSTER_NAME_DIFFERS: 0.2})
    world = make_world(settings)
    _sync(world)  # the look-up stops the learners whose name differs from the sector's
    store = world.store()
    with store.read() as session:
        failed = records_in(session, states=[RecordState.FAILED], current_only=True)
    store.dispose()
    schools = {r.ma_ho_so.split("-")[0] for r in failed}
    assert failed
    assert schools

    second = _sync(world)
    assert second.sources_unchanged == len(world.province.schools) - len(schools)
    assert second.read == sum(len(_learners_of(world, s)) for s in schools)
    assert second.documents_sent == 0


def test_a_new_mapping_or_hub_version_reads_everything_again(make_world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL))
    first = _sync(world)
    monkeypatch.setattr("hub.pipeline.runner.PIPELINE_VERSION", "test-next")
    second = _sync(world)
    assert second.sources_unchanged == 0
    assert second.read == first.read


def test_a_cursor_the_plugin_cannot_read_means_a_full_read_not_an_error(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL))
    first = _sync(world)
    store = world.store()
    with store.write() as session:
        session.execute(sa.update(SourceCursor).values(cursor="{not json"))
    store.dispose()
    second = _sync(world)
    assert second.read == first.read
    assert second.documents_sent == 0
    assert all(c.startswith("{") and '"version"' in c for c in _cursors(world).values())


def test_retry_only_rejected_reads_every_row_whatever_the_cursor(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL))
    first = _sync(world)
    again = _sync(world, only_rejected=True)
    assert again.sources_unchanged == 0
    assert again.read == first.read
    assert again.documents_sent == 0
