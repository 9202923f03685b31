"""The CPU-heavy stages in worker processes: check (rules) → build (+ schema) → sign.

A document the vendor signed itself takes the receiver's checks and the comparison with the
learner's data instead (hub.pipeline.receive), in the same processes, so a big school is
verified in parallel as it would be built and signed.

A chunk of learners goes to a process of a `ProcessPoolExecutor` sized to the cores; the
worker returns, for each, either the signed document and who signed it, or the stage that
stopped it and the findings that say why. Workers hold no store connection and no secret from
the parent: each opens the configuration, the code lists, the plugins' rules and the signing
providers itself (`init_worker`), so a key is read from its file or token in the process that
uses it and never pickled. Processes are spawned, not forked: a forked child would inherit
the parent's open database connections, which SQLite and psycopg both forbid.

This module is all a worker imports (with the document, rules and signing code): not the
store, not the ministry client, so that each worker stays small (the bench counts its memory).
hub.pipeline.commit writes the results in the parent.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hub.codes import CodeLists, load_codes
from hub.config import HubConfig, load_config
from hub.errors import HubError
from hub.findings import Finding, error, has_errors
from hub.lifecycle import Stage
from hub.model import Transcript
from hub.pipeline.build import build_tree
from hub.pipeline.receive import check_received
from hub.pipeline.sign import SignerId, Signers, sign_failure, signed_bytes
from hub.plugins import load_plugins
from hub.privacy import mask_logs
from hub.rules import Rule, check_transcript
from hub.signing.trust import TrustStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What a worker process opens its own resources from (picklable, no secret)."""

    config_path: str
    today: date


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A learner for the workers: the hub builds and signs its document, or, with
    `vendor_document`, checks the one its vendor signed (hub.pipeline.receive)."""

    record_id: int
    transcript: Transcript
    vendor_document: bytes | None = None  # the vendor's exact bytes
    vendor: str = ""  # the source's name, for the comparison's messages


@dataclass(frozen=True, slots=True)
class WorkResult:
    """One learner's outcome: `stage` None and a document, or the stage that stopped it."""

    record_id: int
    stage: Stage | None  # CHECK, BUILD or SIGN
    findings: tuple[Finding, ...] = ()
    document: bytes | None = None
    signatures: tuple[SignerId, ...] = ()
    vendor: bool = False  # `document` is the vendor's, verified and compared, not the hub's
    ma_ho_so: str | None = None  # the vendor's document's MaHoSo, sent as it is


@dataclass
class _Worker:
    config: HubConfig
    codes: CodeLists
    rules: Sequence[Rule]
    signers: Signers
    today: date
    trust: TrustStore | None  # [trust] folder: for documents the vendor signed


_state: _Worker | None = None


def init_worker(spec: WorkerSpec) -> None:
    """Open the worker's resources (ProcessPoolExecutor initializer)."""
    global _state
    # The parent decides when its workers stop: SIGTERM or Ctrl-C sent to the whole process
    # group (systemd, a terminal) must not kill a worker mid-chunk, or the parent would meet a
    # broken pool instead of stopping in order after the chunks in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    mask_logs()  # a spawned worker does not inherit the parent's logging set-up
    config = load_config(spec.config_path)
    registry = load_plugins()
    signers = Signers(config, registry.provider_kinds())
    folder = config.trust_folder()
    trust = TrustStore.from_folder(folder) if folder is not None else None
    _state = _Worker(config, load_codes(), tuple(registry.rules), signers, spec.today, trust)


def work(items: Sequence[WorkItem]) -> list[WorkResult]:
    """Check, build and sign a chunk of learners (in a worker process)."""
    if _state is None:  # pragma: no cover - the pool always runs init_worker first
        raise RuntimeError("init_worker was not called in this process")
    state = _state
    return [_one(item, state) for item in items]


CHECK, BUILD, SIGN = Stage.CHECK, Stage.BUILD, Stage.SIGN


def _internal(stage: Stage, exc: Exception) -> WorkResult:
    log.exception("stage %s failed unexpectedly", stage)
    return WorkResult(
        0,
        stage,
        (
            error(
                "INTERNAL",
                "/HocBaSo",
                f"Lỗi nội bộ của hub ở bước {stage}: {type(exc).__name__}; báo cho người quản "
                f"trị (nhật ký có chi tiết).",
                f"Internal hub error at stage {stage}: {type(exc).__name__}; tell the "
                f"administrator (the log has the details).",
            ),
        ),
    )


def _one(item: WorkItem, state: _Worker) -> WorkResult:
    if item.vendor_document is not None:
        return _received(item, state)
    rid = item.record_id
    try:
        findings = check_transcript(item.transcript, state.codes, state.today, state.rules)
    except Exception as exc:  # a rule's bug fails this learner, named, not the whole run
        return _with_id(_internal(CHECK, exc), rid)
    if has_errors(findings):
        return WorkResult(rid, CHECK, tuple(findings))
    warnings = tuple(findings)
    try:
        tree = build_tree(item.transcript)
    except Exception as exc:  # as above: a bug stops one learner, with its stage
        return _with_id(_internal(BUILD, exc), rid)
    if isinstance(tree, list):
        return WorkResult(rid, BUILD, (*warnings, *tree))
    try:
        signatures = state.signers.sign(
            tree, item.transcript.header.school_code, datetime.now(UTC).replace(microsecond=0)
        )
        document = signed_bytes(tree)
    except HubError as exc:
        return WorkResult(rid, SIGN, (*warnings, sign_failure(exc)))
    except Exception as exc:  # as above: a bug stops one learner, with its stage
        return _with_id(_internal(SIGN, exc), rid)
    return WorkResult(rid, None, warnings, document, tuple(signatures))


NO_TRUST = "TRUST_NOT_CONFIGURED"


def _received(item: WorkItem, state: _Worker) -> WorkResult:
    """The vendor's document: checked and compared; kept byte for byte when both hold."""
    rid, content = item.record_id, item.vendor_document
    assert content is not None
    if state.trust is None:  # the runner refuses this before reading; kept as a guard
        finding = error(
            NO_TRUST,
            "/HocBaSo/DSCKS",
            "config.toml không có [trust] folder: không kiểm tra được chữ ký của học bạ nhà "
            "cung cấp đã ký; thêm thư mục chứng thư gốc, trung gian và CRL.",
            "config.toml has no [trust] folder: the vendor's signatures cannot be checked; "
            "name the folder of root and intermediate certificates and CRLs.",
        )
        return WorkResult(rid, CHECK, (finding,))
    try:
        received = check_received(
            content,
            item.transcript,
            trust=state.trust,
            codes=state.codes,
            today=state.today,
            rules=state.rules,
            received_at=datetime.now(UTC),
            vendor=item.vendor,
        )
    except Exception as exc:  # a bug stops one learner, named, not the whole run
        return _with_id(_internal(CHECK, exc), rid)
    if not received.accepted:
        return WorkResult(rid, CHECK, received.findings, vendor=True)
    return WorkResult(
        rid, None, received.findings, content, received.signers, True, received.ma_ho_so
    )


def _with_id(result: WorkResult, record_id: int) -> WorkResult:
    return WorkResult(record_id, result.stage, result.findings)
