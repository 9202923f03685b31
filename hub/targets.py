"""The delivery-target interface: where signed documents go (the ministry, a test double, a file).

The push stage groups one school's and one year's signed documents into a `Submission` and
hands it to a target; the target returns a receipt, then answers `poll(receipt)` until every
document has an outcome. The ministry's SOAP client is one target; a plugin may add another
(a province's own store, a folder for an offline hand-over). Two methods, because the push
stage needs no more: resending, batching and back-off belong to the stage, not the target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Submission:
    """One batch: a deterministic key (content-derived) and the documents of one school-year."""

    batch_key: str  # MaLoGui: the same documents always give the same key
    school_code: str  # MaTruong
    school_year: str  # NamHoc
    documents: Sequence[tuple[str, bytes]]  # (MaHoSo, signed document bytes)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one document: accepted with the store's id, or rejected with errors."""

    record_id: str  # MaHoSo
    accepted: bool
    transcript_id: str | None = None  # MaDinhDanhHocBa when accepted
    errors: Sequence[tuple[str, str, str]] = ()  # (MaLoi, MoTa, ViTri) when rejected


@runtime_checkable
class DeliveryTarget(Protocol):
    """A receiver of submissions. Keep secrets out of `repr()` and logs."""

    def submit(self, submission: Submission) -> str:
        """Send the batch and return the receipt (MaTiepNhan); idempotent per batch key."""
        ...

    def poll(self, receipt: str) -> Sequence[Outcome] | None:
        """Every document's outcome, or None while the receiver is still processing."""
        ...


TargetFactory = Callable[[Mapping[str, Any]], DeliveryTarget]
"""Builds a target from its config section (`[targets.<name>] kind = "..."`)."""
