"""Every canonical field once: its mapping name, its element, its model attribute, its label.

A canonical field is one value of a transcript as the hub carries it. Four parts of the hub
speak of the same fields in their own terms, and this table is the one place that says how
those terms meet:

    mapping file        element                   model attribute        label
    header.record_id    TTChung/MaHoSo            header.record_id       mã hồ sơ
    learner.father      HocSinh/Cha/HoTen         learner.father         họ tên cha
    results.absences    KetQuaTrungHoc/SoBuoiNghi results.absences       số buổi nghỉ
    (subject) rating    MonHoc/MucDat             (subject).rating       mức đạt
    (subject) semester1.midterm                   (subject).semester1.midterm
                        MonHoc/HocKy[@So='1']/DDGgk                      điểm giữa kỳ I

Who reads it: hub.mapping.assemble takes its messages' labels and examples from it,
hub.pipeline.trace the elements it traces a finding back from, and tests check
hub/schemas/mapping-record.schema.json (the names a mapping file may use) equal to it and walk
documents built by hub.document.build and read by hub.document.read against it, so that a field
added in one of those places and not here fails a test. build.py and read.py do not look the
table up: they write and read by position, for speed (docs/architecture.md).

Each table is in document order: a document lists the fields it has as a subsequence of it.
Element paths are written as hub.xpath writes them, without the keys of repeated elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub import xpath

PRIMARY = "primary"
SECONDARY = "secondary"
"""The levels of a mapping file (its `level:`): KetQuaTieuHoc or KetQuaTrungHoc documents."""

_BOTH = (PRIMARY, SECONDARY)
_SEMESTER_NAMES = {1: "I", 2: "II"}  # "học kỳ I": the semesters as Vietnamese writes them


@dataclass(frozen=True, slots=True)
class Field:
    """One canonical field.

    Attributes:
        name: the mapping file's name for it: a key of `fields:` ("header.record_id"), of a
            subject's `fields:` ("rating"), or for a semester field the part after
            "semesterN." ("midterm").
        element: its element, under DLHocBa for a field of the record (under the level's
            results element, KetQuaTieuHoc or KetQuaTrungHoc, for `results.*`), under MonHoc
            for a subject's, under HocKy for a semester's.
        attribute: the dotted model attribute holding it, from the Transcript for a field of
            the record, from the subject (hub.model.PrimarySubject, ScoredSubject,
            CommentSubject) for a subject's, and for a semester's from the subject with
            `{n}` for the semester ("semester{n}.midterm"; a comment subject's semester is
            its result itself, "semester{n}").
        label_vi: what a Vietnamese message calls it ("thiếu mã hồ sơ").
        label_en: what an English message calls it ("missing record id").
        example: what a value looks like, a Problem's `expected` when the value is missing.
        levels: the documents that have the element.
        traced: hub.pipeline.trace traces a finding at the element (or inside it) back to
            where the field was read. A field of the record is traced by its element's first
            two steps (`HocSinh/Cha`), which is how stored traces are keyed, so a finding at an
            untraced field inside a traced one's group (GVCN/MaGV) goes to the traced one's
            place; a subject's untraced element, to the nearest traced one above it
            (GiaoVien/MaGV as GiaoVien); anything else to the subject, or the learner's row.
            False for the fields the hub did not trace before this table (results,
            ThayTheCho, DoiTuongChinhSach, KhuyetTatKhongDanhGia, GiayToNuocNgoai): tracing
            them changes the place operators are shown, a change of its own.
    """

    name: str
    element: str
    attribute: str
    label_vi: str
    label_en: str
    example: str
    levels: tuple[str, ...] = _BOTH
    traced: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """A table of the record keyed by code: a mapping file's `subjects`, `qualities`, ...

    Attributes:
        name: the mapping file's key for the group.
        element: the repeated element, under the level's results element.
        key: the attribute of `element` holding the entry's code (the model's `code`).
        value: the attribute of `element` holding the entry's one value, the model's `rating`
            (hub.model.Rated), or "" when the element holds fields of its own (a subject's:
            SUBJECT_FIELDS).
        attribute: the Transcript's attribute holding the tuple of entries.
        label_vi, label_en, example, levels: as for a Field.
    """

    name: str
    element: str
    key: str
    value: str
    attribute: str
    label_vi: str
    label_en: str
    example: str
    levels: tuple[str, ...] = _BOTH


_LEVEL = "T, K, Đ, CĐ"
_SCORE = "0.0–10.0"
_RESULT = "Đ / CĐ"
_YES_NO = "true / false"

RECORD_FIELDS: tuple[Field, ...] = (
    Field("header.record_id", "TTChung/MaHoSo", "header.record_id",
          "mã hồ sơ", "record id", "MaHoSo", traced=True),
    Field("header.school_year", "TTChung/NamHoc", "header.school_year",
          "năm học", "school year", "2024-2025", traced=True),
    Field("header.level", "TTChung/CapHoc", "header.level",
          "cấp học", "school level", "02, 03, 04, 05", traced=True),
    Field("header.grade", "TTChung/Khoi", "header.grade",
          "khối", "grade", "1–12", traced=True),
    Field("header.class_name", "TTChung/TenLop", "header.class_name",
          "lớp", "class", "7A3", traced=True),
    Field("header.school_code", "TTChung/MaTruong", "header.school_code",
          "mã trường", "school code", "8 digits", traced=True),
    Field("header.school_name", "TTChung/TenTruong", "header.school_name",
          "tên trường", "school name", "text", traced=True),
    Field("header.department_code", "TTChung/MaSoGD", "header.department_code",
          "mã sở giáo dục", "department code", "2 digits", traced=True),
    Field("header.place_of_issue", "TTChung/DiaDanhPhatHanh", "header.place_of_issue",
          "địa danh phát hành", "place of issue", "text", traced=True),
    Field("header.issue_date", "TTChung/NgayLap", "header.issue_date",
          "ngày lập", "issue date", "dd/mm/yyyy", traced=True),
    Field("header.replaces", "TTChung/ThayTheCho", "header.replaces",
          "học bạ được thay thế", "transcript replaced", "MaDinhDanhHocBa"),
    Field("learner.learner_code", "HocSinh/MaHocSinh", "learner.learner_code",
          "mã học sinh", "learner code", "10–15 digits", traced=True),
    Field("learner.personal_id", "HocSinh/SoDinhDanh", "learner.personal_id",
          "số định danh cá nhân", "personal ID", "12 digits", traced=True),
    Field("learner.foreign_kind", "HocSinh/GiayToNuocNgoai/Loai",
          "learner.foreign_document.kind", "loại giấy tờ nước ngoài",
          "foreign document kind", "PASSPORT, RESIDENCE_CARD, OTHER"),
    Field("learner.foreign_number", "HocSinh/GiayToNuocNgoai/So",
          "learner.foreign_document.number", "số giấy tờ nước ngoài",
          "foreign document number", "1–30 characters"),
    Field("learner.foreign_country", "HocSinh/GiayToNuocNgoai/QuocGiaCap",
          "learner.foreign_document.issuing_country", "quốc gia cấp giấy tờ",
          "issuing country", "ISO 3166-1 alpha-2"),
    Field("learner.full_name", "HocSinh/HoVaTen", "learner.full_name",
          "họ và tên", "full name", "a name", traced=True),
    Field("learner.birth_date", "HocSinh/NgaySinh", "learner.birth_date",
          "ngày sinh", "date of birth", "dd/mm/yyyy", traced=True),
    Field("learner.sex", "HocSinh/GioiTinh", "learner.sex",
          "giới tính", "sex", "Nam / Nữ", traced=True),
    Field("learner.ethnicity", "HocSinh/DanToc", "learner.ethnicity",
          "dân tộc", "ethnic group", "Kinh, Tày, …", traced=True),
    Field("learner.nationality", "HocSinh/QuocTich", "learner.nationality",
          "quốc tịch", "nationality", "VN", traced=True),
    Field("learner.birthplace", "HocSinh/NoiSinh", "learner.birthplace",
          "nơi sinh", "place of birth", "text", traced=True),
    Field("learner.hometown", "HocSinh/QueQuan", "learner.hometown",
          "quê quán", "hometown", "text", traced=True),
    Field("learner.residence", "HocSinh/NoiO", "learner.residence",
          "nơi ở", "residence", "text", traced=True),
    Field("learner.policy_group", "HocSinh/DoiTuongChinhSach", "learner.policy_group",
          "đối tượng chính sách", "policy group", "text"),
    Field("learner.father", "HocSinh/Cha/HoTen", "learner.father",
          "họ tên cha", "father's name", "a name", traced=True),
    Field("learner.mother", "HocSinh/Me/HoTen", "learner.mother",
          "họ tên mẹ", "mother's name", "a name", traced=True),
    Field("learner.guardian", "HocSinh/NguoiGiamHo/HoTen", "learner.guardian",
          "họ tên người giám hộ", "guardian's name", "a name", traced=True),
    Field("learner.exempt", "HocSinh/KhuyetTatKhongDanhGia", "learner.exempt_from_assessment",
          "khuyết tật không đánh giá", "exempt from assessment", _YES_NO),
    # The results, under KetQuaTrungHoc (secondary) or KetQuaTieuHoc (primary), after the
    # groups (MonHoc, then PhamChat and NangLuc): the secondary ones, the primary ones, and
    # NhanXetGVCN last in both.
    Field("results.learning.semester1", "KetQuaHocTap/HocKy1", "results.learning.semester1",
          "kết quả học tập học kỳ I", "learning level, semester 1", _LEVEL, (SECONDARY,)),
    Field("results.learning.semester2", "KetQuaHocTap/HocKy2", "results.learning.semester2",
          "kết quả học tập học kỳ II", "learning level, semester 2", _LEVEL, (SECONDARY,)),
    Field("results.learning.year", "KetQuaHocTap/CaNam", "results.learning.year",
          "kết quả học tập cả năm", "learning level, whole year", _LEVEL, (SECONDARY,)),
    Field("results.learning.after_retest", "KetQuaHocTap/SauKiemTraLai",
          "results.learning.after_summer", "kết quả học tập sau kiểm tra lại",
          "learning level after the retest", _LEVEL, (SECONDARY,)),
    Field("results.training.semester1", "KetQuaRenLuyen/HocKy1", "results.training.semester1",
          "kết quả rèn luyện học kỳ I", "training level, semester 1", _LEVEL, (SECONDARY,)),
    Field("results.training.semester2", "KetQuaRenLuyen/HocKy2", "results.training.semester2",
          "kết quả rèn luyện học kỳ II", "training level, semester 2", _LEVEL, (SECONDARY,)),
    Field("results.training.year", "KetQuaRenLuyen/CaNam", "results.training.year",
          "kết quả rèn luyện cả năm", "training level, whole year", _LEVEL, (SECONDARY,)),
    Field("results.training.after_summer", "KetQuaRenLuyen/SauRenLuyenHe",
          "results.training.after_summer", "kết quả rèn luyện sau rèn luyện hè",
          "training level after summer training", _LEVEL, (SECONDARY,)),
    Field("results.absences", "SoBuoiNghi", "results.absences",
          "số buổi nghỉ", "sessions missed", "0, 1, 2, …", (SECONDARY,)),
    Field("results.conclusion", "KetLuan", "results.conclusion",
          "kết luận", "conclusion", "Lên lớp, Ở lại lớp, Rèn luyện hè, Kiểm tra lại",
          (SECONDARY,)),
    Field("results.title", "DanhHieu", "results.title",
          "danh hiệu", "title", "Học sinh Xuất sắc / Học sinh Giỏi", (SECONDARY,)),
    Field("results.evaluation", "DanhGiaCuoiNam", "results.evaluation",
          "đánh giá cuối năm", "year-end evaluation", "HTXS, HTT, HT, CHT", (PRIMARY,)),
    Field("results.completed_grade", "HoanThanhChuongTrinhLop", "results.completed_grade",
          "hoàn thành chương trình lớp", "completed the grade", _YES_NO, (PRIMARY,)),
    Field("results.completed_primary", "HoanThanhChuongTrinhTieuHoc",
          "results.completed_primary", "hoàn thành chương trình tiểu học",
          "completed primary school", _YES_NO, (PRIMARY,)),
    Field("results.awards", "KhenThuong", "results.awards",
          "khen thưởng", "awards", "text", (PRIMARY,)),
    Field("results.homeroom_comment", "NhanXetGVCN", "results.homeroom_comment",
          "nhận xét của giáo viên chủ nhiệm", "homeroom teacher's comment", "text"),
    Field("confirmation.homeroom_teacher", "XacNhan/GVCN/HoTen",
          "confirmation.homeroom_teacher.name", "giáo viên chủ nhiệm", "homeroom teacher",
          "a name", traced=True),
    Field("confirmation.homeroom_teacher_code", "XacNhan/GVCN/MaGV",
          "confirmation.homeroom_teacher.code", "mã giáo viên chủ nhiệm",
          "homeroom teacher's code", "text"),
    Field("confirmation.principal", "XacNhan/HieuTruong/HoTen", "confirmation.principal.name",
          "hiệu trưởng", "principal", "a name", traced=True),
    Field("confirmation.principal_title", "XacNhan/HieuTruong/ChucVu",
          "confirmation.principal.title", "chức vụ của người ký", "principal's title",
          "Hiệu trưởng / Phó Hiệu trưởng"),
)  # fmt: skip
"""The fields of the record: a mapping file's `fields:`."""

GROUPS: tuple[Group, ...] = (
    Group("subjects", "MonHoc", "MaMon", "", "results.subjects",
          "môn học", "subjects", "Toán, Ngữ văn, …"),
    Group("qualities", "PhamChat", "Ma", "Muc", "results.qualities",
          "phẩm chất", "quality", "T / Đ / C", (PRIMARY,)),
    Group("competencies", "NangLuc", "Ma", "Muc", "results.competencies",
          "năng lực", "competency", "T / Đ / C", (PRIMARY,)),
)  # fmt: skip
"""The record's tables keyed by code, in document order (first under the results element)."""

SUBJECT_FIELDS: tuple[Field, ...] = (
    Field("rating", "MucDat", "rating",
          "mức đạt", "rating", "T / H / C", (PRIMARY,), traced=True),
    Field("test_score", "DiemKTCuoiNam", "test_score",
          "điểm kiểm tra cuối năm", "year-end test score", "1–10", (PRIMARY,), traced=True),
    # HocKy So=1 and So=2 come here in a secondary subject: SEMESTER_FIELDS.
    Field("year_average", "CaNam/DTB", "year_average",
          "điểm trung bình cả năm", "year average", _SCORE, (SECONDARY,), traced=True),
    Field("year_result", "CaNam/KetQua", "year_result",
          "kết quả cả năm", "year result", _RESULT, (SECONDARY,), traced=True),
    Field("retest_score", "KiemTraLai/Diem", "retest_score",
          "điểm kiểm tra lại", "retest score", _SCORE, (SECONDARY,), traced=True),
    Field("retest_result", "KiemTraLai/KetQua", "retest_result",
          "kết quả kiểm tra lại", "retest result", _RESULT, (SECONDARY,), traced=True),
    Field("comment", "NhanXet", "comment",
          "nhận xét", "comment", "text", traced=True),
    Field("teacher", "GiaoVien/HoTen", "teacher.name",
          "giáo viên bộ môn", "subject teacher", "a name", traced=True),
    Field("teacher_code", "GiaoVien/MaGV", "teacher.code",
          "mã giáo viên bộ môn", "subject teacher's code", "text"),
)  # fmt: skip
"""The fields of one subject: a group's `fields:` (with SEMESTER_FIELDS)."""

SEMESTER_FIELDS: tuple[Field, ...] = (
    Field("regular", "DDGtx", "semester{n}.regular",
          "điểm thường xuyên kỳ", "regular scores", _SCORE, (SECONDARY,), traced=True),
    Field("midterm", "DDGgk", "semester{n}.midterm",
          "điểm giữa kỳ", "mid-term score", _SCORE, (SECONDARY,), traced=True),
    Field("final", "DDGck", "semester{n}.final",
          "điểm cuối kỳ", "end-of-term score", _SCORE, (SECONDARY,), traced=True),
    Field("average", "DTB", "semester{n}.average",
          "điểm trung bình kỳ", "average", _SCORE, (SECONDARY,), traced=True),
    Field("result", "KetQua", "semester{n}",
          "kết quả học kỳ", "result", _RESULT, (SECONDARY,), traced=True),
)  # fmt: skip
"""The fields of one semester of a subject (HocKy @So 1 and 2), named semesterN.<name>."""

SEMESTERS = (1, 2)
"""HocKy/@So: a subject's semesters."""


def semester_target(number: int, name: str) -> str:
    """The mapping file's name of a semester's field: "semester1.midterm" (1, "midterm")."""
    return f"semester{number}.{name}"


def record_targets() -> tuple[str, ...]:
    """Every name a mapping file's `fields:` may use, in the table's order."""
    return tuple(f.name for f in RECORD_FIELDS)


def subject_targets() -> tuple[str, ...]:
    """Every name a group's `fields:` may use: the semesters' fields, then the subject's."""
    semesters = [semester_target(n, f.name) for n in SEMESTERS for f in SEMESTER_FIELDS]
    return (*semesters, *(f.name for f in SUBJECT_FIELDS))


def _labels() -> dict[str, tuple[str, str, str]]:
    found = {f.name: (f.label_vi, f.label_en, f.example) for f in RECORD_FIELDS + SUBJECT_FIELDS}
    found.update({g.name: (g.label_vi, g.label_en, g.example) for g in GROUPS})
    for number in SEMESTERS:
        for f in SEMESTER_FIELDS:
            vi = f"{f.label_vi} {_SEMESTER_NAMES[number]}"
            found[semester_target(number, f.name)] = (
                vi,
                f"{f.label_en}, semester {number}",
                f.example,
            )
    return found


LABELS: Mapping[str, tuple[str, str, str]] = _labels()
"""Mapping name → (Vietnamese label, English label, example), for every field and group."""


def record_xpath(field: Field, primary: bool) -> str:
    """The XPath of a field of the record in a document of that level (hub.xpath's style)."""
    if field.name.startswith("results."):
        return xpath.results(primary, field.element)
    return f"{xpath.DATA}/{field.element}"
