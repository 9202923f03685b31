"""The SMAS source: each configured school's years read, pivoted, and yielded.

    read(cursor) ─► keys file ─► per school and year: fetch (hub_smas.fetch, in parallel)
                 ─► pivot (hub_smas.pivot) ─► RawRecords, then that school's Problems
                 ─► Checkpoint(cursor)

SMAS has no "changed since": every read asks for everything. The cursor remembers a digest
of each learner's pivoted record (and each warning about a pupil who left), and a read from
it yields only the records whose digest changed (the hub then reads the source again in
full: `SourceSpec.incremental` is False).
A learner kept out by a problem has no digest, so the next read reports them again, and a
class whose answers failed is read again by the next sync. A cursor from the future (its
`as_of` after now) yields no record.

A school whose key SMAS refuses is one Problem (the others go on); a school whose own
answers fail after their retries likewise.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

from hub.api import (
    Checkpoint,
    CodeLists,
    CursorError,
    Problem,
    Provenance,
    RawRecord,
    ReadItem,
    Severity,
    load_codes,
    load_mappings,
)
from hub_smas import problems as p
from hub_smas.client import AuthRefused, ClientMetrics, SmasClient, SmasError
from hub_smas.config import MAPPINGS, Options
from hub_smas.fetch import fetch_school_year
from hub_smas.keys import SchoolKey, read_keys
from hub_smas.pivot import SchoolYear, Vocabulary, choose_principal, pivot_school_year
from hub_smas.transport import HttpTransport

log = logging.getLogger(__name__)
CURSOR_VERSION = 1


def build(options: Mapping[str, Any]) -> SmasSource:
    """The factory the hub calls with a ``[[sources]]`` entry's checked `options`."""
    return SmasSource(Options.parse(options))


def load_vocabulary() -> Vocabulary:
    labels = load_mappings([MAPPINGS], compile_records=False).labels
    return Vocabulary(labels["smas-subjects"], labels["smas-mark-kinds"])


def digest(record: RawRecord) -> str:
    """A record's content: its data and who signs, as canonical JSON, hashed."""
    content = {
        "data": record.data,
        "mapping": record.mapping,
        "signatories": [s.__repr__() for s in record.signatories],
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class SmasSource:
    """SMAS's open API, version 1, for the schools and years configured."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.metrics = ClientMetrics()

    def __repr__(self) -> str:  # the keys file's path only through its variable's name
        o = self.options
        return f"SmasSource({o.base_url!r}, years={list(o.years)}, keys={o.keys_file_env})"

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        seen, future = _parse(cursor)
        keys = read_keys(self.options.keys_file_env)
        schools = self.options.schools or tuple(sorted(keys))
        vocabulary = load_vocabulary()
        now: dict[str, str] = {}
        with self._http() as http, ThreadPoolExecutor(self.options.parallel) as pool:
            for code in schools:
                for school_year in self.options.years:
                    for item in self._school_year(http, pool, keys, code, school_year, vocabulary):
                        if isinstance(item, RawRecord):
                            mark = digest(item)
                        elif _settled(item):
                            mark = f"{item.code}:{item.found}"  # reported once, not each sync
                        else:
                            yield item
                            continue
                        key = item.key if isinstance(item, RawRecord) else str(item.record_key)
                        now[key] = mark
                        if not (future or seen.get(key) == mark):
                            yield item
        as_of = datetime.now(UTC).isoformat(timespec="seconds")
        if future:
            yield Checkpoint(cursor or "")
            return
        yield Checkpoint(json.dumps({"v": CURSOR_VERSION, "as_of": as_of, "seen": now}))

    @contextmanager
    def _http(self) -> Iterator[HttpTransport]:
        o = self.options
        transport = HttpTransport(o.base_url, o.ca_bundle, o.timeout)
        try:
            yield transport
        finally:
            transport.close()

    def _school_year(
        self,
        http: HttpTransport,
        pool: ThreadPoolExecutor,
        keys: Mapping[str, SchoolKey],
        code: str,
        school_year: str,
        vocabulary: Vocabulary,
    ) -> Iterator[RawRecord | Problem]:
        first = school_year[:4]
        where = Provenance(url=f"GET /api/v1/schools/{code}", vendor_key=code)
        key = keys.get(code)
        if key is None:
            yield p.problem(
                p.SCHOOL_REFUSED, where, code, "a school of the keys file",
                f"Trường {code} không có trong tệp khóa SMAS; thêm "
                f'[schools."{code}"] api_key, secret hoặc bỏ trường khỏi `schools`.',
                f"School {code} is not in the SMAS keys file; add "
                f'[schools."{code}"] api_key, secret or remove it from `schools`.',
                None, school=(code, school_year),
            )  # fmt: skip
            return
        client = SmasClient(self.options, key, http, self.metrics)
        try:
            answers = fetch_school_year(client, pool, code, first)
        except SmasError as exc:
            kind = p.SCHOOL_REFUSED if isinstance(exc, AuthRefused) else p.SCHOOL_FAILED
            log.warning("SMAS school %s %s: %s", code, school_year, exc.message_en)
            yield p.problem(
                kind,
                Provenance(url=exc.target, vendor_key=code),
                exc.found,
                "HTTP 200 + JSON",
                f"Không đọc được trường {code} năm học {school_year}: {exc.message_vi}",
                f"School {code}, year {school_year} could not be read: {exc.message_en}",
                None,
                school=(code, school_year),
            )
            return
        year = SchoolYear(
            code,
            first,
            school_year,
            self._school(answers.school, school_year),
            choose_principal(answers.leaders),
        )
        records, problems = pivot_school_year(answers, year, vocabulary)
        yield from records
        yield from problems

    def _school(self, school: Any, school_year: str) -> dict[str, Any]:
        """The "school" part of a record: SMAS's answer, the year and the issuing place."""
        found = dict(school) if isinstance(school, dict) else {}
        province = str(found.get("provinceCode") or "")
        codes = _codes()
        place = self.options.place_of_issue or codes.old_provinces.get(
            province, codes.new_provinces.get(province)
        )
        issue = self.options.issue_date or f"{school_year[5:]}-05-31"
        return {**found, "schoolYear": school_year, "placeOfIssue": place, "issueDate": issue}


def _settled(problem: Problem) -> bool:
    """A warning that names a learner who is not sent (moved away, dropped out): like a
    record, it is yielded again only when it changes, so that a sync with nothing new reads
    as unchanged."""
    return (
        problem.code == p.NOT_STUDYING
        and problem.severity is Severity.WARNING
        and problem.record_key is not None
    )


@cache
def _codes() -> CodeLists:
    return load_codes()


def _parse(cursor: str | None) -> tuple[dict[str, str], bool]:
    """The digests a cursor remembers, and whether it is from the future."""
    if cursor is None:
        return {}, False
    try:
        data = json.loads(cursor)
        seen = data["seen"]
        as_of = datetime.fromisoformat(data["as_of"])
        if data.get("v") != CURSOR_VERSION or not isinstance(seen, dict):
            raise ValueError("version")
    except (ValueError, KeyError, TypeError) as exc:
        raise CursorError(
            f"Con trỏ đọc SMAS không hợp lệ ({type(exc).__name__}); đặt lại trạng thái nguồn.",
            f"Invalid SMAS read cursor ({type(exc).__name__}); reset the source's state.",
        ) from exc
    future = as_of.tzinfo is not None and as_of > datetime.now(UTC)
    return {str(k): str(v) for k, v in seen.items()}, future
