"""Canonical JSON: sorted keys, scores as strings, dates ISO, equal values equal bytes."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest

from hub.canonical import CanonicalJsonError, from_canonical_json, to_canonical_json
from hub.model import CommentSubject, ScoredSubject, SecondaryResults, Transcript

CASE = Path(__file__).parents[1] / "cases" / "documents" / "lower-secondary-grade-7"
SOURCE = (CASE / "transcript.json").read_bytes()
TRANSCRIPT = from_canonical_json(SOURCE)


def _keys_sorted(value: object) -> bool:
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(_keys_sorted(v) for v in value.values())
    if isinstance(value, list):
        return all(_keys_sorted(v) for v in value)
    return True


def test_shape_of_the_json() -> None:
    data = to_canonical_json(TRANSCRIPT)
    assert data.endswith(b"}\n")
    assert "Phạm Thị Hồng Nhung".encode() in data  # UTF-8, not \u escapes
    plain = json.loads(data)
    assert _keys_sorted(plain)
    assert plain["header"]["issue_date"] == "2025-06-10"
    assert plain["header"]["level"] == "03"
    first = plain["results"]["subjects"][0]
    assert first["semester1"]["average"] == "6.3"
    assert first["semester1"]["regular"][0] == "6.5"


def test_both_kinds_of_secondary_subject_come_back_as_themselves() -> None:
    results = TRANSCRIPT.results
    assert isinstance(results, SecondaryResults)
    kinds = {type(s) for s in results.subjects}
    assert kinds == {ScoredSubject, CommentSubject}


def test_equal_scores_give_equal_bytes_whatever_their_exponent() -> None:
    results = TRANSCRIPT.results
    assert isinstance(results, SecondaryResults)
    first = results.subjects[0]
    assert isinstance(first, ScoredSubject)
    other = dataclasses.replace(first, year_average=Decimal("6.60"))
    assert other == first  # 6.60 == 6.6
    changed = dataclasses.replace(
        TRANSCRIPT,
        results=dataclasses.replace(results, subjects=(other, *results.subjects[1:])),
    )
    assert to_canonical_json(changed) == to_canonical_json(TRANSCRIPT)


def test_json_that_does_not_fit_the_model_is_refused_with_its_place() -> None:
    plain = json.loads(SOURCE)
    plain["header"]["level"] = "09"
    with pytest.raises(CanonicalJsonError) as caught:
        from_canonical_json(json.dumps(plain))
    assert "header.level" in caught.value.message_en
    assert "header.level" in caught.value.message_vi
    with pytest.raises(CanonicalJsonError):
        from_canonical_json(b"{not json")


def test_absent_results_round_trip() -> None:
    exempt: Transcript = dataclasses.replace(TRANSCRIPT, results=None)
    assert json.loads(to_canonical_json(exempt))["results"] is None
    assert from_canonical_json(to_canonical_json(exempt)) == exempt
