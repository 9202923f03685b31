"""The operations the command line (and later the console) call: import a file, list.

Each reads or writes the store in one transaction: an import checks every cell before its
write transaction opens (hub.signers.sheet), so a refused file leaves the store as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hub.mapping.files import load_mappings
from hub.signers.duties import Recorded, assignments, record_assignments
from hub.signers.model import Assignment, default_start
from hub.signers.sheet import read_assignments
from hub.store import Store


@dataclass(frozen=True, slots=True)
class Imported:
    """What `hub signers import` did: assignments read from the file, and what they changed."""

    read: int
    recorded: Recorded


def import_file(
    store: Store, path: Path, school: str, year: str, start: date | None = None
) -> Imported:
    """Record a teaching-assignments file's assignments from `start` (1 August by default).

    Raises:
        AssignmentsRefused: a bad cell; nothing written.
        UsageError: the file cannot be opened.
    """
    labels = load_mappings(compile_records=False).labels
    found = read_assignments(path, school, year, start or default_start(year), labels)
    with store.write() as session:
        return Imported(len(found), record_assignments(session, found))


def list_assignments(
    store: Store, school: str | None = None, year: str | None = None
) -> list[Assignment]:
    """Every recorded assignment, past ones included (their until-day says so)."""
    with store.read() as session:
        return assignments(session, school, year)
