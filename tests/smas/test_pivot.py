"""The pivot against the generator: every studying pupil becomes one record whose transcript
is the generated one (the independent oracle), with provenance down to one mark, who signs
each part, and the moved-away pupils reported, not sent."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hub_smas.sim.world import SUBJECT_IDS, build_world, personal_id, sim_settings

from hub.model import Teacher, Transcript
from hub.sources import Severity
from hub.testing import generate

from .helpers import read, served

SETTINGS = {"seed": 5, "learners_per_class": 3}
MAMON = {number: code for code, number in SUBJECT_IDS.items()}


def _plain(t: Transcript, substitutes: dict[tuple[str, str], str]) -> Transcript:
    """What SMAS carries of a transcript: no MaGV, no issue date, the year-end teachers."""

    def teacher(t_: Teacher, code: str | None = None) -> Teacher:
        name = substitutes.get((t.header.class_name, code or ""), t_.name)
        return Teacher(name)

    results = t.results
    assert results is not None
    subjects = tuple(
        dataclasses.replace(s, teacher=teacher(s.teacher, s.code)) for s in results.subjects
    )
    confirmation = dataclasses.replace(
        t.confirmation, homeroom_teacher=Teacher(t.confirmation.homeroom_teacher.name)
    )
    header = dataclasses.replace(t.header, issue_date=None, place_of_issue="", record_id="")
    return dataclasses.replace(
        t,
        header=header,
        results=dataclasses.replace(results, subjects=subjects),
        confirmation=confirmation,
    )


def test_every_studying_pupil_is_the_generated_transcript(tmp_path: Path) -> None:
    settings = sim_settings(levels=("02", "03", "04"), **SETTINGS)
    world = build_world(settings, old_year=False)
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    assert not [p for p in outcome.all_problems if p.severity is Severity.ERROR]
    moved = set(world.moved)
    assert moved, "the world should have pupils who left"
    warnings = outcome.of("SMAS_PUPIL_NOT_STUDYING")
    assert {p.location.vendor_key for p in warnings} == {f"pupilId {m} › status" for m in moved}
    generated = {g.transcript.learner.learner_code: g.transcript for g in generate(settings)}
    # The year-end teacher of a substituted subject is the substitute (world.substitutions).
    names = {
        (k["classId"], school["school"]["schoolCode"]): k["className"]
        for school in world.schools.values()
        for k in school["years"]["2024"]["classes"]
    }
    substitutes = {
        (s["school"], names[(s["classId"], s["school"])], MAMON[s["subjectId"]]): s["took_over"]
        for s in world.substitutions
    }
    studying = len(generated) - len(moved)
    assert len(outcome.transcripts) == studying
    for t in outcome.transcripts.values():
        g = generated[t.learner.learner_code]
        keyed = {
            (klass, code): name
            for (school, klass, code), name in substitutes.items()
            if school == t.header.school_code
        }
        assert _plain(t, {}) == _plain(g, keyed), t.learner.learner_code
        h = g.header
        assert t.header.record_id == f"{h.school_code}-{h.school_year}-{g.learner.learner_code}"


def test_a_mark_points_at_its_markbook_and_pupil(tmp_path: Path) -> None:
    world = build_world(sim_settings(levels=("03",), **SETTINGS), old_year=False, moved_rate=0)
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    record = outcome.records[0]
    klass = record.data["class"]["classId"]
    pupil = record.data["pupil"]["pupilId"]
    where = record.location_of(("subjects", "2", "semester1", "marks", "TX", 3))
    assert where.describe() == (
        f"GET /api/v1/classes/{klass}/markbook?subjectId=2&semester=1 › pupilId {pupil} › TX[3]"
    )
    assert record.location_of(("results", "year", "promotion")).describe() == (
        f"GET /api/v1/classes/{klass}/results?semester=0 › pupilId {pupil} › promotion"
    )
    assert record.location_of(("pupil", "birthDate")).url == f"GET /api/v1/classes/{klass}/pupils"
    assert record.location_of(()).vendor_key == f"pupilId {pupil}"


def test_signatories_are_the_year_end_teachers_with_their_ids(tmp_path: Path) -> None:
    world = build_world(sim_settings(levels=("03",), **SETTINGS), old_year=False, moved_rate=0)
    swap = world.substitutions[0]
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    in_class = [r for r in outcome.records if r.data["class"]["classId"] == swap["classId"]]
    assert in_class
    for record in in_class:
        roles = [s.role for s in record.signatories]
        assert roles.count("GVCN") == 1
        assert roles.count("HT") == 1
        gvbm = {s.subject: s for s in record.signatories if s.role == "GVBM"}
        assert set(gvbm) == {MAMON[int(sid)] for sid in record.data["subjects"]}
        substitute = [s for s in gvbm.values() if s.name == swap["took_over"]]
        assert len(substitute) == 1
        assert substitute[0].personal_id == personal_id(swap["school"], swap["took_over"])
        transcript = outcome.transcripts[record.key]
        teachers = {s.code: s.teacher.name for s in transcript.results.subjects}  # type: ignore[union-attr]
        assert teachers[MAMON[swap["subjectId"]]] == swap["took_over"]
        assert gvbm[MAMON[swap["subjectId"]]].name == swap["took_over"]
        principal = next(s for s in record.signatories if s.role == "HT")
        assert principal.name == transcript.confirmation.principal.name
        assert principal.position in ("HIEU_TRUONG", "PHO_HIEU_TRUONG")
