"""Identity rules of the learner (assessment-rules.md "Identity checks", codes.md, HocSinh).

- HB101: a Vietnamese learner without SoDinhDanh; a foreign learner without GiayToNuocNgoai or
  with a DanToc other than 55.
- HB102: SoDinhDanh not `PPP G YY RRRRRR` (12 digits, `0` + an old province code, the
  century/sex digit of GioiTinh and the birth century, the birth year's last two digits).
- HB002: DanToc not in the code list, or 55 (foreign) for a Vietnamese citizen; and, as a
  warning, a learner under 18 with none of Cha, Me, NguoiGiamHo.

The comparison with the sector database's record (HB103–HB105) needs the ministry's look-up
and is not a rule over the document alone.

Messages never repeat the whole SoDinhDanh: findings are printed and logged, and a full
personal ID number must not be (project rule). They quote only the digits at fault.
"""

from __future__ import annotations

from hub import xpath
from hub.findings import Finding, error, warning
from hub.model import Learner, Sex, Transcript
from hub.rules.base import RuleContext, age_on

VIETNAM = "VN"
FOREIGN_ETHNICITY = "55"
ADULT_AGE = 18
ID_LENGTH = 12

_SEX_VI = {Sex.MALE: "nam", Sex.FEMALE: "nữ"}
_SEX_EN = {Sex.MALE: "male", Sex.FEMALE: "female"}
_FIRST_CENTURY = 1900  # digit G: 0/1 for 1900–1999, 2/3 for 2000–2099, 4/5 for 2100–2199
_LAST_BIRTH_YEAR = 2199


def check_identity(transcript: Transcript, context: RuleContext) -> list[Finding]:
    """Every identity finding of one transcript's learner."""
    learner = transcript.learner
    ethnic_groups = context.codes.ethnic_groups
    findings: list[Finding] = []
    if learner.ethnicity not in ethnic_groups:
        findings.append(
            error(
                "HB002",
                xpath.learner("DanToc"),
                f"DanToc '{learner.ethnicity}' không có trong danh mục dân tộc; "
                "cần mã 01–54, hoặc 55 cho người nước ngoài.",
                f"DanToc '{learner.ethnicity}' is not in the ethnic group list; "
                "expected 01–54, or 55 for a foreign learner.",
            )
        )
    personal_id = learner.personal_id
    has_id = bool(personal_id and personal_id.strip())
    if learner.nationality == VIETNAM:
        if not has_id:
            findings.append(
                error(
                    "HB101",
                    xpath.learner("SoDinhDanh"),
                    "Học sinh quốc tịch Việt Nam nhưng không có SoDinhDanh; "
                    "cần số định danh cá nhân 12 chữ số.",
                    "Vietnamese learner (QuocTich VN) has no SoDinhDanh; "
                    "expected the 12-digit personal ID number.",
                )
            )
        if learner.ethnicity == FOREIGN_ETHNICITY:
            findings.append(
                error(
                    "HB002",
                    xpath.learner("DanToc"),
                    "DanToc 55 (người nước ngoài) nhưng QuocTich là VN; "
                    "cần mã dân tộc 01–54 của học sinh.",
                    "DanToc is 55 (foreign) but QuocTich is VN; "
                    "expected the learner's ethnic group 01–54.",
                )
            )
    else:
        findings.extend(_foreign_learner(learner))
    if has_id:
        assert personal_id is not None  # has_id says so; for mypy
        findings.extend(_personal_id(personal_id, learner, context))
    guardian = _guardian(transcript)
    if guardian is not None:
        findings.append(guardian)
    return findings


def _foreign_learner(learner: Learner) -> list[Finding]:
    findings: list[Finding] = []
    if learner.foreign_document is None:
        findings.append(
            error(
                "HB101",
                xpath.learner("GiayToNuocNgoai"),
                f"Học sinh quốc tịch {learner.nationality} không có GiayToNuocNgoai; "
                "cần giấy tờ nước ngoài (Loai, So, QuocGiaCap).",
                f"Foreign learner (QuocTich {learner.nationality}) has no GiayToNuocNgoai; "
                "expected a foreign identity document (Loai, So, QuocGiaCap).",
            )
        )
    if learner.ethnicity != FOREIGN_ETHNICITY:
        findings.append(
            error(
                "HB101",
                xpath.learner("DanToc"),
                f"Học sinh quốc tịch {learner.nationality} có DanToc '{learner.ethnicity}'; "
                "cần 55 (người nước ngoài).",
                f"Foreign learner (QuocTich {learner.nationality}) has DanToc "
                f"'{learner.ethnicity}'; expected 55 (foreign).",
            )
        )
    return findings


def _personal_id(pid: str, learner: Learner, context: RuleContext) -> list[Finding]:
    """HB102 findings of a present SoDinhDanh: structure first, then consistency."""
    where = xpath.learner("SoDinhDanh")
    # isascii() first: str.isdigit() also accepts other scripts' digits ("٣").
    if len(pid) != ID_LENGTH or not (pid.isascii() and pid.isdigit()):
        return [
            error(
                "HB102",
                where,
                f"SoDinhDanh có {len(pid)} ký tự"
                + ("" if pid.isascii() and pid.isdigit() else ", không chỉ gồm chữ số")
                + "; cần đúng 12 chữ số.",
                f"SoDinhDanh has {len(pid)} characters"
                + ("" if pid.isascii() and pid.isdigit() else ", not all digits")
                + "; expected exactly 12 digits.",
            )
        ]
    findings: list[Finding] = []
    prefix = pid[:3]
    if prefix[0] != "0" or prefix[1:] not in context.codes.old_provinces:
        findings.append(
            error(
                "HB102",
                where,
                f"Ba chữ số đầu của SoDinhDanh là '{prefix}', không phải mã tỉnh; "
                "cần 0 + mã tỉnh cũ nơi đăng ký khai sinh (001–096).",
                f"SoDinhDanh starts with '{prefix}', which is no province; "
                "expected 0 + the old province code of the birth registration (001–096).",
            )
        )
    birth_year = learner.birth_date.year
    # Outside 1900–2199 the digit has no defined value; the age rule (header) reports that.
    if _FIRST_CENTURY <= birth_year <= _LAST_BIRTH_YEAR:
        century = (birth_year - _FIRST_CENTURY) // 100
        expected_digit = str(2 * century + (learner.sex is Sex.FEMALE))
        if pid[3] != expected_digit:
            findings.append(
                error(
                    "HB102",
                    where,
                    f"Chữ số thứ 4 (thế kỷ, giới tính) của SoDinhDanh là '{pid[3]}' nhưng "
                    f"học sinh {_SEX_VI[learner.sex]} sinh năm {birth_year} cần "
                    f"'{expected_digit}'.",
                    f"SoDinhDanh's 4th digit (century and sex) is '{pid[3]}' but a "
                    f"{_SEX_EN[learner.sex]} learner born in {birth_year} needs "
                    f"'{expected_digit}'.",
                )
            )
    expected_year = f"{birth_year % 100:02d}"
    if pid[4:6] != expected_year:
        findings.append(
            error(
                "HB102",
                where,
                f"Chữ số thứ 5–6 của SoDinhDanh là '{pid[4:6]}' nhưng NgaySinh năm "
                f"{birth_year} cần '{expected_year}'.",
                f"SoDinhDanh's digits 5–6 are '{pid[4:6]}' but NgaySinh in {birth_year} "
                f"needs '{expected_year}'.",
            )
        )
    return findings


def _guardian(transcript: Transcript) -> Finding | None:
    """A warning when a learner under 18 (on NgayLap) has no parent or guardian named."""
    learner = transcript.learner
    if learner.father or learner.mother or learner.guardian:
        return None
    issued = transcript.header.issue_date
    age = age_on(learner.birth_date, issued)
    if age >= ADULT_AGE:
        return None
    return warning(
        "HB002",
        xpath.learner(),
        f"Học sinh {age} tuổi (dưới 18) vào ngày lập nhưng không có Cha, Me hay "
        "NguoiGiamHo; cần ít nhất một người.",
        f"Learner aged {age} (under 18) on NgayLap has none of Cha, Me, NguoiGiamHo; "
        "expected at least one.",
    )
