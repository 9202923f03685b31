"""The generator is a function of its settings: same seed, same province; each learner alone."""

from __future__ import annotations

from dataclasses import replace

from hub.gen import DefectKind, Generated, GenSettings, generate, generate_school
from hub.model import SchoolLevel


def test_same_seed_gives_equal_transcripts(
    small: list[Generated], small_settings: GenSettings
) -> None:
    again = list(generate(small_settings))
    assert [g.transcript for g in again] == [g.transcript for g in small]
    assert [g.roster for g in again] == [g.roster for g in small]


def test_different_seed_gives_different_transcripts(
    small: list[Generated], small_settings: GenSettings
) -> None:
    other = list(generate(replace(small_settings, seed=small_settings.seed + 1)))
    assert len(other) == len(small)
    differing = sum(a.transcript != b.transcript for a, b in zip(other, small, strict=True))
    assert differing == len(small)
    assert {a.transcript.learner.full_name for a in other} != {
        b.transcript.learner.full_name for b in small
    }


def test_one_school_regenerates_alone(small: list[Generated], small_settings: GenSettings) -> None:
    bigger = replace(small_settings, schools=3)
    school = list(generate_school(bigger, SchoolLevel.UPPER_SECONDARY, 0))
    in_small = [g for g in small if g.transcript.header.level is SchoolLevel.UPPER_SECONDARY]
    # The number of schools does not change school 0's learners.
    assert [g.transcript for g in school] == [g.transcript for g in in_small]


def test_a_learner_does_not_depend_on_the_ones_generated_before(
    small: list[Generated], small_settings: GenSettings
) -> None:
    only_upper = list(generate(replace(small_settings, levels=(SchoolLevel.UPPER_SECONDARY,))))
    in_small = [g for g in small if g.transcript.header.level is SchoolLevel.UPPER_SECONDARY]
    assert [g.transcript for g in only_upper] == [g.transcript for g in in_small]


def test_defects_do_not_change_clean_learners(
    small: list[Generated], small_settings: GenSettings
) -> None:
    with_defects = list(generate(replace(small_settings, defects={DefectKind.WRONG_TITLE: 0.3})))
    clean_pairs = [(a, b) for a, b in zip(with_defects, small, strict=True) if a.defect is None]
    assert 0 < len(clean_pairs) < len(small)
    assert all(a.transcript == b.transcript for a, b in clean_pairs)
    assert all(a.roster == b.roster for a, b in clean_pairs)


def test_codes_are_unique_and_stable(small: list[Generated], small_settings: GenSettings) -> None:
    record_ids = [g.transcript.header.record_id for g in small]
    learner_codes = [g.transcript.learner.learner_code for g in small]
    assert len(set(record_ids)) == len(record_ids)
    assert len(set(learner_codes)) == len(learner_codes)
    assert all(c.isdigit() and 10 <= len(c) <= 15 for c in learner_codes)
    # A later "today" moves NgayLap (and maybe MaTruong's province code), never MaHoSo.
    later = list(generate(replace(small_settings, today=small_settings.today.replace(year=2026))))
    assert [g.transcript.header.record_id for g in later] == record_ids
