"""The configuration of a vnEdu source, as a JSON Schema the hub checks before use.

    [[sources]]
    name = "vnedu"
    plugin = "vnedu"
    options = { base_url = "https://…", client_id = "…", client_secret_env = "HUB_VNEDU_SECRET",
                years = ["2024-2025"], schools = ["56000001"], ca_bundle = "path/to/ca.pem" }

The key names are the issue's (a vnEdu server written apart from this project is configured
with them). The secret itself is never in config.toml: `client_secret_env` names the
environment variable that holds it. What vnEdu does not say about a school (its MaSoGD, the
place printed on the transcript, NgayLap) has defaults from the school's code and the code
lists, and may be set per school in `school_details`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hub.api import UsageError, is_loopback, plain_http_refusal

MAPPINGS = Path(__file__).parent / "mappings"
"""The plugin's record mappings and label lists, shipped in the package (package data)."""

PRIMARY_MAPPING = "vnedu-primary"
SECONDARY_MAPPING = "vnedu-secondary"

MAX_RATE = 5.0
"""vnEdu's limit, requests per second (spec: 429 beyond it)."""

_DETAILS = {
    "department_code": {
        "type": "string",
        "pattern": "^[0-9]{2}$",
        "description": "MaSoGD; default: the first two digits of the school's code",
    },
    "place_of_issue": {
        "type": "string",
        "minLength": 1,
        "description": "DiaDanhPhatHanh; default: the province's name of MaSoGD",
    },
    "issue_date": {
        "type": "string",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "description": "NgayLap; default: the day vnEdu last changed the learner (updated_at)",
    },
}

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "vnedu source",
    "type": "object",
    "additionalProperties": False,
    "required": ["base_url", "client_id", "client_secret_env", "years"],
    "properties": {
        "base_url": {
            "type": "string",
            "pattern": "^https?://",
            "description": "the partner API, https:// (plain http:// only to this machine)",
        },
        "client_id": {"type": "string", "minLength": 1},
        "client_secret_env": {
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
            "x-secret-env": True,
            "description": "the NAME of the environment variable holding the client secret",
        },
        "years": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{4}$"},
        },
        "schools": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[0-9]{8}$"},
            "description": "MaTruong to read; default: every school GET /v2/schools lists",
        },
        "ca_bundle": {
            "type": "string",
            "minLength": 1,
            "description": "PEM file of the CAs to trust; default: the system's trust store",
        },
        **_DETAILS,
        "school_details": {
            "type": "object",
            "propertyNames": {"pattern": "^[0-9]{8}$"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": _DETAILS,
            },
            "description": "per school (MaTruong): department_code, place_of_issue, issue_date",
        },
        "rate": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1000,
            "default": MAX_RATE,
            "description": "requests per second: at most vnEdu's 5 (more only to a simulator "
            "on this machine, for a benchmark)",
        },
        "timeout": {"type": "number", "exclusiveMinimum": 0, "default": 30},
        "retries": {
            "type": "integer",
            "minimum": 0,
            "maximum": 10,
            "default": 4,
            "description": "retries of a request after a 5xx, a bad body or a network error",
        },
    },
}


@dataclass(frozen=True)
class Settings:
    """The checked options of one vnEdu source."""

    base_url: str
    client_id: str
    client_secret_env: str
    years: tuple[str, ...]
    schools: tuple[str, ...] | None = None
    ca_bundle: str | None = None
    details: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    rate: float = MAX_RATE
    timeout: float = 30.0
    retries: int = 4

    def detail(self, school_code: str, key: str) -> str | None:
        """A school's configured `key` (department_code, place_of_issue, issue_date)."""
        return self.details.get(school_code, {}).get(key) or self.defaults.get(key)


def settings_of(options: dict[str, Any]) -> Settings:
    """The options as Settings; a base_url a secret may not travel to is a UsageError."""
    base_url = str(options["base_url"]).rstrip("/")
    refusal = plain_http_refusal(base_url, "khóa bí mật vnEdu", "the vnEdu client secret")
    if refusal is not None:
        vi, en = refusal
        raise UsageError(
            f"nguồn vnedu: base_url {base_url}: {vi}", f"vnedu source: base_url {base_url}: {en}"
        )
    ca_bundle = options.get("ca_bundle")
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        raise UsageError(
            f"nguồn vnedu: không có tệp ca_bundle {ca_bundle}; sửa tùy chọn `ca_bundle` hoặc bỏ "
            "nó để dùng kho chứng thư của hệ thống",
            f"vnedu source: the ca_bundle file {ca_bundle} does not exist; correct the "
            "`ca_bundle` option or remove it to use the system's trust store",
        )
    rate = float(options.get("rate", MAX_RATE))
    if rate > MAX_RATE and not is_loopback(urlsplit(base_url).hostname):
        raise UsageError(
            f"nguồn vnedu: rate = {rate:g} vượt giới hạn 5 yêu cầu/giây của vnEdu (chỉ được "
            "vượt với trình giả lập trên chính máy này); bỏ `rate` hoặc đặt ≤ 5",
            f"vnedu source: rate = {rate:g} is over vnEdu's limit of 5 requests/s (allowed only "
            "to a simulator on this machine); remove `rate` or set it to 5 or less",
        )
    schools = options.get("schools")
    return Settings(
        base_url=base_url,
        client_id=str(options["client_id"]),
        client_secret_env=str(options["client_secret_env"]),
        years=tuple(options["years"]),
        schools=tuple(schools) if schools else None,
        ca_bundle=ca_bundle,
        details={k: dict(v) for k, v in (options.get("school_details") or {}).items()},
        defaults={k: str(options[k]) for k in _DETAILS if options.get(k)},
        rate=rate,
        timeout=float(options.get("timeout", 30)),
        retries=int(options.get("retries", 4)),
    )
