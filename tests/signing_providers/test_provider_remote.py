"""The remote signing client against the real simulator, served by uvicorn on loopback."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from hub.signing.providers import (
    ProviderConfigError,
    RefusalReason,
    SignatureAlgorithm,
    SigningProvider,
    SigningRefused,
)
from hub.signing.providers.remote import RemoteSigningError, RemoteSigningProvider
from hub.signing.remote.server import running_simulator
from hub.signing.remote.simulator import Decision, Policy, SigningSimulator

from .conftest import Pki, assert_verifies, key_pem, new_key, pem_of

TOKEN = "api-token-7f3a9c.Qz~"
SIGNED_INFO = b"<ds:SignedInfo>the canonical bytes</ds:SignedInfo>"


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HUB_REMOTE_SIGNING_TOKEN", TOKEN)
    return TOKEN


@pytest.fixture
def simulator(token: str, rsa_pki: Pki, ec_pki: Pki) -> SigningSimulator:
    simulator = SigningSimulator()
    simulator.add_signer("gv-rsa", rsa_pki.leaf_key, [rsa_pki.leaf, rsa_pki.intermediate])
    simulator.add_signer("gv-ec", ec_pki.leaf_key, [ec_pki.leaf, ec_pki.intermediate])
    return simulator


@pytest.fixture
def base_url(simulator: SigningSimulator) -> Iterator[str]:
    with running_simulator(simulator) as url:
        yield url


def client(base_url: str, signer_id: str = "gv-rsa", **options: float) -> RemoteSigningProvider:
    settings = {"poll_interval": 0.01, "timeout": 10.0, "max_poll_interval": 0.05} | options
    return RemoteSigningProvider(
        base_url,
        signer_id,
        poll_interval=settings["poll_interval"],
        timeout=settings["timeout"],
        max_poll_interval=settings["max_poll_interval"],
    )


@pytest.mark.parametrize("signer_id", ["gv-rsa", "gv-ec"])
def test_approved_after_polls_returns_a_signature_that_verifies(
    simulator: SigningSimulator, base_url: str, rsa_pki: Pki, ec_pki: Pki, signer_id: str
) -> None:
    pki = rsa_pki if signer_id == "gv-rsa" else ec_pki
    simulator.set_policy(signer_id, Policy(Decision.APPROVE, after_polls=2))

    with client(base_url, signer_id) as provider:
        assert isinstance(provider, SigningProvider)
        assert provider.certificate_chain() == [pki.leaf, pki.intermediate]
        assert provider.algorithm is (
            SignatureAlgorithm.RSA_SHA256
            if signer_id == "gv-rsa"
            else SignatureAlgorithm.ECDSA_SHA256
        )
        signature = provider.sign(SIGNED_INFO)

    assert_verifies(pki.leaf, SIGNED_INFO, signature)
    [request] = simulator.requests()
    assert request["status"] == "approved"
    assert request["polls"] == 3  # two polls saw pending, the third the approval


def test_denied_raises_signing_refused(simulator: SigningSimulator, base_url: str) -> None:
    simulator.queue_policy("gv-rsa", Policy(Decision.DENY, after_polls=1))

    with client(base_url) as provider, pytest.raises(SigningRefused) as caught:
        provider.sign(SIGNED_INFO)

    assert caught.value.reason is RefusalReason.DENIED
    assert "gv-rsa đã từ chối yêu cầu ký" in caught.value.message_vi
    assert "gv-rsa denied signing request" in caught.value.message_en


def test_queued_policy_applies_to_the_next_request_only(
    simulator: SigningSimulator, base_url: str
) -> None:
    simulator.queue_policy("gv-rsa", Policy(Decision.DENY))

    with client(base_url) as provider:
        with pytest.raises(SigningRefused):
            provider.sign(b"first")
        assert_verifies(provider.certificate_chain()[0], b"second", provider.sign(b"second"))


def test_expired_at_the_service_raises_signing_refused(
    simulator: SigningSimulator, base_url: str
) -> None:
    simulator.set_policy("gv-ec", Policy(Decision.EXPIRE, after_polls=1))

    with client(base_url, "gv-ec") as provider, pytest.raises(SigningRefused) as caught:
        provider.sign(SIGNED_INFO)

    assert caught.value.reason is RefusalReason.EXPIRED
    assert "đã hết hạn ở dịch vụ ký từ xa" in caught.value.message_vi
    assert "expired at the remote signing service" in caught.value.message_en


def test_request_left_unanswered_expires_after_its_time_to_live(token: str, rsa_pki: Pki) -> None:
    simulator = SigningSimulator(ttl_seconds=0.05)
    simulator.add_signer("gv", rsa_pki.leaf_key, [rsa_pki.leaf], Policy(Decision.NEVER))

    with (
        running_simulator(simulator) as url,
        client(url, "gv") as provider,
        pytest.raises(SigningRefused) as caught,
    ):
        provider.sign(SIGNED_INFO)

    assert caught.value.reason is RefusalReason.EXPIRED


def test_client_gives_up_after_its_timeout_and_cancels_the_request(
    simulator: SigningSimulator, base_url: str
) -> None:
    simulator.set_policy("gv-rsa", Policy(Decision.NEVER))

    with client(base_url, timeout=0.2) as provider, pytest.raises(SigningRefused) as caught:
        provider.sign(SIGNED_INFO)

    assert caught.value.reason is RefusalReason.TIMEOUT
    assert "chưa duyệt yêu cầu ký" in caught.value.message_vi
    assert "did not approve signing request" in caught.value.message_en
    [request] = simulator.requests()
    assert request["status"] == "cancelled"
    assert request["polls"] >= 1


def test_signer_approves_by_hand_through_the_admin_endpoint(
    simulator: SigningSimulator, base_url: str, rsa_pki: Pki
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answer = httpx.put(
        f"{base_url}/sim/signers/gv-rsa/policy", json={"decision": "never"}, headers=headers
    )
    assert answer.status_code == 200

    def tap_approve() -> None:  # the teacher, looking at the phone
        for _ in range(500):
            pending = [r for r in simulator.requests() if r["status"] == "pending"]
            if pending:
                httpx.post(
                    f"{base_url}/sim/requests/{pending[0]['request_id']}/decision",
                    json={"decision": "approve"},
                    headers=headers,
                ).raise_for_status()
                return
            time.sleep(0.01)

    phone = threading.Thread(target=tap_approve)
    phone.start()
    with client(base_url) as provider:
        signature = provider.sign(SIGNED_INFO)
    phone.join()

    assert_verifies(rsa_pki.leaf, SIGNED_INFO, signature)


def test_wrong_token_is_a_config_error_naming_the_variable(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHOOL_SIGNING_TOKEN", "not-the-token")
    provider = RemoteSigningProvider(base_url, "gv-rsa", token_env="SCHOOL_SIGNING_TOKEN")

    with provider, pytest.raises(ProviderConfigError) as caught:
        provider.sign(SIGNED_INFO)

    assert "không chấp nhận mã truy cập (biến SCHOOL_SIGNING_TOKEN)" in caught.value.message_vi
    assert "not-the-token" not in str(caught.value)


def test_missing_token_variable_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCHOOL_SIGNING_TOKEN", raising=False)
    monkeypatch.delenv("SCHOOL_SIGNING_TOKEN_FILE", raising=False)

    with pytest.raises(ProviderConfigError, match="SCHOOL_SIGNING_TOKEN is not set"):
        RemoteSigningProvider("https://sign.example.vn", "gv", token_env="SCHOOL_SIGNING_TOKEN")


def test_plain_http_is_refused_except_on_loopback(token: str) -> None:
    with pytest.raises(ProviderConfigError, match="must use https"):
        RemoteSigningProvider("http://sign.example.vn", "gv")


def test_unknown_signer_reports_the_service_message(base_url: str) -> None:
    with client(base_url, "nobody") as provider, pytest.raises(RemoteSigningError) as caught:
        provider.certificate_chain()

    assert "HTTP 404" in caught.value.message_en
    assert "No signer 'nobody'" in caught.value.message_en
    assert "Không có người ký 'nobody'" in caught.value.message_vi


def test_a_signature_that_does_not_match_the_certificate_is_refused(
    token: str, rsa_pki: Pki
) -> None:
    simulator = SigningSimulator()
    simulator.add_signer("faulty", new_key("rsa"), [rsa_pki.leaf])  # key of someone else

    with (
        running_simulator(simulator) as url,
        client(url, "faulty") as provider,
        pytest.raises(RemoteSigningError, match="does not match"),
    ):
        provider.sign(SIGNED_INFO)


def test_unreachable_service(token: str) -> None:
    with (
        client("http://127.0.0.1:9", timeout=1.0) as provider,
        pytest.raises(RemoteSigningError, match="Cannot reach the remote signing service"),
    ):
        provider.sign(SIGNED_INFO)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"signer_id": "gv-rsa", "algorithm": str(SignatureAlgorithm.RSA_SHA256)},
            400,
            "bad_request",
        ),
        (
            {
                "signer_id": "gv-rsa",
                "algorithm": str(SignatureAlgorithm.RSA_SHA256),
                "digest_b64": base64.b64encode(b"short").decode(),
            },
            400,
            "bad_request",
        ),
        (
            {
                "signer_id": "gv-rsa",
                "algorithm": str(SignatureAlgorithm.ECDSA_SHA256),
                "digest_b64": base64.b64encode(hashlib.sha256(b"x").digest()).decode(),
            },
            409,
            "algorithm_mismatch",
        ),
        (
            {
                "signer_id": "ghost",
                "algorithm": str(SignatureAlgorithm.RSA_SHA256),
                "data_b64": base64.b64encode(b"x").decode(),
            },
            404,
            "unknown_signer",
        ),
    ],
    ids=["no-payload", "short-digest", "wrong-algorithm", "unknown-signer"],
)
def test_simulator_refuses_requests_outside_the_protocol(
    base_url: str, body: dict[str, str], status: int, error: str
) -> None:
    answer = httpx.post(
        f"{base_url}/v1/requests", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )

    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert answer.json()["message_vi"]
    assert answer.json()["message_en"]


def test_simulator_signs_data_as_well_as_digests(
    simulator: SigningSimulator, base_url: str, ec_pki: Pki
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    created = httpx.post(
        f"{base_url}/v1/requests",
        json={
            "signer_id": "gv-ec",
            "algorithm": str(SignatureAlgorithm.ECDSA_SHA256),
            "data_b64": base64.b64encode(SIGNED_INFO).decode(),
        },
        headers=headers,
    ).json()
    answer = httpx.get(f"{base_url}/v1/requests/{created['request_id']}", headers=headers).json()

    assert answer["status"] == "approved"
    assert_verifies(ec_pki.leaf, SIGNED_INFO, base64.b64decode(answer["signature_b64"]))


# -- TLS: verification stays on -------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = new_key("ec")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "server.key").write_bytes(key_pem(key))
    (folder / "server.pem").write_bytes(pem_of(certificate))
    return folder / "server.pem", folder / "server.key"


def test_https_service_with_an_untrusted_certificate_is_refused(
    simulator: SigningSimulator, tls_files: tuple[Path, Path]
) -> None:
    with running_simulator(simulator, ssl_certfile=tls_files[0], ssl_keyfile=tls_files[1]) as url:
        assert url.startswith("https://")
        with client(url) as provider, pytest.raises(RemoteSigningError, match="CERTIFICATE_VERIFY"):
            provider.certificate_chain()


def test_https_service_trusted_through_ca_file(
    simulator: SigningSimulator, tls_files: tuple[Path, Path], rsa_pki: Pki
) -> None:
    with running_simulator(simulator, ssl_certfile=tls_files[0], ssl_keyfile=tls_files[1]) as url:
        provider = RemoteSigningProvider(
            url, "gv-rsa", poll_interval=0.01, timeout=10.0, ca_file=tls_files[0]
        )
        with provider:
            assert_verifies(rsa_pki.leaf, SIGNED_INFO, provider.sign(SIGNED_INFO))


def test_token_with_spaces_or_diacritics_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_REMOTE_SIGNING_TOKEN", "mã bí mật")

    with pytest.raises(ProviderConfigError) as caught:
        RemoteSigningProvider("https://sign.example.vn", "gv")

    assert "phải là chữ, số và -._~+/=" in caught.value.message_vi
    assert "mã bí mật" not in str(caught.value)
