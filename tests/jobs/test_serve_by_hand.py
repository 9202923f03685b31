"""A `hub sync` typed by hand while `hub serve` works on the same school: it says who holds
the school (exit 3), or with --wait waits for the service's job and then finds nothing left
to send. Every learner is accepted once: nothing is sent twice."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import sqlalchemy as sa
from pipeline.checks import assert_exactly_once
from pipeline.conftest import World, expected_ids, province_settings

from hub.cli import exits
from hub.jobs import history
from hub.store.tables import Lease

from .test_serve_sigterm import _free_port, _last_firing, _serve, _stop, _until


def _held_school(world: World) -> str | None:
    """The school of the piece the service holds now (None: no piece lease held)."""
    store = world.store()
    try:
        with store.read() as session:
            schools = [s for s in session.scalars(sa.select(Lease.school)) if s is not None]
    finally:
        store.dispose()
    return schools[0] if schools else None


def _finish(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output.decode()


def test_a_sync_by_hand_on_the_school_the_service_works_on_waits_or_says_who(  # type: ignore[no-untyped-def]
    make_world,
) -> None:
    settings = province_settings(600, seed=37)  # a school's job outlasts two commands' start
    world = make_world(settings)
    with world.province.config_path.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[schedules]]\nname = "nightly"\ncron = "0 1 * * *"\njob = "sync"\n\n'
            f"[serve]\nport = {_free_port()}\n"
        )
    store = world.store()
    try:  # a slot missed while the service was down: it syncs at once
        history.record_firing(store, "nightly", datetime(2026, 1, 1, tzinfo=UTC), 0)
    finally:
        store.dispose()

    service = _serve(world)
    try:
        _until(lambda: _held_school(world) is not None, service, "a school's lease")
        school = _held_school(world)
        assert school is not None
        refused = world.hub_sync("--school", school)
        waiting = world.hub_sync("--school", school, "--wait", "600")
        code, text = _finish(refused)
        assert code == exits.STORE, text
        assert f"process {service.pid}" in text  # the service is named as the holder
        assert school in text
        code, text = _finish(waiting)
        assert code == exits.OK, text
        assert text.count(f"process {service.pid}") >= 1, text  # whom it waited for
        assert text.count("Đang chờ") == 1, text
        _until(
            lambda: (f := _last_firing(world)) is not None and f.finished_at is not None,
            service,
            "the firing's end",
        )
    finally:
        code, _, output = _stop(service, whole_group=False)
    assert code == 0, output
    assert_exactly_once(world, expected_ids(settings))
