"""The types of a source adapter: what a vendor's plugin reads and yields (public in hub.api).

A source adapter turns one vendor's shape (a learner-centric API, a class-and-subject API to
pivot, a folder of spreadsheets) into `RawRecord`s, one per learner and school year, each with
the `Provenance` of every value so that a problem found later can point at the cell or the API
record it came from. What the adapter cannot read becomes a `Problem`, never a silent drop:

    rows in = records out + learners with an error Problem

A read is incremental: `Source.read(cursor)` takes the cursor of the previous run (or None) and
yields `Checkpoint`s carrying the cursor to store. The hub never looks inside a cursor.

    read(cursor) ─► RawRecord ─► hub.mapping (a record mapping) ─► hub.model.Transcript
                 ├► Problem   (with its Provenance: file, sheet, cell / URL, vendor key)
                 └► Checkpoint(cursor)

A Problem says where it is only in its `location`, never in its messages: the location is
formatted once, where it is shown (the command line, the report), from the stored fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from hub.errors import UsageError
from hub.findings import Severity as Severity  # one Severity for findings and problems

RawPath = tuple[str | int, ...]
"""Where a value sits in `RawRecord.data`: ("subjects", "Toán", "hk1", "tx", 0)."""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a value was read: a spreadsheet cell (file, sheet, row, cells) or an API record."""

    file: str | None = None  # file name as the school sent it (no folder: it may be private)
    sheet: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it
    cells: tuple[str, ...] = ()  # A1-style addresses, e.g. ("C12",) or ("D12", "E12")
    url: str | None = None  # API resource, without secrets or tokens
    vendor_key: str | None = None  # the vendor's own id of the record (vnedu_id, pupilId)

    def describe(self) -> str:
        """`file › sheet › C12` or `/v2/... › key`, for a line shown to a person.

        Where a problem is shown, not in its messages (which never repeat the location).
        """
        parts = [p for p in (self.file, self.sheet) if p]
        if self.cells:
            parts.append(", ".join(self.cells))
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.url:
            parts.append(self.url)
        if self.vendor_key:
            parts.append(self.vendor_key)
        return " › ".join(parts) or "?"

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in _fields(self).items() if v not in (None, ())}


def _fields(p: Provenance) -> dict[str, Any]:
    return {
        "file": p.file,
        "sheet": p.sheet,
        "row": p.row,
        "cells": list(p.cells) if p.cells else (),
        "url": p.url,
        "vendor_key": p.vendor_key,
    }


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a source or a mapping could not read, with where and what was expected.

    An ERROR keeps the learner's record out of the batch; a WARNING is for a person (one
    `Severity`, the findings' own).

    Where it is lives in `location` alone: the messages say what is wrong and what to do,
    never where (no "file › sheet › C12: " in front), because the place is formatted once, at
    the edge, from the location's fields; `found` and `expected` are kept in their own fields
    too (a message may quote them).

    `record_key` names the learner row the problem keeps out (None for a problem with the
    whole file, which then comes with one problem per learner it affects, so no learner is
    lost from the count).

    `school` names the (MaTruong, NamHoc) a problem without a learner concerns, when the
    source knows it (an API school whose pages failed, whose key was refused): it is filed in
    that school's batch, so `hub status` shows it at the school even when the school yielded
    no learner at all. Without it, such a problem goes to the batch of the source's last
    record (a file's problem beside the file's rows).
    """

    code: str  # a ProblemCode value, or a plugin's own "VENDOR_..." code
    location: Provenance
    found: str  # the value as found, shortened; "" for a missing value
    expected: str  # what would have been accepted, e.g. "0.0–10.0", "dd/mm/yyyy"
    message_vi: str
    message_en: str
    severity: Severity = Severity.ERROR
    record_key: str | None = None
    school: tuple[str, str] | None = None  # (MaTruong, NamHoc), for a problem without a learner

    @classmethod
    def at(
        cls,
        code: str,
        location: Provenance,
        found: str,
        expected: str,
        message_vi: str,
        message_en: str,
        severity: Severity = Severity.ERROR,
        record_key: str | None = None,
        school: tuple[str, str] | None = None,
    ) -> Problem:
        """The problem `code` at `location`: the constructor, read as a sentence.

        The messages are taken as they are: they must not name the location (hub 0.1's
        `at` put it in front of them; the edge formats it now, from `location`).
        """
        return cls(
            code, location, found, expected, message_vi, message_en, severity, record_key, school
        )

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "location": self.location.as_json(),
            "found": self.found,
            "expected": self.expected,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "record_key": self.record_key,
        }
        if self.school is not None:
            found["school"] = list(self.school)
        return found


class ProblemCode(StrEnum):
    """The problem codes the hub's own sources and mapping engine use."""

    FILE_UNREADABLE = "FILE_UNREADABLE"
    HEADER_NOT_FOUND = "HEADER_NOT_FOUND"
    COLUMN_MISSING = "COLUMN_MISSING"
    COLUMN_AMBIGUOUS = "COLUMN_AMBIGUOUS"
    VALUE_MISSING = "VALUE_MISSING"
    VALUE_INVALID = "VALUE_INVALID"
    LABEL_UNKNOWN = "LABEL_UNKNOWN"
    TEXT_ENCODING = "TEXT_ENCODING"
    DUPLICATE_LEARNER = "DUPLICATE_LEARNER"
    LEARNER_UNMATCHED = "LEARNER_UNMATCHED"
    GRADES_MISSING = "GRADES_MISSING"
    SHEET_HIDDEN = "SHEET_HIDDEN"
    CANNOT_COMPUTE = "CANNOT_COMPUTE"


@dataclass(frozen=True, slots=True)
class VendorDocument:
    """The learner's transcript as the vendor signed it itself (vnEdu), or word that it has not.

    The hub never signs or re-serialises such a document: it verifies it with the receiver's
    full checks (schema, profile, trust, roles, rules), compares it with the learner's data,
    and sends `content` byte for byte (the ministry's MaBam is over these bytes).

    Attributes:
        content: the document's exact bytes as the vendor served them; None while the school
            has not finished signing at the vendor (vnEdu answers 404): the learner then waits
            in the state "awaiting vendor signatures", and every later sync asks again
            (`VendorSignedSource.document`).
        location: where it was fetched (``GET /v2/transcripts/VN56000001-000123``), without
            secrets, for the problems a check of it finds.
    """

    content: bytes | None
    location: Provenance


@dataclass(frozen=True, slots=True)
class Signatory:
    """A person the source says must sign one part of the learner's document (SMAS).

    The document's names come from the record's data through its mapping (GiaoVien/HoTen,
    XacNhan); a signatory adds what a mapping has no place for: the person's personal ID, which
    their certificate carries as ``serialNumber`` ``CCCD:<id>`` (spec 1.0.1), and the
    vendor's key of the person. Never shown in full (`hub.privacy.mask_id`).

    Attributes:
        role: "GVBM" (a subject's teacher), "GVCN" (the homeroom teacher) or "HT" (the
            principal, or the vice-principal who signs for them).
        name: the person's full name, as the document names them.
        personal_id: the 12-digit personal ID, or None when the source has none.
        subject: the subject's MaMon, for a GVBM.
        position: the vendor's word for an HT ("HIEU_TRUONG", "PHO_HIEU_TRUONG").
        vendor_key: the vendor's own id of the person (SMAS's teacherId).
    """

    role: str
    name: str
    personal_id: str | None = None
    subject: str | None = None
    position: str | None = None
    vendor_key: str | None = None


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One learner's year as the vendor has it, before mapping.

    Attributes:
        key: stable within the source (e.g. the learner code, or "file!row" when it has none).
        mapping: the name (``mapping:``) of the record mapping that turns it into a
            Transcript, in a folder the plugin registers (`register_mappings`).
        data: nested dicts and lists of raw values as found (strings, floats, dates).
        locations: the provenance of values by their path in `data`; a lookup walks up the
            path, so a record-level provenance at `()` covers everything.
        vendor_document: the document the vendor signed itself (vnEdu), or None when the hub
            builds the document and has it signed (spreadsheets, SMAS).
        signatories: who must sign each part of the document, when the source says (SMAS);
            empty when it does not.
    """

    key: str
    mapping: str
    data: Mapping[str, Any]
    locations: Mapping[RawPath, Provenance] = field(default_factory=dict)
    vendor_document: VendorDocument | None = None
    signatories: tuple[Signatory, ...] = ()

    def location_of(self, path: RawPath) -> Provenance:
        """The provenance of the value at `path`, or of its nearest located parent."""
        for end in range(len(path), -1, -1):
            found = self.locations.get(path[:end])
            if found is not None:
                return found
        return Provenance()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A cursor the hub stores once everything yielded before it is committed."""

    cursor: str


ReadItem = RawRecord | Problem | Checkpoint


class CursorError(UsageError):
    """A stored cursor cannot be understood: the operator resets the source's state."""


@runtime_checkable
class Source(Protocol):
    """A configured adapter for one vendor or file set; built by its `SourceSpec.factory`.

    Implementations keep secrets out of `repr()` and logs: the options name environment
    variables (`client_secret_env`), the adapter reads them when it connects.
    """

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        """Yield records and problems changed since `cursor`, then a final Checkpoint.

        A cursor from the future (ahead of the source) yields no records; a cursor the
        adapter cannot parse raises CursorError.
        """
        ...


@runtime_checkable
class VendorSignedSource(Source, Protocol):
    """A source whose vendor signs the documents itself (vnEdu): it can fetch one again.

    A learner whose document was not signed yet (`VendorDocument.content` None) waits in the
    state "awaiting vendor signatures"; every later sync asks the source for that learner's
    document again with `document`, whether or not the learner's data changed, until it comes.
    """

    def document(self, record_key: str, school_code: str, school_year: str) -> VendorDocument:
        """The vendor's signed document of the learner `record_key` (a `RawRecord.key`).

        Raises a `hub.api.UsageError` (with what to do) when the vendor cannot be reached or
        refuses the hub's credentials; an unfinished document is not an error
        (`VendorDocument(None, ...)`).
        """
        ...


SourceFactory = Callable[[Mapping[str, Any]], Source]
"""Builds a Source from a ``[[sources]]`` entry's `options`, already checked against the
kind's `config_schema`."""

SourceNarrowing = Callable[[Mapping[str, Any], str | None, str | None], Mapping[str, Any] | None]
"""`narrow(options, school, year)`: the options of a read of only that school (MaTruong) and
year (NamHoc), either None for all of them; None when the options hold neither that school
nor that year (the source has nothing of the piece: it is not read for it)."""

SourcePieces = Callable[[Mapping[str, Any]], Sequence[tuple[str | None, str]]]
"""`pieces(options)`: the (school, year) pairs the options name, in order; school None when
they list no school (the vendor says which when read)."""


def narrow_listed(
    options: Mapping[str, Any], school: str | None, year: str | None
) -> dict[str, Any] | None:
    """`SourceNarrowing` for a source whose options list what it reads: `years` (required)
    and `schools` (optional: every school the vendor lists), as vnEdu's and SMAS's do.

    Set to the one asked, the read asks for nothing else. None when they name neither (a
    school outside a configured `schools` list, a year outside `years`): the source has
    nothing of the piece.
    """
    narrowed = dict(options)
    if year is not None:
        if year not in options["years"]:
            return None
        narrowed["years"] = [year]
    if school is not None:
        listed = options.get("schools")
        if listed and school not in listed:
            return None
        narrowed["schools"] = [school]
    return narrowed


def listed_pieces(options: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """`SourcePieces` for the same options: each listed school × year; school None when
    `schools` is not given (every school the vendor lists)."""
    schools: list[str | None] = list(options.get("schools") or []) or [None]
    return [(school, str(year)) for school in schools for year in options["years"]]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What a plugin registers for one source kind.

    config.toml names the kind in a ``[[sources]]`` entry, the kind's own keys under
    `options` (hub/config.py)::

        [[sources]]
        name = "excel"                      # the operator's name for this source
        plugin = "generic_excel"            # a SourceSpec.name
        options = { folder = "/srv/hocba/excel" }

    Attributes:
        name: the kind, e.g. "generic_excel", "vnedu".
        factory: builds a Source from the entry's `options`, already checked against the
            schema.
        config_schema: a JSON Schema (draft 2020-12) of `options`; mark a key that names an
            environment variable holding a secret with `"x-secret-env": true`.
        description: one line for `hub plugins`.
        incremental: True when `read(cursor)` yields every learner changed since `cursor` and
            only those (an API with ``updated_since``): the hub then takes such a read as it
            is. False (a folder of files): a read that yields anything is read again in
            full, so that a batch holds every row of its school.
        narrow: when the source can read only one school and year (an API asked per
            school), how its options say so (`SourceNarrowing`): `hub sync --school T
            --year Y` and a scheduled job on one piece build the source from the narrowed
            options, and the read's cursor is stored for that piece apart from the
            source's. None: the source cannot narrow (a folder of files that name their
            school inside); it is read whole and the hub keeps the piece's rows.
        pieces: with `narrow`, the pieces its options name (`SourcePieces`), one job each
            when a schedule splits its work.
    """

    name: str
    factory: SourceFactory
    config_schema: Mapping[str, Any]
    description: str = ""
    incremental: bool = False
    narrow: SourceNarrowing | None = None
    pieces: SourcePieces | None = None
