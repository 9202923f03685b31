"""NopHocBa and TraCuuKetQua end to end: the real client against the real sandbox."""

from __future__ import annotations

import re

import httpx
import pytest
from lxml import etree

from hub.document.build import build_document
from hub.ministry.client import Credentials, MinistryClient
from hub.ministry.errors import (
    AuthenticationFailed,
    BadRequest,
    BatchKeyReused,
    NotFound,
    TooLarge,
)
from hub.ministry.messages import Document, Submission
from hub.sandbox import RunningSandbox

from .conftest import OTHER_PASSWORD, OTHER_USER, make_client
from .world import UNIT, World


def stats(sandbox: RunningSandbox) -> dict[str, int]:
    """Rows NopHocBa stores (issued transcripts come later, from the worker)."""
    counts = sandbox.app.store.counts()
    return {"submission": counts["submission"], "document": counts["document"]}


def test_submit_poll_accept(world: World, client: MinistryClient) -> None:
    documents = [world.document(i) for i in range(3)]
    receipt = client.submit(world.submission(documents, "lo-1"))
    assert receipt.count == 3
    result = client.wait_for_result(receipt.receipt)
    assert result.done
    assert [d.record_id for d in result.documents] == [d.record_id for d in documents]
    for outcome in result.documents:
        assert outcome.accepted, outcome.errors
        assert outcome.transcript_id is not None
        assert re.fullmatch(rf"HB{world.year[:4]}{world.school}\d{{6}}", outcome.transcript_id)
    assert len({d.transcript_id for d in result.documents}) == 3


def test_same_batch_key_and_content_returns_the_original_receipt(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    submission = world.submission([world.document(0), world.document(1)], "lo-lap-lai")
    first = client.submit(submission)
    before = stats(sandbox)
    reordered = world.submission(list(reversed(submission.documents)), "lo-lap-lai")
    again = client.submit(reordered)
    assert again == first
    assert stats(sandbox) == before
    assert client.metrics.requests["NopHocBa"] == 2
    assert client.metrics.total_retries == 0


def test_same_batch_key_with_other_content_is_refused(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    client.submit(world.submission([world.document(0)], "lo-2"))
    before = stats(sandbox)
    with pytest.raises(BatchKeyReused) as caught:
        client.submit(world.submission([world.document(0), world.document(1)], "lo-2"))
    assert caught.value.code == "E_LO_TRUNG"
    assert stats(sandbox) == before
    assert client.metrics.requests["NopHocBa"] == 2  # a fatal fault is not retried


def _envelope_fault(
    client: MinistryClient, sandbox: RunningSandbox, submission: Submission
) -> BadRequest:
    before = stats(sandbox)
    with pytest.raises(BadRequest) as caught:
        client.submit(submission)
    assert stats(sandbox) == before
    assert caught.value.code == "E_DU_LIEU"
    return caught.value


def test_wrong_digest_is_refused_and_nothing_stored(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    good, bad = world.document(0), world.document(1)
    object.__setattr__(bad, "digest", "0" * 64)  # a MaBam that is not the content's SHA-256
    error = _envelope_fault(client, sandbox, world.submission([good, bad], "lo-3"))
    assert "MaBam" in error.detail
    assert bad.record_id in error.detail


def test_duplicate_record_id_is_refused(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    twice = world.document(0)
    error = _envelope_fault(client, sandbox, world.submission([twice, twice], "lo-4"))
    assert twice.record_id in error.detail


def test_document_of_another_school_or_year_is_refused(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    other_school = Submission(UNIT, "lo-5", world.year, "36999999", (world.document(0),))
    assert "MaTruong" in _envelope_fault(client, sandbox, other_school).detail
    other_year = Submission(UNIT, "lo-6", "2023-2024", world.school, (world.document(0),))
    assert "NamHoc" in _envelope_fault(client, sandbox, other_year).detail


def test_client_refuses_over_500_documents_or_20_mb_before_sending(
    world: World, client: MinistryClient
) -> None:
    """The sandbox's own E_KICH_THUOC is tested with the independent client (test_raw.py)."""
    tiny = tuple(Document(f"hs-{i}", b"<x/>") for i in range(501))
    big = tuple(Document(f"hs-{i}", bytes([65 + i]) * (2 * 1024 * 1024)) for i in range(11))
    for documents in (tiny, big):
        with pytest.raises(TooLarge) as caught:
            client.submit(Submission(UNIT, "lo-lon", world.year, world.school, documents))
        assert caught.value.code == "E_KICH_THUOC"
    assert client.metrics.requests["NopHocBa"] == 0


def test_wrong_password_is_refused_without_retry(sandbox: RunningSandbox, world: World) -> None:
    with (
        MinistryClient(sandbox.endpoint, Credentials("so36", "sai")) as wrong,
        pytest.raises(AuthenticationFailed) as caught,
    ):
        wrong.submit(world.submission([world.document(0)], "lo-7"))
    assert caught.value.code == "E_XAC_THUC"
    assert wrong.metrics.requests["NopHocBa"] == 1
    assert stats(sandbox)["submission"] == 0


def test_account_cannot_submit_for_another_unit(sandbox: RunningSandbox, world: World) -> None:
    with (
        MinistryClient(sandbox.endpoint, Credentials(OTHER_USER, OTHER_PASSWORD)) as other,
        pytest.raises(AuthenticationFailed),
    ):
        other.submit(world.submission([world.document(0)], "lo-8"))


def test_unknown_receipt_and_another_accounts_receipt_are_not_found(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    with pytest.raises(NotFound):
        client.result("TN-khong-co")
    receipt = client.submit(world.submission([world.document(0)], "lo-9"))
    with (
        MinistryClient(sandbox.endpoint, Credentials(OTHER_USER, OTHER_PASSWORD)) as other,
        pytest.raises(NotFound),
    ):
        other.result(receipt.receipt)


def test_processing_is_asynchronous(world: World, make_sandbox: object) -> None:
    sandbox = make_sandbox(delay=0.6)  # type: ignore[operator]
    with make_client(sandbox) as client:
        receipt = client.submit(world.submission([world.document(0)], "lo-10"))
        assert not client.result(receipt.receipt).done
        assert client.wait_for_result(receipt.receipt).documents[0].accepted
        assert client.metrics.polls >= 2


def test_wsdl_is_served_with_the_endpoint_as_address(sandbox: RunningSandbox) -> None:
    answer = httpx.get(sandbox.endpoint + "?wsdl")
    assert answer.status_code == 200
    text = answer.text
    assert f'location="{sandbox.endpoint}"' in text
    for operation in ("NopHocBa", "TraCuuKetQua", "TraCuuHocSinh", "ThuHoiHocBa"):
        assert f'<wsdl:operation name="{operation}">' in text


def test_values_split_by_comments_and_pis_are_read_whole(
    world: World, client: MinistryClient
) -> None:
    """MaHoSo, MaTruong, NamHoc and names with a comment or PI inside are the document's own
    (the sandbox compares them with the request and checks the seal's MaTruong by them)."""
    transcript = world.transcripts[3]
    root = etree.fromstring(build_document(transcript))
    h = "{urn:moet:hocbaso:1}"
    for path, node in (
        (f"{h}DLHocBa/{h}TTChung/{h}MaHoSo", etree.Comment("")),
        (f"{h}DLHocBa/{h}TTChung/{h}MaTruong", etree.ProcessingInstruction("hub", "x")),
        (f"{h}DLHocBa/{h}TTChung/{h}NamHoc", etree.Comment(" c ")),
        (f"{h}DLHocBa/{h}HocSinh/{h}HoVaTen", etree.Comment("")),
        (f"{h}DLHocBa/{h}XacNhan/{h}HieuTruong/{h}HoTen", etree.ProcessingInstruction("x")),
    ):
        element = root.find(path)
        assert element is not None
        assert element.text
        element.text, node.tail = element.text[:4], element.text[4:]
        element.insert(0, node)
    data = world.sign(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    receipt = client.submit(world.submission([Document(transcript.header.record_id, data)], "cm"))
    (outcome,) = client.wait_for_result(receipt.receipt).documents
    assert outcome.accepted, outcome.errors
