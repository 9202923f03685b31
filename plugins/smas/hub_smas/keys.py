"""The per-school credentials file: read only when private, never shown.

`HUB_SMAS_KEYS` (the variable the source's `keys_file_env` names) holds the path of a TOML file:

    [schools."80000001"]
    api_key = "…"
    secret = "…"

The file is refused when its group or others may read it (it would let anyone on the machine
sign requests as the school), with the `chmod` that fixes it. A `SchoolKey`'s repr shows the
school and nothing of the key or the secret.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hub.api import UsageError


@dataclass(frozen=True, slots=True)
class SchoolKey:
    """One school's API key and secret (shown by school code only)."""

    school: str
    api_key: str = field(repr=False)
    secret: str = field(repr=False)


def read_keys(variable: str) -> dict[str, SchoolKey]:
    """The keys file the variable `variable` names, by school code."""
    value = os.environ.get(variable)
    if not value:
        raise UsageError(
            f"Biến môi trường {variable} chưa đặt: nó phải chứa đường dẫn tệp khóa SMAS "
            f'(TOML: [schools."<MaTruong>"] api_key, secret).',
            f"The environment variable {variable} is not set: it must hold the path of the "
            f'SMAS keys file (TOML: [schools."<MaTruong>"] api_key, secret).',
        )
    path = Path(value)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UsageError(
            f"Không đọc được tệp khóa SMAS {path} ({exc.strerror}).",
            f"Cannot read the SMAS keys file {path} ({exc.strerror}).",
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(
            f"Tệp khóa SMAS {path} cho nhóm hoặc người khác đọc được (quyền "
            f"{stat.filemode(mode)}); chạy `chmod 600 {path}` rồi thử lại.",
            f"The SMAS keys file {path} can be read by its group or others (mode "
            f"{stat.filemode(mode)}); run `chmod 600 {path}` and try again.",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"Tệp khóa SMAS {path} không phải TOML hợp lệ ({type(exc).__name__}).",
            f"The SMAS keys file {path} is not valid TOML ({type(exc).__name__}).",
        ) from None  # the parser's message may quote a secret
    return _schools(path, data)


def _schools(path: Path, data: dict[str, object]) -> dict[str, SchoolKey]:
    schools = data.get("schools")
    if not isinstance(schools, dict) or not schools:
        raise UsageError(
            f'Tệp khóa SMAS {path} không có bảng [schools."<MaTruong>"] nào.',
            f'The SMAS keys file {path} has no [schools."<MaTruong>"] table.',
        )
    keys: dict[str, SchoolKey] = {}
    for code, entry in schools.items():
        api_key = entry.get("api_key") if isinstance(entry, dict) else None
        secret = entry.get("secret") if isinstance(entry, dict) else None
        if not (isinstance(api_key, str) and api_key and isinstance(secret, str) and secret):
            raise UsageError(
                f'Tệp khóa SMAS {path}: [schools."{code}"] cần api_key và secret (chuỗi).',
                f'The SMAS keys file {path}: [schools."{code}"] needs api_key and secret '
                f"(strings).",
            )
        keys[str(code)] = SchoolKey(str(code), api_key, secret)
    return keys
