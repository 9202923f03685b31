"""The round trip the whole hub leans on: parse(build(t)) == t, for any schema-shaped t."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from strategies import transcripts

from hub.canonical import from_canonical_json, to_canonical_json
from hub.document.build import build_document
from hub.document.parse import parse_document
from hub.model import Transcript

# Transcripts are large composite values; generating them is the slow part, not the check.
_SETTINGS = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(transcripts())
def test_parse_of_build_is_identity(transcript: Transcript) -> None:
    assert parse_document(build_document(transcript)) == transcript


@_SETTINGS
@given(transcripts())
def test_canonical_json_round_trips_and_is_stable(transcript: Transcript) -> None:
    data = to_canonical_json(transcript)
    back = from_canonical_json(data)
    assert back == transcript
    assert to_canonical_json(back) == data
