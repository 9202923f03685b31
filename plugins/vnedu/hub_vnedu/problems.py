"""The problems a vnEdu read reports, each saying what is wrong and what to do (vi, then en).

Where it is lives in the Problem's location (the request, the school's code or the learner's
vnedu_id), never in the messages. A problem that keeps a learner out carries the learner's
record key (the vnedu_id), so rows in = records out + learners with problems; a problem of a
whole school or page (a page that failed after its retries) carries none, and the school is
read again by the next sync because its cursor did not move.
"""

from __future__ import annotations

from hub.api import Problem, ProblemCode, Provenance, Severity

PAGE_FAILED = "VENDOR_PAGE_FAILED"
REFUSED = "VENDOR_REFUSED"
DOCUMENT_FAILED = "VENDOR_DOCUMENT_FAILED"
SCHOOL_UNKNOWN = "VENDOR_SCHOOL_UNKNOWN"
CURSOR_IN_FUTURE = "CURSOR_IN_FUTURE"

_AGAIN_VI = "trường sẽ được đọc lại ở lần đồng bộ sau (`hub sync`); nếu lỗi còn, báo vnEdu"
_AGAIN_EN = "the school is read again by the next sync (`hub sync`); if it persists, tell vnEdu"


def page_failed(shown: str, school: str, year: str, cause: str, attempts: int) -> Problem:
    """A page of a school's learners (or the schools list) still failed after its retries."""
    return Problem.at(
        PAGE_FAILED,
        Provenance(url=shown, vendor_key=school or None),
        cause,
        "HTTP 200 with a JSON page",
        f"vnEdu vẫn lỗi sau {attempts} lần thử ({cause}) khi đọc năm học {year}; {_AGAIN_VI}",
        f"vnEdu still failed after {attempts} attempts ({cause}) reading the year {year}; "
        f"{_AGAIN_EN}",
        school=(school, year) if school else None,
    )


def refused(shown: str, school: str, year: str, status: int, detail: str) -> Problem:
    """vnEdu refused a request it will keep refusing (400, 403, a school it does not know)."""
    return Problem.at(
        REFUSED,
        Provenance(url=shown, vendor_key=school or None),
        detail,
        "HTTP 200",
        f"vnEdu từ chối yêu cầu ({detail}) cho năm học {year}: kiểm tra với vnEdu rằng "
        f"client_id được phép đọc trường này, và mã trường trong tùy chọn `schools`",
        f"vnEdu refused the request ({detail}) for the year {year}: check with vnEdu that the "
        f"client_id may read this school, and the school code in the option `schools`",
        school=(school, year) if school else None,
    )


def duplicate(where: Provenance, vnedu_id: str, pages: list[int]) -> Problem:
    """A learner listed twice across pages: no record, read again next sync."""
    shown = ", ".join(str(p) for p in pages)
    return Problem.at(
        ProblemCode.DUPLICATE_LEARNER.value,
        where,
        vnedu_id,
        "each learner once in the list",
        f"học sinh có mặt {len(pages)} lần trong danh sách (trang {shown}); không nhận bản nào, "
        "học sinh được đọc lại ở lần đồng bộ sau; nếu còn lặp, báo vnEdu",
        f"the learner is listed {len(pages)} times (pages {shown}); neither is taken, the "
        "learner is read again by the next sync; if it repeats, tell vnEdu",
        record_key=vnedu_id,
    )


def missing_personal_id(where: Provenance, key: str) -> Problem:
    """A Vietnamese learner (quoc_tich Việt Nam, no foreign papers) without so_dinh_danh."""
    return Problem.at(
        ProblemCode.VALUE_MISSING.value,
        where,
        "",
        "12 digits (so_dinh_danh)",
        "học sinh quốc tịch Việt Nam chưa có số định danh cá nhân (so_dinh_danh); bổ sung trên "
        "vnEdu (học bạ thiếu số này bị Bộ từ chối, HB101)",
        "a Vietnamese learner has no personal ID (so_dinh_danh); add it in vnEdu (the ministry "
        "refuses a transcript without it, HB101)",
        record_key=key,
    )


def bad_item(where: Provenance, key: str, found: str, what_vi: str, what_en: str) -> Problem:
    """An item the hub cannot take as a learner at all (not an object, no usable vnedu_id)."""
    return Problem.at(
        ProblemCode.VALUE_INVALID.value,
        where,
        found[:80],
        "a learner item with its vnedu_id",
        f"{what_vi}; báo vnEdu",
        f"{what_en}; tell vnEdu",
        record_key=key,
    )


def document_failed(where: Provenance, key: str, cause: str, attempts: int) -> Problem:
    """The learner's signed document could not be fetched after its retries."""
    return Problem.at(
        DOCUMENT_FAILED,
        where,
        cause,
        "HTTP 200 (application/xml) or 404",
        f"không tải được học bạ đã ký sau {attempts} lần thử ({cause}); học sinh được đọc lại ở "
        "lần đồng bộ sau",
        f"the signed document could not be fetched after {attempts} attempts ({cause}); the "
        "learner is read again by the next sync",
        record_key=key,
    )


def document_refused(where: Provenance, key: str, detail: str) -> Problem:
    return Problem.at(
        DOCUMENT_FAILED,
        where,
        detail,
        "HTTP 200 (application/xml) or 404",
        f"vnEdu từ chối trả học bạ đã ký ({detail}); báo vnEdu",
        f"vnEdu refused to return the signed document ({detail}); tell vnEdu",
        record_key=key,
    )


def school_unknown(where: Provenance, key: str, school: str, year: str) -> Problem:
    """A configured school GET /v2/schools does not list: its name and level are unknown."""
    return Problem.at(
        SCHOOL_UNKNOWN,
        where,
        school,
        "a school GET /v2/schools lists",
        f"trường {school} không có trong danh sách trường vnEdu cho năm học {year}, nên không "
        "biết tên và cấp học; sửa tùy chọn `schools` hoặc hỏi vnEdu",
        f"the school {school} is not in vnEdu's list of schools for {year}, so its name and "
        "level are unknown; correct the option `schools` or ask vnEdu",
        record_key=key,
    )


def school_list_failed(where: Provenance, key: str, year: str) -> Problem:
    """A learner whose school's name and level are unknown: GET /v2/schools failed."""
    return Problem.at(
        PAGE_FAILED,
        where,
        "",
        "the school in GET /v2/schools",
        f"không đọc được danh sách trường vnEdu năm học {year} nên chưa biết tên và cấp học của "
        f"trường; {_AGAIN_VI}",
        f"vnEdu's list of schools for {year} could not be read, so the school's name and level "
        f"are unknown; {_AGAIN_EN}",
        record_key=key,
    )


def cursor_in_future(shown: str, school: str, since: str, server: str) -> Problem:
    return Problem.at(
        CURSOR_IN_FUTURE,
        Provenance(url=shown, vendor_key=school),
        since,
        f"a time not after vnEdu's clock ({server})",
        f"con trỏ đọc ở tương lai so với đồng hồ vnEdu ({server}); không đọc gì. Nếu sai, đọc "
        "lại từ đầu: `hub sync --full`",
        f"the read cursor is in the future of vnEdu's clock ({server}); nothing is read. If it "
        "is wrong, read from the start: `hub sync --full`",
        Severity.WARNING,
    )
