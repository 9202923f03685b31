"""The audit log: a chain that shows any edit, deletion or reordering, and never forks."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa

from hub.store import AuditKind, SignedBy, Store, verify_chain
from hub.store.audit import GENESIS, AuditPayloadError, append, append_many, head


def fill(store: Store, n: int = 5) -> None:
    with store.write() as session:
        append_many(
            session,
            [(AuditKind.SENT, {"batch_key": f"k{i}", "receipt": f"TN{i}"}) for i in range(n)],
        )


def tamper(store: Store, sql: str) -> None:
    with store.write() as session:
        session.execute(sa.text(sql))


def test_an_intact_chain_verifies(store: Store) -> None:
    with store.read() as session:
        assert verify_chain(session).ok
        assert head(session) == (0, GENESIS)
    fill(store)
    with store.write() as session:
        seq = append(
            session,
            AuditKind.SIGNED,
            {
                "digest": "ab" * 32,
                "signatures": [
                    {
                        "role": "DV",
                        "cert_sha256": "cd" * 32,
                        "cert_serial": "1f",
                        "cert_issuer": "CN=CA",
                    }
                ],
            },
        )
    assert seq == 6
    with store.read() as session:
        report = verify_chain(session)
        assert (report.ok, report.entries) == (True, 6)
        assert verify_chain(session, expected_head=head(session)).ok


def test_an_edited_entry_is_found(store: Store) -> None:
    fill(store)
    tamper(store, "UPDATE audit_log SET payload = replace(payload, 'TN2', 'TN9') WHERE seq = 3")
    with store.read() as session:
        report = verify_chain(session)
    assert (report.ok, report.first_bad_seq, report.entries) == (False, 3, 2)
    assert "altered" in report.reason_en


def test_an_edited_time_or_kind_is_found(store: Store) -> None:
    fill(store)
    tamper(store, "UPDATE audit_log SET kind = 'accepted' WHERE seq = 4")
    with store.read() as session:
        assert verify_chain(session).first_bad_seq == 4


def test_a_deleted_entry_is_found(store: Store) -> None:
    fill(store)
    tamper(store, "DELETE FROM audit_log WHERE seq = 2")
    with store.read() as session:
        report = verify_chain(session)
    assert (report.first_bad_seq, report.entries) == (2, 1)
    assert "missing" in report.reason_en


def test_reordered_entries_are_found(store: Store) -> None:
    fill(store)
    # Swap entries 2 and 4 under each other's numbers (through a free number: seq is the key).
    tamper(store, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    tamper(store, "UPDATE audit_log SET seq = 2 WHERE seq = 4")
    tamper(store, "UPDATE audit_log SET seq = 4 WHERE seq = 100")
    with store.read() as session:
        report = verify_chain(session)
    assert report.first_bad_seq == 2
    assert "link" in report.reason_en


def test_a_cut_off_tail_is_found_against_a_kept_head(store: Store) -> None:
    fill(store)
    with store.read() as session:
        kept = head(session)
    tamper(store, "DELETE FROM audit_log WHERE seq = 5")
    with store.read() as session:
        assert verify_chain(session).ok  # alone, a shorter chain is a valid chain
        report = verify_chain(session, expected_head=kept)
    assert (report.ok, report.first_bad_seq) == (False, 5)


@pytest.mark.parametrize(
    "payload",
    [
        {"so_dinh_danh": "001234567890"},
        {"ho_ten": "Nguyễn Văn An"},
        {"batch_key": "k", "signatures": [{"subject": "CN=Nguyễn Văn An"}]},
        {"batch_key": object()},
    ],
)
def test_personal_data_cannot_enter_a_payload(store: Store, payload: dict[str, object]) -> None:
    with pytest.raises(AuditPayloadError), store.write() as session:
        append(session, AuditKind.SENT, payload)
    with store.read() as session:
        assert head(session) == (0, GENESIS)


def test_a_certificate_is_named_without_its_subject() -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    person = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Văn An")])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hub Test CA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(person)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(0x1F2E)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    signed_by = SignedBy.from_certificate("GVCN", certificate)
    assert signed_by.cert_serial == "1f2e"
    assert signed_by.cert_issuer == "CN=Hub Test CA"
    assert signed_by.cert_sha256 == certificate.fingerprint(hashes.SHA256()).hex()
    assert "Nguyễn" not in str(signed_by.as_payload())


def _append_from_a_process(url: str, tag: str, count: int) -> None:
    store = Store(url)
    try:
        for i in range(count):
            with store.write() as session:
                append(session, AuditKind.SENT, {"batch_key": f"{tag}-{i}", "receipt": "r"})
    finally:
        store.dispose()


def test_two_processes_appending_do_not_fork_the_chain(store: Store, db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_from_a_process, args=(db_url, tag, 25)) for tag in "ab"
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    with store.read() as session:
        report = verify_chain(session)
        keys = session.execute(sa.text("SELECT payload FROM audit_log")).scalars().all()
    assert (report.ok, report.entries) == (True, 50)
    assert len(set(keys)) == 50


def test_each_hash_is_the_documented_formula_over_the_stored_text(store: Store) -> None:
    # An outside auditor recomputes the chain from the rows alone, with any JSON library:
    # sha256(prev_hash + canonical JSON of {"at", "kind", "payload", "seq"}).
    import hashlib
    import json

    from hub.store.tables import AuditEntry

    with store.write() as session:
        append_many(
            session,
            [
                (AuditKind.SENT, {"batch_key": "k1", "receipt": "Trường Tiểu học Lê Lợi"}),
                (AuditKind.SIGNED, {"digest": "ab" * 32, "signatures": ({"role": "DV"},)}),
            ],
        )
    with store.read() as session:
        rows = list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)))
    prev = GENESIS
    for row in rows:
        whole = {"seq": row.seq, "at": row.at, "kind": row.kind.value,
                 "payload": json.loads(row.payload)}  # fmt: skip
        text = json.dumps(whole, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row.prev_hash == prev
        assert row.hash == hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        prev = row.hash
    assert json.loads(rows[1].payload)["signatures"] == [{"role": "DV"}]
