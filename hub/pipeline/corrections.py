"""Correcting a transcript the ministry already issued: withdraw it, and replace it.

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

Both operations hold the lease of the learner's piece (its source, school and year:
hub.store.leases) for their length, so no sync of that piece moves the learner between the
checks and the sending; other schools' syncs go on beside them. `hub withdraw` and `hub
replace` (and, later, the console) call `withdraw_transcript` and `send_replacement`; they
render the outcome.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from hub.config import HubConfig
from hub.errors import UsageError
from hub.findings import has_errors
from hub.lifecycle import PUSH_STATES, WORK_STATES, RecordState
from hub.ministry import MinistryService
from hub.pipeline.map import Mapped
from hub.privacy import mask_text
from hub.sources import RawRecord
from hub.store import (
    RunState,
    StateChange,
    Store,
    advance,
    audit,
    batch_accounting,
    close_batch,
    count_unchanged,
    finish_run,
    open_batch,
    set_extraction_counts,
    start_run,
    upsert_records,
)
from hub.store.issued import withdrawn_transcripts
from hub.store.leases import acquire
from hub.store.scope import Scope
from hub.store.tables import AuditKind, Batch, Record, table_of

_RECORDS = table_of(Record)

Status = Callable[[str], AbstractContextManager[object]]
"""Shows what is being done for as long as it lasts (a spinner on the command line)."""


def _quiet(text: str) -> AbstractContextManager[object]:
    return nullcontext()


MAX_REASON = 500  # LyDo: 1..500 characters


def correction_reason(text: str) -> str:
    """LyDo as the ministry takes it: NFC, white space collapsed, 1–500 characters.

    Raises:
        UsageError: empty or too long.
    """
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


def transcript_in_force(session: Session, ma_ho_so: str, year: str | None) -> Record:
    """The learner's newest accepted record: the transcript in force, to be replaced.

    Raises:
        UsageError: the learner was never accepted, or is in several years and none is named.
    """
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


def learner_scope(session: Session, record: Record) -> Scope:
    """The piece a learner's record belongs to: its batch's source, its school and year."""
    batch = session.get(Batch, record.batch_id)
    assert batch is not None, f"record {record.id} has no batch"
    return Scope(batch.source, record.school_code, record.school_year)


def withdraw_transcript(
    store: Store, service: MinistryService, transcript_id: str, reason: str
) -> tuple[Record, bool]:
    """Withdraw an accepted transcript at the ministry and record it in the audit log.

    Holds the lease of the learner's piece (nested when `send_replacement` already holds it).

    Returns:
        The record that holds it, and False when the audit log already had the withdrawal
        (nothing was asked of the ministry).
    """
    with store.read() as session:
        scope = learner_scope(session, _holder(session, transcript_id))
    with acquire(store, scope):
        with store.read() as session:
            record = _holder(session, transcript_id)
            if transcript_id in withdrawn_transcripts(session):
                return record, False
        service.withdraw(transcript_id, reason)  # idempotent at the ministry
        with store.write() as session:
            if transcript_id not in withdrawn_transcripts(session):  # a crash may have left it
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


@dataclass
class Outcome:
    """Where the replacement ended: its state, its new id, or the record whose problems say why."""

    old_transcript: str
    withdrew: bool
    state: RecordState
    new_transcript: str | None = None
    record_id: int | None = None  # the replacement's record (its problems: hub.report.rows)


def find_in_source(config: HubConfig, old: Record, source_name: str) -> Mapped:
    """The learner as the source holds it now (after the school's fix).

    Raises:
        UsageError: the learner is not in the source, or its row cannot be mapped.
    """
    from hub.mapping import load_mappings
    from hub.pipeline.extract import check_options, read_source, source_runs
    from hub.pipeline.map import map_record
    from hub.plugins import load_plugins

    registry = load_plugins()
    mappings = load_mappings(registry.mapping_dirs, registry.transforms)
    for run in source_runs(config, source_name):
        if run.school_code not in (None, old.school_code):
            continue
        if run.school_year not in (None, old.school_year):
            continue
        check_options(run, registry, config.path)
        for item in read_source(run, registry):
            if not isinstance(item, RawRecord):
                continue
            mapped = map_record(item, mappings)
            if (
                isinstance(mapped, Mapped)
                and mapped.record.ma_ho_so == old.ma_ho_so
                and mapped.school_year == old.school_year
            ):
                return mapped
    raise UsageError(
        f"Không tìm thấy học bạ {old.ma_ho_so} (năm {old.school_year}) trong nguồn "
        f"{source_name}, hoặc dòng của nó có lỗi; xem `hub sync` / `hub report`. Chưa thu hồi gì.",
        f"{old.ma_ho_so} ({old.school_year}) is not in source {source_name}, or its row has "
        f"problems; see `hub sync` / `hub report`. Nothing was withdrawn.",
    )


def preflight(service: MinistryService, corrected: Mapped, today: date) -> None:
    """Check and build the replacement before anything is withdrawn.

    The rules, the learner look-up (TraCuuHocSinh) and the schema are what stop most
    replacements; finding them after the withdrawal would leave the learner with no
    transcript in force until the school fixes its file. Signing is not tried here: a signer
    that fails leaves the record failed at `sign`, and `hub replace` can simply be run again.

    Raises:
        UsageError: the problems, each traced to its source cell; nothing was withdrawn.
    """
    from hub.codes import load_codes
    from hub.pipeline.build import build_tree
    from hub.pipeline.check import LearnerLookup
    from hub.pipeline.trace import locate_in_raw
    from hub.plugins import load_plugins
    from hub.rules import check_transcript

    rules = tuple(load_plugins().rules)
    findings = check_transcript(corrected.transcript, load_codes(), today, rules)
    findings += LearnerLookup(service).findings([corrected.transcript])[0]
    if not has_errors(findings):
        tree = build_tree(corrected.transcript)
        if isinstance(tree, list):
            findings += tree
    lines = []
    for finding in findings:
        if not finding.is_error:
            continue
        place = locate_in_raw(corrected.raw, corrected.mapping, finding.xpath)
        where = " › ".join(x for x in (place.file, place.sheet, place.cell) if x)
        lines.append(
            f"  {finding.code} {where or finding.xpath}: {mask_text(finding.message_vi)} / "
            f"{mask_text(finding.message_en)}"
        )
    if lines:
        ma = corrected.record.ma_ho_so
        detail = "\n".join(lines)
        raise UsageError(  # the problem lines are bilingual: printed once, after both
            f"Bản sửa của {ma} chưa gửi được; sửa nguồn rồi chạy lại. Chưa thu hồi gì.",
            f"The correction of {ma} cannot be sent yet; fix the source and run again. Nothing "
            f"was withdrawn.\n{detail}",
        )


def _refuse_in_flight(store: Store, ma_ho_so: str, year: str) -> None:
    from hub.store import records_in

    with store.read() as session:
        current = [
            r
            for r in records_in(session, school_year=year, current_only=True)
            if r.ma_ho_so == ma_ho_so
        ]
    for ref in current:
        if ref.state in PUSH_STATES:
            raise UsageError(
                f"Học bạ {ma_ho_so} đang được gửi ({ref.state.value}); chạy `hub sync` cho xong "
                f"rồi thử lại. Chưa thu hồi gì.",
                f"{ma_ho_so} is being sent ({ref.state.value}); finish it with `hub sync`, then "
                f"try again. Nothing was withdrawn.",
            )


def send_replacement(
    config: HubConfig,
    store: Store,
    service: MinistryService,
    old: Record,
    reason: str,
    today: date,
    status: Status = _quiet,
) -> Outcome:
    """Withdraw `old`'s transcript and send the learner's corrected transcript in its place.

    Holds the lease of the learner's piece throughout (a sync must not move it meanwhile).

    Args:
        status: shows what is being done (a spinner on the command line); quiet by default.

    Raises:
        UsageError: the learner is not in its source, or the correction fails a check
            (nothing was withdrawn).
        LeaseHeld: another run works on the learner's piece.
    """
    with store.read() as session:
        scope = learner_scope(session, old)
    with acquire(store, scope):
        assert old.transcript_id is not None
        with store.read() as session:
            batch = session.get(Batch, old.batch_id)
            assert batch is not None
            source = batch.source
        with status("Đọc nguồn / reading the source…"):
            mapped = find_in_source(config, old, source)
        header = dataclasses.replace(mapped.transcript.header, replaces=old.transcript_id)
        corrected = dataclasses.replace(
            mapped, transcript=dataclasses.replace(mapped.transcript, header=header)
        )
        with status("Kiểm tra bản sửa / checking the correction…"):
            preflight(service, corrected, today)
        _refuse_in_flight(store, old.ma_ho_so, old.school_year)
        _, withdrew = withdraw_transcript(store, service, old.transcript_id, reason)
        with store.write() as session:
            parameters = {"correction": old.ma_ho_so, "replaces": old.transcript_id}
            run_id = start_run(session, parameters, scope)
            batch_id = open_batch(session, run_id, old.school_code, old.school_year, source)
            # redo: the learner is sent again even when its content did not change.
            (answer,) = upsert_records(session, batch_id, [corrected.record], redo=True)
            state = RecordState.MAPPED if answer.state is RecordState.EXTRACTED else answer.state
            values = {"replaces": old.transcript_id}
            advance(session, [StateChange(answer.record_id, answer.state, state, values)])
            set_extraction_counts(
                session,
                batch_id,
                rows_in=1,
                unchanged=count_unchanged([answer], batch_id),
                unkeyed=0,
            )
        ended = RunState.FAILED
        try:
            with status("Ký và gửi / signing and sending…"):
                _work(
                    config,
                    store,
                    service,
                    dataclasses.replace(answer, state=state),
                    corrected,
                    today,
                )
            ended = RunState.FINISHED
        finally:
            with store.write() as session:
                for touched in {batch_id, answer.batch_id}:
                    if batch_accounting(session, touched).in_flight == 0:
                        close_batch(session, touched)
                finish_run(session, run_id, ended)
        return _outcome(store, old, answer.record_id, withdrew)


def _work(
    config: HubConfig,
    store: Store,
    service: MinistryService,
    answer: object,
    corrected: Mapped,
    today: date,
) -> None:
    """Check, build, sign (one worker process), send and settle the one learner."""
    from hub.pipeline.chain import Chain
    from hub.pipeline.check import LearnerLookup
    from hub.pipeline.intake import Work
    from hub.pipeline.pool import WorkPool
    from hub.pipeline.progress import SyncProgress
    from hub.pipeline.push import Pusher
    from hub.pipeline.worker import WorkerSpec
    from hub.store import Upserted

    assert isinstance(answer, Upserted)
    if answer.state not in WORK_STATES:
        return
    pusher = Pusher(store, service, config.ministry.unit)
    spec = WorkerSpec(str(config.path), today)
    with WorkPool(spec, workers=1) as pool, SyncProgress(False) as progress:
        chain = Chain(store, LearnerLookup(service), pool, pusher, progress)
        chain.hand([Work(answer, corrected)])
        chain.drain()
    pusher.flush()
    pusher.settle()


def _outcome(store: Store, old: Record, record_id: int, withdrew: bool) -> Outcome:
    from hub.store import audit

    assert old.transcript_id is not None
    with store.write() as session:
        record = session.get(Record, record_id)
        assert record is not None
        outcome = Outcome(
            old.transcript_id, withdrew, record.state, record.transcript_id, record_id
        )
        if record.state is RecordState.ACCEPTED and record.transcript_id:
            audit.append(
                session,
                AuditKind.WITHDRAWN,
                {
                    "transcript_id": old.transcript_id,
                    "replaced_by": record.transcript_id,
                    "ma_ho_so": old.ma_ho_so,
                    "record_id": record_id,
                },
            )
    return outcome
