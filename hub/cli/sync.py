"""`hub sync`: read every configured source, and send each learner's signed transcript once.

The ministry's password comes from the variable `[ministry] password_env` names; a sandbox's
address (when `[ministry] endpoint = "sandbox"`) from HUB_MINISTRY_ENDPOINT. Exit codes, one
per family (hub.cli.exits): 0 all accepted or unchanged; 1 finished, some learners rejected
or with problems (see `hub report`); 2 usage; 3 store; 4 ministry unreachable or still
processing (nothing lost: run again later); 5 ministry refused us; 6 signing; 7 a source
failed; 8 internal error.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TypeVar

import click
import sqlalchemy as sa

from hub.cli import exits
from hub.errors import HubError, StopRequested
from hub.privacy import mask_text

T = TypeVar("T")


def _fail(code: int, message_vi: str, message_en: str) -> SystemExit:
    # Masked: a plugin's or the ministry's error text may quote a value it could not take.
    click.echo(f"{mask_text(message_vi)}\n{mask_text(message_en)}", err=True)
    return SystemExit(code)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signum)


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While a command moves records, SIGTERM stops it like Ctrl-C: in order, nothing lost.

    Python's default for SIGTERM ends the process at once, without closing the run (it would
    stay "running" until the next sync marks it interrupted) or releasing its lease.
    """
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_guarded(action: Callable[[], T]) -> T:
    """Run a command's work and turn any error into its message and its family's exit code.

    Each error family carries its code (hub.errors draws the tree); two failures come from
    libraries rather than the hub: a database driver's (the store family) and a dead worker
    process (internal: running again resumes).
    """
    from hub.store.engine import database_failure

    try:
        with stop_on_sigterm():
            return action()
    except (StopRequested, KeyboardInterrupt) as exc:
        terminated = isinstance(exc, StopRequested)
        raise _fail(
            exits.TERMINATED if terminated else exits.INTERRUPTED,
            "Đã dừng theo yêu cầu; mọi bước đã ghi vẫn giữ nguyên, chạy lại để làm tiếp.",
            "Stopped on request; every step committed stands, run again to go on.",
        ) from None
    except HubError as exc:
        raise _fail(exc.exit_code, exc.message_vi, exc.message_en) from None
    except sa.exc.OperationalError as exc:
        failure = database_failure(None, exc)
        raise _fail(failure.exit_code, failure.message_vi, failure.message_en) from None
    except BrokenProcessPool as exc:
        raise _fail(
            exits.INTERNAL,
            f"Một tiến trình xử lý đã chết ({exc}); chạy lại sẽ tiếp tục từ chỗ dừng.",
            f"A worker process died ({exc}); running again resumes where it stopped.",
        ) from None


wait_option = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Chờ tối đa SECONDS nếu một tiến trình khác đang làm phần việc này / wait up to "
    "SECONDS while another process works on this piece (0: say who holds it, exit 3).",
)


def say_waiting(holder: object) -> None:
    """Told once when a run waits for another holder of its piece (`--wait`)."""
    from datetime import UTC, datetime

    from hub.store.leases import LeaseHolder

    assert isinstance(holder, LeaseHolder)
    now = datetime.now(UTC)
    click.echo(
        f"Đang chờ {holder.describe_vi(now)} làm xong phần việc này…\n"
        f"Waiting for {holder.describe_en(now)} to finish this piece…",
        err=True,
    )


def report_and_exit_code(report: object) -> int:
    """Print a run's summary (its batches, then its learners); the exit code it deserves."""
    from hub.pipeline import SyncReport

    assert isinstance(report, SyncReport)
    for b in report.batches:
        working = b.in_flight - b.awaiting_vendor
        flying = f", đang xử lý/in flight {working}" if working else ""
        if b.awaiting_vendor:
            flying += f", chờ NCC ký/awaiting vendor {b.awaiting_vendor}"
        click.echo(
            f"lô/batch {b.batch_id}: vào/in {b.rows_in}, không đổi/unchanged {b.unchanged}, "
            f"chấp nhận/accepted {b.accepted}, từ chối/rejected {b.rejected}, "
            f"vấn đề/problems {b.problems}{flying}"
        )
    o = report.outcome
    resumed = (
        f" (tiếp tục từ lượt trước / resumed from earlier runs: {o.resumed})" if o.resumed else ""
    )
    click.echo(
        f"Lượt chạy/run {report.run_id}: đọc/read {report.read} học sinh/learners, gửi/sent "
        f"{report.documents_sent} học bạ/documents in {report.submissions_sent} lô/submissions."
    )
    click.echo(
        f"Học sinh lượt này xử lý / learners this run worked on: chấp nhận/accepted "
        f"{o.accepted}, từ chối/rejected {o.rejected}, vấn đề/problems {o.problems}, "
        f"đang chờ/pending {o.pending}, không đổi/unchanged {o.unchanged}{resumed}."
    )
    if o.awaiting_vendor:
        click.echo(
            f"{o.awaiting_vendor} học sinh chờ nhà cung cấp ký học bạ (không phải lỗi; mỗi lần "
            f"`hub sync` sẽ hỏi lại) / learners awaiting their vendor's signatures (not a "
            f"failure; every `hub sync` asks again)."
        )
    from hub.privacy import mask_text

    for message in report.vendor_unreachable:
        click.echo(
            f"Không hỏi lại được học bạ đã ký / could not ask for signed documents: "
            f"{mask_text(message)}",
            err=True,
        )
    if report.sources_unchanged:
        click.echo(
            f"{report.sources_unchanged} nguồn không đổi từ lần đọc trước, không đọc lại / "
            f"sources unchanged since their last read, not read again (--full reads them)."
        )
    if report.unbalanced:
        ids = ", ".join(str(b.batch_id) for b in report.unbalanced)
        click.echo(f"Lô không khớp số liệu / batches that do not add up: {ids}", err=True)
        return exits.INTERNAL
    if report.incomplete is not None or report.unsettled or o.pending:
        if report.incomplete is not None:
            why_vi, why_en = report.incomplete.message_vi, report.incomplete.message_en
        elif report.unsettled:
            why_vi, why_en = "Bộ đang xử lý", "the ministry is still processing"
        else:
            why_vi, why_en = f"{o.pending} học sinh chưa xong", f"{o.pending} learners unfinished"
        click.echo(
            f"Chưa xong: {why_vi}. Chạy lại `hub sync` sau để làm tiếp.\n"
            f"Not finished: {why_en}. Run `hub sync` again later to go on.",
            err=True,
        )
        return exits.RETRY_LATER
    return exits.FINDINGS if report.problems else exits.OK


@click.command("sync")
@click.option("--school", help="Chỉ trường này / only this school (MaTruong, 8 digits).")
@click.option("--year", help="Chỉ năm học này / only this school year (e.g. 2024-2025).")
@click.option("--source", help="Chỉ nguồn này / only this configured source.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="config.toml (default: $HUB_CONFIG, else ./config.toml).",
)
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: cores).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option(
    "--full",
    "full_read",
    is_flag=True,
    help="Đọc lại mọi nguồn từ đầu / read every source from the start, not only what changed.",
)
@wait_option
def sync_command(
    school: str | None,
    year: str | None,
    source: str | None,
    config_path: Path | None,
    workers: int | None,
    quiet: bool,
    full_read: bool,
    wait: float,
) -> None:
    """Đồng bộ học bạ lên Bộ / sync transcripts from the sources to the ministry."""
    from hub.cli.operator_common import check_school, check_year

    check_school(school)
    check_year(year)
    from hub.config import load_config
    from hub.pipeline import SyncOptions, ministry_client, run_sync

    options = SyncOptions(
        school,
        year,
        source,
        workers=workers,
        progress=not quiet,
        full_read=full_read,
        wait=wait,
        on_wait=say_waiting,
    )

    def action() -> object:
        config = load_config(config_path)
        with ministry_client(config) as ministry:
            return run_sync(config, options, ministry)

    raise SystemExit(report_and_exit_code(run_guarded(action)))
