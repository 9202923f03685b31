"""The sample input the conformance kit reads: a small generated school, exported to .xlsx."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from hub.api import SchoolLevel
from hub.testing import SampleCase, sample_transcripts
from hub_generic_excel.export import export_school

FUTURE_CURSOR = json.dumps({"version": 1, "as_of": "2999-01-01T00:00:00+00:00", "bundles": {}})


def sample_case(folder: Path) -> SampleCase:
    """Two classes of a lower secondary school; one learner's mid-term score is unreadable, so
    the sample has both records and a problem for the accounting check to count."""
    transcripts = sample_transcripts(SchoolLevel.LOWER_SECONDARY, 8, seed=11, per_class=4)
    exported = export_school(transcripts, folder)
    first_class = exported.class_files[0]
    workbook = load_workbook(first_class)
    sheet = workbook["Toán"]
    sheet.cell(7, 8, "tám")  # row 7 = first learner, column H = ĐĐGgk of semester 1
    workbook.save(first_class)
    return SampleCase(config=exported.config, rows_in=len(transcripts), future_cursor=FUTURE_CURSOR)
