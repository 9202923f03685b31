"""`hub signing-sim serve`: run the remote signing service simulator on loopback.

For demos and vendors' integration work: signers come from PEM files (`--signer ID KEY CERT`,
e.g. the teacher certificates `hub pki init` writes) or are made up on the spot
(`--demo-signer ID`). The API token is read from the environment, as the client reads it.
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import exits
from hub.errors import HubError, UsageError
from hub.signing.providers.files import read_certificates
from hub.signing.providers.keys import SigningKey
from hub.signing.providers.remote_protocol import DEFAULT_TOKEN_ENV
from hub.signing.providers.secrets import read_secret


@click.group("signing-sim")
def signing_sim() -> None:
    """Trình mô phỏng dịch vụ ký từ xa / remote signing service simulator."""


def _load_key(path: Path) -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(path.read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(
            f"{path}: không đọc được khóa PEM không mã hóa ({exc}).",
            f"{path}: cannot read an unencrypted PEM key ({exc}).",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise UsageError(f"{path}: cần khóa RSA hoặc EC.", f"{path}: an RSA or EC key is needed.")
    return key


@signing_sim.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address.")
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--signer",
    "signers",
    multiple=True,
    nargs=3,
    type=(
        str,
        click.Path(dir_okay=False, path_type=Path),
        click.Path(dir_okay=False, path_type=Path),
    ),
    metavar="ID KEY.pem CERT.pem",
    help="A signer from an unencrypted PEM key and its certificate (chain may follow).",
)
@click.option(
    "--demo-signer", "demo_signers", multiple=True, metavar="ID", help="A made-up signer."
)
@click.option("--demo-key-type", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True)
@click.option(
    "--policy",
    type=click.Choice(["approve", "deny", "expire", "never"]),
    default="approve",
    show_default=True,
    help="What every signer's phone does with a request.",
)
@click.option("--after-polls", default=2, show_default=True, type=click.IntRange(min=0))
@click.option("--ttl", default=300.0, show_default=True, type=float, help="Seconds to expiry.")
@click.option("--token-env", default=DEFAULT_TOKEN_ENV, show_default=True)
@click.option("--tls-cert", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), default=None)
def serve_command(
    host: str,
    port: int,
    signers: tuple[tuple[str, Path, Path], ...],
    demo_signers: tuple[str, ...],
    demo_key_type: str,
    policy: str,
    after_polls: int,
    ttl: float,
    token_env: str,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Chạy trình mô phỏng ký từ xa / serve the remote signing simulator until Ctrl-C.

    The API token clients must present is read from the variable named by --token-env
    (default HUB_REMOTE_SIGNING_TOKEN) or its _FILE twin; never from the command line.
    """
    # Imported here: Starlette and uvicorn are only needed when the simulator runs.
    from hub.cli.ports import check_port_free
    from hub.signing.providers.remote_protocol import is_loopback
    from hub.signing.remote.server import make_demo_signer, serve
    from hub.signing.remote.simulator import Decision, Policy, SigningSimulator

    try:
        read_secret(token_env, "Mã truy cập của trình mô phỏng", "The simulator's API token")
        if not signers and not demo_signers:
            raise UsageError(
                "Cần ít nhất một --signer hoặc --demo-signer.",
                "At least one --signer or --demo-signer is needed.",
            )
        if (tls_cert is None) != (tls_key is None):
            raise UsageError(
                "--tls-cert và --tls-key phải đi cùng nhau.",
                "--tls-cert and --tls-key go together.",
            )
        simulator = SigningSimulator(token_env=token_env, ttl_seconds=ttl)
        default_policy = Policy(Decision(policy), after_polls)
        for signer_id, key_path, cert_path in signers:
            chain = read_certificates(cert_path)
            simulator.add_signer(signer_id, _load_key(key_path), chain, default_policy)
        for signer_id in demo_signers:
            key, certificate = make_demo_signer(signer_id, demo_key_type)
            simulator.add_signer(signer_id, key, [certificate], default_policy)
        if is_loopback(host):  # elsewhere serve() refuses the host itself
            check_port_free(host, port)
        scheme = "https" if tls_cert else "http"
        click.echo(
            f"Trình mô phỏng ký từ xa / signing simulator: {scheme}://{host}:{port} "
            f"(signers: {', '.join([s[0] for s in signers] + list(demo_signers))}; "
            f"policy: {policy} after {after_polls} polls; token: ${token_env})",
            err=True,
        )
        serve(simulator, host, port, tls_cert, tls_key)
    except HubError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(exits.USAGE) from None
