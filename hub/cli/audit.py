"""`hub audit verify`: check the audit log's hash chain and name the first broken link.

Every entry's hash covers the one before it (hub.store.audit), so an edited, deleted, inserted
or reordered entry breaks the chain where it happened. Cutting entries off the end leaves a
shorter chain that still holds: keep the head this command prints (in a ticket, a report) and
pass it back with `--expected-head SEQ:HASH` to catch that too. Exit 0 when the chain holds,
9 (hub.cli.exits.AUDIT_BROKEN) when it does not.
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import exits
from hub.cli.operator_common import config_option, configured_store, error_console, fail
from hub.cli.sync import run_guarded
from hub.store import ChainReport


@click.group("audit")
def audit_group() -> None:
    """Nhật ký kiểm toán / the audit log of what was signed and sent."""


def _head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        fail(
            exits.USAGE,
            "--expected-head: dạng SEQ:HASH (số thứ tự, 64 ký tự hex), như lệnh này đã in.",
            "--expected-head: SEQ:HASH (a number, 64 hex characters), as this command prints.",
        )
    return int(seq), digest.lower()


@audit_group.command("verify")
@click.option(
    "--expected-head",
    metavar="SEQ:HASH",
    help="Đầu chuỗi đã ghi lại trước đây / a head recorded earlier, to catch a cut end.",
)
@config_option
def verify_command(expected_head: str | None, config_path: Path | None) -> None:
    """Kiểm tra chuỗi băm / check the hash chain; print the first broken link."""
    from hub.store.audit import head, verify_chain

    wanted = _head(expected_head)

    def action() -> tuple[ChainReport, tuple[int, str]]:
        spinner = error_console().status("Đang kiểm tra nhật ký / checking the audit log…")
        with configured_store(config_path) as (_, store), store.read() as session, spinner:
            return verify_chain(session, expected_head=wanted), head(session)

    report, (seq, digest) = run_guarded(action)
    if report.ok:
        click.echo(
            f"Chuỗi nguyên vẹn / the chain holds: {report.entries} mục/entries; "
            f"đầu/head {seq}:{digest}"
        )
        raise SystemExit(exits.OK)
    click.echo(
        f"Chuỗi bị phá ở mục {report.first_bad_seq}: {report.reason_vi}.\n"
        f"The chain is broken at entry {report.first_bad_seq}: {report.reason_en}.\n"
        f"{report.entries} mục đầu còn nguyên / the first {report.entries} entries hold.",
        err=True,
    )
    raise SystemExit(exits.AUDIT_BROKEN)
