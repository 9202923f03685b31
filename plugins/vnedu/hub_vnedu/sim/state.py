"""The simulator's state folder: written once by `init`, read at `serve`, kept by `touch`/`sign`.

    DIR/state.json                      nam_hoc, client_id, seed, the schools (GET /v2/schools)
    DIR/schools/<MaTruong>/students.json  the school's learner items, by vnedu_id
    DIR/documents/unsigned/<id>.xml     each learner's document before signing
    DIR/documents/signed/<id>.xml       the signed ones (absent: signing unfinished, 404)
    DIR/pki/<MaTruong>/                 each school's test PKI (`hub pki init` layout, people/)
    DIR/trust/                          every school PKI's roots, intermediates and CRLs: the
                                        hub's `[trust] folder`
    DIR/sources.toml                    the hub's configuration for it ([[sources]], [trust])
    DIR/roster.json                     the learners as the sector database holds them (the
                                        ministry sandbox's roster, `hub gen`'s format)

Everything is JSON and XML written ahead, so `serve` starts in a moment and answers from
memory. A learner is unsigned (404) by a draw on (seed, vnedu_id), so the same seed leaves the
same learners unsigned.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from hub.api import Transcript, load_codes
from hub.testing import (
    VendorKeys,
    province_schools,
    roster_row,
    school_pki,
    set_homeroom_comment,
    unsigned_document,
)
from hub_vnedu.sim.items import Item, learner_item, vnedu_id

VN = timezone(timedelta(hours=7))
FIRST_UPDATE = datetime(2025, 5, 20, 8, 0, tzinfo=VN)
STATE_FILE = "state.json"
SOURCES_SNIPPET = "sources.toml"
DEFAULT_CLIENT_ID = "hub-test"


@dataclass(frozen=True)
class InitSettings:
    """What `hub vnedu-sim init` generates."""

    schools: int = 3
    learners_per_school: int = 30
    seed: int = 0
    school_year: str = "2024-2025"
    unsigned_share: float = 0.1
    foreign_share: float = 0.05
    exempt_share: float = 0.01
    client_id: str = DEFAULT_CLIENT_ID
    people_key: Literal["ec", "rsa"] = "ec"  # the teachers' and principals' keys


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(VN).isoformat(timespec="seconds")


def is_unsigned(seed: int, key: str, share: float) -> bool:
    """Whether the learner `key` starts with its signing unfinished."""
    return random.Random(f"{seed}:{key}:unsigned").random() < share


def init_state(
    directory: Path, settings: InitSettings, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Generate the province, its PKIs and every document into `directory` (empty or absent).

    Returns the summary written to state.json.
    """
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty")
    generated = province_schools(
        settings.schools,
        settings.learners_per_school,
        seed=settings.seed,
        school_year=settings.school_year,
        foreign_share=settings.foreign_share,
        exempt_share=settings.exempt_share,
    )
    # The first school before any file: settings the generator refuses (a year like "2024")
    # raise here, leaving nothing behind. state.json is written last, so a folder whose
    # writing stopped halfway is never served.
    first = next(generated)
    codes = load_codes()
    for sub in ("schools", "documents/unsigned", "documents/signed", "pki", "trust"):
        (directory / sub).mkdir(parents=True)
    schools: list[dict[str, str]] = []
    roster: list[dict[str, str | None]] = []
    counts = {"learners": 0, "signed": 0, "unsigned": 0}
    for transcripts in itertools.chain([first], generated):
        header = transcripts[0].header
        code = header.school_code
        schools.append(
            {"ma_truong": code, "ten_truong": header.school_name, "cap_hoc": header.level.value}
        )
        if progress:
            progress(f"{code}: {len(transcripts)} học sinh / learners")
        pki = school_pki(directory / "pki" / code, transcripts, people_key=settings.people_key)
        for path in sorted(pki.trust_dir.iterdir()):
            shutil.copyfile(path, directory / "trust" / f"{code}-{path.name}")
        keys = VendorKeys.from_folder(pki.directory)
        items = _school_items(directory, transcripts, keys, settings, codes, counts)
        _write_json(directory / "schools" / code / "students.json", items)
        roster += [roster_row(t) for t in transcripts]
    _write_json(directory / "roster.json", roster)
    summary: dict[str, Any] = {
        "version": 1,
        "nam_hoc": settings.school_year,
        "client_id": settings.client_id,
        "seed": settings.seed,
        "schools": schools,
        **counts,
    }
    _write_json(directory / STATE_FILE, summary)
    (directory / SOURCES_SNIPPET).write_text(sources_snippet(directory, summary), encoding="utf-8")
    return summary


def sources_snippet(directory: Path, summary: dict[str, Any], port: int = 8090) -> str:
    """The entry to add to the hub's config.toml to read this simulator on `port`."""
    trust = (directory / "trust").resolve()
    return (
        "# The vnEdu simulator of this folder: `HUB_VNEDU_SECRET=… hub vnedu-sim serve "
        f"--state {directory.resolve()} --port {port}`\n"
        "[[sources]]\n"
        'name = "vnedu"\n'
        'plugin = "vnedu"\n'
        f'options = {{ base_url = "http://127.0.0.1:{port}", client_id = '
        f'"{summary["client_id"]}", client_secret_env = "HUB_VNEDU_SECRET", '
        f'years = ["{summary["nam_hoc"]}"] }}\n'
        "\n[trust]\n"
        f"folder = {json.dumps(str(trust))}\n"
    )


def _school_items(
    directory: Path,
    transcripts: list[Transcript],
    keys: VendorKeys,
    settings: InitSettings,
    codes: Any,
    counts: dict[str, int],
) -> list[Item]:
    items: list[Item] = []
    code = transcripts[0].header.school_code
    for number, transcript in enumerate(transcripts, start=1):
        key = vnedu_id(code, number)
        updated = FIRST_UPDATE + timedelta(
            minutes=random.Random(f"{settings.seed}:{key}").randrange(10 * 24 * 60)
        )
        items.append(learner_item(transcript, key, _timestamp(updated), codes))
        unsigned = unsigned_document(transcript)
        (directory / "documents" / "unsigned" / f"{key}.xml").write_bytes(unsigned)
        counts["learners"] += 1
        if is_unsigned(settings.seed, key, settings.unsigned_share):
            counts["unsigned"] += 1
            continue
        (directory / "documents" / "signed" / f"{key}.xml").write_bytes(keys.sign(unsigned))
        counts["signed"] += 1
    return items


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


@dataclass
class SimState:
    """The state folder in memory: schools, items by school (sorted by vnedu_id), documents.

    Changes (`touch`, `sign`) are written back to the folder, under one lock.
    """

    directory: Path
    nam_hoc: str
    client_id: str
    seed: int
    schools: list[dict[str, str]]
    items: dict[str, list[Item]]  # MaTruong → items sorted by vnedu_id
    school_of: dict[str, str] = field(default_factory=dict)  # vnedu_id → MaTruong
    signed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _keys: dict[str, VendorKeys] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> SimState:
        """Read a folder `init_state` wrote.

        Raises:
            FileNotFoundError, ValueError: not such a folder.
        """
        summary = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        items: dict[str, list[Item]] = {}
        school_of: dict[str, str] = {}
        for school in summary["schools"]:
            code = school["ma_truong"]
            path = directory / "schools" / code / "students.json"
            found = sorted(
                json.loads(path.read_text(encoding="utf-8")), key=lambda i: i["vnedu_id"]
            )
            items[code] = found
            school_of |= {item["vnedu_id"]: code for item in found}
        signed = {p.stem for p in (directory / "documents" / "signed").glob("*.xml")}
        return cls(
            directory,
            summary["nam_hoc"],
            summary.get("client_id", DEFAULT_CLIENT_ID),
            int(summary.get("seed", 0)),
            summary["schools"],
            items,
            school_of,
            signed,
        )

    @property
    def trust_dir(self) -> Path:
        return self.directory / "trust"

    def item(self, key: str) -> Item | None:
        code = self.school_of.get(key)
        if code is None:
            return None
        return next((i for i in self.items[code] if i["vnedu_id"] == key), None)

    def unsigned_document(self, key: str) -> bytes:
        return (self.directory / "documents" / "unsigned" / f"{key}.xml").read_bytes()

    def signed_document(self, key: str) -> bytes | None:
        if key not in self.signed:
            return None
        return (self.directory / "documents" / "signed" / f"{key}.xml").read_bytes()

    def keys(self, school_code: str) -> VendorKeys:
        """The school's keys, opened once."""
        found = self._keys.get(school_code)
        if found is None:
            found = self._keys[school_code] = VendorKeys.from_folder(
                self.directory / "pki" / school_code
            )
        return found

    def touch(self, key: str, now: datetime, comment: str | None = None) -> Item:
        """Bump a learner's `updated_at` to `now` and change its homeroom comment; a signed
        document is signed again with the new content, as vnEdu would.

        Raises:
            KeyError: no such learner.
        """
        with self.lock:
            item = self.item(key)
            if item is None:
                raise KeyError(key)
            code = self.school_of[key]
            item["updated_at"] = _timestamp(now)
            if item["ket_qua"]:  # an exempt learner has no results, hence no comment
                text = comment or f"Đã cập nhật lúc {item['updated_at']}."
                item["nhan_xet_gvcn"] = text
                unsigned = set_homeroom_comment(self.unsigned_document(key), text)
                (self.directory / "documents" / "unsigned" / f"{key}.xml").write_bytes(unsigned)
                if key in self.signed:
                    self._write_signed(key, self.keys(code).sign(unsigned))
            _write_json(self.directory / "schools" / code / "students.json", self.items[code])
            return item

    def patch(self, key: str, values: dict[str, Any], now: datetime) -> Item:
        """Set top-level values of a learner's item as given (a test's bad input: a score
        "8,5,1", an impossible date, a missing so_dinh_danh); `updated_at` becomes `now`
        unless given. The documents stay as they are, so they may now disagree with the data.

        Raises:
            KeyError: no such learner.
        """
        with self.lock:
            item = self.item(key)
            if item is None:
                raise KeyError(key)
            item.update({k: v for k, v in values.items() if k != "vnedu_id"})
            if "updated_at" not in values:
                item["updated_at"] = _timestamp(now)
            code = self.school_of[key]
            _write_json(self.directory / "schools" / code / "students.json", self.items[code])
            return item

    def sign(self, key: str) -> bool:
        """Finish signing a pending learner's document; False when it was signed already.

        Raises:
            KeyError: no such learner.
        """
        with self.lock:
            if key not in self.school_of:
                raise KeyError(key)
            if key in self.signed:
                return False
            code = self.school_of[key]
            self._write_signed(key, self.keys(code).sign(self.unsigned_document(key)))
            return True

    def _write_signed(self, key: str, data: bytes) -> None:
        (self.directory / "documents" / "signed" / f"{key}.xml").write_bytes(data)
        self.signed.add(key)
