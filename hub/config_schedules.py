"""config.toml's [[schedules]] and [serve]: when `hub serve` runs which job, and where it listens.

    [[schedules]]
    name = "nightly"                 # unique; names the schedule in `hub status` and the log
    cron = "0 1 * * *"               # five fields (hub.cron), read in `timezone`
    timezone = "Asia/Ho_Chi_Minh"    # the default; any IANA zone
    job = "sync"                     # sync | retry-rejected | signing | report
    sources = ["vnedu", "smas"]      # optional filters: sources, schools, years

    [serve]
    host = "127.0.0.1"               # off loopback only with HUB_SERVE_TOKEN set
    port = 8470
    misfire_grace_s = 3600           # a slot the scheduler reaches later than this is skipped
    concurrency = 1                  # jobs at once when they run in-process
    stop_timeout_s = 60              # on SIGTERM, how long a running job may take to stop
    jobs = "in-process"              # or "queue" (PostgreSQL): `hub worker` processes run them

Checked when the file is read, each error naming its key and what it accepts (hub.config_errors).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.config_errors import Invalid
from hub.cron import CronError, check_cron


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


JobName = Literal["sync", "retry-rejected", "signing", "report"]
"""The jobs a schedule can run: the values of hub.jobs.operations.JobKind (a test keeps them
equal; hub.jobs imports the configuration, so the configuration cannot import it back)."""

JOB_NAMES: tuple[str, ...] = ("sync", "retry-rejected", "signing", "report")
_JOBS_LISTED = ", ".join(JOB_NAMES)
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class ScheduleConfig(_Section):
    """One [[schedules]] entry: when `hub serve` runs which job, on which pieces."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    cron: str  # five fields, read in `timezone` (hub.cron)
    timezone: str = DEFAULT_TIMEZONE
    job: JobName
    sources: list[str] | None = None  # [[sources]] names; None: every source
    schools: list[str] | None = None  # MaTruong; None: every school
    years: list[str] | None = None  # NamHoc (YYYY-YYYY); None: every year

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        try:
            check_cron(value)
        except CronError as exc:
            raise Invalid(exc.message_vi, exc.message_en) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise Invalid(
                f"không phải tên múi giờ IANA, ví dụ {DEFAULT_TIMEZONE}",
                f"not an IANA time zone name, e.g. {DEFAULT_TIMEZONE}",
            ) from None
        return value

    @field_validator("job", mode="before")
    @classmethod
    def _known_job(cls, value: object) -> object:
        if value not in JOB_NAMES:
            raise Invalid(f"cần một trong {_JOBS_LISTED}", f"expected one of {_JOBS_LISTED}")
        return value

    @field_validator("schools")
    @classmethod
    def _school_codes(cls, value: list[str] | None) -> list[str] | None:
        for code in value or []:
            if not (len(code) == 8 and code.isdigit()):
                raise Invalid(
                    f"MaTruong {code!r} phải có 8 chữ số", f"MaTruong {code!r} must have 8 digits"
                )
        return value

    @field_validator("years")
    @classmethod
    def _school_years(cls, value: list[str] | None) -> list[str] | None:
        for year in value or []:
            first, dash, second = year.partition("-")
            if not (dash and first.isdigit() and second.isdigit() and len(first) == 4):
                good = False
            else:
                good = int(second) == int(first) + 1
            if not good:
                raise Invalid(
                    f"năm học {year!r} viết dạng YYYY-YYYY, ví dụ 2024-2025",
                    f"school year {year!r} is written YYYY-YYYY, e.g. 2024-2025",
                )
        return value


class ServeConfig(_Section):
    """[serve]: `hub serve`'s address and how it runs the schedules' jobs."""

    host: str = "127.0.0.1"  # off loopback only with HUB_SERVE_TOKEN set (hub.web.auth)
    port: int = Field(default=8470, ge=0, le=65535)
    misfire_grace_s: int = Field(default=3600, ge=1)  # a slot later than this is skipped
    concurrency: int = Field(default=1, ge=1, le=64)  # jobs at once in-process
    stop_timeout_s: int = Field(default=60, ge=1)  # SIGTERM: how long running jobs may take
    # Where the fired jobs run: in this process, or queued for `hub worker` processes on any
    # machine (PostgreSQL only; hub.jobs.queue). Explicit, because a queue nobody works on
    # would leave a province's schedules waiting in silence.
    jobs: Literal["in-process", "queue"] = "in-process"


def check_schedules(schedules: Sequence[ScheduleConfig], sources: Sequence[str] | None) -> None:
    """Names unique; the sources a schedule filters on are configured ones.

    Args:
        schedules: the [[schedules]] entries, in the file's order.
        sources: the [[sources]] names; None when those were refused already.

    Raises:
        Invalid: naming the entry (its index) and what is wrong.
    """
    seen: dict[str, int] = {}
    for i, schedule in enumerate(schedules):
        first = seen.setdefault(schedule.name, i)
        if first != i:
            raise Invalid(
                f"schedules.{i}.name = {schedule.name!r} đã là tên của schedules.{first}; "
                f"mỗi lịch một tên",
                f"schedules.{i}.name = {schedule.name!r} is schedules.{first}'s already; "
                f"each schedule needs a name of its own",
            )
        for name in schedule.sources or []:
            if sources is not None and name not in sources:
                listed = ", ".join(sorted(sources)) or "-"
                raise Invalid(
                    f"schedules.{i}.sources: không có nguồn {name!r} trong [[sources]] "
                    f"(có: {listed})",
                    f"schedules.{i}.sources: no source {name!r} in [[sources]] (known: {listed})",
                )
