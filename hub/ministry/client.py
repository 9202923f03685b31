"""The connection-service client: zeep for the messages, httpx for the wire.

zeep writes each request from the WSDL (hub/ministry/ketnoi.wsdl) and reads each answer
(`create_message` / `process_reply`); the HTTP exchange in between is ours, over httpx,
because then every attempt is one explicit step: a fresh WS-Security Timestamp, the pace and
concurrency limits, a precise mapping of what happened (fault, 5xx, dropped connection,
timeout) onto the exception families of hub/ministry/errors.py, and nothing of a request (a
password, a personal ID) in zeep's debug log. The seam to fake it is httpx's own: pass
`http=httpx.Client(transport=httpx.MockTransport(handler))`; or fake the whole client through
the `MinistryService` protocol.

Credentials come from the environment: HUB_MINISTRY_USERNAME, and HUB_MINISTRY_PASSWORD or
HUB_MINISTRY_PASSWORD_FILE naming a secrets file (`Credentials.from_env`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol, TypeVar

import httpx
import tenacity
import zeep
import zeep.exceptions
from lxml import etree
from zeep.wsse import utils as wsse_utils
from zeep.wsse.username import UsernameToken

from hub.ministry import telemetry
from hub.ministry.config import Credentials, PollPolicy, RetryPolicy, check_endpoint
from hub.ministry.contract import (
    MAX_CONCURRENT_REQUESTS,
    MAX_DOCUMENTS_PER_SUBMISSION,
    MAX_LEARNERS_PER_LOOKUP,
    MAX_REQUESTS_PER_SECOND,
    MAX_SUBMISSION_BYTES,
    NS,
    FaultCode,
    Outcome,
    ProcessingState,
)
from hub.ministry.errors import (
    BadRequest,
    GaveUp,
    MinistryError,
    Retryable,
    ServerFailure,
    StillProcessing,
    TooLarge,
    UnexpectedAnswer,
    from_fault,
    network_failure,
    server_failure,
)
from hub.ministry.messages import (
    DocumentError,
    DocumentResult,
    LearnerQuery,
    LearnerRecord,
    Receipt,
    Submission,
    SubmissionResult,
)
from hub.ministry.pacing import ClientMetrics, Pacer

__all__ = ["Credentials", "MinistryClient", "MinistryService", "PollPolicy", "RetryPolicy"]

log = logging.getLogger(__name__)

BINDING = f"{{{NS}}}KetNoiHocBaSoBinding"
TIMESTAMP_LIFETIME = timedelta(minutes=5)
T = TypeVar("T")
_USERNAME_TOKEN: Any = UsernameToken  # untyped in zeep
_WSU: Any = wsse_utils.WSU


class MinistryService(Protocol):
    """The four operations as the hub uses them; `MinistryClient` is the real one."""

    def submit(self, submission: Submission) -> Receipt: ...

    def result(self, receipt: str) -> SubmissionResult: ...

    def wait_for_result(self, receipt: str) -> SubmissionResult: ...

    def look_up(self, queries: Sequence[LearnerQuery]) -> list[LearnerRecord | None]: ...

    def withdraw(self, transcript_id: str, reason: str) -> str: ...


@lru_cache(maxsize=1)
def _zeep() -> Any:
    """zeep's reading of the shipped WSDL, once per process (loading it is slow)."""
    settings = zeep.Settings(
        strict=True,
        xml_huge_tree=False,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    with resources.as_file(resources.files("hub.ministry").joinpath("ketnoi.wsdl")) as path:
        make_client: Any = zeep.Client  # untyped in zeep
        return make_client(str(path), settings=settings)


class MinistryClient:
    """A client of the connection service at `endpoint`.

    Args:
        endpoint: the service's URL (the sandbox's `RunningSandbox.endpoint`): https://, or
            http:// on loopback only, since every request carries the password.
        credentials: the unit's account.
        http: the httpx client to send with (default: one with TLS verification on).
        retry: the retry policy by fault family.
        poll: the polling policy of `wait_for_result`.
        rate: request starts per second (keep at or below the ministry's 10).
        concurrent: requests at a time (at most the ministry's 4).
        timeout: seconds for one HTTP exchange.
        metrics: where to count attempts, retries and faults.
        sleep: how to wait (tests pass a recorder).
        seed: seeds the jitter, for reproducible tests.

    Raises:
        UsageError: the endpoint is neither https:// nor http:// on loopback.
    """

    def __init__(
        self,
        endpoint: str,
        credentials: Credentials,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        rate: float = MAX_REQUESTS_PER_SECOND,
        concurrent: int = MAX_CONCURRENT_REQUESTS,
        timeout: float = 120.0,
        metrics: ClientMetrics | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.endpoint = check_endpoint(endpoint, "endpoint")
        self._credentials = credentials
        self._own_http = http is None
        self._http = http or httpx.Client(
            timeout=timeout, limits=httpx.Limits(max_connections=concurrent), verify=True
        )
        self.retry = retry or RetryPolicy()
        self.poll = poll or PollPolicy()
        self.metrics = metrics or ClientMetrics()
        self._pacer = Pacer(rate)  # real time always: pacing is about the real rate
        self._slots = threading.BoundedSemaphore(concurrent)
        self._sleep = sleep
        self._rng = random.Random(seed)
        # zeep is untyped where it matters here; its objects stay inside this class.
        self._zeep: Any = _zeep()
        self._binding: Any = self._zeep.wsdl.bindings[BINDING]

    def __enter__(self) -> MinistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this client made it."""
        if self._own_http:
            self._http.close()

    # Operations ---------------------------------------------------------------------------

    def submit(self, submission: Submission) -> Receipt:
        """NopHocBa. Safe to repeat: the batch key makes a repeat return the original receipt.

        Raises:
            TooLarge: over 500 documents or 20 MB, refused before sending (the ministry would
                answer E_KICH_THUOC).
        """
        _check_size(submission)
        answer = self._call(
            "NopHocBa",
            MaDonViGui=submission.unit,
            MaLoGui=submission.batch_key,
            NamHoc=submission.school_year,
            MaTruong=submission.school,
            DanhSachHocBa={
                "HocBa": [
                    {"MaHoSo": d.record_id, "NoiDung": d.content, "MaBam": d.digest}
                    for d in submission.documents
                ]
            },
        )
        return Receipt(str(answer.MaTiepNhan), answer.ThoiGianTiepNhan, int(answer.SoLuong))

    def result(self, receipt: str) -> SubmissionResult:
        """TraCuuKetQua, once."""
        answer = self._call("TraCuuKetQua", MaTiepNhan=receipt)
        state = ProcessingState(str(answer.TrangThai))
        listed = answer.DanhSachKetQua.HocBa if answer.DanhSachKetQua is not None else []
        documents = tuple(
            DocumentResult(
                record_id=str(item.MaHoSo),
                outcome=Outcome(str(item.KetQua)),
                transcript_id=item.MaDinhDanhHocBa,
                errors=tuple(
                    DocumentError(str(loi.MaLoi), str(loi.MoTa), loi.ViTri) for loi in item.Loi
                ),
            )
            for item in listed
        )
        return SubmissionResult(receipt, state, documents)

    def wait_for_result(self, receipt: str) -> SubmissionResult:
        """Poll TraCuuKetQua with back-off until DA_XU_LY.

        Raises:
            StillProcessing: still DANG_XU_LY after the poll policy's timeout.
        """
        waited, wait = 0.0, self.poll.first
        while True:
            self.metrics.polled()
            answer = self.result(receipt)
            if answer.done:
                return answer
            if waited + wait > self.poll.timeout:
                raise StillProcessing(receipt, waited)
            pause = wait * self._rng.uniform(0.9, 1.1)
            self._sleep(pause)
            waited += pause
            wait = min(wait * self.poll.factor, self.poll.longest)

    def look_up(self, queries: Sequence[LearnerQuery]) -> list[LearnerRecord | None]:
        """TraCuuHocSinh in chunks of 1,000; one answer per query, in order (None: not found)."""
        found: list[LearnerRecord | None] = []
        for start in range(0, len(queries), MAX_LEARNERS_PER_LOOKUP):
            chunk = queries[start : start + MAX_LEARNERS_PER_LOOKUP]
            asked = [
                {"SoDinhDanh": q.personal_id}
                if q.personal_id is not None
                else {"MaHocSinh": q.learner_code}
                for q in chunk
            ]
            answer = self._call("TraCuuHocSinh", HocSinh=asked)
            items = _unwrap(answer, "HocSinh")
            if len(items) != len(chunk):
                raise UnexpectedAnswer(
                    "TraCuuHocSinh",
                    f"{len(items)} answers to {len(chunk)} queries",
                    "Bộ trả lời số học sinh khác số đã hỏi.",
                    "The ministry answered a different number of learners than asked.",
                )
            found.extend(_learner(item) for item in items)
        return found

    def withdraw(self, transcript_id: str, reason: str) -> str:
        """ThuHoiHocBa; returns TrangThai (DA_THU_HOI). Safe to repeat."""
        answer = self._call("ThuHoiHocBa", MaDinhDanhHocBa=transcript_id, LyDo=reason)
        return str(_unwrap(answer, "TrangThai"))

    # One call, with retries ---------------------------------------------------------------

    def _call(self, operation: str, **values: Any) -> Any:
        """Every operation passes here: its retries, and its count and time (telemetry)."""
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            return self._call_with_retries(operation, values)
        except BaseException as exc:
            error = exc
            raise
        finally:
            telemetry.count_call(operation, error, time.perf_counter() - started)

    def _call_with_retries(self, operation: str, values: Mapping[str, Any]) -> Any:
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(Retryable),
            stop=(
                tenacity.stop_after_attempt(self.retry.attempts)
                | tenacity.stop_before_delay(self.retry.total_seconds)
            ),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=lambda state: self._count_retry(operation, state),
            reraise=True,
        )
        try:
            return retrying(self._attempt, operation, values)
        except Retryable as exc:
            self.metrics.abandoned()
            attempts = int(retrying.statistics.get("attempt_number", 1))
            raise GaveUp(exc, attempts, operation) from exc

    def _attempt(self, operation: str, values: Mapping[str, Any]) -> Any:
        body, headers = self._message(operation, values)
        try:
            with self._slots:
                self.metrics.sent(operation, self._pacer.wait())
                try:
                    response = self._http.post(self.endpoint, content=body, headers=headers)
                except httpx.TransportError as exc:
                    raise network_failure(f"{type(exc).__name__}: {exc}") from None
            answer = self._read(operation, response)
        except MinistryError as exc:
            telemetry.count_attempt(operation, exc)
            raise
        telemetry.count_attempt(operation, None)
        return answer

    def _message(self, operation: str, values: Mapping[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The request envelope, with a UsernameToken and a Timestamp made now.

        Raises:
            BadRequest: zeep found the values outside the WSDL's schema (nothing was sent).
        """
        try:
            envelope = self._zeep.create_message(self._zeep.service, operation, **values)
        except zeep.exceptions.ValidationError as exc:
            raise BadRequest(
                str(FaultCode.BAD_REQUEST),
                f"{operation}: {exc}",
                "Yêu cầu sai lược đồ của dịch vụ, không gửi.",
                "The request does not fit the service's schema; not sent.",
            ) from None
        now = datetime.now(UTC).replace(microsecond=0)
        timestamp = _WSU.Timestamp(
            _WSU.Created(now.strftime("%Y-%m-%dT%H:%M:%SZ")),
            _WSU.Expires((now + TIMESTAMP_LIFETIME).strftime("%Y-%m-%dT%H:%M:%SZ")),
        )
        token = _USERNAME_TOKEN(
            self._credentials.username,
            self._credentials.password,
            use_digest=False,
            timestamp_token=timestamp,
        )
        envelope, _ = token.apply(envelope, {})
        action = self._binding.get(operation).soapaction
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
        return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"), headers

    def _read(self, operation: str, response: httpx.Response) -> Any:
        try:
            return self._binding.process_reply(self._zeep, self._binding.get(operation), response)
        except zeep.exceptions.Fault as fault:
            raise self._fault_error(fault, response) from None
        except zeep.exceptions.TransportError:
            if response.status_code >= 500:
                raise server_failure(response.status_code, _snippet(response)) from None
            raise _unexpected(operation, response) from None
        except zeep.exceptions.Error:
            raise _unexpected(operation, response) from None

    def _fault_error(self, fault: zeep.exceptions.Fault, response: httpx.Response) -> MinistryError:
        detail = fault.detail
        loi = detail.find(f"{{{NS}}}LoiDichVu") if detail is not None else None
        if loi is None:
            if response.status_code >= 500:
                return server_failure(response.status_code, str(fault.message))
            return _unexpected("fault", response)
        code = (loi.findtext(f"{{{NS}}}MaLoi") or "").strip()
        self.metrics.fault(code)
        text = (loi.findtext(f"{{{NS}}}ThuLaiSau") or "").strip()
        retry_after = float(text) if text.isdigit() else _retry_after_header(response)
        return from_fault(code, (loi.findtext(f"{{{NS}}}MoTa") or "").strip(), retry_after)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            return float(exc.retry_after) * self._rng.uniform(1.0, 1.1)
        exponent = max(0, state.attempt_number - 1)
        backoff = min(self.retry.backoff_first * 2.0**exponent, self.retry.backoff_longest)
        return backoff + self._rng.uniform(0, self.retry.backoff_first)

    def _count_retry(self, operation: str, state: tenacity.RetryCallState) -> None:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if not isinstance(exc, Retryable):  # pragma: no cover - only Retryable is retried
            return
        cause = "HTTP_5xx" if isinstance(exc, ServerFailure) else exc.code
        self.metrics.retried(cause)
        log.warning(
            "%s: %s, lần thử %d; thử lại sau %.1f giây / %s: %s, attempt %d; retrying in %.1f s",
            operation,
            exc.code,
            state.attempt_number,
            state.upcoming_sleep,
            operation,
            exc.code,
            state.attempt_number,
            state.upcoming_sleep,
        )


def _check_size(submission: Submission) -> None:
    count = len(submission.documents)
    size = sum(len(d.content) for d in submission.documents)
    if count > MAX_DOCUMENTS_PER_SUBMISSION or size > MAX_SUBMISSION_BYTES:
        raise TooLarge(
            str(FaultCode.TOO_LARGE),
            f"{count} documents, {size} bytes (refused before sending)",
            f"Lô {count} học bạ / {size} byte vượt giới hạn 500 học bạ hoặc 20 MB; hãy chia nhỏ.",
            f"The batch of {count} documents / {size} bytes is over 500 documents or 20 MB; "
            f"split it.",
        )


def _unwrap(answer: Any, name: str) -> Any:
    """zeep returns a response element with one child as that child's value."""
    value = getattr(answer, name, answer) if not isinstance(answer, (list, str)) else answer
    return value


def _learner(item: Any) -> LearnerRecord | None:
    if not item.TimThay:
        return None
    return LearnerRecord(
        learner_code=str(item.MaHocSinh),
        personal_id=item.SoDinhDanh,
        full_name=str(item.HoVaTen),
        birth_date=item.NgaySinh,
        sex=str(item.GioiTinh),
        school=str(item.MaTruong),
        school_year=str(item.NamHoc),
        class_name=str(item.TenLop),
    )


def _retry_after_header(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _snippet(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:200]!r}"


def _unexpected(operation: str, response: httpx.Response) -> UnexpectedAnswer:
    return UnexpectedAnswer(
        f"HTTP_{response.status_code}",
        _snippet(response),
        f"{operation}: câu trả lời của Bộ không đúng đặc tả dịch vụ.",
        f"{operation}: the ministry's answer is not what the service description says.",
    )
