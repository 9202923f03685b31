"""The simulated endpoints answer as sources.md says: OAuth, schools, cursor pages,
updated_since, documents (404 while unsigned), tokens that expire, the 5/s rate limit."""

from __future__ import annotations

import base64
import math
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_vnedu.sim import RunningSimulator, running_simulator

from hub.document.check import check_document
from hub.signing.trust import TrustStore
from hub.signing.verify import verify_document

from .helpers import SECRET, YEAR, Api, learners


def _token(sim: RunningSimulator, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{sim.base_url}/oauth/token", timeout=10, **kwargs)


@pytest.fixture(scope="module")
def trust(state_dir: Path) -> TrustStore:
    return TrustStore.from_folder(state_dir / "trust")


@pytest.fixture(scope="module")
def schools(sim: RunningSimulator) -> list[str]:
    api = Api(sim.base_url)
    api.login()
    codes = [s["ma_truong"] for s in api.get("/v2/schools").json()["items"]]
    api.close()
    return codes


# --- OAuth ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["form", "json", "basic"])
def test_client_credentials_give_a_bearer_token(sim: RunningSimulator, how: str) -> None:
    fields = {"grant_type": "client_credentials", "client_id": "hub-test", "client_secret": SECRET}
    if how == "form":
        answer = _token(sim, data=fields)
    elif how == "json":
        answer = _token(sim, json=fields)
    else:
        basic = base64.b64encode(f"hub-test:{SECRET}".encode()).decode()
        answer = _token(
            sim,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    schools = httpx.get(
        f"{sim.base_url}/v2/schools",
        params={"nam_hoc": YEAR},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert schools.status_code == 200


@pytest.mark.parametrize(
    ("client_id", "secret"), [("hub-test", "wrong"), ("someone-else", SECRET), ("", "")]
)
def test_wrong_credentials_are_invalid_client(
    sim: RunningSimulator, client_id: str, secret: str
) -> None:
    answer = _token(sim, data={"grant_type": "client_credentials", "client_id": client_id,
                               "client_secret": secret})  # fmt: skip
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_another_grant_type_is_refused(sim: RunningSimulator) -> None:
    answer = _token(sim, data={"grant_type": "password", "client_id": "hub-test",
                               "client_secret": SECRET})  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_no_token_or_an_unknown_one_is_401(api: Api) -> None:
    anonymous = api.http.get("/v2/schools", params={"nam_hoc": YEAR})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_token"
    assert "Bearer" in anonymous.headers["www-authenticate"]
    api.token = "not-a-token"
    assert api.get("/v2/schools").status_code == 401


def test_a_token_expires_after_its_lifetime_and_a_new_one_works(state_dir: Path) -> None:
    with running_simulator(state_dir, client_secret=SECRET, token_lifetime=1) as sim:
        api = Api(sim.base_url)
        assert (
            api.http.post(
                "/oauth/token",
                data={"client_id": "hub-test", "client_secret": SECRET},
            ).json()["expires_in"]
            == 1
        )
        api.login()
        assert api.get("/v2/schools").status_code == 200
        time.sleep(1.2)
        expired = api.get("/v2/schools")
        assert expired.status_code == 401
        assert expired.json()["error"] == "invalid_token"
        api.login()
        assert api.get("/v2/schools").status_code == 200
        api.close()


# --- Date header ---------------------------------------------------------------------------


def test_every_answer_carries_a_date_header(api: Api, schools: list[str]) -> None:
    before = datetime.now().astimezone().replace(microsecond=0)
    answers = [
        api.http.post("/oauth/token", data={"client_id": "x", "client_secret": "y"}),  # 401
        api.get("/v2/schools"),
        api.get(f"/v2/schools/{schools[0]}/students", limit=2),
        api.get("/v2/schools/99999999/students"),  # 404
        api.get("/v2/transcripts/VN00000000-000000"),  # 404
        api.http.get("/v2/schools"),  # 401
    ]
    for answer in answers:
        moment = parsedate_to_datetime(answer.headers["date"])
        assert moment >= before


# --- schools -------------------------------------------------------------------------------


def test_schools_of_another_year_are_none_and_the_year_is_required(api: Api) -> None:
    assert api.get("/v2/schools", nam_hoc="2023-2024").json() == {"items": []}
    answer = api.http.get("/v2/schools", headers={"Authorization": f"Bearer {api.token}"})
    assert answer.status_code == 400


# --- students ------------------------------------------------------------------------------


def test_cursor_pages_list_every_learner_once_and_end_with_null(
    api: Api, schools: list[str]
) -> None:
    for school in schools:
        whole = api.get(f"/v2/schools/{school}/students").json()
        assert whole["next_cursor"] is None  # fewer than 200: one page
        paged, pages = api.all_items(school, limit=5)
        assert [i["vnedu_id"] for i in paged] == [i["vnedu_id"] for i in whole["items"]]
        assert len({i["vnedu_id"] for i in paged}) == len(paged)
        assert pages == math.ceil(len(paged) / 5)


def test_bad_cursor_limit_and_school_are_refused(api: Api, schools: list[str]) -> None:
    path = f"/v2/schools/{schools[0]}/students"
    assert api.get(path, cursor="garbage!").json()["error"] == "invalid_cursor"
    assert api.get(path, limit=0).status_code == 400
    assert api.get(path, limit="many").status_code == 400
    assert api.get(path, updated_since="yesterday").status_code == 400
    assert api.get(path, updated_since="2025-05-25T00:00:00").status_code == 400  # no offset
    assert api.get("/v2/schools/12345678/students").status_code == 404


@pytest.mark.parametrize("spelling", ["+07:00", "Z"])
def test_updated_since_lists_the_learners_updated_at_or_after(
    api: Api, schools: list[str], spelling: str
) -> None:
    school = schools[0]
    everyone, _ = api.all_items(school)
    moments = sorted(datetime.fromisoformat(i["updated_at"]) for i in everyone)
    since = moments[len(moments) // 2]
    text = since.isoformat()
    if spelling == "Z":
        text = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
    found, _ = api.all_items(school, updated_since=text, limit=3)
    expected = [i["vnedu_id"] for i in everyone if datetime.fromisoformat(i["updated_at"]) >= since]
    assert [i["vnedu_id"] for i in found] == expected
    assert 0 < len(expected) < len(everyone)


def test_another_years_students_are_none(api: Api, schools: list[str]) -> None:
    body = api.get(f"/v2/schools/{schools[0]}/students", nam_hoc="2023-2024").json()
    assert body == {"items": [], "next_cursor": None}


# --- documents -----------------------------------------------------------------------------


def test_signed_documents_pass_the_hubs_receiver_checks(
    api: Api, sim: RunningSimulator, trust: TrustStore
) -> None:
    rows = learners(sim.base_url)
    signed = [r for r in rows if r["document"] == "signed"]
    items = {
        i["vnedu_id"]: i for school in {r["ma_truong"] for r in rows}
        for i in api.all_items(school)[0]
    }  # fmt: skip
    kinds: set[tuple[bool, bool, bool]] = set()
    for row in signed:  # every learner: secondary, primary, foreign, exempt
        answer = api.get(f"/v2/transcripts/{row['vnedu_id']}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/xml")
        report = verify_document(answer.content, trust)
        assert report.ok, [f.code for f in report.findings]
        assert [f.code for f in check_document(answer.content).findings] == []
        item = items[row["vnedu_id"]]
        assert f"<HoVaTen>{item['ho_ten']}</HoVaTen>".encode() in answer.content
        assert f"<MaHocSinh>{item['ma_hs_bo']}</MaHocSinh>".encode() in answer.content
        kinds.add(("pham_chat" in item, item["giay_to_nuoc_ngoai"] is not None,
                   item["khuyet_tat_khong_danh_gia"]))  # fmt: skip
    assert {(True, False, False), (False, False, False)} <= kinds  # primary, secondary
    assert any(foreign for _, foreign, _ in kinds)


def test_a_learner_whose_signing_is_unfinished_is_404(api: Api, sim: RunningSimulator) -> None:
    pending = [r for r in learners(sim.base_url) if r["document"] == "pending"]
    assert pending
    answer = api.get(f"/v2/transcripts/{pending[0]['vnedu_id']}")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    assert (
        api.get(f"/v2/transcripts/{pending[0]['vnedu_id']}", nam_hoc="2023-2024").status_code == 404
    )


# --- the rate limit ------------------------------------------------------------------------


def test_more_than_five_requests_a_second_get_429_with_retry_after(state_dir: Path) -> None:
    with running_simulator(state_dir, client_secret=SECRET) as sim:
        api = Api(sim.base_url)
        api.login()
        answers = [api.get("/v2/schools") for _ in range(8)]
        codes = [a.status_code for a in answers]
        assert codes[:5] == [200] * 5
        assert 429 in codes[5:]
        limited = next(a for a in answers if a.status_code == 429)
        wait = int(limited.headers["retry-after"])
        assert wait >= 1
        assert "date" in limited.headers
        time.sleep(wait)
        assert api.get("/v2/schools").status_code == 200
        api.close()


def test_a_client_keeping_to_five_a_second_is_never_limited(state_dir: Path) -> None:
    with running_simulator(state_dir, client_secret=SECRET) as sim:
        api = Api(sim.base_url)
        api.login()
        codes = []
        for _ in range(12):
            started = time.monotonic()
            codes.append(api.get("/v2/schools").status_code)
            time.sleep(max(0.0, 0.21 - (time.monotonic() - started)))
        assert codes == [200] * 12
        api.close()
