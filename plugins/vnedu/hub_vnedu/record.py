"""One vnEdu learner item as a RawRecord: its data, where each value was, its school's facts.

`data` is the item exactly as vnEdu sent it, plus one key the hub adds, ``school``: the facts
of the learner's school that the item does not carry (from ``GET /v2/schools`` and the source's
configuration), so that the record mapping reads everything from one place:

    school.nam_hoc, ma_truong, ten_truong, cap_hoc    GET /v2/schools?nam_hoc=…
    school.ma_so_gd, noi_cap, ngay_lap                the configuration, or their defaults

Where a value was is `ItemLocations`: a Provenance made on demand for any path of the item,
``GET /v2/schools/56000001/students › VN56000001-000123 › ket_qua › Toán › hk1 › tx[2]``
(the URL, then the learner's vnedu_id and the path inside the item, as `describe()` joins
them), so a problem the mapping finds names the value a school must correct in vnEdu.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from hub.api import CodeLists, Provenance, RawPath, RawRecord, VendorDocument
from hub_vnedu.config import PRIMARY_MAPPING, SECONDARY_MAPPING, Settings

CONFIG_WHERE = Provenance(file="config", sheet="sources.vnedu")
"""Where a value the configuration gave (or defaulted) was: the source's options."""

FROM_CONFIG = frozenset({"ma_so_gd", "noi_cap", "ngay_lap"})
"""The keys of `school` the configuration gives (or their defaults), not GET /v2/schools."""


def students_path(school_code: str) -> str:
    return f"/v2/schools/{school_code}/students"


def transcript_path(vnedu_id: str) -> str:
    return f"/v2/transcripts/{vnedu_id}"


def steps_shown(path: RawPath) -> str:
    """("ket_qua", "Toán", "hk1", "tx", 2) → "ket_qua › Toán › hk1 › tx[2]"."""
    parts: list[str] = []
    for step in path:
        if isinstance(step, int) and parts:
            parts[-1] += f"[{step}]"
        else:
            parts.append(str(step))
    return " › ".join(parts)


class ItemLocations(Mapping[RawPath, Provenance]):
    """`RawRecord.locations` of a learner item: a Provenance for each path the item holds."""

    __slots__ = ("_base", "_data", "_school_where")

    def __init__(self, data: Mapping[str, Any], base: Provenance, school_where: Provenance) -> None:
        self._data = data
        self._base = base
        self._school_where = school_where

    def __repr__(self) -> str:
        return f"ItemLocations({self._base.url!r}, {self._base.vendor_key!r})"

    def get(self, path: RawPath, default: Any = None) -> Any:
        if not path:
            return self._base
        if path[0] == "school":
            if not _holds(self._data, path):
                return default
            return CONFIG_WHERE if path[1:2] and path[1] in FROM_CONFIG else self._school_where
        if not _holds(self._data, path):
            return default
        return Provenance(
            url=self._base.url, vendor_key=f"{self._base.vendor_key} › {steps_shown(path)}"
        )

    def __getitem__(self, path: RawPath) -> Provenance:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[RawPath]:
        yield ()
        yield from _paths(self._data, ())

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _holds(data: Any, path: RawPath) -> bool:
    for step in path:
        held = isinstance(data, Mapping) and step in data
        listed = isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data)
        if not (held or listed):
            return False
        data = data[step]
    return True


def _paths(data: Any, at: RawPath) -> Iterator[RawPath]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield (*at, key)
            yield from _paths(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*at, index)
            yield from _paths(value, (*at, index))


def school_facts(
    listed: Mapping[str, Any], year: str, settings: Settings, codes: CodeLists
) -> dict[str, Any]:
    """The ``school`` the hub adds to each item: GET /v2/schools's entry and the config's."""
    code = str(listed.get("ma_truong") or "")
    department = settings.detail(code, "department_code") or code[:2]
    place = settings.detail(code, "place_of_issue") or (
        codes.new_provinces.get(department) or codes.old_provinces.get(department)
    )
    return {
        "nam_hoc": year,
        "ma_truong": code,
        "ten_truong": listed.get("ten_truong"),
        "cap_hoc": listed.get("cap_hoc"),
        "ma_so_gd": department,
        "noi_cap": place,
        "ngay_lap": settings.detail(code, "issue_date"),
    }


def issue_date_of(item: Mapping[str, Any]) -> str | None:
    """NgayLap when the configuration names none: the day vnEdu last changed the learner."""
    stamp = item.get("updated_at")
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp).date().isoformat()
    except ValueError:
        return None


def build_record(
    item: Mapping[str, Any],
    school: Mapping[str, Any],
    page_url: str,
    schools_url: str,
    document: VendorDocument,
) -> RawRecord:
    """The RawRecord of one learner item (its key is the item's vnedu_id)."""
    key = str(item["vnedu_id"])
    facts = dict(school)
    if not facts.get("ngay_lap"):
        facts["ngay_lap"] = issue_date_of(item)
    data = {**item, "school": facts}
    base = Provenance(url=page_url, vendor_key=key)
    listed = Provenance(url=schools_url, vendor_key=str(school.get("ma_truong") or ""))
    mapping = PRIMARY_MAPPING if str(school.get("cap_hoc")) == "02" else SECONDARY_MAPPING
    return RawRecord(key, mapping, data, ItemLocations(data, base, listed), document)


_VNEDU_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def usable_id(value: Any) -> str | None:
    """The item's vnedu_id when it can key a record and name a URL, else None."""
    if isinstance(value, str) and _VNEDU_ID.fullmatch(value):
        return value
    return None
