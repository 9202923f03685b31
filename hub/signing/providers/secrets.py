"""Where a provider's secret comes from: an environment variable, or a file it names.

A password, PIN or API token never comes from config.toml or the command line (both end up in
shell history, process listings and backups). A provider is configured with the *name* of an
environment variable, e.g. `HUB_SIGNING_PASSWORD`, and reads the value when it needs it:

- `HUB_SIGNING_PASSWORD=...` holds the secret itself, or
- `HUB_SIGNING_PASSWORD_FILE=/run/secrets/school-seal` names a file holding it (the
  Docker/systemd-credentials convention), so the secret need not sit in the environment.

Setting both is refused: two sources of one secret is how a stale password survives a rotation.
"""

from __future__ import annotations

import os
from pathlib import Path

from hub.signing.providers.base import ProviderConfigError

FILE_SUFFIX = "_FILE"


def read_secret(env_name: str, what_vi: str, what_en: str) -> str:
    """Read the secret named by `env_name` (or by `env_name + "_FILE"`).

    Args:
        env_name: the environment variable's name, e.g. "HUB_SIGNING_PASSWORD".
        what_vi: what the secret is for, in Vietnamese (for the error message).
        what_en: the same in English.

    Returns:
        The secret; a file's single trailing newline is dropped (editors add one).

    Raises:
        ProviderConfigError: neither variable is set, both are, or the file cannot be read.
    """
    file_name = env_name + FILE_SUFFIX
    direct = os.environ.get(env_name)
    file_path = os.environ.get(file_name)
    if direct is not None and file_path is not None:
        raise ProviderConfigError(
            f"{what_vi}: đặt cả {env_name} và {file_name}; chỉ đặt một trong hai.",
            f"{what_en}: both {env_name} and {file_name} are set; set only one.",
        )
    if direct is not None:
        return direct
    if file_path is not None:
        try:
            text = Path(file_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ProviderConfigError(
                f"{what_vi}: không đọc được tệp bí mật {file_path} ({file_name}): {exc.strerror}.",
                f"{what_en}: cannot read the secrets file {file_path} ({file_name}): "
                f"{exc.strerror}.",
            ) from None
        return text.removesuffix("\n").removesuffix("\r")
    raise ProviderConfigError(
        f"{what_vi}: chưa đặt biến môi trường {env_name} (hoặc {file_name} trỏ tới tệp bí mật). "
        f"Hãy đặt nó trước khi chạy lại; không ghi bí mật vào config.toml hay dòng lệnh.",
        f"{what_en}: the environment variable {env_name} is not set (nor {file_name} naming a "
        f"secrets file). Set it and re-run; never put the secret in config.toml or on the "
        f"command line.",
    )


def secret_is_set(env_name: str) -> bool:
    """Whether `env_name` or its `_FILE` twin is set (to check configuration early)."""
    return env_name in os.environ or env_name + FILE_SUFFIX in os.environ
