"""The configuration of a SMAS source, as a JSON Schema the hub checks before use.

    [[sources]]
    name = "smas"
    plugin = "smas"
    options = { base_url = "https://…", keys_file_env = "HUB_SMAS_KEYS", years = ["2024-2025"],
                schools = ["80000001"], ca_bundle = "path/to/ca.pem" }

`keys_file_env` names the environment variable that holds the PATH of a TOML file of
per-school credentials (``[schools."80000001"] api_key = "…"  secret = "…"``, hub_smas.keys);
the path is not a secret, the file's content is. `schools` is optional: every school of the
keys file by default. The other keys tune the client and are optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.api import UsageError, plain_http_refusal

MAPPINGS = Path(__file__).parent / "mappings"
"""The plugin's record mappings and label lists, shipped in the package (package data)."""

DEFAULT_PARALLEL = 16
"""Requests in flight at once. Measured with bench/bench_smas.py --sweep --latency 0.02 (a
40-class school, 1,827 requests, on a 2-core machine shared with other work): on loopback
16 reached the most (about 2,100 req/s; 1, 4 and 8: 1,200–1,850); with 20 ms added to each
answer, as across a network, the school took 40.6 s at 1, 5.9 s at 8 and 3.4 s at 16."""

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "smas source",
    "type": "object",
    "additionalProperties": False,
    "required": ["base_url", "keys_file_env", "years"],
    "properties": {
        "base_url": {"type": "string", "description": "SMAS's https:// address"},
        "keys_file_env": {
            "type": "string",
            "pattern": "^[A-Z_][A-Z0-9_]*$",
            "description": "the variable naming the per-school keys file (e.g. HUB_SMAS_KEYS)",
        },
        "years": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{4}$"},
        },
        "schools": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{8}$"}},
        "ca_bundle": {"type": "string", "description": "PEM file of the CAs to trust"},
        "parallel": {"type": "integer", "minimum": 1, "maximum": 64},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 100},
        "attempts": {"type": "integer", "minimum": 1, "maximum": 20},
        "backoff_first": {"type": "number", "minimum": 0, "maximum": 60},
        "backoff_longest": {"type": "number", "minimum": 0, "maximum": 600},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        "place_of_issue": {"type": "string", "minLength": 1},
        "issue_date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    },
}


@dataclass(frozen=True, slots=True)
class Options:
    """The checked options, with their defaults; no secret (the keys are read at `read`)."""

    base_url: str
    keys_file_env: str
    years: tuple[str, ...]
    schools: tuple[str, ...] | None
    ca_bundle: str | None
    parallel: int = DEFAULT_PARALLEL
    page_size: int = 100
    attempts: int = 5
    backoff_first: float = 0.25
    backoff_longest: float = 4.0
    timeout: float = 30.0
    place_of_issue: str | None = None
    issue_date: str | None = None

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> Options:
        base_url = str(options["base_url"]).rstrip("/")
        refusal = plain_http_refusal(base_url, "khóa API SMAS", "the SMAS API keys")
        if refusal is not None:
            raise UsageError(f"smas base_url: {refusal[0]}", f"smas base_url: {refusal[1]}")
        schools = options.get("schools")
        return cls(
            base_url=base_url,
            keys_file_env=str(options["keys_file_env"]),
            years=tuple(options["years"]),
            schools=tuple(schools) if schools is not None else None,
            ca_bundle=options.get("ca_bundle"),
            parallel=int(options.get("parallel", DEFAULT_PARALLEL)),
            page_size=int(options.get("page_size", 100)),
            attempts=int(options.get("attempts", 5)),
            backoff_first=float(options.get("backoff_first", 0.25)),
            backoff_longest=float(options.get("backoff_longest", 4.0)),
            timeout=float(options.get("timeout", 30.0)),
            place_of_issue=options.get("place_of_issue"),
            issue_date=options.get("issue_date"),
        )
