"""`hub sandbox serve`: the ministry sandbox on loopback, for tests, demos and vendors.

Secrets never on the command line: account passwords come from the variables the accounts
file names, and the admin endpoint's token from HUB_SANDBOX_ADMIN_TOKEN (or
HUB_SANDBOX_ADMIN_TOKEN_FILE); without it the admin endpoint is off.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hub.cli import exits
from hub.errors import HubError, UsageError

if TYPE_CHECKING:
    from hub.sandbox import Accounts

ADMIN_TOKEN_ENV = "HUB_SANDBOX_ADMIN_TOKEN"  # noqa: S105 -- the variable's name


@click.group("sandbox")
def sandbox_group() -> None:
    """Môi trường thử nghiệm dịch vụ kết nối của Bộ / the ministry sandbox."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback only.")
@click.option("--port", type=int, help="Default 8080 (with --demo: the demo's, 8765).")
@click.option(
    "--demo",
    is_flag=True,
    help="Over the state `hub demo` left (var/demo, or $HUB_CONFIG's folder): the demo's "
    "roster, trust folder, account and port / sandbox trên dữ liệu của `hub demo`.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file of the sandbox's state (kept across restarts).",
)
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="roster.json of the sector database (as `hub gen` writes it).",
)
@click.option(
    "--trust",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Trust folder: root and intermediate certificates and CRLs (`hub pki init`).",
)
@click.option(
    "--accounts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file of accounts; each names the variable holding its password.",
)
@click.option(
    "--faults",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON fault plan to start with (see docs/ministry-sandbox.md).",
)
@click.option("--seed", type=int, help="Seed of the fault plan (overrides the file's).")
@click.option(
    "--processing-delay",
    default=0.0,
    show_default=True,
    type=float,
    help="Seconds before a received submission is processed.",
)
@click.option("--path", "endpoint_path", default="/ketnoi", show_default=True)
def serve_command(
    host: str,
    port: int | None,
    demo: bool,
    state: Path | None,
    roster: Path | None,
    trust: Path | None,
    accounts: Path | None,
    faults: Path | None,
    seed: int | None,
    processing_delay: float,
    endpoint_path: str,
) -> None:
    """Chạy sandbox của Bộ trên loopback / serve the ministry sandbox on loopback.

    The WSDL is at http://HOST:PORT/ketnoi?wsdl.
    """
    # Imported here so that `hub --help` does not load uvicorn and the checks.
    from pydantic import ValidationError

    from hub.cli.ports import check_port_free
    from hub.demo_state import demo_folder
    from hub.sandbox import Accounts, FaultPlan, SandboxConfig, serve
    from hub.sandbox.server import check_loopback
    from hub.signing.providers.secrets import read_secret, secret_is_set

    try:
        marker: dict[str, Any] = {}
        if demo:
            folder, marker = demo_folder()
            state = state or folder / "sandbox.sqlite3"
            roster = roster or folder / "roster.json"
            trust = trust or folder / "trust"
            port = port or int(marker["port"])
        missing = [
            f"--{name}"
            for name, value in (("state", state), ("roster", roster), ("trust", trust))
            if value is None
        ] + (["--accounts"] if accounts is None and not demo else [])
        if missing:
            raise UsageError(
                f"Thiếu {', '.join(missing)} (hoặc dùng --demo sau `hub demo`).",
                f"Missing {', '.join(missing)} (or use --demo after `hub demo`).",
            )
        assert state is not None
        assert roster is not None
        assert trust is not None
        if accounts is not None:
            account_list = Accounts.from_toml(accounts)
        else:
            account_list = _demo_accounts(marker)
        plan = FaultPlan()
        if faults is not None:
            try:
                plan = FaultPlan.model_validate_json(faults.read_bytes())
            except ValidationError as exc:
                raise UsageError(
                    f"{faults}: kế hoạch lỗi không hợp lệ: {exc}",
                    f"{faults}: invalid fault plan: {exc}",
                ) from None
        if seed is not None:
            plan = plan.model_copy(update={"seed": seed})
        token = None
        if secret_is_set(ADMIN_TOKEN_ENV):
            token = read_secret(ADMIN_TOKEN_ENV, "Mã quản trị sandbox", "Sandbox admin token")
        config = SandboxConfig(
            state=state,
            roster=roster,
            trust=trust,
            accounts=account_list,
            faults=plan,
            processing_delay=processing_delay,
            admin_token=token,
            path=endpoint_path,
        )
        port = port or 8080
        check_loopback(host)
        check_port_free(host, port)
        click.echo(f"Sandbox: http://{host}:{port}{endpoint_path}?wsdl", err=True)
        serve(config, host, port)
    except (HubError, OSError) as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(exits.USAGE) from None


def _demo_accounts(marker: dict[str, Any]) -> Accounts:
    """The demo's one account, its password from the variable demo.env sets."""
    from hub.sandbox import Account, Accounts
    from hub.signing.providers.secrets import read_secret

    variable = str(marker["password_env"])
    password = read_secret(
        variable,
        f"Mật khẩu tài khoản demo (chạy `. var/demo/demo.env` để đặt {variable})",
        f"The demo account's password (`. var/demo/demo.env` sets {variable})",
    )
    return Accounts(
        [Account.with_password(str(marker["username"]), password, [str(marker["unit"])])]
    )
