"""Documents a vendor signed, for tests and simulators: built, then signed by the named people.

A vendor platform (vnEdu) signs its transcripts itself: each subject teacher (GVBM) with their
own certificate, the homeroom teacher (GVCN), the principal (HT), then the school seal (DV),
the order and the people spec 1.0.1 asks for (HB006). A simulator of such a vendor, and the
tests of an adapter that receives its documents, need the same documents, and also wrong ones
the hub must hold back:

    keys = VendorKeys.from_folder(pki_dir)        # a test PKI written by `hub pki init
                                                  #   --people-from …` or `school_pki`
    keys.sign(transcript)                         # passes `hub verify` and `hub validate`
    keys.bad_signature(transcript)                # a byte of a signature value flipped: HB004
    keys.wrong_content(transcript)                # a score differing from the data, signed
                                                  #   validly (the content comparison's case)

`school_pki(directory, transcripts)` makes that folder for one school: its seal carries the
school's MaTruong, and every person the transcripts name for a personal signature gets a
certificate in `people/`. The PKI's keys are read under its password ($HUB_PKI_PASSWORD, else
the documented test password), as `hub pki init` wrote them.

Everything returns the document's bytes, as the vendor would send them; nothing here is what
the hub itself does when it signs (hub.pipeline.sign), which reads its keys from the
configuration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from hub.document.build import build_document
from hub.document.parse import parse_document as read_transcript
from hub.model import ScoredSemester, ScoredSubject, SecondaryResults, Transcript
from hub.signing.named import named_person
from hub.signing.pki import (
    DEFAULT_TEST_PASSWORD,
    PASSWORD_ENV,
    PEOPLE_DIR,
    TestPki,
    make_test_pki,
)
from hub.signing.profile import Role, doc, ds
from hub.signing.providers.base import Person
from hub.signing.providers.memory import MemoryProvider
from hub.signing.providers.people import PeopleKeys
from hub.signing.sign import sign_tree
from hub.signing.xmlio import parse_document, serialize

__all__ = [
    "VendorKeys",
    "altered_score",
    "people_to_sign",
    "school_pki",
    "set_homeroom_comment",
    "unsigned_document",
]

VN = dt.timezone(dt.timedelta(hours=7))
SEAL = "school"  # the test PKI's school seal, signers/school.p12


def people_to_sign(transcripts: Iterable[Transcript]) -> list[Person]:
    """Every person the transcripts name for a personal signature (GVBM, GVCN, HT), once each.

    Primary documents carry no GVBM signature, so their subject teachers sign nothing.
    """
    people: dict[str, Person] = {}
    for transcript in transcripts:
        results = transcript.results
        teachers = results.subjects if isinstance(results, SecondaryResults) else ()
        confirmation = transcript.confirmation
        homeroom = confirmation.homeroom_teacher
        for person in (
            *(Person(s.teacher.name, s.teacher.code) for s in teachers),
            Person(homeroom.name, homeroom.code),
            Person(confirmation.principal.name),
        ):
            people.setdefault(person.name, person)
    return list(people.values())


def school_pki(
    directory: Path,
    transcripts: Iterable[Transcript],
    *,
    password: str | None = None,
    people_key: Literal["ec", "rsa"] = "ec",
) -> TestPki:
    """A test PKI for the school of `transcripts` (one school), with their people's keys.

    Args:
        directory: where to write it (must be empty or absent), as `hub pki init DIR`.
        transcripts: the school's learners; the first one's header names the school.
        password: for the keys; default $HUB_PKI_PASSWORD, else the test password.
        people_key: the people's keys: EC P-256 (fast), or RSA-2048 (what most Vietnamese
            CAs issue: for benchmarks comparing with RSA verification figures).
    """
    transcripts = list(transcripts)
    header = transcripts[0].header
    return make_test_pki(
        directory,
        school_code=header.school_code,
        school_name=header.school_name,
        people=people_to_sign(transcripts),
        password=password,
        people_key=people_key,
    )


def _open_p12(path: Path, password: bytes) -> MemoryProvider:
    key, certificate, others = pkcs12.load_key_and_certificates(path.read_bytes(), password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) or certificate is None:
        raise ValueError(f"{path}: no RSA or EC key with a certificate")
    return MemoryProvider(key, [certificate, *others], path.stem)


def altered_score(transcript: Transcript) -> tuple[Transcript, str]:
    """The transcript with one score changed so that every rule still holds, and what changed.

    Two different regular scores of a semester swap places (the semester's average is the
    same, so the document passes the rules and only a comparison with the data finds it);
    a transcript without two different regular scores gets its homeroom comment changed
    instead. Returns the changed transcript and a description (for a test's messages).
    """
    results = transcript.results
    if isinstance(results, SecondaryResults):
        for index, subject in enumerate(results.subjects):
            if not isinstance(subject, ScoredSubject):
                continue
            for number, semester in ((1, subject.semester1), (2, subject.semester2)):
                scores = list(semester.regular)
                pair = next(
                    (
                        (i, j)
                        for i in range(len(scores))
                        for j in range(i + 1, len(scores))
                        if scores[i] != scores[j]
                    ),
                    None,
                )
                if pair is None:
                    continue
                i, j = pair
                scores[i], scores[j] = scores[j], scores[i]
                changed: ScoredSemester = dataclasses.replace(semester, regular=tuple(scores))
                new_subject = (
                    dataclasses.replace(subject, semester1=changed)
                    if number == 1
                    else dataclasses.replace(subject, semester2=changed)
                )
                subjects = list(results.subjects)
                subjects[index] = new_subject
                what = (
                    f"{subject.code} HK{number} tx[{i}] {semester.regular[i]} → {scores[i]}, "
                    f"tx[{j}] {semester.regular[j]} → {scores[j]}"
                )
                new_results = dataclasses.replace(results, subjects=tuple(subjects))
                return dataclasses.replace(transcript, results=new_results), what
    if results is None:
        learner = dataclasses.replace(transcript.learner, residence="Nơi ở đã đổi")
        return dataclasses.replace(transcript, learner=learner), "NoiO changed"
    comment = results.homeroom_comment + " (đã sửa)"
    new = dataclasses.replace(results, homeroom_comment=comment)
    return dataclasses.replace(transcript, results=new), "NhanXetGVCN changed"


class VendorKeys:
    """One school's keys as its vendor holds them: the people's, and the school's seal.

    Args:
        people: the people's keys, found by the name their certificate carries.
        seal: the school seal (DV).
    """

    def __init__(self, people: PeopleKeys, seal: MemoryProvider) -> None:
        self._people = people
        self._seal = seal

    @classmethod
    def from_folder(cls, pki_dir: str | Path, *, password: str | None = None) -> VendorKeys:
        """The keys of a test PKI folder: `people/*.p12` and `signers/school.p12`.

        Args:
            pki_dir: what `hub pki init DIR --people-from …` (or `school_pki`) wrote.
            password: the keys' password; default $HUB_PKI_PASSWORD, else the test one.
        """
        folder = Path(pki_dir)
        secret = (password or os.environ.get(PASSWORD_ENV) or DEFAULT_TEST_PASSWORD).encode()
        people = PeopleKeys(
            (
                (path.stem, _open_p12(path, secret))
                for path in sorted((folder / PEOPLE_DIR).glob("*.p12"))
            ),
            str(folder / PEOPLE_DIR),
        )
        return cls(people, _open_p12(folder / "signers" / f"{SEAL}.p12", secret))

    def sign(
        self, document: Transcript | bytes, *, signing_time: dt.datetime | None = None
    ) -> bytes:
        """The document signed by every role, each personal signature by the person named.

        Args:
            document: a transcript (built with hub.document.build), or an unsigned document.
            signing_time: ThoiGianKy of every signature; default five minutes ago (a receiver
                refuses a signing time after it received the document).

        Raises:
            SignerNotFound: the PKI holds no key for a person the document names.
        """
        data = build_document(document) if isinstance(document, Transcript) else document
        at = signing_time or (dt.datetime.now(VN) - dt.timedelta(minutes=5)).replace(microsecond=0)
        tree = parse_document(data)
        root = tree.getroot()
        hocba = root.find(doc("DLHocBa"))
        if hocba is None:
            raise ValueError("not a transcript document: no DLHocBa")
        secondary = hocba.find(doc("KetQuaTrungHoc"))
        for subject in secondary.iterfind(doc("MonHoc")) if secondary is not None else ():
            person = named_person(subject, Role.GVBM)
            if person is None:
                raise ValueError(f"subject {subject.get('MaMon')} names no teacher")
            key = self._people.signer_for(person)
            sign_tree(tree, Role.GVBM, key, subject_code=subject.get("MaMon"), signing_time=at)
        for role in (Role.GVCN, Role.HT):
            person = named_person(hocba, role)
            if person is None:
                raise ValueError(f"the document names no {role}")
            sign_tree(tree, role, self._people.signer_for(person), signing_time=at)
        sign_tree(tree, Role.DV, self._seal, signing_time=at)
        return serialize(tree)

    def bad_signature(
        self, document: Transcript | bytes, *, signing_time: dt.datetime | None = None
    ) -> bytes:
        """`sign`, then one byte of the school seal's SignatureValue flipped: HB004 (check 4).

        The content is the data's; only the seal's signature no longer holds.
        """
        tree = parse_document(self.sign(document, signing_time=signing_time))
        holders = tree.getroot().findall(f"{doc('DSCKS')}/{doc('ChuKy')}")
        value = holders[-1].find(f"{ds('Signature')}/{ds('SignatureValue')}")
        assert value is not None  # sign() wrote it
        assert value.text
        text = value.text
        middle = len(text) // 2
        while not text[middle].isalnum():
            middle += 1
        flipped = "B" if text[middle] == "A" else "A"
        value.text = text[:middle] + flipped + text[middle + 1 :]
        return serialize(tree)

    def wrong_content(
        self, document: Transcript | bytes, *, signing_time: dt.datetime | None = None
    ) -> bytes:
        """A validly signed document whose content differs from the data (`altered_score`).

        Args:
            document: the transcript, or its unsigned document (read back to a transcript).

        It passes every receiver check; only comparing it with the vendor's data finds it.
        """
        transcript = document if isinstance(document, Transcript) else read_transcript(document)
        changed, _ = altered_score(transcript)
        return self.sign(changed, signing_time=signing_time)

    def __repr__(self) -> str:
        return f"VendorKeys(people={len(self._people)})"


def unsigned_document(transcript: Transcript) -> bytes:
    """The transcript's document before anyone signed it (hub.document.build)."""
    return build_document(transcript)


def set_homeroom_comment(document: bytes, comment: str) -> bytes:
    """An unsigned document with its NhanXetGVCN (secondary or primary) set to `comment`."""
    tree = parse_document(document)
    hocba = tree.getroot().find(doc("DLHocBa"))
    assert hocba is not None  # an unsigned document the builder wrote
    for results in (doc("KetQuaTrungHoc"), doc("KetQuaTieuHoc")):
        element = hocba.find(f"{results}/{doc('NhanXetGVCN')}")
        if element is not None:
            element.text = comment
            return serialize(tree)
    raise ValueError("the document has no NhanXetGVCN")
