"""Every document error code of the spec, each from a document built to trigger it.

One sandbox for the module: each case is its own submission (so each learner's key is free),
all sent and polled once, then each code is a test of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest
from lxml import etree

from hub.document.build import build_document
from hub.gen import DefectKind
from hub.ministry.contract import DOCUMENT_CODES
from hub.ministry.messages import Document, DocumentResult
from hub.sandbox import FaultPlan, Roster, SandboxConfig, running
from hub.sandbox.roster import Enrolment
from hub.signing.profile import Role
from hub.signing.trust import TrustStore

from .conftest import accounts, make_client
from .world import DOC, World

DS = "http://www.w3.org/2000/09/xmldsig#"
INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


def _edit(data: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _remove(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        node = root.find(path)
        assert node is not None
        node.getparent().remove(node)  # type: ignore[union-attr]

    return change


def _set_text(path: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        node = root.find(path)
        assert node is not None
        node.text = text

    return change


def _inclusive_c14n(root: etree._Element) -> None:
    method = root.find(f".//{{{DS}}}SignedInfo/{{{DS}}}CanonicalizationMethod")
    assert method is not None
    method.set("Algorithm", INCLUSIVE_C14N)


H = f"{{{DOC}}}"
HEADER = f"{H}DLHocBa/{H}TTChung"
LEARNER = f"{H}DLHocBa/{H}HocSinh"


@dataclasses.dataclass
class Cases:
    """For each code: the documents to send in order (the last one is the one asserted)."""

    documents: dict[str, list[Document]]
    roster: list[dict[str, str | None]]


def build_cases(world: World) -> Cases:
    used = {t.learner.learner_code for t in world.defective.values()}
    free = iter(i for i, t in enumerate(world.transcripts) if t.learner.learner_code not in used)

    def next_learner() -> int:
        return next(free)

    def raw(index: int) -> tuple[str, bytes]:
        transcript = world.transcripts[index]
        return transcript.header.record_id, build_document(transcript)

    def signed(index: int, **options: object) -> Document:
        record_id, data = raw(index)
        return Document(record_id, world.sign(data, **options))  # type: ignore[arg-type]

    documents: dict[str, list[Document]] = {}
    record_id, data = raw(next_learner())
    documents["HB001"] = [Document(record_id, data[: len(data) // 2])]
    record_id, data = raw(next_learner())
    doctype = b'<!DOCTYPE HocBaSo [<!ENTITY x "y">]>\n'
    declaration_end = data.index(b"?>") + 2
    documents["HB001-doctype"] = [
        Document(record_id, data[:declaration_end] + b"\n" + doctype + data[declaration_end:])
    ]
    record_id, data = raw(next_learner())
    documents["HB002"] = [Document(record_id, _edit(data, _remove(f"{HEADER}/{H}TenTruong")))]
    good = signed(next_learner())
    documents["HB003"] = [Document(good.record_id, _edit(good.content, _inclusive_c14n))]
    good = signed(next_learner())
    tampered = _edit(good.content, _set_text(f"{HEADER}/{H}TenTruong", "Trường Khác"))
    documents["HB004"] = [Document(good.record_id, tampered)]
    documents["HB005"] = [signed(next_learner(), signers={Role.GVCN: "expired"})]
    # Version 1.0.1: keys weaker than RSA-2048, or a curve other than P-256, are HB005 too.
    documents["HB005-rsa1024"] = [signed(next_learner(), signers={Role.HT: "weak-rsa"})]
    documents["HB005-p384"] = [signed(next_learner(), signers={Role.GVBM: "ec-p384"})]
    documents["HB006"] = [signed(next_learner(), skip=[Role.DV])]
    # Version 1.0.1: a valid personal certificate of someone the document does not name.
    documents["HB006-gvbm-name"] = [signed(next_learner(), impostors={Role.GVBM: "teacher-1"})]
    documents["HB006-gvcn-name"] = [signed(next_learner(), impostors={Role.GVCN: "teacher-2"})]
    documents["HB006-ht-name"] = [signed(next_learner(), impostors={Role.HT: "homeroom"})]
    for code, kind in (
        ("HB101", DefectKind.MISSING_ID),
        ("HB102", DefectKind.MALFORMED_ID),
        ("HB201", DefectKind.WRONG_YEAR_AVERAGE),
        ("HB202", DefectKind.SCORE_OUT_OF_RANGE),
        ("HB202-missing-subject", DefectKind.MISSING_COMPULSORY_SUBJECT),
    ):
        transcript = world.defective[kind]
        content = world.sign(build_document(transcript))
        documents[code] = [Document(transcript.header.record_id, content)]

    roster = [dict(row) for row in world.roster]
    by_code = {row["MaHocSinh"]: row for row in roster}
    missing, renamed, moved = next_learner(), next_learner(), next_learner()
    roster.remove(by_code[world.transcripts[missing].learner.learner_code])
    by_code[world.transcripts[renamed].learner.learner_code]["HoVaTen"] = "Tên Khác Hẳn"
    by_code[world.transcripts[moved].learner.learner_code]["MaTruong"] = "36999999"
    documents["HB103"] = [signed(missing)]
    documents["HB104"] = [signed(renamed)]
    documents["HB105"] = [signed(moved)]

    twice = next_learner()
    documents["HB301"] = [signed(twice), signed(twice)]
    replaces = f"HB{world.year[:4]}{world.school}999999"
    documents["HB302"] = [world.document(next_learner(), replaces=replaces)]
    return Cases(documents, roster)


@pytest.fixture(scope="module")
def outcomes(
    world: World, trust: TrustStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, DocumentResult]]:
    cases = build_cases(world)
    config = SandboxConfig(
        state=tmp_path_factory.mktemp("codes") / "sandbox.db",
        roster=Roster(Enrolment.model_validate(r) for r in cases.roster),
        trust=trust,
        accounts=accounts(),
        faults=FaultPlan(),
    )
    found: dict[str, DocumentResult] = {}
    with running(config) as sandbox, make_client(sandbox) as client:
        for name, documents in cases.documents.items():
            for n, document in enumerate(documents):
                receipt = client.submit(world.submission([document], f"{name}-{n}"))
                result = client.wait_for_result(receipt.receipt).documents[0]
                found[name if n == len(documents) - 1 else f"{name}#{n}"] = result
        yield found


CODES = [
    *DOCUMENT_CODES,
    "HB001-doctype",
    "HB005-rsa1024",
    "HB005-p384",
    "HB006-gvbm-name",
    "HB006-gvcn-name",
    "HB006-ht-name",
    "HB202-missing-subject",
]

LOCATIONS = {
    "HB002": "/HocBaSo/DLHocBa/TTChung",
    "HB202-missing-subject": "/HocBa/DLHocBa/KetQuaHocTap",  # the spec's words, as written
    "HB104": "/HocBaSo/DLHocBa/HocSinh/HoVaTen",
    "HB105": "/HocBaSo/DLHocBa/TTChung/MaTruong",
    "HB302": "/HocBaSo/DLHocBa/TTChung/ThayTheCho",
}


@pytest.mark.parametrize("case", CODES)
def test_document_is_rejected_with_its_code(case: str, outcomes: dict[str, DocumentResult]) -> None:
    code = case.split("-")[0]
    result = outcomes[case]
    assert not result.accepted
    assert result.transcript_id is None
    codes = [e.code for e in result.errors]
    assert code in codes, result.errors
    if code in ("HB001", "HB002", "HB003", "HB004", "HB005", "HB006"):
        assert set(codes) == {code}  # a gate: nothing after it is reported
    for error in result.errors:
        assert error.message  # MoTa, in Vietnamese
    where = LOCATIONS.get(case, LOCATIONS.get(code))
    if where is not None:
        assert any((e.location or "").startswith(where) for e in result.errors), result.errors


def test_second_transcript_names_the_issued_one(outcomes: dict[str, DocumentResult]) -> None:
    first = outcomes["HB301#0"]
    assert first.accepted
    assert first.transcript_id is not None
    assert first.transcript_id in outcomes["HB301"].errors[0].message


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("HB005-rsa1024", "RSA 1024 bit"),
        ("HB005-p384", "EC secp384r1"),
        ("HB006-gvbm-name", "Chứng thư của giáo viên bộ môn"),
        ("HB006-gvcn-name", "Chứng thư của giáo viên chủ nhiệm"),
        ("HB006-ht-name", "Chứng thư của hiệu trưởng"),
        ("HB202-missing-subject", "thiếu môn bắt buộc"),
    ],
)
def test_the_rules_of_version_1_0_1_say_why(
    case: str, words: str, outcomes: dict[str, DocumentResult]
) -> None:
    """Each new case is refused for its own reason, not for another one of the same code."""
    assert any(words in e.message for e in outcomes[case].errors), outcomes[case].errors
