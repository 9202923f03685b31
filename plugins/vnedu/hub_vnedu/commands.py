"""`hub vnedu-sim`: the vnEdu simulator's commands, added to `hub` by `register_commands`.

    hub vnedu-sim init --out DIR [--schools 3] [--learners-per-school 30] [--seed 0]
                       [--unsigned-share 0.1] [--foreign-share 0.05] [--year 2024-2025]
                       [--client-id hub-test]
    HUB_VNEDU_SECRET=… hub vnedu-sim serve --state DIR --port 8090 [--host 127.0.0.1]
                       [--token-lifetime 3600] [--faults PLAN.toml] [--client-id X]
    hub vnedu-sim serve --demo      the vnEdu school `hub demo` left (after `. var/demo/demo.env`)

The client secret is read from $HUB_VNEDU_SECRET (never an argument: argv is visible to every
user of the machine). `serve` prints its base URL, the trust folder its documents verify
against, then a ready line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import click

from hub.api import UsageError, hookimpl
from hub_vnedu.sim.faults import FaultPlan
from hub_vnedu.sim.server import SECRET_ENV, build_simulator, check_loopback, serve
from hub_vnedu.sim.state import DEFAULT_CLIENT_ID, SOURCES_SNIPPET, InitSettings, init_state

USAGE_EXIT = 2


def _fail(exc: UsageError) -> None:
    click.echo(str(exc), err=True)
    raise SystemExit(USAGE_EXIT)


def _share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        _fail(UsageError(f"{name} = {value}: cần từ 0 đến 1.", f"{name} = {value}: expected 0..1."))


@click.group("vnedu-sim")
def vnedu_sim() -> None:
    """Mô phỏng API vnEdu / the vnEdu partner API simulator (loopback only)."""


@vnedu_sim.command("init")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--schools", default=3, show_default=True, type=click.IntRange(1, 999))
@click.option("--learners-per-school", default=30, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--year", "school_year", default="2024-2025", show_default=True)
@click.option("--unsigned-share", default=0.1, show_default=True, type=float,
              help="Learners whose signing is unfinished (document: 404).")  # fmt: skip
@click.option("--foreign-share", default=0.05, show_default=True, type=float)
@click.option("--exempt-share", default=0.01, show_default=True, type=float)
@click.option("--client-id", default=DEFAULT_CLIENT_ID, show_default=True)
@click.option("--people-key", type=click.Choice(["ec", "rsa"]), default="ec", show_default=True,
              help="The people's keys (rsa: as most Vietnamese CAs issue).")  # fmt: skip
def init_command(
    out: Path,
    schools: int,
    learners_per_school: int,
    seed: int,
    school_year: str,
    unsigned_share: float,
    foreign_share: float,
    exempt_share: float,
    client_id: str,
    people_key: Literal["ec", "rsa"],
) -> None:
    """Tạo trạng thái mô phỏng / generate a province, its test PKIs and documents into OUT."""
    for name, value in (
        ("--unsigned-share", unsigned_share),
        ("--foreign-share", foreign_share),
        ("--exempt-share", exempt_share),
    ):
        _share(name, value)
    settings = InitSettings(
        schools=schools,
        learners_per_school=learners_per_school,
        seed=seed,
        school_year=school_year,
        unsigned_share=unsigned_share,
        foreign_share=foreign_share,
        exempt_share=exempt_share,
        client_id=client_id,
        people_key=people_key,
    )
    try:
        summary = init_state(out, settings, progress=click.echo)
    except FileExistsError:
        _fail(UsageError(f"{out}: thư mục không rỗng.", f"{out}: the folder is not empty."))
    except UsageError as exc:
        _fail(exc)
    click.echo(
        f"{summary['learners']} học sinh / learners in {len(summary['schools'])} schools "
        f"({summary['signed']} signed, {summary['unsigned']} awaiting signatures) → {out}; "
        f"trust folder {out / 'trust'}"
    )
    click.echo(f"config.toml: {out / SOURCES_SNIPPET}")


def demo_settings() -> tuple[Path, int, Path | None]:
    """The state folder, port and fault plan of the vnEdu school `hub demo` left (its
    demo.json's "vnedu" entry, paths relative to the demo's folder).

    Raises:
        UsageError: no demo was run here, or it ran without this plugin.
    """
    from hub.testing import demo_entry  # only for --demo: `hub` starts without the kit

    folder, entry = demo_entry("vnedu", "vnedu")
    faults = entry.get("faults")
    return folder / entry["state"], int(entry["port"]), folder / faults if faults else None


@vnedu_sim.command("serve")
@click.option("--state", "state",
              type=click.Path(file_okay=False, exists=True, path_type=Path))  # fmt: skip
@click.option("--demo", is_flag=True,
              help="The vnEdu school `hub demo` left: its state, port and faults.")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535),
              help="Default 8090 (with --demo: the port var/demo/hub.toml names).")  # fmt: skip
@click.option("--token-lifetime", default=3600, show_default=True, type=click.IntRange(1),
              help="Seconds an access token is valid.")  # fmt: skip
@click.option("--faults", "faults", type=click.Path(dir_okay=False, path_type=Path),
              help="A fault plan (TOML; see hub_vnedu.sim.faults).")  # fmt: skip
@click.option("--client-id", default=None, help="Default: the one `init` wrote.")
def serve_command(
    state: Path | None,
    demo: bool,
    host: str,
    port: int | None,
    token_lifetime: int,
    faults: Path | None,
    client_id: str | None,
) -> None:
    """Chạy mô phỏng / serve the simulated vnEdu API (secret from $HUB_VNEDU_SECRET)."""
    secret = os.environ.get(SECRET_ENV)
    try:
        if demo:
            demo_state, demo_port, demo_faults = demo_settings()
            state, port = state or demo_state, demo_port if port is None else port
            faults = faults or demo_faults
        if state is None:
            raise UsageError(
                "Thiếu --state (hoặc dùng --demo sau `hub demo`).",
                "Missing --state (or use --demo after `hub demo`).",
            )
        port = 8090 if port is None else port
        check_loopback(host)
        if not secret:
            raise UsageError(
                f"Chưa đặt biến môi trường {SECRET_ENV} (client_secret của mô phỏng).",
                f"Set the environment variable {SECRET_ENV} (the simulator's client_secret).",
            )
        plan = FaultPlan.from_toml(faults) if faults else FaultPlan()
        simulator = build_simulator(
            state, secret, client_id=client_id, token_lifetime=token_lifetime, faults=plan
        )
    except UsageError as exc:
        _fail(exc)
        return

    def ready(url: str) -> None:
        click.echo(f"vnEdu simulator: {url} (client_id {simulator.client_id})")
        click.echo(f"trust folder: {simulator.state.trust_dir}")
        click.echo("ready / sẵn sàng (Ctrl-C to stop)")

    try:
        serve(simulator, host, port, on_ready=ready)
    except UsageError as exc:
        _fail(exc)


COMMANDS: tuple[click.Command, ...] = (vnedu_sim,)


@hookimpl
def register_commands(register: Callable[[click.Command], None]) -> None:
    """`hub vnedu-sim`: the simulator of the vendor this plugin reads."""
    for command in COMMANDS:
        register(command)
