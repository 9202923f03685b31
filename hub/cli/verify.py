"""`hub verify PATH... --trust DIR`: an offline verifier of every signature of documents.

For each signature: its role, signer, certificate serial and validity, signing time and
verdict; then the document's findings. Exit 0 only when every signature of every document
holds and every required role is there; 1 otherwise; 2 for usage or I/O errors.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from hub.cli import exits
from hub.errors import HubError, UsageError
from hub.signing.profile import parse_signing_time
from hub.signing.trust import TrustStore
from hub.signing.verify import SignatureResult, VerifyReport, verify_document


def _received_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = parse_signing_time(text)
    if moment is None:
        raise UsageError(
            f"--received-at '{text}': cần dạng 2025-06-01T08:00:00+07:00 (có múi giờ).",
            f"--received-at '{text}': expected e.g. 2025-06-01T08:00:00+07:00 (with offset).",
        )
    return moment


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "?"


def _line(result: SignatureResult) -> str:
    verdict = "hợp lệ / valid" if result.valid else f"KHÔNG hợp lệ / INVALID ({result.code})"
    role = result.role + (f" {result.subject_code}" if result.subject_code else "")
    return (
        f"  {role:<10} {result.id or '(no Id)'}: {verdict}\n"
        f"             ký bởi / signer: {result.shown_subject or '?'}\n"
        f"             serial {result.serial or '?'}, hiệu lực / valid "
        f"{_day(result.not_before)} – {_day(result.not_after)}, "
        f"ký lúc / signed {result.signing_time or '?'}"
    )


def _text(path: Path, report: VerifyReport) -> str:
    head = "OK" if report.ok else "BỊ TỪ CHỐI / REFUSED"
    lines = [f"{path}: {head}"]
    lines += [_line(r) for r in report.signatures]
    lines += [
        f"  {f.code} {f.xpath}\n      {f.message_vi}\n      {f.message_en}" for f in report.findings
    ]
    return "\n".join(lines)


@click.command("verify")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    "trust_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of trusted root and intermediate certificates (PEM/DER) and CRLs.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--received-at", help="Moment of receipt (default: now); signing times after it fail."
)
def verify_command(
    paths: tuple[Path, ...], trust_dir: Path, output_format: str, received_at: str | None
) -> None:
    """Kiểm tra chữ ký học bạ / verify every signature of transcript documents."""
    try:
        trust = TrustStore.from_folder(trust_dir)
        received = _received_at(received_at)
    except HubError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(exits.USAGE) from None
    status = exits.OK
    results = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"{path}: không đọc được / cannot read: {exc.strerror}", err=True)
            status = exits.USAGE
            continue
        report = verify_document(data, trust, received_at=received)
        if not report.ok and status == exits.OK:
            status = exits.FINDINGS
        if output_format == "json":
            results.append(
                {
                    "file": str(path),
                    "signatures": [s.as_json() for s in report.signatures],
                    "findings": [f.as_json() for f in report.findings],
                }
            )
        else:
            click.echo(_text(path, report))
    if output_format == "json":
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    raise SystemExit(status)
