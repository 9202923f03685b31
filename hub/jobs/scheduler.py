"""The scheduler of `hub serve`: [[schedules]] fire on their cron, each firing becomes jobs.

    start()      firings left open by a stopped service → interrupted; each schedule whose
                 last firing was interrupted, or whose trigger has fired since its last
                 recorded slot, fires once now (not once per missed slot); then APScheduler
    fire(name)   one firing: a row in schedule_runs (hub.jobs.history), then one JobRequest
                 per piece of work, each handed to the dispatcher
    shutdown()   no more firings (the dispatcher's running jobs are `hub serve`'s to stop)

APScheduler 3 (a BackgroundScheduler, an in-memory job store) does the timing: a CronTrigger
per schedule in its own time zone, `coalesce=True` (slots missed while running late become
one firing), `max_instances=1` (a firing still submitting when the next slot comes is not
started twice), `misfire_grace_time` ([serve] misfire_grace_s: a slot reached later than
that is skipped). It keeps nothing across restarts, which is why the firings are kept in the
store and compared at start. A piece already waiting or running is not queued again (the
dispatcher refuses it), so a long sync is never started twice by its own schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from hub.config import HubConfig
from hub.config_schedules import ScheduleConfig
from hub.cron import apscheduler_crontab
from hub.errors import UsageError
from hub.jobs import history
from hub.jobs.dispatch import Dispatcher
from hub.jobs.operations import JobKind, JobRequest
from hub.jobs.pieces import Piece
from hub.jobs.scheduler_lock import SchedulerLock
from hub.store.engine import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PiecesOf = Callable[[HubConfig, ScheduleConfig], list[Piece]]


def _now() -> datetime:
    return datetime.now(UTC)


def trigger_of(schedule: ScheduleConfig) -> CronTrigger:
    """The schedule's trigger, in its time zone, day of week as cron numbers it (hub.cron)."""
    return CronTrigger.from_crontab(
        apscheduler_crontab(schedule.cron), timezone=ZoneInfo(schedule.timezone)
    )


_LOOK_BACK = (timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=367))


def previous_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's latest slot at or before `now` (UTC), within a year; None if none.

    APScheduler 3 only looks forward, so this walks forward from windows that grow until
    one holds a slot: a few steps for any schedule.
    """
    for back in _LOOK_BACK:
        slot: datetime | None = trigger.get_next_fire_time(None, now - back)
        latest = None
        while slot is not None and slot <= now:
            latest = slot
            slot = trigger.get_next_fire_time(slot, slot + timedelta(microseconds=1))
        if latest is not None:
            return latest.astimezone(UTC)
    return None


def _planned(config: HubConfig, schedule: ScheduleConfig) -> list[Piece]:
    """The pieces of work the schedule's filters select (hub.jobs.plan)."""
    from hub.jobs.plan import pieces_of

    return pieces_of(
        config, sources=schedule.sources, schools=schedule.schools, years=schedule.years
    )


class Scheduler:
    """The configuration's schedules, firing into `dispatcher`, their firings kept in `store`.

    Args:
        config: the configuration ([[schedules]], [serve] misfire_grace_s).
        store: where firings are kept.
        dispatcher: where their jobs go.
        pieces: the pieces of work of one schedule (hub.jobs.plan by default).
        lock: the cluster's scheduler lock (hub.jobs.scheduler_lock); only its holder fires.
            None: this is the only scheduler (tests).
        clock: now, in UTC (tests pass their own; APScheduler reads the system's).
    """

    def __init__(
        self,
        config: HubConfig,
        store: Store,
        dispatcher: Dispatcher,
        *,
        pieces: PiecesOf = _planned,
        lock: SchedulerLock | None = None,
        clock: Clock = _now,
    ) -> None:
        self.config, self.store, self.dispatcher = config, store, dispatcher
        self._pieces, self._clock, self._lock = pieces, clock, lock
        self.schedules = {s.name: s for s in config.schedules}
        self.triggers = {s.name: trigger_of(s) for s in config.schedules}
        self.aps = BackgroundScheduler(timezone=UTC, daemon=True)
        for name, trigger in self.triggers.items():
            self.aps.add_job(
                self.fire,
                trigger=trigger,
                args=[name],
                id=name,
                name=f"schedule {name}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=config.serve.misfire_grace_s,
            )

    def start(self) -> list[int]:
        """Catch up once on what was missed, then fire on time; returns the catch-up firings.

        A standby (another scheduler of the cluster holds the lock) catches up when it takes
        the lock over, at a firing after the leader died."""
        fired = self.catch_up() if self._leading() else []
        self.aps.start()
        return fired

    def _leading(self) -> bool:
        """True when this scheduler may fire (the lock's holder, or the only scheduler)."""
        if self._lock is None or self._lock.held:
            return True
        return self._lock.try_take()

    def catch_up(self) -> list[int]:
        """Each schedule whose last firing was interrupted, or missed a slot since, fires once.

        A schedule that never fired starts at its next slot: nothing of it was missed.
        """
        closed = history.interrupt_open(self.store)
        if closed:
            log.info("%d firings left open by the last service are interrupted", closed)
        with self.store.read() as session:
            last = history.last_runs(session)
        now, fired = self._clock(), []
        for name, trigger in self.triggers.items():
            run = last.get(name)
            if run is None:
                continue
            slot = previous_fire_time(trigger, now)
            missed = slot is not None and slot > run.slot
            if missed or run.outcome is history.Outcome.INTERRUPTED:
                why = "missed its slot" if missed else "was interrupted"
                log.info("schedule %s %s while the service was down: runs once now", name, why)
                firing = self.fire(name, slot=slot if missed else run.slot)
                if firing is not None:
                    fired.append(firing)
        return fired

    def fire(self, name: str, *, slot: datetime | None = None) -> int | None:
        """One firing of schedule `name` (for `slot`: default, the latest at or before now).

        Returns the firing's id (None: the schedule has no slot yet).
        """
        schedule = self.schedules[name]
        slot = slot or previous_fire_time(self.triggers[name], self._clock())
        if slot is None:
            return None
        if self._lock is not None and not self._lock.held:
            if not self._lock.try_take():
                log.info("schedule %s: another scheduler of the cluster fires it", name)
                return None
            log.warning("this scheduler took the cluster's lock over: catching up first")
            self.catch_up()
            with self.store.read() as session:
                last = history.last_runs(session).get(name)
            if last is not None and last.slot >= slot:
                return None  # the catch-up fired this slot already
        try:
            pieces = self._pieces(self.config, schedule)
        except UsageError as exc:
            log.error("schedule %s: %s", name, exc.message_en)
            return history.record_unplanned(self.store, name, slot, exc.message_en)
        firing = history.record_firing(self.store, name, slot, len(pieces))
        kind = JobKind(schedule.job)
        for piece in pieces:
            request = JobRequest(kind, piece, schedule=name, schedule_run=firing)
            submitted = self.dispatcher.submit(request)
            log.info("schedule %s firing %d: %s", name, firing, submitted.note)
            if submitted.job_id is None:
                history.dropped(self.store, firing, submitted.note)
        return firing

    def next_fire_times(self) -> dict[str, datetime | None]:
        """When each schedule fires next (UTC), from the clock."""
        now = self._clock()
        found: dict[str, datetime | None] = {}
        for name, trigger in self.triggers.items():
            nxt = trigger.get_next_fire_time(None, now)
            found[name] = None if nxt is None else nxt.astimezone(UTC)
        return found

    def shutdown(self) -> None:
        """Fire no more; returns once a firing under way has submitted its jobs.

        Waiting is short (a submit never waits for its job) and means the dispatcher, closed
        next, never refuses half a firing's jobs for stopping.
        """
        if self.aps.running:
            self.aps.shutdown(wait=True)
