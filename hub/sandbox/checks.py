"""The sandbox's document checks: the hub's own checks, composed in the spec's order.

    1  HB001        well-formed, no DTD/entity, ≤ 2 MB  ┐ hub.document.check.check_document
    2  HB002        the transcript schema               ┘
    3–6 HB003–HB006 signatures: profile, values, trust, roles   hub.signing.verify
    7  HB101–HB105  identity (structure: the rules; against the roster: here)
       HB201–HB202  assessment rules                    hub.document.check (the rules)
    8  HB301–HB302  duplicates and replacement          here, against the issued register

Stages 1 to 6 are gates: a document failing one is reported with that stage's errors only,
because what comes after cannot be trusted (a schema-invalid document has no reliable
content, and content under a broken signature is not the school's). Identity and rules are
reported together, so a sender fixes everything at once; duplicates are decided last, and in
the same transaction as the issue (`duplicates`), for a document that passed everything else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub import xpath
from hub.codes import CodeLists, load_codes
from hub.document.check import check_document
from hub.findings import Finding, error
from hub.ministry.contract import DOCUMENT_CODES
from hub.model import Transcript
from hub.sandbox.roster import Enrolment, Roster
from hub.sandbox.store import Register
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

GATES = ("HB001", "HB002", "HB003", "HB004", "HB005", "HB006")
_ORDER = {code: i for i, code in enumerate(DOCUMENT_CODES)}


@dataclass(frozen=True)
class Facts:
    """What the register needs of a document that passed the checks."""

    ma_ho_so: str
    learner: str  # MaHocSinh
    school: str  # MaTruong
    school_year: str  # NamHoc
    replaces: str | None  # ThayTheCho

    @classmethod
    def of(cls, transcript: Transcript) -> Facts:
        header = transcript.header
        return cls(
            header.record_id,
            transcript.learner.learner_code,
            header.school_code,
            header.school_year,
            header.replaces,
        )


@dataclass(frozen=True)
class Verdict:
    """The errors found (empty: the document may be issued) and the document's facts."""

    errors: list[Finding]
    facts: Facts | None


class DocumentChecks:
    """Checks 1 to 7 of a document, in order; `duplicates` is check 8.

    Args:
        trust: roots, intermediates and CRLs of the trusted CAs.
        roster: the sector database.
        codes: the code lists the rules use (the project's own by default).
    """

    def __init__(self, trust: TrustStore, roster: Roster, codes: CodeLists | None = None) -> None:
        self.trust = trust
        self.roster = roster
        self.codes = codes or load_codes()

    def check(self, data: bytes, received_at: datetime) -> Verdict:
        """Run checks 1 to 7 on one document received at `received_at`."""
        report = check_document(data, codes=self.codes, today=received_at.date())
        content, transcript = _errors(report.findings), report.transcript
        for gate in GATES[:2]:
            stopped = [f for f in content if f.code == gate]
            if stopped:
                return Verdict(stopped, None)
        if transcript is None:  # no finding yet no model: never accept what was not read
            unread = error(
                "HB002",
                xpath.ROOT,
                "Không đọc được nội dung học bạ theo lược đồ.",
                "The transcript's content could not be read against the schema.",
            )
            return Verdict([unread], None)
        signatures = _errors(verify_document(data, self.trust, received_at=received_at).findings)
        for gate in GATES:
            stopped = [f for f in signatures if f.code == gate]
            if stopped:
                return Verdict(stopped, None)
        found = [f for f in content if f.code not in GATES]
        found += identity_findings(transcript, self.roster)
        found.sort(key=lambda f: _ORDER.get(f.code, len(_ORDER)))
        return Verdict(found, Facts.of(transcript))


def identity_findings(transcript: Transcript, roster: Roster) -> list[Finding]:
    """HB103–HB105: the learner against the sector database."""
    learner, header = transcript.learner, transcript.header
    enrolments = roster.enrolments(learner.learner_code)
    if not enrolments:
        return [
            error(
                "HB103",
                xpath.learner("MaHocSinh"),
                "Mã học sinh không có trong cơ sở dữ liệu ngành.",
                "MaHocSinh is not in the sector database.",
            )
        ]
    here = [
        e for e in enrolments if (e.MaTruong, e.NamHoc) == (header.school_code, header.school_year)
    ]
    known = here[-1] if here else enrolments[-1]
    found = _differences(transcript, known)
    if not here:
        found.append(
            error(
                "HB105",
                xpath.header("MaTruong"),
                f"Học sinh không có tên tại trường {header.school_code} "
                f"trong năm học {header.school_year} theo cơ sở dữ liệu ngành.",
                f"The learner is not enrolled at school {header.school_code} in "
                f"{header.school_year} according to the sector database.",
            )
        )
    return found


def _differences(transcript: Transcript, known: Enrolment) -> list[Finding]:
    learner = transcript.learner
    fields: list[tuple[str, str, bool]] = [
        ("SoDinhDanh", "Số định danh", (learner.personal_id or None) == (known.SoDinhDanh or None)),
        ("HoVaTen", "Họ và tên", _same_name(learner.full_name, known.HoVaTen)),
        ("NgaySinh", "Ngày sinh", learner.birth_date == known.NgaySinh),
        ("GioiTinh", "Giới tính", learner.sex.value == known.GioiTinh),
    ]
    return [
        error(
            "HB104",
            xpath.learner(name),
            f"{label} khác với cơ sở dữ liệu ngành.",
            f"{name} differs from the sector database.",
        )
        for name, label, same in fields
        if not same
    ]


def _same_name(a: str, b: str) -> bool:
    """Names compare in NFC, whitespace collapsed, case-insensitively: the same person."""

    def norm(name: str) -> str:
        return " ".join(unicodedata.normalize("NFC", name).split()).casefold()

    return norm(a) == norm(b)


def duplicates(register: Register, facts: Facts) -> list[Finding]:
    """HB302 then HB301, against the issued register (inside the issuing transaction)."""
    if facts.replaces is not None:
        old = register.transcript(facts.replaces)
        problem = None
        if old is None:
            problem = ("không tồn tại", "does not exist")
        elif (old.learner, old.school, old.school_year) != (
            facts.learner,
            facts.school,
            facts.school_year,
        ):
            problem = (
                "thuộc học sinh, trường hoặc năm học khác",
                "belongs to another learner, school or year",
            )
        elif old.withdrawn_at is None:
            problem = ("chưa bị thu hồi", "is not withdrawn")
        elif old.replaced_by is not None:
            problem = (
                f"đã được thay bằng {old.replaced_by}",
                f"is already replaced by {old.replaced_by}",
            )
        if problem is not None:
            return [
                error(
                    "HB302",
                    xpath.header("ThayTheCho"),
                    f"Học bạ {facts.replaces} nêu trong ThayTheCho {problem[0]}.",
                    f"The transcript {facts.replaces} named in ThayTheCho {problem[1]}.",
                )
            ]
    issued = register.issued_for(facts.learner, facts.school, facts.school_year)
    if issued is not None:
        return [
            error(
                "HB301",
                xpath.learner("MaHocSinh"),
                f"Học sinh đã có học bạ {issued.id} của trường {facts.school} năm học "
                f"{facts.school_year}; hãy thu hồi trước khi gửi bản thay thế (ThayTheCho).",
                f"The learner already has transcript {issued.id} for school {facts.school} "
                f"and {facts.school_year}; withdraw it before sending a replacement (ThayTheCho).",
            )
        ]
    return []


def _errors(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]
