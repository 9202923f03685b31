"""Documents the vendor signed itself (vnEdu's way), against the real sandbox and workers.

A fake vendor-signed source, defined here, serves the learners of a generated province (read
through generic_excel from its spreadsheets, so they map with a real mapping) one learner at a
time like an incremental API: only the learners changed since the cursor, each with the
document the "vendor" signed, or none yet (a 404). The vendor's documents are built and signed
here with the province's test PKI, as the named people the documents name (spec 1.0.1, HB006).
The hub must verify them with the receiver's checks against `[trust] folder`, compare them with
the learners' data, send the vendor's exact bytes, and sign nothing itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.cli import main
from hub.config import load_config
from hub.document.build import format_score
from hub.errors import UsageError
from hub.mapping import load_mappings
from hub.model import Transcript
from hub.pipeline import SyncOptions, run_sync
from hub.pipeline.build import build_tree
from hub.pipeline.extract import SourceRun, source_runs, start_cursor
from hub.pipeline.sign import Signers, signed_bytes
from hub.plugins import Registry, load_plugins
from hub.report.queries import school_status
from hub.report.rows import AWAITING_VENDOR, missing_problems
from hub.sources import (
    Checkpoint,
    CursorError,
    Provenance,
    RawRecord,
    ReadItem,
    Severity,
    SourceSpec,
    VendorDocument,
)
from hub.sources import Problem as SourceProblem
from hub.store import RecordState, StoredCursor, records_in
from hub.store.tables import AuditEntry, Problem, RecordDocument

from .conftest import World, province_settings

KIND = "vendor_test"
SMALL = 36


@dataclass
class Vendor:
    """The fake vendor's state, shared by the test and the sources it builds."""

    documents: dict[str, bytes | None] = field(default_factory=dict)  # by RawRecord.key
    changed_at: dict[str, int] = field(default_factory=dict)  # the version a learner changed
    version: int = 1
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)  # learner fields overridden
    problems: dict[str, SourceProblem] = field(default_factory=dict)  # instead of the record
    reads: list[tuple[str | None, list[str]]] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    def change(self, key: str) -> None:
        self.version += 1
        self.changed_at[key] = self.version


class VendorSource:
    """Incremental as an API is: `read(cursor)` yields the learners changed since, a cursor."""

    def __init__(self, options: Mapping[str, Any], vendor: Vendor, excel: SourceSpec) -> None:
        self.vendor, self.options, self.excel = vendor, dict(options), excel

    def _records(self) -> Iterator[RawRecord]:
        for item in self.excel.factory(self.options).read(None):
            if isinstance(item, RawRecord):
                yield item

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        if cursor is not None and not cursor.isdigit():
            raise CursorError("cursor?", "cursor?")
        since = int(cursor) if cursor is not None else 0
        yielded = []
        for raw in self._records():
            if cursor is not None and self.vendor.changed_at.get(raw.key, 1) <= since:
                continue
            yielded.append(raw.key)
            if raw.key in self.vendor.problems:
                yield self.vendor.problems[raw.key]
                continue
            yield dataclasses.replace(
                raw, data=self._edited(raw), vendor_document=self._document(raw.key)
            )
        self.vendor.reads.append((cursor, yielded))
        yield Checkpoint(str(self.vendor.version))

    def _edited(self, raw: RawRecord) -> Mapping[str, Any]:
        edits = self.vendor.edits.get(raw.key)
        if not edits:
            return raw.data
        return {**raw.data, "learner": {**raw.data["learner"], **edits}}

    def _document(self, key: str) -> VendorDocument:
        where = Provenance(url=f"/v2/transcripts/{key}", vendor_key=key)
        return VendorDocument(self.vendor.documents.get(key), where)

    def document(self, record_key: str, school_code: str, school_year: str) -> VendorDocument:
        self.vendor.asked.append(record_key)
        return self._document(record_key)


def _registry(vendor: Vendor) -> Registry:
    registry = load_plugins({"HUB_LOAD_PLUGINS": "generic_excel"})
    excel = registry.source("generic_excel")
    registry.sources[KIND] = SourceSpec(
        KIND,
        lambda options: VendorSource(options, vendor, excel),
        {"type": "object"},
        "a vendor that signs its documents itself (test)",
        incremental=True,
    )
    return registry


@dataclass
class VendorWorld:
    world: World
    vendor: Vendor
    config_path: Path
    learners: dict[str, Transcript]  # by RawRecord.key: the mapped data

    def sync(self, **options: Any) -> Any:
        store = self.world.store()
        try:
            return run_sync(
                load_config(self.config_path),
                SyncOptions(progress=False, **{"workers": 1, **options}),
                self.world.client(),
                store=store,
            )
        finally:
            store.dispose()

    def sign(self, key: str, transcript: Transcript | None = None) -> bytes:
        """The vendor signs the learner's document (as the named people), with `transcript`."""
        transcript = transcript or self.learners[key]
        tree = build_tree(transcript)
        assert not isinstance(tree, list), tree
        config = load_config(self.config_path)
        signers = Signers(config, _registry(self.vendor).provider_kinds())
        at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        signers.sign(tree, transcript.header.school_code, at)
        content = signed_bytes(tree)
        self.vendor.documents[key] = content
        return content

    def records(self, *states: RecordState) -> list[Any]:
        store = self.world.store()
        try:
            with store.read() as session:
                return records_in(session, states=list(states) or None, current_only=True)
        finally:
            store.dispose()

    def rows(self, model: Any, *where: Any) -> list[Any]:
        store = self.world.store()
        try:
            with store.read() as session:
                return list(session.scalars(sa.select(model).where(*where)))
        finally:
            store.dispose()

    def sent(self) -> dict[str, str]:
        """MaHoSo → SHA-256 of the bytes the sandbox holds."""
        rows = self.world.sandbox_rows("SELECT ma_ho_so, content FROM document")
        return {ma: hashlib.sha256(content).hexdigest() for ma, content in rows}


@pytest.fixture
def vendor_world(make_world, monkeypatch) -> VendorWorld:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL))
    vendor = Vendor()
    monkeypatch.setattr("hub.pipeline.runner.load_plugins", lambda: _registry(vendor))
    text = world.province.config_path.read_text(encoding="utf-8")
    assert 'plugin = "generic_excel"' in text
    text = text.replace('plugin = "generic_excel"', f'plugin = "{KIND}"')
    text += f"\n[trust]\nfolder = {json.dumps(str(world.province.trust_dir))}\n"
    config_path = world.province.directory / "vendor.toml"
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)
    registry = _registry(vendor)
    mappings = load_mappings(registry.mapping_dirs, registry.transforms)
    learners: dict[str, Transcript] = {}
    excel = registry.source("generic_excel")
    for run in source_runs(config):
        for item in excel.factory(dict(run.options)).read(None):
            if isinstance(item, RawRecord):
                outcome = mappings.record(item.mapping).map(item)
                assert outcome.transcript is not None, outcome.problems
                learners[item.key] = outcome.transcript
    assert len(learners) >= SMALL // 2
    return VendorWorld(world, vendor, config_path, learners)


def _audit_kinds(vw: VendorWorld) -> list[str]:
    return [str(e.kind) for e in vw.rows(AuditEntry)]


def test_valid_documents_are_sent_byte_for_byte_and_the_hub_signs_nothing(
    vendor_world: VendorWorld,
) -> None:
    vw = vendor_world
    signed = {key: vw.sign(key) for key in vw.learners}
    report = vw.sync()
    assert report.outcome.accepted == len(vw.learners), report.outcome
    assert report.outcome.problems == 0
    expected = {
        vw.learners[k].header.record_id: hashlib.sha256(b).hexdigest() for k, b in signed.items()
    }
    assert vw.sent() == expected  # the vendor's exact bytes, MaBam over them
    kinds = _audit_kinds(vw)
    assert "signed" not in kinds  # the hub signed nothing
    assert kinds.count("verified") == len(vw.learners)
    stored = {d.record_id: d.body for d in vw.rows(RecordDocument)}
    assert sorted(hashlib.sha256(b).hexdigest() for b in stored.values()) == sorted(
        expected.values()
    )

    again = vw.sync()  # nothing new at the vendor: one read from the cursor, nothing sent
    assert again.read == 0
    assert again.documents_sent == 0
    assert all(cursor is not None and not keys for cursor, keys in vw.vendor.reads[-2:])
    assert vw.vendor.asked == []  # nobody waits: the vendor is not asked for anything


def test_an_unsigned_document_waits_then_comes_at_a_later_sync(vendor_world: VendorWorld) -> None:
    vw = vendor_world
    keys = sorted(vw.learners)
    late = keys[:3]
    for key in keys[3:]:
        vw.sign(key)
    first = vw.sync()
    assert first.outcome.accepted == len(keys) - 3
    assert first.outcome.awaiting_vendor == 3
    assert first.outcome.failed == 0
    assert first.outcome.pending == 0
    waiting = vw.records(RecordState.AWAITING_VENDOR)
    assert sorted(r.ma_ho_so for r in waiting) == sorted(
        vw.learners[k].header.record_id for k in late
    )
    store = vw.world.store()
    with store.read() as session:
        statuses = school_status(session)
        rows = [r for r in missing_problems(session) if r.code == AWAITING_VENDOR]
    store.dispose()
    assert sum(s.awaiting_vendor for s in statuses) == 3
    assert sum(s.pending for s in statuses) == 0
    assert len(rows) == 3
    assert all(r.url and r.url.startswith("/v2/transcripts/") for r in rows)
    shown = CliRunner().invoke(
        main,
        ["status", "--config", str(vw.config_path)],
        env={"HUB_DATABASE_URL": vw.world.db_url, "COLUMNS": "250"},
    )
    assert shown.exit_code == 0, shown.output
    assert "Awaiting vendor" in shown.output
    total = next(line for line in shown.output.splitlines() if "Tổng / Total" in line)
    assert [cell.strip() for cell in total.split("│")][4:11][-1] == "3"

    second = vw.sync()  # still unsigned: asked again although nothing changed, still waiting
    assert sorted(vw.vendor.asked) == sorted(late)
    assert second.outcome.awaiting_vendor == 3
    assert second.documents_sent == 0

    vw.sign(late[0])  # the school finishes signing one of them; its data did not change
    vw.vendor.documents[late[1]] = _flip_in_signature(vw.sign(late[1]))  # another, broken
    third = vw.sync()
    assert third.outcome.accepted == 1
    assert third.outcome.failed == 1
    assert third.outcome.awaiting_vendor == 1
    assert (
        vw.sent()[vw.learners[late[0]].header.record_id]
        == hashlib.sha256(vw.vendor.documents[late[0]] or b"").hexdigest()
    )
    assert vw.learners[late[1]].header.record_id not in vw.sent()
    (failed,) = vw.records(RecordState.FAILED)
    assert {p.code for p in vw.rows(Problem, Problem.record_id == failed.id)} == {"HB004"}
    assert "signed" not in _audit_kinds(vw)
    assert _audit_kinds(vw).count("verified") == len(keys) - 2


def _flip_in_signature(content: bytes) -> bytes:
    start = content.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>") + 10
    flipped = bytes([content[start] ^ 0x01])
    if not flipped.isalnum():  # stay inside base64, so only the value is wrong
        flipped = b"A" if content[start : start + 1] != b"A" else b"B"
    return content[:start] + flipped + content[start + 1 :]


def test_a_broken_signature_fails_with_its_code_and_nothing_is_sent(
    vendor_world: VendorWorld,
) -> None:
    vw = vendor_world
    key = sorted(vw.learners)[0]
    vw.vendor.documents[key] = _flip_in_signature(vw.sign(key))
    report = vw.sync()
    assert report.outcome.failed == 1
    assert report.documents_sent == 0
    (record,) = vw.records(RecordState.FAILED)
    problems = vw.rows(Problem, Problem.record_id == record.id)
    assert {p.code for p in problems} == {"HB004"}
    assert vw.sent() == {}
    assert "signed" not in _audit_kinds(vw)
    assert "verified" not in _audit_kinds(vw)


def _changed_score(transcript: Transcript) -> tuple[Transcript, str, Decimal]:
    results = transcript.results
    assert results is not None
    for i, subject in enumerate(results.subjects):
        year_average = getattr(subject, "year_average", None)
        if year_average is not None:
            other = year_average - Decimal("0.1") if year_average > 5 else year_average + 1
            changed = dataclasses.replace(subject, year_average=other)
            subjects = (*results.subjects[:i], changed, *results.subjects[i + 1 :])
            new = dataclasses.replace(
                transcript, results=dataclasses.replace(results, subjects=subjects)
            )
            return new, subject.code, year_average
    raise AssertionError("no scored subject")


def test_a_valid_signature_over_other_content_names_the_field_and_both_values(
    vendor_world: VendorWorld,
) -> None:
    vw = vendor_world
    key = next(k for k, t in sorted(vw.learners.items()) if not t.header.level.is_primary)
    other, code, data_value = _changed_score(vw.learners[key])
    vw.sign(key, other)  # signed correctly, but not what the vendor's data says
    report = vw.sync()
    assert report.outcome.failed == 1
    assert report.documents_sent == 0
    (record,) = vw.records(RecordState.FAILED)
    problems = vw.rows(Problem, Problem.record_id == record.id)
    # The changed average also disagrees with its own scores (HB201): both are said.
    (problem,) = [p for p in problems if p.code == "VENDOR_DATA_DIFFERS"]
    assert {p.code for p in problems} <= {"VENDOR_DATA_DIFFERS", "HB201"}
    assert problem.xpath == f"/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='{code}']/CaNam/DTB"
    doc_value = next(s for s in other.results.subjects if s.code == code)  # type: ignore[union-attr]
    shown, data = format_score(doc_value.year_average), format_score(data_value)  # type: ignore[union-attr]
    source = load_config(vw.config_path).sources[0].name
    assert f"học bạ đã ký ghi điểm trung bình cả năm môn {code} {shown}" in problem.message_vi
    assert f"dữ liệu {source} ghi {data}" in problem.message_vi
    assert f"the signed document says year average {code} {shown}" in problem.message_en
    assert f"{source}'s data says {data}" in problem.message_en
    assert (problem.source_file, problem.source_sheet) != (None, None)  # traced to the source
    assert vw.sent() == {}
    assert "signed" not in _audit_kinds(vw)


def _with_residence(transcript: Transcript, residence: str) -> Transcript:
    return dataclasses.replace(
        transcript, learner=dataclasses.replace(transcript.learner, residence=residence)
    )


def test_only_changed_learners_are_read_and_the_cursor_moves_on(vendor_world: VendorWorld) -> None:
    vw = vendor_world
    keys = sorted(vw.learners)
    waiting, issued = keys[0], keys[1]
    for key in keys[1:]:
        vw.sign(key)
    vw.sync()
    assert {cursor for cursor, _ in vw.vendor.reads} == {None}  # the first read: from the start
    for key in (waiting, issued):  # the vendor's data changes, and the school signs again
        vw.vendor.edits[key] = {"residence": "Số 9, Phường Mới"}
        vw.vendor.change(key)
        vw.sign(key, _with_residence(vw.learners[key], "Số 9, Phường Mới"))
    before = len(vw.vendor.reads)
    report = vw.sync()
    reads = vw.vendor.reads[before:]
    assert sorted(k for _, ks in reads for k in ks) == sorted([waiting, issued])  # only these
    assert {cursor for cursor, _ in reads} == {"1"}
    assert vw.vendor.asked == []  # the waiting learner came with the read: not asked again
    assert report.read == 2
    assert report.documents_sent == 1
    assert report.outcome.accepted == 1
    assert report.outcome.awaiting_vendor == 0
    # The other had its transcript issued already: held, as any source's (hub replace).
    held = vw.rows(Problem, Problem.code == "ISSUED_CHANGED")
    assert len(held) == 1
    after = len(vw.vendor.reads)
    assert vw.sync().read == 0  # the cursor moved past the changes
    assert {cursor for cursor, _ in vw.vendor.reads[after:]} == {str(vw.vendor.version)}


def test_a_learner_with_a_problem_stays_counted_across_incremental_reads(
    vendor_world: VendorWorld,
) -> None:
    vw = vendor_world
    keys = sorted(vw.learners)
    broken = keys[0]
    school = vw.learners[broken].header.school_code
    other = next(k for k in keys[1:] if vw.learners[k].header.school_code == school)
    for key in keys[1:]:
        vw.sign(key)
    where = Provenance(url=f"/v2/schools/{school}/students", vendor_key=broken)
    vw.vendor.problems[broken] = SourceProblem.at(
        "VALUE_INVALID", where, "8,5,1", "0.0–10.0", "điểm sai", "a wrong score",
        Severity.ERROR, broken,
    )  # fmt: skip

    def status() -> Any:
        store = vw.world.store()
        with store.read() as session:
            (found,) = [s for s in school_status(session) if s.school_code == school]
        store.dispose()
        return found

    vw.sync()
    before = status()
    assert before.unkeyed == 1
    vw.vendor.change(other)  # read again (same data): the next batch holds only this learner
    second = vw.sync()
    assert second.read == 1
    after = status()
    assert after.unkeyed == 1  # the learner of the earlier read is still accounted for
    assert after.learners == before.learners
    assert [r.code for r in after.reasons] == ["VALUE_INVALID"]


def test_a_vendor_source_without_a_trust_folder_is_refused(vendor_world: VendorWorld) -> None:
    vw = vendor_world
    text = vw.config_path.read_text(encoding="utf-8")
    vw.config_path.write_text(text.split("\n[trust]")[0] + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"\[trust\] folder"):
        vw.sync()


def test_an_incremental_source_keeps_its_cursor_while_learners_failed() -> None:
    run = SourceRun("api", "api/56000001", KIND, {}, "56000001", "2024-2025")
    stored = {"api/56000001": StoredCursor("42", "ctx")}
    unfinished = {("api", "56000001")}  # a learner failed: a folder source is read in full
    assert start_cursor(run, "ctx", stored, unfinished) is None
    assert start_cursor(run, "ctx", stored, unfinished, incremental=True) == "42"
    assert start_cursor(run, "ctx", stored, unfinished, incremental=True, full=True) is None
    assert start_cursor(run, "other", stored, unfinished, incremental=True) is None
