"""WS-Security on the sandbox's side: UsernameToken (PasswordText) and a fresh wsu:Timestamp.

Accounts come from a TOML file that names, for each account, the environment variable holding
its password (`HUB_SANDBOX_PASSWORD_SO01`, or `..._FILE` naming a secrets file): a password is
never in a file the sandbox is configured with, nor on its command line. Only a SHA-256 of each
password is kept in memory, compared in constant time.

    [[account]]
    username = "so01"
    password_env = "HUB_SANDBOX_PASSWORD_SO01"
    units = ["SO01"]          # the MaDonViGui this account may submit for
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from hub.errors import UsageError
from hub.ministry.contract import MAX_TIMESTAMP_AGE_SECONDS, PASSWORD_TEXT, WSSE, WSU, FaultCode
from hub.sandbox.soap import ServiceFault
from hub.signing.providers.secrets import read_secret

CLOCK_SKEW = timedelta(seconds=60)
"""How far in the future a Timestamp's Created may be: clocks of two machines differ a little."""

_REFUSED = "Sai tên đăng nhập hoặc mật khẩu."


@dataclass(frozen=True)
class Account:
    """An account the ministry issued to a submitting unit (or a vendor acting for units)."""

    username: str
    units: frozenset[str]
    password_sha256: bytes = field(repr=False)

    @classmethod
    def with_password(cls, username: str, password: str, units: Iterable[str]) -> Account:
        """An account from a clear password (tests; the file loader reads it from the env)."""
        return cls(username, frozenset(units), hashlib.sha256(password.encode()).digest())


class Accounts:
    """The accounts the sandbox accepts, and the WS-Security check of a request header."""

    def __init__(self, accounts: Iterable[Account]) -> None:
        self._by_name: Mapping[str, Account] = {a.username: a for a in accounts}

    @classmethod
    def from_toml(cls, path: Path) -> Accounts:
        """Read the accounts file; each password from the variable it names.

        Raises:
            UsageError: the file is unreadable or malformed, or a password is not set.
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(
                f"Không đọc được tệp tài khoản {path}: {exc}.",
                f"Cannot read the accounts file {path}: {exc}.",
            ) from None
        accounts = []
        for i, entry in enumerate(data.get("account", []), start=1):
            try:
                username = str(entry["username"])
                env_name = str(entry["password_env"])
                units = [str(u) for u in entry["units"]]
            except (KeyError, TypeError):
                raise UsageError(
                    f"{path}: tài khoản thứ {i} cần username, password_env và units.",
                    f"{path}: account {i} needs username, password_env and units.",
                ) from None
            password = read_secret(
                env_name, f"Mật khẩu tài khoản {username}", f"Password of account {username}"
            )
            accounts.append(Account.with_password(username, password, units))
        if not accounts:
            raise UsageError(
                f"{path}: không có tài khoản nào ([[account]]).",
                f"{path}: no account ([[account]]).",
            )
        return cls(accounts)

    def authenticate(self, security: etree._Element | None, now: datetime) -> Account:
        """The account a request's wsse:Security header proves, or E_XAC_THUC.

        The same message answers an unknown user and a wrong password, so that the fault does
        not tell a guesser which usernames exist.
        """
        if security is None:
            raise ServiceFault(FaultCode.AUTHENTICATION, "Thiếu tiêu đề wsse:Security.")
        _check_timestamp(security.find(f"{{{WSU}}}Timestamp"), now)
        token = security.find(f"{{{WSSE}}}UsernameToken")
        if token is None:
            raise ServiceFault(FaultCode.AUTHENTICATION, "Thiếu wsse:UsernameToken.")
        username = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
        password_node = token.find(f"{{{WSSE}}}Password")
        if password_node is None or password_node.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
            raise ServiceFault(
                FaultCode.AUTHENTICATION, "Mật khẩu phải ở dạng PasswordText (wsse:Password)."
            )
        presented = hashlib.sha256((password_node.text or "").encode()).digest()
        account = self._by_name.get(username)
        expected = account.password_sha256 if account else hashlib.sha256(b"\0").digest()
        if not hmac.compare_digest(presented, expected) or account is None:
            raise ServiceFault(FaultCode.AUTHENTICATION, _REFUSED)
        return account


def _check_timestamp(timestamp: etree._Element | None, now: datetime) -> None:
    if timestamp is None:
        raise ServiceFault(FaultCode.AUTHENTICATION, "Thiếu wsu:Timestamp.")
    created = _instant(timestamp.findtext(f"{{{WSU}}}Created"))
    if created is None:
        raise ServiceFault(
            FaultCode.AUTHENTICATION,
            "wsu:Timestamp/wsu:Created phải là thời điểm có múi giờ (xsd:dateTime).",
        )
    if now - created > timedelta(seconds=MAX_TIMESTAMP_AGE_SECONDS):
        raise ServiceFault(FaultCode.AUTHENTICATION, "wsu:Timestamp đã quá 5 phút.")
    if created - now > CLOCK_SKEW:
        raise ServiceFault(FaultCode.AUTHENTICATION, "wsu:Timestamp ở tương lai.")
    expires_text = timestamp.findtext(f"{{{WSU}}}Expires")
    if expires_text is not None:
        expires = _instant(expires_text)
        if expires is None or expires < now:
            raise ServiceFault(FaultCode.AUTHENTICATION, "wsu:Timestamp đã hết hạn (Expires).")


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else None
