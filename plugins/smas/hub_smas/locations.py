"""Where each value of a pivoted record came from, worked out from its path when asked.

A pivoted learner's values come from a dozen answers (the class list, every subject's markbook
for each semester, the results, the teachers, the leaders), and a school of 1,500 learners
has about 300,000 of them. Instead of a `Provenance` object per value, `PupilLocations` is a
read-only mapping that builds one from the path a lookup asks for:

    ("subjects", "2", "semester1", "marks", "TX", 3)
        → GET /api/v1/classes/1201/markbook?subjectId=2&semester=1 › pupilId 88123 › TX[3]
    ("results", "year", "promotion")
        → GET /api/v1/classes/1201/results?semester=0 › pupilId 88123 › promotion
    ("pupil", "birthDate") → GET /api/v1/classes/1201/pupils › pupilId 88123 › birthDate

Iterating it yields only `()` (the record's own place: its class list entry); every other
path is answered on demand, and a path the record cannot have raises KeyError, so
`RawRecord.location_of` walks up to the nearest parent as it does for a plain dict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from hub.api import Provenance, RawPath

SEMESTERS = {"semester1": 1, "semester2": 2, "year": 0}


@dataclass(frozen=True, slots=True)
class Place:
    """What the paths of one learner need: the school, the year, the class, the pupil."""

    school: str
    year: str  # the first calendar year, as SMAS's schoolYear
    class_id: int
    pupil_id: int


def markbook_url(class_id: int, subject_id: int | str, semester: int) -> str:
    return f"GET /api/v1/classes/{class_id}/markbook?subjectId={subject_id}&semester={semester}"


def results_url(class_id: int, semester: int) -> str:
    return f"GET /api/v1/classes/{class_id}/results?semester={semester}"


def _tail(path: RawPath) -> str:
    """("marks", "TX", 3) → "TX[3]"; ("average",) → "average"."""
    parts: list[str] = []
    for step in path:
        if isinstance(step, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step}]"]
        elif step != "marks":
            parts.append(step)
    return ".".join(parts)


class PupilLocations(Mapping[RawPath, Provenance]):
    """The provenance of every value of one pivoted learner, built on lookup."""

    __slots__ = ("place",)

    def __init__(self, place: Place) -> None:
        self.place = place

    def __repr__(self) -> str:
        p = self.place
        return f"PupilLocations(school={p.school!r}, class={p.class_id}, pupil={p.pupil_id})"

    def __iter__(self) -> Iterator[RawPath]:
        yield ()

    def __len__(self) -> int:
        return 1

    def __getitem__(self, path: RawPath) -> Provenance:
        found = self._find(path)
        if found is None:
            raise KeyError(path)
        return found

    def _find(self, path: RawPath) -> Provenance | None:
        p = self.place
        pupil = f"pupilId {p.pupil_id}"
        if not path:
            return Provenance(url=f"GET /api/v1/classes/{p.class_id}/pupils", vendor_key=pupil)
        head, rest = path[0], path[1:]
        key = pupil + (f" › {_tail(rest)}" if rest else "")
        if head == "pupil":
            return Provenance(url=f"GET /api/v1/classes/{p.class_id}/pupils", vendor_key=key)
        if head == "school":
            return Provenance(url=f"GET /api/v1/schools/{p.school}", vendor_key=p.school)
        if head == "class":
            url = f"GET /api/v1/classes?schoolCode={p.school}&schoolYear={p.year}"
            return Provenance(url=url, vendor_key=f"classId {p.class_id}")
        if head in ("homeroomTeacher", "homeroomTeacherId"):
            url = f"GET /api/v1/classes/{p.class_id}/teachers"
            return Provenance(url=url, vendor_key="homeroomTeacher")
        if head in ("principal", "principalPosition"):
            url = f"GET /api/v1/schools/{p.school}/leaders?schoolYear={p.year}"
            return Provenance(url=url, vendor_key="leaders")
        if head == "results" and rest and rest[0] in SEMESTERS:
            semester = SEMESTERS[str(rest[0])]
            inner = pupil + (f" › {_tail(rest[1:])}" if rest[1:] else "")
            return Provenance(url=results_url(p.class_id, semester), vendor_key=inner)
        if head == "subjects" and rest:
            return self._subject(rest)
        return None

    def _subject(self, rest: RawPath) -> Provenance:
        p = self.place
        subject = rest[0]
        if len(rest) >= 2 and rest[1] in SEMESTERS:
            inner = f"pupilId {p.pupil_id}" + (f" › {_tail(rest[2:])}" if rest[2:] else "")
            url = markbook_url(p.class_id, subject, SEMESTERS[str(rest[1])])
            return Provenance(url=url, vendor_key=inner)
        if len(rest) >= 2 and rest[1] in ("teacher", "teacherId"):
            url = f"GET /api/v1/classes/{p.class_id}/teachers"
            return Provenance(url=url, vendor_key=f"subjectId {subject}")
        url = f"GET /api/v1/classes/{p.class_id}/subjects"
        return Provenance(url=url, vendor_key=f"subjectId {subject}")
