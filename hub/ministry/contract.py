"""The connection service's contract as constants: names, codes, limits and the WSDL.

Both sides read this module, the client (`hub.ministry.client`) and the sandbox
(`hub.sandbox`), so that a limit or a code is written once, next to the WSDL it belongs to
(shared/spec/ministry-service.md).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from functools import lru_cache
from importlib import resources

from lxml import etree

NS = "urn:moet:hocbaso:ketnoi:1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_USERNAME_PROFILE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
)
PASSWORD_TEXT = _USERNAME_PROFILE + "#PasswordText"
"""The Type URI of a clear-text wsse:Password (a URI, not a password)."""
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"

OPERATIONS = ("NopHocBa", "TraCuuKetQua", "TraCuuHocSinh", "ThuHoiHocBa")

# Limits per account (ministry-service.md, "Transport").
MAX_REQUESTS_PER_SECOND = 10.0
MAX_CONCURRENT_REQUESTS = 4
MAX_DOCUMENTS_PER_SUBMISSION = 500
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024
"""20 MB of decoded document bytes (MiB: the stricter reading of "MB" would be 10**6)."""
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
"""Per document; over it is HB001, a document error, not a fault for the whole request."""
MAX_LEARNERS_PER_LOOKUP = 1000
MAX_TIMESTAMP_AGE_SECONDS = 300


class FaultCode(StrEnum):
    """MaLoi of a whole-request fault (the detail of a SOAP fault)."""

    AUTHENTICATION = "E_XAC_THUC"
    RATE_LIMITED = "E_QUA_TAI"
    MAINTENANCE = "E_BAO_TRI"
    TOO_LARGE = "E_KICH_THUOC"
    BAD_REQUEST = "E_DU_LIEU"
    BATCH_KEY_REUSED = "E_LO_TRUNG"
    NOT_FOUND = "E_KHONG_TIM_THAY"


class ProcessingState(StrEnum):
    """TrangThai of TraCuuKetQua."""

    PROCESSING = "DANG_XU_LY"
    DONE = "DA_XU_LY"


class Outcome(StrEnum):
    """KetQua of one document."""

    ACCEPTED = "CHAP_NHAN"
    REJECTED = "TU_CHOI"


WITHDRAWN = "DA_THU_HOI"
"""TrangThai of ThuHoiHocBa."""

DOCUMENT_CODES = (
    "HB001",
    "HB002",
    "HB003",
    "HB004",
    "HB005",
    "HB006",
    "HB101",
    "HB102",
    "HB103",
    "HB104",
    "HB105",
    "HB201",
    "HB202",
    "HB301",
    "HB302",
)
"""Every document error code of the spec, in the order the checks run."""


def document_digest(data: bytes) -> str:
    """MaBam: the lower-case hex SHA-256 of a document's bytes."""
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def wsdl_bytes() -> bytes:
    """The WSDL shipped with the package, as written (its address is a placeholder)."""
    return resources.files("hub.ministry").joinpath("ketnoi.wsdl").read_bytes()


def wsdl_for(address: str) -> bytes:
    """The WSDL with its soap:address set to `address`, as a service publishes it at ?wsdl."""
    root = etree.fromstring(wsdl_bytes(), safe_parser())
    for node in root.iter(f"{{{WSDL_SOAP_NS}}}address"):
        node.set("location", address)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@lru_cache(maxsize=1)
def message_schema() -> etree.XMLSchema:
    """The XSD of the messages (the WSDL's types), to validate a request's body element."""
    root = etree.fromstring(wsdl_bytes(), safe_parser())
    schema = root.find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    if schema is None:  # pragma: no cover - the shipped WSDL has one
        raise RuntimeError("ketnoi.wsdl has no xs:schema in wsdl:types")
    return etree.XMLSchema(schema)


def safe_parser(*, huge: bool = False) -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entity and touches no network.

    Args:
        huge: lift libxml2's 10 MB text-node limit; only for input whose total size the
            caller has already capped (a SOAP request's base64 documents).
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        remove_comments=False,
    )
