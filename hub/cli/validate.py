"""`hub validate PATH...`: parse, schema-check and rule-check transcript documents.

Folders are searched recursively for `*.xml`. Each document gets its findings (text, or JSON
with `--format json`). Exit 0 when no document has an error finding, 1 when one has, 2 when a
path is missing or a file cannot be read (the other documents are still checked).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import click

from hub.cli import exits
from hub.document.check import DocumentReport, check_document
from hub.document.names import MAX_DOCUMENT_BYTES
from hub.findings import Severity


class _Problems:
    """I/O and usage problems, reported on stderr as they happen; any one makes the exit 2."""

    def __init__(self) -> None:
        self.count = 0

    def report(self, path: Path, message_vi: str, message_en: str) -> None:
        click.echo(f"{path}: {message_vi} / {message_en}", err=True)
        self.count += 1


def _documents(paths: tuple[Path, ...], problems: _Problems) -> Iterator[Path]:
    """The files named, and every *.xml under the folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.xml") if p.is_file())
            if not found:
                problems.report(
                    path, "thư mục không có tài liệu .xml nào", "the folder holds no .xml document"
                )
            yield from found
        elif path.exists():
            yield path
        else:
            problems.report(path, "không tìm thấy tệp hay thư mục", "no such file or folder")


def _read(path: Path, problems: _Problems) -> bytes | None:
    """The file's bytes, at most one byte over the limit: the checks refuse it without more."""
    try:
        with path.open("rb") as stream:
            return stream.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        problems.report(
            path, f"không đọc được tệp ({exc.strerror})", f"cannot read the file ({exc.strerror})"
        )
        return None


def _as_text(path: Path, report: DocumentReport) -> str:
    errors = sum(f.severity is Severity.ERROR for f in report.findings)
    warnings = len(report.findings) - errors
    head = "OK" if not errors else "CÓ LỖI / HAS ERRORS"
    lines = [f"{path}: {head} ({errors} lỗi / errors, {warnings} cảnh báo / warnings)"]
    for f in report.findings:
        lines.append(f"  {f.code} {f.severity.value} {f.xpath}")
        lines.append(f"      {f.message_vi}")
        lines.append(f"      {f.message_en}")
    return "\n".join(lines)


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human text, or a JSON array of {file, findings}.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day NgayLap must not be after (default: today), for re-checking old batches.",
)
def validate_command(paths: tuple[Path, ...], output_format: str, today: datetime | None) -> None:
    """Kiểm tra học bạ số / check transcript documents: XML, schema and assessment rules."""
    day = today.date() if today is not None else date.today()
    problems = _Problems()
    status = exits.OK
    results: list[dict[str, object]] = []
    for path in _documents(paths, problems):
        data = _read(path, problems)
        if data is None:
            continue
        report = check_document(data, today=day)
        if report.has_errors:
            status = exits.FINDINGS
        if output_format == "json":
            results.append({"file": str(path), "findings": [f.as_json() for f in report.findings]})
        else:
            click.echo(_as_text(path, report))
    if output_format == "json":
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    raise SystemExit(exits.USAGE if problems.count else status)
