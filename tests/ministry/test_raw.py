"""The independent client (lxml + httpx) gets the same answers as zeep's, and the service's
own limits and envelope checks, which the real client never lets a request reach."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hub.ministry.client import Credentials, MinistryClient
from hub.ministry.errors import AuthenticationFailed, BatchKeyReused, NotFound
from hub.ministry.messages import LearnerQuery
from hub.sandbox import FaultPlan, RunningSandbox
from hub.sandbox.faults import RateLimit, Window

from .conftest import PASSWORD, USER, make_client
from .raw import Fault, RawClient
from .world import UNIT, World

Factory = Callable[..., RunningSandbox]


def raw(sandbox: RunningSandbox, password: str = PASSWORD) -> RawClient:
    return RawClient(sandbox.endpoint, USER, password)


def done(client: RawClient, receipt: str) -> list[dict[str, object]]:
    for _ in range(600):
        answer = client.result(receipt)
        assert not isinstance(answer, Fault)
        if answer[0] == "DA_XU_LY":
            return answer[1]
        time.sleep(0.05)
    raise AssertionError("never done")


def test_submission_and_results_agree(
    world: World, sandbox: RunningSandbox, client: MinistryClient
) -> None:
    documents = [world.document(0), world.document(1)]
    other = RawClient(sandbox.endpoint, USER, PASSWORD)
    sent = other.submit(
        UNIT, "lo-doc-lap", world.year, world.school, [(d.record_id, d.content) for d in documents]
    )
    assert not isinstance(sent, Fault)
    again = client.submit(world.submission(documents, "lo-doc-lap"))
    assert again.receipt == sent["MaTiepNhan"]
    assert again.count == int(sent["SoLuong"])
    assert again.received_at == datetime.fromisoformat(sent["ThoiGianTiepNhan"])

    by_raw = done(other, again.receipt)
    by_zeep = client.wait_for_result(again.receipt)
    assert [(d["MaHoSo"], d["KetQua"], d["MaDinhDanhHocBa"], d["Loi"]) for d in by_raw] == [
        (
            d.record_id,
            d.outcome.value,
            d.transcript_id,
            [(e.code, e.message, e.location) for e in d.errors],
        )
        for d in by_zeep.documents
    ]

    transcript_id = by_zeep.documents[0].transcript_id
    assert transcript_id is not None
    assert other.withdraw(transcript_id, "Sai điểm môn Toán") == "DA_THU_HOI"
    assert client.withdraw(transcript_id, "Sai điểm môn Toán") == "DA_THU_HOI"


def test_look_ups_agree(world: World, sandbox: RunningSandbox, client: MinistryClient) -> None:
    rows = world.roster[:3]
    raw_queries = [
        {"MaHocSinh": str(rows[0]["MaHocSinh"])},
        {"SoDinhDanh": str(rows[1]["SoDinhDanh"])},
    ]
    raw_queries.append({"MaHocSinh": "999999999999"})
    by_raw = raw(sandbox).look_up(raw_queries)
    assert not isinstance(by_raw, Fault)
    by_zeep = client.look_up(
        [
            LearnerQuery(learner_code=str(rows[0]["MaHocSinh"])),
            LearnerQuery(personal_id=str(rows[1]["SoDinhDanh"])),
            LearnerQuery(learner_code="999999999999"),
        ]
    )
    assert [a["TimThay"] for a in by_raw] == ["true", "true", "false"]
    assert by_zeep[2] is None
    for answer, record in zip(by_raw[:2], by_zeep[:2], strict=True):
        assert record is not None
        assert answer["MaHocSinh"] == record.learner_code
        assert answer["HoVaTen"] == record.full_name
        assert answer["NgaySinh"] == record.birth_date.isoformat()
        assert answer["SoDinhDanh"] == record.personal_id


def test_faults_agree(world: World, sandbox: RunningSandbox, client: MinistryClient) -> None:
    wrong = raw(sandbox, password="sai").look_up([{"MaHocSinh": "1234567890"}])
    assert isinstance(wrong, Fault)
    assert (wrong.status, wrong.code) == (500, "E_XAC_THUC")
    with (
        MinistryClient(sandbox.endpoint, Credentials(USER, "sai")) as bad,
        pytest.raises(AuthenticationFailed) as caught,
    ):
        bad.look_up([LearnerQuery(learner_code="1234567890")])
    assert caught.value.code == wrong.code

    missing = raw(sandbox).result("TN-khong-co")
    assert isinstance(missing, Fault)
    with pytest.raises(NotFound) as not_found:
        client.result("TN-khong-co")
    assert not_found.value.code == missing.code == "E_KHONG_TIM_THAY"

    client.submit(world.submission([world.document(0)], "lo-x"))
    other = world.document(1)
    reused = raw(sandbox).submit(
        UNIT, "lo-x", world.year, world.school, [(other.record_id, other.content)]
    )
    assert isinstance(reused, Fault)
    with pytest.raises(BatchKeyReused) as conflict:
        client.submit(world.submission([other], "lo-x"))
    assert conflict.value.code == reused.code == "E_LO_TRUNG"


def test_size_limits_are_enforced_by_the_service(world: World, sandbox: RunningSandbox) -> None:
    client = raw(sandbox)
    many = [(f"hs-{i}", b"<x/>") for i in range(501)]
    answer = client.submit(UNIT, "lo-501", world.year, world.school, many)
    assert isinstance(answer, Fault)
    assert answer.code == "E_KICH_THUOC"
    heavy = [(f"hs-{i}", bytes([65 + i]) * (2 * 1024 * 1024)) for i in range(11)]
    answer = client.submit(UNIT, "lo-22mb", world.year, world.school, heavy)
    assert isinstance(answer, Fault)
    assert answer.code == "E_KICH_THUOC"
    answer = client.look_up([{"MaHocSinh": "1234567890"}] * 1001)
    assert isinstance(answer, Fault)
    assert answer.code == "E_KICH_THUOC"
    assert sandbox.app.store.counts()["submission"] == 0


def test_stale_timestamp_is_refused(sandbox: RunningSandbox) -> None:
    client = raw(sandbox)
    client.created = datetime.now(UTC) - timedelta(minutes=6)
    answer = client.look_up([{"MaHocSinh": "1234567890"}])
    assert isinstance(answer, Fault)
    assert answer.code == "E_XAC_THUC"
    client.created = datetime.now(UTC) - timedelta(minutes=4)
    assert not isinstance(client.look_up([{"MaHocSinh": "1234567890"}]), Fault)


def _post(sandbox: RunningSandbox, body: bytes) -> Fault:
    response = httpx.post(sandbox.endpoint, content=body, headers={"Content-Type": "text/xml"})
    answer = RawClient.read(response)
    assert isinstance(answer, Fault)
    return answer


def test_malformed_envelopes_are_refused(world: World, sandbox: RunningSandbox) -> None:
    assert _post(sandbox, b"not xml").code == "E_DU_LIEU"
    good = raw(sandbox).envelope("TraCuuKetQua", {"MaTiepNhan": "TN1"})
    declaration_end = good.index(b"?>") + 2
    doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    with_doctype = good[:declaration_end] + doctype + good[declaration_end:]
    assert _post(sandbox, with_doctype).code == "E_DU_LIEU"
    document = world.document(0)
    upper = raw(sandbox).envelope(
        "NopHocBa",
        {
            "MaDonViGui": UNIT,
            "MaLoGui": "lo-hoa",
            "NamHoc": world.year,
            "MaTruong": world.school,
            "DanhSachHocBa": {
                "HocBa": {"MaHoSo": document.record_id, "NoiDung": "eA==", "MaBam": "A" * 64}
            },
        },
    )
    assert _post(sandbox, upper).code == "E_DU_LIEU"
    assert sandbox.app.store.counts()["submission"] == 0


def test_limits_answer_429_and_503_with_thu_lai_sau(make_sandbox: Factory) -> None:
    limited = make_sandbox(faults=FaultPlan(rate_limit=RateLimit(rate=1, concurrent=1)))
    client = raw(limited)
    answers = [client.look_up([{"MaHocSinh": "1234567890"}]) for _ in range(2)]
    assert isinstance(answers[1], Fault)
    assert (answers[1].status, answers[1].code, answers[1].retry_after) == (429, "E_QUA_TAI", "1")

    limited.app.apply_plan(FaultPlan(maintenance=[Window(seconds=30)]))
    response = httpx.post(
        limited.endpoint, content=client.envelope("TraCuuKetQua", {"MaTiepNhan": "TN1"})
    )
    answer = RawClient.read(response)
    assert isinstance(answer, Fault)
    assert (answer.status, answer.code) == (503, "E_BAO_TRI")
    assert answer.retry_after is not None
    assert 28 <= int(answer.retry_after) <= 30
    assert response.headers["retry-after"] == answer.retry_after


def test_the_real_client_reads_the_served_wsdl(sandbox: RunningSandbox) -> None:
    """zeep loads the WSDL the sandbox publishes and finds the four operations there."""
    import zeep

    served = zeep.Client(sandbox.endpoint + "?wsdl")
    operations = set(served.service._binding._operations)
    assert operations == {"NopHocBa", "TraCuuKetQua", "TraCuuHocSinh", "ThuHoiHocBa"}
    assert served.service._binding_options["address"] == sandbox.endpoint
    with make_client(sandbox) as client:
        assert client.endpoint == sandbox.endpoint
