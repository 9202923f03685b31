"""Learner items exactly as sources.md spells them, written from a Transcript (the oracle).

Written here, apart from the simulator's, so that the adapter is tested against the spec's
shape as read by someone else: a secondary item per the spec's example, a primary item per its
description, scores with a decimal comma ("8,5"; a whole score as "9" or "9,0"), dates
dd/mm/yyyy, and names as schools type them (a few spellings per subject).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.api import CommentSubject, PrimaryResults, ScoredSubject, SecondaryResults, Transcript
from hub.codes import load_codes

SPELLINGS = {
    "GDTC": "GD thể chất",
    "NN1": "Tiếng Anh",
    "TOAN": "Toán",
    "LSDL": "Lịch sử và Địa lý",
    "HDTN": "HĐTN-HN",
    "KHTN": "KH tự nhiên",
    "MT": "Mỹ thuật",
}
"""Secondary subjects named as a school would type them; the others get codes.md's name."""

PRIMARY_SPELLINGS = {
    "GDTC": "GD thể chất",
    "NN1": "Tiếng Anh",
    "TOAN": "Toan",
    "HDTN": "HĐTN",
    "MT": "Mỹ thuật",
    "TNXH": "TN&XH",
}

LEVEL = {"T": "Tốt", "K": "Khá", "D": "Đạt", "CD": "Chưa đạt"}
MARK = {"D": "Đ", "CD": "CĐ"}
CONCLUSION = {
    "LEN_LOP": "Được lên lớp",
    "O_LAI": "Ở lại lớp",
    "KIEM_TRA_LAI": "Kiểm tra lại",
    "REN_LUYEN_HE": "Rèn luyện trong hè",
}
TITLE = {"HSXS": "Học sinh Xuất sắc", "HSG": "Học sinh Giỏi"}
RATING = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
QUALITY = {"T": "Tốt", "D": "Đạt", "C": "Cần cố gắng"}
EVALUATION = {
    "HTXS": "Hoàn thành xuất sắc",
    "HTT": "Hoàn thành tốt",
    "HT": "Hoàn thành",
    "CHT": "Chưa hoàn thành",
}
UPDATED_AT = "2025-05-28T08:00:00+07:00"


def comma(score: Decimal, n: int = 0) -> str:
    """8.5 → "8,5"; 9.0 → "9" or "9,0" by turns (both are the same score)."""
    if score == score.to_integral_value():
        return f"{int(score)}" if n % 2 == 0 else f"{int(score)},0"
    return str(score).replace(".", ",")


def subject_name(code: str, primary: bool) -> str:
    codes = load_codes()
    table = codes.primary_subjects if primary else codes.secondary_subjects
    return (PRIMARY_SPELLINGS if primary else SPELLINGS).get(code, table[code].name)


def item_of(t: Transcript, vnedu_id: str, updated_at: str = UPDATED_AT) -> dict[str, Any]:
    """The learner item vnEdu would list for `t`."""
    codes = load_codes()
    lr, h, c = t.learner, t.header, t.confirmation
    foreign = lr.foreign_document
    item: dict[str, Any] = {
        "vnedu_id": vnedu_id,
        "ma_hs_bo": lr.learner_code,
        "ho_ten": lr.full_name,
        "ngay_sinh": lr.birth_date.strftime("%d/%m/%Y"),
        "gioi_tinh": "Nam" if lr.sex.value == "1" else "Nữ",
        "dan_toc": codes.ethnic_groups[lr.ethnicity],
        "quoc_tich": "Việt Nam" if lr.nationality == "VN" else lr.nationality,
        "so_dinh_danh": lr.personal_id,
        "giay_to_nuoc_ngoai": None
        if foreign is None
        else {
            "loai": foreign.kind.value,
            "so": foreign.number,
            "quoc_gia_cap": foreign.issuing_country,
        },
        "noi_sinh": lr.birthplace,
        "que_quan": lr.hometown,
        "noi_o": lr.residence,
        "cha": lr.father,
        "me": lr.mother,
        "nguoi_giam_ho": lr.guardian,
        "doi_tuong_chinh_sach": lr.policy_group,
        "khuyet_tat_khong_danh_gia": lr.exempt_from_assessment,
        "lop": h.class_name,
        "khoi": h.grade,
        "updated_at": updated_at,
        "gvcn": c.homeroom_teacher.name,
        "hieu_truong": {"ho_ten": c.principal.name, "chuc_vu": c.principal.title.value},
    }
    r = t.results
    if isinstance(r, SecondaryResults):
        item["ket_qua"] = {
            subject_name(s.code, False): _secondary_subject(s, n) for n, s in enumerate(r.subjects)
        }
        item["hoc_tap"] = {
            "hk1": LEVEL[r.learning.semester1.value],
            "hk2": LEVEL[r.learning.semester2.value],
            "ca_nam": LEVEL[r.learning.year.value],
            "sau_kiem_tra_lai": _level(r.learning.after_summer),
        }
        item["ren_luyen"] = {
            "hk1": LEVEL[r.training.semester1.value],
            "hk2": LEVEL[r.training.semester2.value],
            "ca_nam": LEVEL[r.training.year.value],
            "sau_ren_luyen_he": _level(r.training.after_summer),
        }
        item["so_buoi_nghi"] = r.absences
        item["ket_luan"] = CONCLUSION[r.conclusion.value]
        item["danh_hieu"] = TITLE[r.title.value] if r.title else None
        item["nhan_xet_gvcn"] = r.homeroom_comment
    elif isinstance(r, PrimaryResults):
        item["ket_qua"] = {
            subject_name(s.code, True): {
                "muc_dat": RATING[s.rating.value],
                "diem_kt_cuoi_nam": None if s.test_score is None else str(s.test_score),
                "giao_vien": s.teacher.name,
                "nhan_xet": s.comment or None,
            }
            for s in r.subjects
        }
        item["pham_chat"] = {codes.qualities[q.code]: QUALITY[q.rating.value] for q in r.qualities}
        item["nang_luc"] = {
            codes.competencies[q.code]: QUALITY[q.rating.value] for q in r.competencies
        }
        item["danh_gia_cuoi_nam"] = EVALUATION[r.evaluation.value]
        item["hoan_thanh_chuong_trinh_lop"] = r.completed_grade
        if r.completed_primary is not None:
            item["hoan_thanh_chuong_trinh_tieu_hoc"] = r.completed_primary
        item["khen_thuong"] = "; ".join(r.awards) or None
        item["nhan_xet_gvcn"] = r.homeroom_comment
    return item


def _level(level: Any) -> str | None:
    return None if level is None else LEVEL[level.value]


def _secondary_subject(s: ScoredSubject | CommentSubject, n: int) -> dict[str, Any]:
    common = {"giao_vien": s.teacher.name, "nhan_xet": s.comment or None}
    if isinstance(s, ScoredSubject):
        return {
            **{
                f"hk{k}": {
                    "tx": [comma(x, n + i) for i, x in enumerate(sem.regular)],
                    "gk": comma(sem.midterm, n),
                    "ck": comma(sem.final, n + 1),
                    "tb": comma(sem.average, n),
                }
                for k, sem in ((1, s.semester1), (2, s.semester2))
            },
            "ca_nam": comma(s.year_average, n),
            "kiem_tra_lai": None if s.retest_score is None else comma(s.retest_score),
            **common,
        }
    return {
        "hk1": MARK[s.semester1.value],
        "hk2": MARK[s.semester2.value],
        "ca_nam": MARK[s.year_result.value],
        "kiem_tra_lai": None if s.retest_result is None else MARK[s.retest_result.value],
        **common,
    }


def school_of(t: Transcript) -> dict[str, str]:
    """The school's entry in GET /v2/schools."""
    h = t.header
    return {"ma_truong": h.school_code, "ten_truong": h.school_name, "cap_hoc": h.level.value}


def details_of(t: Transcript) -> dict[str, str]:
    """What the configuration says of the school (vnEdu does not): `school_details`."""
    h = t.header
    return {
        "department_code": h.department_code,
        "place_of_issue": h.place_of_issue,
        "issue_date": h.issue_date.isoformat(),
    }
