"""Issue 14's case: a grade-7 class file without its "Tin học" sheet, traced to the learner.

The transcript maps with 12 subjects; the rules now say HB202 (version 1.0.1) at the spec's
`/HocBa/DLHocBa/KetQuaHocTap`, which names no element of the document; tracing it must give
the learner's own row, both while the raw record is at hand and from the stored trace.
"""

from __future__ import annotations

from pathlib import Path

from hub_generic_excel.config import MAPPINGS
from hub_generic_excel.export import export_school
from hub_generic_excel.source import ExcelSource
from openpyxl import load_workbook

from hub.gen import GenSettings, generate
from hub.mapping import load_mappings
from hub.model import SchoolLevel
from hub.pipeline.map import Mapped, map_record
from hub.pipeline.trace import locate, locate_in_raw
from hub.rules import check_transcript
from hub.testing import read_all

MISSING = "/HocBa/DLHocBa/KetQuaHocTap"


def test_a_class_file_without_its_tin_sheet_is_hb202_at_each_learners_row(
    tmp_path: Path,
) -> None:
    settings = GenSettings(
        seed=11, levels=(SchoolLevel.LOWER_SECONDARY,), learners_per_class=3, foreign_rate=0
    )
    grade_7 = [
        g.transcript
        for g in generate(settings)
        if g.transcript.header.grade == 7 and g.transcript.results is not None
    ]
    exported = export_school(grade_7, tmp_path / "school")
    class_file = exported.class_files[0]
    book = load_workbook(class_file)
    assert "Tin học" in book.sheetnames
    del book["Tin học"]
    book.save(class_file)

    mappings = load_mappings([MAPPINGS])  # the plugin ships its templates and mappings
    result = read_all(ExcelSource(exported.config, mappings), None)
    mapped = [m for m in (map_record(r, mappings) for r in result.records) if isinstance(m, Mapped)]
    assert mapped
    for learner in mapped:
        assert learner.transcript.results is not None
        assert "TIN" not in {s.code for s in learner.transcript.results.subjects}
        findings = check_transcript(learner.transcript, today=settings.today)
        missing = [f for f in findings if f.xpath == MISSING]
        assert [(f.code, f.severity.value) for f in missing] == [("HB202", "error")]
        assert "Tin học (TIN)" in missing[0].message_vi
        row = learner.raw.location_of(())
        in_run = locate_in_raw(learner.raw, learner.mapping, MISSING)
        stored = locate(learner.record.source_ref, MISSING)
        assert (in_run.file, in_run.sheet) == (row.file, row.sheet)
        assert (in_run.row, in_run.cell) == (row.row, ", ".join(row.cells) or None)
        assert stored == in_run
