"""`hub report`: the xlsx (summary + a sheet per school) and the CSVs, row by row."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from operator_seed import PERSONAL_ID, SCHOOL_A, SCHOOL_B, YEAR, Seeded, ma

CODE, REASON_VI, REASON_EN, FILE, SHEET, CELL, FOUND, EXPECTED = 6, 8, 9, 10, 11, 12, 13, 14
XPATH, RECEIPT = 17, 18
STATE = 4


def _report(seeded: Seeded, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "out"
    result = seeded.run(tmp_path, "report", "--out", str(out), "--quiet", *extra)
    assert result.exit_code == 0, result.output
    return out


def test_the_xlsx_has_a_summary_and_a_sheet_per_school(seeded: Seeded, tmp_path: Path) -> None:
    book = load_workbook(_report(seeded, tmp_path) / "bao-cao.xlsx")
    assert book.sheetnames == ["Tổng hợp", SCHOOL_A, SCHOOL_B]
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" + str(
            sheet.max_row
        )
    summary = list(book["Tổng hợp"].iter_rows(values_only=True))
    # ... pending, then awaiting the vendor's signatures (none here), then the reasons.
    assert summary[1][:10] == (SCHOOL_A, None, YEAR, 8, 2, 0, 1, 3, 2, 0)
    # Each missing learner once, under its first error (a3's HB201 follows its HB102).
    assert summary[1][10] == "HB102 ×1; HB104 ×1; MISSING_VALUE ×1; SIGNING_REFUSED ×1"
    assert summary[2][:10] == (SCHOOL_B, None, YEAR, 2, 1, 0, 1, 0, 0, 0)
    assert book[SCHOOL_A].column_dimensions["I"].width == 60


def test_each_row_is_traced_to_its_cell_with_the_reason_in_vietnamese_first(
    seeded: Seeded, tmp_path: Path
) -> None:
    sheet = load_workbook(_report(seeded, tmp_path) / "bao-cao.xlsx")[SCHOOL_A]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[REASON_VI] == "Lý do (tiếng Việt)"
    assert header[REASON_EN] == "Reason (English)"
    # a source row, the rejection, two check problems, the sign failure; and the two learners
    # a run left half-way (a5 mapped, a7 checked), each with a row that says what resumes it
    assert len(rows) == 7
    rejected = next(r for r in rows if r[2] == ma(SCHOOL_A, 2))
    assert rejected[CODE] == "HB104"
    assert (rejected[FILE], rejected[SHEET], rejected[CELL]) == ("danh-sach.xlsx", "Lớp 6A", "C12")
    assert rejected[XPATH] == "/HocBaSo/DLHocBa/HocSinh/HoVaTen"
    assert rejected[RECEIPT] == "TN-KEY-A"
    assert rejected[REASON_VI].startswith("Bộ từ chối")
    source_row = rows[0]
    assert (source_row[2], source_row[CODE], source_row[CELL]) == (None, "MISSING_VALUE", "B20")
    # accepted learners have no row
    assert {r[2] for r in rows} == {
        None, ma(SCHOOL_A, 2), ma(SCHOOL_A, 3), ma(SCHOOL_A, 4), ma(SCHOOL_A, 5), ma(SCHOOL_A, 7),
    }  # fmt: skip
    halfway = [r for r in rows if r[2] in (ma(SCHOOL_A, 5), ma(SCHOOL_A, 7))]
    assert {r[CODE] for r in halfway} == {"UNFINISHED"}
    assert all("hub sync" in r[REASON_VI] and "hub sync" in r[REASON_EN] for r in halfway)
    assert {r[STATE] for r in halfway} == {"bỏ dở, sync làm tiếp / half-way, sync resumes"}


def test_no_personal_id_and_no_formula_reaches_the_files(seeded: Seeded, tmp_path: Path) -> None:
    out = _report(seeded, tmp_path)
    sheet = load_workbook(out / "bao-cao.xlsx")[SCHOOL_A]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not any(PERSONAL_ID in str(c.value) for c in cells)
    assert any("*********789" in str(c.value) for c in cells)
    formula_like = [c for c in cells if str(c.value).startswith("=SUM")]
    assert formula_like
    assert all(c.data_type == "s" for c in formula_like)
    text = (out / f"truong-{SCHOOL_A}.csv").read_text(encoding="utf-8-sig")
    assert PERSONAL_ID not in text
    assert "'=SUM(A1) không phải điểm" in text


def test_the_csvs_are_utf8_with_bom_and_hold_the_same_rows(seeded: Seeded, tmp_path: Path) -> None:
    out = _report(seeded, tmp_path)
    raw = (out / f"truong-{SCHOOL_A}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (out / f"truong-{SCHOOL_A}.csv").open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    sheet = load_workbook(out / "bao-cao.xlsx")[SCHOOL_A]
    xlsx_rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert header[0] == "Mã trường / School"
    assert [r[2] for r in rows] == [x[2] or "" for x in xlsx_rows]
    assert [r[CELL] for r in rows] == [x[CELL] or "" for x in xlsx_rows]
    with (out / "tong-hop.csv").open(encoding="utf-8-sig", newline="") as handle:
        summary = list(csv.reader(handle))
    assert [row[0] for row in summary[1:]] == [SCHOOL_A, SCHOOL_B]
    assert summary[2][3:9] == ["2", "1", "0", "1", "0", "0"]


def test_the_report_can_be_limited_to_one_school(seeded: Seeded, tmp_path: Path) -> None:
    out = _report(seeded, tmp_path, "--school", SCHOOL_B)
    book = load_workbook(out / "bao-cao.xlsx")
    assert book.sheetnames == ["Tổng hợp", SCHOOL_B]
    rows = list(book[SCHOOL_B].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[CODE]) for r in rows] == [(ma(SCHOOL_B, 2), "HB104")]
    assert sorted(p.name for p in out.iterdir()) == [
        "bao-cao.xlsx", "tong-hop.csv", f"truong-{SCHOOL_B}.csv",
    ]  # fmt: skip


def test_an_unwritable_folder_is_a_usage_error(seeded: Seeded, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = seeded.run(tmp_path, "report", "--out", str(blocker / "sub"), "--quiet")
    assert result.exit_code == 2
