"""What a MinistryClient is configured with: the address, the account, retries and polling.

Credentials come from the environment: HUB_MINISTRY_USERNAME, and HUB_MINISTRY_PASSWORD or
HUB_MINISTRY_PASSWORD_FILE naming a secrets file; never from config.toml or the command line.

The password travels in the WS-Security header of every request (PasswordText), so the address
it goes to is checked wherever one comes from (config.toml, HUB_MINISTRY_ENDPOINT, `hub demo`'s
sandbox, a MinistryClient made in code): https://, or plain http:// only to this machine
(127.0.0.0/8, ::1, localhost), where nothing crosses a network.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.addresses import is_loopback as is_loopback  # where callers import it
from hub.addresses import plain_http_refusal
from hub.errors import UsageError
from hub.signing.providers.base import ProviderConfigError
from hub.signing.providers.secrets import read_secret

log = logging.getLogger(__name__)

USERNAME_ENV = "HUB_MINISTRY_USERNAME"
PASSWORD_ENV = "HUB_MINISTRY_PASSWORD"  # noqa: S105 -- the variable's name, not a password
ENDPOINT_ENV = "HUB_MINISTRY_ENDPOINT"
"""A running sandbox's address, used only when config.toml says `endpoint = "sandbox"`."""


def endpoint_refusal(address: str) -> tuple[str, str] | None:
    """Why the ministry's password may not be sent to `address`, or None if it may."""
    return plain_http_refusal(address, "mật khẩu tài khoản Bộ", "the ministry account's password")


def check_endpoint(address: str, setting: str) -> str:
    """`address`, if the ministry's password may be sent there.

    Args:
        address: the service's URL.
        setting: where the address came from, for the message (e.g. "HUB_MINISTRY_ENDPOINT").

    Raises:
        UsageError: not https, nor http on loopback; the message names `setting` and why.
    """
    refusal = endpoint_refusal(address)
    if refusal is None:
        return address
    vi, en = refusal
    raise UsageError(f"{setting} = {address!r}: {vi}.", f"{setting} = {address!r}: {en}.")


def choose_endpoint(
    configured: str,
    setting: str,
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The address to send to: `explicit`, else the configured one, else the sandbox variable.

    HUB_MINISTRY_ENDPOINT stands in for `endpoint = "sandbox"` only. Set beside a configured
    address it is refused rather than ignored or obeyed: obeyed, a variable left from a trial
    sent the password to whatever it named; ignored, a trial meant for a sandbox would send
    real transcripts to the ministry. Its use is logged, naming it.

    Args:
        configured: [ministry] endpoint ("sandbox" or a URL).
        setting: how to name the configured value in a message (the file and the key).
        explicit: an address the caller chose (`hub demo`'s own sandbox); the variable is then
            not read.
        environ: the environment (default: os.environ).

    Raises:
        UsageError: "sandbox" with no variable; the variable beside a configured address; an
            address that is neither https:// nor http:// on loopback. Each names the setting.
    """
    env = os.environ if environ is None else environ
    variable = env.get(ENDPOINT_ENV, "")
    if explicit is not None:
        return check_endpoint(explicit, "sandbox của hub demo / hub demo's sandbox")
    if configured != "sandbox":
        if variable:
            raise UsageError(
                f"{ENDPOINT_ENV} đang được đặt ({variable!r}) trong khi {setting} = "
                f'{configured!r}: biến này chỉ dùng khi endpoint = "sandbox". Hãy bỏ biến '
                f"(unset {ENDPOINT_ENV}) để gửi tới địa chỉ đã cấu hình, hoặc đặt endpoint = "
                f'"sandbox" để chạy thử.',
                f"{ENDPOINT_ENV} is set ({variable!r}) while {setting} = {configured!r}: the "
                f'variable applies only when endpoint = "sandbox". Unset it to send to the '
                f'configured address, or set endpoint = "sandbox" for a trial.',
            )
        return check_endpoint(configured, setting)
    if not variable:
        raise UsageError(
            f'{setting} = "sandbox" chỉ dùng được trong `hub demo`; đặt {ENDPOINT_ENV} là '
            f"địa chỉ sandbox đang chạy (hub sandbox serve).",
            f'{setting} = "sandbox" works only inside `hub demo`; set {ENDPOINT_ENV} to a '
            f"running sandbox's address (hub sandbox serve).",
        )
    check_endpoint(variable, ENDPOINT_ENV)
    log.warning(
        'Gửi tới sandbox do %s chỉ định (%s = "sandbox"): %s / sending to the sandbox %s names: %s',
        ENDPOINT_ENV,
        setting,
        variable,
        ENDPOINT_ENV,
        variable,
    )
    return variable


def read_password(env_name: str = PASSWORD_ENV) -> str:
    """The ministry account's password from `env_name` (or `env_name`_FILE).

    A missing password is a configuration error of the ministry account, not of a signing key,
    so it leaves with the usage family (exit 2) and names the variable.

    Raises:
        UsageError: neither variable is set, both are, or the file cannot be read.
    """
    try:
        return read_secret(
            env_name, "Mật khẩu tài khoản kết nối Bộ", "The ministry account's password"
        )
    except ProviderConfigError as exc:
        raise UsageError(exc.message_vi, exc.message_en) from None


@dataclass(frozen=True)
class Credentials:
    """The account the ministry issued to the submitting unit; the password never in repr."""

    username: str
    password: str = field(repr=False)

    @classmethod
    def from_env(cls) -> Credentials:
        """HUB_MINISTRY_USERNAME and HUB_MINISTRY_PASSWORD (or ..._FILE naming a secrets file).

        Raises:
            UsageError: a variable is missing.
        """
        username = os.environ.get(USERNAME_ENV, "").strip()
        if not username:
            raise UsageError(
                f"Chưa đặt {USERNAME_ENV} (tài khoản Bộ cấp cho đơn vị gửi).",
                f"{USERNAME_ENV} is not set (the account the ministry issued to the unit).",
            )
        return cls(username, read_password(PASSWORD_ENV))


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
