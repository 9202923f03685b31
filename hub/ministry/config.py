"""What a MinistryClient is configured with: the account, and the retry and polling policies.

Credentials come from the environment: HUB_MINISTRY_USERNAME, and HUB_MINISTRY_PASSWORD or
HUB_MINISTRY_PASSWORD_FILE naming a secrets file; never from config.toml or the command line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from hub.errors import UsageError
from hub.signing.providers.secrets import read_secret

USERNAME_ENV = "HUB_MINISTRY_USERNAME"
PASSWORD_ENV = "HUB_MINISTRY_PASSWORD"  # noqa: S105 -- the variable's name, not a password


@dataclass(frozen=True)
class Credentials:
    """The account the ministry issued to the submitting unit; the password never in repr."""

    username: str
    password: str = field(repr=False)

    @classmethod
    def from_env(cls) -> Credentials:
        """HUB_MINISTRY_USERNAME and HUB_MINISTRY_PASSWORD (or ..._FILE naming a secrets file).

        Raises:
            UsageError: a variable is missing (ProviderConfigError for the password).
        """
        username = os.environ.get(USERNAME_ENV, "").strip()
        if not username:
            raise UsageError(
                f"Chưa đặt {USERNAME_ENV} (tài khoản Bộ cấp cho đơn vị gửi).",
                f"{USERNAME_ENV} is not set (the account the ministry issued to the unit).",
            )
        return cls(username, read_secret(PASSWORD_ENV, "Mật khẩu kết nối Bộ", "Ministry password"))


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying a call that failed in a retryable way.

    E_QUA_TAI and E_BAO_TRI wait ThuLaiSau (plus up to 10 % jitter, so that many clients
    do not return at the same instant); 5xx and network failures back off exponentially from
    `backoff_first` up to `backoff_longest`, with up to `backoff_first` of jitter. A call stops
    after `attempts` attempts, or before a wait would take it past `total_seconds`.
    """

    attempts: int = 8
    total_seconds: float = 600.0
    backoff_first: float = 0.5
    backoff_longest: float = 30.0


@dataclass(frozen=True)
class PollPolicy:
    """How TraCuuKetQua is polled while DANG_XU_LY: first wait, growth, longest wait, limit."""

    first: float = 0.5
    factor: float = 1.6
    longest: float = 30.0
    timeout: float = 1800.0
