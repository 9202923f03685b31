"""SOAP 1.1 on the sandbox's side: read a request envelope, write a response or a fault.

No SOAP framework: the service has four document/literal operations, and lxml with the
hardened parser of `hub.ministry.contract` reads and writes them in a few lines, with full
control over what is refused (a DOCTYPE, an entity, a SOAP 1.2 envelope).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from hub.ministry.contract import NS, SOAP_ENV, WSSE, FaultCode, safe_parser

_HTTP_STATUS = {FaultCode.RATE_LIMITED: 429, FaultCode.MAINTENANCE: 503}
_SERVER_SIDE = {FaultCode.MAINTENANCE}


class ServiceFault(Exception):
    """A whole-request failure, answered as a SOAP fault carrying one LoiDichVu.

    Args:
        code: MaLoi.
        message: MoTa, in Vietnamese (the ministry's working language).
        retry_after: ThuLaiSau in whole seconds, for E_QUA_TAI and E_BAO_TRI.
    """

    def __init__(self, code: FaultCode, message: str, retry_after: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def http_status(self) -> int:
        """429 for a rate limit, 503 for maintenance, 500 otherwise (SOAP 1.1 over HTTP)."""
        return _HTTP_STATUS.get(self.code, 500)


@dataclass(frozen=True)
class Request:
    """A parsed request: its WS-Security header (if any) and its one body element."""

    security: etree._Element | None
    body: etree._Element

    @property
    def operation(self) -> str:
        """The operation, named by the body element (document/literal wrapped)."""
        return etree.QName(self.body).localname


def parse_request(data: bytes) -> Request:
    """Read a SOAP 1.1 request envelope.

    Raises:
        ServiceFault: E_DU_LIEU when the bytes are not a well-formed SOAP 1.1 envelope with
            exactly one body element in the service's namespace, or carry a DOCTYPE.
    """
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser(huge=True)))
    except etree.XMLSyntaxError as exc:
        raise ServiceFault(
            FaultCode.BAD_REQUEST, f"Yêu cầu không phải XML hợp lệ: {exc.msg}."
        ) from None
    # lxml-stubs lack DocInfo.doctype; the DTD was neither loaded nor used, only seen.
    if getattr(tree.docinfo, "doctype", ""):
        raise ServiceFault(FaultCode.BAD_REQUEST, "Yêu cầu không được chứa DOCTYPE.")
    root = tree.getroot()
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ServiceFault(
            FaultCode.BAD_REQUEST, "Yêu cầu phải là một SOAP 1.1 Envelope (soap:Envelope)."
        )
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise ServiceFault(FaultCode.BAD_REQUEST, "Thiếu soap:Body.")
    children = [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1 or etree.QName(children[0]).namespace != NS:
        raise ServiceFault(
            FaultCode.BAD_REQUEST,
            f"soap:Body phải chứa đúng một phần tử thuộc không gian tên {NS}.",
        )
    header = root.find(f"{{{SOAP_ENV}}}Header")
    security = None
    if header is not None:
        security = header.find(f"{{{WSSE}}}Security")
    return Request(security=security, body=children[0])


def element(name: str, *children: etree._Element, text: str | None = None) -> etree._Element:
    """An element of the service's namespace with the given children or text."""
    node = etree.Element(f"{{{NS}}}{name}", nsmap={"kn": NS})
    if text is not None:
        node.text = text
    node.extend(children)
    return node


def child(parent: etree._Element, name: str, text: str) -> etree._Element:
    """Append `<kn:name>text</kn:name>` to `parent` and return it."""
    node = etree.SubElement(parent, f"{{{NS}}}{name}")
    node.text = text
    return node


def envelope(body: etree._Element) -> bytes:
    """Wrap one response element in a SOAP 1.1 envelope."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "kn": NS})
    etree.SubElement(root, f"{{{SOAP_ENV}}}Body").append(body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fault_envelope(fault: ServiceFault) -> bytes:
    """A SOAP 1.1 fault whose detail is the service's LoiDichVu."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "kn": NS})
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    side = "Server" if fault.code in _SERVER_SIDE else "Client"
    # faultcode, faultstring and detail are unqualified in SOAP 1.1.
    etree.SubElement(node, "faultcode").text = f"soap:{side}"
    etree.SubElement(node, "faultstring").text = f"{fault.code}: {fault.message}"
    detail = etree.SubElement(etree.SubElement(node, "detail"), f"{{{NS}}}LoiDichVu")
    child(detail, "MaLoi", str(fault.code))
    child(detail, "MoTa", fault.message)
    if fault.retry_after is not None:
        child(detail, "ThuLaiSau", str(fault.retry_after))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def server_error_envelope() -> bytes:
    """A bare soap:Server fault without LoiDichVu: the service failed, not the request."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(node, "faultcode").text = "soap:Server"
    etree.SubElement(node, "faultstring").text = "Lỗi hệ thống, vui lòng thử lại sau."
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
