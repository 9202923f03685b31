"""The four operations of the service, on parsed request bodies (hub/sandbox/soap.py).

Every check here is of the request as a whole (ministry-service.md: a failure is a fault for
the whole request and nothing is stored); the documents themselves are checked later by the
worker (hub/sandbox/processor.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from hub.document.names import NAMESPACE as DOC_NS
from hub.document.text import child_text
from hub.ministry.contract import (
    MAX_DOCUMENTS_PER_SUBMISSION,
    MAX_LEARNERS_PER_LOOKUP,
    MAX_SUBMISSION_BYTES,
    NS,
    WITHDRAWN,
    FaultCode,
    ProcessingState,
    document_digest,
    message_schema,
    safe_parser,
)
from hub.sandbox.auth import Account
from hub.sandbox.roster import Roster
from hub.sandbox.soap import ServiceFault, child, element
from hub.sandbox.store import DONE, NewDocument, Store, Submission

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Times in answers are Vietnam's (UTC+7, no daylight saving), as a ministry service writes them."""


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(node: etree._Element, name: str) -> str:
    return (child_text(node, _q(name)) or "").strip()


class Service:
    """The operations, given the authenticated account and the request's body element."""

    def __init__(
        self,
        store: Store,
        roster: Roster,
        on_received: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.roster = roster
        self._on_received = on_received
        self._clock = clock

    def handle(self, account: Account, body: etree._Element) -> etree._Element:
        """Answer one request; raises ServiceFault for a whole-request failure."""
        operation = etree.QName(body).localname
        handler = {
            "NopHocBa": self.submit,
            "TraCuuKetQua": self.result,
            "TraCuuHocSinh": self.look_up,
            "ThuHoiHocBa": self.withdraw,
        }.get(operation)
        if handler is None:
            raise ServiceFault(FaultCode.BAD_REQUEST, f"Không có thao tác {operation}.")
        return handler(account, body)

    # NopHocBa -----------------------------------------------------------------------------

    def submit(self, account: Account, body: etree._Element) -> etree._Element:
        """Check the envelope, store the submission (or find it by its batch key), answer."""
        items = body.findall(f"{_q('DanhSachHocBa')}/{_q('HocBa')}")
        if len(items) > MAX_DOCUMENTS_PER_SUBMISSION:
            raise ServiceFault(
                FaultCode.TOO_LARGE,
                f"Lô có {len(items)} học bạ, vượt giới hạn {MAX_DOCUMENTS_PER_SUBMISSION}.",
            )
        _validate(body)
        unit, batch_key = _text(body, "MaDonViGui"), _text(body, "MaLoGui")
        school_year, school = _text(body, "NamHoc"), _text(body, "MaTruong")
        _authorise(account, unit)
        first, second = school_year.split("-")
        if int(second) != int(first) + 1:
            raise ServiceFault(
                FaultCode.BAD_REQUEST, f"NamHoc {school_year}: năm sau phải bằng năm đầu + 1."
            )
        documents = _documents(items, school, school_year)
        content_key = _content_key(documents)
        now = self._clock()
        proposed = Submission(
            "", unit, batch_key, account.username, school, school_year, now, content_key, 0, ""
        )
        stored, created = self.store.receive(proposed, documents)
        if not created and stored.content_key != content_key:
            raise ServiceFault(
                FaultCode.BATCH_KEY_REUSED,
                f"Mã lô {batch_key} của đơn vị {unit} đã được dùng cho nội dung khác "
                f"(biên nhận {stored.receipt}); hãy dùng mã lô mới.",
            )
        if created:
            self._on_received()
        response = element("NopHocBaResponse")
        child(response, "MaTiepNhan", stored.receipt)
        child(response, "ThoiGianTiepNhan", _instant(stored.received_at))
        child(response, "SoLuong", str(stored.count))
        return response

    # TraCuuKetQua -------------------------------------------------------------------------

    def result(self, account: Account, body: etree._Element) -> etree._Element:
        """The state of a submission and, when done, every document's outcome."""
        _validate(body)
        receipt = _text(body, "MaTiepNhan")
        submission = self.store.submission(receipt)
        if submission is None or submission.unit not in account.units:
            raise ServiceFault(FaultCode.NOT_FOUND, f"Không có biên nhận {receipt}.")
        response = element("TraCuuKetQuaResponse")
        if submission.state != DONE:
            child(response, "TrangThai", ProcessingState.PROCESSING)
            return response
        child(response, "TrangThai", ProcessingState.DONE)
        results = etree.SubElement(response, _q("DanhSachKetQua"))
        for document in self.store.documents(receipt):
            item = etree.SubElement(results, _q("HocBa"))
            child(item, "MaHoSo", document.ma_ho_so)
            child(item, "KetQua", document.outcome or "")
            if document.transcript_id:
                child(item, "MaDinhDanhHocBa", document.transcript_id)
            for loi in document.errors:
                node = etree.SubElement(item, _q("Loi"))
                child(node, "MaLoi", loi["MaLoi"])
                child(node, "MoTa", loi["MoTa"])
                if loi.get("ViTri"):
                    child(node, "ViTri", loi["ViTri"])
        return response

    # TraCuuHocSinh ------------------------------------------------------------------------

    def look_up(self, account: Account, body: etree._Element) -> etree._Element:
        """Each learner asked for, in the order asked, with their current enrolment."""
        asked = body.findall(_q("HocSinh"))
        if len(asked) > MAX_LEARNERS_PER_LOOKUP:
            raise ServiceFault(
                FaultCode.TOO_LARGE,
                f"Tra cứu {len(asked)} học sinh, vượt giới hạn {MAX_LEARNERS_PER_LOOKUP}.",
            )
        _validate(body)
        response = element("TraCuuHocSinhResponse")
        for query in asked:
            found = self.roster.current(
                ma_hoc_sinh=child_text(query, _q("MaHocSinh")),
                so_dinh_danh=child_text(query, _q("SoDinhDanh")),
            )
            item = etree.SubElement(response, _q("HocSinh"))
            child(item, "TimThay", "true" if found else "false")
            if found is None:
                continue
            child(item, "MaHocSinh", found.MaHocSinh)
            if found.SoDinhDanh:
                child(item, "SoDinhDanh", found.SoDinhDanh)
            child(item, "HoVaTen", found.HoVaTen)
            child(item, "NgaySinh", found.NgaySinh.isoformat())
            child(item, "GioiTinh", found.GioiTinh)
            child(item, "MaTruong", found.MaTruong)
            child(item, "NamHoc", found.NamHoc)
            child(item, "TenLop", found.TenLop)
        return response

    # ThuHoiHocBa --------------------------------------------------------------------------

    def withdraw(self, account: Account, body: etree._Element) -> etree._Element:
        """Withdraw an issued transcript of one of the account's units (idempotent)."""
        _validate(body)
        transcript_id, reason = _text(body, "MaDinhDanhHocBa"), _text(body, "LyDo")
        transcript = self.store.transcript(transcript_id)
        if transcript is None or transcript.unit not in account.units:
            raise ServiceFault(FaultCode.NOT_FOUND, f"Không có học bạ {transcript_id}.")
        with self.store.register() as register:
            register.withdraw(transcript_id, reason, self._clock())
        response = element("ThuHoiHocBaResponse")
        child(response, "TrangThai", WITHDRAWN)
        return response


def _validate(body: etree._Element) -> None:
    try:
        message_schema().assertValid(body)
    except etree.DocumentInvalid as exc:
        raise ServiceFault(
            FaultCode.BAD_REQUEST, f"Yêu cầu không đúng lược đồ của dịch vụ: {exc}"
        ) from None


def _authorise(account: Account, unit: str) -> None:
    if unit not in account.units:
        raise ServiceFault(
            FaultCode.AUTHENTICATION,
            f"Tài khoản {account.username} không được gửi thay đơn vị {unit}.",
        )


def _documents(items: list[etree._Element], school: str, school_year: str) -> list[NewDocument]:
    documents: list[NewDocument] = []
    seen: set[str] = set()
    total = 0
    for position, item in enumerate(items, start=1):
        ma_ho_so, digest = _text(item, "MaHoSo"), _text(item, "MaBam")
        try:
            content = base64.b64decode("".join((child_text(item, _q("NoiDung")) or "").split()))
        except binascii.Error:
            raise ServiceFault(
                FaultCode.BAD_REQUEST, f"HocBa {position} ({ma_ho_so}): NoiDung không phải base64."
            ) from None
        total += len(content)
        if total > MAX_SUBMISSION_BYTES:
            raise ServiceFault(
                FaultCode.TOO_LARGE,
                f"Tổng dung lượng học bạ vượt {MAX_SUBMISSION_BYTES // (1024 * 1024)} MB.",
            )
        if document_digest(content) != digest:
            raise ServiceFault(
                FaultCode.BAD_REQUEST,
                f"HocBa {position} ({ma_ho_so}): MaBam không khớp SHA-256 của NoiDung.",
            )
        if ma_ho_so in seen:
            raise ServiceFault(FaultCode.BAD_REQUEST, f"MaHoSo {ma_ho_so} xuất hiện hai lần.")
        seen.add(ma_ho_so)
        _check_header(position, ma_ho_so, content, school, school_year)
        documents.append(NewDocument(ma_ho_so, digest, content))
    return documents


def _check_header(position: int, ma_ho_so: str, content: bytes, school: str, year: str) -> None:
    """The document's MaHoSo, MaTruong and NamHoc must be the request's.

    A document that cannot be read here is let through: it is a document error (HB001 or
    HB002, reported by TraCuuKetQua), not a fault of the whole request.
    """
    try:
        root = etree.fromstring(content, safe_parser())
    except etree.XMLSyntaxError:
        return
    header = root.find(f"{{{DOC_NS}}}DLHocBa/{{{DOC_NS}}}TTChung")
    if header is None:
        return
    for name, expected in (("MaHoSo", ma_ho_so), ("MaTruong", school), ("NamHoc", year)):
        found = child_text(header, f"{{{DOC_NS}}}{name}")
        if found is not None and found.strip() != expected:
            raise ServiceFault(
                FaultCode.BAD_REQUEST,
                f"HocBa {position} ({ma_ho_so}): {name} trong học bạ là {found.strip()}, "
                f"khác với yêu cầu ({expected}).",
            )


def _content_key(documents: list[NewDocument]) -> str:
    """The submission's content: its set of (MaHoSo, MaBam), in no particular order."""
    lines = sorted(f"{d.ma_ho_so}\0{d.digest}" for d in documents)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _instant(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")
