"""Values are read as canonicalisation sees them: a comment or PI inside a signed element's text
never changes what a check reads (the SAML comment-truncation class of flaws).

Exclusive C14N without comments drops comments, so a comment can be slipped into any signed
element after signing without breaking a digest; it keeps processing instructions, so a PI is
signed with the rest. lxml's `.text` stops at the first of either: every check reads through
`hub.document.text.text_of` instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable

from lxml import etree

from hub.document.parse import parse_document
from hub.document.text import child_text, text_of
from hub.signing.pki import TestPki
from hub.signing.profile import Role
from hub.signing.providers.memory import MemoryProvider
from hub.signing.sign import append_signature
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document
from hub.signing.xmlio import exc_c14n

from .conftest import NS, SIGNERS, TEACHERS, Documents, common_name, sign_all, subjects_of

Provider = Callable[[str], MemoryProvider]


def split(element: etree._Element, at: int, node: etree._Element) -> None:
    """Put `node` (a comment or PI) inside the element's text, after `at` characters."""
    text = element.text or ""
    element.text, node.tail = text[:at], text[at:]
    element.insert(0, node)


def comment() -> etree._Element:
    return etree.Comment("")


def pi() -> etree._Element:
    return etree.ProcessingInstruction("hub", "x")


def find(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def test_text_of_joins_the_text_around_comments_and_pis() -> None:
    element = etree.fromstring("<HoTen>Nguyễn<!---->Văn<?hub x?> A</HoTen>")
    assert element.text == "Nguyễn"  # the trap
    assert text_of(element) == "NguyễnVăn A" == element.xpath("string()")
    parent = etree.fromstring("<X><HoTen>Lê<!-- c -->Hoa</HoTen></X>")
    assert parent.findtext("HoTen") == "Lê"  # the trap
    assert child_text(parent, "HoTen") == "LêHoa"
    assert child_text(parent, "Missing") is None


def test_comments_and_pis_inside_signed_values_read_as_their_canonical_text(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    """HoTen, MaTruong, GiaoVien/HoTen and XacNhan names split by a comment and a PI, then
    signed: the model, the seal check and the name checks all read the whole value."""
    root = etree.fromstring(documents.secondary)
    learner = find(root, "h:DLHocBa/h:HocSinh/h:HoVaTen")
    full_learner = learner.text
    school = find(root, "h:DLHocBa/h:TTChung/h:MaTruong")
    teacher = find(root, "h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc/h:GiaoVien/h:HoTen")
    homeroom = find(root, "h:DLHocBa/h:XacNhan/h:GVCN/h:HoTen")
    for element, node in ((learner, comment()), (school, pi()), (teacher, comment())):
        split(element, 3, node)
    split(homeroom, 4, pi())
    split(homeroom, 2, comment())
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    signed = sign_all(data, provider, base_time)  # the signer reads the names whole, too

    transcript = parse_document(signed)
    assert transcript.learner.full_name == full_learner
    assert transcript.header.school_code == documents.school_code
    assert transcript.confirmation.homeroom_teacher.name == "Nguyễn Thị Lan"
    report = verify_document(signed, trust)
    assert report.ok, report.findings  # the DV's MaTruong and every CN compared whole


def test_a_name_that_differs_only_after_a_comment_is_hb006(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore,
    pki: TestPki,
) -> None:  # fmt: skip
    """The document names "Trần Văn Minh<!----> Anh": a reader of `.text` would take it for the
    holder of teacher-1's certificate, "Trần Văn Minh"; the signature covers "Trần Văn Minh Anh"."""
    root = etree.fromstring(documents.secondary)
    first = find(root, "h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc/h:GiaoVien/h:HoTen")
    holder = common_name(pki, "teacher-1")
    assert first.text == holder  # subject 0 is teacher-1's (conftest)
    first.text = f"{holder} Anh"
    split(first, len(holder), comment())
    assert first.text == holder  # what a naive check would compare
    tree = root.getroottree()
    code = subjects_of(documents.secondary)[0]
    append_signature(
        tree, Role.GVBM, provider("teacher-1"), subject_code=code, signing_time=base_time
    )
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    signed = sign_all(data, provider, base_time, skip=frozenset({f"GVBM:{code}"}))
    report = verify_document(signed, trust)
    assert [(f.code, f.xpath) for f in report.findings] == [
        ("HB006", f"/HocBaSo/DSCKS/ChuKy/Signature[@Id='CKS-GVBM-{code}']")
    ]
    assert f"'{holder} Anh'" in report.findings[0].message_en


def _time_of(data: bytes, role: str) -> etree._Element:
    return find(etree.fromstring(data), f"h:DSCKS/h:ChuKy[@VaiTro='{role}']//h:ThoiGianKy")


def test_a_comment_slipped_into_a_signed_time_after_signing_does_not_cut_it_short(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    signed = sign_all(documents.secondary, provider, base_time)
    root = etree.fromstring(signed)
    time = find(root, "h:DSCKS/h:ChuKy[@VaiTro='GVCN']//h:ThoiGianKy")
    written = time.text
    assert written is not None
    split(time, 13, comment())  # "2026-12-01T20" then the comment
    tampered = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert _time_of(tampered, "GVCN").text == written[:13]  # what `.text` would read
    report = verify_document(tampered, trust)  # comments are outside the digest
    assert report.ok, report.findings
    gvcn = next(s for s in report.signatures if s.role == "GVCN")
    assert gvcn.signing_time == dt.datetime.fromisoformat(written).isoformat()


def test_a_pi_signed_inside_a_signed_time_and_digest_values(
    documents: Documents, provider: Provider, base_time: dt.datetime, trust: TrustStore
) -> None:
    """A PI stays in the canonical form, so it is signed: the values still read whole."""
    data = sign_all(documents.secondary, provider, base_time, skip=frozenset({"DV"}))
    root = etree.fromstring(data)
    tree = root.getroottree()
    seal = append_signature(
        tree,
        Role.DV,
        provider(SIGNERS[Role.DV]),
        subject_code=None,
        signing_time=base_time + dt.timedelta(hours=3),
    )
    time = find(seal, ".//h:ThoiGianKy")
    written = time.text or ""
    split(time, 10, pi())
    time_object = find(seal, "ds:Object")
    signed_info = find(seal, "ds:SignedInfo")
    time_digest = signed_info.findall("ds:Reference/ds:DigestValue", NS)[1]
    digest = base64.b64encode(hashlib.sha256(exc_c14n(time_object)).digest()).decode()
    time_digest.text = digest
    split(time_digest, 5, pi())  # the DigestValue itself split too, and signed so
    value = provider(SIGNERS[Role.DV]).sign(exc_c14n(signed_info))
    find(seal, "ds:SignatureValue").text = base64.b64encode(value).decode()
    report = verify_document(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"), trust)
    assert report.ok, report.findings
    dv = next(s for s in report.signatures if s.role == "DV")
    assert dv.signing_time == dt.datetime.fromisoformat(written).isoformat()


def test_teachers_of_the_fixture_are_the_pki_people(documents: Documents, pki: TestPki) -> None:
    """The premise of the tests above: subject i names TEACHERS[i % 3] (conftest)."""
    root = etree.fromstring(documents.secondary)
    path = "h:DLHocBa/h:KetQuaTrungHoc/h:MonHoc/h:GiaoVien/h:HoTen"
    names = [text_of(e) for e in root.iterfind(path, NS)]
    assert names[:3] == [common_name(pki, t) for t in TEACHERS]
