"""Sources whose vendor signs the documents itself (vnEdu): the trust they need, asking again.

A `VendorSignedSource` serves with each learner the document it signed (`RawRecord.
vendor_document`), which the hub verifies and compares in the workers (hub.pipeline.receive)
and sends byte for byte; or word that the school has not finished signing, and the learner
waits (`awaiting_vendor`). After reading such a source, a sync asks it again, with
`VendorSignedSource.document`, for every learner of it still waiting that the read did not
bring, whether or not the learner's data changed (an incremental read brings only changed
learners): a document that came goes to the workers like one read with its learner, compared
with the data the learner had when read (kept with the wait); one still unsigned waits on.

A vendor that cannot be reached, or refuses the hub's credentials, stops the asking for this
source and this sync (its learners wait on, and the run says why); the rest of the sync goes
on. Verification needs `[trust] folder` in config.toml: a sync with such a source and no trust
folder is refused before anything is read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.config import HubConfig
from hub.errors import HubError, UsageError
from hub.pipeline.chain import Chain
from hub.pipeline.extract import SourceRun, source_failed
from hub.signing.trust import TrustStore
from hub.sources import Source, VendorSignedSource
from hub.store import Store, mark_worked
from hub.store.vendor import WaitingLearner, still_waiting, waiting_learners

log = logging.getLogger(__name__)


def check_trust(config: HubConfig, sources: Sequence[tuple[str, Source]]) -> None:
    """Refuse a sync with a vendor-signed source and no usable `[trust] folder`.

    Raises:
        UsageError: no `[trust] folder`, or the folder cannot be read (TrustStoreError,
            naming the file).
    """
    signed_by_vendor = [
        label for label, source in sources if isinstance(source, VendorSignedSource)
    ]
    if not signed_by_vendor:
        return
    folder = config.trust_folder()
    names = ", ".join(signed_by_vendor)
    if folder is None:
        raise UsageError(
            f"{config.path}: nguồn {names} gửi học bạ do nhà cung cấp tự ký; hub phải kiểm tra "
            f'chữ ký theo các chứng thư tin cậy: thêm [trust] folder = "..." (thư mục chứng '
            f"thư gốc, trung gian và CRL, như `hub pki init` tạo ra).",
            f"{config.path}: source {names} serves documents its vendor signed; the hub must "
            f'verify them against the certificates it trusts: add [trust] folder = "..." (the '
            f"folder of root and intermediate certificates and CRLs, as `hub pki init` writes).",
        )
    TrustStore.from_folder(folder)  # a folder that cannot be read is said now, naming the file


@dataclass
class Asked:
    """What asking a source's waiting learners again came to."""

    asked: int = 0
    came: int = 0
    unreachable: list[str] = field(default_factory=list)


_ASKING = ("hỏi học bạ đã ký", "asking for a signed document")


def ask_again(
    store: Store,
    chain: Chain,
    run: SourceRun,
    source: Source,
    *,
    run_id: int,
    school: str | None,
    year: str | None,
    chunk_size: int,
) -> Asked:
    """Ask a vendor again for the documents of its learners still waiting (not read this run).

    Raises:
        SourceFailed: the plugin raised something other than a hub error (a bug), named.
    """
    asked = Asked()
    if not isinstance(source, VendorSignedSource):
        return asked
    with store.read() as session:
        waiting = waiting_learners(
            session,
            run.name,
            school_code=school or run.school_code,
            school_year=year or run.school_year,
            not_worked_by=run_id,
        )
    ready: list[tuple[WaitingLearner, bytes]] = []
    unsigned: list[int] = []
    for learner in waiting:
        try:
            document = source.document(
                learner.learner_key, learner.school_code, learner.school_year
            )
        except HubError as exc:  # unreachable, or the credentials refused: wait on
            log.warning("source %s: cannot ask for signed documents: %s", run.label, exc)
            asked.unreachable.append(str(exc))
            break
        except Exception as exc:  # a plugin's bug stops this source with its name
            raise source_failed(run, exc, _ASKING) from exc
        asked.asked += 1
        if document.content is None:
            unsigned.append(learner.record_id)
            continue
        asked.came += 1
        ready.append((learner, document.content))
        if len(ready) >= chunk_size:
            _hand(store, chain, ready, run.name, run_id)
            ready = []
    _hand(store, chain, ready, run.name, run_id)
    if unsigned:
        with store.write() as session:
            still_waiting(session, unsigned, run_id)
    return asked


def _hand(
    store: Store,
    chain: Chain,
    ready: list[tuple[WaitingLearner, bytes]],
    vendor: str,
    run_id: int,
) -> None:
    """Name this run as the one taking the learners on (its summary counts them), then hand."""
    if not ready:
        return
    with store.write() as session:
        mark_worked(session, run_id, [learner.record_id for learner, _ in ready])
    chain.hand_received(ready, vendor)
