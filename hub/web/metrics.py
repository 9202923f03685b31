"""What /metrics serves: the hub's state in Prometheus's text format, read at scrape time.

    metrics_response(store, queues=dispatcher.queues, last_success=history.last_success)
        -> (body, content type)

A registry of our own (never prometheus-client's global one, which any imported library may
fill), holding collectors that read when Prometheus scrapes, so that nothing goes stale:

    hub_learners{school_year, state}                     learners by their current record's state
    hub_learners_by_school{school, school_year, state}   the same per school (by_school=True)
    hub_signatures_pending{awaiting}                     "hub": built, waiting to be signed;
                                                         "vendor": waiting for the vendor's
    hub_jobs_running{queue}, hub_jobs_waiting{queue}     the dispatcher's queues
    hub_jobs_oldest_waiting_timestamp_seconds{queue}     when the oldest waiting job was queued
    hub_schedule_last_success_timestamp_seconds{schedule}
    hub_metrics_source_up{source}                        1, or 0 when that source failed this scrape
    hub_ministry_calls_total / _call_seconds / _attempts_total{operation, outcome}
                                                         hub.ministry.telemetry
    process_*                                            this process's CPU, memory, files

The learners, and the signatures pending, come from one grouped query on the store
(hub.store.queries.learners_by_state). The ministry's figures are those of this process only:
the calls a sync makes are counted where it runs, so in a cluster every `hub worker` has its
own and the scheduler's /metrics shows none of theirs (docs/operations.md, "Reading
/metrics"). Labels are codes and names the hub chose (states, school codes, schedule, queue
and operation names, error classes): no learner, no personal data, no message text.

A source that fails (the store unreachable, a callable raising) does not fail the scrape: its
families are left out and `hub_metrics_source_up{source}` says 0, so an alert can tell "the
hub is down" from "the store is".
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from hub.lifecycle import RecordState
from hub.ministry import telemetry
from hub.store import Store
from hub.store.queries import StateCount, learners_by_state

if TYPE_CHECKING:
    from hub.jobs.dispatch import QueueState

log = logging.getLogger(__name__)

QueuesSource = Callable[[], "list[QueueState]"]
LastSuccessSource = Callable[[], dict[str, datetime]]

PENDING_SIGNATURE = {RecordState.BUILT: "hub", RecordState.AWAITING_VENDOR: "vendor"}
"""The states of a learner whose document waits for a signature, and whose signature it is."""


class _SourceStatus:
    """Which of this scrape's sources answered (hub_metrics_source_up)."""

    def __init__(self) -> None:
        self.up: dict[str, bool] = {}

    def family(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "hub_metrics_source_up",
            "1 when this source of /metrics answered at this scrape, 0 when it failed",
            labels=["source"],
        )
        for source, up in sorted(self.up.items()):
            family.add_metric([source], 1.0 if up else 0.0)
        return family


class _StoreCollector:
    """Learners by state and signatures pending, from one grouped query per scrape."""

    def __init__(self, store: Store, status: _SourceStatus, *, by_school: bool) -> None:
        self.store, self.status, self.by_school = store, status, by_school

    def collect(self) -> Iterator[Metric]:
        try:
            with self.store.read() as session:
                counts = learners_by_state(session)
        except Exception:  # the scrape must answer; hub_metrics_source_up says what failed
            log.exception("/metrics: đọc kho thất bại / reading the store failed")
            self.status.up["store"] = False
            return
        self.status.up["store"] = True
        yield from _learner_families(counts, by_school=self.by_school)


def _learner_families(counts: list[StateCount], *, by_school: bool) -> Iterator[Metric]:
    by_year: Counter[tuple[str, str]] = Counter()
    pending: Counter[str] = Counter(dict.fromkeys(PENDING_SIGNATURE.values(), 0))
    for row in counts:
        by_year[row.school_year, row.state.value] += row.count
        awaiting = PENDING_SIGNATURE.get(row.state)
        if awaiting is not None:
            pending[awaiting] += row.count
    learners = GaugeMetricFamily(
        "hub_learners",
        "Learners by the state of the record that stands for them now, per school year",
        labels=["school_year", "state"],
    )
    for (year, state), count in sorted(by_year.items()):
        learners.add_metric([year, state], count)
    yield learners
    if by_school:
        schools = GaugeMetricFamily(
            "hub_learners_by_school",
            "Learners by school (MaTruong), school year and the state of their current record",
            labels=["school", "school_year", "state"],
        )
        for row in counts:
            schools.add_metric([row.school_code, row.school_year, row.state.value], row.count)
        yield schools
    signatures = GaugeMetricFamily(
        "hub_signatures_pending",
        "Learners whose document waits for a signature: the hub's signers' (built, not yet "
        "signed) or the vendor's (awaiting_vendor)",
        labels=["awaiting"],
    )
    for awaiting, count in sorted(pending.items()):
        signatures.add_metric([awaiting], count)
    yield signatures


class _JobsCollector:
    """Jobs running and waiting per queue, and when the oldest waiting one was queued."""

    def __init__(self, queues: QueuesSource, status: _SourceStatus) -> None:
        self.queues, self.status = queues, status

    def collect(self) -> Iterator[Metric]:
        try:
            states = self.queues()
        except Exception:
            log.exception("/metrics: đọc hàng đợi thất bại / reading the job queues failed")
            self.status.up["queues"] = False
            return
        self.status.up["queues"] = True
        running = GaugeMetricFamily(
            "hub_jobs_running", "Jobs running now, per queue", labels=["queue"]
        )
        waiting = GaugeMetricFamily(
            "hub_jobs_waiting", "Jobs queued and not yet started, per queue", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "hub_jobs_oldest_waiting_timestamp_seconds",
            "When the oldest job still waiting in the queue was queued (Unix time)",
            labels=["queue"],
        )
        for state in states:
            running.add_metric([state.name], state.running)
            waiting.add_metric([state.name], state.waiting)
            if state.oldest_waiting is not None:
                oldest.add_metric([state.name], state.oldest_waiting.timestamp())
        yield running
        yield waiting
        yield oldest


class _SchedulesCollector:
    """The last successful run of each schedule."""

    def __init__(self, last_success: LastSuccessSource, status: _SourceStatus) -> None:
        self.last_success, self.status = last_success, status

    def collect(self) -> Iterator[Metric]:
        try:
            last = self.last_success()
        except Exception:
            log.exception("/metrics: đọc lịch sử lịch chạy thất bại / reading schedules failed")
            self.status.up["schedules"] = False
            return
        self.status.up["schedules"] = True
        family = GaugeMetricFamily(
            "hub_schedule_last_success_timestamp_seconds",
            "When the last run of the schedule that ended well ended (Unix time)",
            labels=["schedule"],
        )
        for name, when in sorted(last.items()):
            family.add_metric([name], when.timestamp())
        yield family


class _StatusCollector:
    """hub_metrics_source_up, collected after the sources it reports on."""

    def __init__(self, status: _SourceStatus) -> None:
        self.status = status

    def collect(self) -> Iterator[Metric]:
        yield self.status.family()


class _Forward:
    """The collectors of another registry (the ministry's telemetry) as one of ours."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


class HubMetrics:
    """The registry /metrics renders; build it once per service and `render()` per scrape.

    Args:
        store: the hub's store (read once per scrape).
        queues: the dispatcher's queues now (hub.jobs.dispatch.Dispatcher.queues).
        last_success: schedule name → when its last successful run ended (aware datetimes).
        by_school: also count learners per school (a series per school × year × state: a
            province has thousands of schools; leave it off for the whole country).
    """

    def __init__(
        self,
        store: Store,
        *,
        queues: QueuesSource,
        last_success: LastSuccessSource,
        by_school: bool = False,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        status = _SourceStatus()
        sources: list[Collector] = [
            _StoreCollector(store, status, by_school=by_school),
            _JobsCollector(queues, status),
            _SchedulesCollector(last_success, status),
            _StatusCollector(status),
            _Forward(telemetry.REGISTRY),
        ]
        for source in sources:
            self.registry.register(source)
        ProcessCollector(registry=self.registry)

    def render(self) -> tuple[bytes, str]:
        """The exposition text of every metric now, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def metrics_response(
    store: Store,
    *,
    queues: QueuesSource,
    last_success: LastSuccessSource,
    by_school: bool = False,
) -> tuple[bytes, str]:
    """One scrape's body and content type (a `HubMetrics` made for it; see there)."""
    return HubMetrics(store, queues=queues, last_success=last_success, by_school=by_school).render()
