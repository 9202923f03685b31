"""Check 6 of the receiver: the roles, their order in time, whose seal the DV is, and whom
each personal certificate names.

Every required role signs once: GVCN, HT and DV always, and a GVBM for each MonHoc of a
secondary or GDTX document (none on a primary one). Signing times are ordered
GVBM ≤ GVCN ≤ HT ≤ DV and none is after receipt. The DV certificate's subject carries
`UID = MaTruong:<the document's MaTruong>`. Version 1.0.1: a GVBM, GVCN or HT certificate's
CN names the person the document names for that signature (hub.signing.named), so a document
whose every subject is signed by one "teacher" key no longer passes.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from hub import xpath
from hub.findings import Finding, error
from hub.signing.named import (
    PERSONAL_ROLES,
    keys_name_person,
    named_name,
    named_xpath,
    path_text,
)
from hub.signing.profile import ALWAYS_REQUIRED, ROLE_NAMES_VI, Role, doc, signature_xpath
from hub.signing.structure import ParsedSignature

RoleFinding = tuple[Finding, str | None]  # the finding, and the signature it concerns if one

_DATA, _SECONDARY, _SUBJECT = doc("DLHocBa"), doc("KetQuaTrungHoc"), doc("MonHoc")
_SCHOOL_STEPS = (_DATA, doc("TTChung"), doc("MaTruong"))


def _role_xpath(role: Role, subject_code: str | None = None) -> str:
    where = f"{xpath.SIGNATURES}/ChuKy[@VaiTro='{role}']"
    return f"{where}[@MaMon='{subject_code}']" if subject_code else where


def _finding(signature: ParsedSignature, vi: str, en: str) -> RoleFinding:
    where = signature_xpath(signature.signature_id, signature.position)
    return error("HB006", where, vi, en), signature.signature_id


def _presence(root: etree._Element, signatures: list[ParsedSignature]) -> list[RoleFinding]:
    findings: list[RoleFinding] = []
    secondary = next(
        (r for d in root.iterchildren(_DATA) for r in d.iterchildren(_SECONDARY)), None
    )  # root.find("DLHocBa/KetQuaTrungHoc"), without ElementPath
    subjects = (
        [s.get("MaMon", "") for s in secondary.iterchildren(_SUBJECT)]
        if secondary is not None
        else []
    )
    wanted: list[tuple[Role, str | None]] = [(Role.GVBM, code) for code in subjects]
    wanted += [(role, None) for role in ALWAYS_REQUIRED]
    by_role: dict[tuple[Role, str | None], list[ParsedSignature]] = {}
    for signature in signatures:
        by_role.setdefault((signature.role, signature.subject_code), []).append(signature)
    for role, code in wanted:
        matching = by_role.get((role, code), [])
        if len(matching) == 1:
            continue  # the usual case, with nothing to say
        what_vi = ROLE_NAMES_VI[role] + (f" {code}" if code else "")
        what_en = f"{role} signature" + (f" for subject {code}" if code else "")
        if not matching:
            findings.append(
                (
                    error(
                        "HB006",
                        _role_xpath(role, code),
                        f"Thiếu chữ ký bắt buộc của {what_vi} ({role}).",
                        f"The required {what_en} is missing.",
                    ),
                    None,
                )
            )
        for extra in matching[1:]:
            findings.append(
                _finding(
                    extra,
                    f"Chữ ký {what_vi} ({role}) bị lặp; mỗi vai trò ký đúng một lần.",
                    f"The {what_en} is duplicated; each role signs exactly once.",
                )
            )
    for signature in signatures:
        if signature.role is Role.GVBM and signature.subject_code not in subjects:
            findings.append(
                _finding(
                    signature,
                    "Chữ ký GVBM chỉ có ở học bạ THCS, THPT, GDTX, cho một môn của học bạ.",
                    "A GVBM signature belongs only to a secondary or GDTX document, for one "
                    "of its subjects.",
                )
            )
    return findings


def _timing(signatures: list[ParsedSignature], received_at: datetime) -> list[RoleFinding]:
    findings: list[RoleFinding] = []
    latest: dict[Role, ParsedSignature] = {}  # per role, its latest signature
    for signature in signatures:
        best = latest.get(signature.role)
        if best is None or signature.signing_time > best.signing_time:
            latest[signature.role] = signature
    # Per role, the latest signature of any role that must sign before it.
    before: dict[Role, ParsedSignature | None] = {}
    other: ParsedSignature | None = None
    for role in Role:  # in signing order
        before[role] = other
        mine = latest.get(role)
        if mine is not None and (other is None or mine.signing_time > other.signing_time):
            other = mine
    for signature in signatures:
        other = before[signature.role]
        if other is not None and other.signing_time > signature.signing_time:
            findings.append(
                _finding(
                    signature,
                    f"{signature.role} ký lúc {signature.signing_time.isoformat()}, trước "
                    f"{other.role} ({other.signing_time.isoformat()}); thứ tự phải là "
                    f"GVBM ≤ GVCN ≤ HT ≤ DV.",
                    f"{signature.role} signed at {signature.signing_time.isoformat()}, before "
                    f"{other.role} ({other.signing_time.isoformat()}); the order must be "
                    f"GVBM ≤ GVCN ≤ HT ≤ DV.",
                )
            )
        if signature.signing_time > received_at:
            findings.append(
                _finding(
                    signature,
                    f"Thời gian ký {signature.signing_time.isoformat()} sau thời điểm nhận "
                    f"{received_at.isoformat()}.",
                    f"Signing time {signature.signing_time.isoformat()} is after receipt "
                    f"{received_at.isoformat()}.",
                )
            )
    return findings


def _seal(root: etree._Element, signatures: list[ParsedSignature]) -> list[RoleFinding]:
    school = path_text(root, _SCHOOL_STEPS)
    findings: list[RoleFinding] = []
    for signature in signatures:
        if signature.role is not Role.DV:
            continue
        codes = signature.chain.school_codes
        if school is None or school not in codes:
            found = ", ".join(codes) or "không có / none"
            findings.append(
                _finding(
                    signature,
                    f"Chứng thư DV không phải của trường {school}: UID MaTruong là {found}.",
                    f"The DV certificate is not school {school}'s: its UID MaTruong is {found}.",
                )
            )
    return findings


def _names(signatures: list[ParsedSignature]) -> list[RoleFinding]:
    """Each personal certificate names the person the document names for it (1.0.1)."""
    findings: list[RoleFinding] = []
    for signature in signatures:
        role = signature.role
        if role not in PERSONAL_ROLES:
            continue
        # What the signature covers names the person: its MonHoc, or DLHocBa's XacNhan.
        person = named_name(signature.data.target, role)
        chain = signature.chain
        if person is not None and keys_name_person(chain.name_keys, person):
            continue
        names = chain.common_names
        code = signature.subject_code
        what_vi = ROLE_NAMES_VI[role] + (f" {code}" if code else "")
        what_en = f"{role}" + (f" for subject {code}" if code else "")
        where = named_xpath(role, code)
        cn = " / ".join(f"'{n}'" for n in names) or "(không có CN / no CN)"
        if person is None:
            named_vi, named_en = f"không ghi tên ai ở {where}", f"names no one at {where}"
        else:
            named_vi, named_en = f"ghi '{person}' ở {where}", f"names '{person}' at {where}"
        findings.append(
            _finding(
                signature,
                f"Chứng thư của {what_vi} ({role}) mang tên {cn} nhưng học bạ {named_vi}; "
                "chứng thư cá nhân phải mang tên người học bạ ghi cho chữ ký đó.",
                f"The {what_en} certificate names {cn} but the document {named_en}; a personal "
                "certificate must name the person the document names for that signature.",
            )
        )
    return findings


def check_roles(
    root: etree._Element, signatures: list[ParsedSignature], received_at: datetime
) -> list[RoleFinding]:
    """Check 6 over the signatures that passed check 3; findings in the spec's order."""
    return (
        _presence(root, signatures)
        + _seal(root, signatures)
        + _timing(signatures, received_at)
        + _names(signatures)
    )
