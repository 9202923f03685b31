"""The scope of a lease and of a run: a source × school × year, each None for "all of them".

`hub sync --source S --school T --year Y` works on exactly (S, T, Y); `hub sync` with no filter
on (None, None, None), the whole store. Two scopes overlap when, for each of the three, they
name the same value or either names all: two runs whose scopes overlap could touch the same
learner, so they never hold their leases at once (hub.store.leases); two that do not overlap
(two schools) work side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class Scope:
    """A piece of the store's work: one source, school and year, or all of any of them."""

    source: str | None = None  # a configured source name ([[sources]] name)
    school: str | None = None  # MaTruong
    year: str | None = None  # NamHoc

    @property
    def key(self) -> str:
        """The lease's name: `source/school/year`, `*` for all (no personal data)."""
        return "/".join(part or "*" for part in (self.source, self.school, self.year))

    def parts(self) -> tuple[str | None, str | None, str | None]:
        return (self.source, self.school, self.year)

    def overlaps(self, other: Scope) -> bool:
        """Whether some learner could be in both scopes."""
        return all(
            mine is None or theirs is None or mine == theirs
            for mine, theirs in zip(self.parts(), other.parts(), strict=True)
        )

    def covers(self, other: Scope) -> bool:
        """Whether every learner of `other` is in this scope."""
        return all(
            mine is None or mine == theirs
            for mine, theirs in zip(self.parts(), other.parts(), strict=True)
        )

    def overlap_clause(
        self,
        source: sa.ColumnElement[str | None],
        school: sa.ColumnElement[str | None],
        year: sa.ColumnElement[str | None],
    ) -> sa.ColumnElement[bool]:
        """SQL true for the rows whose (nullable) scope columns overlap this scope."""
        terms = [
            sa.or_(column.is_(None), column == value)
            for column, value in zip((source, school, year), self.parts(), strict=True)
            if value is not None
        ]
        return sa.and_(sa.true(), *terms)

    def within_clause(
        self,
        source: sa.ColumnElement[str],
        school: sa.ColumnElement[str],
        year: sa.ColumnElement[str],
    ) -> sa.ColumnElement[bool]:
        """SQL true for the rows of this scope, by their (never null) source, school and year."""
        terms = [
            column == value
            for column, value in zip((source, school, year), self.parts(), strict=True)
            if value is not None
        ]
        return sa.and_(sa.true(), *terms)

    def __str__(self) -> str:
        return self.key


EVERYTHING = Scope()
"""The whole store: what `hub sync` without a filter holds."""
