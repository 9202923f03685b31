"""`hub smas-sim init` (a generated province in SMAS's shape, and its keys file) and
`hub smas-sim serve` (it, on loopback). Only click is imported here: the rest loads when a
command runs, so that registering the command costs the hub nothing.

    hub smas-sim init FOLDER [--level 04] [--learners-per-class 3] [--moved-rate 0.03]
                             [--no-old-year]
    hub smas-sim serve FOLDER [--port 8771] [--faults PLAN.json]
    hub smas-sim serve --demo    the SMAS school `hub demo` left (after `. var/demo/demo.env`)

`init` writes, beside the world and its keys file, what a hub that signs the school's documents
needs (SMAS has no signatures): `roster.json` (the sector database's rows for its learners)
and `people.json` (each school's name and everyone its documents name for a personal
signature, to issue certificates to). `serve` prints its base URL, then a ready line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

WORLD = "world.json"
KEYS = "smas-keys.toml"
ROSTER = "roster.json"
PEOPLE = "people.json"
USAGE_EXIT = 2


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
@click.option(
    "--moved-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.03,
    show_default=True,
    help="share of pupils who moved away or dropped out",
)
@click.option(
    "--old-year/--no-old-year",
    default=True,
    show_default=True,
    help="a 2019-2020 class per school with the pre-2021 mark kinds",
)
def init(
    folder: Path,
    seed: int,
    schools: int,
    levels: tuple[str, ...],
    classes_per_grade: int,
    learners_per_class: int,
    moved_rate: float,
    old_year: bool,
) -> None:
    """Write FOLDER/world.json, FOLDER/smas-keys.toml (mode 600), roster.json, people.json."""
    from hub.testing import generate
    from hub_smas.sim.world import build_world, sim_settings

    settings = sim_settings(
        seed=seed,
        schools=schools,
        levels=levels or ("02", "03", "04"),
        classes_per_grade=classes_per_grade,
        learners_per_class=learners_per_class,
    )
    world = build_world(settings, moved_rate=moved_rate, old_year=old_year)
    folder.mkdir(parents=True, exist_ok=True)
    # The world holds every school's key and secret too: both files are their owner's only.
    _private(folder / WORLD, world.to_json())
    keys = folder / KEYS
    _private(keys, world.keys_toml())
    roster = [g.roster.as_json() for g in generate(settings) if g.roster is not None]
    (folder / ROSTER).write_text(json.dumps(roster, ensure_ascii=False), encoding="utf-8")
    people = {
        code: {
            "name": school["school"]["schoolName"],
            "signers": [person.name for person in world.signers(code)],
        }
        for code, school in sorted(world.schools.items())
    }
    (folder / PEOPLE).write_text(
        json.dumps({"schools": people}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    pupils = sum(
        len(c["pupils"])
        for s in world.schools.values()
        for y in s["years"].values()
        for c in y["class_data"].values()
    )
    click.echo(f"{len(world.schools)} schools, {pupils} pupils: {folder / WORLD}")
    click.echo(f"keys: export HUB_SMAS_KEYS={keys}")


def _private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)  # a file that was there before keeps its mode through os.open


def demo_settings() -> tuple[Path, int, Path | None]:
    """The world's folder, port and fault plan of the SMAS school `hub demo` left (its
    demo.json's "smas" entry, paths relative to the demo's folder).

    Raises:
        UsageError: no demo was run here, or it ran without this plugin.
    """
    from hub.testing import demo_entry

    folder, entry = demo_entry("smas", "smas")
    faults = entry.get("faults")
    return folder / entry["world"], int(entry["port"]), folder / faults if faults else None


@smas_sim.command("serve")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--demo", is_flag=True, help="The SMAS school `hub demo` left: its world, port and faults."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Default 8771 (with --demo: the port var/demo/hub.toml names; 0: a free one).",
)
@click.option(
    "--faults",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a fault plan (JSON: error_rate, slow_rate, malformed_rate, failing_classes, …)",
)
def serve(folder: Path | None, demo: bool, port: int | None, faults: Path | None) -> None:
    """Serve FOLDER's world on 127.0.0.1:PORT until interrupted."""
    from hub.api import UsageError
    from hub.testing import bind_socket, uvicorn_server
    from hub_smas.sim.app import SmasSimulator
    from hub_smas.sim.faults import FaultPlan
    from hub_smas.sim.world import World

    if demo:
        try:
            demo_folder, demo_port, demo_faults = demo_settings()
        except UsageError as exc:
            click.echo(str(exc), err=True)
            raise SystemExit(USAGE_EXIT) from None
        folder, port = folder or demo_folder, demo_port if port is None else port
        faults = faults or demo_faults
    if folder is None:
        raise click.UsageError("Thiếu FOLDER (hoặc dùng --demo) / missing FOLDER (or --demo).")
    if not (folder / WORLD).is_file():
        click.echo(f"{folder / WORLD}: không có / not found (run `hub smas-sim init`).", err=True)
        raise SystemExit(USAGE_EXIT)
    world = World.load(folder / WORLD)
    app = SmasSimulator(world, FaultPlan.load(faults) if faults else None)
    port = 8771 if port is None else port
    try:
        listening = bind_socket("127.0.0.1", port)
    except OSError as exc:
        click.echo(f"127.0.0.1:{port}: {exc.strerror}", err=True)
        raise SystemExit(USAGE_EXIT) from None
    # Listening before the ready line: a client that connects at once waits in the backlog.
    listening.listen(128)
    bound = listening.getsockname()[1]
    click.echo(f"SMAS simulator: http://127.0.0.1:{bound} ({len(world.schools)} schools)")
    click.echo("ready / sẵn sàng (Ctrl-C to stop)")
    uvicorn_server(app).run(sockets=[listening])
