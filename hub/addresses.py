"""Where the hub may send a secret, and where it may listen: the one rule, in one place.

Secrets (the ministry's WS-Security password, a remote signer's token) travel only over
https://, or over plain http:// to this machine; the sandbox, the signing simulator and the test
servers listen only on this machine. "This machine" is `localhost`, 127.0.0.0/8 or ::1; no name
is resolved (a name that resolves to loopback today may not tomorrow).

A leaf: config.toml's checks, the ministry client and the signing providers import it without
pulling in each other (a worker process loads the configuration, not the ministry's client).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str | None) -> bool:
    """Whether `host` is this machine: `localhost`, 127.0.0.0/8 or ::1 (no name is resolved)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_refusal(address: str, what_vi: str, what_en: str) -> tuple[str, str] | None:
    """Why a secret may not be sent to `address` (Vietnamese, English), or None if it may.

    Args:
        address: the URL.
        what_vi, what_en: what would travel, for the message ("mật khẩu tài khoản Bộ").
    """
    parts = urlsplit(address)
    try:
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and is_loopback(host):
        return None
    if parts.scheme == "http" and host:
        return (
            f"http:// không mã hóa chỉ được dùng trên chính máy này (127.0.0.0/8, ::1, "
            f"localhost), không dùng cho {host}: {what_vi} sẽ đi qua mạng dưới dạng chữ thường; "
            f"hãy dùng https://",
            f"plain http:// is allowed only on this machine (127.0.0.0/8, ::1, localhost), not "
            f"for {host}: {what_en} would cross the network in clear text; use https://",
        )
    return (
        "cần một địa chỉ https:// (hoặc http:// trên chính máy này)",
        "expected an https:// address (or http:// on this machine)",
    )
