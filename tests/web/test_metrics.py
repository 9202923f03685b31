"""/metrics: the store's learners by state, the ministry's calls, the jobs and the schedules.

Every store test runs on SQLite and PostgreSQL (the `store` fixture); the exposition text is
read back with prometheus-client's own parser, as Prometheus would read it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.jobs.dispatch import QueueState
from hub.ministry.client import Credentials, MinistryClient, RetryPolicy
from hub.ministry.contract import FaultCode
from hub.ministry.errors import AuthenticationFailed, GaveUp
from hub.ministry.telemetry import REGISTRY as MINISTRY
from hub.sandbox.soap import ServiceFault, child, element, envelope, fault_envelope
from hub.store import (
    RecordIn,
    RecordState,
    StateChange,
    Store,
    advance,
    open_batch,
    start_run,
    upsert_records,
)
from hub.web.metrics import HubMetrics, metrics_response

S = RecordState
WALK = [S.EXTRACTED, S.MAPPED, S.CHECKED, S.BUILT, S.SIGNED, S.SUBMITTED, S.ACCEPTED]
QUEUED_AT = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
NIGHTLY_OK = datetime(2026, 6, 1, 1, 42, 10, tzinfo=UTC)
PERSONAL_ID = "036201000123"  # a SoDinhDanh: must never reach /metrics


def queues() -> list[QueueState]:
    return [QueueState("sync", 1, 3, QUEUED_AT), QueueState("report", 0, 0, None)]


def last_success() -> dict[str, datetime]:
    return {"nightly": NIGHTLY_OK}


def learners_in(store: Store, school: str, year: str, states: dict[RecordState, int]) -> None:
    """Learners of one school and year, each walked (one move at a time) to its state."""
    with store.write() as session:
        run_id = start_run(session, {"school": school})
        batch = open_batch(session, run_id, school, year, "demo-excel")
        keys = itertools.count()
        rows: list[tuple[RecordIn, RecordState]] = []
        for state, count in states.items():
            for _ in range(count):
                n = next(keys)
                rows.append((RecordIn(f"{school}-{n}", f"hs-{school}-{n}", f"h{n}"), state))
        answers = upsert_records(session, batch, [row for row, _ in rows])
        for answer, (_, state) in zip(answers, rows, strict=True):
            path = (
                WALK[: WALK.index(state) + 1] if state in WALK else [S.EXTRACTED, S.MAPPED, state]
            )
            for old, new in itertools.pairwise(path):
                advance(session, [StateChange(answer.record_id, old, new)])


def scrape(store: Store, **options: object) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """metric name → {sorted labels: value}, parsed from the exposition text."""
    body, content_type = metrics_response(
        store,
        queues=options.pop("queues", queues),  # type: ignore[arg-type]
        last_success=options.pop("last_success", last_success),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    assert content_type.startswith("text/plain")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_learners_by_state_and_signatures_pending_are_counted_from_the_store(
    store: Store,
) -> None:
    learners_in(store, "01000001", "2024-2025", {S.ACCEPTED: 3, S.BUILT: 1, S.AWAITING_VENDOR: 2})
    learners_in(store, "01000002", "2024-2025", {S.ACCEPTED: 1, S.MAPPED: 4})
    learners_in(store, "01000002", "2025-2026", {S.AWAITING_VENDOR: 1})
    got = scrape(store)
    assert got["hub_learners"] == {
        (("school_year", "2024-2025"), ("state", "accepted")): 4,
        (("school_year", "2024-2025"), ("state", "awaiting_vendor")): 2,
        (("school_year", "2024-2025"), ("state", "built")): 1,
        (("school_year", "2024-2025"), ("state", "mapped")): 4,
        (("school_year", "2025-2026"), ("state", "awaiting_vendor")): 1,
    }
    assert got["hub_signatures_pending"] == {
        (("awaiting", "hub"),): 1,
        (("awaiting", "vendor"),): 3,
    }
    assert "hub_learners_by_school" not in got  # off by default: a series per school
    assert got["hub_metrics_source_up"] == {
        (("source", "queues"),): 1,
        (("source", "schedules"),): 1,
        (("source", "store"),): 1,
    }


def test_learners_per_school_when_asked(store: Store) -> None:
    learners_in(store, "01000001", "2024-2025", {S.ACCEPTED: 2})
    learners_in(store, "01000002", "2024-2025", {S.ACCEPTED: 1, S.MAPPED: 1})
    got = scrape(store, by_school=True)
    assert got["hub_learners_by_school"] == {
        (("school", "01000001"), ("school_year", "2024-2025"), ("state", "accepted")): 2,
        (("school", "01000002"), ("school_year", "2024-2025"), ("state", "accepted")): 1,
        (("school", "01000002"), ("school_year", "2024-2025"), ("state", "mapped")): 1,
    }


def test_an_empty_store_still_says_nothing_is_pending(store: Store) -> None:
    got = scrape(store)
    assert got.get("hub_learners", {}) == {}
    assert got["hub_signatures_pending"] == {
        (("awaiting", "hub"),): 0,
        (("awaiting", "vendor"),): 0,
    }


def test_jobs_and_schedules_come_from_the_callables_given(store: Store) -> None:
    got = scrape(store)
    assert got["hub_jobs_running"] == {(("queue", "report"),): 0, (("queue", "sync"),): 1}
    assert got["hub_jobs_waiting"] == {(("queue", "report"),): 0, (("queue", "sync"),): 3}
    assert got["hub_jobs_oldest_waiting_timestamp_seconds"] == {
        (("queue", "sync"),): QUEUED_AT.timestamp()
    }
    assert got["hub_schedule_last_success_timestamp_seconds"] == {
        (("schedule", "nightly"),): NIGHTLY_OK.timestamp()
    }


def test_a_failing_source_is_reported_and_the_others_still_answer(store: Store) -> None:
    learners_in(store, "01000001", "2024-2025", {S.ACCEPTED: 1})

    def broken() -> list[QueueState]:
        raise RuntimeError("the queue's database went away")

    got = scrape(store, queues=broken)
    assert got["hub_metrics_source_up"][(("source", "queues"),)] == 0
    assert got["hub_metrics_source_up"][(("source", "store"),)] == 1
    assert "hub_jobs_running" not in got
    assert got["hub_learners"] == {(("school_year", "2024-2025"), ("state", "accepted")): 1}


# -- the ministry's calls ------------------------------------------------------------------------


def _withdrawn() -> httpx.Response:
    response = element("ThuHoiHocBaResponse")
    child(response, "TrangThai", "DA_THU_HOI")
    return httpx.Response(200, content=envelope(response), headers={"Content-Type": "text/xml"})


def _fault(code: FaultCode) -> httpx.Response:
    failure = ServiceFault(code, "mô tả", None)
    return httpx.Response(failure.http_status, content=fault_envelope(failure))


def _client(answers: list[httpx.Response]) -> MinistryClient:
    replies = iter(answers)
    return MinistryClient(
        "https://ketnoi.example.invalid/ketnoi",
        Credentials("so36", "mat-khau-bi-mat"),
        http=httpx.Client(transport=httpx.MockTransport(lambda request: next(replies))),
        retry=RetryPolicy(attempts=2, backoff_first=0.01, backoff_longest=0.01),
        sleep=lambda seconds: None,
        rate=1000.0,
        seed=1,
    )


def _sample(name: str, **labels: str) -> float:
    return MINISTRY.get_sample_value(name, labels) or 0.0


Reading = Callable[[], dict[str, float]]


def _reader(operation: str) -> Reading:
    def read() -> dict[str, float]:
        return {
            f"{outcome}/{kind}": _sample(
                f"hub_ministry_{kind}", operation=operation, outcome=outcome
            )
            for outcome in ("ok", "AuthenticationFailed", "GaveUp", "Maintenance")
            for kind in ("calls_total", "call_seconds_count", "attempts_total")
        }

    return read


def test_ministry_calls_are_counted_and_timed_by_operation_and_outcome(store: Store) -> None:
    read = _reader("ThuHoiHocBa")
    before = read()
    with _client([_withdrawn()]) as client:
        client.withdraw("HB202436300001000001", f"sai ngày sinh của học sinh {PERSONAL_ID}")
    with _client([_fault(FaultCode.AUTHENTICATION)]) as client, pytest.raises(AuthenticationFailed):
        client.withdraw("HB202436300001000002", "lý do")
    with (
        _client([_fault(FaultCode.MAINTENANCE), _fault(FaultCode.MAINTENANCE)]) as client,
        pytest.raises(GaveUp),
    ):
        client.withdraw("HB202436300001000003", "lý do")
    after = read()
    moved = {key: after[key] - before[key] for key in after if after[key] != before[key]}
    assert moved == {
        "ok/calls_total": 1,
        "ok/call_seconds_count": 1,
        "ok/attempts_total": 1,
        "AuthenticationFailed/calls_total": 1,
        "AuthenticationFailed/call_seconds_count": 1,
        "AuthenticationFailed/attempts_total": 1,
        # a call that retried and gave up: one call, two attempts each refused for maintenance
        "GaveUp/calls_total": 1,
        "GaveUp/call_seconds_count": 1,
        "Maintenance/attempts_total": 2,
    }
    got = scrape(store)  # the same figures on /metrics, beside the store's
    calls = got["hub_ministry_calls_total"]
    assert calls[(("operation", "ThuHoiHocBa"), ("outcome", "ok"))] == after["ok/calls_total"]
    assert (("operation", "ThuHoiHocBa"), ("outcome", "GaveUp")) in calls
    buckets = got["hub_ministry_call_seconds_bucket"]
    assert (
        buckets[(("le", "+Inf"), ("operation", "ThuHoiHocBa"), ("outcome", "ok"))]
        == after["ok/call_seconds_count"]
    )


def test_no_personal_data_nor_secret_reaches_the_metrics(store: Store) -> None:
    learners_in(store, "01000001", "2024-2025", {S.ACCEPTED: 2, S.AWAITING_VENDOR: 1})
    with _client([_withdrawn()]) as client:
        client.withdraw("HB202436300001000009", f"Nguyễn Văn An {PERSONAL_ID}")
    body, _ = HubMetrics(store, queues=queues, last_success=last_success, by_school=True).render()
    text = body.decode()
    for secret in (PERSONAL_ID, "Nguyễn", "mat-khau-bi-mat", "so36", "HB202436300001000009"):
        assert secret not in text
    for learner in ("01000001-0", "hs-01000001-0", "01000001-2"):  # MaHoSo, source keys
        assert learner not in text
    labels = {
        name
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        for name in sample.labels
    }
    assert labels <= {"state", "school", "school_year", "awaiting", "queue", "schedule"} | {
        "source",
        "operation",
        "outcome",
        "le",
    }
