"""A run that ends early never strands a learner: a plain `hub sync` afterwards finishes them.

For each way a run can end early (the ministry refusing the credentials, the ministry out of
reach, a signing key failing in the middle, SIGTERM, SIGKILL) the province first has a
complete sync behind it, with stored source cursors and learners whose last attempt failed (so
the next sync reads their school again and takes them up). The early end then strands them
half-way; a plain `hub sync` must still find them, although the files did not change, and
end with every learner accepted, rejected or with a problem: none pending. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest
import sqlalchemy as sa

from hub.cli import exits
from hub.lifecycle import TERMINAL_STATES, WORK_STATES
from hub.ministry import Credentials, MinistryClient, PollPolicy, RetryPolicy
from hub.ministry.errors import AuthenticationFailed
from hub.pipeline import SyncReport
from hub.pipeline import runner as runner_module
from hub.pipeline.retry import RetryScope, select
from hub.report.queries import school_status
from hub.report.rows import missing_problems
from hub.store import RecordState, RunState, records_in
from hub.store.tables import Run

from .conftest import DefectKind, World, expected_ids, province_settings

SMALL = 36
# Learners whose stated averages or evaluation are wrong fail at `check` (the rules, in the
# worker processes) every time: each sync reads their school again and takes them up, which
# is what an early end then strands, between the intake's commit and the workers' results.
DEFECTS = {DefectKind.WRONG_YEAR_AVERAGE: 0.25, DefectKind.WRONG_PRIMARY_EVALUATION: 0.25}


def _current_states(world: World) -> dict[str, RecordState]:
    store = world.store()
    try:
        with store.read() as session:
            return {r.ma_ho_so: r.state for r in records_in(session, current_only=True)}
    finally:
        store.dispose()


def _stranded(world: World) -> set[str]:
    return {ma for ma, state in _current_states(world).items() if state not in TERMINAL_STATES}


def _first_sync(world: World) -> set[str]:
    """A complete sync; returns the learners that failed (and will be taken up again)."""
    report = world.sync()
    failed = {ma for ma, s in _current_states(world).items() if s is RecordState.FAILED}
    assert failed, "the province must have learners that fail at check"
    assert report.outcome.pending == 0
    return failed


def _assert_all_settled(world: World, report: SyncReport, failed: set[str]) -> None:
    """Every learner accepted, rejected or failed; the run counted the ones it took up."""
    states = _current_states(world)
    assert set(states) == expected_ids(world.settings)
    assert not {ma for ma, s in states.items() if s not in TERMINAL_STATES}, states
    assert {ma for ma, s in states.items() if s is RecordState.FAILED} == failed
    assert report.outcome.pending == 0
    assert report.outcome.failed == len(failed)  # the taken-up learners, counted by this run
    store = world.store()
    try:
        with store.read() as session:
            assert sum(s.pending for s in school_status(session)) == 0
    finally:
        store.dispose()


def test_after_the_ministry_refused_the_credentials(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL, seed=11, defects=DEFECTS))
    failed = _first_sync(world)
    wrong = MinistryClient(
        world.sandbox.endpoint,
        Credentials(world.province.username, "not-the-password"),
        retry=RetryPolicy(attempts=2, backoff_first=0.01, backoff_longest=0.02),
    )
    world.clients.append(wrong)
    with pytest.raises(AuthenticationFailed):
        world.sync(wrong)
    stranded = _stranded(world)
    assert stranded & failed, "the refused run left the taken-up learners half-way"
    _assert_visible(world, stranded)
    report = world.sync()
    _assert_all_settled(world, report, failed)


def _assert_visible(world: World, stranded: set[str]) -> None:
    """Before the next sync: `hub retry` chooses the stranded learners, `hub report` names them
    (with their last attempt's problems) and `hub status` counts them as left half-way."""
    store = world.store()
    try:
        with store.read() as session:
            for school in {ma.split("-")[0] for ma in stranded}:
                chosen = select(session, RetryScope(school=school))
                assert {ma for ma in stranded if ma.startswith(school)} <= {
                    r.ma_ho_so for r in chosen
                }
            rows = list(missing_problems(session))
            named = {r.ma_ho_so for r in rows if r.code == "UNFINISHED"}
            assert named == stranded
            last = {r.ma_ho_so for r in rows if r.message_en.startswith("Last attempt: ")}
            assert last == stranded  # their last attempt failed at check: its problems stay
            assert sum(s.halfway for s in school_status(session)) == len(stranded)
    finally:
        store.dispose()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_after_the_ministry_was_out_of_reach(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL, seed=12, defects=DEFECTS))
    gone = MinistryClient(
        f"http://127.0.0.1:{_closed_port()}/ketnoi",
        Credentials(world.province.username, world.password),
        retry=RetryPolicy(attempts=2, backoff_first=0.01, backoff_longest=0.02),
        poll=PollPolicy(first=0.01, factor=1.0, longest=0.01, timeout=0.1),
    )
    world.clients.append(gone)
    unreached = world.sync(gone)  # the first sync of all: every document signed, none sent
    assert unreached.incomplete is not None
    assert unreached.outcome.pending == len(expected_ids(world.settings)) - unreached.problems
    failed = {ma for ma, s in _current_states(world).items() if s is RecordState.FAILED}
    assert _stranded(world)
    report = world.sync()
    _assert_all_settled(world, report, failed)


def test_after_a_signing_key_failed_in_the_middle_of_a_run(make_world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL, seed=13))
    # The key opens at the start-up check, then is gone when the workers need it (a token
    # pulled out, a file replaced): every learner fails at `sign`, and the run ends.
    school = sorted(world.province.schools)[0]
    seal = world.province.directory / "pki" / school / "signers" / "school.p12"
    kept = seal.read_bytes()
    original_check = runner_module.Signers.check

    def check_then_break(self, schools):  # type: ignore[no-untyped-def]
        original_check(self, schools)
        seal.write_bytes(b"not a PKCS#12 file")

    with monkeypatch.context() as patch:
        patch.setattr(runner_module.Signers, "check", check_then_break)
        broken = world.sync()
    seal.write_bytes(kept)
    of_school = {ma for ma in expected_ids(world.settings) if ma.startswith(school)}
    failed = {ma for ma, s in _current_states(world).items() if s is RecordState.FAILED}
    assert failed == of_school
    assert _failed_stages(world) == {"sign"}
    assert broken.outcome.failed == len(of_school)
    report = world.sync()  # the same files, the key back: the failed learners are signed
    states = _current_states(world)
    assert set(states) == expected_ids(world.settings)
    assert all(s is RecordState.ACCEPTED for s in states.values())
    assert report.outcome.accepted == len(of_school)
    assert not report.outcome.pending


def _failed_stages(world: World) -> set[str]:
    store = world.store()
    try:
        with store.read() as session:
            return {
                str(r.failed_stage)
                for r in records_in(session, current_only=True, states=[RecordState.FAILED])
            }
    finally:
        store.dispose()


def _work_of_latest_run(world: World) -> bool:
    """True once the newest run holds learners in a work state (between map and sign)."""
    store = world.store()
    try:
        with store.read() as session:
            latest = session.scalar(sa.select(sa.func.max(Run.id)))
            if latest is None or latest < 2:
                return False
            return any(
                r.state in WORK_STATES
                for r in records_in(session, current_only=True, states=list(WORK_STATES))
            )
    finally:
        store.dispose()


def _stop_mid_run(world: World, signum: int) -> int:
    process = world.hub_sync()
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if _work_of_latest_run(world):
            os.killpg(process.pid, signum)
            break
        time.sleep(0.02)
    process.communicate(timeout=120)
    assert process.returncode is not None
    return process.returncode if process.returncode >= 0 else 128 - process.returncode


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_after_a_signal_stopped_the_run(make_world, signum: int) -> None:  # type: ignore[no-untyped-def]
    world = make_world(province_settings(SMALL, seed=14, defects=DEFECTS))
    failed = _first_sync(world)
    code = _stop_mid_run(world, signum)
    assert code == (exits.TERMINATED if signum == signal.SIGTERM else 128 + signal.SIGKILL)
    assert _stranded(world) & failed, "the stopped run left the taken-up learners half-way"
    store = world.store()
    with store.read() as session:
        stopped = session.get(Run, 2)
        assert stopped is not None
        # SIGTERM closes the run in order; after SIGKILL the next run finds it still running.
        want = RunState.INTERRUPTED if signum == signal.SIGTERM else RunState.RUNNING
        assert stopped.state is want
    store.dispose()
    report = world.sync()
    _assert_all_settled(world, report, failed)
