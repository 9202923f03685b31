"""Rules of a primary learner's year (Thông tư 27/2020; assessment-rules.md "Primary").

- HB202: each MonHoc is a primary subject taught in the grade; DiemKTCuoiNam is present exactly
  for the subjects with a year-end test in that grade, an integer 1–10; PhamChat and NangLuc are
  exactly the code list's five qualities and ten competencies, each once.
- HB201: DanhGiaCuoiNam is what the ratings and test scores give; HoanThanhChuongTrinhLop is
  true exactly for HTXS, HTT and HT; HoanThanhChuongTrinhTieuHoc is stated in grade 5 only, and
  equals HoanThanhChuongTrinhLop there.

As for secondary (hub.rules.secondary), a completion flag that follows from a stated but wrong
DanhGiaCuoiNam is not reported again: the evaluation is the root.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub import xpath
from hub.findings import Finding, Severity, error
from hub.model import PrimaryEvaluation, PrimaryResults, Rated, Transcript
from hub.rules import compute
from hub.rules.base import RuleContext, stated_severity

LAST_PRIMARY_GRADE = 5
MIN_TEST, MAX_TEST = 1, 10
_EVALUATION_VI = {
    PrimaryEvaluation.HTXS: "HTXS (Hoàn thành xuất sắc)",
    PrimaryEvaluation.HTT: "HTT (Hoàn thành tốt)",
    PrimaryEvaluation.HT: "HT (Hoàn thành)",
    PrimaryEvaluation.CHT: "CHT (Chưa hoàn thành)",
}
_BOOL_VI = {True: "true (có)", False: "false (không)", None: "trống"}
_BOOL_EN = {True: "true", False: "false", None: "empty"}


def check_primary(transcript: Transcript, context: RuleContext) -> list[Finding]:
    """Every finding of KetQuaTieuHoc."""
    results = transcript.results
    # Results of the other level are one HB002 (hub.rules.header), not a cascade of these.
    if not isinstance(results, PrimaryResults) or not transcript.header.level.is_primary:
        return []
    grade = transcript.header.grade
    findings: list[Finding] = []
    _subjects(results, grade, context, findings)
    _rated("PhamChat", results.qualities, context.codes.qualities, findings)
    _rated("NangLuc", results.competencies, context.codes.competencies, findings)
    _evaluation(results, grade, stated_severity(transcript), findings)
    return findings


def _subjects(
    results: PrimaryResults, grade: int, context: RuleContext, findings: list[Finding]
) -> None:
    catalogue = context.codes.primary_subjects
    for subject in results.subjects:
        code = subject.code
        known = catalogue.get(code)
        if known is None:
            findings.append(
                error(
                    "HB202",
                    xpath.subject(True, code),
                    f"Môn '{code}' không có trong danh mục môn học tiểu học; "
                    "cần một mã môn của danh mục (codes.md).",
                    f"Subject '{code}' is not in the primary subject list; "
                    "expected a subject code of the list (codes.md).",
                )
            )
        elif not known.allowed_in(grade):
            findings.append(
                error(
                    "HB202",
                    xpath.subject(True, code),
                    f"Môn {known.name} ({code}) không được dạy ở lớp {grade}; "
                    f"cần môn của chương trình lớp {grade}.",
                    f"Subject {code} is not taught in grade {grade}; "
                    f"expected a subject of the grade {grade} curriculum.",
                )
            )
        name = known.name if known is not None else code
        has_test = known is not None and known.has_test(grade)
        test = subject.test_score
        where = xpath.subject(True, code, "DiemKTCuoiNam")
        if test is None:
            if has_test:
                findings.append(
                    error(
                        "HB202",
                        where,
                        f"Môn {name} lớp {grade} thiếu điểm kiểm tra cuối năm (DiemKTCuoiNam); "
                        "cần điểm nguyên từ 1 đến 10.",
                        f"{code} in grade {grade} has no year-end test score (DiemKTCuoiNam); "
                        "expected a whole number from 1 to 10.",
                    )
                )
        elif not has_test:
            findings.append(
                error(
                    "HB202",
                    where,
                    f"Môn {name} lớp {grade} không có bài kiểm tra cuối năm nhưng có "
                    f"DiemKTCuoiNam {test}; cần bỏ trống.",
                    f"{code} has no year-end test in grade {grade} but DiemKTCuoiNam is "
                    f"{test}; expected none.",
                )
            )
        elif not MIN_TEST <= test <= MAX_TEST:
            findings.append(
                error(
                    "HB202",
                    where,
                    f"Điểm kiểm tra cuối năm môn {name} là {test}; cần điểm nguyên từ 1 đến 10.",
                    f"Year-end test score of {code} is {test}; "
                    "expected a whole number from 1 to 10.",
                )
            )


def _rated(
    kind: str, items: tuple[Rated, ...], expected: Mapping[str, str], findings: list[Finding]
) -> None:
    """PhamChat or NangLuc: exactly the codes of the list, each once."""
    seen: set[str] = set()
    for item in items:
        code = item.code
        if code not in expected:
            findings.append(
                error(
                    "HB202",
                    xpath.rated(kind, code),
                    f"{kind} '{code}' không có trong danh mục; cần một trong "
                    f"{', '.join(expected)}.",
                    f"{kind} '{code}' is not in the list; expected one of {', '.join(expected)}.",
                )
            )
        elif code in seen:
            findings.append(
                error(
                    "HB202",
                    xpath.rated(kind, code),
                    f"{kind} '{code}' được đánh giá hai lần; cần đúng một lần.",
                    f"{kind} '{code}' is rated twice; expected exactly once.",
                )
            )
        seen.add(code)
    missing = ", ".join(code for code in expected if code not in seen)
    if missing:
        findings.append(
            error(
                "HB202",
                xpath.results(True, kind),
                f"Thiếu {kind} {missing}; cần đủ {len(expected)} mục của danh mục.",
                f"{kind} {missing} missing; expected all {len(expected)} of the list.",
            )
        )


def _evaluation(
    results: PrimaryResults, grade: int, severity: Severity, findings: list[Finding]
) -> None:
    """DanhGiaCuoiNam and the two completion flags."""
    expected = compute.primary_evaluation(
        [s.rating for s in results.subjects],
        [r.rating for r in (*results.qualities, *results.competencies)],
        [s.test_score for s in results.subjects if s.test_score is not None],
    )
    stated = results.evaluation
    if stated is not expected:
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.results(True, "DanhGiaCuoiNam"),
                f"DanhGiaCuoiNam ghi {_EVALUATION_VI[stated]} nhưng tính ra "
                f"{_EVALUATION_VI[expected]} từ mức đạt các môn, phẩm chất, năng lực và điểm "
                "kiểm tra cuối năm.",
                f"DanhGiaCuoiNam is {stated.value} but computes to {expected.value} from the "
                "subject ratings, qualities, competencies and year-end test scores.",
            )
        )
    completed = compute.completed_grade(expected)
    # One root: a flag consistent with the stated (already reported) evaluation is no new error.
    if results.completed_grade not in (completed, compute.completed_grade(stated)):
        findings.append(
            _flag("HoanThanhChuongTrinhLop", results.completed_grade, completed, severity)
        )
    stated_primary = results.completed_primary
    if grade == LAST_PRIMARY_GRADE:
        if stated_primary not in (completed, results.completed_grade):
            findings.append(
                _flag("HoanThanhChuongTrinhTieuHoc", stated_primary, completed, severity)
            )
    elif stated_primary is not None:
        findings.append(
            Finding(
                "HB201",
                severity,
                xpath.results(True, "HoanThanhChuongTrinhTieuHoc"),
                f"Lớp {grade} có HoanThanhChuongTrinhTieuHoc; chỉ ghi ở lớp 5, cần bỏ trống.",
                f"Grade {grade} has HoanThanhChuongTrinhTieuHoc; it is stated in grade 5 only, "
                "expected none.",
            )
        )


def _flag(element: str, stated: bool | None, expected: bool, severity: Severity) -> Finding:
    return Finding(
        "HB201",
        severity,
        xpath.results(True, element),
        f"{element} ghi {_BOOL_VI[stated]} nhưng tính ra {_BOOL_VI[expected]} "
        "(đúng khi đánh giá cuối năm là HTXS, HTT hoặc HT).",
        f"{element} is {_BOOL_EN[stated]} but computes to {_BOOL_EN[expected]} "
        "(true when the year-end evaluation is HTXS, HTT or HT).",
    )
