"""What an assignment is: one person's duty to sign one part of a school's transcripts.

A transcript carries a signature per role (shared/spec/transcript-document.md, DSCKS): a GVBM
per subject (its teacher, by class), a GVCN (the class's homeroom teacher), an HT (the
principal, or the vice-principal the document names), a DV (the school's seal). The remote
signing service finds a person's certificate by their 12-digit personal ID, and the ministry
checks that the certificate names the person the document names (HB006), so an assignment
carries both the name and the ID.

Assignments change during the year (a substitute takes a class): each change is an assignment
of its own with the day it starts; the one it replaces ends that day (`until`, exclusive).
Pure data: no store, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hub.privacy import mask_id


class Role(StrEnum):
    """A signature's VaiTro (transcript-document.md, DSCKS)."""

    GVBM = "GVBM"  # a subject's teacher, per class and subject
    GVCN = "GVCN"  # the class's homeroom teacher
    HT = "HT"  # the principal, or the vice-principal who signs for them
    DV = "DV"  # the school's seal (an organisation, not a person)


class Position(StrEnum):
    """Who signs as HT: XacNhan/HieuTruong/ChucVu, in SMAS's words."""

    PRINCIPAL = "HIEU_TRUONG"  # Hiệu trưởng
    VICE_PRINCIPAL = "PHO_HIEU_TRUONG"  # Phó Hiệu trưởng


PERSONAL_ID_DIGITS = 12


def slot_of(role: Role, class_name: str | None, subject: str | None) -> str:
    """The part signed, as one key: "GVBM/8A1/TOAN", "GVCN/8A1", "HT", "DV".

    The store's uniqueness is over this key (a NULL class would escape a unique constraint).
    """
    if role is Role.GVBM:
        return f"GVBM/{class_name}/{subject}"
    if role is Role.GVCN:
        return f"GVCN/{class_name}"
    return role.value


def default_signing_day(school_year: str) -> date:
    """31 May of the school year's second year: the day year-end transcripts are signed.

    Whoever holds a slot that day signs it; a substitute who left in March does not.
    """
    return date(int(school_year[-4:]), 5, 31)


def default_start(school_year: str) -> date:
    """1 August of the school year's first year: an import without `--from` covers the year."""
    return date(int(school_year[:4]), 8, 1)


@dataclass(frozen=True, slots=True)
class Person:
    """Who signs: the name the document carries and the ID their certificate carries.

    Attributes:
        full_name: NFC, white space collapsed (GiaoVien/HoTen, XacNhan's HoTen).
        personal_id: 12 digits (the certificate's ``serialNumber`` ``CCCD:<id>``).
        teacher_key: the source's own id of the teacher (MaGV, SMAS's teacherId), if any.
    """

    full_name: str
    personal_id: str
    teacher_key: str | None = None

    @property
    def masked_id(self) -> str:
        """The ID as screens and logs may show it (hub.privacy: the last three digits)."""
        return mask_id(self.personal_id)


@dataclass(frozen=True, slots=True)
class Assignment:
    """One person's duty for one slot of one school and year, from a day until a day.

    Attributes:
        school: MaTruong.
        year: NamHoc, "2024-2025".
        role: which signature.
        class_name: the class ("8A1"); None for HT and DV.
        subject: the subject's MaMon, for a GVBM only.
        person: who signs.
        valid_from: the first day the duty holds.
        valid_until: the first day it no longer holds (exclusive); None: still in force.
        origin: where it came from: a source's name, or "file › sheet › row 7".
        position: for an HT, principal or vice-principal (XacNhan's ChucVu).
    """

    school: str
    year: str
    role: Role
    class_name: str | None
    subject: str | None
    person: Person
    valid_from: date
    valid_until: date | None = None
    origin: str = ""
    position: Position | None = None

    @property
    def slot(self) -> str:
        return slot_of(self.role, self.class_name, self.subject)

    def holds_on(self, day: date) -> bool:
        """Whether the duty is in force on `day`."""
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)
