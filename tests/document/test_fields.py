"""build.py and read.py agree with hub/fields.py, the one table of the canonical fields.

build and read go by position, for speed, and name no field through the table; so this test
builds a document from transcripts with every field set to a value of its own, walks it, and
checks each element it finds against the table: the table names it, in the table's order,
holding the value of the model attribute the table gives; and every field of the table turns
up in one of the documents. Then, for every element, it changes the element's value and reads
the document back: exactly the attribute the table gives must change. A field added to build,
read or the table and not to the others fails here.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from lxml import etree

from hub import fields
from hub.document.build import build_document, format_score
from hub.document.parse import parse_tree
from hub.document.read import transcript_from_tree
from hub.fields import Field
from hub.model import (
    CommentSubject,
    Conclusion,
    Confirmation,
    ForeignDocument,
    ForeignDocumentKind,
    Header,
    Learner,
    Level,
    LevelResults,
    PassFail,
    PrimaryEvaluation,
    PrimaryRating,
    PrimaryResults,
    PrimarySubject,
    Principal,
    PrincipalTitle,
    QualityRating,
    Rated,
    SchoolLevel,
    ScoredSemester,
    ScoredSubject,
    SecondaryResults,
    Sex,
    Teacher,
    Title,
    Transcript,
)

_RESULTS = ("KetQuaTieuHoc", "KetQuaTrungHoc")
_QUALITIES = ("YN", "NA", "CC", "TT", "TN")
_COMPETENCIES = ("TCTH", "GTHT", "GQVD", "NN", "TTOAN", "KH", "CN", "TH", "TM", "TC")

Step = str | int  # an attribute, or an index into a tuple
Place = tuple[str, tuple[Step, ...]]  # (the table's name of the field, its model path)


def _d(text: str) -> Decimal:
    return Decimal(text)


def _header(level: SchoolLevel, grade: int) -> Header:
    return Header(
        "REC-1", "2024-2025", level, grade, "7A3", "01234567", "Trường Thử", "02",
        "Thành phố Thử", date(2025, 5, 20), replaces="HB-THAY-1",
    )  # fmt: skip


LEARNER = Learner(
    "0123456789", "001234567890", "Nguyễn Văn An", date(2012, 3, 4), Sex.FEMALE, "03", "VN",
    "Nơi sinh", "Nơi ở", hometown="Quê quán",
    foreign_document=ForeignDocument(ForeignDocumentKind.RESIDENCE_CARD, "P-123", "FR"),
    policy_group="Đối tượng", father="Trần Văn Cha", mother="Lê Thị Mẹ",
    guardian="Phạm Văn Giám", exempt_from_assessment=True,
)  # fmt: skip
CONFIRMATION = Confirmation(
    Teacher("Hoàng Chủ Nhiệm", "GV-CN"), Principal("Vũ Hiệu Trưởng", PrincipalTitle.VICE_PRINCIPAL)
)

PRIMARY = Transcript(
    _header(SchoolLevel.PRIMARY, 5),
    LEARNER,
    PrimaryResults(
        subjects=(
            PrimarySubject("TOAN", PrimaryRating.H, 9, Teacher("Đỗ Toán", "GV-T"), "Giỏi toán"),
            PrimarySubject("DD", PrimaryRating.T, None, Teacher("Ngô Đạo"), "Ngoan"),
        ),
        qualities=tuple(Rated(c, list(QualityRating)[n % 3]) for n, c in enumerate(_QUALITIES)),
        competencies=tuple(
            Rated(c, list(QualityRating)[n % 3]) for n, c in enumerate(_COMPETENCIES)
        ),
        evaluation=PrimaryEvaluation.HTT,
        completed_grade=True,
        completed_primary=False,
        awards=("Khen thưởng một", "Khen thưởng hai"),
        homeroom_comment="Nhận xét chủ nhiệm",
    ),
    CONFIRMATION,
)

SECONDARY = Transcript(
    _header(SchoolLevel.LOWER_SECONDARY, 7),
    LEARNER,
    SecondaryResults(
        subjects=(
            ScoredSubject(
                "TOAN",
                ScoredSemester((_d("7.5"), _d("8.0"), _d("6.5")), _d("7.0"), _d("8.5"), _d("7.6")),
                ScoredSemester((_d("5.5"), _d("9.0")), _d("6.0"), _d("4.5"), _d("5.9")),
                _d("6.5"),
                Teacher("Đỗ Toán", "GV-T"),
                retest_score=_d("5.0"),
                comment="Cố gắng",
            ),
            CommentSubject(
                "GDTC",
                PassFail.D,
                PassFail.CD,
                PassFail.D,
                Teacher("Ngô Thể", "GV-TD"),
                retest_result=PassFail.CD,
                comment="Khỏe",
            ),
        ),
        learning=LevelResults(Level.T, Level.K, Level.D, Level.CD),
        training=LevelResults(Level.K, Level.D, Level.CD, Level.T),
        absences=3,
        conclusion=Conclusion.RETEST,
        title=Title.GOOD,
        homeroom_comment="Nhận xét chủ nhiệm",
    ),
    CONFIRMATION,
)

FULL = {"primary": PRIMARY, "secondary": SECONDARY}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _leaves(element: etree._Element, path: str) -> Iterator[tuple[str, etree._Element]]:
    """(path from where the walk began, element) of every element holding text, in order."""
    children = list(element.iterchildren(etree.Element))
    if not children:
        yield path, element
    for child in children:
        yield from _leaves(child, f"{path}/{_local(child)}" if path else _local(child))


_RECORD = {f.element: f for f in fields.RECORD_FIELDS if not f.name.startswith("results.")}
_RESULT = {f.element: f for f in fields.RECORD_FIELDS if f.name.startswith("results.")}
_SUBJECT = {f.element: f for f in fields.SUBJECT_FIELDS}
_SEMESTER = {f.element: f for f in fields.SEMESTER_FIELDS}
_GROUPS = {g.element: g for g in fields.GROUPS}


def _known(table: dict[str, Field], path: str) -> Field:
    assert path in table, f"build writes {path}, which hub/fields.py does not name there"
    return table[path]


def _attribute(field: Field, **values: int) -> tuple[str, ...]:
    return tuple(field.attribute.format(**values).split("."))


def walk(tree: etree._ElementTree) -> Iterator[tuple[str, tuple[Step, ...], etree._Element]]:
    """(the table's name, the model path, element) of every value of a document, in order.

    The value of an element is its text, or for a quality or competency its @Muc; a value
    repeated (DDGtx, KhenThuong) has one model path per item.
    """
    data = tree.getroot()[0]
    for section in data.iterchildren(etree.Element):
        if _local(section) not in _RESULTS:
            for path, leaf in _leaves(section, _local(section)):
                f = _known(_RECORD, path)
                yield f.name, _attribute(f), leaf
            continue
        numbers = dict.fromkeys(_GROUPS, 0)
        for child in section.iterchildren(etree.Element):
            name = _local(child)
            group = _GROUPS.get(name)
            if group is None:
                for path, leaf in _leaves(child, name):
                    f = _known(_RESULT, path)
                    yield f.name, _attribute(f), leaf
                continue
            index = numbers[name]
            numbers[name] += 1
            base = (*group.attribute.split("."), index)
            if group.value:
                yield group.name, (*base, "rating"), child
                continue
            yield from _subject(child, base)


def _subject(
    subject: etree._Element, base: tuple[Step, ...]
) -> Iterator[tuple[str, tuple[Step, ...], etree._Element]]:
    for child in subject.iterchildren(etree.Element):
        if _local(child) == "HocKy":
            number = int(child.get("So", "0"))
            for path, leaf in _leaves(child, ""):
                f = _known(_SEMESTER, path)
                yield (
                    fields.semester_target(number, f.name),
                    (*base, *_attribute(f, n=number)),
                    leaf,
                )
            continue
        for path, leaf in _leaves(child, _local(child)):
            f = _known(_SUBJECT, path)
            yield f.name, (*base, *_attribute(f)), leaf


def _values(tree: etree._ElementTree) -> list[tuple[str, tuple[Step, ...], etree._Element]]:
    """walk(), with an index added to the model path of each item of a repeated value."""
    found = list(walk(tree))
    paths = [path for _, path, _ in found]
    repeated = {path for path in paths if paths.count(path) > 1}
    seen: dict[tuple[Step, ...], int] = {}
    out = []
    for name, path, element in found:
        if path in repeated:
            seen[path] = seen.get(path, -1) + 1
            path = (*path, seen[path])
        out.append((name, path, element))
    return out


def _path(attribute: str) -> tuple[Step, ...]:
    return tuple(attribute.split("."))


def _get(value: Any, path: tuple[Step, ...]) -> Any:
    for step in path:
        value = value[step] if isinstance(step, int) else getattr(value, step)
    return value


def _flat(value: Any, path: tuple[Step, ...] = ()) -> dict[tuple[Step, ...], Any]:
    """Every scalar of a model value by its model path."""
    if dataclasses.is_dataclass(value):
        found: dict[tuple[Step, ...], Any] = {}
        for f in dataclasses.fields(value):
            found.update(_flat(getattr(value, f.name), (*path, f.name)))
        return found
    if isinstance(value, tuple):
        return {p: v for n, item in enumerate(value) for p, v in _flat(item, (*path, n)).items()}
    return {path: value}


def _replace(value: Any, path: tuple[Step, ...], new: Any) -> Any:
    if not path:
        return new
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        items = list(value)
        items[step] = _replace(items[step], rest, new)
        return tuple(items)
    return dataclasses.replace(value, **{step: _replace(getattr(value, step), rest, new)})


def _text(value: Any) -> str:
    """A model value as build writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format_score(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _other(value: Any) -> Any:
    """A value of the same type, different from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, Enum):
        members = list(type(value))
        return members[(members.index(value) + 1) % len(members)]
    if isinstance(value, Decimal):
        return value + Decimal("0.5")
    if isinstance(value, int):
        return value + 1
    if isinstance(value, date):
        return value + timedelta(days=1)
    return f"{value} khác"


def _value_of(element: etree._Element, name: str) -> str:
    group = _GROUPS.get(_local(element))
    if group is not None and group.name == name:
        return element.get(group.value, "")
    return element.text or ""


def _set(element: etree._Element, name: str, text: str) -> None:
    group = _GROUPS.get(_local(element))
    if group is not None and group.name == name:
        element.set(group.value, text)
    else:
        element.text = text


def _order(names: list[str], table: list[str], where: str) -> None:
    """`names` (repeats folded) is a subsequence of `table`: build writes in the table's order."""
    folded = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    for before, after in itertools.pairwise(folded):
        assert table.index(before) < table.index(after), (
            f"{where}: build writes {after} after {before}, hub/fields.py before it"
        )


def _table_order() -> tuple[list[str], list[str], list[str]]:
    """The record's names (groups first under the results), a subject's, a semester's."""
    record = [f.name for f in fields.RECORD_FIELDS]
    first_result = next(i for i, n in enumerate(record) if n.startswith("results."))
    record[first_result:first_result] = [g.name for g in fields.GROUPS]
    return record, [f.name for f in fields.SUBJECT_FIELDS], [f.name for f in fields.SEMESTER_FIELDS]


@pytest.mark.parametrize("level", sorted(FULL))
def test_build_writes_the_tables_elements_in_its_order_with_the_models_values(
    level: str,
) -> None:
    transcript = FULL[level]
    tree = parse_tree(build_document(transcript))  # and valid against the XSD
    values = _values(tree)
    for name, path, element in values:
        assert _value_of(element, name) == _text(_get(transcript, path)), (name, path)
    record, subject, semester = _table_order()
    subjects = ("results", "subjects")
    _order([("subjects" if p[:2] == subjects else n) for n, p, _ in values], record, "the record")
    for index in range(len(transcript.results.subjects if transcript.results else ())):
        mine = [(n, p) for n, p, _ in values if p[:3] == (*subjects, index)]
        _order([n for n, p in mine if not n.startswith("semester")], subject, f"subject {index}")
        for number in fields.SEMESTERS:
            prefix = f"semester{number}."
            names = [n.removeprefix(prefix) for n, _ in mine if n.startswith(prefix)]
            _order(names, semester, f"subject {index}, semester {number}")


def test_every_field_of_the_table_is_in_a_full_document() -> None:
    seen = {
        name
        for transcript in FULL.values()
        for name, _, _ in _values(parse_tree(build_document(transcript)))
    }
    table = {
        *fields.record_targets(),
        *fields.subject_targets(),
        *(g.name for g in fields.GROUPS if g.value),
    }
    assert table - seen == set(), "hub/fields.py names fields build does not write"


@pytest.mark.parametrize("level", sorted(FULL))
def test_read_takes_each_element_into_the_tables_attribute(level: str) -> None:
    transcript = FULL[level]
    tree = parse_tree(build_document(transcript))
    before = _flat(transcript)
    unchanged = _flat(transcript_from_tree(tree))
    differ = {p for p in before.keys() | unchanged.keys() if before.get(p) != unchanged.get(p)}
    assert differ == set(), f"read(build(t)) differs from t at {differ}"
    for number, (name, path, _) in enumerate(_values(tree)):
        changed = copy.deepcopy(tree)
        element = _values(changed)[number][2]
        new = _other(_get(transcript, path))
        _set(element, name, _text(new))
        read = transcript_from_tree(changed)
        after = _flat(read)
        moved = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        assert moved == {path}, f"{name}: its element is read into {moved}, not {path}"
        assert read == _replace(transcript, path, new)


@pytest.mark.parametrize("level", sorted(FULL))
def test_build_keys_each_groups_entries_by_their_code(level: str) -> None:
    transcript = FULL[level]
    results = parse_tree(build_document(transcript)).getroot()[0][2]
    for group in fields.GROUPS:
        if level in group.levels:
            written = [e.get(group.key) for e in results if _local(e) == group.element]
            assert written == [entry.code for entry in _get(transcript, _path(group.attribute))]
