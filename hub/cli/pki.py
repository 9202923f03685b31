"""`hub pki init DIR`: a complete test PKI for demos, tests and the ministry sandbox.

`--person NAME` and `--people-from DOC.xml` issue personal certificates to the people the
documents name (version 1.0.1: a GVBM, GVCN or HT signature needs the certificate of the very
person the document names for it), into DIR/people/, which a `pkcs12-folder` signing
provider signs from.
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli import exits
from hub.errors import DocumentError
from hub.signing.named import people_named
from hub.signing.pki import make_test_pki
from hub.signing.providers.base import Person
from hub.signing.xmlio import parse_document


def _people(names: tuple[str, ...], documents: tuple[Path, ...]) -> list[Person]:
    """The people of `--person` and of every document of `--people-from`, in order."""
    people = [Person(name) for name in names]
    for path in documents:
        try:
            tree = parse_document(path.read_bytes())
        except OSError as exc:
            click.echo(f"{path}: không đọc được / cannot read: {exc.strerror}", err=True)
            raise SystemExit(exits.USAGE) from None
        except DocumentError as exc:
            click.echo(f"{path}: {exc.message_vi} / {exc.message_en}", err=True)
            raise SystemExit(exits.USAGE) from None
        people += people_named(tree.getroot())
    return people


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
@click.option(
    "--person",
    "person_names",
    multiple=True,
    help="Issue a personal certificate (CN = NAME) in people/ (repeatable).",
)
@click.option(
    "--people-from",
    "documents",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Issue one to every teacher, homeroom teacher and principal this document names.",
)
def init_command(
    directory: Path,
    school_code: str,
    school_name: str,
    intermediate: bool,
    person_names: tuple[str, ...],
    documents: tuple[Path, ...],
) -> None:
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
    people = _people(person_names, documents)
    try:
        pki = make_test_pki(
            directory,
            school_code=school_code,
            school_name=school_name,
            with_intermediate=intermediate,
            people=people,
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
        f"PKI thử nghiệm / test PKI → {pki.directory} ({len(pki.signers)} signers, "
        f"{len(pki.people)} people; trust folder {pki.trust_dir}; see README.txt)"
    )
