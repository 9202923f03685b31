"""A transcript as vnEdu lists it: the spec's learner item, exactly (sources.md, vnEdu v2).

Secondary and GDTX learners get `ket_qua` of scored and comment subjects, `hoc_tap`,
`ren_luyen`, `so_buoi_nghi`, `ket_luan`, `danh_hieu`; primary learners get `ket_qua` of
`muc_dat` subjects, `pham_chat` (5), `nang_luc` (10), `danh_gia_cuoi_nam`,
`hoan_thanh_chuong_trinh_lop`, `khen_thuong`. Scores are strings with a decimal comma
("8,5"), dates dd/mm/yyyy, every absent value `null`, and the school's own words for its
subjects, qualities and competencies (sim.names). A learner exempt from assessment
(`khuyet_tat_khong_danh_gia`) has an empty `ket_qua` and `null` results.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hub.api import (
    CodeLists,
    CommentSubject,
    PrimaryResults,
    ScoredSubject,
    SecondaryResults,
    Transcript,
)
from hub_vnedu.sim import names

Item = dict[str, Any]


def vnedu_id(school_code: str, number: int) -> str:
    """vnEdu's own key of a learner: "VN" + MaTruong + "-" + a six-digit number."""
    return f"VN{school_code}-{number:06d}"


def score_text(value: Decimal, tenths: bool = False) -> str:
    """A score as vnEdu writes it: "9", "8,5" (a decimal comma); "9,0" where the school
    writes every score with its tenths (`tenths`; the same score by value, sources.md)."""
    text = format(value.quantize(Decimal("0.1")), "f")
    if not tenths and text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",")


def date_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _secondary_subject(subject: ScoredSubject | CommentSubject, tenths: bool) -> Item:
    if isinstance(subject, ScoredSubject):
        semesters = {
            key: {
                "tx": [score_text(s, tenths) for s in semester.regular],
                "gk": score_text(semester.midterm, tenths),
                "ck": score_text(semester.final, tenths),
                "tb": score_text(semester.average, tenths),
            }
            for key, semester in (("hk1", subject.semester1), ("hk2", subject.semester2))
        }
        retest = subject.retest_score
        return {
            **semesters,
            "ca_nam": score_text(subject.year_average, tenths),
            "kiem_tra_lai": score_text(retest, tenths) if retest is not None else None,
            "giao_vien": subject.teacher.name,
            "nhan_xet": subject.comment or None,
        }
    result = subject.retest_result
    return {
        "hk1": names.PASS_FAIL[subject.semester1.value],
        "hk2": names.PASS_FAIL[subject.semester2.value],
        "ca_nam": names.PASS_FAIL[subject.year_result.value],
        "kiem_tra_lai": names.PASS_FAIL[result.value] if result is not None else None,
        "giao_vien": subject.teacher.name,
        "nhan_xet": subject.comment or None,
    }


def _secondary(results: SecondaryResults, school_code: str) -> Item:
    learning, training = results.learning, results.training
    tenths = names.writes_tenths(school_code)
    return {
        "ket_qua": {
            names.spelling(names.SECONDARY_SUBJECTS[s.code], school_code, s.code): (
                _secondary_subject(s, tenths)
            )
            for s in results.subjects
        },
        "hoc_tap": {
            "hk1": names.LEVELS[learning.semester1],
            "hk2": names.LEVELS[learning.semester2],
            "ca_nam": names.LEVELS[learning.year],
            "sau_kiem_tra_lai": (
                names.LEVELS[learning.after_summer] if learning.after_summer else None
            ),
        },
        "ren_luyen": {
            "hk1": names.LEVELS[training.semester1],
            "hk2": names.LEVELS[training.semester2],
            "ca_nam": names.LEVELS[training.year],
            "sau_ren_luyen_he": (
                names.LEVELS[training.after_summer] if training.after_summer else None
            ),
        },
        "so_buoi_nghi": results.absences,
        "ket_luan": names.CONCLUSIONS[results.conclusion.value],
        "danh_hieu": names.TITLES[results.title.value] if results.title else None,
        "nhan_xet_gvcn": results.homeroom_comment or None,
    }


def _primary(results: PrimaryResults, school_code: str) -> Item:
    return {
        "ket_qua": {
            names.spelling(names.PRIMARY_SUBJECTS[s.code], school_code, s.code): {
                "muc_dat": names.PRIMARY_RATINGS[s.rating.value],
                "diem_kt_cuoi_nam": str(s.test_score) if s.test_score is not None else None,
                "giao_vien": s.teacher.name,
                "nhan_xet": s.comment or None,
            }
            for s in results.subjects
        },
        "pham_chat": {
            names.spelling(names.QUALITIES[q.code], school_code, q.code): (
                names.QUALITY_RATINGS[q.rating.value]
            )
            for q in results.qualities
        },
        "nang_luc": {
            names.spelling(names.COMPETENCIES[c.code], school_code, c.code): (
                names.QUALITY_RATINGS[c.rating.value]
            )
            for c in results.competencies
        },
        "danh_gia_cuoi_nam": names.EVALUATIONS[results.evaluation.value],
        "hoan_thanh_chuong_trinh_lop": results.completed_grade,
        "khen_thuong": list(results.awards),
        "nhan_xet_gvcn": results.homeroom_comment or None,
    }


def _exempt(primary: bool) -> Item:
    if primary:
        return {
            "ket_qua": {},
            "pham_chat": None,
            "nang_luc": None,
            "danh_gia_cuoi_nam": None,
            "hoan_thanh_chuong_trinh_lop": None,
            "khen_thuong": [],
            "nhan_xet_gvcn": None,
        }
    return {
        "ket_qua": {},
        "hoc_tap": None,
        "ren_luyen": None,
        "so_buoi_nghi": None,
        "ket_luan": None,
        "danh_hieu": None,
        "nhan_xet_gvcn": None,
    }


def learner_item(transcript: Transcript, key: str, updated_at: str, codes: CodeLists) -> Item:
    """The learner item of `transcript`, with vnEdu's key `key` and its `updated_at`."""
    learner, header = transcript.learner, transcript.header
    school = header.school_code
    foreign = learner.foreign_document
    confirmation = transcript.confirmation
    ethnicity = (
        names.FOREIGN_ETHNICITY
        if learner.ethnicity == "55"
        else codes.ethnic_groups.get(learner.ethnicity, learner.ethnicity)
    )
    item: Item = {
        "vnedu_id": key,
        "ma_hs_bo": learner.learner_code,
        "ho_ten": learner.full_name,
        "ngay_sinh": date_text(learner.birth_date),
        "gioi_tinh": names.SEX[learner.sex.value],
        "dan_toc": ethnicity,
        "quoc_tich": names.COUNTRIES.get(learner.nationality, learner.nationality),
        "so_dinh_danh": learner.personal_id,
        "giay_to_nuoc_ngoai": (
            {
                "loai": foreign.kind.value,
                "so": foreign.number,
                "quoc_gia_cap": foreign.issuing_country,
            }
            if foreign is not None
            else None
        ),
        "noi_sinh": learner.birthplace,
        "que_quan": learner.hometown,
        "noi_o": learner.residence,
        "cha": learner.father,
        "me": learner.mother,
        "nguoi_giam_ho": learner.guardian,
        "doi_tuong_chinh_sach": learner.policy_group,
        "khuyet_tat_khong_danh_gia": learner.exempt_from_assessment,
        "lop": header.class_name,
        "khoi": header.grade,
        "updated_at": updated_at,
    }
    results = transcript.results
    if isinstance(results, SecondaryResults):
        item |= _secondary(results, school)
    elif isinstance(results, PrimaryResults):
        item |= _primary(results, school)
    else:
        item |= _exempt(header.level.is_primary)
    item["gvcn"] = confirmation.homeroom_teacher.name
    item["hieu_truong"] = {
        "ho_ten": confirmation.principal.name,
        "chuc_vu": confirmation.principal.title.value,
    }
    return item
