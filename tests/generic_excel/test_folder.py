"""A source folder that does not exist is a usage error naming it (issue 14, point 5).

Not a source failure with a traceback, and not a read of nothing ("read 0") that looks like a
school with no learners: the folder and the option that names it, before anything is read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hub_generic_excel.sample import sample_case
from hub_generic_excel.source import ExcelSource

from hub.config import load_config
from hub.errors import UsageError
from hub.pipeline.extract import source_runs

from .helpers import mappings

CONFIG = """
[ministry]
unit = "SO01"
username = "SO01"

[[sources]]
name = "excel"
plugin = "generic_excel"
options = { folder = "hoc-ba/excel" }
"""


def test_a_missing_folder_in_the_config_is_a_usage_error_naming_folder_and_option(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        source_runs(load_config(path))
    folder = str(tmp_path / "hoc-ba" / "excel")
    for message in (raised.value.message_vi, raised.value.message_en):
        assert folder in message
        assert "`options.folder`" in message
        assert "excel" in message
        assert str(path) in message
    assert "không tồn tại" in raised.value.message_vi
    assert "does not exist" in raised.value.message_en


def test_an_existing_folder_is_read_as_before(tmp_path: Path) -> None:
    (tmp_path / "hoc-ba" / "excel").mkdir(parents=True)
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    [run] = source_runs(load_config(path))
    assert run.options["folder"] == str(tmp_path / "hoc-ba" / "excel")


def test_the_plugin_read_directly_says_the_same(tmp_path: Path) -> None:
    config = dict(sample_case(tmp_path / "school").config)
    config["folder"] = str(tmp_path / "nowhere")
    with pytest.raises(UsageError) as raised:
        next(iter(ExcelSource(config, mappings()).read(None)))
    assert str(tmp_path / "nowhere") in raised.value.message_vi
    assert "`folder`" in raised.value.message_en
