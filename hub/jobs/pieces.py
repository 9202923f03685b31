"""A piece of work: one source × one school × one school year, the unit of leases and jobs.

A job, a scheduled run or a `hub sync --source S --school T --year Y` works on pieces; two
holders never work on the same piece at once (hub.store.leases). A piece whose school or
year is None stands for every school (year) of that source: a source that cannot list its
schools before it is read (a folder of files that name their school inside) is worked whole.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Piece:
    """One source's learners of one school and year (None: all of them)."""

    source: str  # a configured source name ([[sources]] name)
    school: str | None = None  # MaTruong
    year: str | None = None  # NamHoc

    @property
    def key(self) -> str:
        """The lease's and the queueing lock's name: stable, readable, no personal data."""
        return f"{self.source}/{self.school or '*'}/{self.year or '*'}"

    def __str__(self) -> str:
        return self.key
