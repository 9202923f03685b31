"""A generated province laid out as a province hub meets it: for `hub demo`, tests and the bench.

    DIR/
      excel/<MaTruong>/         each school's spreadsheets (learner list, one file per class)
                 source.json    the school's generic_excel options (hub.pipeline.extract)
      pki/<MaTruong>/           a test PKI per school: its seal carries the school's MaTruong
      trust/                    every school PKI's roots, intermediates and CRLs
      roster.json               the sector database the ministry sandbox answers from
      hub.toml                  the hub's configuration for this province

The signers are the test PKI's: each school's seal (DV, `seal@<MaTruong>`), and for GVBM, GVCN
and HT the very people the school's documents name (version 1.0.1, HB006): each school's test
PKI issues a certificate to every subject teacher, homeroom teacher and the principal its
transcripts name, into `pki/<MaTruong>/people/`, and one `pkcs12-folder` provider per school
(`people@<MaTruong>`) signs each signature with the key of the person it is for. Keys are
PKCS#12 files under the test PKI's documented password, read from the variable
`PKI_PASSWORD_ENV` (set it to `DEFAULT_TEST_PASSWORD`): never a real secret.
"""

from __future__ import annotations

import importlib
import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hub.gen import GenSettings, LedgerEntry, generate
from hub.model import SecondaryResults, Transcript
from hub.sandbox import Account, Accounts, FaultPlan, Roster, SandboxConfig
from hub.signing.pki import DEFAULT_TEST_PASSWORD, make_test_pki
from hub.signing.providers.base import Person

PKI_PASSWORD_ENV = "HUB_DEMO_PKI_PASSWORD"  # noqa: S105 - the variable's name
MINISTRY_PASSWORD_ENV = "HUB_DEMO_MINISTRY_PASSWORD"  # noqa: S105 - the variable's name
SOURCE_NAME = "province-excel"
__all__ = [
    "DEFAULT_TEST_PASSWORD",
    "Province",
    "add_school_pki",
    "build_province",
    "people_of",
    "school_signing_text",
]


@dataclass
class Province:
    """What `build_province` wrote, and what a sandbox for it needs."""

    directory: Path
    config_path: Path
    roster_path: Path
    trust_dir: Path
    unit: str
    username: str
    schools: dict[str, str] = field(default_factory=dict)  # MaTruong → TenTruong
    learners: int = 0
    exempt: int = 0  # learners without results (exempt from assessment): not exported
    ledger: list[LedgerEntry] = field(default_factory=list)

    @property
    def excel_dir(self) -> Path:
        return self.directory / "excel"

    def school_folder(self, school_code: str) -> Path:
        return self.excel_dir / school_code

    def configure(self, text: str) -> None:
        """Add a vendor school's sections (its source, its signing providers) to hub.toml."""
        with self.config_path.open("a", encoding="utf-8") as config:
            config.write("\n" + text)

    def enrol(self, roster_file: Path) -> int:
        """Add a vendor school's roster file (its learners in the sector database) to the
        province's, which the sandbox answers from; how many rows it had."""
        rows = json.loads(self.roster_path.read_text(encoding="utf-8"))
        added = json.loads(roster_file.read_text(encoding="utf-8"))
        self.roster_path.write_text(json.dumps(rows + added, ensure_ascii=False), "utf-8")
        return len(added)

    def sandbox_config(
        self, password: str, *, state: Path | None = None, faults: FaultPlan | None = None
    ) -> SandboxConfig:
        """A sandbox seeded with this province's roster and trust folder."""
        return SandboxConfig(
            state=state or self.directory / "sandbox.sqlite3",
            roster=Roster.from_json(self.roster_path),
            trust=self.trust_dir,
            accounts=Accounts([Account.with_password(self.username, password, [self.unit])]),
            faults=faults or FaultPlan(),
        )


def _schools(settings: GenSettings, province: Province) -> Iterator[list[Transcript]]:
    """The generated learners, one school at a time; writes roster.json on the way."""
    current: list[Transcript] = []
    with province.roster_path.open("w", encoding="utf-8") as roster:
        roster.write("[\n")
        first = True
        for item in generate(settings):
            header = item.transcript.header
            if current and current[0].header.school_code != header.school_code:
                yield current
                current = []
            province.learners += 1
            if item.defect is not None:
                province.ledger.append(item.defect)
            if item.roster is not None:
                roster.write(("" if first else ",\n") + json.dumps(item.roster.as_json()))
                first = False
            if item.transcript.results is None:
                province.exempt += 1  # the spreadsheets have no row of results for them
                continue
            current.append(item.transcript)
        roster.write("\n]\n")
    if current:
        yield current


def _export_school(transcripts: list[Transcript], folder: Path) -> None:
    # The plugin's own exporter (openpyxl), imported by name: hub does not depend on a plugin.
    export = importlib.import_module("hub_generic_excel.export")
    exported = export.export_school(transcripts, folder)
    options = {k: v for k, v in exported.config.items() if k not in ("kind", "folder")}
    (folder / "source.json").write_text(
        json.dumps(options, ensure_ascii=False, indent=2), encoding="utf-8"
    )


def people_of(transcripts: list[Transcript]) -> list[Person]:
    """Every person the transcripts name for a personal signature (GVBM, GVCN, HT), once each.

    Primary documents carry no GVBM signature, so their subject teachers sign nothing.
    """
    people: dict[str, Person] = {}
    for transcript in transcripts:
        results = transcript.results
        teachers = results.subjects if isinstance(results, SecondaryResults) else ()
        confirmation = transcript.confirmation
        for person in (
            *(Person(s.teacher.name, s.teacher.code) for s in teachers),
            Person(confirmation.homeroom_teacher.name, confirmation.homeroom_teacher.code),
            Person(confirmation.principal.name),
        ):
            people.setdefault(person.name, person)
    return list(people.values())


def add_school_pki(province: Province, code: str, name: str, people: list[Person]) -> None:
    """The school's test PKI in pki/<code>/ (its seal, a certificate for each of `people`),
    its roots, intermediates and CRLs in the province's trust folder."""
    pki = make_test_pki(
        province.directory / "pki" / code, school_code=code, school_name=name, people=people
    )
    for path in sorted(pki.trust_dir.iterdir()):
        shutil.copyfile(path, province.trust_dir / f"{code}-{path.name}")


def _p12(code: str, signer: str) -> str:
    return (
        f'kind = "pkcs12"\npath = "pki/{code}/signers/{signer}.p12"\n'
        f'password_env = "{PKI_PASSWORD_ENV}"\n'
    )


def _people(code: str) -> str:
    return (
        f'kind = "pkcs12-folder"\nfolder = "pki/{code}/people"\n'
        f'password_env = "{PKI_PASSWORD_ENV}"\n'
    )


def school_signing_text(code: str) -> str:
    """hub.toml's providers for one school's PKI: its people's keys and its own seal
    (`name@MaTruong`, which the signing roles' providers resolve to for that school)."""
    people = f'[signing.providers."people@{code}"]\n{_people(code)}'
    return f'{people}\n[signing.providers."seal@{code}"]\n{_p12(code, "school")}'


def _config_text(province: Province, database_url: str, endpoint: str) -> str:
    first = next(iter(province.schools))
    lines = [
        "# Written by hub.cli.demo_province: a generated province, its test PKI and sandbox.",
        "[database]",
        f"url = {json.dumps(database_url)}",
        "",
        "[ministry]",
        f"endpoint = {json.dumps(endpoint)}",
        f'unit = "{province.unit}"',
        f'username = "{province.username}"',
        f'password_env = "{MINISTRY_PASSWORD_ENV}"',
        "",
    ]
    # Each school signs with its own people's keys and its own seal (`name@MaTruong`).
    lines += ["[signing.providers.people]", _people(first)]
    lines += ["[signing.providers.seal]", _p12(first, "school")]
    lines += [school_signing_text(code) for code in province.schools]
    lines += [
        "[signing.roles]",
        'GVBM = "people"',
        'GVCN = "people"',
        'HT = "people"',
        'DV = "seal"',
        "",
        "[[sources]]",
        f'name = "{SOURCE_NAME}"',
        'plugin = "generic_excel"',
        'options = { folder = "excel" }',
        "",
    ]
    return "\n".join(lines)


def build_province(
    directory: Path,
    settings: GenSettings,
    *,
    database_url: str,
    unit: str | None = None,
    username: str | None = None,
    endpoint: str = "sandbox",
) -> Province:
    """Generate `settings`' province into `directory` (made empty first).

    Args:
        directory: where to write; removed and made again.
        settings: the generator's settings (schools of several levels, defects, ...).
        database_url: the hub's store, written into hub.toml.
        unit: MaDonViGui; SO<province> by default.
        username: the ministry account; the unit by default.
        endpoint: the ministry's address written into hub.toml ("sandbox": a sandbox whose
            address HUB_MINISTRY_ENDPOINT gives, as tests start one on a free port).
    """
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "excel").mkdir(parents=True)
    (directory / "trust").mkdir()
    unit = unit or f"SO{settings.province}"
    province = Province(
        directory,
        directory / "hub.toml",
        directory / "roster.json",
        directory / "trust",
        unit,
        username or unit,
    )
    # Key generation runs beside the export: a test PKI per school is a dozen RSA keys.
    with ThreadPoolExecutor(max_workers=4) as keys:
        made = []
        for transcripts in _schools(settings, province):
            header = transcripts[0].header
            province.schools[header.school_code] = header.school_name
            people = people_of(transcripts)
            made.append(
                keys.submit(
                    add_school_pki, province, header.school_code, header.school_name, people
                )
            )
            _export_school(transcripts, province.school_folder(header.school_code))
        for future in made:
            future.result()
    province.config_path.write_text(
        _config_text(province, database_url, endpoint), encoding="utf-8"
    )
    return province
