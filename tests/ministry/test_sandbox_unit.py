"""The sandbox's limits and WS-Security check on their own (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.ministry.contract import PASSWORD_TEXT, WSSE, WSU, FaultCode
from hub.sandbox.auth import Account, Accounts
from hub.sandbox.faults import FaultInjector, FaultPlan, Window
from hub.sandbox.limits import AccountLimits
from hub.sandbox.soap import ServiceFault

NOW = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)


def test_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    now = [0.0]
    limits = AccountLimits(rate=10, concurrent=4, clock=lambda: now[0])
    for _ in range(10):
        with limits.admit("a"):
            pass
    with pytest.raises(ServiceFault) as caught, limits.admit("a"):
        pass
    assert (caught.value.code, caught.value.retry_after, caught.value.http_status) == (
        FaultCode.RATE_LIMITED,
        1,
        429,
    )
    with limits.admit("b"):  # another account has its own bucket
        pass
    now[0] += 0.1
    with limits.admit("a"):
        pass


def test_the_fifth_concurrent_request_is_refused() -> None:
    limits = AccountLimits(rate=100, concurrent=4, clock=lambda: 0.0)
    holds = [limits.admit("a") for _ in range(4)]
    for hold in holds:
        hold.__enter__()
    with pytest.raises(ServiceFault), limits.admit("a"):
        pass
    holds[0].__exit__(None, None, None)
    with limits.admit("a"):
        pass


def security(
    created: datetime | None, password: str = "pw", digest: bool = False
) -> etree._Element:
    node = etree.Element(f"{{{WSSE}}}Security")
    if created is not None:
        stamp = etree.SubElement(node, f"{{{WSU}}}Timestamp")
        etree.SubElement(stamp, f"{{{WSU}}}Created").text = created.isoformat()
        expires = created + timedelta(minutes=5)
        etree.SubElement(stamp, f"{{{WSU}}}Expires").text = expires.isoformat()
    token = etree.SubElement(node, f"{{{WSSE}}}UsernameToken")
    etree.SubElement(token, f"{{{WSSE}}}Username").text = "so36"
    kind = PASSWORD_TEXT.replace("PasswordText", "PasswordDigest") if digest else PASSWORD_TEXT
    etree.SubElement(token, f"{{{WSSE}}}Password", Type=kind).text = password
    return node


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (security(NOW - timedelta(minutes=4)), True),
        (security(NOW + timedelta(seconds=30)), True),  # a little clock skew
        (security(NOW - timedelta(minutes=6)), False),  # stale
        (security(NOW + timedelta(minutes=5)), False),  # from the future
        (security(None), False),  # no Timestamp
        (security(NOW, password="sai"), False),
        (security(NOW, digest=True), False),  # PasswordDigest is not the profile
        (None, False),
    ],
)
def test_ws_security(header: etree._Element | None, accepted: bool) -> None:
    accounts = Accounts([Account.with_password("so36", "pw", ["SO36"])])
    if accepted:
        assert accounts.authenticate(header, NOW).units == {"SO36"}
    else:
        with pytest.raises(ServiceFault) as caught:
            accounts.authenticate(header, NOW)
        assert caught.value.code is FaultCode.AUTHENTICATION


def test_accounts_keep_no_clear_password() -> None:
    account = Account.with_password("so36", "bi-mat", ["SO36"])
    assert "bi-mat" not in repr(account)
    assert b"bi-mat" not in account.password_sha256


def test_a_maintenance_window_from_a_request_opens_at_that_request_and_lasts_its_seconds() -> None:
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    injector = FaultInjector(FaultPlan(maintenance=[Window(seconds=5, from_request=3)]), start)
    later = start + timedelta(hours=1)  # however long the caller's own set-up took
    assert injector.maintenance_retry_after(later) is None
    assert injector.maintenance_retry_after(later) is None
    assert injector.maintenance_retry_after(later) == 5  # the third request opens it
    assert injector.maintenance_retry_after(later + timedelta(seconds=4.5)) == 1
    assert injector.maintenance_retry_after(later + timedelta(seconds=5)) is None
    assert injector.snapshot()["fired"] == {"maintenance": 2}


def test_a_window_from_a_request_needs_its_seconds() -> None:
    with pytest.raises(ValueError, match="from_request goes with seconds"):
        Window(
            start=datetime(2026, 6, 1, tzinfo=UTC),
            end=datetime(2026, 6, 2, tzinfo=UTC),
            from_request=1,
        )
