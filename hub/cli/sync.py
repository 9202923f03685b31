"""`hub sync`: read every configured source, and send each learner's signed transcript once.

The ministry's password comes from the variable `[ministry] password_env` names; a sandbox's
address (when `[ministry] endpoint = "sandbox"`) from HUB_MINISTRY_ENDPOINT. Exit codes, one
per family (hub.cli.exits): 0 all accepted or unchanged; 1 finished, some learners rejected
or with problems (see `hub report`); 2 usage; 3 store; 4 ministry unreachable or still
processing (nothing lost: run again later); 5 ministry refused us; 6 signing; 7 a source
failed; 8 internal error.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

import click
import sqlalchemy as sa

from hub.cli import exits
from hub.errors import DataFileError, HubError, UsageError
from hub.privacy import mask_text

T = TypeVar("T")


def _fail(code: int, message_vi: str, message_en: str) -> SystemExit:
    # Masked: a plugin's or the ministry's error text may quote a value it could not take.
    click.echo(f"{mask_text(message_vi)}\n{mask_text(message_en)}", err=True)
    return SystemExit(code)


def run_guarded(action: Callable[[], T]) -> T:
    """Run a sync (or a retry) and turn each error family into its message and exit code."""
    from hub.ministry.errors import GaveUp, MinistryError, StillProcessing
    from hub.pipeline.extract import SourceFailed
    from hub.signing.providers import ProviderConfigError, SigningRefused
    from hub.store import StoreError
    from hub.store.engine import database_failure

    try:
        return action()
    except (ProviderConfigError, SigningRefused) as exc:
        raise _fail(exits.SIGNING, exc.message_vi, exc.message_en) from None
    except (UsageError, DataFileError) as exc:
        raise _fail(exits.USAGE, exc.message_vi, exc.message_en) from None
    except StoreError as exc:
        raise _fail(exits.STORE, exc.message_vi, exc.message_en) from None
    except sa.exc.OperationalError as exc:
        failure = database_failure(None, exc)
        raise _fail(exits.STORE, failure.message_vi, failure.message_en) from None
    except (GaveUp, StillProcessing) as exc:
        raise _fail(exits.RETRY_LATER, exc.message_vi, exc.message_en) from None
    except MinistryError as exc:
        raise _fail(exits.MINISTRY, exc.message_vi, exc.message_en) from None
    except SourceFailed as exc:
        raise _fail(exits.SOURCE, exc.message_vi, exc.message_en) from None
    except BrokenProcessPool as exc:
        raise _fail(
            exits.INTERNAL,
            f"Một tiến trình xử lý đã chết ({exc}); chạy lại sẽ tiếp tục từ chỗ dừng.",
            f"A worker process died ({exc}); running again resumes where it stopped.",
        ) from None
    except HubError as exc:
        raise _fail(exits.INTERNAL, exc.message_vi, exc.message_en) from None


def report_and_exit_code(report: object) -> int:
    """Print a run's summary per batch; the exit code its outcome deserves."""
    from hub.pipeline import SyncReport

    assert isinstance(report, SyncReport)
    for b in report.batches:
        flying = f", đang xử lý/in flight {b.in_flight}" if b.in_flight else ""
        click.echo(
            f"lô/batch {b.batch_id}: vào/in {b.rows_in}, không đổi/unchanged {b.unchanged}, "
            f"chấp nhận/accepted {b.accepted}, từ chối/rejected {b.rejected}, "
            f"vấn đề/problems {b.problems}{flying}"
        )
    click.echo(
        f"Lượt chạy/run {report.run_id}: đọc/read {report.read}, gửi/sent "
        f"{report.documents_sent} học bạ/documents in {report.submissions_sent} lô/submissions."
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
    if report.incomplete is not None or report.unsettled:
        reason = report.incomplete.message_vi if report.incomplete else "Bộ đang xử lý"
        click.echo(f"Chưa xong / not finished: {reason}. Chạy lại sau / run again later.", err=True)
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
def sync_command(
    school: str | None,
    year: str | None,
    source: str | None,
    config_path: Path | None,
    workers: int | None,
    quiet: bool,
    full_read: bool,
) -> None:
    """Đồng bộ học bạ lên Bộ / sync transcripts from the sources to the ministry."""
    if school is not None and not (len(school) == 8 and school.isdigit()):
        raise _fail(exits.USAGE, "--school: MaTruong có 8 chữ số.", "--school: 8 digits.")
    from hub.config import load_config
    from hub.pipeline import SyncOptions, ministry_client, run_sync

    options = SyncOptions(
        school, year, source, workers=workers, progress=not quiet, full_read=full_read
    )

    def action() -> object:
        config = load_config(config_path)
        with ministry_client(config) as ministry:
            return run_sync(config, options, ministry)

    raise SystemExit(report_and_exit_code(run_guarded(action)))
