"""A second, independent client: envelopes written with lxml, posted with httpx, read with lxml.

It shares nothing with hub.ministry.client (no zeep, no WSDL), only the service's namespace
and the WS-Security one, so that agreeing answers show the sandbox speaks standard SOAP.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
KN = "urn:moet:hocbaso:ketnoi:1"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"


@dataclass
class Fault:
    status: int
    code: str
    message: str
    retry_after: str | None


def _el(parent: etree._Element, ns: str, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        node.text = text
    return node


def _fill(parent: etree._Element, values: dict[str, Any]) -> None:
    for name, value in values.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                _fill(_el(parent, KN, name), item)
            else:
                _el(parent, KN, name, item)


class RawClient:
    def __init__(self, endpoint: str, username: str, password: str) -> None:
        self.endpoint, self.username, self.password = endpoint, username, password
        self.created: datetime | None = None  # set to send an old Timestamp

    def envelope(self, operation: str, values: dict[str, Any]) -> bytes:
        root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"s": SOAP, "k": KN})
        security = _el(_el(root, SOAP, "Header"), WSSE, "Security")
        created = self.created or datetime.now(UTC)
        stamp = _el(security, WSU, "Timestamp")
        _el(stamp, WSU, "Created", created.strftime("%Y-%m-%dT%H:%M:%SZ"))
        expires = created + timedelta(minutes=5)
        _el(stamp, WSU, "Expires", expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
        token = _el(security, WSSE, "UsernameToken")
        _el(token, WSSE, "Username", self.username)
        _el(token, WSSE, "Password", self.password).set("Type", TEXT)
        _fill(_el(_el(root, SOAP, "Body"), KN, operation), values)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def call(self, operation: str, values: dict[str, Any]) -> etree._Element | Fault:
        response = httpx.post(
            self.endpoint,
            content=self.envelope(operation, values),
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{KN}/{operation}"',
            },
            timeout=60,
        )
        return self.read(response)

    @staticmethod
    def read(response: httpx.Response) -> etree._Element | Fault:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(response.content, parser)
        body = root.find(f"{{{SOAP}}}Body")
        assert body is not None
        fault = body.find(f"{{{SOAP}}}Fault")
        if fault is not None:
            detail = fault.find(f"detail/{{{KN}}}LoiDichVu")
            assert detail is not None
            return Fault(
                response.status_code,
                detail.findtext(f"{{{KN}}}MaLoi") or "",
                detail.findtext(f"{{{KN}}}MoTa") or "",
                detail.findtext(f"{{{KN}}}ThuLaiSau"),
            )
        assert response.status_code == 200
        return body[0]

    # The operations, answering plain values ------------------------------------------------

    def submit(
        self, unit: str, batch: str, year: str, school: str, documents: list[tuple[str, bytes]]
    ) -> dict[str, str] | Fault:
        items = [
            {
                "MaHoSo": record_id,
                "NoiDung": base64.b64encode(content).decode(),
                "MaBam": hashlib.sha256(content).hexdigest(),
            }
            for record_id, content in documents
        ]
        answer = self.call(
            "NopHocBa",
            {
                "MaDonViGui": unit,
                "MaLoGui": batch,
                "NamHoc": year,
                "MaTruong": school,
                "DanhSachHocBa": {"HocBa": items},
            },
        )
        if isinstance(answer, Fault):
            return answer
        return {etree.QName(c).localname: c.text or "" for c in answer}

    def result(self, receipt: str) -> tuple[str, list[dict[str, Any]]] | Fault:
        answer = self.call("TraCuuKetQua", {"MaTiepNhan": receipt})
        if isinstance(answer, Fault):
            return answer
        state = answer.findtext(f"{{{KN}}}TrangThai") or ""
        documents = []
        for item in answer.iterfind(f"{{{KN}}}DanhSachKetQua/{{{KN}}}HocBa"):
            documents.append(
                {
                    "MaHoSo": item.findtext(f"{{{KN}}}MaHoSo"),
                    "KetQua": item.findtext(f"{{{KN}}}KetQua"),
                    "MaDinhDanhHocBa": item.findtext(f"{{{KN}}}MaDinhDanhHocBa"),
                    "Loi": [
                        (
                            loi.findtext(f"{{{KN}}}MaLoi"),
                            loi.findtext(f"{{{KN}}}MoTa"),
                            loi.findtext(f"{{{KN}}}ViTri"),
                        )
                        for loi in item.iterfind(f"{{{KN}}}Loi")
                    ],
                }
            )
        return state, documents

    def look_up(self, queries: list[dict[str, str]]) -> list[dict[str, str]] | Fault:
        answer = self.call("TraCuuHocSinh", {"HocSinh": queries})
        if isinstance(answer, Fault):
            return answer
        return [{etree.QName(c).localname: c.text or "" for c in item} for item in answer]

    def withdraw(self, transcript_id: str, reason: str) -> str | Fault:
        answer = self.call("ThuHoiHocBa", {"MaDinhDanhHocBa": transcript_id, "LyDo": reason})
        if isinstance(answer, Fault):
            return answer
        return answer.findtext(f"{{{KN}}}TrangThai") or ""
