"""`hub pki init DIR`: a complete test PKI for demos, tests and the ministry sandbox."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import exits
from hub.signing.pki import make_test_pki


@click.group("pki")
def pki_group() -> None:
    """Hạ tầng khóa thử nghiệm / test PKI."""


@pki_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--school-code",
    default="79000001",
    show_default=True,
    help="MaTruong (8 digits) in the school seal's UID.",
)
@click.option("--school-name", default="Trường THCS Nguyễn Du", show_default=True)
@click.option(
    "--intermediate/--no-intermediate",
    default=True,
    show_default=True,
    help="Issue end entities from an intermediate CA.",
)
def init_command(directory: Path, school_code: str, school_name: str, intermediate: bool) -> None:
    """Tạo PKI thử nghiệm / make a test PKI in DIRECTORY (must be empty or absent).

    Keys are encrypted with $HUB_PKI_PASSWORD, or the documented test password
    "hub-test-pki" when it is not set. Never use it for a real key.
    """
    if not (len(school_code) == 8 and school_code.isdigit()):
        click.echo(
            f"--school-code '{school_code}': MaTruong có 8 chữ số / MaTruong has 8 digits.",
            err=True,
        )
        raise SystemExit(exits.USAGE)
    try:
        pki = make_test_pki(
            directory,
            school_code=school_code,
            school_name=school_name,
            with_intermediate=intermediate,
        )
    except FileExistsError:
        click.echo(
            f"{directory}: thư mục không rỗng / the folder is not empty; choose another.",
            err=True,
        )
        raise SystemExit(exits.USAGE) from None
    except OSError as exc:
        click.echo(f"{directory}: {exc.strerror}", err=True)
        raise SystemExit(exits.USAGE) from None
    click.echo(
        f"PKI thử nghiệm / test PKI → {pki.directory} ({len(pki.signers)} signers; trust folder "
        f"{pki.trust_dir}; see README.txt)"
    )
