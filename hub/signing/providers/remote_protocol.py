"""The remote-signing protocol: HTTP + JSON, request → pending → approved | denied | expired.

A teacher's key lives on their phone (or in a cloud HSM the phone unlocks). The hub cannot
wait on an open connection for a person to look at a notification, so signing is a request
the hub creates and then polls, as in the Cloud Signature Consortium API's asynchronous mode
and Vietnam's commercial remote-signing services, with one small shape of our own:

    POST   /v1/requests              {signer_id, algorithm, digest_b64 | data_b64, description}
                                     → 201 {request_id, status: "pending", expires_at}
    GET    /v1/requests/{id}         → 200 {request_id, signer_id, status, expires_at,
                                             signature_b64?, certificate_chain_pem?}
    DELETE /v1/requests/{id}         → 200 {..., status: "cancelled"} (pending only, else 409)
    GET    /v1/signers/{signer_id}   → 200 {signer_id, algorithm, certificate_chain_pem}

Every call carries `Authorization: Bearer <API token>`. `digest_b64` is the SHA-256 of the
bytes to sign (the service signs it pre-hashed; it never sees the document), `data_b64` the
bytes themselves for services that hash on their side. The signature is the profile's raw form
(RSA PKCS#1 v1.5; ECDSA r || s). A failure is `{error, message_vi, message_en}` with status
400 (bad request), 401 (token), 404 (unknown signer or request) or 409 (wrong state or
algorithm).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from hub.addresses import is_loopback as is_loopback  # where the simulator imports it


class Status(StrEnum):
    """A signing request's state; every state but PENDING is final."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


REQUESTS_PATH: Final = "/v1/requests"
SIGNERS_PATH: Final = "/v1/signers"
DIGEST_BYTES: Final = 32  # SHA-256
MAX_DATA_BYTES: Final = 64 * 1024  # a canonical SignedInfo is about 1 KB
MAX_DESCRIPTION_CHARS: Final = 200  # what fits on a phone's approval screen

DEFAULT_TOKEN_ENV: Final = "HUB_REMOTE_SIGNING_TOKEN"  # noqa: S105 (a variable name)


def request_path(request_id: str) -> str:
    """The URL path of one signing request."""
    return f"{REQUESTS_PATH}/{request_id}"


def signer_path(signer_id: str) -> str:
    """The URL path of one signer's certificate information."""
    return f"{SIGNERS_PATH}/{signer_id}"
