"""TraCuuHocSinh in chunks of 1,000; ThuHoiHocBa then a replacement (ThayTheCho)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.ministry.client import MinistryClient
from hub.ministry.errors import NotFound
from hub.ministry.messages import LearnerQuery
from hub.sandbox import RunningSandbox

from .conftest import make_client
from .world import World

Factory = Callable[..., RunningSandbox]


def test_look_up_in_chunks_of_1000_keeps_the_order(world: World, make_sandbox: Factory) -> None:
    extra = [
        {**world.roster[0], "MaHocSinh": f"79{n:010d}", "SoDinhDanh": None} for n in range(2200)
    ]
    sandbox = make_sandbox(roster=[*world.roster, *extra])
    asked = [LearnerQuery(learner_code=str(row["MaHocSinh"])) for row in extra]
    asked.insert(1500, LearnerQuery(learner_code="123456789012"))  # unknown, mid-way
    with make_client(sandbox) as client:
        found = client.look_up(asked)
    assert client.metrics.requests["TraCuuHocSinh"] == 3  # 1000 + 1000 + 201
    assert len(found) == len(asked)
    assert found[1500] is None
    codes = [r.learner_code for r in found if r is not None]
    assert codes == [str(row["MaHocSinh"]) for row in extra]


def test_look_up_by_personal_id_gives_the_current_enrolment(
    world: World, client: MinistryClient
) -> None:
    row = world.roster[0]
    [found] = client.look_up([LearnerQuery(personal_id=str(row["SoDinhDanh"]))])
    assert found is not None
    assert (found.learner_code, found.school, found.school_year, found.class_name) == (
        row["MaHocSinh"],
        row["MaTruong"],
        row["NamHoc"],
        row["TenLop"],
    )


def test_withdraw_then_replace(world: World, client: MinistryClient) -> None:
    receipt = client.submit(world.submission([world.document(0)], "lo-goc"))
    [original] = client.wait_for_result(receipt.receipt).documents
    assert original.transcript_id is not None

    # Without withdrawal, a second transcript for the learner is HB301 ...
    receipt = client.submit(world.submission([world.document(0)], "lo-sua-1"))
    [second] = client.wait_for_result(receipt.receipt).documents
    assert [e.code for e in second.errors] == ["HB301"]
    # ... and naming the one in force as replaced is HB302 (it is not withdrawn).
    early = world.document(0, replaces=original.transcript_id)
    receipt = client.submit(world.submission([early], "lo-sua-2"))
    [refused] = client.wait_for_result(receipt.receipt).documents
    assert [e.code for e in refused.errors] == ["HB302"]

    assert client.withdraw(original.transcript_id, "Sai điểm trung bình môn Toán") == "DA_THU_HOI"
    assert client.withdraw(original.transcript_id, "Gửi lại") == "DA_THU_HOI"  # idempotent

    corrected = world.document(0, replaces=original.transcript_id)
    receipt = client.submit(world.submission([corrected], "lo-sua-3"))
    [replacement] = client.wait_for_result(receipt.receipt).documents
    assert replacement.accepted, replacement.errors
    assert replacement.transcript_id not in (None, original.transcript_id)

    # A withdrawn transcript is replaced once only.
    again = world.document(0, replaces=original.transcript_id)
    receipt = client.submit(world.submission([again], "lo-sua-4"))
    [twice] = client.wait_for_result(receipt.receipt).documents
    assert [e.code for e in twice.errors] == ["HB302"]


def test_withdrawing_an_unknown_transcript_is_not_found(client: MinistryClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.withdraw("HB202400000000000000", "Không có")
    assert caught.value.code == "E_KHONG_TIM_THAY"
    assert client.metrics.requests["ThuHoiHocBa"] == 1
