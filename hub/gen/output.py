"""Writing a generated province to a folder: documents, roster.json and defects.json.

Layout: OUT_DIR/<MaTruong>/<MaHoSo>.xml, one document per learner; OUT_DIR/roster.json, the
sector database's rows (the ministry sandbox is seeded from it); OUT_DIR/defects.json, the
ledger of injected defects with the finding each must produce. Everything is written as it is
generated (the two JSON arrays one row per line), so memory stays flat for any province size.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from hub.codes import CodeLists, load_codes
from hub.document.build import build_document
from hub.errors import UsageError
from hub.gen.province import generate
from hub.gen.settings import GenSettings


@dataclass
class Summary:
    """What a run wrote."""

    documents: int = 0
    schools: set[str] = field(default_factory=set)
    roster_rows: int = 0
    defects: Counter[str] = field(default_factory=Counter)
    by_level: Counter[str] = field(default_factory=Counter)


class _JsonArray:
    """A JSON array written one row per line as rows arrive."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._first = True
        stream.write("[")

    def add(self, row: object) -> None:
        self._stream.write("\n" if self._first else ",\n")
        self._stream.write(json.dumps(row, ensure_ascii=False, sort_keys=True))
        self._first = False

    def close(self) -> None:
        self._stream.write("\n]\n")


def write_province(
    settings: GenSettings,
    out_dir: Path,
    on_document: Callable[[], None] = lambda: None,
    codes: CodeLists | None = None,
) -> Summary:
    """Generate the province of `settings` into `out_dir`; call `on_document` after each file."""
    codes = codes or load_codes()
    settings.check(codes)
    summary = Summary()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with (
            (out_dir / "roster.json").open("w", encoding="utf-8") as roster_file,
            (out_dir / "defects.json").open("w", encoding="utf-8") as defects_file,
        ):
            roster, ledger = _JsonArray(roster_file), _JsonArray(defects_file)
            for item in generate(settings, codes):
                header = item.transcript.header
                folder = out_dir / header.school_code
                if header.school_code not in summary.schools:
                    folder.mkdir(exist_ok=True)
                    summary.schools.add(header.school_code)
                (folder / f"{header.record_id}.xml").write_bytes(build_document(item.transcript))
                summary.documents += 1
                summary.by_level[header.level.value] += 1
                if item.roster is not None:
                    roster.add(item.roster.as_json())
                    summary.roster_rows += 1
                if item.defect is not None:
                    ledger.add(item.defect.as_json())
                    summary.defects[item.defect.kind.value] += 1
                on_document()
            roster.close()
            ledger.close()
    except OSError as exc:
        raise UsageError(
            f"không ghi được vào {out_dir}: {exc.strerror} ({exc.filename})",
            f"cannot write to {out_dir}: {exc.strerror} ({exc.filename})",
        ) from None
    return summary
