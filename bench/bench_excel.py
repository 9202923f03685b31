"""generic_excel: learners per second read and mapped from a 50,000-learner workbook set.

    .venv/bin/python bench/bench_excel.py [--learners 50000] [--levels 03,02] [--workers 2]
                                          [--folder /tmp/hub-bench-excel]

For each school level a workbook set (one learner list and one class file per class, per
school: secondary gradebooks for 03/04, primary year-end summaries for 02) is generated with
hub.gen and exported once into --folder, then reused. Three passes run over it, each with
--workers processes (one school per task):

1. bound: python-calamine alone opens every file and converts every sheet to Python values.
   No reader can beat this, so "learners/s if reading were all" is the ceiling of the figure.
2. per template: the learner list, and the class files (gradebook or summary), each opened and
   read into learner rows by the plugin's readers, without the join or the mapping; the cell
   count per learner differs tenfold between templates, so each gets its own ratio to the bound.
3. end to end: ExcelSource.read (open, read, join) and mapping of every record to a Transcript.

The machine is shared, so besides wall time every pass reports CPU time (summed over the
workers' tasks) and learners per CPU-second; the ratio to the bound is taken on CPU time.
Peak memory: tracemalloc (Python objects) and max RSS over one school's end-to-end read in
this process, and the largest worker's max RSS. Goal: ≥ 20,000 learners/s mapped.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from hub_generic_excel.config import MAPPINGS
from hub_generic_excel.export import export_school
from hub_generic_excel.learner_list import read_learner_list
from hub_generic_excel.source import ExcelSource
from hub_generic_excel.workbook import read_workbook
from python_calamine import CalamineWorkbook

from hub.gen import GenSettings, generate
from hub.mapping import MappingSet, load_mappings
from hub.model import SchoolLevel, Transcript
from hub.sources import Problem, RawRecord

LEARNERS_PER_CLASS = 40
CLASSES_PER_GRADE = 8
LIST_FILE = "danh-sach-hoc-sinh.xlsx"
GOAL = 20_000
Stats = dict[str, float]


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
    by_school: dict[str, list[Transcript]] = {}
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
        "learner_list": LIST_FILE,
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


_MAPPINGS: MappingSet | None = None


def mappings() -> MappingSet:
    """Loaded once per worker process (as the hub's pipeline does), outside the timings."""
    global _MAPPINGS
    if _MAPPINGS is None:
        _MAPPINGS = load_mappings([MAPPINGS])
    return _MAPPINGS


def _class_files(school: Path) -> list[Path]:
    return sorted(p for p in (school / "lop").iterdir() if p.is_file())


def raw_school(args: tuple[str, str]) -> Stats:
    """Pass 1: python-calamine alone reads every sheet of every file to Python values."""
    school = Path(args[0])
    stats: Stats = {}
    for template, files in (("list", [school / LIST_FILE]), ("class", _class_files(school))):
        started = time.process_time()
        cells = filled = 0
        for path in files:
            workbook = CalamineWorkbook.from_path(str(path))
            for name in workbook.sheet_names:
                rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                cells += sum(map(len, rows))
                filled += sum(1 for row in rows for value in row if value != "")
            workbook.close()
        stats[f"{template}.cpu"] = time.process_time() - started
        stats[f"{template}.files"] = len(files)
        stats[f"{template}.cells"] = cells
        stats[f"{template}.filled"] = filled
    return stats


def template_school(args: tuple[str, str]) -> Stats:
    """Pass 2: each template's files opened and read into learner rows, no join or mapping."""
    school, level = Path(args[0]), SchoolLevel(args[1])
    source = ExcelSource(config_of(school, level), mappings())
    list_template = source.mappings.template("sector-learner-list")
    source.class_file("warm-up", [])  # resolve the templates before timing
    started = time.process_time()
    path = school / LIST_FILE
    listed, _problems = read_learner_list(path, path.name, read_workbook(path), list_template)
    list_cpu = time.process_time() - started
    started = time.process_time()
    rows = 0
    for path in _class_files(school):
        rows += len(source.class_file(path.name, read_workbook(path)).rows)
    return {
        "list.cpu": list_cpu,
        "list.learners": len(listed),
        "class.cpu": time.process_time() - started,
        "class.learners": rows,
    }


def full_school(args: tuple[str, str]) -> Stats:
    """Pass 3: ExcelSource.read (open, read, join), then every record mapped to a Transcript."""
    school, level = Path(args[0]), SchoolLevel(args[1])
    loaded = mappings()
    source = ExcelSource(config_of(school, level), loaded)
    started = time.process_time()
    mapped = problems = 0
    map_cpu = 0.0
    for item in source.read(None):
        if isinstance(item, RawRecord):
            before = time.process_time()
            outcome = loaded.record(item.mapping).map(item)
            map_cpu += time.process_time() - before
            mapped += outcome.transcript is not None
            problems += len(outcome.problems)
        elif isinstance(item, Problem):
            problems += 1
    total = time.process_time() - started
    return {
        "rows": source.rows_in,
        "mapped": mapped,
        "problems": problems,
        "cpu": total,
        "read.cpu": total - map_cpu,
        "map.cpu": map_cpu,
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def run(
    task: Callable[[tuple[str, str]], Stats], tasks: list[tuple[str, str]], workers: int
) -> tuple[Stats, float]:
    """Summed stats over the schools (max for maxrss) and the wall time of the pass."""
    started = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=mappings) as pool:
            results = list(pool.map(task, tasks))
    else:
        results = [task(t) for t in tasks]
    wall = time.perf_counter() - started
    total: Stats = {}
    for result in results:
        for key, value in result.items():
            total[key] = (
                max(total.get(key, 0), value) if key == "maxrss" else (total.get(key, 0) + value)
            )
    return total, wall


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:>10,.0f}" if seconds > 0 else f"{'-':>10}"


def bench_level(folder: Path, learners: int, level: SchoolLevel, workers: int) -> None:
    started = time.perf_counter()
    schools = build(folder, learners, level)
    tasks = [(str(s), level.value) for s in schools]
    class_kind = "primary summary" if level is SchoolLevel.PRIMARY else "secondary gradebook"
    print(
        f"\n== level {level.value}: {len(schools)} schools in {folder} "
        f"({time.perf_counter() - started:.1f} s to make or find); {workers} worker(s)"
    )
    raw, raw_wall = run(raw_school, tasks, workers)
    per_template, template_wall = run(template_school, tasks, workers)
    full, full_wall = run(full_school, tasks, workers)
    rows = full["rows"]
    header = (
        f"{'':22}{'files':>6}{'cells':>12}{'/learner':>9}{'learners':>9}"
        f"{'calamine':>10}{'bound':>11}{'hub':>9}{'hub':>11}{'of':>6}"
    )
    units = (
        f"{'':22}{'':>6}{'(filled)':>12}{'':>9}{'':>9}"
        f"{'CPU s':>10}{'learn/CPUs':>11}{'CPU s':>9}{'learn/CPUs':>11}{'bound':>6}"
    )
    print(header)
    print(units)
    for key, name in (("list", "learner list"), ("class", class_kind)):
        count = per_template[f"{key}.learners"]
        bound_cpu, hub_cpu = raw[f"{key}.cpu"], per_template[f"{key}.cpu"]
        print(
            f"{name:22}{raw[f'{key}.files']:>6.0f}{raw[f'{key}.filled']:>12,.0f}"
            f"{raw[f'{key}.cells'] / max(count, 1):>9.0f}{count:>9,.0f}{bound_cpu:>10.1f}"
            f"{rate(count, bound_cpu)} {hub_cpu:>8.1f}{rate(count, hub_cpu)}"
            f"{bound_cpu / hub_cpu:>6.0%}"
        )
    bound_cpu = raw["list.cpu"] + raw["class.cpu"]
    print(
        f"{'read + join + map':22}{'':>6}{raw['list.filled'] + raw['class.filled']:>12,.0f}"
        f"{'':>9}{full['mapped']:>9,.0f}{bound_cpu:>10.1f}{rate(full['mapped'], bound_cpu)} "
        f"{full['cpu']:>8.1f}{rate(full['mapped'], full['cpu'])}{bound_cpu / full['cpu']:>6.0%}"
    )
    print(
        f"  of which read + join {full['read.cpu']:.1f} CPU s, mapping {full['map.cpu']:.1f} "
        f"CPU s ({rate(full['mapped'], full['map.cpu']).strip()} records/CPU-s mapped)"
    )
    print(
        f"  {rows:,.0f} learner rows, {full['mapped']:,.0f} transcripts, "
        f"{full['problems']:,.0f} problems"
    )
    print(
        f"wall, {workers} worker(s): bound {rate(rows, raw_wall).strip()} learners/s "
        f"({raw_wall:.1f} s); per-template pass {template_wall:.1f} s; end to end "
        f"{full['mapped']:,.0f} mapped in {full_wall:.1f} s = "
        f"{rate(full['mapped'], full_wall).strip()} learners/s (goal ≥ {GOAL:,})"
    )
    tracemalloc.start()  # one school again in this process: tracemalloc slows Python down
    full_school(tasks[0])
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory: {peak / 2**20:.0f} MiB of Python objects reading one school "
        f"(tracemalloc), {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
        f"max RSS of this process; largest worker {full['maxrss'] / 1024:.0f} MiB max RSS"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument(
        "--levels", default="03,02", help="school levels, comma-separated (02, 03, 04)"
    )
    parser.add_argument("--level", help=argparse.SUPPRESS)  # the earlier single-level flag
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--folder", type=Path, default=Path("/tmp/hub-bench-excel"))
    args = parser.parse_args()
    levels = [args.level] if args.level else args.levels.split(",")
    print(
        f"generic_excel bench: {args.learners:,} learners per level, {args.workers} worker(s), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    for code in levels:
        level = SchoolLevel(code.strip())
        folder = args.folder / f"{level.value}-{args.learners}"
        folder.mkdir(parents=True, exist_ok=True)
        bench_level(folder, args.learners, level, args.workers)
    print(f"\ngoal: ≥ {GOAL:,} learners/s mapped")


if __name__ == "__main__":
    main()
