"""hub.mapping.construct: the model's frozen dataclasses built without their __init__."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pytest

from hub.mapping.construct import maker
from hub.model import (
    CommentSubject,
    Level,
    LevelResults,
    PassFail,
    ScoredSemester,
    ScoredSubject,
    Teacher,
)

D = Decimal


def _semester() -> ScoredSemester:
    return ScoredSemester((D("7.5"), D("8.0")), D("6.5"), D("9.0"), D("7.9"))


@pytest.mark.parametrize(
    ("cls", "args"),
    [
        (ScoredSemester, ((D("7.5"), D("8.0")), D("6.5"), D("9.0"), D("7.9"))),
        (ScoredSubject, ("TOAN", _semester(), _semester(), D("7.9"), Teacher("Lê Thị Hà"),
                         None, "Tiến bộ")),
        (LevelResults, (Level.T, Level.K, Level.T, None)),
        (CommentSubject, ("GDTC", PassFail.D, PassFail.D, PassFail.D, Teacher("Vũ Văn An", "7"),
                          None, "")),
    ],
)  # fmt: skip
def test_a_made_object_is_the_one_init_makes(cls: type, args: tuple[object, ...]) -> None:
    make: Callable[..., object] = maker(cls)
    assert make is not cls  # the fast path is taken for the model's classes
    made, built = make(*args), cls(*args)
    assert type(made) is cls
    assert made == built
    assert hash(made) == hash(built)
    assert repr(made) == repr(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, dataclasses.fields(cls)[0].name, "X")  # type: ignore[arg-type]


def test_a_class_with_more_than_fields_to_set_keeps_its_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        score: int

        def __post_init__(self) -> None:
            if self.score > 10:
                raise ValueError(self.score)

    @dataclasses.dataclass
    class Mutable:
        score: int

    assert maker(Checked) is Checked
    assert maker(Mutable) is Mutable
    with pytest.raises(ValueError, match="11"):
        maker(Checked)(11)
