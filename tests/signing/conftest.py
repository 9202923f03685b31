"""Shared fixtures: one test PKI and generated documents per session (RSA keys are slow).

Version 1.0.1 of the spec wants each personal signature made by the person the document names
for it (HB006). The generated documents are therefore given the test PKI's own people: subject
`i` is taught by `TEACHERS[i % 3]`, the homeroom teacher is "homeroom" and the principal
"principal" (their certificates' CNs), so every test signs as the document says.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.x509.oid import NameOID
from lxml import etree

from hub.document.build import build_document
from hub.gen import GenSettings, generate
from hub.model import SchoolLevel
from hub.signing.pki import TestPki, make_test_pki
from hub.signing.profile import Role
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import sign_document
from hub.signing.trust import TrustStore

H = "urn:moet:hocbaso:1"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"h": H, "ds": DS}
VN = dt.timezone(dt.timedelta(hours=7))

# The signers of a regular signed document, by role.
SIGNERS = {Role.GVCN: "homeroom", Role.HT: "principal", Role.DV: "school"}
TEACHERS = ("teacher-1", "teacher-2", "teacher-ec")


@dataclass(frozen=True)
class Documents:
    """Unsigned generated documents, all of the PKI's school code, naming the PKI's people."""

    secondary: bytes
    primary: bytes
    school_code: str


def common_name(pki: TestPki, signer: str) -> str:
    """The CN of one of the test PKI's signers: the person's name."""
    (attribute,) = pki[signer].certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attribute.value)


def name_people(
    data: bytes, *, teachers: list[str] | None = None, homeroom: str | None = None,
    principal: str | None = None,
) -> bytes:  # fmt: skip
    """The document with the named people changed: subject i's teacher `teachers[i % n]`."""
    root = etree.fromstring(data)
    if teachers:
        subjects = root.findall("h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc", NS)
        for i, subject in enumerate(subjects):
            name = subject.find("h:GiaoVien/h:HoTen", NS)
            assert name is not None
            name.text = teachers[i % len(teachers)]
    for path, value in (("GVCN", homeroom), ("HieuTruong", principal)):
        if value is not None:
            element = root.find(f"h:DLHocBa/h:XacNhan/h:{path}/h:HoTen", NS)
            assert element is not None
            element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _school_code(data: bytes) -> str:
    found = re.search(rb"<MaTruong>(\d{8})</MaTruong>", data)
    assert found is not None
    return found.group(1).decode()


FIXTURES = Path(__file__).parent / "fixtures"


def _generated() -> tuple[bytes, bytes]:
    """A lower-secondary and a primary document from hub.gen and the document builder."""
    settings = GenSettings(
        seed=31,
        levels=(SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY),
        classes_per_grade=1,
        learners_per_class=2,
    )
    secondary = primary = None
    for item in generate(settings):
        level = item.transcript.header.level
        if item.transcript.results is None:
            continue
        if level is SchoolLevel.LOWER_SECONDARY and secondary is None:
            secondary = build_document(item.transcript)
        if level is SchoolLevel.PRIMARY and primary is None:
            primary = build_document(item.transcript)
    assert secondary is not None
    assert primary is not None
    return secondary, primary


@pytest.fixture(scope="session")
def generated_documents() -> Documents:
    """Unsigned documents: generated ones, or the fixtures (generated earlier, kept as files)
    when the generator or the builder cannot run (both are developed alongside)."""
    try:
        secondary, primary = _generated()
    except Exception:
        secondary = (FIXTURES / "secondary.xml").read_bytes()
        primary = (FIXTURES / "primary.xml").read_bytes()
    code = _school_code(secondary)
    # The primary school has its own code; give its document the PKI's school for DV to hold.
    primary = primary.replace(
        f"<MaTruong>{_school_code(primary)}</MaTruong>".encode(),
        f"<MaTruong>{code}</MaTruong>".encode(),
    )
    return Documents(secondary, primary, code)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory, generated_documents: Documents) -> TestPki:
    return make_test_pki(
        tmp_path_factory.mktemp("pki") / "pki", school_code=generated_documents.school_code
    )


@pytest.fixture(scope="session")
def documents(generated_documents: Documents, pki: TestPki) -> Documents:
    """The generated documents naming the test PKI's people (see the module's docstring)."""
    people = {
        "teachers": [common_name(pki, t) for t in TEACHERS],
        "homeroom": common_name(pki, SIGNERS[Role.GVCN]),
        "principal": common_name(pki, SIGNERS[Role.HT]),
    }
    return Documents(
        name_people(generated_documents.secondary, **people),  # type: ignore[arg-type]
        name_people(generated_documents.primary, **people),  # type: ignore[arg-type]
        generated_documents.school_code,
    )


@pytest.fixture(scope="session")
def trust(pki: TestPki) -> TrustStore:
    return TrustStore.from_folder(pki.trust_dir)


@pytest.fixture(scope="session")
def provider(pki: TestPki) -> Callable[[str], MemoryProvider]:
    def make(name: str) -> MemoryProvider:
        signer = pki[name]
        return MemoryProvider(signer.key, signer.chain, name)

    return make


@pytest.fixture(scope="session")
def base_time() -> dt.datetime:
    """Two days ago, in Vietnam's time zone: inside every valid certificate's period."""
    now = dt.datetime.now(VN).replace(microsecond=0)
    return now - dt.timedelta(days=2)


def subjects_of(data: bytes) -> list[str]:
    return [s.decode() for s in re.findall(rb'<MonHoc Id="Mon-([A-Z0-9_]+)"', data)]


def sign_all(
    data: bytes,
    provider: Callable[[str], MemoryProvider],
    base_time: dt.datetime,
    *,
    skip: frozenset[str] = frozenset(),
    signer_for: dict[str, str] | None = None,
) -> bytes:
    """Every required signature in order; `skip` leaves roles (or `GVBM:<MaMon>`) out."""
    names = {str(role): name for role, name in SIGNERS.items()} | (signer_for or {})
    tree = etree.fromstring(data).getroottree()
    minute = dt.timedelta(minutes=1)
    secondary = b"<KetQuaTrungHoc>" in data
    for i, code in enumerate(subjects_of(data) if secondary else []):
        if f"GVBM:{code}" in skip or "GVBM" in skip:
            continue
        name = names.get(f"GVBM:{code}", TEACHERS[i % len(TEACHERS)])
        sign_document(
            tree, Role.GVBM, provider(name), subject_code=code, signing_time=base_time + i * minute
        )
    for offset, role in enumerate((Role.GVCN, Role.HT, Role.DV), start=1):
        if str(role) in skip:
            continue
        sign_document(
            tree,
            role,
            provider(names[str(role)]),
            signing_time=base_time + offset * dt.timedelta(hours=1),
        )
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


@pytest.fixture(scope="session")
def signed_secondary(
    documents: Documents, provider: Callable[[str], MemoryProvider], base_time: dt.datetime
) -> bytes:
    return sign_all(documents.secondary, provider, base_time)


@pytest.fixture(scope="session")
def signed_primary(
    documents: Documents, provider: Callable[[str], MemoryProvider], base_time: dt.datetime
) -> bytes:
    return sign_all(documents.primary, provider, base_time)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
