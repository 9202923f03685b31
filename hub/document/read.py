"""A schema-valid document tree → the canonical transcript.

Runs only on trees that passed hocbaso-1.0.xsd, so it can trust the order, presence and
lexical form of every element and stays a straight walk. It also checks the constraints XSD
1.0 cannot state, as HB002 like any schema error: MonHoc/@Id = "Mon-" + @MaMon, and a subject's
HocKy, CaNam and KiemTraLai content matching its HinhThuc. DSCKS is not read: signatures are
hub/signing's. Every value is read with `hub.document.text.text_of`, as canonicalisation sees
it: a comment or processing instruction inside an element does not cut its text short. Which
element goes into which model attribute is hub/fields.py's table, held equal to this walk by
tests/document/test_fields.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from hub.document.locate import element_xpath
from hub.document.names import NAMESPACE
from hub.document.text import text_of
from hub.errors import DocumentError
from hub.findings import Finding, error
from hub.model import (
    AssessmentForm,
    CommentSubject,
    Conclusion,
    Confirmation,
    ForeignDocument,
    ForeignDocumentKind,
    Header,
    Learner,
    Level,
    LevelResults,
    PassFail,
    PrimaryEvaluation,
    PrimaryRating,
    PrimaryResults,
    PrimarySubject,
    Principal,
    PrincipalTitle,
    QualityRating,
    Rated,
    SchoolLevel,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    SecondarySubject,
    Sex,
    Teacher,
    Title,
    Transcript,
)

_PREFIX = f"{{{NAMESPACE}}}"
_PREFIX_LENGTH = len(_PREFIX)

Children = dict[str, list[etree._Element]]

# Reading `.tag` makes lxml build a "{namespace}name" string each time, which costs more than
# everything else the walk does; the hot parts (subjects, semesters) therefore go by position,
# which the schema fixes, and only the cold parts index their children by name.


def _children(element: etree._Element) -> Children:
    """Child elements by local name, in document order (comments and PIs skipped)."""
    found: Children = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            found.setdefault(tag[_PREFIX_LENGTH:], []).append(child)
    return found


def _elements(element: etree._Element) -> list[etree._Element]:
    """Child elements in document order, comments and PIs skipped (by lxml, in C)."""
    return list(element.iterchildren(etree.Element))


def _is(element: etree._Element, name: str) -> bool:
    return element.tag == _PREFIX + name


def _one(children: Children, name: str) -> str:
    return text_of(children[name][0])


def _optional(children: Children, name: str) -> str | None:
    elements = children.get(name)
    return text_of(elements[0]) if elements else None


def _bool(value: str) -> bool:
    return value.strip() in ("true", "1")


class _Reader:
    """One document's walk; collects the HB002 findings the XSD could not raise."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def problem(
        self, element: etree._Element, suffix: str, message_vi: str, message_en: str
    ) -> None:
        self.findings.append(
            error("HB002", element_xpath(element) + suffix, message_vi, message_en)
        )

    def date(self, element: etree._Element) -> date:
        value = text_of(element).strip()
        try:
            return date.fromisoformat(value)
        except ValueError:  # the XSD admits a few dates Python has no room for (year 0000)
            self.problem(
                element,
                "",
                f"Ngày '{value}' không hợp lệ; cần ngày YYYY-MM-DD từ năm 0001.",
                f"Found date '{value}'; expected a date YYYY-MM-DD from year 0001 on.",
            )
            return date.min

    # --- header and learner ----------------------------------------------------------------

    def header(self, element: etree._Element) -> Header:
        c = _children(element)
        return Header(
            record_id=_one(c, "MaHoSo"),
            school_year=_one(c, "NamHoc"),
            level=SchoolLevel(_one(c, "CapHoc")),
            grade=int(_one(c, "Khoi")),
            class_name=_one(c, "TenLop"),
            school_code=_one(c, "MaTruong"),
            school_name=_one(c, "TenTruong"),
            department_code=_one(c, "MaSoGD"),
            place_of_issue=_one(c, "DiaDanhPhatHanh"),
            issue_date=self.date(c["NgayLap"][0]),
            replaces=_optional(c, "ThayTheCho"),
        )

    def learner(self, element: etree._Element) -> Learner:
        c = _children(element)
        foreign = None
        if "GiayToNuocNgoai" in c:
            f = _children(c["GiayToNuocNgoai"][0])
            foreign = ForeignDocument(
                kind=ForeignDocumentKind(_one(f, "Loai")),
                number=_one(f, "So"),
                issuing_country=_one(f, "QuocGiaCap"),
            )
        return Learner(
            learner_code=_one(c, "MaHocSinh"),
            personal_id=_optional(c, "SoDinhDanh"),
            full_name=_one(c, "HoVaTen"),
            birth_date=self.date(c["NgaySinh"][0]),
            sex=Sex(_one(c, "GioiTinh")),
            ethnicity=_one(c, "DanToc"),
            nationality=_one(c, "QuocTich"),
            birthplace=_one(c, "NoiSinh"),
            residence=_one(c, "NoiO"),
            hometown=_optional(c, "QueQuan"),
            foreign_document=foreign,
            policy_group=_optional(c, "DoiTuongChinhSach"),
            father=_person(c, "Cha"),
            mother=_person(c, "Me"),
            guardian=_person(c, "NguoiGiamHo"),
            exempt_from_assessment=_bool(_one(c, "KhuyetTatKhongDanhGia")),
        )

    # --- subjects ----------------------------------------------------------------------------

    def subject_code(self, element: etree._Element) -> str:
        """@MaMon, after checking @Id = "Mon-" + @MaMon (signatures reference the Id)."""
        code = element.get("MaMon", "")
        if element.get("Id") != f"Mon-{code}":
            self.problem(
                element,
                "/@Id",
                f"Id '{element.get('Id')}' không khớp MaMon; cần 'Mon-{code}'.",
                f"Found Id '{element.get('Id')}'; expected 'Mon-{code}' (from MaMon).",
            )
        return code

    def primary_subject(self, element: etree._Element) -> PrimarySubject:
        code = self.subject_code(element)
        # MucDat, DiemKTCuoiNam?, NhanXet, GiaoVien
        kids = _elements(element)
        test = int(text_of(kids[1])) if len(kids) == 4 else None
        return PrimarySubject(
            code=code,
            rating=PrimaryRating(text_of(kids[0])),
            test_score=test,
            teacher=_teacher(kids[-1]),
            comment=text_of(kids[-2]),
        )

    def wrong_form(self, element: etree._Element, form: AssessmentForm) -> None:
        expected = "DDGtx, DDGgk, DDGck, DTB / Diem" if form is AssessmentForm.SCORED else "KetQua"
        self.problem(
            element,
            "",
            f"Nội dung không khớp HinhThuc='{form.value}' của môn; cần {expected}.",
            f"Found content that does not match the subject's HinhThuc='{form.value}'; "
            f"expected {expected}.",
        )

    def scored_semester(self, element: etree._Element) -> ScoredSemester:
        # DDGtx*, DDGgk, DDGck, DTB, or else a lone KetQua (the comment form)
        kids = _elements(element)
        if len(kids) < 3:
            self.wrong_form(element, AssessmentForm.SCORED)
            return ScoredSemester((), Decimal(0), Decimal(0), Decimal(0))
        return ScoredSemester(
            regular=tuple([Decimal(text_of(e)) for e in kids[:-3]]),
            midterm=Decimal(text_of(kids[-3])),
            final=Decimal(text_of(kids[-2])),
            average=Decimal(text_of(kids[-1])),
        )

    def score(self, element: etree._Element) -> Decimal:
        """CaNam/DTB or KiemTraLai/Diem of a scored subject (one child, or KetQua)."""
        value = _elements(element)[0]
        if _is(value, "KetQua"):
            self.wrong_form(element, AssessmentForm.SCORED)
            return Decimal(0)
        return Decimal(text_of(value))

    def pass_fail(self, element: etree._Element) -> PassFail:
        """The KetQua of a comment subject's HocKy, CaNam or KiemTraLai."""
        kids = _elements(element)
        if len(kids) != 1 or not _is(kids[0], "KetQua"):
            self.wrong_form(element, AssessmentForm.COMMENT)
            return PassFail.CD
        return PassFail(text_of(kids[0]))

    def secondary_subject(self, element: etree._Element) -> SecondarySubject:
        code = self.subject_code(element)
        # HocKy, HocKy, CaNam, KiemTraLai?, NhanXet, GiaoVien
        kids = _elements(element)
        first, second = (kids[0], kids[1]) if kids[0].get("So") == "1" else (kids[1], kids[0])
        retest = kids[3] if len(kids) == 6 else None
        teacher = _teacher(kids[-1])
        comment = text_of(kids[-2])
        if element.get("HinhThuc") == AssessmentForm.SCORED.value:
            return ScoredSubject(
                code=code,
                semester1=self.scored_semester(first),
                semester2=self.scored_semester(second),
                year_average=self.score(kids[2]),
                teacher=teacher,
                retest_score=self.score(retest) if retest is not None else None,
                comment=comment,
            )
        return CommentSubject(
            code=code,
            semester1=self.pass_fail(first),
            semester2=self.pass_fail(second),
            year_result=self.pass_fail(kids[2]),
            teacher=teacher,
            retest_result=self.pass_fail(retest) if retest is not None else None,
            comment=comment,
        )

    # --- results -----------------------------------------------------------------------------

    def primary(self, element: etree._Element) -> PrimaryResults:
        c = _children(element)
        completed_primary = _optional(c, "HoanThanhChuongTrinhTieuHoc")
        return PrimaryResults(
            subjects=tuple(self.primary_subject(e) for e in c["MonHoc"]),
            qualities=tuple(_rated(e) for e in c["PhamChat"]),
            competencies=tuple(_rated(e) for e in c["NangLuc"]),
            evaluation=PrimaryEvaluation(_one(c, "DanhGiaCuoiNam")),
            completed_grade=_bool(_one(c, "HoanThanhChuongTrinhLop")),
            completed_primary=_bool(completed_primary) if completed_primary is not None else None,
            awards=tuple(text_of(e) for e in c.get("KhenThuong", ())),
            homeroom_comment=_one(c, "NhanXetGVCN"),
        )

    def secondary(self, element: etree._Element) -> SecondaryResults:
        c = _children(element)
        title = _optional(c, "DanhHieu")
        return SecondaryResults(
            subjects=tuple(self.secondary_subject(e) for e in c["MonHoc"]),
            learning=_levels(c["KetQuaHocTap"][0], "SauKiemTraLai"),
            training=_levels(c["KetQuaRenLuyen"][0], "SauRenLuyenHe"),
            absences=int(_one(c, "SoBuoiNghi")),
            conclusion=Conclusion(_one(c, "KetLuan")),
            title=Title(title) if title is not None else None,
            homeroom_comment=_one(c, "NhanXetGVCN"),
        )

    def transcript(self, data: etree._Element) -> Transcript:
        c = _children(data)
        results: PrimaryResults | SecondaryResults | None = None
        if "KetQuaTieuHoc" in c:
            results = self.primary(c["KetQuaTieuHoc"][0])
        elif "KetQuaTrungHoc" in c:
            results = self.secondary(c["KetQuaTrungHoc"][0])
        x = _children(c["XacNhan"][0])
        principal = _children(x["HieuTruong"][0])
        return Transcript(
            header=self.header(c["TTChung"][0]),
            learner=self.learner(c["HocSinh"][0]),
            results=results,
            confirmation=Confirmation(
                homeroom_teacher=_teacher(x["GVCN"][0]),
                principal=Principal(
                    name=_one(principal, "HoTen"),
                    title=PrincipalTitle(_one(principal, "ChucVu")),
                ),
            ),
        )


def _person(children: Children, name: str) -> str | None:
    elements = children.get(name)
    return _one(_children(elements[0]), "HoTen") if elements else None


def _teacher(element: etree._Element) -> Teacher:
    kids = _elements(element)  # HoTen, MaGV?
    return Teacher(name=text_of(kids[0]), code=text_of(kids[1]) if len(kids) == 2 else None)


def _rated(element: etree._Element) -> Rated:
    return Rated(code=element.get("Ma", ""), rating=QualityRating(element.get("Muc", "")))


def _levels(element: etree._Element, after_name: str) -> LevelResults:
    c = _children(element)
    after = _optional(c, after_name)
    return LevelResults(
        semester1=Level(_one(c, "HocKy1")),
        semester2=Level(_one(c, "HocKy2")),
        year=Level(_one(c, "CaNam")),
        after_summer=Level(after) if after is not None else None,
    )


def transcript_from_tree(tree: etree._ElementTree) -> Transcript:
    """The transcript of a schema-valid document tree.

    Raises:
        DocumentError: HB002 for the constraints the XSD cannot state.
    """
    reader = _Reader()
    data = tree.getroot().find(f"{_PREFIX}DLHocBa")
    assert data is not None  # the schema requires it
    transcript = reader.transcript(data)
    if reader.findings:
        raise DocumentError(reader.findings)
    return transcript
