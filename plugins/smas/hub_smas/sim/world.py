"""What the simulator serves: a generated province turned into SMAS's class-and-subject shape.

`build_world(settings)` takes the hub's generator (through `hub.testing`) and writes each
school's year as SMAS's answers hold it (spec sources.md, SMAS section): the school, its
classes, each class's pupils, subjects, teachers, every markbook (subject × semester 1, 2
and 0 for the year; a primary class has only the year's), the class results, and the
school's leaders. It adds what a real SMAS school has and a generated one does not:

- teachers' personal IDs (12 digits, the `CCCD:<id>` their certificates carry), derived
  from the school and the name so that the same seed gives the same IDs;
- a mid-year substitution: in each school's first class one subject's teacher left and a
  substitute took over, so the year-end `teachers` answer names the substitute, who is the
  one to sign (`World.substitutions`);
- pupils who moved away (status 2) or dropped out (3), listed in their class but absent from
  semester 2's and the year's markbooks and results;
- a pre-2021 year (`old_year`, 2019–2020): one class per school whose marks carry the old
  column kinds M, P, V and HK, which the adapter must refuse.

The world is plain JSON (`World.to_json`), so `hub smas-sim init` writes it once and
`hub smas-sim serve` reads it back; every value is a function of the settings alone.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.api import (
    CommentSubject,
    Person,
    PrimaryResults,
    ScoredSubject,
    SecondaryResults,
    Transcript,
    load_codes,
)
from hub.testing import GenSettings, generate

_SMAS_SUBJECTS = (
    "TV TOAN DD NN1 TNXH LSDL KH THCN GDTC AN MT HDTN TDT NV GDCD KHTN CN TIN LS DL VL HH SH "
    "GDKTPL GDQPAN NN2 GDDP"
)
SUBJECT_IDS = {code: number for number, code in enumerate(_SMAS_SUBJECTS.split(), start=1)}
"""SMAS's subjectId of each MaMon, as the spec numbers them (the adapter reads its mapping
file instead: the simulator stands for the vendor, who has its own table)."""
_QUALITIES = ("YN", "NA", "CC", "TT", "TN")
_COMPETENCIES = ("TCTH", "GTHT", "GQVD", "NN", "TTOAN", "KH", "CN", "TH", "TM", "TC")
QUALITY_IDS = {code: str(n) for n, code in enumerate(_QUALITIES, start=1)}
COMPETENCY_IDS = {code: str(n) for n, code in enumerate(_COMPETENCIES, start=1)}
EDUCATION_LEVEL = {"02": 1, "03": 2, "04": 3, "05": 4}
_LEVEL_WORD = {"T": "T", "K": "K", "D": "Đ", "CD": "CĐ"}
_PASS = {"D": "Đ", "CD": "CĐ"}
_RATING = {"T": "HTT", "H": "HT", "C": "CHT"}
_QUALITY = {"T": "T", "D": "Đ", "C": "C"}
_PROMOTION = {"LEN_LOP": 1, "O_LAI": 2, "KIEM_TRA_LAI": 3, "REN_LUYEN_HE": 4}
_SUBSTITUTES = (
    "Tạ Thu Uyên",
    "Lã Văn Kiên",
    "Võ Thị Hạnh Dung",
    "Quách Minh Triết",
    "Khổng Thị Ngọc Lan",
    "Mạc Đăng Khoa",
)
_DEPUTIES = ("Ông Văn Thịnh", "Tôn Nữ Thanh Hà", "Lục Văn Bảo", "Âu Thị Kim Oanh")
OLD_YEAR = "2019"


@dataclass
class World:
    """Every school's answers, by school code and first calendar year; JSON in and out.

    Attributes:
        schools: MaTruong → {"school", "credentials", "years": {"2024": Year}}; a Year is
            {"classes", "leaders", "class_data": {classId: {"pupils", "subjects", "teachers",
            "markbooks": {"<subjectId>:<semester>": [...]}, "results": {"1"|"2"|"0": [...]}}}}.
        substitutions: one line per substitution made: school, class, subject, who left,
            who took over (tests read it).
        moved: pupilIds listed but not studying (status 2 or 3).
    """

    schools: dict[str, dict[str, Any]] = field(default_factory=dict)
    substitutions: list[dict[str, Any]] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {"schools": self.schools, "substitutions": self.substitutions, "moved": self.moved},
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> World:
        data = json.loads(text)
        return cls(data["schools"], data["substitutions"], data["moved"])

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> World:
        return cls.from_json(path.read_text(encoding="utf-8"))

    def credentials(self) -> dict[str, dict[str, str]]:
        """MaTruong → {"api_key", "secret"}: the keys file's content."""
        return {code: dict(s["credentials"]) for code, s in self.schools.items()}

    def keys_toml(self) -> str:
        """The keys file the adapter reads (`HUB_SMAS_KEYS`), for these schools."""
        lines = []
        for code, keys in sorted(self.credentials().items()):
            lines += [f'[schools."{code}"]', f'api_key = "{keys["api_key"]}"']
            lines += [f'secret = "{keys["secret"]}"', ""]
        return "\n".join(lines)

    def year(self, school: str, year: str) -> dict[str, Any]:
        return dict(self.schools[school]["years"][year])

    def signers(self, school: str) -> list[Person]:
        """Everyone the school's documents name for a personal signature, once each: the
        year-end homeroom and subject teachers (a substitute, not whom they replaced) and
        the leaders. A demo's or a test's PKI issues them certificates (people providers
        match certificates to the names the documents carry)."""
        names: dict[str, Person] = {}
        for year in self.schools[school]["years"].values():
            for data in year["class_data"].values():
                teachers = data["teachers"]
                for person in [teachers["homeroomTeacher"], *teachers["subjectTeachers"]]:
                    names.setdefault(person["fullName"], Person(person["fullName"]))
            for leader in year["leaders"]:
                names.setdefault(leader["fullName"], Person(leader["fullName"]))
        return list(names.values())


def _score(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def personal_id(school_code: str, name: str) -> str:
    """A teacher's 12-digit personal ID, the same for the same school and name."""
    digest = int(hashlib.sha256(f"{school_code}:{name}".encode()).hexdigest(), 16)
    return f"0{school_code[:2]}{1 + digest % 2}{70 + digest % 25:02d}{digest % 10**6:06d}"


class _Numbers:
    """pupilIds, classIds and teacherIds, unique across the simulator."""

    def __init__(self) -> None:
        self.pupil = 88000
        self.klass = 1200
        self.teacher: dict[tuple[str, str], int] = {}

    def teacher_id(self, school: str, name: str) -> int:
        return self.teacher.setdefault((school, name), 5000 + len(self.teacher))


def build_world(
    settings: GenSettings,
    *,
    seed_keys: str = "smas-sim",
    moved_rate: float = 0.03,
    old_year: bool = True,
) -> World:
    """The simulator's world from the generator's `settings` (one SMAS school per school).

    Args:
        settings: the generator's settings; exempt learners are left out (SMAS has no
            markbook entry for them and the adapter's accounting counts pupils).
        seed_keys: seeds each school's API key and secret (test credentials, never real).
        moved_rate: the share of pupils who moved away or dropped out.
        old_year: add a 2019–2020 class per school with the old column kinds.
    """
    world = World()
    numbers = _Numbers()
    by_school: dict[str, list[Transcript]] = defaultdict(list)
    for item in generate(settings):
        if item.transcript.results is not None:
            by_school[item.transcript.header.school_code].append(item.transcript)
    rng = random.Random(f"{settings.seed}:smas-moved")
    for code, transcripts in by_school.items():
        world.schools[code] = _school(world, numbers, transcripts, seed_keys, rng, moved_rate)
        if old_year:
            _add_old_year(world.schools[code], numbers)
    return world


def _school(
    world: World,
    numbers: _Numbers,
    transcripts: list[Transcript],
    seed_keys: str,
    rng: random.Random,
    moved_rate: float,
) -> dict[str, Any]:
    header = transcripts[0].header
    code, first_year = header.school_code, header.school_year[:4]
    secret = hashlib.sha256(f"{seed_keys}:{code}:secret".encode()).hexdigest()
    keys = {"api_key": f"smas-{code}-" + secret[:8], "secret": secret[8:40]}
    classes: dict[str, list[Transcript]] = defaultdict(list)
    for t in transcripts:
        classes[t.header.class_name].append(t)
    taken = {p for t in transcripts for p in _names(t)}
    class_list, class_data = [], {}
    for number, (name, members) in enumerate(classes.items()):
        numbers.klass += 1
        class_id = numbers.klass
        entry = {
            "classId": class_id,
            "className": name,
            "grade": members[0].header.grade,
            "educationLevel": EDUCATION_LEVEL[header.level.value],
        }
        class_list.append(entry)
        data = _class(world, numbers, code, entry, members, rng, moved_rate)
        if number == 0:
            _substitute(world, code, entry, data, taken)
        class_data[str(class_id)] = data
    principal = transcripts[0].confirmation.principal
    leaders = [_leader(numbers, code, principal.name, principal.title.value)]
    if principal.title.value == "Hiệu trưởng":
        deputy = next(n for n in _DEPUTIES if n not in taken)
        leaders.append(_leader(numbers, code, deputy, "Phó Hiệu trưởng"))
    school = {
        "schoolCode": code,
        "schoolName": header.school_name,
        "provinceCode": header.department_code,
        "address": f"{header.place_of_issue}",
    }
    year = {"classes": class_list, "leaders": leaders, "class_data": class_data}
    return {"school": school, "credentials": keys, "years": {first_year: year}}


def _names(t: Transcript) -> list[str]:
    results = t.results
    subjects = results.subjects if results is not None else ()
    confirmation = t.confirmation
    return [
        *(s.teacher.name for s in subjects),
        confirmation.homeroom_teacher.name,
        confirmation.principal.name,
    ]


def _leader(numbers: _Numbers, school: str, name: str, title: str) -> dict[str, Any]:
    return {
        "teacherId": numbers.teacher_id(school, name),
        "fullName": name,
        "identityNumber": personal_id(school, name),
        "position": "HIEU_TRUONG" if title == "Hiệu trưởng" else "PHO_HIEU_TRUONG",
    }


def _teacher(numbers: _Numbers, school: str, name: str) -> dict[str, Any]:
    return {
        "teacherId": numbers.teacher_id(school, name),
        "fullName": name,
        "identityNumber": personal_id(school, name),
    }


def _class(
    world: World,
    numbers: _Numbers,
    school: str,
    entry: dict[str, Any],
    members: list[Transcript],
    rng: random.Random,
    moved_rate: float,
) -> dict[str, Any]:
    codes = load_codes()
    grade = entry["grade"]
    pupils = []
    markbooks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    subjects: dict[str, dict[str, Any]] = {}
    teachers: dict[int, dict[str, Any]] = {}
    for t in members:
        numbers.pupil += 1
        pupil_id = numbers.pupil
        status = 1
        if rng.random() < moved_rate:
            status = 2 if rng.random() < 0.7 else 3
            world.moved.append(pupil_id)
        pupils.append(_pupil(t, pupil_id, status))
        assert t.results is not None
        for subject in t.results.subjects:
            sid = SUBJECT_IDS[subject.code]
            comment_only = isinstance(subject, CommentSubject)
            if str(sid) not in subjects:
                periods = (
                    35
                    if grade <= 5
                    else codes.secondary_subjects[subject.code].periods_per_year(grade)
                )
                subjects[str(sid)] = {
                    "subjectId": sid,
                    "subjectName": _subject_name(codes, subject.code, grade),
                    "isCommentSubject": comment_only or grade <= 5,
                    "periodsPerYear": periods,
                }
                teachers[sid] = _teacher(numbers, school, subject.teacher.name)
            # One who left has semester 1 only (secondary), nothing of the year (primary).
            if grade > 5:
                semesters: tuple[int, ...] = (1, 2, 0) if status == 1 else (1,)
            else:
                semesters = (0,) if status == 1 else ()
            for semester in semesters:
                markbooks[f"{sid}:{semester}"].append(_mark(pupil_id, subject, semester))
        for half in ("1", "2", "0") if grade > 5 else ("0",):
            if status == 1 or half == "1":
                results[half].append(_result(t, pupil_id, half))
    homeroom = members[0].confirmation.homeroom_teacher.name
    return {
        "pupils": pupils,
        "subjects": sorted(subjects.values(), key=lambda s: int(s["subjectId"])),
        "teachers": {
            "homeroomTeacher": _teacher(numbers, school, homeroom),
            "subjectTeachers": [{"subjectId": sid, **t} for sid, t in sorted(teachers.items())],
        },
        "markbooks": dict(markbooks),
        "results": dict(results),
    }


def _subject_name(codes: Any, code: str, grade: int) -> str:
    table = codes.primary_subjects if grade <= 5 else codes.secondary_subjects
    return str(table[code].name)


def _pupil(t: Transcript, pupil_id: int, status: int) -> dict[str, Any]:
    lr = t.learner
    foreign = lr.foreign_document
    return {
        "pupilId": pupil_id,
        "pupilCode": lr.learner_code,
        "fullName": lr.full_name,
        "birthDate": lr.birth_date.isoformat(),
        "genderId": int(lr.sex.value),
        "ethnicId": int(lr.ethnicity),
        "nationality": lr.nationality,
        "identityNumber": lr.personal_id,
        "foreignDocument": None
        if foreign is None
        else {
            "type": foreign.kind.value,
            "number": foreign.number,
            "issuingCountry": foreign.issuing_country,
        },
        "birthPlace": lr.birthplace,
        "hometown": lr.hometown,
        "address": lr.residence,
        "fatherName": lr.father,
        "motherName": lr.mother,
        "guardianName": lr.guardian,
        "policyGroup": lr.policy_group,
        "disabledExempt": lr.exempt_from_assessment,
        "status": status,
        "absentSessions": t.results.absences if isinstance(t.results, SecondaryResults) else 0,
    }


def _mark(pupil_id: int, subject: Any, semester: int) -> dict[str, Any]:
    if isinstance(subject, ScoredSubject):
        if semester == 0:
            return {
                "pupilId": pupil_id,
                "average": _score(subject.year_average),
                "evaluation": None,
                "retest": _score(subject.retest_score),
                "comment": subject.comment or None,
            }
        half = subject.semester1 if semester == 1 else subject.semester2
        return {
            "pupilId": pupil_id,
            "marks": {
                "TX": [float(s) for s in half.regular],
                "GK": float(half.midterm),
                "CK": float(half.final),
            },
            "average": float(half.average),
            "evaluation": None,
            "comment": None,
        }
    if isinstance(subject, CommentSubject):
        if semester == 0:
            retest = subject.retest_result
            return {
                "pupilId": pupil_id,
                "average": None,
                "evaluation": _PASS[subject.year_result.value],
                "retest": None if retest is None else _PASS[retest.value],
                "comment": subject.comment or None,
            }
        result = subject.semester1 if semester == 1 else subject.semester2
        return {
            "pupilId": pupil_id,
            "marks": None,
            "average": None,
            "evaluation": _PASS[result.value],
            "comment": None,
        }
    return {  # a primary subject: the year only
        "pupilId": pupil_id,
        "evaluation": _RATING[subject.rating.value],
        "testScore": subject.test_score,
        "comment": subject.comment or None,
    }


def _result(t: Transcript, pupil_id: int, semester: str) -> dict[str, Any]:
    r = t.results
    if isinstance(r, PrimaryResults):
        return {
            "pupilId": pupil_id,
            "yearEvaluation": r.evaluation.value,
            "completedGrade": r.completed_grade,
            "qualities": {QUALITY_IDS[q.code]: _QUALITY[q.rating.value] for q in r.qualities},
            "competencies": {
                COMPETENCY_IDS[c.code]: _QUALITY[c.rating.value] for c in r.competencies
            },
            "award": r.awards[0] if r.awards else None,
            "homeroomComment": r.homeroom_comment or None,
        }
    assert isinstance(r, SecondaryResults)
    pick = {"1": "semester1", "2": "semester2", "0": "year"}[semester]
    year = semester == "0"
    learning, training = r.learning, r.training
    return {
        "pupilId": pupil_id,
        "learningResult": _LEVEL_WORD[getattr(learning, pick).value],
        "conductResult": _LEVEL_WORD[getattr(training, pick).value],
        "afterRetest": _LEVEL_WORD[learning.after_summer.value]
        if year and learning.after_summer is not None
        else None,
        "afterSummer": _LEVEL_WORD[training.after_summer.value]
        if year and training.after_summer is not None
        else None,
        "promotion": _PROMOTION[r.conclusion.value] if year else None,
        "title": r.title.value if year and r.title is not None else None,
        "homeroomComment": (r.homeroom_comment or None) if year else None,
    }


def _substitute(
    world: World, school: str, entry: dict[str, Any], data: dict[str, Any], taken: set[str]
) -> None:
    """The last subject teacher of the class left mid-year; a substitute signs at year end."""
    assignments = data["teachers"]["subjectTeachers"]
    homeroom = data["teachers"]["homeroomTeacher"]["fullName"]
    leaving = next((a for a in reversed(assignments) if a["fullName"] != homeroom), None)
    if leaving is None:
        return
    substitute = next(n for n in _SUBSTITUTES if n not in taken)
    taken.add(substitute)
    world.substitutions.append(
        {
            "school": school,
            "classId": entry["classId"],
            "subjectId": leaving["subjectId"],
            "left": leaving["fullName"],
            "took_over": substitute,
        }
    )
    leaving["fullName"] = substitute
    leaving["identityNumber"] = personal_id(school, substitute)
    leaving["teacherId"] = 9000 + len(world.substitutions)


def _add_old_year(school: dict[str, Any], numbers: _Numbers) -> None:
    """A 2019–2020 copy of the school's first class, its marks in the old column kinds."""
    year = next(iter(school["years"].values()))
    first = year["classes"][0]
    data = year["class_data"][str(first["classId"])]
    numbers.klass += 1
    entry = {**first, "classId": numbers.klass}
    old_marks: dict[str, list[dict[str, Any]]] = {}
    for key, rows in data["markbooks"].items():
        old_marks[key] = [_old(row) for row in rows]
    old = {**data, "markbooks": old_marks}
    school["years"][OLD_YEAR] = {
        "classes": [entry],
        "leaders": year["leaders"],
        "class_data": {str(entry["classId"]): old},
    }


def _old(row: dict[str, Any]) -> dict[str, Any]:
    marks = row.get("marks")
    if not marks:
        return row
    tx = marks["TX"]
    return {**row, "marks": {"M": tx[:1], "P": tx[1:], "V": [marks["GK"]], "HK": marks["CK"]}}


def sim_settings(
    *,
    seed: int = 7,
    schools: int = 1,
    levels: tuple[str, ...] = ("02", "03", "04"),
    classes_per_grade: int = 1,
    learners_per_class: int = 30,
) -> GenSettings:
    """The generator's settings for a simulator's world.

    Documents dated before the province reform (SMAS's answers carry no issue date, so the
    adapter dates them 31 May of the second year, and the schools' codes must be the old
    ones then); no exempt learner (SMAS has no markbook row for them).
    """
    from datetime import date

    from hub.api import SchoolLevel

    return GenSettings(
        seed=seed,
        levels=tuple(SchoolLevel(level) for level in levels),
        schools=schools,
        classes_per_grade=classes_per_grade,
        learners_per_class=learners_per_class,
        today=date(2025, 6, 30),
        exempt_rate=0.0,
    )
