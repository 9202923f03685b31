"""`hub status` counts each learner once: not a duplicate row, a copied file or a stray row.

A school of 16 learners whose folder holds a learner listed twice, an identical copy of a
class file (`9A1 (1).xlsx`), a stray spreadsheet and a class-file row whose learner the list
does not hold still shows 16 learners; the rows that name no learner are the source's
problems, and the learner the class file lost is named. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import shutil

from openpyxl import Workbook, load_workbook

from hub.report.queries import school_status
from hub.report.rows import missing_problems

from .conftest import World, expected_ids, province_settings

LIST = "danh-sach-hoc-sinh.xlsx"
FIRST_ROW = 4  # the learner list's first learner (a title, a blank row, the header)


def _secondary_school(world: World) -> str:
    return next(code for code in sorted(world.province.schools) if code[2] == "3")


def test_status_counts_each_learner_of_a_messy_folder_once(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(36, seed=61))
    school = _secondary_school(world)
    folder = world.province.school_folder(school)
    learners = {ma for ma in expected_ids(world.settings) if ma.startswith(school)}
    # 1. The first learner is listed twice (a copy of the row pasted at the end).
    book = load_workbook(folder / LIST)
    sheet = book.active
    assert sheet is not None
    sheet.append([cell.value for cell in sheet[FIRST_ROW]])
    book.save(folder / LIST)
    # 2. An identical copy of a class file, as a download twice makes it.
    classes = sorted((folder / "lop").glob("*.xlsx"))
    shutil.copyfile(classes[-1], classes[-1].with_name(f"{classes[-1].stem} (1).xlsx"))
    # 3. A stray spreadsheet among the class files.
    stray = Workbook()
    assert stray.active is not None
    stray.active.append(["Thống kê", "ghi chú của văn phòng"])
    stray.save(folder / "lop" / "thong-ke.xlsx")
    # 4. A class file row whose learner the list does not hold (a typo in the code).
    book = load_workbook(classes[0])
    lost = str(book.worksheets[0].cell(7, 2).value)
    for ws in book.worksheets:
        if ws.cell(7, 2).value == lost:
            ws.cell(7, 2).value = "36399999999999"
    book.save(classes[0])

    world.sync()
    store = world.store()
    try:
        with store.read() as session:
            (status,) = [s for s in school_status(session) if s.school_code == school]
            rows = [r for r in missing_problems(session) if r.school_code == school]
    finally:
        store.dispose()
    assert status.learners == len(learners) == 16
    assert status.source_problems >= 1  # the stray row (and the stray file) name no learner
    assert sum(r.count for r in status.reasons) == status.rejected + status.problems
    lost_rows = [r for r in rows if r.learner_key == lost]
    assert lost_rows, "the learner the class file lost is named by their code"
    assert {r.file for r in lost_rows} == {LIST}
