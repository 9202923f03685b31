"""The vnEdu source: every learner changed since the cursor, per school and year, with its
document as vnEdu signed it.

    read(cursor)
      for each year of `years`, each school (`schools`, or every one GET /v2/schools lists):
        GET /v2/schools/{ma_truong}/students?nam_hoc=…&limit=200[&updated_since=…]  (pages)
        per learner: a RawRecord (key = vnedu_id) with its VendorDocument
                     (GET /v2/transcripts/{vnedu_id}?nam_hoc=…: the bytes, or None on 404)
                     — or the Problems that keep it out
        Checkpoint(cursor)                              after each school

The cursor (an opaque JSON string) holds, per year and school, the `updated_since` of that
school's next read. It is the **server's** time, never the hub's: the `Date` header of the
answer to the school's first page, taken before paging on. vnEdu lists a learner whose
`updated_at` is at or after `updated_since`; a learner changed while the pages are read was
changed after that first answer, so its `updated_at` is after the time the cursor keeps (the
Date less one second) and the next read lists it again — whichever page it moved to or from.
(Date is whole seconds, rounded down; the second taken off keeps a learner changed within it
from being skipped by a server that compares `>` on whole seconds: at worst such a learner is
listed twice; the cursor also keeps, for the learners it will list again because of that
second, a digest of each as delivered, and the next read passes over those still the same.
The hub's clock, which may be minutes off vnEdu's, is never compared with vnEdu's times.)
An answer without a Date leaves the school's cursor where it was: the school is read again
from there.

A school's cursor moves only when everything of it was read: a page that failed after its
retries, a learner listed twice, or a document that could not be fetched leaves it in place
(with a Problem saying so), so the next sync reads the school again. A cursor ahead of vnEdu's
clock reads nothing, with a warning. A second read with nothing changed sends the token
request and one page per school, and nothing else (with `schools` configured, not even the
schools list: it is asked only when a learner needs its school's name and level).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hub.api import (
    Checkpoint,
    CodeLists,
    CursorError,
    Problem,
    Provenance,
    ReadItem,
    UsageError,
    VendorDocument,
    fold,
    load_codes,
)
from hub_vnedu import problems as said
from hub_vnedu.client import (
    Answer,
    BadBody,
    ClientState,
    VneduClient,
    VneduRefused,
    VneduUnavailable,
    shown,
)
from hub_vnedu.config import Settings, settings_of
from hub_vnedu.record import (
    build_record,
    school_facts,
    students_path,
    transcript_path,
    usable_id,
)

PAGE_SIZE = 200
DATE_MARGIN = timedelta(seconds=1)
"""Taken off the first page's Date for the next `updated_since`: Date is whole seconds, and a
server that keeps `updated_at` in whole seconds too and lists only `updated_at >
updated_since` would otherwise skip a learner changed later in that same second."""
CLOCK_SLACK = timedelta(minutes=5)
"""How far a cursor may be ahead of vnEdu's Date before it counts as from the future (a
server's clock stepped back a little is not an abnormal cursor: the read goes on)."""
CURSOR_VERSION = 1
_VIET_NAM = {"viet nam", "vn", "vnm"}
ClientFactory = Callable[[Settings, ClientState], VneduClient]


def _default_client(settings: Settings, state: ClientState) -> VneduClient:
    return VneduClient(settings, state=state)


def _check_page(body: Any) -> None:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise BadBody("the page has no items list")
    if body.get("next_cursor") is not None and not isinstance(body["next_cursor"], str):
        raise BadBody("next_cursor is neither a string nor null")


def _check_schools(body: Any) -> None:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise BadBody("the schools answer has no items list")


@dataclass
class _Listed:
    """One item as the pages gave it: the item, the page it came on, and how often."""

    item: dict[str, Any]
    page: int
    url: str
    pages: list[int] = field(default_factory=list)


class VneduSource:
    """A configured vnEdu partner API (see CONFIG_SCHEMA); implements VendorSignedSource."""

    def __init__(
        self,
        options: Mapping[str, Any],
        client_factory: ClientFactory = _default_client,
        codes: CodeLists | None = None,
    ) -> None:
        self.settings = settings_of(dict(options))
        self._client_factory = client_factory
        self._state = ClientState()
        self._codes = codes
        self._schools: dict[str, dict[str, dict[str, Any]] | None] = {}

    def __repr__(self) -> str:
        s = self.settings
        return f"VneduSource({s.base_url!r}, client_id={s.client_id!r}, years={list(s.years)})"

    @property
    def codes(self) -> CodeLists:
        if self._codes is None:
            self._codes = load_codes()
        return self._codes

    @property
    def requests(self) -> int:
        """Requests this source sent so far (the token's included)."""
        return self._state.requests

    # -- VendorSignedSource ---------------------------------------------------------------------

    def document(self, record_key: str, school_code: str, school_year: str) -> VendorDocument:
        """The learner's document again (a learner awaiting vnEdu's signatures).

        Raises:
            UsageError: the credentials are refused, vnEdu cannot be reached, or it still
                failed after the retries (the message says which and what to do).
        """
        with self._client_factory(self.settings, self._state) as client:
            try:
                return self._document(client, record_key, school_year)
            except VneduUnavailable as exc:
                raise UsageError(
                    f"vnEdu tại {self.settings.base_url} vẫn lỗi sau {exc.attempts} lần thử "
                    f"({exc.cause}) khi tải {exc.shown}; chạy lại sau (`hub sync`)",
                    f"vnEdu at {self.settings.base_url} still failed after {exc.attempts} "
                    f"attempts ({exc.cause}) fetching {exc.shown}; run again later (`hub sync`)",
                ) from exc
            except VneduRefused as exc:
                raise UsageError(
                    f"vnEdu tại {self.settings.base_url} từ chối {exc.shown} ({exc.detail}); "
                    "báo vnEdu",
                    f"vnEdu at {self.settings.base_url} refused {exc.shown} ({exc.detail}); "
                    "tell vnEdu",
                ) from exc

    def _document(self, client: VneduClient, vnedu_id: str, year: str) -> VendorDocument:
        path = transcript_path(vnedu_id)
        where = Provenance(url=f"GET {path}", vendor_key=vnedu_id)
        return VendorDocument(client.get_document(path, {"nam_hoc": year}), where)

    # -- read -------------------------------------------------------------------------------

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        state = parse_cursor(cursor)
        self._schools = {}
        with self._client_factory(self.settings, self._state) as client:
            for year in self.settings.years:
                codes = self.settings.schools
                if codes is None:
                    listed = yield from self._school_list(client, year)
                    if listed is None:
                        continue  # reported; the year is read again next sync
                    codes = tuple(listed)
                for school in codes:
                    moved = yield from _records_first(
                        self._read_school(client, year, school, state.of(year, school))
                    )
                    if moved is not None:
                        state.move(year, school, moved)
                    yield Checkpoint(dump_cursor(state))
            yield Checkpoint(dump_cursor(state))

    def _school_list(
        self, client: VneduClient, year: str
    ) -> Generator[ReadItem, None, dict[str, dict[str, Any]] | None]:
        """GET /v2/schools?nam_hoc=… once per year and read: ma_truong → its entry."""
        if year in self._schools:
            return self._schools[year]
        params = {"nam_hoc": year}
        found: dict[str, dict[str, Any]] | None = None
        try:
            answer = client.get_json("/v2/schools", params, _check_schools)
            found = {
                str(e["ma_truong"]): e
                for e in answer.body["items"]
                if isinstance(e, dict) and e.get("ma_truong")
            }
        except VneduUnavailable as exc:
            yield said.page_failed(exc.shown, "", year, exc.cause, exc.attempts)
        except VneduRefused as exc:
            yield said.refused(exc.shown, "", year, exc.status, exc.detail)
        self._schools[year] = found
        return found

    def _read_school(
        self, client: VneduClient, year: str, school: str, last: SchoolCursor
    ) -> Generator[ReadItem, None, SchoolCursor | None]:
        """One school's changed learners; returns its next cursor, or None to stay."""
        path = students_path(school)
        previous = last.since
        params = {"nam_hoc": year, "limit": str(PAGE_SIZE)}
        if previous:
            params["updated_since"] = previous
        listed: dict[str, _Listed] = {}
        order: list[_Listed] = []
        complete = True
        server: datetime | None = None
        page = 0
        cursor: str | None = None
        while True:
            page += 1
            query = dict(params) if cursor is None else {**params, "cursor": cursor}
            try:
                answer: Answer = client.get_json(path, query, _check_page)
            except VneduUnavailable as exc:
                yield said.page_failed(exc.shown, school, year, exc.cause, exc.attempts)
                complete = False
                break
            except VneduRefused as exc:
                yield said.refused(exc.shown, school, year, exc.status, exc.detail)
                complete = False
                break
            if page == 1:
                server = answer.server_time
                if _ahead(previous, server) and server is not None and previous:
                    yield said.cursor_in_future(answer.shown, school, previous, server.isoformat())
                    return None  # reads nothing; the cursor stays where it was
            page_url = shown(path, {"nam_hoc": year})
            for index, item in enumerate(answer.body["items"]):
                key = usable_id(item.get("vnedu_id")) if isinstance(item, dict) else None
                if key is None:
                    yield self._bad_item(item, school, page, index, page_url)
                    continue
                if key in listed:
                    listed[key].pages.append(page)
                    continue
                entry = _Listed(item, page, page_url, [page])
                listed[key] = entry
                order.append(entry)
            cursor = answer.body.get("next_cursor")
            if not cursor:
                break
        ok = yield from self._learners(client, year, school, order, last.recent)
        if not (complete and ok) or server is None:
            return None
        since = server - DATE_MARGIN
        recent = {
            key: _digest(entry.item)
            for key, entry in listed.items()
            if len(entry.pages) == 1 and _listed_again(entry.item, since)
        }
        return SchoolCursor(since.isoformat(), recent)

    def _learners(
        self,
        client: VneduClient,
        year: str,
        school: str,
        order: list[_Listed],
        delivered: Mapping[str, str],
    ) -> Generator[ReadItem, None, bool]:
        """Each listed learner as a record with its document, or its problems; all went well?

        A learner `delivered` by the last read exactly as it is now (listed again only because
        the cursor keeps a second's margin) is passed over: nothing of it changed.
        """
        ok = True
        order = [
            e
            for e in order
            if len(e.pages) > 1 or delivered.get(str(e.item["vnedu_id"])) != _digest(e.item)
        ]
        if not order:
            return ok
        entry_of = yield from self._school_entry(client, year, school)
        for listed in order:
            item = listed.item
            key = str(item["vnedu_id"])
            where = Provenance(url=listed.url, vendor_key=key)
            if len(listed.pages) > 1:
                yield said.duplicate(where, key, listed.pages)
                ok = False
                continue
            if entry_of is None:
                if self._schools.get(year) is None:  # the list itself could not be read
                    yield said.school_list_failed(where, key, year)
                else:
                    yield said.school_unknown(where, key, school, year)
                ok = False
                continue
            if self._lacks_personal_id(item):
                yield said.missing_personal_id(
                    Provenance(url=listed.url, vendor_key=f"{key} › so_dinh_danh"), key
                )
                continue
            document_where = Provenance(url=f"GET {transcript_path(key)}", vendor_key=key)
            try:
                document = self._document(client, key, year)
            except VneduUnavailable as exc:
                yield said.document_failed(document_where, key, exc.cause, exc.attempts)
                ok = False
                continue
            except VneduRefused as exc:
                yield said.document_refused(document_where, key, exc.detail)
                ok = False
                continue
            yield build_record(
                item, entry_of, listed.url, f"GET /v2/schools?nam_hoc={year}", document
            )
        return ok

    def _school_entry(
        self, client: VneduClient, year: str, school: str
    ) -> Generator[ReadItem, None, dict[str, Any] | None]:
        """The `school` facts of the learners' records, or None when vnEdu does not list it."""
        listed = yield from self._school_list(client, year)
        if listed is None or school not in listed:
            return None
        return school_facts(listed[school], year, self.settings, self.codes)

    def _lacks_personal_id(self, item: Mapping[str, Any]) -> bool:
        """A Vietnamese learner (quoc_tich Việt Nam or absent, no foreign papers) without ID."""
        if item.get("giay_to_nuoc_ngoai"):
            return False
        nationality = item.get("quoc_tich")
        vietnamese = nationality is None or fold(str(nationality)) in _VIET_NAM
        number = item.get("so_dinh_danh")
        return vietnamese and (number is None or not str(number).strip())

    def _bad_item(self, item: Any, school: str, page: int, index: int, url: str) -> Problem:
        if isinstance(item, dict):
            code = item.get("ma_hs_bo")
            key = str(code) if isinstance(code, str) and code else f"{school}#{page}.{index}"
            found = str(item.get("vnedu_id"))
            return said.bad_item(
                Provenance(url=url, vendor_key=key),
                key,
                found,
                "mục học sinh không có vnedu_id dùng được",
                "the learner item has no usable vnedu_id",
            )
        key = f"{school}#{page}.{index}"
        return said.bad_item(
            Provenance(url=url, vendor_key=key),
            key,
            json.dumps(item, ensure_ascii=False)[:80],
            "mục trong danh sách không phải một học sinh (không phải đối tượng JSON)",
            "the list entry is not a learner (not a JSON object)",
        )


def _records_first(
    items: Generator[ReadItem, None, SchoolCursor | None],
) -> Generator[ReadItem, None, SchoolCursor | None]:
    """A school's records as they come, its problems after them (and its return value).

    The hub files a problem under the batch of the record read before it: holding a school's
    problems until its records are out keeps them in that school's batch, not the previous
    school's.
    """
    held: list[ReadItem] = []
    while True:
        try:
            item = next(items)
        except StopIteration as stop:
            yield from held
            moved: SchoolCursor | None = stop.value
            return moved
        if isinstance(item, Problem):
            held.append(item)
        else:
            yield item


def _ahead(since: str | None, server: datetime | None) -> bool:
    """Whether a school's cursor is from the future of vnEdu's clock (beyond the slack)."""
    if since is None or server is None:
        return False
    return datetime.fromisoformat(since) > server + CLOCK_SLACK


# -- cursor -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCursor:
    """One school's place: the next `updated_since`, and the learners the last read delivered
    that the next will list again (updated within the margin), by vnedu_id → item digest."""

    since: str | None = None
    recent: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Cursor:
    """Every school's place, by year and MaTruong (the cursor the hub stores)."""

    schools: dict[str, dict[str, SchoolCursor]] = field(default_factory=dict)

    def of(self, year: str, school: str) -> SchoolCursor:
        return self.schools.get(year, {}).get(school, SchoolCursor())

    def move(self, year: str, school: str, to: SchoolCursor) -> None:
        self.schools.setdefault(year, {})[school] = to

    @property
    def since(self) -> dict[str, dict[str, str]]:
        """year → school → next updated_since (the schools that have one)."""
        return {
            year: {school: c.since for school, c in schools.items() if c.since}
            for year, schools in self.schools.items()
        }


def _digest(item: Mapping[str, Any]) -> str:
    text = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _listed_again(item: Mapping[str, Any], since: datetime) -> bool:
    """Whether the next read (from `since`) lists the item again; True when unsure."""
    try:
        stamp = datetime.fromisoformat(str(item.get("updated_at")))
    except ValueError:
        return True
    if stamp.tzinfo is None:
        return True
    return stamp >= since


def parse_cursor(cursor: str | None) -> Cursor:
    """The cursor the hub stored (None: the first read)::

    {"version": 1,
     "since": {year: {ma_truong: ISO time with offset}},
     "recent": {year: {ma_truong: {vnedu_id: digest}}}}      ("recent" optional)
    """
    if cursor is None:
        return Cursor()
    try:
        data = json.loads(cursor)
        if not isinstance(data, dict) or data.get("version") != CURSOR_VERSION:
            raise ValueError(f"not a vnedu cursor (version {CURSOR_VERSION})")
        since, recent = data["since"], data.get("recent", {})
        if not isinstance(since, dict) or not isinstance(recent, dict):
            raise ValueError("since or recent is not an object")
        found = Cursor()
        for year, schools in since.items():
            if not isinstance(schools, dict):
                raise ValueError(f"since[{year!r}] is not an object")
            for school, stamp in schools.items():
                when = datetime.fromisoformat(str(stamp))
                if when.tzinfo is None:
                    raise ValueError(f"{stamp!r} has no time zone")
                seen = recent.get(year, {}).get(school, {})
                if not isinstance(seen, dict):
                    raise ValueError(f"recent[{year!r}][{school!r}] is not an object")
                pairs = {str(k): str(v) for k, v in seen.items()}
                found.move(str(year), str(school), SchoolCursor(when.isoformat(), pairs))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CursorError(
            f"Con trỏ đọc của nguồn vnedu không hợp lệ ({exc}); đọc lại từ đầu: `hub sync --full`.",
            f"The vnedu read cursor is invalid ({exc}); read from the start: `hub sync --full`.",
        ) from exc
    return found


def dump_cursor(cursor: Cursor) -> str:
    since: dict[str, dict[str, str]] = {}
    recent: dict[str, dict[str, dict[str, str]]] = {}
    for year, schools in sorted(cursor.schools.items()):
        for school, place in sorted(schools.items()):
            if place.since is None:
                continue
            since.setdefault(year, {})[school] = place.since
            if place.recent:
                recent.setdefault(year, {})[school] = dict(sorted(place.recent.items()))
    body: dict[str, Any] = {"version": CURSOR_VERSION, "since": since}
    if recent:
        body["recent"] = recent
    return json.dumps(body, sort_keys=True)


def build(options: Mapping[str, Any]) -> VneduSource:
    """The SourceSpec factory."""
    return VneduSource(options)


__all__ = ["Cursor", "SchoolCursor", "VneduSource", "build", "dump_cursor", "parse_cursor"]
