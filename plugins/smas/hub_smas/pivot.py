"""The pivot: one class's answers (class list, subjects, teachers, markbooks, results) → one
RawRecord per pupil, or the Problems that keep the pupil out.

SMAS is class- and subject-centric: a markbook holds every pupil's marks for one subject and
semester. The pivot turns each class's markbooks inside out, so that a record holds one
learner's whole year, with the values exactly as SMAS sent them (numbers stay numbers, codes
stay SMAS's numeric codes: the mapping files translate them):

    data = {
      "school":  {schoolCode, schoolName, provinceCode, address, schoolYear: "2024-2025",
                  placeOfIssue, issueDate},
      "class":   {classId, className, grade, educationLevel},
      "pupil":   {pupilId, pupilCode, fullName, birthDate, genderId, ethnicId, …},
      "subjects": {"2": {subjectId, subjectName, isCommentSubject, periodsPerYear, teacher,
                         "semester1": {marks: {TX: [...], GK, CK}, average, evaluation, comment},
                         "semester2": {…},
                         "year": {average, evaluation, retestScore | retestResult, comment}}},
      "results": {"semester1": {…}, "semester2": {…}, "year": {learningResult, …, promotion}},
      "homeroomTeacher": "…", "principal": "…", "principalPosition": "HIEU_TRUONG",
    }

A primary class has only the year (`subjects.*.year` = {evaluation, testScore, comment},
`results.year` = {yearEvaluation, completedGrade, qualities, competencies, …}). The one
rearrangement: the year's `retest` is filed as `retestScore` (a scored subject) or
`retestResult` (a comment subject), because the two are different fields of the document.
Where each value came from is `hub_smas.locations.PupilLocations`.

What keeps a pupil out, each a Problem at its place: the class's answers failed (one per
pupil of the class, and one for the class), the old column kinds M, P, V, HK without a
mapping, a markbook or results without the pupil (or with a pupil the class does not list),
fewer ĐĐGtx than the subject's periods need. A pupil with status 2 or 3 is reported (a
warning naming them) and not sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.api import LabelList, Problem, ProblemCode, Provenance, RawRecord, Severity, Signatory
from hub_smas import problems as p
from hub_smas.collector import collector_paused
from hub_smas.fetch import ClassAnswers, SchoolYearAnswers
from hub_smas.locations import Place, PupilLocations, markbook_url, results_url

SEMESTER_NAMES = {1: "semester1", 2: "semester2", 0: "year"}
NEW_KINDS = ("TX", "GK", "CK")
_NEW_KINDS = frozenset(NEW_KINDS)
PRIMARY_MAPPING = "smas-primary"
SECONDARY_MAPPING = "smas-secondary"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The plugin's label lists the pivot itself needs (the mapping files use the rest)."""

    subjects: LabelList  # smas-subjects: "2" → TOAN (a GVBM signatory's MaMon)
    mark_kinds: LabelList  # smas-mark-kinds: which of TX, GK, CK an old kind counts as


@dataclass(frozen=True, slots=True)
class SchoolYear:
    """What every record of one school's year shares."""

    code: str
    first_year: str
    school_year: str
    school: Mapping[str, Any]  # the "school" part of a record's data
    principal: Mapping[str, Any] | None  # the leader who signs HT


def record_key(school: str, school_year: str, pupil_id: Any) -> str:
    """A pupil's key in this source: school, year and SMAS's pupilId."""
    return f"{school}-{school_year}-{pupil_id}"


def min_regular(periods: Any) -> int | None:
    """Thông tư 22: ≤ 35 periods a year → 2 ĐĐGtx a semester; 36–70 → 3; more → 4."""
    if not isinstance(periods, int) or isinstance(periods, bool) or periods <= 0:
        return None
    return 2 if periods <= 35 else 3 if periods <= 70 else 4


def choose_principal(leaders: Iterable[Any]) -> Mapping[str, Any] | None:
    """The principal, or the first vice-principal when the school has none (they sign HT)."""
    people = [x for x in leaders if isinstance(x, dict)]
    for position in ("HIEU_TRUONG", "PHO_HIEU_TRUONG"):
        for person in people:
            if person.get("position") == position:
                return person
    return None


class ClassPivot:
    """One class of one school's year, pivoted: `records` and `problems`."""

    def __init__(self, year: SchoolYear, answers: ClassAnswers, vocabulary: Vocabulary) -> None:
        self.year, self.answers, self.vocabulary = year, answers, vocabulary
        self.records: list[RawRecord] = []
        self.problems: list[Problem] = []
        klass = answers.klass
        self.class_id: Any = klass.get("classId")
        self.class_name = str(klass.get("className") or self.class_id)
        self.subject_teachers = self._teachers()
        self._subject_plans: list[_SubjectPlan] | None = None
        # Who signs is the class's, the same for each of its learners: worked out once.
        self._homeroom_teacher = self._homeroom()
        self._signers = self._signatories(self._homeroom_teacher, year.principal)
        self._run()

    def _key(self, pupil_id: Any) -> str:
        return record_key(self.year.code, self.year.school_year, pupil_id)

    def _pupils_url(self) -> str:
        return f"GET /api/v1/classes/{self.class_id}/pupils"

    def _pupils(self) -> list[dict[str, Any]] | None:
        pupils = self.answers.pupils
        if pupils is None:
            return None
        return [x for x in pupils if isinstance(x, dict) and "pupilId" in x]

    def _run(self) -> None:
        pupils = self._pupils()
        failure = self.answers.failure
        if failure is not None or pupils is None or self.answers.subjects is None:
            self._failed(pupils)
            return
        rows, kinds = self._rows()
        if kinds:
            self._refuse_old(pupils, kinds)
            return
        listed = {x["pupilId"] for x in pupils}
        self._strangers(rows, listed)
        for pupil in pupils:
            self._pupil(pupil, rows)

    # -- the class as a whole ------------------------------------------------------------

    def _failed(self, pupils: list[dict[str, Any]] | None) -> None:
        failure = self.answers.failure
        target = failure.target if failure is not None else self._pupils_url()
        vi = failure.message_vi if failure is not None else "SMAS không trả lời đủ."
        en = failure.message_en if failure is not None else "SMAS did not answer in full."
        found = failure.found if failure is not None else ""
        where = Provenance(url=target, vendor_key=f"classId {self.class_id}")
        self.problems.append(
            p.problem(
                p.CLASS_FAILED,
                where,
                found,
                "HTTP 200 + JSON",
                f"Không đọc được lớp {self.class_name}: {vi}",
                f"Class {self.class_name} could not be read: {en}",
                None,
            )
        )
        for pupil in pupils or ():
            pid = pupil["pupilId"]
            self.problems.append(
                p.problem(
                    p.CLASS_FAILED,
                    Provenance(url=target, vendor_key=f"pupilId {pid}"),
                    found,
                    "HTTP 200 + JSON",
                    f"Học sinh {_code(pupil)} lớp {self.class_name} chưa đọc được vì lớp "
                    f"không đọc được ({vi})",
                    f"Learner {_code(pupil)} of class {self.class_name} was not read because "
                    f"the class could not be read ({en})",
                    self._key(pid),
                )
            )

    def _old_kinds(self, marks: dict[str, Any], unmapped: set[str]) -> None:
        """The old column kinds (M, P, V, HK …) of a row's marks no label list maps."""
        for kind in marks:
            if kind not in NEW_KINDS and self.vocabulary.mark_kinds.resolve(kind) is None:
                unmapped.add(str(kind))

    def _refuse_old(self, pupils: list[dict[str, Any]], kinds: set[str]) -> None:
        listed = ", ".join(sorted(kinds))
        year = self.year.school_year
        vi = (
            f"Năm học {year}, lớp {self.class_name}: sổ điểm có cột kiểu cũ {listed} (trước "
            f"Thông tư 22); hub không đoán cách chuyển. Muốn chuyển, một tệp nhãn của danh sách "
            f'"smas-mark-kinds" (trong thư mục labels/ của thư mục ánh xạ của hub) phải nói '
            f"mỗi kiểu tính là TX, GK hay CK, ví dụ `TX: [M, P]`, `GK: [V]`, `CK: [HK]`."
        )
        en = (
            f"School year {year}, class {self.class_name}: the markbooks have the old column "
            f"kinds {listed} (before Thông tư 22); the hub does not guess how they map. To map "
            f'them, a label file of the list "smas-mark-kinds" (in the labels/ folder of the '
            f"hub's mappings folder) must say which of TX, GK or CK each kind counts as, e.g. "
            f"`TX: [M, P]`, `GK: [V]`, `CK: [HK]`."
        )
        first = next(iter(sorted(self.answers.markbooks, key=str)), None)
        url = markbook_url(self.class_id, first[0], first[1]) if first else self._pupils_url()
        expected = "TX, GK, CK"
        self.problems.append(
            p.problem(
                p.OLD_MARK_KINDS,
                Provenance(url=url, vendor_key=f"classId {self.class_id}"),
                listed,
                expected,
                vi,
                en,
                None,
            )
        )
        for pupil in pupils:
            if pupil.get("status") != 1:
                continue
            pid = pupil["pupilId"]
            where = Provenance(url=url, vendor_key=f"pupilId {pid}")
            self.problems.append(p.problem(p.OLD_MARK_KINDS, where, listed, expected, vi, en,
                                           self._key(pid)))  # fmt: skip

    def _rows(self) -> tuple[dict[tuple[str, str, int], dict[int, dict[str, Any]]], set[str]]:
        """Every markbook's and results' rows by (kind, subject, semester) and pupilId, and
        the old column kinds no label list maps (empty when none): one pass over the rows."""
        rows: dict[tuple[str, str, int], dict[int, dict[str, Any]]] = {}
        unmapped: set[str] = set()
        for (sid, semester), found in self.answers.markbooks.items():
            by_pupil: dict[int, dict[str, Any]] = {}
            for row in found:
                if not isinstance(row, dict):
                    continue
                marks = row.get("marks")  # the usual row has TX, GK and CK only
                if isinstance(marks, dict) and not marks.keys() <= _NEW_KINDS:
                    self._old_kinds(marks, unmapped)
                if "pupilId" in row:
                    by_pupil[row["pupilId"]] = row
            rows[("markbook", str(sid), semester)] = by_pupil
        for semester, found in self.answers.results.items():
            rows[("results", "", semester)] = _by_pupil(found)
        return rows, unmapped

    def _url(self, kind: str, sid: str, semester: int) -> str:
        if kind == "markbook":
            return markbook_url(self.class_id, sid, semester)
        return results_url(self.class_id, semester)

    def _strangers(
        self, rows: Mapping[tuple[str, str, int], Mapping[int, Any]], listed: set[Any]
    ) -> None:
        """A pupil in a markbook or the results whom the class list does not have."""
        reported: set[Any] = set()
        for (kind, sid, semester), by_pupil in sorted(rows.items(), key=lambda kv: str(kv[0])):
            for pid in by_pupil:
                if pid in listed or pid in reported:
                    continue
                reported.add(pid)
                where = Provenance(url=self._url(kind, sid, semester), vendor_key=f"pupilId {pid}")
                self.problems.append(
                    p.problem(
                        p.NOT_IN_CLASS,
                        where,
                        f"pupilId {pid}",
                        f"a pupil of {self._pupils_url()}",
                        f"Học sinh pupilId {pid} có trong câu trả lời này nhưng không có trong "
                        f"danh sách lớp {self.class_name}; sửa trên SMAS (chuyển lớp?).",
                        f"Pupil pupilId {pid} is in this answer but not in class "
                        f"{self.class_name}'s list; fix it in SMAS (moved class?).",
                        self._key(pid),
                    )
                )

    # -- one pupil ----------------------------------------------------------------------

    def _pupil(
        self, pupil: dict[str, Any], rows: Mapping[tuple[str, str, int], Mapping[int, Any]]
    ) -> None:
        pid = pupil["pupilId"]
        key = self._key(pid)
        status = pupil.get("status")
        where = Provenance(url=self._pupils_url(), vendor_key=f"pupilId {pid} › status")
        if status in p.STATUS_WORDS:
            vi, en = p.STATUS_WORDS[status]
            self.problems.append(
                p.problem(
                    p.NOT_STUDYING,
                    where,
                    str(status),
                    "1",
                    f"Học sinh {_code(pupil)} lớp {self.class_name} {vi} (trạng thái {status}): "
                    f"không gửi học bạ.",
                    f"Learner {_code(pupil)} of class {self.class_name} {en} (status {status}): "
                    f"no transcript is sent.",
                    key,
                    Severity.WARNING,
                )
            )
            return
        if status != 1:
            self.problems.append(
                p.problem(
                    ProblemCode.VALUE_INVALID.value,
                    where,
                    str(status),
                    "1, 2, 3",
                    "trạng thái học sinh không hợp lệ (1 đang học, 2 chuyển đi, 3 thôi học)",
                    "invalid pupil status (1 studying, 2 moved away, 3 dropped out)",
                    key,
                )
            )
            return
        errors: list[Problem] = []
        subjects = {plan.sid: self._subject(plan, pid, errors) for plan in self._plans(rows)}
        results: dict[str, Any] = {}
        for semester in self.answers.semesters:
            row = rows.get(("results", "", semester), {}).get(pid)
            if row is None:
                errors.append(self._missing(pupil, "results", "", semester))
            else:
                results[SEMESTER_NAMES[semester]] = _without_pupil(row)
        if errors:
            self.problems.extend(errors)
            return
        self.records.append(self._record(pupil, subjects, results))

    def _plans(self, rows: Mapping[tuple[str, str, int], Mapping[int, Any]]) -> list[_SubjectPlan]:
        """What every pupil's pivot of each subject shares, worked out once per class."""
        if self._subject_plans is not None:
            return self._subject_plans
        plans = []
        for subject in self.answers.subjects or ():
            if not (isinstance(subject, dict) and "subjectId" in subject):
                continue
            sid = str(subject["subjectId"])
            teacher = self.subject_teachers.get(sid)
            base = {**subject, "teacher": teacher.get("fullName") if teacher else None}
            comment_only = subject.get("isCommentSubject") is True
            minimum = None if comment_only or self.answers.primary else min_regular(
                subject.get("periodsPerYear")
            )  # fmt: skip
            books = tuple(
                (semester, SEMESTER_NAMES[semester], rows.get(("markbook", sid, semester), {}))
                for semester in self.answers.semesters
            )
            retest = "retestResult" if comment_only else "retestScore"
            plans.append(_SubjectPlan(sid, subject, base, minimum, retest, books))
        self._subject_plans = plans
        return plans

    def _subject(self, plan: _SubjectPlan, pid: Any, errors: list[Problem]) -> dict[str, Any]:
        entry = plan.base.copy()
        for semester, name, by_pupil in plan.books:
            row = by_pupil.get(pid)
            if row is None:
                errors.append(
                    self._missing({"pupilId": pid}, "markbook", plan.sid, semester, plan.subject)
                )
                continue
            part = dict(row)  # _without_pupil, written out: once per pupil, subject and half
            del part["pupilId"]
            if semester == 0 and "retest" in part:
                part[plan.retest] = part.pop("retest")
            marks = part.get("marks")
            if type(marks) is dict:
                if not marks.keys() <= _NEW_KINDS:
                    marks = part["marks"] = self._marks(marks)
                tx = marks.get("TX")
                if plan.minimum is not None and type(tx) is list and len(tx) < plan.minimum:
                    errors.append(self._too_few(pid, plan.subject, semester, len(tx), plan.minimum))
            entry[name] = part
        return entry

    def _marks(self, marks: dict[str, Any]) -> dict[str, Any]:
        """The marks, old kinds put under the new ones a label file says (TX lists join)."""
        merged: dict[str, Any] = {}
        for kind, value in marks.items():
            target = kind if kind in NEW_KINDS else self.vocabulary.mark_kinds.resolve(kind)
            values = value if isinstance(value, list) else [value]
            if target == "TX":
                merged.setdefault("TX", []).extend(values)
            else:
                merged[str(target)] = values[0] if len(values) == 1 else value
        return merged

    def _teachers(self) -> dict[str, Mapping[str, Any]]:
        teachers = self.answers.teachers
        found = teachers.get("subjectTeachers") if isinstance(teachers, dict) else None
        return {str(t.get("subjectId")): t for t in found or () if isinstance(t, dict)}

    def _homeroom(self) -> Mapping[str, Any] | None:
        teachers = self.answers.teachers
        found = teachers.get("homeroomTeacher") if isinstance(teachers, dict) else None
        return found if isinstance(found, dict) else None

    def _missing(
        self,
        pupil: Mapping[str, Any],
        kind: str,
        sid: str,
        semester: int,
        subject: Mapping[str, Any] | None = None,
    ) -> Problem:
        pid = pupil["pupilId"]
        what_vi = "kết quả" if kind == "results" else f"sổ điểm môn {_subject_name(subject)}"
        what_en = "results" if kind == "results" else f"markbook of {_subject_name(subject)}"
        half_vi = "cả năm" if semester == 0 else f"học kỳ {semester}"
        half_en = "the year" if semester == 0 else f"semester {semester}"
        return p.problem(
            ProblemCode.GRADES_MISSING.value,
            Provenance(url=self._url(kind, sid, semester), vendor_key=f"pupilId {pid}"),
            "",
            f"a row with pupilId {pid}",
            f"Học sinh pupilId {pid} lớp {self.class_name} không có trong {what_vi} {half_vi}; "
            f"nhập trên SMAS.",
            f"Pupil pupilId {pid} of class {self.class_name} is not in the {what_en} for "
            f"{half_en}; enter it in SMAS.",
            self._key(pid),
        )

    def _too_few(
        self, pid: Any, subject: Mapping[str, Any], semester: int, count: int, minimum: int
    ) -> Problem:
        name, periods = _subject_name(subject), subject.get("periodsPerYear")
        return p.problem(
            p.TOO_FEW_TX,
            Provenance(
                url=markbook_url(self.class_id, subject["subjectId"], semester),
                vendor_key=f"pupilId {pid} › TX",
            ),
            f"{count} TX",
            f"≥ {minimum} TX",
            f"Môn {name} ({periods} tiết/năm) học kỳ {semester} có {count} điểm ĐĐGtx; cần ít "
            f"nhất {minimum}.",
            f"{name} ({periods} periods a year), semester {semester}: {count} regular scores "
            f"(ĐĐGtx); expected at least {minimum}.",
            self._key(pid),
        )

    def _record(
        self, pupil: dict[str, Any], subjects: dict[str, Any], results: dict[str, Any]
    ) -> RawRecord:
        homeroom = self._homeroom_teacher
        principal = self.year.principal
        data: dict[str, Any] = {
            "school": self.year.school,
            "class": self.answers.klass,
            "pupil": pupil,
            "subjects": subjects,
            "results": results,
            "homeroomTeacher": homeroom.get("fullName") if homeroom else None,
            "principal": principal.get("fullName") if principal else None,
            "principalPosition": principal.get("position") if principal else None,
        }
        place = Place(self.year.code, self.year.first_year, int(self.class_id), pupil["pupilId"])
        mapping = PRIMARY_MAPPING if self.answers.primary else SECONDARY_MAPPING
        return RawRecord(
            self._key(pupil["pupilId"]),
            mapping,
            data,
            PupilLocations(place),
            None,
            self._signers,
        )

    def _signatories(
        self, homeroom: Mapping[str, Any] | None, principal: Mapping[str, Any] | None
    ) -> tuple[Signatory, ...]:
        people: list[Signatory] = []
        if not self.answers.primary:  # a primary document has no GVBM signature
            for sid, teacher in sorted(self.subject_teachers.items(), key=lambda x: x[0]):
                code = self.vocabulary.subjects.resolve(sid)
                if code is not None and teacher.get("fullName"):
                    people.append(_signatory("GVBM", teacher, subject=code))
        if homeroom and homeroom.get("fullName"):
            people.append(_signatory("GVCN", homeroom))
        if principal and principal.get("fullName"):
            people.append(_signatory("HT", principal, position=principal.get("position")))
        return tuple(people)


@dataclass(frozen=True, slots=True)
class _SubjectPlan:
    """One subject of a class: its answer, the part every pupil's entry shares, its books."""

    sid: str
    subject: Mapping[str, Any]
    base: dict[str, Any]  # the subject's answer and its year-end teacher
    minimum: int | None  # ĐĐGtx a semester needs (None: a comment subject, primary)
    retest: str  # where the year's retest goes: retestScore or retestResult
    books: tuple[tuple[int, str, Mapping[int, Any]], ...]  # (semester, name, rows by pupil)


def _signatory(
    role: str, person: Mapping[str, Any], subject: str | None = None, position: Any = None
) -> Signatory:
    number = person.get("identityNumber")
    teacher_id = person.get("teacherId")
    return Signatory(
        role,
        str(person["fullName"]),
        str(number) if number else None,
        subject,
        str(position) if position else None,
        None if teacher_id is None else str(teacher_id),
    )


def _by_pupil(rows: Iterable[Any]) -> dict[int, dict[str, Any]]:
    return {r["pupilId"]: r for r in rows if isinstance(r, dict) and "pupilId" in r}


def _without_pupil(row: Mapping[str, Any]) -> dict[str, Any]:
    part = dict(row)
    del part["pupilId"]
    return part


def _code(pupil: Mapping[str, Any]) -> str:
    """How a message names a pupil: the sector code, else SMAS's id (never name and birth)."""
    code = pupil.get("pupilCode")
    return str(code) if code else f"pupilId {pupil.get('pupilId')}"


def _subject_name(subject: Mapping[str, Any] | None) -> str:
    if not subject:
        return "?"
    return str(subject.get("subjectName") or f"subjectId {subject.get('subjectId')}")


def pivot_school_year(
    answers: SchoolYearAnswers, year: SchoolYear, vocabulary: Vocabulary
) -> tuple[list[RawRecord], list[Problem]]:
    """Every class of a school's year pivoted: records first, then the problems (the cycle
    collector paused meanwhile: hub_smas.collector)."""
    records: list[RawRecord] = []
    problems: list[Problem] = []
    with collector_paused():
        for klass in answers.classes:
            pivot = ClassPivot(year, klass, vocabulary)
            records.extend(pivot.records)
            problems.extend(pivot.problems)
    return records, problems
