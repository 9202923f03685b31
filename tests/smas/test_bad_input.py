"""Every bad answer of the issue gets a Problem at its place, found and expected, in both
languages, and every pupil is accounted for: a record, or an error naming them."""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hub_smas.sim.faults import FaultPlan
from hub_smas.sim.world import World, build_world, sim_settings
from hub_smas.source import build

from hub.errors import UsageError
from hub.sources import Severity

from .helpers import Outcome, assert_explained, class_data, read, served

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _world(levels: tuple[str, ...] = ("03",), **more: Any) -> World:
    return build_world(
        sim_settings(levels=levels, seed=9, learners_per_class=3), moved_rate=0, old_year=False,
        **more,
    )  # fmt: skip


def _pupils(world: World) -> int:
    return sum(
        len(d["pupils"])
        for s in world.schools.values()
        for y in s["years"].values()
        for d in y["class_data"].values()
    )


def _accounted(world: World, outcome: Outcome) -> None:
    """rows in = transcripts + learners with an error (none both, none lost)."""
    rejected = {
        p.record_key for p in outcome.all_problems if p.severity is Severity.ERROR and p.record_key
    }
    assert not rejected & set(outcome.transcripts)
    assert len(rejected) + len(outcome.transcripts) == _pupils(world)


def _one(outcome: Outcome, code: str) -> Any:
    found = outcome.of(code)
    assert len(found) == 1, (code, [p.as_json() for p in outcome.all_problems])
    assert_explained(found[0])
    return found[0]


def test_a_score_of_12_is_refused_at_its_mark(tmp_path: Path) -> None:
    world = _world()
    data = class_data(world)
    row = data["markbooks"]["2:1"][0]
    row["marks"]["TX"][2] = 12
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    problem = _one(outcome, "VALUE_INVALID")
    cid = data["class"]["classId"]
    assert problem.location.describe() == (
        f"GET /api/v1/classes/{cid}/markbook?subjectId=2&semester=1 › pupilId {row['pupilId']} "
        f"› TX[2]"
    )
    assert problem.found == "12"
    assert "10" in problem.expected
    _accounted(world, outcome)


def test_a_gender_of_3_and_a_date_in_another_format(tmp_path: Path) -> None:
    world = _world()
    pupils = class_data(world)["pupils"]
    pupils[0]["genderId"] = 3
    pupils[1]["birthDate"] = "14/03/2011"
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    gender = _one(outcome, "LABEL_UNKNOWN")
    assert gender.found == "3"
    assert gender.location.vendor_key == f"pupilId {pupils[0]['pupilId']} › genderId"
    date = _one(outcome, "VALUE_INVALID")
    assert date.found == "14/03/2011"
    assert date.expected == "yyyy-MM-dd"
    assert date.location.vendor_key == f"pupilId {pupils[1]['pupilId']} › birthDate"
    _accounted(world, outcome)


def test_an_unknown_subject_id_keeps_out_the_pupils_who_have_it(tmp_path: Path) -> None:
    world = _world()
    data = class_data(world)
    subject = next(s for s in data["subjects"] if s["subjectId"] == 17)
    subject["subjectId"] = 99
    for semester in (1, 2, 0):
        data["markbooks"][f"99:{semester}"] = data["markbooks"].pop(f"17:{semester}")
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    unknown = outcome.of("LABEL_UNKNOWN")
    assert len(unknown) == len(data["pupils"])
    for problem in unknown:
        assert_explained(problem)
        assert problem.found == "99"
        assert problem.location.url == f"GET /api/v1/classes/{data['class']['classId']}/subjects"
        assert "TOAN" in problem.expected
    _accounted(world, outcome)


def test_a_tx_list_shorter_than_the_subjects_minimum(tmp_path: Path) -> None:
    world = _world()
    data = class_data(world)
    row = data["markbooks"]["2:2"][1]  # Toán: 140 periods a year → 4 ĐĐGtx
    row["marks"]["TX"] = row["marks"]["TX"][:2]
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    problem = _one(outcome, "SMAS_TOO_FEW_TX")
    assert (problem.found, problem.expected) == ("2 TX", "≥ 4 TX")
    assert problem.location.vendor_key == f"pupilId {row['pupilId']} › TX"
    assert "semester=2" in (problem.location.url or "")
    _accounted(world, outcome)


def test_a_pupil_in_a_markbook_but_not_in_the_class_and_the_other_way_round(
    tmp_path: Path,
) -> None:
    world = _world()
    data = class_data(world)
    stranger = {**data["markbooks"]["2:1"][0], "pupilId": 99999}
    data["markbooks"]["2:1"].append(stranger)
    missing = data["markbooks"]["14:2"].pop(1)
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    extra = _one(outcome, "SMAS_PUPIL_NOT_IN_CLASS_LIST")
    assert extra.found == "pupilId 99999"
    assert extra.record_key is not None
    assert extra.record_key.endswith("-99999")
    gone = _one(outcome, "GRADES_MISSING")
    assert gone.location.vendor_key == f"pupilId {missing['pupilId']}"
    assert "subjectId=14&semester=2" in (gone.location.url or "")
    rejected = {p.record_key for p in outcome.all_problems if p.severity is Severity.ERROR}
    assert len(rejected) + len(outcome.transcripts) == _pupils(world) + 1  # and the stranger


def test_pupils_who_left_are_reported_not_sent(tmp_path: Path) -> None:
    world = _world()
    pupils = class_data(world)["pupils"]
    pupils[0]["status"], pupils[1]["status"] = 2, 3
    with served(world, tmp_path) as sim:
        outcome = read(sim)
    left = outcome.of("SMAS_PUPIL_NOT_STUDYING")
    assert sorted(p.found for p in left) == ["2", "3"]
    assert all(p.severity is Severity.WARNING and p.record_key for p in left)
    assert "moved away" in left[0].message_en + left[1].message_en
    assert len(outcome.transcripts) == _pupils(world) - 2


def test_an_old_year_is_refused_naming_year_class_and_the_mapping(tmp_path: Path) -> None:
    world = build_world(sim_settings(levels=("03",), seed=9, learners_per_class=3), moved_rate=0)
    with served(world, tmp_path) as sim:
        outcome = read(sim, years=["2019-2020"])
    assert not outcome.records
    refused = outcome.of("SMAS_OLD_MARK_KINDS")
    old = next(iter(world.schools.values()))["years"]["2019"]
    pupils = next(iter(old["class_data"].values()))["pupils"]
    assert len([p for p in refused if p.record_key]) == len(pupils)
    for problem in refused:
        assert_explained(problem)
        assert problem.found == "HK, M, P, V"
        for text in (problem.message_vi, problem.message_en):
            assert "2019-2020" in text
            assert old["classes"][0]["className"] in text
            assert "smas-mark-kinds" in text
            assert "TX: [M, P]" in text


def test_a_wrong_secret_is_one_error_for_its_school_and_the_others_go_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = build_world(
        sim_settings(levels=("02", "03"), seed=9, learners_per_class=2), moved_rate=0,
        old_year=False,
    )  # fmt: skip
    wrong, right = sorted(world.schools)
    real = world.schools[wrong]["credentials"]["secret"]
    with served(world, tmp_path) as sim:
        world.schools[wrong]["credentials"]["secret"] = "not-the-secret"  # the file's, not SMAS's
        keys = Path(os.environ["HUB_SMAS_KEYS"])
        keys.write_text(world.keys_toml())
        with caplog.at_level(logging.DEBUG):
            outcome = read(sim)
    problem = _one(outcome, "SMAS_SCHOOL_REFUSED")
    assert problem.found == "401 invalid_signature"
    assert wrong in problem.message_en
    assert "keys file" in problem.message_en
    assert {t.header.school_code for t in outcome.transcripts.values()} == {right}
    shown = caplog.text + repr(outcome.problems) + repr(build({**_opts(sim)}))
    assert real not in shown
    assert "not-the-secret" not in shown
    assert world.schools[right]["credentials"]["secret"] not in shown


def _opts(sim: Any) -> dict[str, Any]:
    return {"base_url": sim.base_url, "keys_file_env": "HUB_SMAS_KEYS", "years": ["2024-2025"]}


def test_a_keys_file_others_can_read_is_refused(tmp_path: Path) -> None:
    world = _world()
    with served(world, tmp_path) as sim:
        keys = Path(os.environ["HUB_SMAS_KEYS"])
        keys.chmod(0o644)
        with pytest.raises(UsageError) as refused:
            list(build(_opts(sim)).read(None))
    text = str(refused.value) + refused.value.message_vi
    assert "chmod 600" in text
    assert next(iter(world.schools.values()))["credentials"]["secret"] not in text


def test_clock_skew_says_by_how_much(tmp_path: Path) -> None:
    world = _world()
    with served(world, tmp_path, FaultPlan(clock_offset=1000)) as sim:
        outcome = read(sim)
    problem = _one(outcome, "SMAS_SCHOOL_REFUSED")
    by = re.search(r"the server's clock differs from ours by (\d+) s", problem.message_en)
    assert by is not None
    assert 999 <= int(by.group(1)) <= 1001  # the second may turn between sending and answering
    assert f"{by.group(1)} giây" in problem.message_vi
    assert problem.found == f"{by.group(1)} s"


def test_a_class_that_keeps_failing_names_each_of_its_pupils(tmp_path: Path) -> None:
    world = _world()
    failing = class_data(world, 1)
    faults = FaultPlan(failing_classes=frozenset({failing["class"]["classId"]}))
    with served(world, tmp_path, faults) as sim:
        outcome = read(sim, attempts=2)
    failed = outcome.of("SMAS_CLASS_FAILED")
    keyed = {p.location.vendor_key for p in failed if p.record_key}
    assert keyed == {f"pupilId {x['pupilId']}" for x in failing["pupils"]}
    assert len(failed) == len(keyed) + 1  # and the class itself, once
    for problem in failed:
        assert_explained(problem)
        assert "markbook" in (problem.location.url or "")
        assert "HTTP 500" in problem.message_en
    assert len(outcome.transcripts) == _pupils(world) - len(failing["pupils"])
    _accounted(world, outcome)


def test_a_label_file_saying_how_maps_the_old_kinds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mappings = tmp_path / "mappings"
    shutil.copytree(Path(__file__).parents[2] / "mappings", mappings)
    (mappings / "labels" / "province-mark-kinds.yaml").write_text(
        "list: smas-mark-kinds\nlabels:\n  TX: [M, P]\n  GK: [V]\n  CK: [HK]\n"
    )
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(mappings))
    world = build_world(sim_settings(levels=("03",), seed=9, learners_per_class=3), moved_rate=0)
    old = next(iter(world.schools.values()))["years"]["2019"]
    data = next(iter(old["class_data"].values()))
    with served(world, tmp_path) as sim:
        outcome = read(sim, years=["2019-2020"])
    assert not outcome.of("SMAS_OLD_MARK_KINDS")
    assert len(outcome.records) == len(data["pupils"])
    record = outcome.records[0]
    row = next(
        r for r in data["markbooks"]["2:1"] if r["pupilId"] == record.data["pupil"]["pupilId"]
    )
    marks = record.data["subjects"]["2"]["semester1"]["marks"]
    assert marks == {"TX": row["marks"]["M"] + row["marks"]["P"], "GK": row["marks"]["V"][0],
                     "CK": row["marks"]["HK"]}  # fmt: skip
