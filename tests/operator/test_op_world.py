"""The operator's commands against a real sync: a generated province, the ministry sandbox.

`hub retry BATCH` after the school fixed its rejected learners, and `hub withdraw` / `hub
replace` of an issued transcript, each checked in the store and in the sandbox's own state.
The world (province copy, sandbox, store on SQLite and PostgreSQL) is the pipeline tests'.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from pipeline.checks import assert_exactly_once
from pipeline.conftest import (  # noqa: F401 - fixtures
    DefectKind,
    World,
    expected_ids,
    make_world,
    province_cache,
    province_settings,
)

from hub.cli import main
from hub.gen import GenSettings
from hub.store import RecordState, load_documents, problems_of, records_in
from hub.store.tables import AuditEntry, AuditKind, Record

SMALL = 36


def hub(world: World, *args: str) -> Result:
    config = str(world.province.config_path)
    return CliRunner().invoke(main, [*args, "--config", config], env=world.env())


def _current(world: World) -> dict[str, tuple[int, RecordState, str | None]]:
    store = world.store()
    try:
        with store.read() as session:
            return {
                r.ma_ho_so: (r.id, r.state, r.transcript_id)
                for r in records_in(session, current_only=True)
            }
    finally:
        store.dispose()


def test_retry_of_a_batch_sends_its_fixed_learners_and_nothing_else(make_world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings = province_settings(SMALL, seed=5, defects={DefectKind.ROSTER_NAME_DIFFERS: 0.2})
    world = make_world(settings)
    roster = {r["MaHocSinh"]: r for r in json.loads(world.province.roster_path.read_text())}
    world.sync(look_up=False)  # the ministry, not the look-up, finds the names that differ
    status = json.loads(hub(world, "status", "--format", "json").output)
    rejected = [m for m, (_, state, _) in _current(world).items() if state is RecordState.REJECTED]
    assert status["totals"]["rejected"] == len(rejected) >= 2
    assert status["reasons"][0]["code"] == "HB104"

    out = world.province.directory / "report"
    assert hub(world, "report", "--out", str(out), "--quiet").exit_code == 0
    school = rejected[0].split("-")[0]
    sheet = load_workbook(out / "bao-cao.xlsx")[school]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2] == rejected[0]]
    traced = [(r[6], r[10], str(r[12])[0]) for r in rows]
    assert traced == [("HB104", "danh-sach-hoc-sinh.xlsx", "C")]

    batches = json.loads(hub(world, "batches", "list", "--format", "json").output)
    batch = next(b for b in batches if b["school_code"] == school)
    mine = {m for m in rejected if m.startswith(school)}
    others = set(rejected) - mine
    path = world.province.school_folder(school) / "danh-sach-hoc-sinh.xlsx"
    book = load_workbook(path)  # the school fixes the names of its rejected learners
    sheet = book.active
    assert sheet is not None
    for row in sheet.iter_rows(min_row=1):
        code = str(row[1].value or "")
        if any(m.endswith(f"-{code}") for m in mine):
            row[2].value = roster[code]["HoVaTen"]
    book.save(path)
    before = {m: v for m, v in _current(world).items() if m not in mine}
    sent_before = world.sandbox_rows("SELECT count(*) FROM document")[0][0]

    result = hub(world, "retry", str(batch["id"]), "--quiet")
    assert result.exit_code == 0, result.output
    after = _current(world)
    assert {m: after[m][1] for m in mine} == dict.fromkeys(mine, RecordState.ACCEPTED)
    assert {m: after[m] for m in before} == before  # other learners, other schools untouched
    assert all(after[m][1] is RecordState.REJECTED for m in others)
    new_docs = world.sandbox_rows(
        "SELECT ma_ho_so FROM document ORDER BY rowid LIMIT -1 OFFSET ?", sent_before
    )
    assert sorted(m for (m,) in new_docs) == sorted(mine)
    should_accept = expected_ids(settings) - others
    assert_exactly_once(world, should_accept, frozenset(mine))


def test_withdraw_then_replace_issues_a_transcript_that_names_the_old_one(make_world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings = province_settings(SMALL, seed=7)
    world = make_world(settings)
    world.sync()
    current = _current(world)
    ma_ho_so = sorted(current)[0]
    record_id, state, old = current[ma_ho_so]
    assert state is RecordState.ACCEPTED
    assert old is not None

    result = hub(world, "withdraw", old, "--reason", "Sai   ngày sinh; trường đã sửa")
    assert result.exit_code == 0, result.output
    ((withdrawn_at, reason),) = world.sandbox_rows(
        "SELECT withdrawn_at, reason FROM transcript WHERE id = ?", old
    )
    assert withdrawn_at is not None
    assert reason == "Sai ngày sinh; trường đã sửa"
    status = json.loads(hub(world, "status", "--format", "json").output)
    assert status["totals"]["withdrawn"] == 1
    again = hub(world, "withdraw", old, "--reason", "lại")  # repeating it changes nothing
    assert again.exit_code == 0
    assert "already withdrawn" in again.output
    assert hub(world, "withdraw", "HB0000", "--reason", "x").exit_code == 2

    result = hub(world, "replace", ma_ho_so, "--reason", "Sai ngày sinh")
    assert result.exit_code == 0, result.output
    _, state, new = _current(world)[ma_ho_so]
    assert state is RecordState.ACCEPTED
    assert new not in (None, old)
    ((replaced_by,),) = world.sandbox_rows("SELECT replaced_by FROM transcript WHERE id = ?", old)
    assert replaced_by == new
    store = world.store()
    with store.read() as session:
        record = session.scalars(sa.select(Record).where(Record.transcript_id == new)).one()  # type: ignore[arg-type]
        assert record.replaces == old
        assert record.id is not None
        document = load_documents(session, [record.id])[record.id]
        assert f"<ThayTheCho>{old}</ThayTheCho>".encode() in document  # the correction
        entries = [
            json.loads(e.payload)
            for e in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq))  # type: ignore[arg-type]
            if e.kind is AuditKind.WITHDRAWN
        ]
    store.dispose()
    assert entries == [
        {"transcript_id": old, "record_id": record_id, "ma_ho_so": ma_ho_so},
        {"transcript_id": old, "replaced_by": new, "ma_ho_so": ma_ho_so, "record_id": record.id},
    ]
    assert hub(world, "audit", "verify").exit_code == 0
    status = json.loads(hub(world, "status", "--format", "json").output)
    assert status["totals"]["withdrawn"] == 0
    assert status["totals"]["accepted"] == status["totals"]["learners"]

    client = world.client()  # the next sync sees the learner unchanged: nothing is sent
    report = world.sync(client)
    assert client.metrics.requests["NopHocBa"] == 0
    assert report.documents_sent == 0
    assert_exactly_once(world, expected_ids(settings), frozenset({ma_ho_so}))


def _edit_learner(world: World, ma_ho_so: str, column: int, value: str) -> None:
    """The school edits one cell of a learner's row in its learner list."""
    school, code = ma_ho_so.split("-")[0], ma_ho_so.rsplit("-", 1)[-1]
    path = world.province.school_folder(school) / "danh-sach-hoc-sinh.xlsx"
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    rows = [row for row in sheet.iter_rows(min_row=1) if str(row[1].value or "") == code]
    assert len(rows) == 1
    rows[0][column].value = value
    book.save(path)


def _issued_learner(new_world, seed: int) -> tuple[World, GenSettings, str, str]:  # type: ignore[no-untyped-def]
    """A synced small province, one of its learners and the transcript issued for it."""
    settings = province_settings(SMALL, seed=seed)
    world = new_world(settings)
    world.sync()
    ma_ho_so = sorted(_current(world))[0]
    _, state, issued = _current(world)[ma_ho_so]
    assert state is RecordState.ACCEPTED
    assert issued is not None
    return world, settings, ma_ho_so, issued


def test_replace_withdraws_nothing_while_the_correction_would_be_rejected(make_world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world, _, ma_ho_so, issued = _issued_learner(make_world, seed=13)
    _edit_learner(world, ma_ho_so, 2, "Tên Không Khớp")  # Họ và tên, not the sector database's

    result = hub(world, "replace", ma_ho_so, "--reason", "Sửa họ tên")
    assert result.exit_code == 2, result.output
    assert "HB104" in result.output
    assert "danh-sach-hoc-sinh.xlsx" in result.output
    assert "Nothing was withdrawn" in result.output
    assert world.sandbox_rows("SELECT withdrawn_at FROM transcript WHERE id = ?", issued) == [
        (None,)
    ]
    store = world.store()
    with store.read() as session:
        kinds = {e.kind for e in session.scalars(sa.select(AuditEntry))}
    store.dispose()
    assert AuditKind.WITHDRAWN not in kinds
    assert _current(world)[ma_ho_so][1:] == (RecordState.ACCEPTED, issued)


def test_a_learner_changed_after_issue_is_held_and_replace_sends_the_correction(make_world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world, settings, ma_ho_so, issued = _issued_learner(make_world, seed=11)
    # The school corrects the learner's address (Chỗ ở hiện nay) after the issue.
    _edit_learner(world, ma_ho_so, 9, "Số 12 phố Hàng Bạc, quận Hoàn Kiếm")

    for _ in range(2):  # held, not sent to a certain HB301; the same on the next sync
        client = world.client()
        report = world.sync(client)
        assert client.metrics.requests["NopHocBa"] == 0
        assert report.documents_sent == 0
        assert all(b.balanced for b in report.batches)
        record_id, state, _ = _current(world)[ma_ho_so]
        assert state is RecordState.FAILED
        store = world.store()
        with store.read() as session:
            (problem,) = problems_of(session, record_id=record_id)
        store.dispose()
        assert problem.code == "ISSUED_CHANGED"
        assert problem.stage == "push"
        assert issued in problem.message_vi
        assert f"hub replace {ma_ho_so}" in problem.message_en
        assert problem.source_file == "danh-sach-hoc-sinh.xlsx"
        in_sandbox = world.sandbox_rows(
            "SELECT id FROM transcript WHERE ma_ho_so = ? AND withdrawn_at IS NULL", ma_ho_so
        )
        assert in_sandbox == [(issued,)]
    status = json.loads(hub(world, "status", "--format", "json").output)
    # Held learners have a transcript in force: counted as accepted, and named apart.
    assert status["totals"]["changed_since_issued"] == 1
    assert "ISSUED_CHANGED" not in {r["code"] for r in status["reasons"]}
    assert status["totals"]["accepted"] == status["totals"]["learners"]

    result = hub(world, "replace", ma_ho_so, "--reason", "Sửa chỗ ở hiện nay")
    assert result.exit_code == 0, result.output
    _, state, new = _current(world)[ma_ho_so]
    assert state is RecordState.ACCEPTED
    assert new not in (None, issued)
    store = world.store()
    with store.read() as session:
        record = session.scalars(sa.select(Record).where(Record.transcript_id == new)).one()  # type: ignore[arg-type]
        assert record.id is not None
        document = load_documents(session, [record.id])[record.id].decode()
    store.dispose()
    assert "<NoiO>Số 12 phố Hàng Bạc, quận Hoàn Kiếm</NoiO>" in document
    assert f"<ThayTheCho>{issued}</ThayTheCho>" in document

    client = world.client()  # the correction is what the source holds: nothing more to send
    world.sync(client)
    assert client.metrics.requests["NopHocBa"] == 0
    assert_exactly_once(world, expected_ids(settings), frozenset({ma_ho_so}))
