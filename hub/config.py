"""The hub's configuration: config.toml, read with tomllib into typed, checked sections.

    [database]              url (HUB_DATABASE_URL overrides it)
    [ministry]              endpoint ("sandbox" or an https URL), unit (MaDonViGui), username,
                            password_env (the *name* of the variable holding the password)
    [signing.providers.X]   one signing provider each (hub.signing.providers.factory)
    [signing.roles]         VaiTro → provider name, for the signatures the hub makes
    [[sources]]             name, plugin, and the plugin's own keys under `options`
    [trust]                 folder: the roots, intermediates and CRLs (as `hub pki init` writes
                            them) that documents a vendor signed itself are verified against
    [[schedules]]           name, cron (five fields, hub.cron), timezone, job, and optional
                            filters sources / schools / years: what `hub serve` runs when
    [serve]                 host, port, misfire_grace_s, concurrency: `hub serve` itself

Secrets are never read from the file: a key that looks like one (password, token, pin, secret,
api_key, ...) or a database URL with a password in it is refused with the way to do it right
(an environment variable, a `*_FILE` secrets file, or PostgreSQL's own .pgpass). Every error
names the file and the key, in Vietnamese and in English. Relative paths, including a SQLite
database's, are taken from the config file's folder, so the hub behaves the same whatever the
current directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hub.addresses import plain_http_refusal
from hub.config_errors import Invalid, toml_error, unreadable, validation_error
from hub.config_schedules import ScheduleConfig, ServeConfig, check_schedules
from hub.errors import UsageError

DEFAULT_PATH = Path("config.toml")
CONFIG_ENV = "HUB_CONFIG"
DATABASE_URL_ENV = "HUB_DATABASE_URL"

_SECRET_KEY = re.compile(
    r"^(password|passwd|passphrase|secret|client_secret|secret_key|private_key|token|"
    r"access_token|api_token|api_key|apikey|pin|user_pin)$",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"://[^:/@\s]*:[^@\s]*@")  # user:password@ in a URL unparsable


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    url: str = "sqlite:///var/hub.sqlite3"


class MinistryConfig(_Section):
    endpoint: str = "sandbox"  # "sandbox": the local sandbox `hub demo` starts
    unit: str = Field(pattern=r"^SO\d{2}$")  # MaDonViGui: SO<MaSoGD>
    username: str
    password_env: str = Field(default="HUB_MINISTRY_PASSWORD", pattern=r"^[A-Z][A-Z0-9_]*$")

    @field_validator("endpoint")
    @classmethod
    def _https_or_loopback(cls, value: str) -> str:
        # The rule the client applies to every address (hub.ministry.config), checked here too
        # so that a wrong address stops the hub when the file is read, naming the key.
        if value == "sandbox":
            return value
        refusal = plain_http_refusal(
            value, "mật khẩu tài khoản Bộ", "the ministry account's password"
        )
        if refusal is not None:
            vi, en = refusal
            raise Invalid(f'{vi}, hoặc "sandbox"', f'{en}, or "sandbox"')
        return value


class SigningConfig(_Section):
    providers: dict[str, dict[str, Any]] = {}
    roles: dict[str, str] = {}  # VaiTro (GVBM, GVCN, HT, DV) → provider name

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - {"GVBM", "GVCN", "HT", "DV"}
        if unknown:
            names = ", ".join(sorted(unknown))
            raise Invalid(
                f"không có vai trò {names}; chỉ có GVBM, GVCN, HT, DV",
                f"no role {names}; the roles are GVBM, GVCN, HT, DV",
            )
        return value

    @model_validator(mode="after")
    def _roles_name_providers(self) -> SigningConfig:
        for role, provider in self.roles.items():
            if provider not in self.providers:
                raise Invalid(
                    f"roles.{role} = {provider!r} nhưng không có mục "
                    f"[signing.providers.{provider}]",
                    f"roles.{role} = {provider!r} but there is no [signing.providers.{provider}]",
                )
        return self


class SourceConfig(_Section):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    plugin: str
    options: dict[str, Any] = {}


class TrustConfig(_Section):
    """Whom the hub trusts for documents it did not sign: a vendor's own (vnEdu).

    The same folder `hub verify --trust` and the sandbox take (hub.signing.trust.TrustStore).
    """

    folder: str | None = None


class HubConfig(_Section):
    """The whole configuration. `path` and `base_dir` say where it was read from."""

    path: Path
    database: DatabaseConfig = DatabaseConfig()
    ministry: MinistryConfig
    signing: SigningConfig = SigningConfig()
    sources: list[SourceConfig] = []
    trust: TrustConfig = TrustConfig()
    schedules: list[ScheduleConfig] = []  # after `sources`: its validator reads them
    serve: ServeConfig = ServeConfig()

    @field_validator("schedules")
    @classmethod
    def _schedules_fit(
        cls, value: list[ScheduleConfig], info: ValidationInfo
    ) -> list[ScheduleConfig]:
        sources = info.data.get("sources")  # absent: [[sources]] itself was refused
        check_schedules(value, None if sources is None else [s.name for s in sources])
        return value

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def trust_folder(self) -> Path | None:
        """[trust] folder, a relative path taken from the config file's folder; None unset."""
        if self.trust.folder is None:
            return None
        folder = Path(self.trust.folder)
        return folder if folder.is_absolute() else self.base_dir / folder

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "-"
        raise UsageError(
            f"{self.path}: không có nguồn {name!r}; có: {known}.",
            f"{self.path}: no source {name!r}; known: {known}.",
        )

    def database_url(self, environ: Mapping[str, str] | None = None) -> str:
        """The database URL: HUB_DATABASE_URL if set, else the file's, with a relative SQLite
        path taken from the config file's folder.

        A URL that cannot be parsed is returned as written: opening the store refuses it with
        the store's message and exit code, whichever of the two places it came from.
        """
        env = os.environ if environ is None else environ
        if env.get(DATABASE_URL_ENV):
            return env[DATABASE_URL_ENV]
        try:
            url = sa.make_url(self.database.url)
        except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
            return self.database.url
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            database = Path(url.database)
            if not database.is_absolute():
                url = url.set(database=str(self.base_dir / database))
        return url.render_as_string(hide_password=False)


def load_config(path: str | Path | None = None) -> HubConfig:
    """Read and check the configuration file.

    Args:
        path: the file; default: $HUB_CONFIG, else ./config.toml.

    Raises:
        UsageError: the file is missing or not TOML, a key is unknown, missing or of the wrong
            type, or a secret is written in it. The message names the file and the key.
    """
    where = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_PATH).resolve()
    try:
        raw = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise unreadable(exc, where) from None
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(exc, where) from None
    _refuse_secrets(raw, where, ())
    try:
        return HubConfig.model_validate({**raw, "path": where})
    except ValidationError as exc:
        raise validation_error(exc, where, HubConfig) from None


def _refuse_secrets(value: Any, where: Path, trail: tuple[str, ...]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_secrets(item, where, (*trail, str(key)))
            if _SECRET_KEY.match(str(key)):
                _secret_error(
                    where,
                    ".".join((*trail, str(key))),
                    f"đặt bí mật vào một biến môi trường và ghi tên biến vào `{key}_env`",
                    f"put it in an environment variable and name that variable in `{key}_env`",
                )
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_secrets(item, where, (*trail, str(i)))
    if trail == ("database", "url") and isinstance(value, str):
        try:
            has_password = sa.make_url(value).password is not None
        except (sa.exc.ArgumentError, ValueError):  # reported as a bad URL where it is used
            has_password = _URL_PASSWORD.search(value) is not None
        if has_password:
            _secret_error(
                where,
                "database.url",
                f"bỏ mật khẩu khỏi địa chỉ; đặt cả địa chỉ vào {DATABASE_URL_ENV}, hoặc dùng "
                f"~/.pgpass / PGPASSFILE",
                f"drop the password from the URL; put the whole URL in {DATABASE_URL_ENV}, or "
                f"use ~/.pgpass / PGPASSFILE",
            )


def _secret_error(where: Path, key: str, fix_vi: str, fix_en: str) -> None:
    raise UsageError(
        f"{where}: khóa `{key}` chứa bí mật; không ghi bí mật vào config.toml: {fix_vi}.",
        f"{where}: key `{key}` holds a secret; never write secrets into config.toml: {fix_en}.",
    )
