"""The subjects a transcript must carry (assessment-rules.md, version 1.0.1): HB202.

Every compulsory subject of the learner's grade is present. In primary and lower secondary
that is each subject of the code list taught in the grade and not elective there (NN1 in
grades 1–2 is elective); in upper secondary the common subjects and at least four of the
optional group. GDTX follows lower secondary in grades 6–9 and upper secondary in 10–12
(`hub.codes.follows_upper_secondary`). One finding per missing subject, naming it; one for an
optional group that is short.

All of them point at `hub.xpath.MISSING_SUBJECT` (`/HocBa/DLHocBa/KetQuaHocTap`), the spec's
own words for where a missing subject is reported, kept exactly (an independent checker may
compare it): a missing subject has no element to point at.

A learner exempt from assessment (KhuyetTatKhongDanhGia) may lack subjects: each finding is
then a warning. A transcript without results (allowed for them) has nothing to count; results
of the other level, or a grade outside the level, are one HB002 of hub.rules.header, not a
list of missing subjects (one root, one finding).
"""

from __future__ import annotations

from hub import xpath
from hub.codes import follows_upper_secondary
from hub.findings import Finding
from hub.model import GRADES, PrimaryResults, Transcript
from hub.rules.base import RuleContext, stated_severity

_EXEMPT_VI = " (học sinh khuyết tật không đánh giá: chỉ cảnh báo)"
_EXEMPT_EN = " (a learner exempt from assessment: a warning only)"


def check_compulsory(transcript: Transcript, context: RuleContext) -> list[Finding]:
    """HB202 for each compulsory subject of the grade the transcript lacks (warnings if exempt)."""
    results = transcript.results
    level, grade = transcript.header.level, transcript.header.grade
    # No results (allowed for an exempt learner), results of the other level or a grade
    # outside the level (each one HB002 of hub.rules.header): nothing to count against.
    if (
        results is None
        or isinstance(results, PrimaryResults) != level.is_primary
        or grade not in GRADES[level]
    ):
        return []
    present = {s.code for s in results.subjects}
    severity = stated_severity(transcript)
    exempt = transcript.learner.exempt_from_assessment
    note_vi, note_en = (_EXEMPT_VI, _EXEMPT_EN) if exempt else ("", "")
    findings = [
        Finding(
            "HB202",
            severity,
            xpath.MISSING_SUBJECT,
            f"Học bạ lớp {grade} thiếu môn bắt buộc {subject.name} ({subject.code}); cần đủ "
            f"các môn bắt buộc của lớp {grade}{note_vi}.",
            f"The grade {grade} transcript lacks the compulsory subject {subject.code} "
            f"({subject.name}); expected every compulsory subject of grade {grade}{note_en}.",
        )
        for subject in context.codes.compulsory_subjects(level, grade)
        if subject.code not in present
    ]
    if not follows_upper_secondary(level, grade):
        return findings
    # Upper secondary: at least so many of the optional group. More than that is
    # hub.rules.secondary's warning (a school's approved extra subject).
    group = context.codes.upper_optional_subjects()
    chosen = [s.code for s in group if s.code in present]
    minimum = context.codes.upper_secondary_electives
    if len(chosen) < minimum:
        listed = ", ".join(chosen) or "-"
        findings.append(
            Finding(
                "HB202",
                severity,
                xpath.MISSING_SUBJECT,
                f"Học sinh THPT có {len(chosen)} môn lựa chọn ({listed}); cần ít nhất {minimum} "
                f"môn trong nhóm lựa chọn: {', '.join(f'{s.name} ({s.code})' for s in group)}"
                f"{note_vi}.",
                f"Upper secondary learner has {len(chosen)} optional subjects ({listed}); "
                f"expected at least {minimum} of the optional group "
                f"{', '.join(s.code for s in group)}{note_en}.",
            )
        )
    return findings
