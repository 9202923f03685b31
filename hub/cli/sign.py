"""`hub sign PATH... --role ROLE`: add one role's signature to documents, by the profile.

The key comes from a provider: `--p12 FILE` (PKCS#12) or `--key KEY.pem --cert CERT.pem`
(PEM). Their password is read from the environment variable named by `--password-env`
(default HUB_SIGNING_PASSWORD, or `<NAME>_FILE` naming a secrets file), never from the command
line. Each output file is written whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from hub.cli import exits
from hub.errors import HubError, UsageError
from hub.signing.profile import Role, parse_signing_time
from hub.signing.providers.base import SigningProvider
from hub.signing.providers.files import PemKeyProvider, Pkcs12Provider
from hub.signing.providers.secrets import secret_is_set
from hub.signing.sign import sign_document


def _provider(
    p12: Path | None, key: Path | None, cert: Path | None, chain: tuple[Path, ...], env: str
) -> SigningProvider:
    if (p12 is None) == (key is None) or (key is not None and cert is None):
        raise UsageError(
            "Chọn đúng một nguồn khóa: --p12 FILE, hoặc --key KEY.pem cùng --cert CERT.pem.",
            "Choose exactly one key source: --p12 FILE, or --key KEY.pem with --cert CERT.pem.",
        )
    if p12 is not None:
        return Pkcs12Provider(p12, password_env=env)
    assert key is not None
    assert cert is not None
    # An unencrypted PEM key needs no password; only look for one when it is configured.
    return PemKeyProvider(key, cert, chain, password_env=env if secret_is_set(env) else None)


def _signing_time(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    moment = parse_signing_time(text)
    if moment is None:
        raise UsageError(
            f"--signing-time '{text}': cần dạng 2025-05-31T08:30:00+07:00 (có múi giờ).",
            f"--signing-time '{text}': expected e.g. 2025-05-31T08:30:00+07:00 (with offset).",
        )
    return moment


def _write_whole(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: no half-written document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command("sign")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--subject", "subject_code", help="MaMon, for --role GVBM only.")
@click.option("--p12", type=click.Path(dir_okay=False, path_type=Path), help="PKCS#12 file.")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path), help="PEM private key.")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), help="PEM certificate.")
@click.option(
    "--chain",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM intermediate certificates (repeatable).",
)
@click.option(
    "--password-env",
    default="HUB_SIGNING_PASSWORD",
    show_default=True,
    help="Name of the environment variable holding the key's password.",
)
@click.option("--signing-time", help="ThoiGianKy, ISO 8601 with offset (default: now).")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file (one PATH) or folder (several PATHs).",
)
def sign_command(
    paths: tuple[Path, ...],
    role: str,
    subject_code: str | None,
    p12: Path | None,
    key: Path | None,
    cert: Path | None,
    chain: tuple[Path, ...],
    password_env: str,
    signing_time: str | None,
    out: Path,
) -> None:
    """Ký học bạ cho một vai trò / sign documents for one role (GVBM, GVCN, HT, DV)."""
    try:
        provider = _provider(p12, key, cert, chain, password_env)
        moment = _signing_time(signing_time)
    except HubError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(exits.USAGE) from None
    to_folder = len(paths) > 1 or out.is_dir()
    status = exits.OK
    for path in paths:
        target = out / path.name if to_folder else out
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"{path}: không đọc được / cannot read: {exc.strerror}", err=True)
            status = exits.USAGE
            continue
        try:
            signed = sign_document(
                data, role, provider, subject_code=subject_code, signing_time=moment
            )
        except HubError as exc:
            click.echo(f"{path}: {exc}", err=True)
            status = max(status, exits.FINDINGS)
            continue
        try:
            _write_whole(target, signed)
        except OSError as exc:
            click.echo(f"{target}: không ghi được / cannot write: {exc.strerror}", err=True)
            status = exits.USAGE
            continue
        click.echo(f"{path} → {target}: {role}" + (f" {subject_code}" if subject_code else ""))
    raise SystemExit(status)
