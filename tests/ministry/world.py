"""A small generated school, its test PKI and signed documents, for the ministry tests.

One lower-secondary school from the generator (clean transcripts: they pass every rule), a
test PKI whose school seal carries that school's code, and a signer that signs every role of
the profile (a GVBM per subject, then GVCN, HT, DV, a minute apart, an hour ago).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from hub.document.build import build_document
from hub.gen import DefectKind, GenSettings, generate
from hub.ministry.messages import Document, Submission
from hub.model import SchoolLevel, Transcript
from hub.signing.pki import TestPki, make_test_pki
from hub.signing.profile import Role
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import sign_document

DOC = "urn:moet:hocbaso:1"
UNIT = "SO36"
TODAY = dt.date(2025, 6, 30)  # before the 1 July 2025 reform: every code is the old one


def settings(**changes: object) -> GenSettings:
    base = GenSettings(
        seed=11,
        levels=(SchoolLevel.LOWER_SECONDARY,),
        classes_per_grade=1,
        learners_per_class=5,
        today=TODAY,
        foreign_rate=0.0,
        exempt_rate=0.0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class World:
    """The school, its learners and the means to make signed documents of them."""

    pki: TestPki
    transcripts: list[Transcript]
    roster: list[dict[str, str | None]]
    defective: dict[DefectKind, Transcript] = field(default_factory=dict)

    @property
    def school(self) -> str:
        return self.transcripts[0].header.school_code

    @property
    def year(self) -> str:
        return self.transcripts[0].header.school_year

    def provider(self, name: str) -> MemoryProvider:
        signer = self.pki[name]
        return MemoryProvider(signer.key, signer.chain, name)

    def sign(
        self,
        data: bytes,
        signers: dict[Role, str] | None = None,
        skip: Iterable[Role] = (),
    ) -> bytes:
        """Sign every role (GVBM per subject, GVCN, HT, DV), except those in `skip`."""
        names = {Role.GVBM: "teacher-1", Role.GVCN: "homeroom", Role.HT: "principal"}
        names[Role.DV] = "school"
        names.update(signers or {})
        tree = etree.ElementTree(etree.fromstring(data))
        when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        if Role.GVBM not in skip:
            for subject in tree.getroot().iter(f"{{{DOC}}}MonHoc"):
                code = subject.get("MaMon")
                sign_document(
                    tree, Role.GVBM, self.provider(names[Role.GVBM]), subject_code=code,
                    signing_time=when,
                )  # fmt: skip
        for role in (Role.GVCN, Role.HT, Role.DV):
            when += dt.timedelta(minutes=1)
            if role not in skip:
                sign_document(tree, role, self.provider(names[role]), signing_time=when)
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    def document(self, index: int, **header: object) -> Document:
        """Learner `index`'s transcript, header fields changed as asked, built and signed."""
        transcript = self.transcripts[index]
        if header:
            new_header = dataclasses.replace(transcript.header, **header)  # type: ignore[arg-type]
            transcript = dataclasses.replace(transcript, header=new_header)
        return Document(transcript.header.record_id, self.sign(build_document(transcript)))

    def submission(self, documents: Iterable[Document], batch_key: str) -> Submission:
        return Submission(UNIT, batch_key, self.year, self.school, tuple(documents))


def make_world(directory: Path) -> World:
    """Generate the school, its roster and a transcript for each defect kind of the rules."""
    items = list(generate(settings()))
    school = items[0].transcript.header.school_code
    mine = [i for i in items if i.transcript.header.school_code == school]
    pki = make_test_pki(directory / "pki", school_code=school)
    world = World(
        pki,
        [i.transcript for i in mine if i.transcript.results is not None],
        [i.roster.as_json() for i in mine if i.roster is not None],
    )
    for kind in (
        DefectKind.MISSING_ID,
        DefectKind.MALFORMED_ID,
        DefectKind.WRONG_YEAR_AVERAGE,
        DefectKind.SCORE_OUT_OF_RANGE,
    ):
        for item in generate(settings(defects={kind: 1.0})):
            if item.defect is not None and item.transcript.header.school_code == school:
                world.defective[kind] = item.transcript
                break
    return world
