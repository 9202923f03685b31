"""`hub withdraw` and `hub replace`: correcting a transcript the ministry already issued.

The ministry keeps one transcript in force per learner, school and year (HB301). To correct
one, the issued transcript is withdrawn (ThuHoiHocBa) and the corrected learner is submitted
with ThayTheCho naming it (ministry-service.md). `hub replace MaHoSo` does both:

1. it finds the learner in its source first (after the school fixed it) and checks and
   builds it (rules, learner look-up, schema), so that a learner is never withdrawn while
   its replacement cannot be built;
2. withdraws the transcript in force, unless the audit log says it already was (ThuHoiHocBa
   is safe to repeat, so a crash between the call and the commit costs nothing);
3. takes the learner into a batch of a new run (`{"correction": MaHoSo}`) with `replaces`
   set, and checks, builds, signs and sends it with the runner's own stages (one worker);
4. on acceptance, records the link (old → new) in the audit log.

The new record keeps the source's content hash (computed without ThayTheCho), so the next
`hub sync` sees the learner as unchanged and sends nothing. Every withdrawal is a `withdrawn`
entry of the audit log (transcript, record, MaHoSo); the reason goes to the ministry only,
since free text may hold personal data the audit log must not keep.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from sqlmodel import Session

from hub.cli import exits
from hub.cli.operator_common import config_option, configured_store
from hub.cli.sync import run_guarded
from hub.errors import UsageError
from hub.ministry import MinistryService
from hub.store import RecordState, Store
from hub.store.tables import AuditKind, Record, table_of

_RECORDS = table_of(Record)
MAX_REASON = 500  # LyDo: 1..500 characters


def _reason(text: str) -> str:
    reason = unicodedata.normalize("NFC", " ".join(text.split()))
    if not 1 <= len(reason) <= MAX_REASON:
        raise UsageError(
            f"--reason: lý do dài 1–{MAX_REASON} ký tự (đang có {len(reason)}).",
            f"--reason: the reason must be 1–{MAX_REASON} characters (it has {len(reason)}).",
        )
    return reason


def _holder(session: Session, transcript_id: str) -> Record:
    query = sa.select(Record).where(
        _RECORDS.c.transcript_id == transcript_id, _RECORDS.c.state == RecordState.ACCEPTED
    )
    found = session.scalars(query.order_by(_RECORDS.c.id.desc())).first()
    if found is None:
        raise UsageError(
            f"Không có học bạ {transcript_id} nào được Bộ chấp nhận trong kho của hub.",
            f"No transcript {transcript_id} accepted by the ministry is in the hub's store.",
        )
    return found


def _in_force(session: Session, ma_ho_so: str, year: str | None) -> Record:
    """The learner's newest accepted record: the transcript in force, to be replaced."""
    c = _RECORDS.c
    query = sa.select(Record).where(
        c.ma_ho_so == ma_ho_so, c.state == RecordState.ACCEPTED, c.transcript_id.is_not(None)
    )
    if year is not None:
        query = query.where(c.school_year == year)
    found = list(session.scalars(query.order_by(c.id.desc())))
    if not found:
        raise UsageError(
            f"Học bạ {ma_ho_so} chưa được Bộ chấp nhận lần nào; chỉ cần `hub sync`.",
            f"{ma_ho_so} was never accepted by the ministry; a plain `hub sync` sends it.",
        )
    if len({r.school_year for r in found}) > 1:
        raise UsageError(
            f"Học bạ {ma_ho_so} có ở nhiều năm học; chọn một bằng --year.",
            f"{ma_ho_so} exists in several school years; choose one with --year.",
        )
    return found[0]


def withdraw_transcript(
    store: Store, service: MinistryService, transcript_id: str, reason: str
) -> tuple[Record, bool]:
    """Withdraw an accepted transcript at the ministry and record it in the audit log.

    Returns:
        The record that holds it, and False when the audit log already had the withdrawal
        (nothing was asked of the ministry).
    """
    from hub.store import audit
    from hub.store.issued import withdrawn_transcripts

    with store.read() as session:
        record = _holder(session, transcript_id)
        if transcript_id in withdrawn_transcripts(session):
            return record, False
    service.withdraw(transcript_id, reason)  # idempotent at the ministry
    with store.write() as session:
        if transcript_id not in withdrawn_transcripts(session):  # another process may have
            audit.append(
                session,
                AuditKind.WITHDRAWN,
                {
                    "transcript_id": transcript_id,
                    "record_id": record.id,
                    "ma_ho_so": record.ma_ho_so,
                },
            )
    return record, True


@click.command("withdraw")
@click.argument("transcript_id", metavar="TRANSCRIPT_ID")
@click.option("--reason", required=True, help="Lý do thu hồi gửi Bộ (LyDo, 1–500 ký tự).")
@config_option
def withdraw_command(transcript_id: str, reason: str, config_path: Path | None) -> None:
    """Thu hồi một học bạ đã cấp / withdraw an issued transcript (MaDinhDanhHocBa)."""
    from hub.pipeline import ministry_client

    def action() -> tuple[Record, bool]:
        why = _reason(reason)
        with configured_store(config_path) as (config, store), ministry_client(config) as ministry:
            return withdraw_transcript(store, ministry, transcript_id, why)

    record, asked = run_guarded(action)
    done = "đã thu hồi / withdrawn" if asked else "đã thu hồi từ trước / already withdrawn"
    click.echo(f"{transcript_id} ({record.ma_ho_so}): {done}.")
    click.echo(f"Gửi bản đã sửa / send the correction: hub replace {record.ma_ho_so} --reason ...")
    raise SystemExit(exits.OK)


@click.command("replace")
@click.argument("ma_ho_so", metavar="MaHoSo")
@click.option("--reason", required=True, help="Lý do thu hồi bản cũ gửi Bộ (LyDo, 1–500 ký tự).")
@click.option("--year", help="Năm học, khi MaHoSo có ở nhiều năm / the school year, if needed.")
@config_option
def replace_command(ma_ho_so: str, reason: str, year: str | None, config_path: Path | None) -> None:
    """Thay học bạ đã cấp bằng bản sửa từ nguồn / replace an issued transcript by its corrected
    version: withdraw it, then send the learner again with ThayTheCho."""
    from hub.cli.replacing import Outcome, send_replacement
    from hub.pipeline import ministry_client

    def action() -> Outcome:
        why = _reason(reason)
        with configured_store(config_path) as (config, store), ministry_client(config) as ministry:
            with store.read() as session:
                old = _in_force(session, ma_ho_so, year)
            assert old.transcript_id is not None
            return send_replacement(config, store, ministry, old, why, date.today())

    outcome = run_guarded(action)
    click.echo(
        f"{ma_ho_so}: {outcome.old_transcript} "
        + ("đã thu hồi / withdrawn" if outcome.withdrew else "đã thu hồi từ trước / was withdrawn")
    )
    if outcome.state is RecordState.ACCEPTED:
        click.echo(f"Bản thay thế được chấp nhận / replacement accepted: {outcome.new_transcript}")
        raise SystemExit(exits.OK)
    for line in outcome.problems:
        click.echo(f"  {line}", err=True)
    if outcome.state in (RecordState.REJECTED, RecordState.FAILED):
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
