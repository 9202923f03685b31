"""Running the signing simulator: in the foreground (`hub signing-sim serve`) or in a thread.

uvicorn serves the Starlette app on loopback. For tests the socket is bound here, on port 0,
before uvicorn starts, so the port is known without a race; the thread's server is stopped
through `should_exit`, the way uvicorn's own signal handlers stop it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hub.errors import UsageError
from hub.signing.providers.keys import SigningKey
from hub.signing.providers.remote_protocol import is_loopback
from hub.signing.remote.simulator import SigningSimulator

STARTUP_WAIT_SECONDS = 10.0


def _config(
    simulator: SigningSimulator,
    host: str,
    port: int,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
) -> uvicorn.Config:
    if not is_loopback(host):
        raise UsageError(
            f"Trình mô phỏng ký từ xa chỉ nghe trên máy cục bộ (127.0.0.1, ::1), "
            f"không trên {host}.",
            f"The signing simulator listens on loopback only (127.0.0.1, ::1), not on {host}.",
        )
    return uvicorn.Config(
        simulator.app,
        host=host,
        port=port,
        lifespan="off",
        ws="none",
        http="h11",
        log_config=None,  # leave the hub's (and pytest's) logging configuration alone
        access_log=False,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
    )


def serve(
    simulator: SigningSimulator,
    host: str = "127.0.0.1",
    port: int = 8765,
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C), as `hub signing-sim serve` does."""
    uvicorn.Server(_config(simulator, host, port, ssl_certfile, ssl_keyfile)).run()


@contextmanager
def running_simulator(
    simulator: SigningSimulator,
    host: str = "127.0.0.1",
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
) -> Iterator[str]:
    """Serve `simulator` on a free loopback port in a thread; yield its base URL.

    Raises:
        RuntimeError: the server did not start (its thread's exception is chained).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelt out: asyncio sets TCP_NODELAY on accepted sockets only when their
    # proto says TCP, and without it every kept-alive response waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(simulator, host, port, ssl_certfile, ssl_keyfile))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the waiting thread below
            failure.append(exc)

    thread = threading.Thread(target=run, name="signing-simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_WAIT_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        thread.join(STARTUP_WAIT_SECONDS)
        sock.close()
        raise RuntimeError("the signing simulator did not start") from (
            failure[0] if failure else None
        )
    scheme = "https" if ssl_certfile else "http"
    shown_host = f"[{host}]" if ":" in host else host
    try:
        yield f"{scheme}://{shown_host}:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_WAIT_SECONDS)
        sock.close()


def make_demo_signer(
    common_name: str, kind: str = "rsa", valid_days: int = 365
) -> tuple[SigningKey, x509.Certificate]:
    """A throw-away key and self-signed certificate for a demo signer (never for real use).

    Args:
        common_name: the certificate's CN, e.g. the teacher's name.
        kind: "rsa" (2048 bits) or "ec" (P-256).
        valid_days: the certificate's validity from now.
    """
    key: SigningKey = (
        ec.generate_private_key(ec.SECP256R1())
        if kind == "ec"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate
