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
    assert config.source("demo-excel").plugin == "generic_excel"
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
