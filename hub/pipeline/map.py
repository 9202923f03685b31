"""Stage 2, map: a raw record → a canonical Transcript, its content hash and its source trace.

The mapping itself is hub.mapping's (declarative files, never a guess); this stage adds what
the store needs to take the learner in:

- the **content hash**: SHA-256 of the transcript's `repr` and of `PIPELINE_VERSION`. It
  covers everything the document is built from, and only that, so an unchanged learner is
  skipped next time whatever the source's cosmetics (a re-saved spreadsheet, columns moved)
  and a change of mapping file that changes the outcome is seen as a change. The model is
  frozen dataclasses of str, int, bool, date, Decimal, enums and tuples, whose reprs are exact
  and stable; `repr` costs a seventh of the canonical JSON (hub.canonical), which matters at a
  province's scale. A hub upgrade that changes how a value is represented bumps
  `PIPELINE_VERSION` deliberately rather than by accident;
- the **trace** (hub.pipeline.trace) that points a later rejection at its source cell;
- a problem in the store's terms (`ProblemIn`) for each source or mapping problem.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

from hub.document.parse import sender_key
from hub.mapping import MappingSet, RecordMapping
from hub.model import Transcript
from hub.pipeline.trace import make_trace
from hub.sources import Problem, RawRecord
from hub.store import ProblemIn, RecordIn, SourceLocation, Stage

PIPELINE_VERSION = "1"
"""Part of every content hash: bump it when the documents the hub builds change for the same
transcript (a new document version, a new signing policy), so every learner is sent again."""


@dataclass(frozen=True, slots=True)
class Mapped:
    """A learner ready to be taken into the store, with the transcript the workers build from.

    The raw record and its mapping stay with it while it is in flight, so that a finding of
    the look-up or the rules is traced to its exact cell; only the compact trace is stored.
    """

    transcript: Transcript
    record: RecordIn
    raw: RawRecord
    mapping: RecordMapping

    @property
    def school_code(self) -> str:
        return self.transcript.header.school_code

    @property
    def school_year(self) -> str:
        return self.transcript.header.school_year


def content_hash(transcript: Transcript) -> str:
    """The hash that decides whether a learner changed since the last sync."""
    digest = hashlib.sha256(repr(transcript).encode("utf-8"))
    digest.update(b"\0hub-pipeline-" + PIPELINE_VERSION.encode())
    return digest.hexdigest()


def map_record(raw: RawRecord, mappings: MappingSet) -> Mapped | list[ProblemIn]:
    """Map one raw record; the problems when it cannot become a transcript.

    Raises:
        DataFileError: the record names a mapping file that does not exist (a plugin bug or a
            missing mapping folder: a usage error for the whole source).
    """
    mapping = mappings.record(raw.mapping)
    outcome = mapping.map(raw)
    if outcome.transcript is None:
        problems = [problem_in(p, Stage.MAP) for p in outcome.problems]
        return problems or [_unmapped(raw)]
    transcript = _with_vendor_key(outcome.transcript, raw)
    record = RecordIn(
        ma_ho_so=transcript.header.record_id,
        learner_key=raw.key[:64],
        content_hash=content_hash(transcript),
        source_ref=make_trace(raw, mapping),
    )
    return Mapped(transcript, record, raw, mapping)


def _with_vendor_key(transcript: Transcript, raw: RawRecord) -> Transcript:
    """The transcript under the MaHoSo of the document its vendor signed, when there is one.

    MaHoSo is the sender's key, and a vendor that signs the document is its sender: the
    envelope, the ministry's register and the hub's look-up of what is issued must all use the
    vendor's key, whatever the mapping forms (a learner still awaiting the vendor keeps the
    mapping's key until the document comes; hub.pipeline.commit takes the document's then).
    """
    vendor = raw.vendor_document
    if vendor is None or vendor.content is None:
        return transcript
    key = sender_key(vendor.content)
    if key is None or key == transcript.header.record_id:
        return transcript
    return dataclasses.replace(
        transcript, header=dataclasses.replace(transcript.header, record_id=key)
    )


def problem_in(problem: Problem, stage: Stage) -> ProblemIn:
    """A source's or mapping's problem as the store keeps it, with its source location."""
    where = problem.location
    cell = ", ".join(where.cells) if where.cells else None
    return ProblemIn(
        code=problem.code[:32],
        severity=problem.severity,
        message_vi=problem.message_vi,
        message_en=problem.message_en,
        stage=stage,
        source=SourceLocation(
            file=where.file,
            sheet=where.sheet,
            cell=cell[:32] if cell else None,
            url=where.url,
            vendor_key=where.vendor_key,
            row=where.row,
        ),
        learner_key=problem.record_key,
        found=problem.found or None,
        expected=problem.expected or None,
    )


def _unmapped(raw: RawRecord) -> ProblemIn:
    # A mapping that returns neither a transcript nor a problem would drop a learner silently.
    where = raw.location_of(())
    return problem_in(
        Problem(
            "CANNOT_MAP",
            where,
            raw.key,
            "a transcript",
            f"ánh xạ {raw.mapping} không cho ra học bạ nào, cũng không nói lý do",
            f"mapping {raw.mapping} gave no transcript and no reason",
            record_key=raw.key,
        ),
        Stage.MAP,
    )
