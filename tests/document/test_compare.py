"""A signed document against the learner's data: field by field, as sources.md compares them."""

from __future__ import annotations

import dataclasses
import unicodedata
from decimal import Decimal

from hub.document.build import build_document
from hub.document.compare import DIFFERS, differences
from hub.document.parse import parse_document
from hub.model import SchoolLevel, Transcript
from hub.testing import sample_transcripts


def _secondary() -> Transcript:
    return sample_transcripts(SchoolLevel.LOWER_SECONDARY, 1, seed=3)[0]


def _primary() -> Transcript:
    return sample_transcripts(SchoolLevel.PRIMARY, 1, seed=3)[0]


def test_a_document_read_back_agrees_with_its_data() -> None:
    for transcript in (_secondary(), _primary()):
        document = parse_document(build_document(transcript))
        assert differences(document, transcript, "vnedu") == []


def test_text_compares_after_nfc_case_folding_and_white_space() -> None:
    data = _secondary()
    residence = data.learner.residence
    other = "  " + unicodedata.normalize("NFD", residence.upper()).replace(" ", "   ") + " "
    document = dataclasses.replace(data, learner=dataclasses.replace(data.learner, residence=other))
    assert differences(document, data, "vnedu") == []


def test_numbers_compare_by_value_and_absent_is_empty() -> None:
    data = _secondary()
    results = data.results
    assert results is not None
    scored = next(s for s in results.subjects if hasattr(s, "year_average"))
    same = dataclasses.replace(
        scored, year_average=Decimal(scored.year_average).quantize(Decimal("0.00"))
    )  # type: ignore[type-var,arg-type]
    subjects = tuple(same if s is scored else s for s in results.subjects)
    document = dataclasses.replace(
        data,
        results=dataclasses.replace(results, subjects=subjects),
        learner=dataclasses.replace(data.learner, hometown=None, policy_group=""),
    )
    data = dataclasses.replace(
        data, learner=dataclasses.replace(data.learner, hometown="", policy_group=None)
    )
    assert differences(document, data, "vnedu") == []


def test_each_difference_names_the_field_and_both_values_in_both_languages() -> None:
    data = _secondary()
    results = data.results
    assert results is not None
    scored = next(s for s in results.subjects if hasattr(s, "year_average"))
    wrong = dataclasses.replace(scored, year_average=Decimal("8.5"))  # type: ignore[type-var]
    data_subject = dataclasses.replace(scored, year_average=Decimal("8.6"))  # type: ignore[type-var]
    document = dataclasses.replace(
        data,
        results=dataclasses.replace(
            results, subjects=tuple(wrong if s is scored else s for s in results.subjects)
        ),
    )
    data = dataclasses.replace(
        data,
        results=dataclasses.replace(
            results, subjects=tuple(data_subject if s is scored else s for s in results.subjects)
        ),
    )
    (found,) = differences(document, data, "vnedu")
    code = scored.code
    assert found.code == DIFFERS
    assert found.xpath == f"/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='{code}']/CaNam/DTB"
    assert f"học bạ đã ký ghi điểm trung bình cả năm môn {code} 8.5, dữ liệu vnedu ghi 8.6" in (
        found.message_vi
    )
    assert f"the signed document says year average {code} 8.5, vnedu's data says 8.6" in (
        found.message_en
    )


def test_a_subject_on_one_side_only_and_a_personal_id_masked() -> None:
    data = _secondary()
    results = data.results
    assert results is not None
    dropped = results.subjects[-1]
    document = dataclasses.replace(
        data,
        results=dataclasses.replace(results, subjects=results.subjects[:-1]),
        learner=dataclasses.replace(data.learner, personal_id="079211234567"),
    )
    found = differences(document, data, "vnedu")
    assert {f.xpath for f in found} == {
        "/HocBaSo/DLHocBa/HocSinh/SoDinhDanh",
        f"/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='{dropped.code}']",
    }
    assert all(f.code == DIFFERS for f in found)
    assert not any("079211234567" in f.message_vi + f.message_en for f in found)
    assert any("dữ liệu vnedu có" in f.message_vi for f in found)


def test_primary_qualities_are_compared_by_code() -> None:
    data = _primary()
    results = data.results
    assert results is not None
    first = results.qualities[0]
    other = next(r for r in type(first.rating) if r is not first.rating)
    changed = (dataclasses.replace(first, rating=other), *results.qualities[1:])
    document = dataclasses.replace(data, results=dataclasses.replace(results, qualities=changed))  # type: ignore[arg-type]
    (found,) = differences(document, data, "vnedu")
    assert found.xpath == f"/HocBaSo/DLHocBa/KetQuaTieuHoc/PhamChat[@Ma='{first.code}']"
    assert f"{other.value}, dữ liệu vnedu ghi {first.rating.value}" in found.message_vi
