"""The service's messages as typed values (English names; each field's comment names its element).

The client speaks these; zeep's generated objects never leave hub/ministry/client.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from hub.ministry.contract import Outcome, ProcessingState, document_digest


@dataclass(frozen=True)
class Document:
    """One signed document to submit (HocBa)."""

    record_id: str  # MaHoSo, as in the document
    content: bytes  # NoiDung, the document's bytes (sent in base64)

    @cached_property
    def digest(self) -> str:
        """MaBam."""
        return document_digest(self.content)


@dataclass(frozen=True)
class Submission:
    """NopHocBa: up to 500 documents of one school and year."""

    unit: str  # MaDonViGui
    batch_key: str  # MaLoGui: identifies the submission for ever
    school_year: str  # NamHoc
    school: str  # MaTruong
    documents: tuple[Document, ...]  # DanhSachHocBa


@dataclass(frozen=True)
class Receipt:
    """The answer to NopHocBa."""

    receipt: str  # MaTiepNhan
    received_at: datetime  # ThoiGianTiepNhan
    count: int  # SoLuong


@dataclass(frozen=True)
class DocumentError:
    """One Loi of a rejected document."""

    code: str  # MaLoi, HB001 … HB302
    message: str  # MoTa, Vietnamese
    location: str | None  # ViTri: an XPath into the document, or a signature's Id


@dataclass(frozen=True)
class DocumentResult:
    """One document's outcome in TraCuuKetQua."""

    record_id: str  # MaHoSo
    outcome: Outcome  # KetQua
    transcript_id: str | None = None  # MaDinhDanhHocBa, when accepted
    errors: tuple[DocumentError, ...] = ()  # Loi, when rejected

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


@dataclass(frozen=True)
class SubmissionResult:
    """The answer to TraCuuKetQua."""

    receipt: str  # MaTiepNhan (asked)
    state: ProcessingState  # TrangThai
    documents: tuple[DocumentResult, ...] = ()  # DanhSachKetQua, when done

    @property
    def done(self) -> bool:
        return self.state is ProcessingState.DONE


@dataclass(frozen=True)
class LearnerQuery:
    """One HocSinh of TraCuuHocSinh: by SoDinhDanh or by MaHocSinh (exactly one)."""

    personal_id: str | None = None  # SoDinhDanh
    learner_code: str | None = None  # MaHocSinh

    def __post_init__(self) -> None:
        if (self.personal_id is None) == (self.learner_code is None):
            raise ValueError("a LearnerQuery needs exactly one of personal_id, learner_code")


@dataclass(frozen=True)
class LearnerRecord:
    """A learner found in the sector database, with their current enrolment."""

    learner_code: str  # MaHocSinh
    personal_id: str | None  # SoDinhDanh
    full_name: str  # HoVaTen
    birth_date: date  # NgaySinh
    sex: str  # GioiTinh
    school: str  # MaTruong
    school_year: str  # NamHoc
    class_name: str  # TenLop
