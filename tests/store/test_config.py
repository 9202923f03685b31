"""config.toml: typed sections, errors that name file and key, and no secrets in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_config
from hub.errors import UsageError
from hub.store import Store, migrate

PROJECT_CONFIG = Path(__file__).parents[2] / "config.toml"

MINIMAL = """
[ministry]
unit = "SO01"
username = "SO01"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_config_loads_and_its_database_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    config = load_config(PROJECT_CONFIG)
    assert config.ministry.endpoint == "sandbox"
    assert config.signing.roles == {"DV": "school-seal"}
    assert config.source("excel").plugin == "generic_excel"
    url = config.database_url()
    assert url == f"sqlite:///{PROJECT_CONFIG.parent / 'var' / 'hub.sqlite3'}"
    # The same settings on a scratch copy, so the test does not touch the checkout's ./var.
    scratch = write(tmp_path, PROJECT_CONFIG.read_text(encoding="utf-8"))
    store = Store(load_config(scratch).database_url(), create=True)
    try:
        migrate(store)
    finally:
        store.dispose()
    assert (tmp_path / "var" / "hub.sqlite3").is_file()


def test_relative_sqlite_paths_follow_the_config_file_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    monkeypatch.chdir("/")
    config = load_config(write(tmp_path, MINIMAL + '[database]\nurl = "sqlite:///db/h.sqlite3"\n'))
    assert config.database_url() == f"sqlite:///{tmp_path / 'db' / 'h.sqlite3'}"


def test_the_environment_overrides_the_database_url(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    url = "postgresql+psycopg://hub@db/hub"
    assert config.database_url({"HUB_DATABASE_URL": url}) == url
    assert config.database_url({}).endswith("/var/hub.sqlite3")


def test_hub_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_CONFIG", str(write(tmp_path, MINIMAL)))
    assert load_config().path == tmp_path / "config.toml"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            MINIMAL + '[signing.providers.seal]\nkind = "pkcs12"\npassword = "hunter2"\n',
            "signing.providers.seal.password",
        ),
        (
            MINIMAL + '[[sources]]\nname = "vnedu"\nplugin = "vnedu"\n'
            '[sources.options]\nclient_secret = "s3cret"\n',
            "sources.0.options.client_secret",
        ),
        (MINIMAL + '[database]\nurl = "postgresql://hub:hunter2@db/hub"\n', "database.url"),
    ],
)
def test_a_secret_in_the_file_is_refused(tmp_path: Path, text: str, names: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert str(tmp_path / "config.toml") in message
    assert f"`{names}`" in message
    assert "hunter2" not in message
    assert "s3cret" not in message
    assert "bí mật" in caught.value.message_vi
    assert "secret" in caught.value.message_en


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (MINIMAL + "[database]\nurl = 5\n", "database.url"),
        (MINIMAL + "[databse]\nurl = 'x'\n", "databse"),
        ('[ministry]\nunit = "SO01"\n', "ministry.username"),
        (MINIMAL.replace('"SO01"\nusername', '"S01"\nusername'), "ministry.unit"),
        (MINIMAL + "[ministry2]\n", "ministry2"),
        (
            MINIMAL.replace("[ministry]", '[ministry]\nendpoint = "http://ministry.example"'),
            "ministry.endpoint",
        ),
        (MINIMAL + '[signing.roles]\nDV = "missing"\n', "signing"),
        (MINIMAL + '[signing.roles]\nXX = "missing"\n', "signing.roles"),
        (MINIMAL + '[[sources]]\nname = "Bad Name"\nplugin = "x"\n', "sources.0.name"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_config(write(tmp_path, text))
    assert f"config.toml: key `{key}`" in caught.value.message_en
    assert f"khóa `{key}`" in caught.value.message_vi


def test_an_unreadable_or_malformed_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_config(write(tmp_path, "[ministry\n"))


def test_an_unknown_source_is_named_with_the_known_ones(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + '[[sources]]\nname = "smas"\nplugin = "smas"\n'))
    with pytest.raises(UsageError, match="known: smas"):
        config.source("vnedu")


PYDANTIC_ENGLISH = ("Input should", "Field required", "Extra inputs", "String should", "error,")


@pytest.mark.parametrize(
    ("text", "vi", "en"),
    [
        (
            MINIMAL + "[databse]\nurl = 'x'\n",
            "khóa `databse`: không phải khóa của cấu hình hub (gõ sai tên?); ở đây chỉ có: "
            "database, ministry, schedules, serve, signing, sources",
            "key `databse` is not a key of the hub's configuration (a typo?); known here: "
            "database, ministry, schedules, serve, signing, sources",
        ),
        (
            MINIMAL + "[[sources]]\nname = 'x'\nplugin = 'y'\noptoins = {}\n",
            "khóa `sources.0.optoins`: không phải khóa",
            "known here: name, options, plugin",
        ),
        (
            MINIMAL + "[database]\nurl = 5\n",
            "khóa `database.url`: gặp 5, cần một chuỗi trong dấu nháy",
            "key `database.url`: found 5, expected a string in quotes",
        ),
        (
            '[ministry]\nunit = "SO01"\n',
            "khóa `ministry.username`: bắt buộc, nhưng tệp không có",
            "key `ministry.username` is required but missing",
        ),
        (
            MINIMAL.replace('"SO01"\nusername', '"S01"\nusername'),
            "khóa `ministry.unit`: gặp 'S01', cần SO và 2 chữ số của Sở (MaDonViGui), ví dụ SO36",
            "key `ministry.unit`: found 'S01', expected SO and the department's 2 digits",
        ),
        (
            MINIMAL.replace("[ministry]", '[ministry]\nendpoint = "http://ministry.example"'),
            "khóa `ministry.endpoint` = 'http://ministry.example': http:// không mã hóa chỉ",
            "key `ministry.endpoint` = 'http://ministry.example': plain http:// is allowed",
        ),
        (
            MINIMAL + '[signing.roles]\nXX = "seal"\n',
            "khóa `signing.roles`: không có vai trò XX; chỉ có GVBM, GVCN, HT, DV",
            "key `signing.roles`: no role XX; the roles are GVBM, GVCN, HT, DV",
        ),
        (
            MINIMAL + "[ministry2]\n[ministry3]\n",
            "(và 1 lỗi khác)",
            "(and 1 more)",
        ),
    ],
)
def test_a_bad_key_is_told_in_vietnamese_with_what_was_found_and_what_is_expected(
    tmp_path: Path, text: str, vi: str, en: str
) -> None:
    with pytest.raises(UsageError) as caught:
        load_config(write(tmp_path, text))
    assert vi in caught.value.message_vi
    assert en in caught.value.message_en
    assert not any(words in caught.value.message_vi for words in PYDANTIC_ENGLISH)


def test_toml_and_file_errors_keep_library_english_out_of_the_vietnamese_line(
    tmp_path: Path,
) -> None:
    with pytest.raises(UsageError) as caught:
        load_config(write(tmp_path, "[ministry\n"))
    assert "không phải TOML hợp lệ (dòng 1, cột 10)" in caught.value.message_vi
    assert "Expected" not in caught.value.message_vi
    assert "Expected ']'" in caught.value.message_en
    with pytest.raises(UsageError) as missing:
        load_config(tmp_path / "missing.toml")
    assert "không có tệp này" in missing.value.message_vi
    assert "No such file" not in missing.value.message_vi


def test_hub_status_prints_a_bad_config_vietnamese_first(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hub.cli import main

    config = write(tmp_path, MINIMAL + "[databse]\nurl = 'x'\n")
    result = CliRunner().invoke(main, ["status", "--config", str(config)])
    assert result.exit_code == 2
    vietnamese, english = result.output.strip().split("\n")
    assert "khóa `databse`: không phải khóa" in vietnamese
    assert "key `databse` is not a key" in english
