"""Reading one school's year from SMAS: every answer the pivot needs, requests in parallel.

    school ─► leaders ─► classes ─┬► per class: pupils, subjects, teachers, results (1, 2, 0)
                                  └► per class and subject: markbook (semesters 1, 2, 0;
                                     a primary class: 0 only)

The school's own answers come first and one at a time: a refused key (`AuthRefused`) stops
the school there. The class answers then go to a shared pool bounded by `parallel` (the
options' bound, hub_smas.config.DEFAULT_PARALLEL): first every class's four kinds of answer,
then every markbook of every class, so the pool stays full across classes. A request that
still fails after its retries fails its class only (`ClassAnswers.failure`), and the other
classes go on.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from hub_smas.client import SmasClient, SmasError
from hub_smas.collector import collector_paused

PRIMARY = 1


@dataclass
class ClassAnswers:
    """What SMAS answered for one class (None where a request failed)."""

    klass: dict[str, Any]
    pupils: list[Any] | None = None
    subjects: list[Any] | None = None
    teachers: Any = None
    results: dict[int, list[Any]] = field(default_factory=dict)
    markbooks: dict[tuple[Any, int], list[Any]] = field(default_factory=dict)
    failure: SmasError | None = None

    @property
    def class_id(self) -> Any:
        return self.klass.get("classId")

    @property
    def primary(self) -> bool:
        return self.klass.get("educationLevel") == PRIMARY

    @property
    def semesters(self) -> tuple[int, ...]:
        return (0,) if self.primary else (1, 2, 0)


@dataclass
class SchoolYearAnswers:
    """One school's year: the school, its leaders and every class's answers."""

    school_code: str
    first_year: str  # SMAS's schoolYear: "2024" for 2024-2025
    school: Any
    leaders: list[Any]
    classes: list[ClassAnswers]


def fetch_school_year(
    client: SmasClient, pool: ThreadPoolExecutor, school_code: str, first_year: str
) -> SchoolYearAnswers:
    """Every answer of `school_code`'s year; raises SmasError when the school's own fail.

    The cycle collector is paused meanwhile (hub_smas.collector)."""
    with collector_paused():
        return _fetch(client, pool, school_code, first_year)


def _fetch(
    client: SmasClient, pool: ThreadPoolExecutor, school_code: str, first_year: str
) -> SchoolYearAnswers:
    school = client.get(f"/api/v1/schools/{school_code}")
    leaders = client.get_list(
        f"/api/v1/schools/{school_code}/leaders", [("schoolYear", first_year)]
    )
    listed = client.get_list(
        "/api/v1/classes", [("schoolCode", school_code), ("schoolYear", first_year)]
    )
    classes = [ClassAnswers(k if isinstance(k, dict) else {"classId": k}) for k in listed]
    _class_answers(client, pool, classes)
    _markbooks(client, pool, classes)
    return SchoolYearAnswers(school_code, first_year, school, leaders, classes)


def _submit(
    pool: ThreadPoolExecutor, answers: ClassAnswers, call: Callable[[], Any]
) -> Future[Any] | None:
    return None if answers.failure is not None else pool.submit(call)


def _collect(answers: ClassAnswers, future: Future[Any] | None) -> Any:
    if future is None:
        return None
    try:
        return future.result()
    except SmasError as exc:
        if answers.failure is None:
            answers.failure = exc
        return None


def _class_answers(
    client: SmasClient, pool: ThreadPoolExecutor, classes: list[ClassAnswers]
) -> None:
    pending = []
    for answers in classes:
        base = f"/api/v1/classes/{answers.class_id}"
        jobs: dict[str, Future[Any] | None] = {
            "pupils": _submit(pool, answers, partial(client.get_list, f"{base}/pupils")),
            "subjects": _submit(pool, answers, partial(client.get_list, f"{base}/subjects")),
            "teachers": _submit(pool, answers, partial(client.get, f"{base}/teachers")),
        }
        for semester in answers.semesters:
            call = partial(client.get_list, f"{base}/results", [("semester", semester)])
            jobs[f"results:{semester}"] = _submit(pool, answers, call)
        pending.append((answers, jobs))
    for answers, jobs in pending:
        answers.pupils = _collect(answers, jobs.pop("pupils"))
        answers.subjects = _collect(answers, jobs.pop("subjects"))
        answers.teachers = _collect(answers, jobs.pop("teachers"))
        for name, future in jobs.items():
            found = _collect(answers, future)
            if found is not None:
                answers.results[int(name.split(":")[1])] = found


def _markbooks(client: SmasClient, pool: ThreadPoolExecutor, classes: list[ClassAnswers]) -> None:
    pending = []
    for answers in classes:
        if answers.failure is not None or answers.subjects is None:
            continue
        base = f"/api/v1/classes/{answers.class_id}/markbook"
        for subject in answers.subjects:
            sid = subject.get("subjectId") if isinstance(subject, dict) else None
            for semester in answers.semesters:
                params: list[tuple[str, str | int]] = [
                    ("subjectId", str(sid)),
                    ("semester", semester),
                ]
                future = _submit(pool, answers, partial(client.get_list, base, params))
                pending.append((answers, (sid, semester), future))
    for answers, key, future in pending:
        found = _collect(answers, future)
        if found is not None:
            answers.markbooks[key] = found
