"""Assignments from what a source says (SMAS's "who signs": `RawRecord.signatories`).

SMAS answers who signs per class (`/api/v1/classes/{classId}/teachers`) and per school
(`/api/v1/schools/{code}/leaders`); its plugin hands each learner's record on with those people
as `hub.api.Signatory`. The answer is the state at the time of the request, so a sync records
it from the day it read it: the substitute rule (hub.signers.duties) then ends an earlier
teacher's row where a new one appears. A signatory without a 12-digit personal ID cannot be
found at the signing service; it is handed back for the caller to report, never recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from hub.signers.model import PERSONAL_ID_DIGITS, Assignment, Person, Position, Role
from hub.sources import Signatory

_POSITIONS = {p.value: p for p in Position}


def from_signatories(
    school: str,
    year: str,
    class_name: str,
    signatories: Iterable[Signatory],
    origin: str,
    start: date,
) -> tuple[list[Assignment], list[Signatory]]:
    """The assignments one class's signatories make, and the signatories that make none.

    Args:
        class_name: the class the signatories were given for (ignored for the HT).
        origin: the source's name (SourceRun.label), kept with each assignment.
        start: the day the source was read.

    Returns:
        (assignments, unusable): unusable are those with no 12-digit ID, an unknown role or a
        GVBM without a subject.
    """
    found: list[Assignment] = []
    unusable: list[Signatory] = []
    for s in signatories:
        pid = s.personal_id or ""
        if (
            s.role not in (Role.GVBM, Role.GVCN, Role.HT)
            or not (len(pid) == PERSONAL_ID_DIGITS and pid.isdigit())
            or (s.role == Role.GVBM and not s.subject)
        ):
            unusable.append(s)
            continue
        role = Role(s.role)
        found.append(
            Assignment(
                school,
                year,
                role,
                None if role is Role.HT else class_name,
                s.subject if role is Role.GVBM else None,
                Person(s.name, pid, s.vendor_key),
                start,
                origin=origin,
                position=_POSITIONS.get(s.position or "") if role is Role.HT else None,
            )
        )
    return found, unusable
