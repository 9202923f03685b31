"""Who signs what: each school's teaching assignments, kept with the days they hold.

    model        Assignment, Person, Role, Position; the signing day (31 May by default)
    sheet        a teaching-assignments spreadsheet → assignments, all or nothing
    source       a source's signatories (SMAS) → assignments
    duties       the store: record (idempotent, the substitute rule), who_signs, owed
    operations   what `hub signers import|list` call

The signing stage asks `who_signs` for each part of a class's documents (the GVBM of each
subject, the GVCN, the HT) and `owed` for each person's batches; the document's names
(GiaoVien/HoTen, XacNhan) are the assignment's `person.full_name`.
"""

from hub.signers.duties import Recorded, assignments, owed, record_assignments, who_signs
from hub.signers.model import (
    Assignment,
    Person,
    Position,
    Role,
    default_signing_day,
    default_start,
    slot_of,
)
from hub.signers.sheet import AssignmentsRefused, CellProblem, read_assignments
from hub.signers.source import from_signatories

__all__ = [
    "Assignment",
    "AssignmentsRefused",
    "CellProblem",
    "Person",
    "Position",
    "Recorded",
    "Role",
    "assignments",
    "default_signing_day",
    "default_start",
    "from_signatories",
    "owed",
    "read_assignments",
    "record_assignments",
    "slot_of",
    "who_signs",
]
