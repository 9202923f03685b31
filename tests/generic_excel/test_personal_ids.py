"""A personal ID cell in any shape is refused at its cell and never quoted in full.

Schools type SoDinhDanh as a number (the spreadsheet drops the leading zero) or in groups
(`0362 1206 5227`). The problem must name the cell and say what is wrong, with the value
masked to its last three digits in `found` and in both messages, and with a Vietnamese message
that is Vietnamese throughout (no "cần 12 digits").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from hub.privacy import mask_id

from .helpers import read_and_map
from .test_corpus import LIST, LIST_SHEET, _school, list_cell, set_list

ID = "036212065227"
MIDDLE = ID[2:9]  # digits no output may show: all but the first two and the last three
BAD_CELLS: list[Any] = [36212065227, "0362 1206 5227", "036-212-065-227", "036.212.065.227"]


@pytest.mark.parametrize("typed", BAD_CELLS, ids=repr)
def test_a_bad_id_cell_is_refused_at_its_cell_and_masked(tmp_path: Path, typed: Any) -> None:
    school = _school(tmp_path)
    cell = set_list(school, "Số định danh cá nhân", 0, typed)
    outcome = read_and_map(school.config)
    (problem,) = [p for p in outcome.problems if p.location.cells == (cell,)]
    assert (problem.code, problem.location.file, problem.location.sheet) == (
        "VALUE_INVALID",
        LIST,
        LIST_SHEET,
    )
    assert problem.found == mask_id(str(typed))
    assert problem.found.endswith("227")
    for text in (problem.found, problem.message_vi, problem.message_en):
        assert MIDDLE not in text.replace(" ", "").replace("-", "").replace(".", "")
    assert "cần 12 chữ số" in problem.message_vi
    assert "digits" not in problem.message_vi  # no English inside the Vietnamese line
    assert "expected 12 digits" in problem.message_en
    assert problem.record_key is not None  # the learner is kept out, not dropped
    assert len(outcome.transcripts) == 2


def test_a_number_cell_says_why_its_zero_was_lost(tmp_path: Path) -> None:
    school = _school(tmp_path)
    set_list(school, "Số định danh cá nhân", 0, 36212065227)
    (problem,) = read_and_map(school.config).errors
    assert "định dạng cột là Văn bản" in problem.message_vi
    assert "format the column as Text" in problem.message_en


def test_a_twelve_digit_number_that_passes_is_never_quoted(tmp_path: Path) -> None:
    school = _school(tmp_path)
    set_list(school, "Số định danh cá nhân", 1, 362120652271)  # 12 digits: the mapping takes it
    outcome = read_and_map(school.config)
    assert outcome.errors == []
    assert len(outcome.transcripts) == 3
    code = school.learners[1].learner.learner_code
    (learner,) = [t for t in outcome.transcripts.values() if t.learner.learner_code == code]
    assert learner.learner.personal_id == "362120652271"  # kept for the rules and the document
    assert all("362120652271" not in str(p.as_json()) for p in outcome.problems)


def test_a_stray_id_in_a_row_of_its_own_is_warned_about_masked(tmp_path: Path) -> None:
    school = _school(tmp_path)
    column, row = list_cell(school, "Số định danh cá nhân", 3)  # below the three learners

    def stray(workbook: Workbook) -> None:
        workbook[LIST_SHEET].cell(row, column).value = 36212065227

    school.edit(school.list_path, stray)
    outcome = read_and_map(school.config)
    (warning,) = [p for p in outcome.problems if p.record_key is None]
    assert warning.found == "********227"
    assert MIDDLE not in warning.message_vi + warning.message_en
    assert len(outcome.transcripts) == 3
