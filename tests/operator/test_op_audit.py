"""`hub audit verify`: a sound chain passes; a tampered, removed or cut entry is named."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from operator_seed import Seeded

from hub.store.tables import AuditEntry


def _head(output: str) -> str:
    return output.rsplit("đầu/head ", 1)[1].strip()


def test_verify_passes_a_sound_chain_and_prints_its_head(seeded: Seeded, tmp_path: Path) -> None:
    result = seeded.run(tmp_path, "audit", "verify")
    assert result.exit_code == 0, result.output
    with seeded.store.read() as session:
        last = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None
    assert _head(result.output) == f"{last.seq}:{last.hash}"
    again = seeded.run(tmp_path, "audit", "verify", "--expected-head", _head(result.output))
    assert again.exit_code == 0


def test_verify_names_the_first_tampered_entry(seeded: Seeded, tmp_path: Path) -> None:
    with seeded.store.write() as session:
        entry = session.get(AuditEntry, 3)
        assert entry is not None
        entry.payload = entry.payload.replace("ab", "cd", 1)
        session.add(entry)
    result = seeded.run(tmp_path, "audit", "verify")
    assert result.exit_code == 9
    assert "mục 3" in result.output
    assert "entry 3 was altered" in result.output


def test_verify_names_a_removed_entry(seeded: Seeded, tmp_path: Path) -> None:
    with seeded.store.write() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 5))  # type: ignore[arg-type]
    result = seeded.run(tmp_path, "audit", "verify")
    assert result.exit_code == 9
    assert "entry 5 is missing" in result.output


def test_verify_catches_a_cut_end_against_a_recorded_head(seeded: Seeded, tmp_path: Path) -> None:
    head = _head(seeded.run(tmp_path, "audit", "verify").output)
    last = int(head.split(":")[0])
    with seeded.store.write() as session:
        session.execute(sa.delete(AuditEntry).where(AuditEntry.seq == last))  # type: ignore[arg-type]
    assert seeded.run(tmp_path, "audit", "verify").exit_code == 0  # a shorter chain holds...
    result = seeded.run(tmp_path, "audit", "verify", "--expected-head", head)
    assert result.exit_code == 9  # ...but not against the head kept elsewhere
    assert f"not at entry {last}" in result.output
    bad = seeded.run(tmp_path, "audit", "verify", "--expected-head", "12:nothex")
    assert bad.exit_code == 2
