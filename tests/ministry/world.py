"""A small generated school, its test PKI and signed documents, for the ministry tests.

One lower-secondary school from the generator (clean transcripts: they pass every rule), a
test PKI whose school seal carries that school's code and which issues a certificate to every
person the school's transcripts name, and a signer that signs every role of the profile (a
GVBM per subject, then GVCN, HT, DV, a minute apart, an hour ago), each personal signature
with the key of the person the document names for it (version 1.0.1, HB006).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from hub.cli.demo_province import people_of
from hub.document.build import build_document
from hub.gen import DefectKind, GenSettings, generate
from hub.ministry.messages import Document, Submission
from hub.model import SchoolLevel, Transcript
from hub.signing.named import PERSONAL_ROLES, named_person
from hub.signing.pki import TestPki, make_test_pki
from hub.signing.profile import Role
from hub.signing.providers import PeopleKeys, SigningProvider
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import append_signature, sign_document

DOC = "urn:moet:hocbaso:1"
OUTSIDE_PROFILE = ("weak-rsa", "ec-p384")  # keys the profile refuses (HB005, version 1.0.1)
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
    _people: PeopleKeys | None = None

    @property
    def school(self) -> str:
        return self.transcripts[0].header.school_code

    @property
    def year(self) -> str:
        return self.transcripts[0].header.school_year

    def provider(self, name: str) -> SigningProvider:
        """The test PKI's signer `name` (keys outside the profile through a signer of its own)."""
        if name in OUTSIDE_PROFILE:
            return self.pki.outside_profile(name)
        signer = self.pki[name]
        return MemoryProvider(signer.key, signer.chain, name)

    def sign(
        self,
        data: bytes,
        signers: dict[Role, str] | None = None,
        skip: Iterable[Role] = (),
        impostors: dict[Role, str] | None = None,
    ) -> bytes:
        """Sign every role (GVBM per subject, GVCN, HT, DV), except those in `skip`.

        Args:
            data: the unsigned document.
            signers: a PKI signer for a role instead of the person named; the document is made
                to name that signer first, so that only what the signer's certificate is
                (expired, a weak key) is wrong.
            skip: roles left unsigned.
            impostors: a PKI signer who signs a role (GVBM: the first subject) although the
                document names someone else (HB006).
        """
        chosen = signers or {}
        tree = etree.ElementTree(etree.fromstring(data))
        root = tree.getroot()
        data_root = root.find(f"{{{DOC}}}DLHocBa")
        assert data_root is not None
        for role, name in chosen.items():
            if role in PERSONAL_ROLES:
                _name_in_document(data_root, role, _common_name(self.pki[name].certificate))
        when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        if Role.GVBM not in skip:
            for i, subject in enumerate(data_root.iter(f"{{{DOC}}}MonHoc")):
                code = subject.get("MaMon")
                if i == 0 and Role.GVBM in (impostors or {}):
                    impostor = self.provider((impostors or {})[Role.GVBM])
                    append_signature(
                        tree, Role.GVBM, impostor, subject_code=code, signing_time=when
                    )
                    continue
                sign_document(
                    tree, Role.GVBM, self._key(Role.GVBM, subject, chosen), subject_code=code,
                    signing_time=when,
                )  # fmt: skip
        for role in (Role.GVCN, Role.HT, Role.DV):
            when += dt.timedelta(minutes=1)
            if role in skip:
                continue
            if role in (impostors or {}):
                impostor = self.provider((impostors or {})[role])
                append_signature(tree, role, impostor, subject_code=None, signing_time=when)
                continue
            sign_document(tree, role, self._key(role, data_root, chosen), signing_time=when)
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    def _key(self, role: Role, signed: etree._Element, chosen: dict[Role, str]) -> SigningProvider:
        if role in chosen:
            return self.provider(chosen[role])
        if role is Role.DV:
            return self.provider("school")
        person = named_person(signed, role)
        assert person is not None
        return self.people.signer_for(person)

    @property
    def people(self) -> PeopleKeys:
        """The keys of the people the school's transcripts name."""
        if self._people is None:
            self._people = self.pki.people_keys()
        return self._people

    def document(self, index: int, **header: object) -> Document:
        """Learner `index`'s transcript, header fields changed as asked, built and signed."""
        transcript = self.transcripts[index]
        if header:
            new_header = dataclasses.replace(transcript.header, **header)  # type: ignore[arg-type]
            transcript = dataclasses.replace(transcript, header=new_header)
        return Document(transcript.header.record_id, self.sign(build_document(transcript)))

    def submission(self, documents: Iterable[Document], batch_key: str) -> Submission:
        return Submission(UNIT, batch_key, self.year, self.school, tuple(documents))


def _common_name(certificate: x509.Certificate) -> str:
    (attribute,) = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attribute.value)


def _name_in_document(data_root: etree._Element, role: Role, name: str) -> None:
    """Make the document name `name` for `role` (every subject's teacher, for GVBM)."""
    paths = {
        Role.GVBM: f"{{{DOC}}}KetQuaTrungHoc/{{{DOC}}}MonHoc/{{{DOC}}}GiaoVien/{{{DOC}}}HoTen",
        Role.GVCN: f"{{{DOC}}}XacNhan/{{{DOC}}}GVCN/{{{DOC}}}HoTen",
        Role.HT: f"{{{DOC}}}XacNhan/{{{DOC}}}HieuTruong/{{{DOC}}}HoTen",
    }
    for element in data_root.iterfind(paths[role]):
        element.text = name


def make_world(directory: Path) -> World:
    """Generate the school, its roster and a transcript for each defect kind of the rules."""
    items = list(generate(settings()))
    school = items[0].transcript.header.school_code
    mine = [i for i in items if i.transcript.header.school_code == school]
    with_results = [i.transcript for i in mine if i.transcript.results is not None]
    pki = make_test_pki(directory / "pki", school_code=school, people=people_of(with_results))
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
        DefectKind.MISSING_COMPULSORY_SUBJECT,
    ):
        for item in generate(settings(defects={kind: 1.0})):
            if item.defect is not None and item.transcript.header.school_code == school:
                world.defective[kind] = item.transcript
                break
    return world
