"""Canonical JSON of a transcript: one byte string per transcript, and back.

Golden cases store their input this way and the plugin conformance kit compares plugins'
output by it ("same input → same canonical JSON"), so the bytes must depend on the transcript's
value only: keys sorted, two-space indentation, UTF-8 without escapes, dates ISO, scores as
strings written like the document writes them (`format_score`: "8.0", "8.25"), so that equal
scores print alike whatever their Decimal exponent.

Reading back goes through pydantic's TypeAdapter over the model's dataclasses: it already knows
how to turn "8.0" into Decimal, "02" into SchoolLevel and lists into tuples, and it tells a
scored subject from a comment subject by their fields.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from hub.document.build import format_score
from hub.errors import HubError
from hub.model import Transcript


def _plain(value: Any) -> Any:
    """The JSON-ready form of a model value (dataclasses, tuples, enums, Decimal, date)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format_score(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_canonical_json(transcript: Transcript) -> bytes:
    """The canonical JSON bytes of a transcript (ends with a newline)."""
    text = json.dumps(_plain(transcript), sort_keys=True, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


@cache
def _adapter() -> TypeAdapter[Transcript]:
    return TypeAdapter(Transcript)


class CanonicalJsonError(HubError):
    """Canonical JSON that does not describe a transcript."""


def from_canonical_json(data: bytes | str) -> Transcript:
    """The transcript of canonical JSON.

    Raises:
        CanonicalJsonError: the JSON is malformed or does not fit the model; the message names
            the first field at fault.
    """
    try:
        return _adapter().validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(gốc / root)"
        raise CanonicalJsonError(
            f"JSON chuẩn hóa không khớp mô hình học bạ tại {where}: {first['msg']}.",
            f"Canonical JSON does not fit the transcript model at {where}: {first['msg']}.",
        ) from None
