"""A complete test PKI for demos, tests and the ministry sandbox (`hub pki init DIR`).

Real transcripts are signed with certificates from licensed Vietnamese CAs; nobody can get
those for a test. This module makes a small PKI with the same shapes: a root CA, an issuing
CA, the school's organisation certificate (O = school name, UID = `MaTruong:<code>` and
`MST:<tax code>`), teachers' and the principal's personal certificates (CN = name,
serialNumber = `CCCD:<12 digits>`), and the faulty ones a verifier must refuse (expired, not
yet valid, revoked, wrong key usage, keys outside the profile, another school's seal, an
untrusted root). Every key is written as an encrypted PEM and a PKCS#12 file; the password is
the test PKI's, never a real secret.

Version 1.0.1 of the spec wants each personal signature made by the person the document names,
so `people=` issues a certificate to each person a school's documents name (its teachers,
homeroom teachers and principal) into `people/`, the folder a `pkcs12-folder` signing provider
signs from (docs/signing-providers.md). Their keys are EC P-256 by default, in PKCS#12 files
with the 2048 key-derivation rounds `openssl pkcs12 -export` uses: a school has dozens of
people and a province thousands, and each file is opened once per process (≈ 1 ms; an RSA key
takes ≈ 40 ms to open, most of it cryptography checking the key, and ≈ 40 ms to make).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12
from cryptography.x509.oid import NameOID

from hub.document.text import person_key
from hub.signing.providers.base import Person, SignatureAlgorithm
from hub.signing.providers.keys import common_names, sign_with_key
from hub.signing.providers.memory import MemoryProvider
from hub.signing.providers.people import PeopleKeys

PASSWORD_ENV = "HUB_PKI_PASSWORD"  # noqa: S105 -- the name of a variable, not a secret
# Only for the throw-away test PKI: documented in the README.txt the PKI writes.
DEFAULT_TEST_PASSWORD = "hub-test-pki"  # noqa: S105

GOOD_USAGE = {"digital_signature": True, "content_commitment": True}
KEY_ENCIPHERMENT_ONLY = {"key_encipherment": True}
PEOPLE_DIR = "people"
PEOPLE_KDF_ROUNDS = 2048  # as `openssl pkcs12 -export` writes them
# Keys outside the profile (HB005, version 1.0.1): a short RSA key and a curve other than P-256.
WEAK_RSA_BITS = 1024


@dataclass(frozen=True)
class Signer:
    """One key holder of the test PKI, with where its files are."""

    name: str
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]  # signer first, then intermediates (no root)
    key_path: Path
    cert_path: Path  # the signer's certificate followed by its intermediates (PEM)
    p12_path: Path


class OutsideProfileSigner:
    """A signer for a key the signature profile refuses: RSA-1024, EC P-384 (HB005 tests).

    No provider of the hub holds such a key (they refuse it when opened), so the tests and the
    sandbox's users who must produce a document the receiver refuses with HB005 sign with this.
    """

    __slots__ = ("_chain", "_key")

    def __init__(
        self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, chain: list[x509.Certificate]
    ) -> None:
        self._key = key
        self._chain = list(chain)

    @property
    def algorithm(self) -> SignatureAlgorithm:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return SignatureAlgorithm.RSA_SHA256
        return SignatureAlgorithm.ECDSA_SHA256

    def certificate_chain(self) -> list[x509.Certificate]:
        return list(self._chain)

    def sign(self, data: bytes) -> bytes:
        return sign_with_key(self._key, data)

    def __repr__(self) -> str:
        return "OutsideProfileSigner()"


@dataclass(frozen=True)
class TestPki:
    """What `make_test_pki` made: the trust folder and every signer by name."""

    __test__ = False  # not a pytest test class, whatever its name says

    directory: Path
    trust_dir: Path
    school_code: str
    other_school_code: str
    root: x509.Certificate
    intermediate: x509.Certificate | None
    signers: dict[str, Signer] = field(default_factory=dict)
    people: dict[str, Signer] = field(default_factory=dict)  # by file stem (MaGV, or the name)

    def __getitem__(self, name: str) -> Signer:
        return self.signers[name]

    @property
    def people_dir(self) -> Path:
        """The folder of the people's keys (a `pkcs12-folder` provider's `folder`)."""
        return self.directory / PEOPLE_DIR

    def person(self, name: str) -> Signer:
        """The first key holder whose certificate names `name` (case, NFC, spaces aside)."""
        key = person_key(name)
        for signer in self.people.values():
            if [person_key(n) for n in common_names(signer.certificate)] == [key]:
                return signer
        raise KeyError(name)

    def outside_profile(self, name: str) -> OutsideProfileSigner:
        """A signer for "weak-rsa" or "ec-p384", whose keys no hub provider would open."""
        signer = self.signers[name]
        return OutsideProfileSigner(signer.key, signer.chain)

    def people_keys(self) -> PeopleKeys:
        """The people's keys in memory: what a `pkcs12-folder` provider of `people_dir` holds,
        without opening a file (tests and benchmarks sign with it)."""
        return PeopleKeys(
            (
                (signer.p12_path.stem, MemoryProvider(signer.key, signer.chain, signer.name))
                for signer in self.people.values()
            ),
            str(self.people_dir),
        )


def _name(*pairs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


def _issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca_path_length: int | bool | None = False,
    usage: x509.KeyUsage,
) -> x509.Certificate:
    """One certificate; `ca_path_length=False` makes an end entity."""
    issuer_name = issuer[0].subject if issuer else subject
    signing_key = issuer[1] if issuer else key
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    is_ca = ca_path_length is not False
    path_length = None if ca_path_length is True or not is_ca else ca_path_length
    builder = builder.add_extension(
        x509.BasicConstraints(ca=is_ca, path_length=path_length if is_ca else None),
        critical=True,
    )
    authority = issuer[1].public_key() if issuer else public
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(authority), critical=False
    )
    return builder.sign(signing_key, hashes.SHA256())


def _pem(certificates: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _write_signer(
    directory: Path,
    name: str,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    chain: list[x509.Certificate],
    password: bytes,
    p12_encryption: serialization.KeySerializationEncryption | None = None,
) -> Signer:
    encryption = serialization.BestAvailableEncryption(password)
    key_path = directory / f"{name}.key.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    key_path.chmod(0o600)
    cert_path = directory / f"{name}.cert.pem"
    cert_path.write_bytes(_pem(chain))
    p12_path = directory / f"{name}.p12"
    p12_path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            name.encode(), key, chain[0], chain[1:] or None, p12_encryption or encryption
        )
    )
    p12_path.chmod(0o600)
    return Signer(name, key, chain[0], chain, key_path, cert_path, p12_path)


def make_test_pki(
    directory: str | Path,
    *,
    school_code: str = "79000001",
    school_name: str = "Trường THCS Nguyễn Du",
    other_school_code: str = "79000002",
    with_intermediate: bool = True,
    password: str | None = None,
    now: dt.datetime | None = None,
    people: Iterable[Person | str] = (),
    people_key: Literal["ec", "rsa"] = "ec",
) -> TestPki:
    """Make the test PKI in `directory` (created; must be empty or absent).

    Args:
        directory: where to write (layout in the README.txt written there).
        school_code: the 8-digit MaTruong in the school seal's UID.
        school_name: O and CN of the school seal.
        other_school_code: MaTruong of a second school's seal (a DV of the wrong school).
        with_intermediate: issue end entities from an intermediate CA (else from the root).
        password: for the keys; default: $HUB_PKI_PASSWORD, else the documented test one.
        now: the moment validity periods are counted from (default: the current time).
        people: the people the school's documents name (teachers, homeroom teachers, the
            principal): each gets a personal certificate (CN = the name, serialNumber =
            `CCCD:<12 digits>`) in `people/`, file `<MaGV>.p12` when a staff code is given,
            else one named after the person. A name given twice (by the spec's comparison)
            gets one certificate, unless two different MaGVs make them namesakes.
        people_key: their keys: EC P-256 (fast to make and open), or RSA-2048 (what most
            Vietnamese CAs issue; benchmarks that compare with RSA figures use it).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty")
    trust_dir, signers_dir, untrusted_dir = (
        directory / "trust",
        directory / "signers",
        directory / "untrusted",
    )
    for folder in (trust_dir, signers_dir, untrusted_dir):
        folder.mkdir()
    secret = (password or os.environ.get(PASSWORD_ENV) or DEFAULT_TEST_PASSWORD).encode()
    now = now or dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    ca_usage = _usage(key_cert_sign=True, crl_sign=True)

    root_key = _key()
    root_name = _name(
        (NameOID.COUNTRY_NAME, "VN"),
        (NameOID.ORGANIZATION_NAME, "Hub test PKI"),
        (NameOID.COMMON_NAME, "Hub Test Root CA"),
    )
    root = _issue(
        root_name,
        root_key,
        None,
        not_before=now - 3650 * day,
        not_after=now + 7300 * day,
        ca_path_length=True,
        usage=ca_usage,
    )
    (trust_dir / "root.pem").write_bytes(_pem([root]))
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] = (root, root_key)
    intermediate: x509.Certificate | None = None
    if with_intermediate:
        intermediate_key = _key()
        intermediate = _issue(
            _name(
                (NameOID.COUNTRY_NAME, "VN"),
                (NameOID.ORGANIZATION_NAME, "Hub test PKI"),
                (NameOID.COMMON_NAME, "Hub Test Issuing CA"),
            ),
            intermediate_key,
            issuer,
            not_before=now - 3650 * day,
            not_after=now + 3650 * day,
            ca_path_length=0,
            usage=ca_usage,
        )
        (trust_dir / "intermediate.pem").write_bytes(_pem([intermediate]))
        issuer = (intermediate, intermediate_key)
    intermediates = [intermediate] if intermediate else []

    def person(cn: str, cccd: str) -> x509.Name:
        return _name(
            (NameOID.COUNTRY_NAME, "VN"),
            (NameOID.COMMON_NAME, cn),
            (NameOID.SERIAL_NUMBER, f"CCCD:{cccd}"),
        )

    def school(name: str, code: str, tax: str) -> x509.Name:
        return _name(
            (NameOID.COUNTRY_NAME, "VN"),
            (NameOID.ORGANIZATION_NAME, name),
            (NameOID.COMMON_NAME, name),
            (NameOID.USER_ID, f"MST:{tax}"),
            (NameOID.USER_ID, f"MaTruong:{code}"),
        )

    valid = (now - 730 * day, now + 1095 * day)
    plan: list[tuple[str, x509.Name, tuple[dt.datetime, dt.datetime], x509.KeyUsage]] = [
        ("teacher-ec", person("Ngô Thị Mai", "079188000009"), valid, _usage(**GOOD_USAGE)),
        ("school", school(school_name, school_code, "0301234567"), valid, _usage(**GOOD_USAGE)),
        (
            "other-school",
            school("Trường THCS Lê Lợi", other_school_code, "0307654321"),
            valid,
            _usage(**GOOD_USAGE),
        ),
        ("principal", person("Phạm Văn Hùng", "079075000001"), valid, _usage(**GOOD_USAGE)),
        ("homeroom", person("Nguyễn Thị Lan", "079180000002"), valid, _usage(**GOOD_USAGE)),
        ("teacher-1", person("Trần Văn Minh", "079085000003"), valid, _usage(**GOOD_USAGE)),
        ("teacher-2", person("Lê Thị Hoa", "079190000004"), valid, _usage(digital_signature=True)),
        (
            "expired",
            person("Võ Văn Cũ", "079070000005"),
            (now - 1095 * day, now - 365 * day),
            _usage(**GOOD_USAGE),
        ),
        (
            "not-yet-valid",
            person("Đỗ Thị Mới", "079095000006"),
            (now + 365 * day, now + 1095 * day),
            _usage(**GOOD_USAGE),
        ),
        ("revoked", person("Hoàng Văn Thu", "079080000007"), valid, _usage(**GOOD_USAGE)),
        (
            "wrong-usage",
            person("Bùi Thị Sai", "079185000008"),
            valid,
            _usage(**KEY_ENCIPHERMENT_ONLY),
        ),
        ("weak-rsa", person("Đặng Văn Yếu", "079078000010"), valid, _usage(**GOOD_USAGE)),
        ("ec-p384", person("Trịnh Thị Cong", "079188000011"), valid, _usage(**GOOD_USAGE)),
    ]
    pki = TestPki(directory, trust_dir, school_code, other_school_code, root, intermediate)
    for name, subject, (not_before, not_after), usage in plan:
        # One EC P-256 signer, so that ecdsa-sha256 (the profile's other method) is exercised,
        # and two keys outside the profile (HB005): RSA-1024 and EC P-384.
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
        if name.endswith("-ec"):
            key = ec.generate_private_key(ec.SECP256R1())
        elif name == "weak-rsa":
            key = rsa.generate_private_key(public_exponent=65537, key_size=WEAK_RSA_BITS)
        elif name == "ec-p384":
            key = ec.generate_private_key(ec.SECP384R1())
        else:
            key = _key()
        certificate = _issue(
            subject, key, issuer, not_before=not_before, not_after=not_after, usage=usage
        )
        pki.signers[name] = _write_signer(
            signers_dir, name, key, [certificate, *intermediates], secret
        )

    _issue_people(pki, people, people_key, issuer, intermediates, valid, secret, person)

    revoked = pki.signers["revoked"].certificate
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer[0].subject)
        .last_update(now - day)
        .next_update(now + 30 * day)
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.serial_number)
            .revocation_date(now - day)
            .build()
        )
        .sign(issuer[1], hashes.SHA256())
    )
    (trust_dir / "issuing-ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))

    stranger_root_key = _key()
    stranger_root = _issue(
        _name((NameOID.COUNTRY_NAME, "VN"), (NameOID.COMMON_NAME, "Untrusted Root CA")),
        stranger_root_key,
        None,
        not_before=now - 3650 * day,
        not_after=now + 3650 * day,
        ca_path_length=True,
        usage=ca_usage,
    )
    (untrusted_dir / "untrusted-root.pem").write_bytes(_pem([stranger_root]))
    stranger_key = _key()
    stranger = _issue(
        school(school_name, school_code, "0301234567"),
        stranger_key,
        (stranger_root, stranger_root_key),
        not_before=valid[0],
        not_after=valid[1],
        usage=_usage(**GOOD_USAGE),
    )
    pki.signers["untrusted"] = _write_signer(
        untrusted_dir, "untrusted", stranger_key, [stranger], secret
    )
    (directory / "README.txt").write_text(_readme(pki), encoding="utf-8")
    return pki


def _people_encryption(password: bytes) -> serialization.KeySerializationEncryption:
    return (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PEOPLE_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password)
    )


_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _file_stem(name: str) -> str:
    """A person's name as a file name: ASCII letters and digits, words joined by '-'."""
    ascii_name = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-") or "person"


def _test_cccd(person: str) -> str:
    """Twelve digits for a test person (Hồ Chí Minh's 079, a 1980s birth): not a real ID."""
    serial = int.from_bytes(hashlib.sha256(person_key(person).encode()).digest()[:8]) % 10**6
    return f"0791{80 + serial % 10:02d}{serial:06d}"


def _issue_people(
    pki: TestPki,
    people: Iterable[Person | str],
    kind: Literal["ec", "rsa"],
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey],
    intermediates: list[x509.Certificate],
    valid: tuple[dt.datetime, dt.datetime],
    secret: bytes,
    subject_of: Callable[[str, str], x509.Name],
) -> None:
    """A personal certificate and PKCS#12 file in `people/` for each person named."""
    folder = pki.people_dir
    folder.mkdir()
    encryption = _people_encryption(secret)
    seen: dict[str, set[str | None]] = {}  # name (as compared) → the MaGVs given with it
    stems: set[str] = set()
    for given in people:
        person = given if isinstance(given, Person) else Person(given)
        codes = seen.setdefault(person_key(person.name), set())
        # The same person again, unless two MaGVs say these are namesakes.
        if codes and (person.staff_code in codes or None in codes or person.staff_code is None):
            continue
        codes.add(person.staff_code)
        code = person.staff_code
        # A MaGV names the file as it is (it tells namesakes apart when signing); a name is
        # written in ASCII.
        base = code if code and _SAFE_STEM.fullmatch(code) else _file_stem(person.name)
        stem, n = base, 1
        while stem in stems:  # two people whose names fold to the same letters
            n += 1
            stem = f"{base}-{n}"
        stems.add(stem)
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
            ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else _key()
        )
        certificate = _issue(
            subject_of(person.name, _test_cccd(f"{person.name}\0{code or ''}")),
            key,
            issuer,
            not_before=valid[0],
            not_after=valid[1],
            usage=_usage(**GOOD_USAGE),
        )
        pki.people[stem] = _write_signer(
            folder, stem, key, [certificate, *intermediates], secret, encryption
        )


def _readme(pki: TestPki) -> str:
    return f"""Hub test PKI / Hạ tầng khóa công khai thử nghiệm của hub
=========================================================

FOR TESTS, DEMOS AND THE MINISTRY SANDBOX ONLY. CHỈ DÙNG ĐỂ THỬ NGHIỆM.
Keys are encrypted with the password in ${PASSWORD_ENV} when it was set at creation,
otherwise with the documented test password "{DEFAULT_TEST_PASSWORD}". Never use this default
for a real key.

trust/            what a verifier trusts: `hub verify DOC --trust {pki.trust_dir}`
  root.pem          the root CA (self-signed)
  intermediate.pem  the issuing CA (absent when made without an intermediate)
  issuing-ca.crl    the issuing CA's CRL (PEM), listing the "revoked" certificate
signers/          one key holder each: NAME.key.pem (encrypted PKCS#8), NAME.cert.pem (the
                  certificate then its intermediates), NAME.p12 (PKCS#12, same password)
  school          DV: the school seal, O = school name, UID = MaTruong:{pki.school_code}, MST:...
  other-school    DV of another school (UID = MaTruong:{pki.other_school_code}): refused as DV
  principal       HT: the principal, CN = name, serialNumber = CCCD:<12 digits>
  homeroom        GVCN: the homeroom teacher
  teacher-1       GVBM: a subject teacher (digitalSignature + nonRepudiation)
  teacher-2       GVBM: a subject teacher (digitalSignature only)
  teacher-ec      GVBM: a subject teacher with an EC P-256 key (ecdsa-sha256)
  expired         expired a year ago
  not-yet-valid   valid only from a year from now
  revoked         on the CRL
  wrong-usage     key usage keyEncipherment only
  weak-rsa        an RSA-1024 key: outside the profile (HB005, version 1.0.1)
  ec-p384         an EC P-384 key: outside the profile too (only P-256 is in it)
people/           a personal certificate for each person the documents name ({len(pki.people)}
                  here): CN = the name, serialNumber = CCCD:<12 digits>, an EC P-256 key, the
                  same three files each; the folder a "pkcs12-folder" signing provider reads
untrusted/        a root that is NOT in trust/, and a school seal it issued (untrusted.*)

Sign, e.g.:  HUB_SIGNING_PASSWORD={DEFAULT_TEST_PASSWORD} hub sign DOC.xml --role DV \\
               --p12 {pki.directory}/signers/school.p12 --out signed.xml
A GVBM, GVCN or HT signature needs the certificate of the person the document names for it
(version 1.0.1): make one with `hub pki init DIR --people-from DOC.xml` and sign with the
file in people/.
"""
