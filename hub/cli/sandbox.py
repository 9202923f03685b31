"""`hub sandbox serve`: the ministry sandbox on loopback, for tests, demos and vendors.

Secrets never on the command line: account passwords come from the variables the accounts
file names, and the admin endpoint's token from HUB_SANDBOX_ADMIN_TOKEN (or
HUB_SANDBOX_ADMIN_TOKEN_FILE); without it the admin endpoint is off.
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import exits
from hub.errors import HubError, UsageError

ADMIN_TOKEN_ENV = "HUB_SANDBOX_ADMIN_TOKEN"  # noqa: S105 -- the variable's name


@click.group("sandbox")
def sandbox_group() -> None:
    """Môi trường thử nghiệm dịch vụ kết nối của Bộ / the ministry sandbox."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback only.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--state",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file of the sandbox's state (kept across restarts).",
)
@click.option(
    "--roster",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="roster.json of the sector database (as `hub gen` writes it).",
)
@click.option(
    "--trust",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Trust folder: root and intermediate certificates and CRLs (`hub pki init`).",
)
@click.option(
    "--accounts",
    required=True,
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
    port: int,
    state: Path,
    roster: Path,
    trust: Path,
    accounts: Path,
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
    from hub.sandbox import Accounts, FaultPlan, SandboxConfig, serve
    from hub.sandbox.server import check_loopback
    from hub.signing.providers.secrets import read_secret, secret_is_set

    try:
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
            accounts=Accounts.from_toml(accounts),
            faults=plan,
            processing_delay=processing_delay,
            admin_token=token,
            path=endpoint_path,
        )
        check_loopback(host)
        check_port_free(host, port)
        click.echo(f"Sandbox: http://{host}:{port}{endpoint_path}?wsdl", err=True)
        serve(config, host, port)
    except (HubError, OSError) as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(exits.USAGE) from None
