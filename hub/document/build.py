"""Canonical transcript → document bytes (shared/spec/transcript-document.md).

The document is written as text, not through lxml's element tree. A document has a few hundred
elements and the hub must build, validate and check ≥ 2,000 of them per second per core;
creating lxml elements one by one and serialising them costs several times more than
appending pre-indented lines to a list and joining once (bench/document_build.py measures
both). Writing text by hand is safe here because the shape is fixed by the spec, every free
value passes through `_leaf`/`_attr` (NFC, escaping, refusal of characters XML cannot carry)
or `format_score`, and the bytes are always parsed and validated against the XSD before
anyone trusts them.

Output is deterministic: the same transcript gives the same bytes, UTF-8 with an XML
declaration, two-space indentation, text in Unicode NFC and an empty DSCKS for the signers.
The golden files under tests/cases/documents/ pin the layout. Which element holds which model
attribute, and in what order, is hub/fields.py's table; the builder spells it out for speed and
tests/document/test_fields.py holds the two equal, so a field is added in both or fails.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from hub.document.names import NAMESPACE, VERSION
from hub.errors import DocumentError
from hub.findings import error
from hub.model import (
    CommentSubject,
    Confirmation,
    Header,
    Learner,
    LevelResults,
    PrimaryResults,
    PrimarySubject,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    Teacher,
    Transcript,
)

# Characters XML 1.0 cannot carry at all, even escaped: C0 controls other than tab, line feed
# and carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"<(/?)([A-Za-z]+)((?: [A-Za-z]+=\"[^\"]*\")*)(/?)>")
_KEY_ATTRIBUTE = re.compile(r" (MaMon|So|Ma)=\"([^\"]*)\"")


class _Unwritable(Exception):
    """A text holds a character XML 1.0 cannot carry; `where` names its element or attribute."""

    def __init__(self, character: str, where: str) -> None:
        super().__init__(character, where)
        self.character = character
        self.where = where


def _escape(value: str, where: str, attribute: bool) -> str:
    """Text or attribute value: NFC, with the characters XML gives meaning to escaped.

    A parser turns a literal carriage return into a line feed, and tab and line feed in an
    attribute into spaces; those are written as character references so that the round trip
    `parse(build(t)) == t` holds. `isprintable()` is the fast path: it is false for every
    character XML refuses and for those white-space characters, so the regex and the extra
    replacements only run on the rare text that needs them.
    """
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if attribute and '"' in value:
        value = value.replace('"', "&quot;")
    if not value.isprintable():
        bad = _NOT_XML.search(value)
        if bad is not None:
            raise _Unwritable(bad[0], where)
        value = value.replace("\r", "&#13;")
        if attribute:
            value = value.replace("\t", "&#9;").replace("\n", "&#10;")
    return value


def _attr(value: str, where: str) -> str:
    return _escape(value, where, attribute=True)


def _leaf(out: list[str], indent: str, tag: str, value: str) -> None:
    """An element holding text; an empty text is written as an empty element."""
    if value:
        out.append(f"{indent}<{tag}>{_escape(value, tag, attribute=False)}</{tag}>")
    else:
        out.append(f"{indent}<{tag}/>")


def format_score(value: Decimal) -> str:
    """A score as the document writes it: one decimal ("8.0"), more only when the value has more.

    Extra digits are kept as they are ("8.25") so that the rules can report them (HB202);
    trailing zeros are not digits of the value ("8.50" is written "8.5"). Shared with the
    canonical JSON so that equal scores always print alike.
    """
    text = str(value)
    if text[-2:-1] == "." and "E" not in text:
        return text  # the common case, exponent -1: str() is already plain "8.0"
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN or Infinity: left for the schema to refuse
        return text
    if exponent > -1:
        return f"{value:.1f}"
    # Strip zeros by hand: Decimal.normalize() would round to the context's precision.
    digits = format(value, "f").rstrip("0")
    return digits + "0" if digits.endswith(".") else digits


def _date(value: date) -> str:
    return value.isoformat()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _header(out: list[str], header: Header) -> None:
    i = "      "
    out.append("    <TTChung>")
    _leaf(out, i, "MaHoSo", header.record_id)
    _leaf(out, i, "NamHoc", header.school_year)
    out.append(f"{i}<CapHoc>{header.level.value}</CapHoc>")
    out.append(f"{i}<Khoi>{header.grade}</Khoi>")
    _leaf(out, i, "TenLop", header.class_name)
    _leaf(out, i, "MaTruong", header.school_code)
    _leaf(out, i, "TenTruong", header.school_name)
    _leaf(out, i, "MaSoGD", header.department_code)
    _leaf(out, i, "DiaDanhPhatHanh", header.place_of_issue)
    out.append(f"{i}<NgayLap>{_date(header.issue_date)}</NgayLap>")
    if header.replaces is not None:
        _leaf(out, i, "ThayTheCho", header.replaces)
    out.append("    </TTChung>")


def _person(out: list[str], tag: str, name: str | None) -> None:
    if name is not None:
        out.append(f"      <{tag}>")
        _leaf(out, "        ", "HoTen", name)
        out.append(f"      </{tag}>")


def _learner(out: list[str], learner: Learner) -> None:
    i = "      "
    out.append("    <HocSinh>")
    _leaf(out, i, "MaHocSinh", learner.learner_code)
    if learner.personal_id is not None:
        _leaf(out, i, "SoDinhDanh", learner.personal_id)
    document = learner.foreign_document
    if document is not None:
        out.append(f"{i}<GiayToNuocNgoai>")
        out.append(f"{i}  <Loai>{document.kind.value}</Loai>")
        _leaf(out, i + "  ", "So", document.number)
        _leaf(out, i + "  ", "QuocGiaCap", document.issuing_country)
        out.append(f"{i}</GiayToNuocNgoai>")
    _leaf(out, i, "HoVaTen", learner.full_name)
    out.append(f"{i}<NgaySinh>{_date(learner.birth_date)}</NgaySinh>")
    out.append(f"{i}<GioiTinh>{learner.sex.value}</GioiTinh>")
    _leaf(out, i, "DanToc", learner.ethnicity)
    _leaf(out, i, "QuocTich", learner.nationality)
    _leaf(out, i, "NoiSinh", learner.birthplace)
    if learner.hometown is not None:
        _leaf(out, i, "QueQuan", learner.hometown)
    _leaf(out, i, "NoiO", learner.residence)
    if learner.policy_group is not None:
        _leaf(out, i, "DoiTuongChinhSach", learner.policy_group)
    _person(out, "Cha", learner.father)
    _person(out, "Me", learner.mother)
    _person(out, "NguoiGiamHo", learner.guardian)
    exempt = _bool(learner.exempt_from_assessment)
    out.append(f"{i}<KhuyetTatKhongDanhGia>{exempt}</KhuyetTatKhongDanhGia>")
    out.append("    </HocSinh>")


def _teacher(out: list[str], indent: str, tag: str, teacher: Teacher) -> None:
    out.append(f"{indent}<{tag}>")
    _leaf(out, indent + "  ", "HoTen", teacher.name)
    if teacher.code is not None:
        _leaf(out, indent + "  ", "MaGV", teacher.code)
    out.append(f"{indent}</{tag}>")


def _primary_subject(out: list[str], subject: PrimarySubject) -> None:
    i = "        "
    code = _attr(subject.code, "MonHoc/@MaMon")
    out.append(f'      <MonHoc Id="Mon-{code}" MaMon="{code}">')
    out.append(f"{i}<MucDat>{subject.rating.value}</MucDat>")
    if subject.test_score is not None:
        out.append(f"{i}<DiemKTCuoiNam>{subject.test_score}</DiemKTCuoiNam>")
    _leaf(out, i, "NhanXet", subject.comment)
    _teacher(out, i, "GiaoVien", subject.teacher)
    out.append("      </MonHoc>")


def _primary(out: list[str], results: PrimaryResults) -> None:
    i = "      "
    out.append("    <KetQuaTieuHoc>")
    for subject in results.subjects:
        _primary_subject(out, subject)
    for quality in results.qualities:
        code = _attr(quality.code, "PhamChat/@Ma")
        out.append(f'{i}<PhamChat Ma="{code}" Muc="{quality.rating.value}"/>')
    for competency in results.competencies:
        code = _attr(competency.code, "NangLuc/@Ma")
        out.append(f'{i}<NangLuc Ma="{code}" Muc="{competency.rating.value}"/>')
    out.append(f"{i}<DanhGiaCuoiNam>{results.evaluation.value}</DanhGiaCuoiNam>")
    completed = _bool(results.completed_grade)
    out.append(f"{i}<HoanThanhChuongTrinhLop>{completed}</HoanThanhChuongTrinhLop>")
    if results.completed_primary is not None:
        completed = _bool(results.completed_primary)
        out.append(f"{i}<HoanThanhChuongTrinhTieuHoc>{completed}</HoanThanhChuongTrinhTieuHoc>")
    for award in results.awards:
        _leaf(out, i, "KhenThuong", award)
    _leaf(out, i, "NhanXetGVCN", results.homeroom_comment)
    out.append("    </KetQuaTieuHoc>")


def _scored_semester(number: int, semester: ScoredSemester) -> str:
    """One HocKy of a scored subject as one string: the hot loop of a secondary document."""
    regular = "".join(
        [f"          <DDGtx>{format_score(score)}</DDGtx>\n" for score in semester.regular]
    )
    return (
        f'        <HocKy So="{number}">\n'
        f"{regular}"
        f"          <DDGgk>{format_score(semester.midterm)}</DDGgk>\n"
        f"          <DDGck>{format_score(semester.final)}</DDGck>\n"
        f"          <DTB>{format_score(semester.average)}</DTB>\n"
        "        </HocKy>"
    )


def _secondary_subject(out: list[str], subject: ScoredSubject | CommentSubject) -> None:
    i = "        "
    code = _attr(subject.code, "MonHoc/@MaMon")
    out.append(f'      <MonHoc Id="Mon-{code}" MaMon="{code}" HinhThuc="{subject.form}">')
    if isinstance(subject, ScoredSubject):
        out.append(_scored_semester(1, subject.semester1))
        out.append(_scored_semester(2, subject.semester2))
        out.append(f"{i}<CaNam>\n{i}  <DTB>{format_score(subject.year_average)}</DTB>\n{i}</CaNam>")
        if subject.retest_score is not None:
            retest = format_score(subject.retest_score)
            out.append(f"{i}<KiemTraLai>\n{i}  <Diem>{retest}</Diem>\n{i}</KiemTraLai>")
    else:
        out.append(
            f'{i}<HocKy So="1">\n{i}  <KetQua>{subject.semester1}</KetQua>\n{i}</HocKy>\n'
            f'{i}<HocKy So="2">\n{i}  <KetQua>{subject.semester2}</KetQua>\n{i}</HocKy>\n'
            f"{i}<CaNam>\n{i}  <KetQua>{subject.year_result}</KetQua>\n{i}</CaNam>"
        )
        if subject.retest_result is not None:
            retest = subject.retest_result
            out.append(f"{i}<KiemTraLai>\n{i}  <KetQua>{retest}</KetQua>\n{i}</KiemTraLai>")
    _leaf(out, i, "NhanXet", subject.comment)
    _teacher(out, i, "GiaoVien", subject.teacher)
    out.append("      </MonHoc>")


def _levels(out: list[str], tag: str, levels: LevelResults, after_tag: str) -> None:
    i = "        "
    out.append(f"      <{tag}>")
    out.append(f"{i}<HocKy1>{levels.semester1.value}</HocKy1>")
    out.append(f"{i}<HocKy2>{levels.semester2.value}</HocKy2>")
    out.append(f"{i}<CaNam>{levels.year.value}</CaNam>")
    if levels.after_summer is not None:
        out.append(f"{i}<{after_tag}>{levels.after_summer.value}</{after_tag}>")
    out.append(f"      </{tag}>")


def _secondary(out: list[str], results: SecondaryResults) -> None:
    i = "      "
    out.append("    <KetQuaTrungHoc>")
    for subject in results.subjects:
        _secondary_subject(out, subject)
    _levels(out, "KetQuaHocTap", results.learning, "SauKiemTraLai")
    _levels(out, "KetQuaRenLuyen", results.training, "SauRenLuyenHe")
    out.append(f"{i}<SoBuoiNghi>{results.absences}</SoBuoiNghi>")
    out.append(f"{i}<KetLuan>{results.conclusion.value}</KetLuan>")
    if results.title is not None:
        out.append(f"{i}<DanhHieu>{results.title.value}</DanhHieu>")
    _leaf(out, i, "NhanXetGVCN", results.homeroom_comment)
    out.append("    </KetQuaTrungHoc>")


def _confirmation(out: list[str], confirmation: Confirmation) -> None:
    i = "      "
    out.append("    <XacNhan>")
    _teacher(out, i, "GVCN", confirmation.homeroom_teacher)
    out.append(f"{i}<HieuTruong>")
    _leaf(out, i + "  ", "HoTen", confirmation.principal.name)
    _leaf(out, i + "  ", "ChucVu", confirmation.principal.title.value)
    out.append(f"{i}</HieuTruong>")
    out.append("    </XacNhan>")


def build_document(transcript: Transcript) -> bytes:
    """The unsigned document of a transcript: deterministic UTF-8 bytes, DSCKS empty.

    Raises:
        DocumentError: HB001 when a text holds a character XML cannot carry (a control
            character from a source, say); the finding names the element.
    """
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<HocBaSo xmlns="{NAMESPACE}" PhienBan="{VERSION}">',
        '  <DLHocBa Id="DLHocBa">',
    ]
    try:
        _header(out, transcript.header)
        _learner(out, transcript.learner)
        results = transcript.results
        if isinstance(results, PrimaryResults):
            _primary(out, results)
        elif isinstance(results, SecondaryResults):
            _secondary(out, results)
        _confirmation(out, transcript.confirmation)
    except _Unwritable as exc:
        raise _unwritable(out, exc) from None
    out.append("  </DLHocBa>")
    out.append("  <DSCKS/>")
    out.append("</HocBaSo>")
    out.append("")
    return "\n".join(out).encode("utf-8")


def _unwritable(written: list[str], exc: _Unwritable) -> DocumentError:
    """HB001 naming the element whose text holds a character XML 1.0 cannot carry.

    Runs only on failure: the text written so far gives the open elements (text is escaped,
    so every `<` in it starts a tag), the failing value's own tag comes with the exception.
    """
    path: list[str] = []
    for match in _TAG.finditer("\n".join(written)):
        closing, name, attributes, empty = match.groups()
        if closing:
            path.pop()
        elif not empty:
            key = _KEY_ATTRIBUTE.search(attributes)
            path.append(f"{name}[@{key[1]}='{key[2]}']" if key else name)
    where = "/".join(["", *path, exc.where])
    code_point = f"U+{ord(exc.character):04X}"
    return DocumentError(
        [
            error(
                "HB001",
                where,
                f"Văn bản có ký tự {code_point} mà XML không cho phép; "
                "cần bỏ ký tự này khỏi dữ liệu nguồn.",
                f"Found character {code_point}, which XML cannot carry; "
                "expected text without it (remove it from the source data).",
            )
        ]
    )
