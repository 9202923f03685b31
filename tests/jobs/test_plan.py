"""pieces_of: the pieces a schedule's filters select, per source kind, in a stable order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config import HubConfig, load_config
from hub.errors import UsageError
from hub.jobs.pieces import Piece
from hub.jobs.plan import pieces_of

Y1, Y2 = "2023-2024", "2024-2025"


def _config(tmp_path: Path) -> HubConfig:
    province = tmp_path / "excel"
    for code in ("36000002", "36000001"):
        folder = province / code
        folder.mkdir(parents=True)
        options = {"school_code": code, "school_year": Y2, "school_name": f"Trường {code}"}
        (folder / "source.json").write_text(json.dumps(options), encoding="utf-8")
    (tmp_path / "loose").mkdir()
    path = tmp_path / "hub.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///hub.sqlite3"

[ministry]
endpoint = "sandbox"
unit = "SO36"
username = "SO36"
password_env = "HUB_MINISTRY_PASSWORD"

[[sources]]
name = "vnedu"
plugin = "vnedu"
[sources.options]
base_url = "https://vnedu.example"
client_id = "c"
client_secret_env = "S"
years = ["{Y2}", "{Y1}"]
schools = ["56000002", "56000001"]

[[sources]]
name = "vnedu-all"
plugin = "vnedu"
[sources.options]
base_url = "https://vnedu.example"
client_id = "c"
client_secret_env = "S"
years = ["{Y2}"]

[[sources]]
name = "smas"
plugin = "smas"
[sources.options]
base_url = "https://smas.example"
keys_file_env = "K"
years = ["{Y2}"]
schools = ["36300001"]

[[sources]]
name = "excel"
plugin = "generic_excel"
options = {{ folder = "excel" }}

[[sources]]
name = "loose"
plugin = "generic_excel"
options = {{ folder = "loose" }}
""",
        encoding="utf-8",
    )
    return load_config(path)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HubConfig:
    monkeypatch.delenv("HUB_LOAD_PLUGINS", raising=False)
    return _config(tmp_path)


def test_every_source_gives_its_pieces_in_config_order(config: HubConfig) -> None:
    assert pieces_of(config) == [
        Piece("vnedu", "56000001", Y1),
        Piece("vnedu", "56000001", Y2),
        Piece("vnedu", "56000002", Y1),
        Piece("vnedu", "56000002", Y2),
        Piece("vnedu-all", None, Y2),  # lists no school: one piece per year
        Piece("smas", "36300001", Y2),
        Piece("excel", "36000001", Y2),  # a province folder names its schools
        Piece("excel", "36000002", Y2),
        Piece("loose", None, None),  # cannot narrow, says no school: read whole
    ]


def test_filters_keep_what_they_name_and_name_what_all_leaves_open(config: HubConfig) -> None:
    assert pieces_of(config, sources=["vnedu", "vnedu-all"], schools=["56000001"]) == [
        Piece("vnedu", "56000001", Y1),
        Piece("vnedu", "56000001", Y2),
        Piece("vnedu-all", "56000001", Y2),
    ]
    assert pieces_of(config, sources=["vnedu"], years=[Y1]) == [
        Piece("vnedu", "56000001", Y1),
        Piece("vnedu", "56000002", Y1),
    ]
    assert pieces_of(config, sources=["loose", "excel"], schools=["36000002"], years=[Y2]) == [
        Piece("excel", "36000002", Y2),
        Piece("loose", "36000002", Y2),  # the hub keeps that school's rows as it reads
    ]
    assert pieces_of(config, sources=["smas"], years=[Y1]) == []


def test_the_same_config_gives_the_same_pieces(config: HubConfig) -> None:
    assert pieces_of(config) == pieces_of(config)


def test_an_unknown_source_is_named_with_the_configured_ones(config: HubConfig) -> None:
    with pytest.raises(UsageError) as refused:
        pieces_of(config, sources=["vnedu", "educloud", "sams"])
    message = refused.value.message_en
    assert "educloud, sams" in message
    assert "configured: vnedu, vnedu-all, smas, excel, loose" in message
    assert "educloud" in refused.value.message_vi


def test_a_misspelt_option_of_a_source_that_narrows_is_said_with_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_LOAD_PLUGINS", raising=False)
    config = _config(tmp_path)
    text = config.path.read_text(encoding="utf-8")
    text = text.replace(
        'client_secret_env = "S"\nyears = ["2024-2025"]', 'client_secret_env = "S"\nyeers = 1'
    )
    config.path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        pieces_of(load_config(config.path), sources=["vnedu-all"])
    assert "vnedu-all" in refused.value.message_en
