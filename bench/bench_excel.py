"""generic_excel: learners per second read and mapped from a 50,000-learner workbook set.

    .venv/bin/python bench/bench_excel.py [--learners 50000] [--level 03] [--workers 2]
                                          [--folder /tmp/hub-bench-excel]

The workbook set (one learner list and one gradebook or summary per class, per school) is
generated with hub.gen and exported once into --folder, then reused. The figure is the time to
read every school with the generic_excel source and map every record to a Transcript, with one
process and with --workers processes (one school per task), and the peak memory of one process
(tracemalloc for Python objects, ru_maxrss for the whole process). Goal: ≥ 20,000 learners/s.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from hub_generic_excel.export import export_school
from hub_generic_excel.source import ExcelSource

from hub.gen import GenSettings, generate
from hub.mapping import load_mappings
from hub.model import SchoolLevel
from hub.sources import Problem, RawRecord

LEARNERS_PER_CLASS = 40
CLASSES_PER_GRADE = 8


def build(folder: Path, learners: int, level: SchoolLevel) -> list[Path]:
    """Generate and export the schools (skipped when the folder already holds them)."""
    done = folder / ".complete"
    if done.exists():
        return sorted(p for p in folder.iterdir() if p.is_dir())
    grades = {
        SchoolLevel.PRIMARY: 5,
        SchoolLevel.LOWER_SECONDARY: 4,
        SchoolLevel.UPPER_SECONDARY: 3,
    }[level]
    per_school = grades * CLASSES_PER_GRADE * LEARNERS_PER_CLASS
    schools = -(-learners // per_school)
    settings = GenSettings(
        seed=2024,
        levels=(level,),
        schools=schools,
        classes_per_grade=CLASSES_PER_GRADE,
        learners_per_class=LEARNERS_PER_CLASS,
        foreign_rate=0,
        exempt_rate=0,
    )
    by_school: dict[str, list] = {}
    for item in generate(settings):
        by_school.setdefault(item.transcript.header.school_code, []).append(item.transcript)
    folders = []
    for code, transcripts in sorted(by_school.items()):
        export_school(transcripts, folder / code)
        folders.append(folder / code)
    done.write_text("ok")
    return folders


def config_of(school: Path, level: SchoolLevel) -> dict[str, object]:
    return {
        "folder": str(school),
        "learner_list": "danh-sach-hoc-sinh.xlsx",
        "class_files": "lop/*",
        "school_code": school.name,
        "school_name": "Trường bench",
        "school_year": "2024-2025",
        "level": level.value,
        "department_code": school.name[:2],
        "place_of_issue": "Nam Định",
        "issue_date": "2025-05-20",
        "principal": "Phan Gia Duy",
    }


def read_school(args: tuple[str, str]) -> tuple[int, int, int]:
    """(learner rows, transcripts mapped, problems) of one school."""
    folder, level = Path(args[0]), SchoolLevel(args[1])
    mappings = load_mappings()
    source = ExcelSource(config_of(folder, level), mappings)
    mapped = problems = 0
    for item in source.read(None):
        if isinstance(item, RawRecord):
            outcome = mappings.record(item.mapping).map(item)
            mapped += outcome.transcript is not None
            problems += len(outcome.problems)
        elif isinstance(item, Problem):
            problems += 1
    return source.rows_in, mapped, problems


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--level", default="03", choices=["02", "03", "04"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/hub-bench-excel"))
    args = parser.parse_args()
    level = SchoolLevel(args.level)
    folder = args.folder / f"{args.level}-{args.learners}"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    schools = build(folder, args.learners, level)
    print(
        f"workbook set: {len(schools)} schools in {folder} "
        f"({time.perf_counter() - started:.1f} s to make or find)"
    )
    tasks = [(str(s), level.value) for s in schools]

    started = time.perf_counter()
    totals = [read_school(t) for t in tasks]
    single = time.perf_counter() - started
    rows = sum(t[0] for t in totals)
    mapped = sum(t[1] for t in totals)
    problems = sum(t[2] for t in totals)
    print(
        f"1 process:  {rows} learner rows, {mapped} transcripts, {problems} problems in "
        f"{single:.1f} s = {mapped / single:,.0f} learners/s"
    )
    tracemalloc.start()  # a second pass over one school: tracemalloc slows Python down
    read_school(tasks[0])
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory: {peak / 2**20:.0f} MiB of Python objects reading one school "
        f"(tracemalloc); {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
        "max RSS of the process"
    )
    if args.workers > 1:
        started = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            parallel = list(pool.map(read_school, tasks))
        elapsed = time.perf_counter() - started
        print(
            f"{args.workers} processes: {sum(t[1] for t in parallel)} transcripts in "
            f"{elapsed:.1f} s"
            f" = {sum(t[1] for t in parallel) / elapsed:,.0f} learners/s"
        )
    print("goal: ≥ 20,000 learners/s")


if __name__ == "__main__":
    main()
