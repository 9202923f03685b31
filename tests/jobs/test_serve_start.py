"""`hub serve` refuses to listen beyond loopback without HUB_SERVE_TOKEN, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.config import HubConfig
from hub.errors import UsageError
from hub.service import check_listen


def test_a_host_off_loopback_needs_a_token(config: HubConfig) -> None:
    wide = config.model_copy(update={"serve": config.serve.model_copy(update={"host": "0.0.0.0"})})
    with pytest.raises(UsageError) as caught:
        check_listen(wide, None)
    assert "HUB_SERVE_TOKEN" in caught.value.message_en
    assert "'0.0.0.0' opens hub serve beyond this machine" in caught.value.message_en
    assert "mở hub serve ra ngoài máy này" in caught.value.message_vi
    check_listen(wide, "a-token")  # with a token it may
    check_listen(config, None)  # loopback needs none


def test_hub_serve_exits_2_with_the_message(tmp_path: Path, config: HubConfig) -> None:
    path = tmp_path / "wide.toml"
    text = config.path.read_text(encoding="utf-8") + '\n[serve]\nhost = "0.0.0.0"\n'
    path.write_text(text, encoding="utf-8")
    database = tmp_path / "hub.sqlite3"
    from hub.store import migrate

    migrate(f"sqlite:///{database}")
    result = CliRunner().invoke(
        main,
        ["serve", "--config", str(path)],
        env={"HUB_DATABASE_URL": f"sqlite:///{database}", "HUB_SERVE_TOKEN": None},
    )
    assert result.exit_code == 2, result.output
    assert "HUB_SERVE_TOKEN" in result.output
    assert "beyond this machine" in result.output
