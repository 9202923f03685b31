"""The sector database the sandbox stands in for: learners and their enrolments.

Seeded from a JSON file, as `hub gen` writes it (`roster.json`): a list of enrolments, each
{MaHocSinh, SoDinhDanh, HoVaTen, NgaySinh, GioiTinh, MaTruong, NamHoc, TenLop}; a learner has
one entry per school year (and per school, when they changed school). Kept in memory: it is
read-only and a province's roster fits easily.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from hub.errors import UsageError


class Enrolment(BaseModel):
    """One learner in one school in one school year, as the sector database holds it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    MaHocSinh: Annotated[str, Field(pattern=r"^[0-9]{10,15}$")]
    SoDinhDanh: Annotated[str, Field(pattern=r"^[0-9]{12}$")] | None = None
    HoVaTen: Annotated[str, Field(min_length=1, max_length=100)]
    NgaySinh: date
    GioiTinh: str
    MaTruong: Annotated[str, Field(pattern=r"^[0-9]{8}$")]
    NamHoc: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{4}$")]
    TenLop: str


_ENTRIES = TypeAdapter(list[Enrolment])


class Roster:
    """Learners by MaHocSinh and by SoDinhDanh, with every enrolment."""

    def __init__(self, enrolments: Iterable[Enrolment] = ()) -> None:
        self._by_code: dict[str, list[Enrolment]] = {}
        self._code_by_id: dict[str, str] = {}
        for entry in enrolments:
            self._by_code.setdefault(entry.MaHocSinh, []).append(entry)
            if entry.SoDinhDanh:
                self._code_by_id[entry.SoDinhDanh] = entry.MaHocSinh
        for entries in self._by_code.values():
            entries.sort(key=lambda e: e.NamHoc)

    @classmethod
    def from_json(cls, path: Path) -> Roster:
        """Read roster.json.

        Raises:
            UsageError: unreadable, or an entry does not fit (names the entry and field).
        """
        try:
            return cls(_ENTRIES.validate_json(path.read_bytes()))
        except OSError as exc:
            raise UsageError(
                f"Không đọc được danh sách học sinh {path}: {exc.strerror}.",
                f"Cannot read the roster {path}: {exc.strerror}.",
            ) from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "/".join(str(p) for p in first["loc"])
            raise UsageError(
                f"{path}: mục {where} không hợp lệ: {first['msg']}.",
                f"{path}: entry {where} is invalid: {first['msg']}.",
            ) from None

    def __len__(self) -> int:
        return len(self._by_code)

    def enrolments(self, ma_hoc_sinh: str) -> list[Enrolment]:
        """A learner's enrolments, oldest year first; empty when unknown (HB103)."""
        return list(self._by_code.get(ma_hoc_sinh, ()))

    def current(
        self, *, ma_hoc_sinh: str | None = None, so_dinh_danh: str | None = None
    ) -> Enrolment | None:
        """The learner's latest enrolment, found by MaHocSinh or by SoDinhDanh."""
        code = ma_hoc_sinh or self._code_by_id.get(so_dinh_danh or "")
        entries = self._by_code.get(code or "")
        return entries[-1] if entries else None
