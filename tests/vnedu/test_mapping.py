"""The record mappings: generated learners written as vnEdu items map back to themselves, and
every value that cannot be mapped is a Problem at its place, with what was found and expected."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from hub.api import SchoolLevel, Transcript
from hub.testing import sample_transcripts

from .fake import FakeVnedu
from .helpers import Factory, comparable, mappings, read_and_map
from .items import details_of, item_of, school_of


def _served(transcripts: list[Transcript]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    items = [item_of(t, f"VN-{n:06d}") for n, t in enumerate(transcripts)]
    return items, {transcripts[0].header.school_code: details_of(transcripts[0])}


@pytest.mark.parametrize(
    "level",
    [
        SchoolLevel.PRIMARY,
        SchoolLevel.LOWER_SECONDARY,
        SchoolLevel.UPPER_SECONDARY,
        SchoolLevel.CONTINUING,
    ],
    ids=lambda level: level.name.lower(),
)
def test_generated_learners_map_back_to_themselves(
    fake: FakeVnedu, client_factory: Factory, level: SchoolLevel
) -> None:
    transcripts = sample_transcripts(level, 12, seed=21, per_class=2)
    items, details = _served(transcripts)
    mapped = read_and_map(
        fake, client_factory, school_of(transcripts[0]), items, school_details=details
    )
    assert not mapped.problems, [p.as_json() for p in mapped.problems[:3]]
    assert len(mapped.transcripts) == len(transcripts)
    for n, t in enumerate(transcripts):
        got = mapped.transcripts[f"VN-{n:06d}"]
        # MaHoSo is the hub's key of the learner-year-school: school, year, learner code
        assert got.header.record_id == (
            f"{t.header.school_code}-{t.header.school_year}-{t.learner.learner_code}"
        )
        got = dataclasses.replace(got, header=dataclasses.replace(got.header, record_id="-"))
        want = dataclasses.replace(t, header=dataclasses.replace(t.header, record_id="-"))
        assert comparable(got) == comparable(want)


def _spec_item() -> dict[str, Any]:
    from .test_golden import CASES

    items = json.loads((CASES / "secondary-spec-example" / "items.json").read_text("utf-8"))
    return dict(items[0])


SCHOOL = {"ma_truong": "56000001", "ten_truong": "Trường THCS Lộc Thọ", "cap_hoc": "03"}


@pytest.mark.parametrize("written", ["9", "9,0", "9.0", " 9 ", 9, 9.0])
def test_scores_compare_by_value(fake: FakeVnedu, client_factory: Factory, written: Any) -> None:
    item = _spec_item()
    item["ket_qua"]["Toán"]["hk1"]["ck"] = written
    mapped = read_and_map(fake, client_factory, SCHOOL, [item])
    (t,) = mapped.transcripts.values()
    assert t.results is not None
    (toan,) = [s for s in t.results.subjects if s.code == "TOAN"]
    assert toan.semester1.final == Decimal("9.0")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "value", "code", "expected_part"),
    [
        (("ket_qua", "Toán", "hk1", "tx", 1), "8,5,1", "VALUE_INVALID", "0–10"),
        (("ket_qua", "Toán", "hk1", "tb"), "11", "VALUE_INVALID", "0.0–10.0"),
        (("ket_qua", "Toán", "hk1", "gk"), "8,55", "VALUE_INVALID", "1 decimal"),
        (("ket_qua", "Toán", "ca_nam"), "chín", "LABEL_UNKNOWN", "CD (CĐ)"),
        (("ngay_sinh",), "30/02/2011", "VALUE_INVALID", "dd/mm/yyyy"),
        (("ngay_sinh",), "2011-03-14", "VALUE_INVALID", "dd/mm/yyyy"),
        (("ngay_sinh",), "20110314", "VALUE_INVALID", "dd/mm/yyyy"),
        (("gioi_tinh",), "Khác", "LABEL_UNKNOWN", "1 (Nam)"),
        (("dan_toc",), "Kinh Thượng", "LABEL_UNKNOWN", "01 (Kinh"),
        (("hoc_tap", "ca_nam"), "Giỏi lắm", "LABEL_UNKNOWN", "T (Tốt)"),
        (("ket_luan",), "Lên lớp có điều kiện", "LABEL_UNKNOWN", "LEN_LOP"),
        (("danh_hieu",), "Học sinh Tiên tiến", "LABEL_UNKNOWN", "HSXS"),
        (("so_dinh_danh",), "05621123456", "VALUE_INVALID", "12 digits"),
    ],
)
def test_a_value_that_cannot_be_mapped_is_a_problem_at_its_place(
    fake: FakeVnedu,
    client_factory: Factory,
    path: tuple[Any, ...],
    value: str,
    code: str,
    expected_part: str,
) -> None:
    item = _spec_item()
    parent: Any = item
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    mapped = read_and_map(fake, client_factory, SCHOOL, [item])
    assert not mapped.transcripts
    (problem,) = mapped.problems
    assert problem.code == code
    assert problem.record_key == item["vnedu_id"]
    shown = " › ".join(str(s) for s in path if not isinstance(s, int))
    assert problem.location.vendor_key is not None
    assert problem.location.vendor_key.startswith(f"{item['vnedu_id']} › {shown}")
    assert problem.location.url == "GET /v2/schools/56000001/students?nam_hoc=2024-2025"
    assert expected_part in problem.expected
    if path == ("so_dinh_danh",):
        assert problem.found != value
        assert problem.found.endswith(value[-3:])
    else:
        assert problem.found == value
    assert problem.message_vi != problem.message_en


def test_a_subject_named_twice_is_a_problem(fake: FakeVnedu, client_factory: Factory) -> None:
    item = _spec_item()
    item["ket_qua"]["Toan hoc"] = item["ket_qua"]["Toán"]
    (problem,) = read_and_map(fake, client_factory, SCHOOL, [item]).problems
    assert (problem.code, problem.found) == ("VALUE_INVALID", "Toan hoc")


def test_the_simulators_names_are_all_known() -> None:
    """Every name the simulator writes (hub_vnedu/sim/names.py) is in the mapping files."""
    names = pytest.importorskip("hub_vnedu.sim.names")
    labels = mappings().labels
    tables = {
        "subjects-secondary": names.SECONDARY_SUBJECTS,
        "subjects-primary": names.PRIMARY_SUBJECTS,
        "qualities": names.QUALITIES,
        "competencies": names.COMPETENCIES,
        "levels": {k.value: v for k, v in names.LEVELS.items()},
        "pass-fail": names.PASS_FAIL,
        "conclusions": names.CONCLUSIONS,
        "titles": names.TITLES,
        "primary-ratings": names.PRIMARY_RATINGS,
        "quality-ratings": names.QUALITY_RATINGS,
        "primary-evaluations": names.EVALUATIONS,
        "sex": names.SEX,
        "countries": names.COUNTRIES,
    }
    unknown = [
        (lst, code, name)
        for lst, table in tables.items()
        for code, spelled in table.items()
        for name in (spelled if isinstance(spelled, tuple) else (spelled,))
        if labels[lst].resolve(name) != code
    ]
    assert not unknown
    assert labels["ethnic-groups"].resolve(names.FOREIGN_ETHNICITY) == "55"
