"""Problems: a finding plus where in the source it came from, stored for reports.

A Problem is what turns "HB104 at /HocBaSo/DLHocBa/HocSinh/NgaySinh" into "lop6A.xlsx, sheet
Lớp 6A, cell D12" for the operator: the runner fills the source location it traced, and the
store keeps both, with the stage that found it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import sqlalchemy as sa
from sqlmodel import Session

from hub.findings import Finding, Severity
from hub.lifecycle import Stage
from hub.store import bulk
from hub.store.tables import Problem, table_of, utcnow

_PROBLEMS = table_of(Problem)


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a value came from: a spreadsheet's file, sheet, row and cells, or an API record."""

    file: str | None = None
    sheet: str | None = None
    cell: str | None = None  # "D12", "D12, E12", or a range "D7:H7" of the learner's row
    url: str | None = None
    vendor_key: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it

    def describe(self) -> str:
        """`file › sheet › D12` (or `› dòng 12` for a whole row) as an operator reads it.

        The one way a stored location is written for a person; "?" when nothing is known.
        """
        place = self.cell or (f"dòng/row {self.row}" if self.row is not None else None)
        parts = [p for p in (self.file, self.sheet, place, self.url, self.vendor_key) if p]
        return " › ".join(parts) or "?"


@dataclass(frozen=True, slots=True)
class ProblemIn:
    """A problem to store; `record_id` is None for a source row that never became a record.

    `learner_key` is the source's key of the learner such a row stops (None when the problem
    names no learner: a whole file, a row that matches nobody); `found` and `expected` are
    what was at the problem's place and what would have been accepted there.
    """

    code: str
    severity: Severity
    message_vi: str
    message_en: str
    stage: Stage
    xpath: str | None = None
    source: SourceLocation = SourceLocation()
    record_id: int | None = None
    learner_key: str | None = None
    found: str | None = None
    expected: str | None = None

    @classmethod
    def from_finding(
        cls,
        finding: Finding,
        stage: Stage,
        source: SourceLocation = SourceLocation(),
        record_id: int | None = None,
    ) -> ProblemIn:
        return cls(
            finding.code,
            finding.severity,
            finding.message_vi,
            finding.message_en,
            stage,
            finding.xpath or None,
            source,
            record_id,
        )

    def for_record(self, record_id: int, stage: Stage) -> ProblemIn:
        return replace(self, record_id=record_id, stage=stage)


def add_problems(session: Session, batch_id: int, problems: Sequence[ProblemIn]) -> None:
    """Store problems of one batch in bulk (one executemany; COPY on PostgreSQL)."""
    if not problems:
        return
    now = utcnow()
    rows = []
    for p in problems:
        location = asdict(p.source)
        rows.append(
            {
                "batch_id": batch_id,
                "record_id": p.record_id,
                "stage": p.stage,
                "code": p.code,
                "severity": p.severity,
                "message_vi": p.message_vi,
                "message_en": p.message_en,
                "xpath": p.xpath,
                "source_file": location["file"],
                "source_sheet": location["sheet"],
                "source_row": location["row"],
                "source_cell": location["cell"],
                "source_url": location["url"],
                "vendor_key": location["vendor_key"],
                "learner_key": p.learner_key[:64] if p.learner_key else None,
                "found": p.found,
                "expected": p.expected,
                "created_at": now,
            }
        )
    if bulk.on_postgres(session):
        bulk.copy_rows(session, _PROBLEMS, rows)  # ids from the column's default, in order
    else:
        session.execute(sa.insert(_PROBLEMS), rows)


def clear_unkeyed_problems(session: Session, batch_id: int, stage: Stage) -> None:
    """Drop a batch's record-less problems of a stage before that stage runs again (resume)."""
    c = _PROBLEMS.c
    session.execute(
        sa.delete(_PROBLEMS).where(c.batch_id == batch_id, c.record_id.is_(None), c.stage == stage)
    )


def problems_of(
    session: Session, *, batch_id: int | None = None, record_id: int | None = None
) -> list[Problem]:
    """The problems of a batch or a record, in the order they were found."""
    query = sa.select(Problem).order_by(_PROBLEMS.c.id)
    if batch_id is not None:
        query = query.where(_PROBLEMS.c.batch_id == batch_id)
    if record_id is not None:
        query = query.where(_PROBLEMS.c.record_id == record_id)
    return list(session.scalars(query))
