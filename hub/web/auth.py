"""Who may call a route of `hub serve`: one rule per route, named in the route table (hub.web.app).

    loopback_or_token   open from this machine (127.0.0.1, ::1); from elsewhere only with
                        `Authorization: Bearer <HUB_SERVE_TOKEN>`, compared in constant time;
                        no token configured → refused off loopback

A later route (the seal agent's, the console's) adds its row to the table with one of these
rules or a new one here; a route cannot be declared without a rule. `hub serve` refuses to
listen beyond loopback when no token is set (hub.service), so a rule is never the only guard.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from hub.addresses import is_loopback

TOKEN_ENV = "HUB_SERVE_TOKEN"  # noqa: S105 -- the name of a variable, not a secret
"""The bearer token callers off loopback present (or HUB_SERVE_TOKEN_FILE: a file holding it)."""


@dataclass(frozen=True, slots=True)
class Access:
    """What the rules compare a request against."""

    token: str | None  # HUB_SERVE_TOKEN; None: not configured


Rule = Callable[[Request, Access], bool]
"""True when the request may be served."""


def _bearer(request: Request) -> str | None:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" and given.strip() else None


def loopback_or_token(request: Request, access: Access) -> bool:
    """From this machine, or with the configured bearer token."""
    if request.client is not None and is_loopback(request.client.host):
        return True
    given = _bearer(request)
    if access.token is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), access.token.encode())


RULES: dict[str, Rule] = {"loopback_or_token": loopback_or_token}
"""Every rule a route may name."""
