"""`hub demo`: the newcomer's main job, end to end, on this machine alone.

It generates a small province (primary and lower-secondary schools, a few learners with the
mistakes schools really make), exports each school's spreadsheets, makes a test PKI per school,
starts the ministry sandbox on a free loopback port (seeded with the province's roster and the
PKIs' trust folder), runs a full sync through generic_excel (look-up, rules, build, every
signature role, push, poll), prints where each learner ended up, and stops the sandbox.

When the vnedu plugin is installed, one small vnEdu school joins the province: the plugin's
simulator serves it while the demo runs (hub.cli.demo_vnedu), so the same sync reads
spreadsheets and an API source side by side, and the vendor's signed documents go to the
sandbox as the vendor's bytes; learners whose signing is unfinished wait for the vendor.
When the smas plugin is installed, one small SMAS school joins too (hub.cli.demo_smas): SMAS
has no signatures, so the hub builds its documents and signs them as the people they name
with the school's test PKI, and its pupils who moved away are reported, not sent. So the first
run shows all three kinds of source.

Everything is written under `var/demo/` beside config.toml (made anew on each run, store
included), so the demo never touches the database config.toml or HUB_DATABASE_URL names, and
it talks only to its own sandbox whatever HUB_MINISTRY_ENDPOINT says. Only the test PKI's
documented password and throw-away sandbox and simulator secrets are used; no real secret.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from hub.cli import demo_smas, demo_vnedu, exits
from hub.cli.demo_smas import SmasSchool
from hub.cli.demo_vnedu import VneduSchool
from hub.cli.sync import run_guarded, stop_on_sigterm
from hub.demo_state import MARKER  # what the `serve --demo` commands read
from hub.errors import HubError, StopRequested

if TYPE_CHECKING:
    from hub.config import HubConfig
    from hub.pipeline import SyncReport
    from hub.report.rows import ProblemRow
    from hub.store import RecordRef, Store

DEMO_SEED = 2020  # a seed whose province shows every kind of outcome
DEMO_PORT = 8765
"""Where `hub sandbox serve --demo` listens, and so the ministry address var/demo/hub.toml names
(`hub demo` itself runs its sandbox on a free port for the length of the run)."""
DEMO_ENDPOINT = f"http://127.0.0.1:{DEMO_PORT}/ketnoi"
ENV_FILE = "demo.env"


def _settings() -> object:
    from hub.gen import DefectKind, GenSettings
    from hub.model import SchoolLevel

    return GenSettings(
        seed=DEMO_SEED,
        levels=(SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY),
        schools=2,
        classes_per_grade=1,
        learners_per_class=4,
        foreign_rate=0.0,
        exempt_rate=0.0,
        defects={
            DefectKind.ROSTER_NAME_DIFFERS: 0.05,  # caught by the look-up: a problem at the cell
            DefectKind.WRONG_YEAR_AVERAGE: 0.05,  # caught by the rules: a problem at the cell
            DefectKind.SCORE_OUT_OF_RANGE: 0.02,  # refused by the mapping: a problem at the cell
        },
    )


def _move_enrolments(roster_path: Path, every: int) -> list[str]:
    """Record a few learners in the sector database for the *next* school year only.

    The look-up sees the current enrolment of another year and cannot judge it; the ministry
    finds no enrolment at the school in this year and rejects the transcript (HB105). This is
    how a rejection the hub could not foresee looks.
    """
    rows = json.loads(roster_path.read_text(encoding="utf-8"))
    moved = []
    for i, row in enumerate(rows):
        if i % every == every // 2:
            first = int(row["NamHoc"][:4]) + 1
            row["NamHoc"] = f"{first}-{first + 1}"
            moved.append(row["MaHocSinh"])
    roster_path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return moved


@click.command("demo")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="config.toml whose folder holds var/ (default: $HUB_CONFIG, else ./config.toml).",
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo_command(config_path: Path | None, quiet: bool) -> None:
    """Chạy thử toàn bộ quy trình / run the whole job on a generated province."""
    from hub.config import load_config

    console = Console()
    started = time.monotonic()
    base = run_guarded(lambda: load_config(config_path))
    directory = base.base_dir / "var" / "demo"
    try:
        # SIGTERM too unwinds the demo, so its child processes (the vnEdu simulator) stop.
        with stop_on_sigterm():
            outcome = _run(directory, base.ministry.unit, quiet, console)
    except HubError as exc:
        click.echo(f"{exc.message_vi}\n{exc.message_en}", err=True)
        raise SystemExit(exits.USAGE) from None
    except (StopRequested, KeyboardInterrupt) as exc:
        click.echo("Đã dừng demo / the demo was stopped.", err=True)
        stopped = isinstance(exc, StopRequested)
        raise SystemExit(exits.TERMINATED if stopped else exits.INTERRUPTED) from None
    console.print(
        f"\nXong trong {time.monotonic() - started:.1f} giây / done in "
        f"{time.monotonic() - started:.1f} s. Kho dữ liệu / store: {directory / 'hub.sqlite3'}"
    )
    raise SystemExit(outcome)


def _run(directory: Path, unit: str, quiet: bool, console: Console) -> int:
    from hub.cli.demo_province import (
        DEFAULT_TEST_PASSWORD,
        MINISTRY_PASSWORD_ENV,
        PKI_PASSWORD_ENV,
        build_province,
    )
    from hub.cli.sync import report_and_exit_code
    from hub.config import load_config
    from hub.gen import GenSettings
    from hub.pipeline import SyncOptions, SyncReport, ministry_client, run_sync
    from hub.sandbox import running
    from hub.store import migrate, open_existing

    settings = _settings()
    assert isinstance(settings, GenSettings)
    database_url = f"sqlite:///{directory / 'hub.sqlite3'}"
    with (
        console.status("Tạo tỉnh mẫu, bảng tính, PKI thử nghiệm / generating the province…"),
        # Each vendor school's making starts now, beside the province's generation.
        demo_vnedu.SchoolInit(directory, settings.school_year)
        if demo_vnedu.available()
        else nullcontext() as vnedu_init,
        demo_smas.SchoolInit(directory) if demo_smas.available() else nullcontext() as smas_init,
    ):
        province = build_province(
            directory, settings, database_url=database_url, unit=unit, endpoint=DEMO_ENDPOINT
        )
        moved = _move_enrolments(province.roster_path, every=19)
        # Each vendor school joins the roster, the trust folder and hub.toml (None: no plugin).
        vnedu = vnedu_init.finish(province, settings.school_year) if vnedu_init else None
        smas = smas_init.finish(province, settings.school_year) if smas_init else None
    console.print(
        f"Tỉnh mẫu / province: {len(province.schools)} trường/schools, {province.learners} "
        f"học sinh/learners → {province.excel_dir}"
    )
    if vnedu is None:
        console.print(
            "[dim](Chưa cài plugin vnedu: demo không có trường vnEdu / the vnedu plugin is not "
            "installed: no vnEdu school.)[/dim]"
        )
    else:
        console.print(
            f"vnEdu: {len(vnedu.schools)} trường/school, {vnedu.learners} học sinh/learners "
            f"→ {vnedu.state_dir}"
        )
    if smas is None:
        console.print(
            "[dim](Chưa cài plugin smas: demo không có trường SMAS / the smas plugin is not "
            "installed: no SMAS school.)[/dim]"
        )
    else:
        console.print(
            f"SMAS: {len(smas.schools)} trường/school, {smas.pupils} học sinh/learners "
            f"→ {smas.world_dir}"
        )
        os.environ[demo_smas.KEYS_ENV] = str(smas.keys)  # the adapter's keys file
    # The test PKI's documented password and a throw-away sandbox password: not secrets.
    os.environ[PKI_PASSWORD_ENV] = DEFAULT_TEST_PASSWORD
    password = secrets.token_urlsafe(16)
    os.environ[MINISTRY_PASSWORD_ENV] = password
    vnedu_secret = secrets.token_urlsafe(16)  # the simulator's client_secret: throw-away
    os.environ[demo_vnedu.SECRET_ENV] = vnedu_secret
    # The simulator starts now, beside the store's and the sandbox's start; the sync waits for it.
    with (
        demo_vnedu.serving(vnedu, vnedu_secret) if vnedu else nullcontext() as simulator,
        demo_smas.serving(smas) if smas else nullcontext() as smas_simulator,
    ):
        config = load_config(province.config_path)
        # The demo's own new store, opened by its URL: HUB_DATABASE_URL (which the
        # configuration would prefer) may name the operator's real store.
        run_guarded(lambda: migrate(database_url))
        store = run_guarded(lambda: open_existing(database_url))
        try:
            with running(province.sandbox_config(password)) as sandbox:
                console.print(f"Sandbox của Bộ / ministry sandbox: {sandbox.endpoint}")
                urls = {}
                if simulator is not None:
                    urls[demo_vnedu.SOURCE_NAME] = run_guarded(simulator.url)
                    console.print(f"Mô phỏng vnEdu / vnEdu simulator: {urls['vnedu']}")
                if smas_simulator is not None:
                    urls[demo_smas.SOURCE_NAME] = run_guarded(smas_simulator.url)
                    console.print(f"Mô phỏng SMAS / SMAS simulator: {urls['smas']}")
                config = _with_base_urls(config, urls)
                with ministry_client(config, sandbox.endpoint) as ministry:
                    report = run_guarded(
                        lambda: run_sync(
                            config, SyncOptions(progress=not quiet), ministry, store=store
                        )
                    )
            assert isinstance(report, SyncReport)
            schools = (
                province.schools | (vnedu.schools if vnedu else {}) | (smas.schools if smas else {})
            )
            _print_outcomes(console, store, report, schools)
        finally:
            store.dispose()
    if moved:
        console.print(
            f"[dim]({len(moved)} học sinh được ghi trong CSDL ngành cho năm học sau để minh họa "
            f"một lần Bộ từ chối / learners enrolled for next year in the sector database, to "
            f"show a rejection.)[/dim]"
        )
    code = report_and_exit_code(report)
    _write_next_steps(
        directory,
        province.config_path,
        _Account(province.unit, province.username, password),
        (vnedu, vnedu_secret) if vnedu else None,
        smas,
    )
    _print_next_steps(console, directory, vnedu is not None, smas is not None)
    # The demo's province has problems and rejections on purpose: showing them is success.
    return exits.OK if code == exits.FINDINGS else code


def _with_base_urls(config: HubConfig, urls: dict[str, str]) -> HubConfig:
    """The configuration reading each named API source at its URL (the demo's simulators
    have their own ports; hub.toml names the ones `hub … serve --demo` take)."""
    sources = [
        s.model_copy(update={"options": {**s.options, "base_url": urls[s.name]}})
        if s.name in urls
        else s
        for s in config.sources
    ]
    return config.model_copy(update={"sources": sources})


@dataclass(frozen=True)
class _Account:
    unit: str
    username: str
    password: str


def _write_next_steps(
    directory: Path,
    config_path: Path,
    account: _Account,
    vnedu: tuple[VneduSchool, str] | None,
    smas: SmasSchool | None,
) -> None:
    """demo.env (the environment the operator's commands need) and demo.json (the sandbox's
    account, the vnEdu simulator's state and port, the SMAS simulator's world and port), so
    the commands of docs/operations.md run against the demo without editing."""
    import shlex
    import sys

    from hub.cli.demo_province import MINISTRY_PASSWORD_ENV, PKI_PASSWORD_ENV
    from hub.signing.pki import DEFAULT_TEST_PASSWORD

    bin_dir = Path(sys.executable).parent
    lines = [
        "# Written by `hub demo`. Source it in a shell (. var/demo/demo.env) to run the",
        "# operator's commands on the demo's store and sandbox. The passwords are throw-away",
        "# ones of a generated province and its test PKI, never real secrets.",
        "unset HUB_DATABASE_URL HUB_MINISTRY_ENDPOINT  # the demo's config names its own",
        f"export HUB_CONFIG={shlex.quote(str(config_path))}",
        f"export {MINISTRY_PASSWORD_ENV}={shlex.quote(account.password)}",
        f"export {PKI_PASSWORD_ENV}={shlex.quote(DEFAULT_TEST_PASSWORD)}",
    ]
    if vnedu is not None:
        lines.append(f"export {demo_vnedu.SECRET_ENV}={shlex.quote(vnedu[1])}")
    if smas is not None:
        lines.append(f"export {demo_smas.KEYS_ENV}={shlex.quote(str(smas.keys))}")
    lines += [
        "unset HUB_LOAD_PLUGINS  # hub.toml's vnedu and smas sources need their plugins",
        f'export PATH={shlex.quote(str(bin_dir))}:"$PATH"',
        "",
    ]
    env_file = directory / ENV_FILE
    env_file.write_text("\n".join(lines), encoding="utf-8")
    env_file.chmod(0o600)
    marker: dict[str, object] = {
        "unit": account.unit,
        "username": account.username,
        "password_env": MINISTRY_PASSWORD_ENV,
        "port": DEMO_PORT,
    }
    if vnedu is not None:
        marker["vnedu"] = demo_vnedu.marker_entry(vnedu[0], directory)
    if smas is not None:
        marker["smas"] = demo_smas.marker_entry(smas, directory)
    (directory / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")


def _print_next_steps(console: Console, directory: Path, vnedu: bool, smas: bool) -> None:
    env = directory / ENV_FILE
    simulator = (
        "  hub vnedu-sim serve --demo &    # mô phỏng vnEdu / the demo's vnEdu simulator\n"
        if vnedu
        else ""
    ) + (
        "  hub smas-sim serve --demo &     # mô phỏng SMAS / the demo's SMAS simulator\n"
        if smas
        else ""
    )
    console.print(
        "\n[bold]Tiếp theo / next[/bold] (docs/operations.md):\n"
        f"  . {escape(str(env))}              # HUB_CONFIG, mật khẩu thử / throw-away passwords\n"
        "  hub sandbox serve --demo &      # sandbox của Bộ / the demo's ministry sandbox\n"
        f"{simulator}"
        "  hub status                      # từng trường / every school\n"
        "  hub report --out var/demo/bao-cao\n"
        "  hub retry --only-rejected       # sau khi sửa nguồn / after a fix at the source\n"
        "  hub sync                        # không đổi: không gửi lại / unchanged: nothing sent",
        markup=True,
        highlight=False,
    )


def _learner_line(ref: RecordRef, problems: list[ProblemRow]) -> str:
    from hub.lifecycle import RecordState

    if ref.state is RecordState.ACCEPTED:
        return f"  [green]✔[/green] {ref.learner_key:<16} chấp nhận / accepted  {ref.transcript_id}"
    if ref.state is RecordState.AWAITING_VENDOR:
        return (
            f"  [blue]…[/blue] {ref.learner_key:<16} chờ nhà cung cấp ký / awaiting vendor "
            f"signatures"
        )
    if ref.state is RecordState.REJECTED:
        mark, label = "[red]✘[/red]", "bị từ chối / rejected"
    else:
        mark, label = "[yellow]⚠[/yellow]", f"vấn đề / problem ({ref.failed_stage})"
    errors = [p for p in problems if p.severity == "error"]
    first = errors[0] if errors else None
    why = f"{first.code}: {first.message_vi}  ← {first.location}" if first else ""
    return f"  {mark} {ref.learner_key:<16} {label}  {escape(why)}"


def _print_outcomes(
    console: Console, store: Store, report: SyncReport, schools: dict[str, str]
) -> None:
    from hub.lifecycle import RecordState
    from hub.report.batch import batch_view

    totals: dict[str, int] = defaultdict(int)
    with store.read() as session:
        views = [batch_view(session, counts.batch_id) for counts in report.batches]
    for view in views:
        name = schools.get(view.school_code, view.school_code)
        console.print(
            f"\n[bold]{escape(name)}[/bold] ({view.school_code}), {view.school_year}: "
            f"{view.counts.rows_in} học sinh / learners"
        )
        for ref in view.records:
            totals[ref.state.value] += 1
            console.print(_learner_line(ref, view.problems_of(ref.id)))
        for problem in view.problems_of(None):
            text = f"{problem.code}: {problem.message_vi}  ← {problem.location}"
            if problem.severity == "error":
                totals["source"] += 1
                console.print(f"  [yellow]⚠[/yellow] {'(nguồn/source)':<16} {escape(text)}")
            elif problem.learner_key is not None:
                # A learner the source lists but the hub does not send (SMAS: moved away).
                totals["reported"] += 1
                console.print(
                    f"  [dim]↷[/dim] {problem.learner_key:<16} báo cáo / reported  {escape(text)}"
                )
    waiting = totals[RecordState.AWAITING_VENDOR.value]
    console.print(
        f"\nChấp nhận / accepted {totals['accepted']}, bị từ chối / rejected "
        f"{totals['rejected']}, vấn đề / problems {totals['failed'] + totals['source']}"
        + (f", chờ nhà cung cấp ký / awaiting vendor signatures {waiting}" if waiting else "")
        + (
            f", báo cáo, không gửi / reported, not sent {totals['reported']}."
            if totals["reported"]
            else "."
        )
    )
