"""Saying what a file is when it cannot be opened as a spreadsheet.

calamine's own error ("ZipError: invalid Zip archive: Could not find EOCD") tells a developer
which parser gave up, not a school what to do. Only once calamine has failed, the file's first
bytes are looked at to name what it really is: an empty file, text or a web page given a
spreadsheet's name (a "Excel export" of many web applications is an HTML table), a workbook
encrypted with a password (Office keeps it in an OLE2 container, whatever its extension), an
archive that is not a workbook, or a damaged one. The Vietnamese message never carries the
library's text; the English one keeps it as a detail for the hub's developers, only when the
file is none of the kinds above.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .xls, and encrypted OOXML
_ZIP = b"PK\x03\x04"  # .xlsx, .ods
_SNIFF = 4096
# The streams of an encrypted Office Open XML file (MS-OFFCRYPTO), named in UTF-16LE in the
# container's directory.
_ENCRYPTED_STREAMS = tuple(n.encode("utf-16-le") for n in ("EncryptedPackage", "EncryptionInfo"))
_MAX_DIRECTORY_SCAN = 8 * 1024 * 1024  # a directory sector lies within the file; files are small


@dataclass(frozen=True)
class Diagnosis:
    """What a file that cannot be opened is, and what the school can do about it."""

    found: str  # the Problem's `found`: what the file is, in a few words
    what_vi: str
    what_en: str
    fix_vi: str
    fix_en: str


class UnreadableWorkbook(Exception):
    """The file cannot be read as a spreadsheet; `diagnosis` says what it is instead."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(diagnosis.what_en)
        self.diagnosis = diagnosis


_RESAVE_VI = "mở tệp bằng Excel hoặc LibreOffice và lưu lại thành .xlsx"
_RESAVE_EN = "open it in Excel or LibreOffice and save it again as .xlsx"


def why_unreadable(path: Path, error: str) -> UnreadableWorkbook:
    """The UnreadableWorkbook to raise for `path`, which calamine failed on with `error`."""
    return UnreadableWorkbook(diagnose(path, error))


def diagnose(path: Path, error: str) -> Diagnosis:
    """What `path` is, judged from its bytes; `error` is calamine's message (English only)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(_SNIFF)
    except OSError as exc:
        return Diagnosis(
            "không đọc được / cannot read",
            "hệ thống không cho đọc tệp",
            f"the file cannot be read from disk ({exc.strerror})",
            "kiểm tra quyền đọc tệp và gửi lại",
            "check the file's permissions, or send it again",
        )
    if size == 0:
        return Diagnosis(
            "0 byte",
            "tệp rỗng (0 byte)",
            "the file is empty (0 bytes)",
            "tệp bị lỗi khi sao chép hoặc tải về; gửi lại tệp",
            "it was damaged when copied or downloaded; send the file again",
        )
    if head.startswith(_OLE2):
        return _ole2(path, error)
    if head.startswith(_ZIP):
        return _archive(path, error)
    text = _as_text(head)
    if text is not None:
        lowered = text.lstrip("\ufeff \t\r\n").lower()
        if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return Diagnosis(
                "XML 2003",
                "tệp là bảng tính XML của Excel 2003, định dạng hub không đọc",
                "the file is an Excel 2003 XML spreadsheet, a format the hub does not read",
                _RESAVE_VI,
                _RESAVE_EN,
            )
        if lowered.startswith(("<!doctype html", "<html", "<table")) or "<html" in lowered:
            return Diagnosis(
                "HTML",
                "tệp là trang web (HTML) mang tên bảng tính, không phải bảng tính",
                "the file is a web page (HTML) given a spreadsheet's name, not a spreadsheet",
                _RESAVE_VI,
                _RESAVE_EN,
            )
        return Diagnosis(
            "văn bản / text",
            "tệp là văn bản (có thể là CSV) mang tên bảng tính, không phải bảng tính",
            "the file is plain text (perhaps CSV) given a spreadsheet's name, not a spreadsheet",
            _RESAVE_VI,
            _RESAVE_EN,
        )
    return _unknown(error)


def _ole2(path: Path, error: str) -> Diagnosis:
    """An OLE2 container: an encrypted workbook of any extension, else a damaged .xls."""
    with path.open("rb") as stream:
        data = stream.read(_MAX_DIRECTORY_SCAN)
    lowered = error.lower()
    if any(name in data for name in _ENCRYPTED_STREAMS) or "password" in lowered:
        return _encrypted()
    return Diagnosis(
        "OLE2",
        "tệp là tệp Office cũ (.xls hoặc .doc) bị hỏng hoặc không phải bảng tính",
        f"the file is an old-style Office file (.xls or .doc) that is damaged or not a "
        f"spreadsheet (detail: {error[:120]})",
        _RESAVE_VI,
        _RESAVE_EN,
    )


def _archive(path: Path, error: str) -> Diagnosis:
    """A ZIP archive: a workbook (damaged or encrypted .ods), another document, or truncated."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            manifest = (
                archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
            )
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return Diagnosis(
            "ZIP hỏng / damaged ZIP",
            "tệp bị hỏng hoặc chưa tải về hết (phần cuối của tệp bị thiếu)",
            "the file is damaged or was not downloaded completely (its end is missing)",
            "gửi lại tệp",
            "send the file again",
        )
    if b"encryption-data" in manifest:
        return _encrypted()
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        return Diagnosis(
            "Word / PowerPoint",
            "tệp là văn bản Word hoặc trình chiếu PowerPoint, không phải bảng tính",
            "the file is a Word or PowerPoint document, not a spreadsheet",
            "gửi đúng tệp bảng tính của lớp",
            "send the class's spreadsheet instead",
        )
    if "xl/workbook.xml" in names or "content.xml" in names:
        return Diagnosis(
            "bảng tính hỏng / damaged workbook",
            "bảng tính bị hỏng, không đọc được nội dung",
            f"the workbook is damaged and cannot be read (detail: {error[:120]})",
            _RESAVE_VI,
            _RESAVE_EN,
        )
    return Diagnosis(
        "ZIP",
        "tệp là một tệp nén (ZIP), không phải bảng tính",
        "the file is a ZIP archive, not a spreadsheet",
        "giải nén và gửi tệp bảng tính bên trong",
        "extract it and send the spreadsheet inside",
    )


def _encrypted() -> Diagnosis:
    return Diagnosis(
        "có mật khẩu / password-protected",
        "tệp được đặt mật khẩu (đã mã hóa) nên không đọc được",
        "the workbook is protected by a password (encrypted), so it cannot be read",
        "mở tệp, bỏ mật khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc) rồi lưu lại thành .xlsx",
        "open it, remove the password (File › Info › Protect Workbook) and save it as .xlsx",
    )


def _unknown(error: str) -> Diagnosis:
    return Diagnosis(
        "không rõ / unknown",
        "tệp không phải bảng tính .xlsx, .xls hay .ods, hoặc đã bị hỏng",
        f"the file is not an .xlsx, .xls or .ods spreadsheet, or it is damaged "
        f"(detail: {error[:120]})",
        _RESAVE_VI,
        _RESAVE_EN,
    )


def _as_text(head: bytes) -> str | None:
    """The first bytes as text when they are text (UTF-8, UTF-16 with its mark), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not a character cut at the end of the sniffed bytes
            return None
        text = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    return text if text and printable >= 0.95 * len(text) else None
