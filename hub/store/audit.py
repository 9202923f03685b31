"""The audit log: append-only, hash-chained evidence of what was signed, sent and answered.

Each entry links to the one before it:

    hash = SHA-256( prev_hash + canonical JSON of {seq, at, kind, payload} )

with `prev_hash` of the first entry 64 zeros and `seq` counting 1, 2, 3, ... without gaps. So an
edited entry breaks its own hash, a deleted or inserted one breaks the numbering and the next
link, and a reordering breaks the links; `verify_chain()` names the first entry where this
happens. Cutting entries off the end leaves a shorter valid chain: compare `head()` with a head
kept elsewhere (a report, a ticket) via `verify_chain(expected_head=...)`.

Appends are serialised so two processes never fork the chain: on SQLite the write transaction
already holds the database's write lock (BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped
advisory lock is taken before the tail is read. The primary key on `seq` is the last guard.
An entry is appended in the same transaction as the state change it proves, so the evidence and
the state never disagree.

Payloads carry no personal ID and no name: only keys from `ALLOWED_KEYS` are accepted, and a
certificate is named by its fingerprint, serial and issuer (a teacher's certificate subject is
a person's name; the fingerprint finds the certificate without it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlmodel import Session

from hub.store import bulk
from hub.store.tables import AuditEntry, AuditKind, table_of, utcnow

GENESIS = "0" * 64
_LOG = table_of(AuditEntry)
_PG_LOCK_KEY = 0x6875622D61756474  # "hub-audt": the advisory lock of the chain's tail

ALLOWED_KEYS = frozenset(
    {
        # signed
        "record_id",
        "ma_ho_so",  # the sender's key for the record, not a personal ID
        "digest",  # MaBam: SHA-256 of the signed document
        "signatures",
        "role",  # VaiTro
        "cert_sha256",
        "cert_serial",
        "cert_issuer",
        # sent / answered
        "batch_key",
        "receipt",
        "received_at",
        "documents",
        "accepted",
        "rejected",
        "transcript_id",
        "codes",
        # withdrawn
        "replaced_by",
    }
)


class AuditPayloadError(ValueError):
    """A payload key outside ALLOWED_KEYS, or a value JSON cannot hold (a programming error)."""


@dataclass(frozen=True, slots=True)
class SignedBy:
    """One signature on a document, named without naming the person."""

    role: str  # VaiTro: GVBM, GVCN, HT, DV
    cert_sha256: str
    cert_serial: str
    cert_issuer: str

    @classmethod
    def from_certificate(cls, role: str, certificate: x509.Certificate) -> SignedBy:
        return cls(
            role,
            certificate.fingerprint(hashes.SHA256()).hex(),
            format(certificate.serial_number, "x"),
            certificate.issuer.rfc4514_string(),
        )

    def as_payload(self) -> dict[str, str]:
        return {
            "role": self.role,
            "cert_sha256": self.cert_sha256,
            "cert_serial": self.cert_serial,
            "cert_issuer": self.cert_issuer,
        }


def canonical(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, seq: int, at: str, kind: str, payload: Any) -> str:
    """SHA-256 of the previous hash and canonical({"seq", "at", "kind", "payload"})."""
    return _chain_hash(prev_hash, seq, at, kind, canonical(payload))


def _chain_hash(prev_hash: str, seq: int, at: str, kind: str, payload_text: str) -> str:
    # canonical() of the four-key object, written out around the payload's own canonical text
    # (keys in sorted order, no spaces) so that appending encodes each payload once.
    material = (
        f'{prev_hash}{{"at":{canonical(at)},"kind":{canonical(kind)},'
        f'"payload":{payload_text},"seq":{int(seq)}}}'
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _check_payload(value: Any, path: tuple[str | int, ...] = ()) -> None:
    # The place is formatted only for an error: a province's sync checks millions of values.
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key not in ALLOWED_KEYS:
                raise AuditPayloadError(
                    f"{_place(path)}: key {key!r} is not allowed in the audit log"
                )
            if not isinstance(item, _SCALARS):
                _check_payload(item, (*path, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if not isinstance(item, _SCALARS):
                _check_payload(item, (*path, i))
    elif not isinstance(value, _SCALARS):
        raise AuditPayloadError(f"{_place(path)}: {type(value).__name__} is not a JSON scalar")


_SCALARS = (str, int, bool, type(None))


def _place(path: tuple[str | int, ...]) -> str:
    return "payload" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _timestamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_tail(session: Session) -> tuple[int, str]:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
    last = session.execute(
        sa.select(_LOG.c.seq, _LOG.c.hash).order_by(_LOG.c.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if last is None else (int(last.seq), str(last.hash))


def append_many(session: Session, entries: Sequence[tuple[AuditKind, Mapping[str, Any]]]) -> int:
    """Append entries, in order, in the caller's (write) transaction; returns the last seq.

    Raises:
        AuditPayloadError: a payload key is not in ALLOWED_KEYS.
    """
    if not entries:
        return head(session)[0]
    for _, payload in entries:
        _check_payload(payload)
    seq, prev = _lock_tail(session)
    at = _timestamp(utcnow())
    rows = []
    for kind, payload in entries:
        seq += 1
        text = canonical(payload)  # tuples are written as lists, as verify will read them
        digest = _chain_hash(prev, seq, at, kind.value, text)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "kind": kind,
                "payload": text,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if bulk.on_postgres(session):
        bulk.copy_rows(session, _LOG, rows)
    else:
        session.execute(sa.insert(_LOG), rows)
    return seq


def append(session: Session, kind: AuditKind, payload: Mapping[str, Any]) -> int:
    """Append one entry; returns its seq."""
    return append_many(session, [(kind, payload)])


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the last entry; (0, 64 zeros) for an empty log."""
    last = session.execute(
        sa.select(_LOG.c.seq, _LOG.c.hash).order_by(_LOG.c.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if last is None else (int(last.seq), str(last.hash))


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of `verify_chain`: how many entries held, and the first that did not."""

    entries: int  # entries checked and found good
    first_bad_seq: int | None = None
    reason_vi: str = ""
    reason_en: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_chain(session: Session, *, expected_head: tuple[int, str] | None = None) -> ChainReport:
    """Walk the log from the first entry and report the first broken or missing link."""
    c = _LOG.c
    # kind read as plain text: a tampered value must be reported, not crash the enum type.
    query = (
        sa.select(c.seq, c.at, sa.type_coerce(c.kind, sa.String).label("kind"), c.payload)
        .add_columns(c.prev_hash, c.hash)
        .order_by(c.seq)
        .execution_options(yield_per=2000)
    )
    result = session.execute(query)
    try:  # streamed through a server-side cursor on PostgreSQL: close it on an early return
        broken, last = _walk(result)
    finally:
        result.close()
    if broken is not None:
        return broken
    if expected_head is not None and last != expected_head:
        return ChainReport(
            last[0],
            min(expected_head[0], last[0] + 1),
            f"cuối nhật ký là mục {last[0]}, không phải mục {expected_head[0]} như đã ghi",
            f"the log ends at entry {last[0]}, not at entry {expected_head[0]} as recorded",
        )
    return ChainReport(last[0])


def _walk(rows: Iterable[Any]) -> tuple[ChainReport | None, tuple[int, str]]:
    expected_seq, prev = 1, GENESIS
    for row in rows:
        if row.seq != expected_seq:
            return ChainReport(
                expected_seq - 1,
                expected_seq,
                f"thiếu mục {expected_seq} (mục tiếp theo là {row.seq})",
                f"entry {expected_seq} is missing (the next one is {row.seq})",
            ), (0, "")
        if row.prev_hash != prev:
            return ChainReport(
                expected_seq - 1,
                row.seq,
                f"mục {row.seq} không nối với mục trước (prev_hash sai)",
                f"entry {row.seq} does not link to the one before (wrong prev_hash)",
            ), (0, "")
        try:
            payload = json.loads(row.payload)
        except ValueError:
            payload = None
        if payload is None or canonical(payload) != row.payload:
            return _altered(expected_seq), (0, "")
        if entry_hash(prev, row.seq, row.at, row.kind, payload) != row.hash:
            return _altered(expected_seq), (0, "")
        expected_seq, prev = expected_seq + 1, row.hash
    return None, (expected_seq - 1, prev)


def _altered(seq: int) -> ChainReport:
    return ChainReport(
        seq - 1,
        seq,
        f"mục {seq} đã bị sửa (mã băm không khớp nội dung)",
        f"entry {seq} was altered (its hash does not match its content)",
    )
