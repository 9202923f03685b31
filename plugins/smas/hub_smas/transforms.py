"""The transforms SMAS's mapping files name that the hub does not have.

`smas_date`: SMAS writes dates `yyyy-MM-dd` and nothing else (spec), so a date in any other
form is an answer to report, not to read leniently as the hub's `date` would (a `14/03/2011`
from SMAS means something upstream changed). `smas_position`: a leader's position
("HIEU_TRUONG") as the document's ChucVu words it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hub.api import TransformError

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
POSITIONS = {"HIEU_TRUONG": "Hiệu trưởng", "PHO_HIEU_TRUONG": "Phó Hiệu trưởng"}


def smas_date(value: Any, arg: str) -> date:
    """A date exactly `yyyy-MM-dd`, and one the calendar has."""
    text = str(value).strip()
    if _ISO.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise TransformError(
        "yyyy-MM-dd",
        f"cần ngày dạng yyyy-MM-dd (như SMAS gửi), gặp {text!r}",
        f"expected a date as yyyy-MM-dd (as SMAS sends it), found {text!r}",
    )


def smas_position(value: Any, arg: str) -> str:
    """HIEU_TRUONG → "Hiệu trưởng", PHO_HIEU_TRUONG → "Phó Hiệu trưởng"."""
    found = POSITIONS.get(str(value))
    if found is None:
        raise TransformError(
            "HIEU_TRUONG, PHO_HIEU_TRUONG",
            f"chức vụ không rõ {value!r}",
            f"unknown position {value!r}",
        )
    return found


TRANSFORMS = {"smas_date": smas_date, "smas_position": smas_position}
