"""Problem rows: one per problem, each traced to its source cell or API record.

This is the shape `hub report` writes and `hub batches show` prints: the learner's keys (never
a name or a personal ID), where the learner stands, the ministry's code, the reason in
Vietnamese then English (masked: hub.privacy), the document's XPath, and the source
location the runner traced (file, sheet, cell; or URL and vendor key).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from hub.privacy import mask_text
from hub.report.queries import MISSING_STATES, latest_full_batches
from hub.store.tables import Batch, Problem, Record, School, table_of

_BATCHES = table_of(Batch)
_PROBLEMS = table_of(Problem)
_RECORDS = table_of(Record)
_SCHOOLS = table_of(School)

SOURCE_ROW = "source-row"
"""The `state` of a problem of a source row that never became a record (no MaHoSo)."""


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

    @property
    def location(self) -> str:
        """`file › sheet › D12` (or the API record), "?" when the source gave no place."""
        parts = [p for p in (self.file, self.sheet, self.cell, self.url, self.vendor_key) if p]
        return " › ".join(parts) or "?"

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__} | {"location": self.location}


_COLUMNS = (
    _BATCHES.c.school_code,
    _SCHOOLS.c.name,
    _BATCHES.c.school_year,
    _PROBLEMS.c.batch_id,
    _PROBLEMS.c.record_id,
    _RECORDS.c.ma_ho_so,
    _RECORDS.c.learner_key,
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
    return ProblemRow(*v)


def batch_problems(session: Session, batch_id: int) -> list[ProblemRow]:
    """Every problem stored for a batch, source rows first, then by MaHoSo."""
    query = _base().where(_PROBLEMS.c.batch_id == batch_id)
    return [_row(values) for values in session.execute(query)]


def missing_problems(
    session: Session, *, school_code: str | None = None, school_year: str | None = None
) -> Iterator[ProblemRow]:
    """The problems behind every learner without a transcript now, by school, year, MaHoSo.

    That is: the problems of current records that were rejected or failed, and those of the
    source rows that never became a record in the latest full read of each source.
    """
    p, r = _PROBLEMS.c, _RECORDS.c
    latest = [
        b.id for b in latest_full_batches(session, school_code=school_code, school_year=school_year)
    ]
    query = _base().where(
        sa.or_(
            sa.and_(r.is_current, r.state.in_(MISSING_STATES)),
            sa.and_(p.record_id.is_(None), p.batch_id.in_(latest)),
        )
    )
    b = _BATCHES.c
    if school_code is not None:
        query = query.where(b.school_code == school_code)
    if school_year is not None:
        query = query.where(b.school_year == school_year)
    result = session.execute(query.execution_options(yield_per=2000))
    try:
        for values in result:
            yield _row(values)
    finally:
        result.close()
