"""What can go wrong talking to the ministry, grouped by what the caller should do next.

    HubError
    └── MinistryError              code: the fault's MaLoi, or HTTP_5xx / NETWORK
        ├── Retryable              try again later; the client does, within its policy
        │   ├── RateLimited        E_QUA_TAI (HTTP 429): wait ThuLaiSau
        │   ├── Maintenance        E_BAO_TRI (HTTP 503): wait ThuLaiSau
        │   ├── ServerFailure      HTTP 5xx without a fault of the contract: back off
        │   └── NetworkFailure     refused, reset, dropped, timed out: back off
        ├── Fatal                  a person or a fix is needed; never retried
        │   ├── AuthenticationFailed   E_XAC_THUC
        │   ├── TooLarge               E_KICH_THUOC
        │   ├── BadRequest             E_DU_LIEU
        │   ├── BatchKeyReused         E_LO_TRUNG
        │   ├── NotFound               E_KHONG_TIM_THAY
        │   └── UnexpectedAnswer       an answer the contract does not describe
        ├── GaveUp                 the retry policy ran out (`last` is the last failure);
        │                          nothing is lost: run again later, idempotency holds
        └── StillProcessing        polling ran out before the ministry finished; poll later

The retry policy follows from the family, never from matching message text. A submission is
safe to retry after any failure, even one that may have landed (a dropped connection, a 5xx
after the ministry stored it), because the batch key makes the ministry answer with the
original receipt.
"""

from __future__ import annotations

from hub.errors import ExitCode, HubError
from hub.ministry.contract import FaultCode


class MinistryError(HubError):
    """Base of every failure of a call to the connection service.

    Attributes:
        code: MaLoi of the fault, or "HTTP_<status>" / "NETWORK" when there was none.
        detail: the service's MoTa (Vietnamese), or what the transport said.
    """

    exit_code = ExitCode.MINISTRY

    def __init__(self, code: str, detail: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_vi} ({detail})", f"{code}: {message_en}")
        self.code = code
        self.detail = detail


class Retryable(MinistryError):
    """Worth another try; `retry_after` is the service's ThuLaiSau when it gave one."""

    exit_code = ExitCode.RETRY_LATER

    def __init__(
        self,
        code: str,
        detail: str,
        message_vi: str,
        message_en: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(code, detail, message_vi, message_en)
        self.retry_after = retry_after


class RateLimited(Retryable):
    """E_QUA_TAI: over the account's rate or concurrency limit."""


class Maintenance(Retryable):
    """E_BAO_TRI: the service is down for maintenance."""


class ServerFailure(Retryable):
    """An HTTP 5xx without a fault of the contract: the service failed, maybe after storing."""


class NetworkFailure(Retryable):
    """No answer: connection refused, reset or dropped, or a timeout."""


class Fatal(MinistryError):
    """Not worth retrying: the request, the credentials or the data need fixing."""


class AuthenticationFailed(Fatal):
    """E_XAC_THUC."""


class TooLarge(Fatal):
    """E_KICH_THUOC."""


class BadRequest(Fatal):
    """E_DU_LIEU."""


class BatchKeyReused(Fatal):
    """E_LO_TRUNG."""


class NotFound(Fatal):
    """E_KHONG_TIM_THAY."""


class UnexpectedAnswer(Fatal):
    """An answer the contract does not describe (unknown MaLoi, not SOAP, wrong shape)."""


class GaveUp(MinistryError):
    """The retry policy ran out; `last` is the last retryable failure."""

    exit_code = ExitCode.RETRY_LATER

    def __init__(self, last: Retryable, attempts: int, operation: str) -> None:
        super().__init__(
            last.code,
            last.detail,
            f"{operation}: bỏ cuộc sau {attempts} lần thử; chạy lại sau (không mất dữ liệu, "
            f"không gửi trùng).",
            f"{operation}: gave up after {attempts} attempts; run again later (nothing is lost, "
            f"nothing is sent twice).",
        )
        self.last = last
        self.attempts = attempts


class StillProcessing(MinistryError):
    """Polling TraCuuKetQua ran out of time while the submission was DANG_XU_LY."""

    exit_code = ExitCode.RETRY_LATER

    def __init__(self, receipt: str, waited: float) -> None:
        super().__init__(
            "DANG_XU_LY",
            receipt,
            f"Bộ chưa xử lý xong biên nhận {receipt} sau {waited:.0f} giây; tra cứu lại sau.",
            f"The ministry has not finished receipt {receipt} after {waited:.0f} s; "
            f"poll again later.",
        )
        self.receipt = receipt


_FAULTS: dict[str, tuple[type[MinistryError], str, str]] = {
    FaultCode.AUTHENTICATION: (
        AuthenticationFailed,
        "Bộ từ chối xác thực: kiểm tra HUB_MINISTRY_USERNAME / HUB_MINISTRY_PASSWORD và đồng hồ "
        "máy (Timestamp quá 5 phút bị từ chối).",
        "The ministry refused the credentials: check HUB_MINISTRY_USERNAME / "
        "HUB_MINISTRY_PASSWORD and the machine's clock (a Timestamp over 5 minutes old is "
        "refused).",
    ),
    FaultCode.RATE_LIMITED: (
        RateLimited,
        "Vượt giới hạn tần suất của Bộ; sẽ thử lại sau ThuLaiSau.",
        "Over the ministry's rate limit; retrying after ThuLaiSau.",
    ),
    FaultCode.MAINTENANCE: (
        Maintenance,
        "Hệ thống của Bộ đang bảo trì; sẽ thử lại sau ThuLaiSau.",
        "The ministry's service is under maintenance; retrying after ThuLaiSau.",
    ),
    FaultCode.TOO_LARGE: (
        TooLarge,
        "Lô vượt giới hạn kích thước (500 học bạ hoặc 20 MB; 1000 học sinh mỗi lần tra cứu); "
        "hãy chia nhỏ.",
        "Over the size limits (500 documents or 20 MB; 1000 learners per look-up); split it.",
    ),
    FaultCode.BAD_REQUEST: (
        BadRequest,
        "Bộ từ chối yêu cầu vì dữ liệu không hợp lệ (xem mô tả); sửa rồi gửi lại.",
        "The ministry refused the request as malformed (see the detail); fix and resend.",
    ),
    FaultCode.BATCH_KEY_REUSED: (
        BatchKeyReused,
        "Mã lô đã được dùng cho nội dung khác; lô mới cần mã lô mới.",
        "The batch key was used for other content; a new batch needs a new key.",
    ),
    FaultCode.NOT_FOUND: (
        NotFound,
        "Bộ không tìm thấy biên nhận hoặc mã định danh học bạ này.",
        "The ministry does not know this receipt or transcript id.",
    ),
}


def from_fault(code: str, detail: str, retry_after: float | None) -> MinistryError:
    """The exception for a fault's LoiDichVu (an unknown MaLoi is an UnexpectedAnswer)."""
    known = _FAULTS.get(code)
    if known is None:
        return UnexpectedAnswer(
            code,
            detail,
            "Bộ trả về mã lỗi không có trong đặc tả dịch vụ.",
            "The ministry answered with an error code the service description does not have.",
        )
    cls, message_vi, message_en = known
    if issubclass(cls, Retryable):
        return cls(code, detail, message_vi, message_en, retry_after)
    return cls(code, detail, message_vi, message_en)


def server_failure(status: int, detail: str) -> ServerFailure:
    """An HTTP 5xx without a fault of the contract."""
    return ServerFailure(
        f"HTTP_{status}",
        detail,
        f"Máy chủ của Bộ lỗi (HTTP {status}); sẽ thử lại.",
        f"The ministry's server failed (HTTP {status}); retrying.",
    )


def network_failure(detail: str) -> NetworkFailure:
    """No usable answer reached us."""
    return NetworkFailure(
        "NETWORK",
        detail,
        "Không kết nối được tới Bộ hoặc kết nối bị ngắt; sẽ thử lại.",
        "Could not reach the ministry or the connection was dropped; retrying.",
    )
