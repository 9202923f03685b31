"""Mapping files, label lists and transforms: checked on load, exact on bad values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hub_generic_excel.config import MAPPINGS

from hub.errors import DataFileError
from hub.mapping import MappingSet, TransformError, load_mappings
from hub.mapping.transforms import BUILTIN
from hub.model import ScoredSubject, SecondaryResults
from hub.sources import Provenance, RawRecord


@pytest.fixture(scope="module")
def mappings() -> MappingSet:
    return load_mappings([MAPPINGS])  # generic_excel's record mappings are its own


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ("8,5", "8.5"),
        ("8.5 ", "8.5"),
        (8.5, "8.5"),
        (8.300000000000001, "8.3"),
        (10, "10.0"),
        ("0", "0.0"),
    ],
)
def test_score_reads_what_schools_type(found: Any, expected: str) -> None:
    assert BUILTIN["score"](found, "") == Decimal(expected)


@pytest.mark.parametrize("found", ["8,55", "11", "-1", "tám", "8.5.1", True])
def test_score_refuses_what_is_not_a_score(found: Any) -> None:
    with pytest.raises(TransformError) as caught:
        BUILTIN["score"](found, "")
    assert caught.value.message_vi != caught.value.message_en


@pytest.mark.parametrize(
    ("found", "expected"),
    [(7.666666666666667, "7.7"), ("8,25", "8.3"), (8.24, "8.2"), (8.25, "8.3")],
)
def test_a_stated_average_is_rounded_half_up(found: Any, expected: str) -> None:
    assert BUILTIN["average"](found, "") == Decimal(expected)


@pytest.mark.parametrize(
    "found",
    ["14-3-2012", "14/03/2012", " 14.03.2012 ", "2012-03-14", 40982.0, 40982, date(2012, 3, 14)],
)
def test_dates_as_text_serials_or_cells(found: Any) -> None:
    assert BUILTIN["date"](found, "") == date(2012, 3, 14)


@pytest.mark.parametrize("found", ["31/02/2012", "14/3", "March 14", -5.0, 40982.5])
def test_impossible_dates_are_refused(found: Any) -> None:
    with pytest.raises(TransformError):
        BUILTIN["date"](found, "")


def test_digits_keep_leading_zeros_and_check_length() -> None:
    assert BUILTIN["digits"]("036213554206", "12") == "036213554206"
    with pytest.raises(TransformError, match="expected 12 digits, found 11"):
        BUILTIN["digits"](36213554206.0, "12")  # a number cell lost the leading zero


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Thể dục", "GDTC"),
        ("GD thể chất", "GDTC"),
        ("giao duc the chat", "GDTC"),
        ("Tiếng Anh", "NN1"),
        ("TIẾNG ANH", "NN1"),
        ("Hoá học", "HH"),
        ("Hóa học", "HH"),
        ("Mỹ thuật", "MT"),
        ("Lịch sử & Địa lý", "LSDL"),
        ("Công nghệ", "CN"),
        ("Hoạt động trải nghiệm,\nhướng nghiệp", "HDTN"),
    ],
)
def test_subject_labels_with_and_without_diacritics_and_old_names(
    mappings: MappingSet, typed: str, code: str
) -> None:
    assert mappings.labels["subjects-secondary"].resolve(typed) == code


def test_an_unknown_label_resolves_to_nothing(mappings: MappingSet) -> None:
    assert mappings.labels["subjects-secondary"].resolve("Thể thao điện tử") is None


def _folder(tmp_path: Path, sub: str, name: str, text: str) -> Path:
    (tmp_path / sub).mkdir(parents=True, exist_ok=True)
    (tmp_path / sub / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_label_meaning_two_codes_names_file_and_line(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        "labels",
        "extra.yaml",
        "list: subjects-secondary\nlabels:\n  TOAN: ['x']\n  NV: ['Thể dục']\n",
    )
    with pytest.raises(DataFileError) as caught:
        load_mappings([folder])
    assert caught.value.path.endswith("extra.yaml")
    assert caught.value.line == 4
    assert "GDTC" in caught.value.message_en


def test_a_mapping_file_against_its_schema_names_file_and_line(tmp_path: Path) -> None:
    text = "mapping: bad\nlevel: secondary\nfields:\n  learner.full_nam: {from: x}\n"
    folder = _folder(tmp_path, "sources", "bad.yaml", text)
    with pytest.raises(DataFileError) as caught:
        load_mappings([folder])
    assert (Path(caught.value.path).name, caught.value.line) == ("bad.yaml", 4)


def test_an_unknown_transform_names_file_and_line(tmp_path: Path) -> None:
    text = "mapping: bad\nlevel: secondary\nfields:\n  learner.full_name:\n"
    text += "    from: x\n    transform: [nam]\n"
    folder = _folder(tmp_path, "sources", "bad.yaml", text)
    with pytest.raises(DataFileError) as caught:
        load_mappings([folder])
    assert caught.value.line == 6
    assert "no transform 'nam'" in caught.value.message_en


def test_an_unknown_label_list_names_file_and_line(tmp_path: Path) -> None:
    text = "mapping: bad\nlevel: secondary\nfields:\n"
    text += "  learner.sex: {from: x, transform: ['label:sexes']}\n"
    folder = _folder(tmp_path, "sources", "bad.yaml", text)
    with pytest.raises(DataFileError, match="no label list 'sexes'") as caught:
        load_mappings([folder])
    assert caught.value.line == 4


def _record(subjects: dict[str, Any], year: dict[str, Any]) -> RawRecord:
    data = {
        "context": {
            "school_year": "2024-2025",
            "level": "THCS",
            "school_code": "36300001",
            "school_name": "Trường THCS A",
            "department_code": "36",
            "place_of_issue": "Nam Định",
            "issue_date": "2025-05-20",
            "principal": "Phan Gia Duy",
            "homeroom_teacher": "Lê Thị Hoa",
        },
        "learner": {
            "learner_code": "36300010601001",
            "full_name": "NguyÔn V¨n An",
            "birth_date": "14-3-2012",
            "sex": "Nam",
            "ethnicity": "Kinh",
            "personal_id": "036212000001",
            "class_name": "6A1",
            "birthplace": "Nam Định",
            "residence": "Nam Định",
        },
        "subjects": subjects,
        "year": year,
    }
    cell = Provenance("lop-6A1.xlsx", "Toán", 7, ("H7",))
    return RawRecord(
        "36300010601001",
        "generic_excel-secondary",
        data,
        {(): Provenance("ds.xlsx", "DS", 4), ("subjects", "Toán", "semester1", "midterm"): cell},
    )


def _scored(midterm: Any = "7,0") -> dict[str, Any]:
    semester = {"regular": [8, "7,5", None, 9], "midterm": midterm, "final": 8.0}
    return {"semester1": semester, "semester2": dict(semester), "teacher": "Ngô Minh Đức"}


def test_missing_computed_values_are_computed_by_the_rules(mappings: MappingSet) -> None:
    subjects = {
        name: _scored()
        for name in ("Toán", "Ngữ văn", "Tiếng Anh", "GDCD", "Lịch sử và Địa lí", "KHTN")
    }
    subjects["Thể dục"] = {
        "semester1": {"result": "Đ"},
        "semester2": {"result": "Đ"},
        "teacher": "Vũ Nam",
    }
    year = {"training": {"semester1": "Tốt", "semester2": "Tốt"}, "absences": 2}
    outcome = mappings.record("generic_excel-secondary").map(_record(subjects, year))
    assert outcome.problems == ()
    transcript = outcome.transcript
    assert transcript is not None
    assert transcript.learner.full_name == "Nguyễn Văn An"  # TCVN3 decoded
    assert transcript.learner.birth_date == date(2012, 3, 14)
    results = transcript.results
    assert isinstance(results, SecondaryResults)
    toan = next(s for s in results.subjects if s.code == "TOAN")
    assert isinstance(toan, ScoredSubject)
    assert toan.semester1.regular == (Decimal("8.0"), Decimal("7.5"), Decimal("9.0"))
    assert toan.semester1.average == Decimal("7.8")  # (8+7.5+9 + 2·7 + 3·8) / 8 = 7.8125
    assert results.subjects[-1].code == "GDTC"  # in the code list's order
    assert (results.learning.year.value, results.training.year.value, results.conclusion.value) == (
        "K",
        "T",
        "LEN_LOP",
    )


def test_a_bad_cell_becomes_a_problem_pointing_at_it(mappings: MappingSet) -> None:
    subjects = {"Toán": _scored(midterm="7,0.5")}
    year = {"training": {"semester1": "T", "semester2": "T"}, "absences": 0}
    outcome = mappings.record("generic_excel-secondary").map(_record(subjects, year))
    assert outcome.transcript is None
    problem = outcome.problems[0]
    assert (problem.code, problem.found, problem.location.cells) == (
        "VALUE_INVALID",
        "7,0.5",
        ("H7",),
    )
    assert (problem.location.file, problem.location.sheet) == ("lop-6A1.xlsx", "Toán")
    # What is wrong, not where: the location is formatted once, where the problem is shown.
    assert problem.message_vi.startswith("cần một số")
    assert problem.message_en.startswith("expected a number")
    assert problem.record_key == "36300010601001"


def test_a_missing_training_level_is_reported_not_guessed(mappings: MappingSet) -> None:
    subjects = {"Toán": _scored()}
    outcome = mappings.record("generic_excel-secondary").map(_record(subjects, {"absences": 0}))
    assert outcome.transcript is None
    assert [p.code for p in outcome.problems] == ["VALUE_MISSING", "VALUE_MISSING"]
    assert "training level, semester 1" in outcome.problems[0].message_en


def test_a_repeated_bad_value_is_reported_for_every_record(mappings: MappingSet) -> None:
    """Converted values are remembered per distinct value; a refused one never is."""
    mapping = mappings.record("generic_excel-secondary")
    year = {"training": {"semester1": "T", "semester2": "T"}, "absences": 0}
    seen = []
    for _ in range(3):
        outcome = mapping.map(_record({"Toán": _scored(midterm="7,0.5")}, year))
        assert outcome.transcript is None
        assert (outcome.problems[0].found, outcome.problems[0].location.cells) == (
            "7,0.5",
            ("H7",),
        )
        seen.append([p.as_json() for p in outcome.problems])
    assert seen[0] == seen[1] == seen[2]


@pytest.mark.parametrize("value", [True, 1, 1.0, "1"])
def test_remembered_steps_keep_true_and_one_apart(mappings: MappingSet, value: Any) -> None:
    mapping = mappings.record("generic_excel-secondary")
    year = {"training": {"semester1": "T", "semester2": "T"}, "absences": 0}
    for midterm in (1.0, "1", value):  # fill the memo with 1.0 and "1" first
        outcome = mapping.map(_record({"Toán": _scored(midterm=midterm)}, year))
    refused = [p for p in outcome.problems if p.location.cells == ("H7",)]
    assert bool(refused) == (value is True)  # a boolean is not a score, even after 1.0


def test_a_memo_of_mostly_unique_values_is_emptied_when_full_and_a_useful_one_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hub.mapping import compiled

    monkeypatch.setattr(compiled, "MEMO_LIMIT", 8)
    calls: list[str] = []

    def upper(value: object, arg: str) -> str:
        calls.append(str(value))
        return str(value).upper()

    names = compiled.memoised(upper, "")
    for i in range(20):  # every value new: the table fills with no hit, then closes empty
        assert names(f"tên {i}") == f"TÊN {i}"
    assert names("tên 3") == "TÊN 3"
    assert calls.count("tên 3") == 2  # not remembered any more

    calls.clear()
    scores = compiled.memoised(upper, "")
    for _ in range(3):  # few values, asked again and again: each computed once
        for i in range(4):
            assert scores(f"{i}.5") == f"{i}.5"
    for i in range(4, 8):  # the table fills, having served hits: it is kept (and closed)
        assert scores(f"{i}.5") == f"{i}.5"
    assert scores("0.5") == "0.5"
    assert scores("7.5") == "7.5"
    assert sorted(calls) == sorted(f"{i}.5" for i in range(8))
    assert scores("9.5") == scores("9.5") == "9.5"
    assert calls.count("9.5") == 2  # full: a new value is no longer remembered


def test_a_field_a_mapping_marks_as_a_personal_id_is_masked_when_refused(tmp_path: Path) -> None:
    text = (
        "mapping: guardian-id\nlevel: secondary\nfields:\n"
        "  learner.guardian:\n    from: learner.guardian_id\n    transform: ['digits:12']\n"
        "    personal_id: true\n"
        "  learner.residence: {from: learner.residence_code, transform: ['digits:12']}\n"
    )
    mapping = load_mappings([_folder(tmp_path, "sources", "guardian.yaml", text)]).record(
        "guardian-id"
    )
    raw = RawRecord(
        "k",
        "guardian-id",
        {"learner": {"guardian_id": "079 123 456 789", "residence_code": "1234 5678"}},
        {(): Provenance("ds.xlsx", "DS", 4)},
    )
    problems = {p.found: p for p in mapping.map(raw).problems}
    marked = problems["*** *** *** 789"]  # the marked field: masked
    assert "123 456" not in marked.message_vi + marked.message_en
    assert "1234 5678" in problems  # an unmarked field's value is shown as it was


@pytest.mark.parametrize("value", [True, 3, 3.0, "3"])
def test_a_remembered_whole_number_keeps_true_apart(mappings: MappingSet, value: Any) -> None:
    """Ints are remembered in a table of their own: True never finds 1's result."""
    mapping = mappings.record("generic_excel-secondary")
    for absences in (1, 3, 1.0, value, True if value is True else 1):
        year = {"training": {"semester1": "T", "semester2": "T"}, "absences": absences}
        outcome = mapping.map(_record({"Toán": _scored()}, year))
        refused = [p for p in outcome.problems if p.found == "True"]
        assert bool(refused) == (absences is True)
        if absences is not True:
            assert outcome.transcript is not None
            results = outcome.transcript.results
            assert getattr(results, "absences", None) == int(absences)
