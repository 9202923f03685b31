"""A class file that cannot be opened says what it is (issue 14, points 1 and 4).

An empty file, text or a web page given a spreadsheet's name, a password-protected workbook, a
download cut short, a Word document: each is named for what it is in Vietnamese and English,
without the spreadsheet library's own error in the Vietnamese line, once at the file; and each
learner of the class is kept out by one problem that names them and the cause.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hub_generic_excel.export import export_school

from hub.sources import Severity

from .cfb import encrypted_workbook
from .helpers import read_and_map, transcripts

LIBRARY_WORDS = ("Error", "error", "EOCD", "Zip", "calamine", "archive", "Cfb", "invalid")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _encrypted_ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", bytes(range(256)) * 8)
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
            ">"
            '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
            "</manifest:file-entry></manifest:manifest>",
        )
    return buffer.getvalue()


def _truncated(book: Path) -> bytes:
    return book.read_bytes()[: book.stat().st_size // 2]


# name → (file name, what to write given the good file, `found`, words the Vietnamese must say)
FILES: dict[str, tuple[str, Callable[[Path], bytes], str, str]] = {
    "empty": ("6A1.xlsx", lambda _b: b"", "0 byte", "tệp rỗng (0 byte)"),
    "text": (
        "6A1.xlsx",
        lambda _b: "STT,Mã HS,Họ tên\n1,36300010601001,An\n".encode(),
        "văn bản / text",
        "văn bản",
    ),
    "web-page": (
        "6A1.xls",
        lambda _b: b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        "HTML",
        "trang web (HTML)",
    ),
    "password": (
        "6A1.xlsx",
        lambda _b: encrypted_workbook(),
        "có mật khẩu / password-protected",
        "mật khẩu",
    ),
    "password-ods": (
        "6A1.ods",
        lambda _b: _encrypted_ods(),
        "có mật khẩu / password-protected",
        "mật khẩu",
    ),
    "cut-short": ("6A1.xlsx", _truncated, "ZIP hỏng / damaged ZIP", "chưa tải về hết"),
    "word-document": ("6A1.xlsx", lambda _b: _docx(), "Word / PowerPoint", "văn bản Word"),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_an_unreadable_class_file_says_what_it_is(name: str, tmp_path: Path) -> None:
    learners = [t for t in transcripts("03", 3, 5) if t.header.class_name == "6A1"]
    exported = export_school(learners, tmp_path / "school")
    file, content, found, said_vi = FILES[name]
    book = exported.folder / "lop" / "6A1.xlsx"
    data = content(book)
    book.unlink()
    (exported.folder / "lop" / file).write_bytes(data)

    outcome = read_and_map(dict(exported.config))

    assert not outcome.transcripts
    assert outcome.accounted()
    at_file = [p for p in outcome.problems if p.record_key is None]
    assert [(p.code, p.location.file, p.found) for p in at_file] == [
        ("FILE_UNREADABLE", file, found)
    ]
    vi, en = at_file[0].message_vi, at_file[0].message_en
    assert said_vi in vi
    assert not any(word in vi for word in LIBRARY_WORDS), vi
    assert "detail:" not in en, en  # a known kind needs no library text in English either
    kept_out = sorted(
        (p for p in outcome.problems if p.record_key), key=lambda p: p.record_key or ""
    )
    assert [p.record_key for p in kept_out] == sorted(t.learner.learner_code for t in learners)
    for p, t in zip(kept_out, sorted(learners, key=lambda t: t.learner.learner_code), strict=True):
        assert p.severity is Severity.ERROR
        assert p.code == "FILE_UNREADABLE"
        assert f"học sinh {t.learner.learner_code} lớp 6A1" in p.message_vi
        assert f"learner {t.learner.learner_code} of class 6A1" in p.message_en
        assert file in p.message_vi
        assert said_vi in p.message_vi
        assert t.learner.full_name not in p.message_vi  # the code names them; no more is said


def test_an_unknown_file_keeps_the_library_detail_in_english_only(tmp_path: Path) -> None:
    learners = [t for t in transcripts("03", 3, 5) if t.header.class_name == "6A1"]
    exported = export_school(learners, tmp_path / "school")
    (exported.folder / "lop" / "6A1.xlsx").write_bytes(bytes(range(256)) * 4)

    at_file = [p for p in read_and_map(dict(exported.config)).problems if p.record_key is None]

    assert [p.found for p in at_file] == ["không rõ / unknown"]
    assert "không phải bảng tính .xlsx, .xls hay .ods" in at_file[0].message_vi
    assert not any(word in at_file[0].message_vi for word in LIBRARY_WORDS)
    assert "(detail: " in at_file[0].message_en
