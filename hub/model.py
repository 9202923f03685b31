"""The canonical transcript model: one learner × one school year × one school.

This is the single shape every source is mapped onto and every document is built from
(shared/spec/transcript-document.md). It is plain typed data: no XML, no I/O, no validation
beyond what the types say, because a transcript with wrong values must still be representable
so that the rules can say *what* is wrong. Each field's comment names the document element it
stands for.

Values are immutable (frozen dataclasses, tuples) so that a transcript can be hashed, shared
between stages and compared for equality (`parse(build(t)) == t`). Scores are `Decimal`,
never float: the rules round half up to one decimal and floats cannot do that faithfully.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class SchoolLevel(StrEnum):
    """CapHoc."""

    PRIMARY = "02"
    LOWER_SECONDARY = "03"
    UPPER_SECONDARY = "04"
    CONTINUING = "05"  # GDTX, assessed like secondary (Thông tư 43/2021)

    @property
    def is_primary(self) -> bool:
        return self is SchoolLevel.PRIMARY


GRADES: dict[SchoolLevel, range] = {
    SchoolLevel.PRIMARY: range(1, 6),
    SchoolLevel.LOWER_SECONDARY: range(6, 10),
    SchoolLevel.UPPER_SECONDARY: range(10, 13),
    SchoolLevel.CONTINUING: range(6, 13),
}
"""Khoi allowed for each CapHoc."""


class Sex(StrEnum):
    """GioiTinh (the sector code list; 0 unknown is not accepted on a transcript)."""

    MALE = "1"
    FEMALE = "2"


class ForeignDocumentKind(StrEnum):
    """GiayToNuocNgoai/Loai."""

    PASSPORT = "PASSPORT"
    RESIDENCE_CARD = "RESIDENCE_CARD"
    OTHER = "OTHER"


class PrimaryRating(StrEnum):
    """MucDat of a primary subject: Hoàn thành tốt / Hoàn thành / Chưa hoàn thành."""

    T = "T"
    H = "H"
    C = "C"


class QualityRating(StrEnum):
    """Muc of a primary quality or competency: Tốt / Đạt / Cần cố gắng."""

    T = "T"
    D = "D"
    C = "C"


class PrimaryEvaluation(StrEnum):
    """DanhGiaCuoiNam of a primary learner."""

    HTXS = "HTXS"
    HTT = "HTT"
    HT = "HT"
    CHT = "CHT"


class AssessmentForm(StrEnum):
    """HinhThuc of a secondary subject."""

    SCORED = "DIEM"
    COMMENT = "NHANXET"


class PassFail(StrEnum):
    """KetQua of a comment-only subject: Đạt / Chưa đạt."""

    D = "D"
    CD = "CD"


class Level(StrEnum):
    """Learning and training levels: Tốt, Khá, Đạt, Chưa đạt (best first)."""

    T = "T"
    K = "K"
    D = "D"
    CD = "CD"

    @property
    def rank(self) -> int:
        """3 for T down to 0 for CD, so that levels compare as numbers."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.T: 3, Level.K: 2, Level.D: 1, Level.CD: 0}


class Conclusion(StrEnum):
    """KetLuan."""

    PROMOTED = "LEN_LOP"
    REPEAT = "O_LAI"
    SUMMER_TRAINING = "REN_LUYEN_HE"
    RETEST = "KIEM_TRA_LAI"


class Title(StrEnum):
    """DanhHieu."""

    EXCELLENT = "HSXS"  # Học sinh Xuất sắc
    GOOD = "HSG"  # Học sinh Giỏi


class PrincipalTitle(StrEnum):
    """XacNhan/HieuTruong/ChucVu."""

    PRINCIPAL = "Hiệu trưởng"
    VICE_PRINCIPAL = "Phó Hiệu trưởng"


# --- header and identity -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    """TTChung."""

    record_id: str  # MaHoSo: the sender's stable key for learner × year × school
    school_year: str  # NamHoc, "2024-2025"
    level: SchoolLevel  # CapHoc
    grade: int  # Khoi
    class_name: str  # TenLop
    school_code: str  # MaTruong, 8 digits
    school_name: str  # TenTruong
    department_code: str  # MaSoGD, 2 digits
    place_of_issue: str  # DiaDanhPhatHanh
    issue_date: date  # NgayLap
    replaces: str | None = None  # ThayTheCho: MaDinhDanhHocBa of the withdrawn transcript

    @property
    def first_year(self) -> int:
        """The first calendar year of NamHoc (2024 for "2024-2025")."""
        return int(self.school_year[:4])


@dataclass(frozen=True, slots=True)
class ForeignDocument:
    """GiayToNuocNgoai: the identity document of a foreign learner."""

    kind: ForeignDocumentKind  # Loai
    number: str  # So
    issuing_country: str  # QuocGiaCap, ISO 3166-1 alpha-2


@dataclass(frozen=True, slots=True)
class Learner:
    """HocSinh."""

    learner_code: str  # MaHocSinh, 10..15 digits, permanent across levels
    personal_id: str | None  # SoDinhDanh, 12 digits; None only for foreign learners
    full_name: str  # HoVaTen, NFC
    birth_date: date  # NgaySinh
    sex: Sex  # GioiTinh
    ethnicity: str  # DanToc, "01".."55"
    nationality: str  # QuocTich, ISO 3166-1 alpha-2
    birthplace: str  # NoiSinh
    residence: str  # NoiO
    hometown: str | None = None  # QueQuan
    foreign_document: ForeignDocument | None = None  # GiayToNuocNgoai
    policy_group: str | None = None  # DoiTuongChinhSach
    father: str | None = None  # Cha/HoTen
    mother: str | None = None  # Me/HoTen
    guardian: str | None = None  # NguoiGiamHo/HoTen
    exempt_from_assessment: bool = False  # KhuyetTatKhongDanhGia


@dataclass(frozen=True, slots=True)
class Teacher:
    """GiaoVien, and XacNhan/GVCN."""

    name: str  # HoTen
    code: str | None = None  # MaGV


@dataclass(frozen=True, slots=True)
class Principal:
    """XacNhan/HieuTruong."""

    name: str  # HoTen
    title: PrincipalTitle = PrincipalTitle.PRINCIPAL  # ChucVu


@dataclass(frozen=True, slots=True)
class Confirmation:
    """XacNhan: who confirms the transcript."""

    homeroom_teacher: Teacher  # GVCN
    principal: Principal  # HieuTruong


# --- primary (Thông tư 27/2020) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrimarySubject:
    """KetQuaTieuHoc/MonHoc."""

    code: str  # @MaMon
    rating: PrimaryRating  # MucDat
    test_score: int | None  # DiemKTCuoiNam, only for subjects with a year-end test
    teacher: Teacher  # GiaoVien
    comment: str = ""  # NhanXet


@dataclass(frozen=True, slots=True)
class Rated:
    """PhamChat or NangLuc: a quality or competency code and its rating."""

    code: str  # @Ma
    rating: QualityRating  # @Muc


@dataclass(frozen=True, slots=True)
class PrimaryResults:
    """KetQuaTieuHoc."""

    subjects: tuple[PrimarySubject, ...]  # MonHoc
    qualities: tuple[Rated, ...]  # PhamChat, five
    competencies: tuple[Rated, ...]  # NangLuc, ten
    evaluation: PrimaryEvaluation  # DanhGiaCuoiNam
    completed_grade: bool  # HoanThanhChuongTrinhLop
    completed_primary: bool | None  # HoanThanhChuongTrinhTieuHoc, only in grade 5
    awards: tuple[str, ...] = ()  # KhenThuong
    homeroom_comment: str = ""  # NhanXetGVCN


# --- secondary and GDTX (Thông tư 22/2021, 43/2021) -----------------------------------------


@dataclass(frozen=True, slots=True)
class ScoredSemester:
    """HocKy of a scored subject."""

    regular: tuple[Decimal, ...]  # DDGtx
    midterm: Decimal  # DDGgk
    final: Decimal  # DDGck
    average: Decimal  # DTB, stated by the sender


@dataclass(frozen=True, slots=True)
class ScoredSubject:
    """MonHoc with HinhThuc DIEM."""

    code: str  # @MaMon
    semester1: ScoredSemester  # HocKy So=1
    semester2: ScoredSemester  # HocKy So=2
    year_average: Decimal  # CaNam/DTB
    teacher: Teacher  # GiaoVien
    retest_score: Decimal | None = None  # KiemTraLai/Diem
    comment: str = ""  # NhanXet

    form = AssessmentForm.SCORED


@dataclass(frozen=True, slots=True)
class CommentSubject:
    """MonHoc with HinhThuc NHANXET."""

    code: str  # @MaMon
    semester1: PassFail  # HocKy So=1/KetQua
    semester2: PassFail  # HocKy So=2/KetQua
    year_result: PassFail  # CaNam/KetQua
    teacher: Teacher  # GiaoVien
    retest_result: PassFail | None = None  # KiemTraLai/KetQua
    comment: str = ""  # NhanXet

    form = AssessmentForm.COMMENT


SecondarySubject = ScoredSubject | CommentSubject


@dataclass(frozen=True, slots=True)
class LevelResults:
    """KetQuaHocTap or KetQuaRenLuyen: semester, year and optional after-summer level."""

    semester1: Level  # HocKy1
    semester2: Level  # HocKy2
    year: Level  # CaNam
    after_summer: Level | None = None  # SauKiemTraLai / SauRenLuyenHe


@dataclass(frozen=True, slots=True)
class SecondaryResults:
    """KetQuaTrungHoc."""

    subjects: tuple[SecondarySubject, ...]  # MonHoc
    learning: LevelResults  # KetQuaHocTap
    training: LevelResults  # KetQuaRenLuyen
    absences: int  # SoBuoiNghi, sessions missed in the whole year
    conclusion: Conclusion  # KetLuan
    title: Title | None = None  # DanhHieu
    homeroom_comment: str = ""  # NhanXetGVCN


Results = PrimaryResults | SecondaryResults


@dataclass(frozen=True, slots=True)
class Transcript:
    """One learner's transcript for one school year at one school (DLHocBa)."""

    header: Header  # TTChung
    learner: Learner  # HocSinh
    results: Results | None  # KetQuaTieuHoc | KetQuaTrungHoc; None only when exempt
    confirmation: Confirmation  # XacNhan
