"""Problem rows: one per problem, each traced to its source cell or API record.

This is the shape `hub report` writes and `hub batches show` prints: the learner's keys (never
a name or a personal ID), where the learner stands, the ministry's code, the reason in
Vietnamese then English (masked: hub.privacy), the document's XPath, and the source
location the runner traced (file, sheet, cell; or URL and vendor key).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from hub.lifecycle import (
    PUSH_STATES,
    STAGE_STARTS_FROM,
    TERMINAL_STATES,
    WAITING_STATES,
    RecordState,
)
from hub.privacy import mask_text
from hub.report.queries import HOLD_CODE, MISSING_STATES, latest_full_batches, running_runs
from hub.store import SourceLocation
from hub.store.tables import Batch, Problem, Record, School, VendorWait, table_of

_BATCHES = table_of(Batch)
_PROBLEMS = table_of(Problem)
_RECORDS = table_of(Record)
_SCHOOLS = table_of(School)

SOURCE_ROW = "source-row"
"""The `state` of a problem of a source row that never became a record (no MaHoSo)."""

HALFWAY = "half-way"
"""The `state` of a learner an earlier run left half-way (no sync works on it now)."""

UNFINISHED = "UNFINISHED"
"""The code of the row that says a learner was left half-way, and what resumes it."""

AWAITING_VENDOR = "AWAITING_VENDOR"
"""The code of the row of a learner whose vendor has not finished signing (not a failure)."""


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """One problem of one learner (or source row), ready to print or write."""

    school_code: str
    school_name: str | None
    school_year: str
    batch_id: int
    record_id: int | None
    ma_ho_so: str | None
    learner_key: str | None
    state: str  # the record's state, or SOURCE_ROW
    failed_stage: str | None
    stage: str  # the stage that found the problem
    code: str
    severity: str
    message_vi: str
    message_en: str
    xpath: str | None
    file: str | None
    sheet: str | None
    cell: str | None
    url: str | None
    vendor_key: str | None
    receipt: str | None  # MaTiepNhan of the submission that carried it
    batch_key: str | None  # MaLoGui
    found: str | None = None  # what was at the problem's place
    expected: str | None = None  # what would have been accepted there
    row: int | None = None  # the spreadsheet row, when the place is a whole row

    @property
    def location(self) -> str:
        """`file › sheet › D12` (or the API record), "?" when the source gave no place."""
        where = SourceLocation(
            self.file, self.sheet, self.cell, self.url, self.vendor_key, self.row
        )
        return where.describe()

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__} | {"location": self.location}


_COLUMNS = (
    _BATCHES.c.school_code,
    _SCHOOLS.c.name,
    _BATCHES.c.school_year,
    _PROBLEMS.c.batch_id,
    _PROBLEMS.c.record_id,
    _RECORDS.c.ma_ho_so,
    sa.func.coalesce(_RECORDS.c.learner_key, _PROBLEMS.c.learner_key),
    _RECORDS.c.state,
    _RECORDS.c.failed_stage,
    _PROBLEMS.c.stage,
    _PROBLEMS.c.code,
    _PROBLEMS.c.severity,
    _PROBLEMS.c.message_vi,
    _PROBLEMS.c.message_en,
    _PROBLEMS.c.xpath,
    _PROBLEMS.c.source_file,
    _PROBLEMS.c.source_sheet,
    _PROBLEMS.c.source_cell,
    _PROBLEMS.c.source_url,
    _PROBLEMS.c.vendor_key,
    _RECORDS.c.receipt,
    _RECORDS.c.batch_key,
    _PROBLEMS.c.found,
    _PROBLEMS.c.expected,
    _PROBLEMS.c.source_row,
)


def _base() -> sa.Select[Any]:
    p, r, b, s = _PROBLEMS.c, _RECORDS.c, _BATCHES.c, _SCHOOLS.c
    joined = (
        _PROBLEMS.join(_BATCHES, p.batch_id == b.id)
        .outerjoin(_RECORDS, p.record_id == r.id)
        .outerjoin(_SCHOOLS, b.school_code == s.code)
    )
    return (
        sa.select(*_COLUMNS)
        .select_from(joined)
        .order_by(b.school_code, b.school_year, r.ma_ho_so.is_not(None), r.ma_ho_so, p.id)
    )


def _row(values: Sequence[Any]) -> ProblemRow:
    v = list(values)
    state = v[7]
    v[7] = str(state) if state is not None else SOURCE_ROW
    v[8] = str(v[8]) if v[8] is not None else None
    v[9], v[11] = str(v[9]), str(v[11])
    v[12], v[13] = mask_text(v[12]), mask_text(v[13])
    v[22] = mask_text(v[22]) if v[22] is not None else None
    return ProblemRow(*v)


def batch_problems(session: Session, batch_id: int) -> list[ProblemRow]:
    """Every problem stored for a batch, source rows first, then by MaHoSo."""
    query = _base().where(_PROBLEMS.c.batch_id == batch_id)
    return [_row(values) for values in session.execute(query)]


def missing_problems(
    session: Session, *, school_code: str | None = None, school_year: str | None = None
) -> Iterator[ProblemRow]:
    """The problems behind every learner without a transcript now, by school, year, MaHoSo.

    That is: the problems of current records that were rejected or failed, those of the
    source rows that never became a record in the latest full read of each source, and, for
    each learner an earlier run left half-way, a row that says so (with what resumes it) and
    the problems of that learner's last finished attempt.
    """
    p, r = _PROBLEMS.c, _RECORDS.c
    latest = [
        b.id for b in latest_full_batches(session, school_code=school_code, school_year=school_year)
    ]
    query = _base().where(
        sa.or_(
            sa.and_(r.is_current, r.state.in_(MISSING_STATES), p.code != HOLD_CODE),
            sa.and_(p.record_id.is_(None), p.batch_id.in_(latest)),
        )
    )
    b = _BATCHES.c
    if school_code is not None:
        query = query.where(b.school_code == school_code)
    if school_year is not None:
        query = query.where(b.school_year == school_year)
    halfway = _halfway_rows(session, school_code, school_year)
    result = session.execute(query.execution_options(yield_per=2000))
    try:
        current: str | None = None
        for values in result:
            row = _row(values)
            if row.school_code != current:
                yield from halfway.pop(current, [])
                current = row.school_code
            yield row
        yield from halfway.pop(current, [])
        for school in sorted(k for k in halfway if k is not None):
            yield from halfway[school]
    finally:
        result.close()


def _halfway_rows(
    session: Session, school_code: str | None, school_year: str | None
) -> dict[str | None, list[ProblemRow]]:  # None never a key: only to pop() a missing school
    """Per school: the learners no live sync works on that are still on their way."""
    r, b = _RECORDS.c, _BATCHES.c
    query = (
        sa.select(Record, b.school_code, _SCHOOLS.c.name)
        .select_from(
            _RECORDS.join(_BATCHES, r.batch_id == b.id).outerjoin(
                _SCHOOLS, b.school_code == _SCHOOLS.c.code
            )
        )
        .where(r.is_current, r.state.not_in(list(TERMINAL_STATES)))
        .order_by(r.school_code, r.school_year, r.ma_ho_so)
    )
    if school_code is not None:
        query = query.where(r.school_code == school_code)
    if school_year is not None:
        query = query.where(r.school_year == school_year)
    live = running_runs(session)
    if live:  # a learner waiting for its vendor waits whoever runs
        query = query.where(
            sa.or_(
                r.worked_by_run.is_(None),
                r.worked_by_run.not_in(live),
                r.state.in_([state.value for state in WAITING_STATES]),
            )
        )
    found: dict[str | None, list[ProblemRow]] = {}
    for record, school, name in session.execute(query):  # school: a batch's, never None
        rows = found.setdefault(school, [])
        if RecordState(record.state) in WAITING_STATES:
            rows.append(_awaiting(session, record, name))
            continue
        rows.append(_halfway(record, name))
        rows.extend(_last_attempt(session, record, name))
    return found


def _awaiting(session: Session, record: Record, school_name: str | None) -> ProblemRow:
    wait = session.get(VendorWait, record.id)
    asks = wait.asks if wait is not None else 0
    return ProblemRow(
        record.school_code,
        school_name,
        record.school_year,
        record.batch_id,
        record.id,
        record.ma_ho_so,
        record.learner_key,
        str(RecordState(record.state)),
        None,
        "sign",
        AWAITING_VENDOR,
        "warning",
        f"Nhà cung cấp chưa ký xong học bạ (đã hỏi {asks} lần); không phải lỗi: mỗi lần "
        f"`hub sync` sẽ hỏi lại và gửi khi học bạ đã ký đúng và khớp dữ liệu.",
        f"The vendor has not finished signing the transcript (asked {asks} times); not a "
        f"failure: every `hub sync` asks again and sends it once it is signed, valid and "
        f"agrees with the data.",
        None,
        None,
        None,
        None,
        wait.location if wait is not None else None,
        record.learner_key,
        None,
        None,
    )


def _halfway(record: Record, school_name: str | None) -> ProblemRow:
    state = RecordState(record.state)
    stage = "push" if state in PUSH_STATES else _next_stage(state)
    run = record.worked_by_run
    return ProblemRow(
        record.school_code,
        school_name,
        record.school_year,
        record.batch_id,
        record.id,
        record.ma_ho_so,
        record.learner_key,
        HALFWAY,
        None,
        stage,
        UNFINISHED,
        "warning",
        f"Học sinh dừng ở bước {stage} ({state.value}) vì lượt chạy {run} kết thúc sớm; "
        f"`hub sync` sẽ làm tiếp, không gửi trùng.",
        f"The learner stopped at stage {stage} ({state.value}) because run {run} ended "
        f"early; `hub sync` resumes it, without sending anything twice.",
        None,
        None,
        None,
        None,
        None,
        None,
        record.receipt,
        record.batch_key,
    )


def _next_stage(state: RecordState) -> str:
    return next(stage.value for stage, start in STAGE_STARTS_FROM.items() if start is state)


def _last_attempt(session: Session, record: Record, school_name: str | None) -> list[ProblemRow]:
    """The error problems of the learner's latest earlier record (its last finished attempt)."""
    r, p = _RECORDS.c, _PROBLEMS.c
    earlier = session.scalar(
        sa.select(sa.func.max(r.id)).where(
            r.ma_ho_so == record.ma_ho_so,
            r.school_year == record.school_year,
            r.id < record.id,
        )
    )
    if earlier is None:
        return []
    query = _base().where(p.record_id == earlier, p.severity == "error")
    rows = []
    for values in session.execute(query):
        row = _row(values)
        rows.append(
            dataclasses.replace(
                row,
                state=HALFWAY,
                message_vi=f"Lần trước: {row.message_vi}",
                message_en=f"Last attempt: {row.message_en}",
            )
        )
    return rows


def record_problems(session: Session, record_id: int) -> list[ProblemRow]:
    """Every problem stored for one record, in the order found (masked, located)."""
    query = _base().where(_PROBLEMS.c.record_id == record_id)
    return [_row(values) for values in session.execute(query)]
