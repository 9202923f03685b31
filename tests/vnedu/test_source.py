"""The vnEdu source against the fake vnEdu: records, documents, the cursor, what goes wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hub_vnedu.client import ClientState, VneduClient
from hub_vnedu.config import Settings
from hub_vnedu.source import VneduSource, parse_cursor

from hub.api import Checkpoint, CursorError, Problem, RawRecord, SchoolLevel, Severity
from hub.testing import ReadResult, read_all, sample_transcripts

from .conftest import options
from .fake import FakeVnedu
from .items import details_of, item_of, school_of

A, B = "56100001", "56100002"
Factory = Callable[[Settings, ClientState], VneduClient]


def _plain(
    vnedu_id: str, updated: str = "2025-05-28T08:00:00+07:00", **more: Any
) -> dict[str, Any]:
    """An item with just what the source itself looks at (paging tests need no grades)."""
    return {
        "vnedu_id": vnedu_id,
        "ma_hs_bo": "5610000100" + vnedu_id[-3:],
        "so_dinh_danh": "056211234567",
        "quoc_tich": "Việt Nam",
        "giay_to_nuoc_ngoai": None,
        "updated_at": updated,
        **more,
    }


def _two_schools(fake: FakeVnedu, per_school: int = 3) -> None:
    for code in (A, B):
        fake.add_school(code, f"Trường THCS {code}", "03")
        fake.students[code] = [_plain(f"VN{code}-{n:06d}") for n in range(per_school)]
        for item in fake.students[code][:-1]:  # the last learner of each school is unsigned
            fake.documents[item["vnedu_id"]] = f"<HocBaSo id='{item['vnedu_id']}'/>".encode()


def _source(factory: Factory, **more: Any) -> VneduSource:
    return VneduSource(options(**more), client_factory=factory)


def _kept(date_header: datetime) -> str:
    """The `updated_since` a read keeps: the first page's Date, less one second."""
    return (date_header - timedelta(seconds=1)).isoformat()


def _since(result: ReadResult) -> dict[str, dict[str, str]]:
    assert result.cursor is not None
    return parse_cursor(result.cursor).since


def test_one_record_per_learner_with_its_document(fake: FakeVnedu, client_factory: Factory) -> None:
    _two_schools(fake)
    result = read_all(_source(client_factory), None)
    assert [r.key for r in result.records] == [f"VN{c}-{n:06d}" for c in (A, B) for n in range(3)]
    assert not result.problems
    for record in result.records:
        assert record.mapping == "vnedu-secondary"
        document = record.vendor_document
        assert document is not None
        assert document.location.url == f"GET /v2/transcripts/{record.key}"
        expected = fake.documents.get(record.key)
        assert document.content == expected  # exact bytes, or None while unsigned (404)
    assert sum(r.vendor_document.content is None for r in result.records) == 2  # type: ignore[union-attr]
    # the token, the schools list, one page per school, one document per learner
    assert fake.count("/oauth/token") == 1
    assert fake.count("/v2/schools") == 1 + 2 + 0
    assert fake.count("/v2/transcripts/") == 6


def test_where_each_value_was(fake: FakeVnedu, client_factory: Factory) -> None:
    (t,) = sample_transcripts(SchoolLevel.LOWER_SECONDARY, 1, seed=5)
    code = t.header.school_code
    fake.add_school(**{"code": code, "name": t.header.school_name, "level": "03"})
    fake.students[code] = [item_of(t, "VN-000123")]
    (record,) = read_all(_source(client_factory, schools=[code]), None).records
    page = f"GET /v2/schools/{code}/students?nam_hoc=2024-2025"
    assert record.location_of(()).describe() == f"{page} › VN-000123"
    at = record.location_of(("ket_qua", "Toán", "hk1", "tx", 2))
    assert at.describe() == f"{page} › VN-000123 › ket_qua › Toán › hk1 › tx[2]"
    assert at.url == page
    listed = record.location_of(("school", "ten_truong"))
    assert (listed.url, listed.vendor_key) == ("GET /v2/schools?nam_hoc=2024-2025", code)
    assert record.location_of(("no_such_key", 3)) == record.location_of(())


def test_pages_of_200_are_all_read(fake: FakeVnedu, client_factory: Factory) -> None:
    fake.add_school(A, "Trường A", "03")
    fake.students[A] = [_plain(f"VN{A}-{n:06d}") for n in range(450)]
    result = read_all(_source(client_factory, schools=[A]), None)
    assert len(result.records) == 450
    pages = [q for _m, p, q in fake.requests if p.endswith("/students")]
    assert [q.get("cursor") for q in pages] == [None, "200", "400"]
    assert all(q["limit"] == "200" and q["nam_hoc"] == "2024-2025" for q in pages)


def test_a_second_read_with_nothing_changed_asks_only_the_first_page(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    _two_schools(fake)
    first = read_all(_source(client_factory, schools=[A, B]), None)
    kept = _kept(fake.now)
    assert _since(first) == {"2024-2025": {A: kept, B: kept}}
    fake.requests.clear()
    fake.tick(60)
    second = read_all(_source(client_factory, schools=[A, B]), first.cursor)
    assert not second.records
    assert not second.problems
    paths = [p for _m, p, _q in fake.requests]
    assert paths == ["/oauth/token", f"/v2/schools/{A}/students", f"/v2/schools/{B}/students"]
    assert all(
        q["updated_since"] == first_since
        for (_m, _p, q), first_since in zip(
            fake.requests[1:], [_since(first)["2024-2025"][A]] * 2, strict=True
        )
    )
    # without `schools`, the list of schools is asked too, and nothing more
    fake.requests.clear()
    read_all(_source(client_factory), second.cursor)
    assert [p for _m, p, _q in fake.requests] == ["/oauth/token", "/v2/schools", *paths[1:]]


def test_an_updated_learner_is_read_again_and_only_it(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    _two_schools(fake)
    first = read_all(_source(client_factory), None)
    fake.tick(3600)
    fake.students[B][1]["updated_at"] = fake.now.isoformat()
    fake.students[B][1]["nhan_xet_gvcn"] = "Tiến bộ."
    fake.tick(5)
    second = read_all(_source(client_factory), first.cursor)
    assert [r.key for r in second.records] == [f"VN{B}-000001"]
    assert second.records[0].data["nhan_xet_gvcn"] == "Tiến bộ."


@pytest.mark.parametrize("strictly_after", [False, True], ids=["at-or-after", "after"])
def test_the_cursor_is_the_servers_date_before_paging(
    fake: FakeVnedu, client_factory: Factory, strictly_after: bool
) -> None:
    """vnEdu's clock is hours behind the hub's here; a learner changes while page 2 is read,
    in the same second as page 1's Date, and vnEdu keeps updated_at in whole seconds."""
    fake.strictly_after = strictly_after
    fake.add_school(A, "Trường A", "03")
    fake.students[A] = [_plain(f"VN{A}-{n:06d}") for n in range(300)]
    fake.now = datetime.fromisoformat("2025-06-01T01:00:00+00:00")  # hours before the hub's now
    started = fake.now

    def change_page_one_learner(school: str, page: int) -> None:
        if page == 2:
            fake.tick(0.5)  # during the read, after page 1 answered
            whole = fake.now.replace(microsecond=0)
            fake.students[A][7]["updated_at"] = whole.isoformat()

    fake.on_page = change_page_one_learner  # the same second as page 1's Date, just after it
    first = read_all(_source(client_factory, schools=[A]), None)
    assert _since(first)["2024-2025"][A] == _kept(started)  # page 1's Date, not page 2's
    fake.on_page = None
    fake.tick(30)
    second = read_all(_source(client_factory, schools=[A]), first.cursor)
    assert [r.key for r in second.records] == [f"VN{A}-000007"]  # not skipped


def test_no_date_header_leaves_the_cursor_where_it_was(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    _two_schools(fake)
    fake.send_date = False
    first = read_all(_source(client_factory), None)
    assert len(first.records) == 6
    assert _since(first) == {}
    assert len(read_all(_source(client_factory), first.cursor).records) == 6  # read again


def test_a_school_whose_page_failed_is_read_again_next_sync(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    _two_schools(fake, per_school=250)
    fake.fail(f"/v2/schools/{A}/students", *[httpx.Response(200, content=b'{"items": [')] * 1)
    original = fake._page
    failed: list[int] = []

    def page_two_fails(school: str, query: dict[str, str]) -> httpx.Response:
        if school == A and query.get("cursor") == "200" and len(failed) < 4:
            failed.append(1)
            return httpx.Response(503)
        return original(school, query)

    fake._page = page_two_fails  # type: ignore[method-assign]
    first = read_all(_source(client_factory, schools=[A, B], retries=3), None)
    (problem,) = first.problems
    assert problem.code == "VENDOR_PAGE_FAILED"
    assert problem.severity is Severity.ERROR
    assert problem.record_key is None
    assert problem.location.url == (
        f"GET /v2/schools/{A}/students?nam_hoc=2024-2025&limit=200&cursor=200"
    )
    assert "HTTP 503" in problem.found
    assert "4 attempts" in problem.message_en
    assert "hub sync" in problem.message_vi
    assert "hub sync" in problem.message_en
    assert len([r for r in first.records if r.key.startswith(f"VN{B}")]) == 250
    assert _since(first)["2024-2025"] == {B: _kept(fake.now)}  # A's cursor did not move
    fake.tick(60)
    second = read_all(_source(client_factory, schools=[A, B]), first.cursor)
    assert len(second.records) == 250
    assert all(r.key.startswith(f"VN{A}") for r in second.records)
    assert set(_since(second)["2024-2025"]) == {A, B}


def test_a_learner_listed_twice_across_pages_is_a_problem_not_two_records(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    fake.add_school(A, "Trường A", "03")
    fake.students[A] = [_plain(f"VN{A}-{n:06d}") for n in range(250)]
    again = fake.students[A][3]
    original = fake._page

    def with_repeat(school: str, query: dict[str, str]) -> httpx.Response:
        answer = original(school, query)
        if query.get("cursor") == "200":
            body = json.loads(answer.content)
            body["items"].append(again)
            return fake._json(200, body)
        return answer

    fake._page = with_repeat  # type: ignore[method-assign]
    result = read_all(_source(client_factory, schools=[A]), None)
    (problem,) = result.problems
    assert (problem.code, problem.record_key) == ("DUPLICATE_LEARNER", again["vnedu_id"])
    assert "1, 2" in problem.message_en
    assert again["vnedu_id"] not in {r.key for r in result.records}
    assert len(result.records) == 249
    assert _since(result) == {}  # read again next sync


def test_a_vietnamese_learner_without_personal_id_is_a_problem(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    fake.add_school(A, "Trường A", "03")
    foreign = {"loai": "PASSPORT", "so": "M1234567", "quoc_gia_cap": "KR"}
    fake.students[A] = [
        _plain("VN-1", so_dinh_danh=None),
        _plain("VN-2", so_dinh_danh="  ", quoc_tich=None),
        _plain("VN-3", so_dinh_danh=None, quoc_tich="Hàn Quốc", giay_to_nuoc_ngoai=foreign),
        _plain("VN-4"),
    ]
    result = read_all(_source(client_factory, schools=[A]), None)
    assert [r.key for r in result.records] == ["VN-3", "VN-4"]
    assert [(p.code, p.record_key) for p in result.problems] == [
        ("VALUE_MISSING", "VN-1"),
        ("VALUE_MISSING", "VN-2"),
    ]
    problem = result.problems[0]
    assert problem.location.vendor_key == "VN-1 › so_dinh_danh"
    assert "so_dinh_danh" in problem.message_vi
    assert "HB101" in problem.message_en
    assert fake.count("/v2/transcripts/VN-1") == 0  # no document asked for a learner kept out


def test_a_document_that_cannot_be_fetched_keeps_the_learner_and_school_for_next_sync(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    _two_schools(fake)
    fake.fail(f"/v2/transcripts/VN{A}-000001", *[httpx.Response(500)] * 3)
    result = read_all(_source(client_factory, retries=2), None)
    (problem,) = result.problems
    assert (problem.code, problem.record_key) == ("VENDOR_DOCUMENT_FAILED", f"VN{A}-000001")
    assert problem.location.url == f"GET /v2/transcripts/VN{A}-000001"
    assert len(result.records) == 5
    assert set(_since(result)["2024-2025"]) == {B}


def test_document_fetches_one_again(fake: FakeVnedu, client_factory: Factory) -> None:
    source = _source(client_factory)
    fake.documents["VN-9"] = b"<HocBaSo/>"
    got = source.document("VN-9", A, "2024-2025")
    assert (got.content, got.location.url) == (b"<HocBaSo/>", "GET /v2/transcripts/VN-9")
    assert source.document("VN-8", A, "2024-2025").content is None
    assert fake.requests[-1][2] == {"nam_hoc": "2024-2025"}
    assert fake.count("/oauth/token") == 1  # the token is kept between calls


def test_a_configured_school_vnedu_does_not_list(fake: FakeVnedu, client_factory: Factory) -> None:
    fake.add_school(A, "Trường A", "03")
    fake.students[B] = [_plain("VN-1")]  # readable, but not in GET /v2/schools
    result = read_all(_source(client_factory, schools=[B]), None)
    assert not result.records
    (problem,) = result.problems
    assert (problem.code, problem.record_key) == ("VENDOR_SCHOOL_UNKNOWN", "VN-1")


def test_a_garbled_cursor_raises_and_a_future_one_reads_nothing(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    _two_schools(fake)
    for garbled in (
        '{"garbled": ',
        '{"version": 1, "since": {"2024-2025": {"x": "yesterday"}}}',
        '{"version": 1, "since": {"2024-2025": {"x": "2025-01-01T00:00:00"}}}',
        "[]",
    ):
        with pytest.raises(CursorError):
            read_all(_source(client_factory), garbled)
    future = (fake.now + timedelta(days=3650)).isoformat()
    cursor = json.dumps({"version": 1, "since": {"2024-2025": {A: future, B: future}}})
    fake.requests.clear()
    result = read_all(_source(client_factory, schools=[A, B]), cursor)
    assert not result.records
    assert [p.code for p in result.problems] == ["CURSOR_IN_FUTURE"] * 2
    assert all(p.severity is Severity.WARNING for p in result.problems)
    assert fake.count("/v2/transcripts/") == 0
    assert _since(result)["2024-2025"] == {A: future, B: future}


def test_a_checkpoint_after_each_school(fake: FakeVnedu, client_factory: Factory) -> None:
    _two_schools(fake)
    items = list(_source(client_factory).read(None))
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["RawRecord"] * 3 + ["Checkpoint"] + ["RawRecord"] * 3 + ["Checkpoint"] * 2
    first = items[3]
    assert isinstance(first, Checkpoint)
    assert set(parse_cursor(first.cursor).since["2024-2025"]) == {A}
    assert all(isinstance(i, RawRecord | Problem | Checkpoint) for i in items)


def test_schools_details_and_defaults(fake: FakeVnedu, client_factory: Factory) -> None:
    (t,) = sample_transcripts(SchoolLevel.LOWER_SECONDARY, 1, seed=5)
    code = t.header.school_code
    fake.schools.append(school_of(t))
    fake.students[code] = [item_of(t, "VN-1")]
    (record,) = read_all(_source(client_factory, schools=[code]), None).records
    school = record.data["school"]
    assert school["ma_so_gd"] == code[:2]  # the school code's province
    assert school["noi_cap"]  # the province's name
    assert school["ngay_lap"] == "2025-05-28"  # the day vnEdu last changed the learner
    detailed = _source(client_factory, schools=[code], school_details={code: details_of(t)})
    (record,) = read_all(detailed, None).records
    assert record.data["school"]["ngay_lap"] == t.header.issue_date.isoformat()
    assert record.data["school"]["noi_cap"] == t.header.place_of_issue


def test_document_failing_after_retries_is_a_usage_error_saying_what(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    from hub.api import UsageError

    fake.fail("/v2/transcripts/", *[httpx.Response(502)] * 3)
    with pytest.raises(UsageError) as caught:
        _source(client_factory, retries=2).document("VN-9", A, "2024-2025")
    assert "GET /v2/transcripts/VN-9?nam_hoc=2024-2025" in caught.value.message_en
    assert "HTTP 502" in caught.value.message_vi


def test_a_schools_problems_come_after_its_records(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    """The hub files a problem under the batch of the record before it: B's problem must
    follow a record of B, not A's last one."""
    _two_schools(fake)
    fake.students[B][0]["so_dinh_danh"] = None
    items = list(_source(client_factory).read(None))
    (at,) = [n for n, i in enumerate(items) if isinstance(i, Problem)]
    before = items[at - 1]
    assert isinstance(before, RawRecord)
    assert before.key.startswith(f"VN{B}")


def test_a_schools_list_that_fails_keeps_each_learner_out_with_that_reason(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    _two_schools(fake)
    fake.fail("/v2/schools$", *[httpx.Response(500)] * 3)  # the list, then its two retries
    result = read_all(_source(client_factory, schools=[A], retries=2), None)
    assert not result.records
    codes = [(p.code, p.record_key) for p in result.problems]
    assert codes[0] == ("VENDOR_PAGE_FAILED", None)  # the list's own request
    assert codes[1:] == [("VENDOR_PAGE_FAILED", f"VN{A}-{n:06d}") for n in range(3)]
    assert "list of schools" in result.problems[1].message_en
    assert _since(result) == {}


def test_a_learner_read_within_the_margin_is_not_read_again_unchanged(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    """The cursor keeps a second's margin; what the last read delivered in that second, and
    has not changed since, is not a record again (nor a document request)."""
    _two_schools(fake)
    first = read_all(_source(client_factory), None)
    fake.tick(60)
    fake.students[A][0]["updated_at"] = fake.now.isoformat()  # touched just before the read
    second = read_all(_source(client_factory), first.cursor)
    assert [r.key for r in second.records] == [f"VN{A}-000000"]
    fake.requests.clear()
    third = read_all(_source(client_factory), second.cursor)  # the same second: listed again
    assert not third.records
    assert fake.count("/v2/transcripts/") == 0
    fake.students[A][0]["nhan_xet_gvcn"] = "Sửa lại."  # changed within that second
    fourth = read_all(_source(client_factory), third.cursor)
    assert [r.key for r in fourth.records] == [f"VN{A}-000000"]


def test_what_the_configuration_gives_is_located_there(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    fake.add_school(A, "Trường A", "03")
    fake.students[A] = [_plain("VN-1")]
    (record,) = read_all(_source(client_factory, schools=[A]), None).records
    config = record.location_of(("school", "noi_cap"))
    assert (config.file, config.sheet) == ("config", "sources.vnedu")
    assert record.location_of(("school", "cap_hoc")).url == "GET /v2/schools?nam_hoc=2024-2025"


def test_an_entry_that_is_no_learner_is_counted_as_a_problem(
    fake: FakeVnedu, client_factory: Factory
) -> None:
    fake.add_school(A, "Trường A", "03")
    no_id = _plain("x")
    no_id["vnedu_id"] = None
    fake.students[A] = [_plain("VN-1")]
    original = fake._page

    def odd_entries(school: str, query: dict[str, str]) -> httpx.Response:
        body = json.loads(original(school, query).content)
        body["items"] += ["not a learner", no_id]
        return fake._json(200, body)

    fake._page = odd_entries  # type: ignore[method-assign]
    result = read_all(_source(client_factory, schools=[A]), None)
    assert [r.key for r in result.records] == ["VN-1"]
    assert [(p.code, p.record_key) for p in result.problems] == [
        ("VALUE_INVALID", f"{A}#1.1"),  # page 1, entry 1: no key of its own
        ("VALUE_INVALID", no_id["ma_hs_bo"]),  # the sector code keys it
    ]
    assert all(p.location.vendor_key for p in result.problems)
