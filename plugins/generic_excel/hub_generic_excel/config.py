"""The configuration of a generic_excel source, as a JSON Schema the hub checks before use.

    [[sources]]
    name = "excel"
    plugin = "generic_excel"
    options = { folder = "/srv/hocba/excel", learner_list = "danh-sach*.xlsx", … }

`options` is checked against CONFIG_SCHEMA before the source is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAPPINGS = Path(__file__).parent / "mappings"
"""The plugin's templates and record mappings, shipped in the package (package data)."""

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "generic_excel source",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "folder",
        "learner_list",
        "class_files",
        "school_code",
        "school_name",
        "school_year",
        "level",
        "department_code",
        "place_of_issue",
        "issue_date",
        "principal",
    ],
    "properties": {
        "folder": {"type": "string", "description": "the folder the school's files are put in"},
        "learner_list": {"type": "string", "description": "glob of the learner list file(s)"},
        "class_files": {
            "type": "string",
            "description": "glob of the class files: gradebooks (secondary) or year-end summaries",
        },
        "learner_list_template": {"type": "string", "default": "sector-learner-list"},
        "class_file_template": {
            "type": "string",
            "description": "secondary-gradebook or primary-summary (by level when absent)",
        },
        "school_code": {"type": "string", "pattern": "^[0-9]{8}$"},
        "school_name": {"type": "string", "minLength": 1},
        "school_year": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{4}$"},
        "level": {
            "type": "string",
            "description": "02 / 03 / 04 / 05, or Tiểu học, THCS, THPT, GDTX",
        },
        "department_code": {"type": "string", "pattern": "^[0-9]{2}$"},
        "place_of_issue": {"type": "string", "minLength": 1},
        "issue_date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "principal": {"type": "string", "minLength": 1},
        "principal_title": {"enum": ["Hiệu trưởng", "Phó Hiệu trưởng"]},
        "homeroom_teachers": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "class → homeroom teacher, when the class file does not say",
        },
        "teachers": {
            "type": "object",
            "description": "class → subject label → teacher, when the gradebook does not say",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
}
