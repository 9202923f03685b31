"""`hub withdraw` and `hub replace`: correcting a transcript the ministry already issued.

The work is `hub.pipeline.corrections` (why the steps come in that order, and what each
records); these commands parse, call it, and print the outcome.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from hub.cli import exits
from hub.cli.operator_common import config_option, configured_store, error_console
from hub.cli.sync import run_guarded
from hub.lifecycle import WITHOUT_TRANSCRIPT_STATES, RecordState


def _spinner(text: str) -> Any:
    return error_console().status(text)


@click.command("withdraw")
@click.argument("transcript_id", metavar="TRANSCRIPT_ID")
@click.option("--reason", required=True, help="Lý do thu hồi gửi Bộ (LyDo, 1–500 ký tự).")
@config_option
def withdraw_command(transcript_id: str, reason: str, config_path: Path | None) -> None:
    """Thu hồi một học bạ đã cấp / withdraw an issued transcript (MaDinhDanhHocBa)."""
    from hub.pipeline import ministry_client
    from hub.pipeline.corrections import correction_reason, withdraw_transcript

    def action() -> tuple[str, bool]:
        why = correction_reason(reason)
        with configured_store(config_path) as (config, store), ministry_client(config) as ministry:
            record, asked = withdraw_transcript(store, ministry, transcript_id, why)
            return record.ma_ho_so, asked

    ma_ho_so, asked = run_guarded(action)
    done = "đã thu hồi / withdrawn" if asked else "đã thu hồi từ trước / already withdrawn"
    click.echo(f"{transcript_id} ({ma_ho_so}): {done}.")
    click.echo(f"Gửi bản đã sửa / send the correction: hub replace {ma_ho_so} --reason ...")
    raise SystemExit(exits.OK)


@click.command("replace")
@click.argument("ma_ho_so", metavar="MaHoSo")
@click.option("--reason", required=True, help="Lý do thu hồi bản cũ gửi Bộ (LyDo, 1–500 ký tự).")
@click.option("--year", help="Năm học, khi MaHoSo có ở nhiều năm / the school year, if needed.")
@config_option
def replace_command(ma_ho_so: str, reason: str, year: str | None, config_path: Path | None) -> None:
    """Thay học bạ đã cấp bằng bản sửa từ nguồn / replace an issued transcript by its corrected
    version: withdraw it, then send the learner again with ThayTheCho."""
    from hub.pipeline import ministry_client
    from hub.pipeline.corrections import (
        Outcome,
        correction_reason,
        send_replacement,
        transcript_in_force,
    )
    from hub.report.rows import record_problems

    def action() -> tuple[Outcome, list[str]]:
        why = correction_reason(reason)
        with configured_store(config_path) as (config, store), ministry_client(config) as ministry:
            with store.read() as session:
                old = transcript_in_force(session, ma_ho_so, year)
            done = send_replacement(config, store, ministry, old, why, date.today(), _spinner)
            with store.read() as session:
                rows = record_problems(session, done.record_id) if done.record_id else []
            return done, [
                f"{r.code} [{r.stage}] {r.location} {r.xpath or ''}: "
                f"{r.message_vi} / {r.message_en}"
                for r in rows
            ]

    outcome, problems = run_guarded(action)
    click.echo(
        f"{ma_ho_so}: {outcome.old_transcript} "
        + ("đã thu hồi / withdrawn" if outcome.withdrew else "đã thu hồi từ trước / was withdrawn")
    )
    if outcome.state is RecordState.ACCEPTED:
        click.echo(f"Bản thay thế được chấp nhận / replacement accepted: {outcome.new_transcript}")
        raise SystemExit(exits.OK)
    for line in problems:
        click.echo(f"  {line}", err=True)
    if outcome.state in WITHOUT_TRANSCRIPT_STATES:
        click.echo(
            f"Bản thay thế không được chấp nhận ({outcome.state.value}); sửa nguồn rồi chạy lại "
            f"`hub replace {ma_ho_so}`. / The replacement was not accepted; fix the source and "
            f"run `hub replace {ma_ho_so}` again.",
            err=True,
        )
        raise SystemExit(exits.FINDINGS)
    click.echo(
        f"Bản thay thế đang chờ Bộ ({outcome.state.value}); chạy `hub sync` sau để lấy kết quả. "
        f"/ The replacement is still with the ministry; run `hub sync` later to settle it.",
        err=True,
    )
    raise SystemExit(exits.RETRY_LATER)
