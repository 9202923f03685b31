"""Teaching-assignments spreadsheets for the tests, written with openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

HEADER = ["STT", "Lớp", "Môn", "Họ và tên", "Số định danh", "Mã GV", "Chủ nhiệm", "Hiệu trưởng"]

AN = ("Lê Văn An", "079085001234")
BINH = ("Trần Thị Bình", "079185004321")
CUONG = ("Phạm Văn Cường", "001080009999")
DUNG = ("Hoàng Thị Dung", "036190007777")

ROWS: list[list[Any]] = [
    [1, "8A1", "Toán", *AN, "GV01", "x", None],
    [2, "8A1", "Ngữ văn", *BINH, None, None, None],
    [3, "8A2", "Toán", *AN, "GV01", None, None],
    [4, "8A2", None, *BINH, None, "x", None],
    [5, None, None, *CUONG, None, None, "Hiệu trưởng"],
]


def write_sheet(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    """A workbook with a title row, a blank row, the header on row 3 and `rows` below."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Phân công"
    sheet.append(["PHÂN CÔNG GIẢNG DẠY NĂM HỌC 2024-2025"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path
