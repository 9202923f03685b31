"""`hub smas-sim init` (a generated province in SMAS's shape, and its keys file) and
`hub smas-sim serve` (it, on loopback). Only click is imported here: the rest loads when a
command runs, so that registering the command costs the hub nothing."""

from __future__ import annotations

import os
from pathlib import Path

import click

WORLD = "world.json"
KEYS = "smas-keys.toml"


@click.group("smas-sim")
def smas_sim() -> None:
    """Mô phỏng API SMAS / the SMAS open API simulator (loopback only)."""


@smas_sim.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--schools", type=int, default=1, show_default=True, help="schools per level")
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.Choice(["02", "03", "04"]),
    help="CapHoc (repeat; default 02, 03 and 04)",
)
@click.option("--classes-per-grade", type=int, default=1, show_default=True)
@click.option("--learners-per-class", type=int, default=30, show_default=True)
def init(
    folder: Path,
    seed: int,
    schools: int,
    levels: tuple[str, ...],
    classes_per_grade: int,
    learners_per_class: int,
) -> None:
    """Write FOLDER/world.json and FOLDER/smas-keys.toml (mode 600)."""
    from hub_smas.sim.world import build_world, sim_settings

    settings = sim_settings(
        seed=seed,
        schools=schools,
        levels=levels or ("02", "03", "04"),
        classes_per_grade=classes_per_grade,
        learners_per_class=learners_per_class,
    )
    world = build_world(settings)
    folder.mkdir(parents=True, exist_ok=True)
    world.save(folder / WORLD)
    keys = folder / KEYS
    descriptor = os.open(keys, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(world.keys_toml())
    os.chmod(keys, 0o600)
    pupils = sum(
        len(c["pupils"])
        for s in world.schools.values()
        for y in s["years"].values()
        for c in y["class_data"].values()
    )
    click.echo(f"{len(world.schools)} schools, {pupils} pupils: {folder / WORLD}")
    click.echo(f"keys: export HUB_SMAS_KEYS={keys}")


@smas_sim.command("serve")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", type=int, default=8771, show_default=True)
@click.option(
    "--faults",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a fault plan (JSON: error_rate, slow_rate, malformed_rate, failing_classes, …)",
)
def serve(folder: Path, port: int, faults: Path | None) -> None:
    """Serve FOLDER's world on 127.0.0.1:PORT until interrupted."""
    from hub.testing import uvicorn_server
    from hub_smas.sim.app import SmasSimulator
    from hub_smas.sim.faults import FaultPlan
    from hub_smas.sim.world import World

    world = World.load(folder / WORLD)
    app = SmasSimulator(world, FaultPlan.load(faults) if faults else None)
    uv = uvicorn_server(app)
    uv.config.host, uv.config.port = "127.0.0.1", port
    click.echo(f"SMAS simulator on http://127.0.0.1:{port} ({len(world.schools)} schools)")
    uv.run()
