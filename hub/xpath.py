"""The XPaths findings point at, written the way operators read them.

The document has a default namespace, so a namespace-exact XPath would be full of
`*[local-name()=...]`. Findings use the element names of the spec instead, with the stable
keys as predicates (`MonHoc[@MaMon='TOAN']`, `HocKy[@So='1']`), e.g.
`/HocBaSo/DLHocBa/KetQuaTrungHoc/MonHoc[@MaMon='TOAN']/HocKy[@So='1']/DTB`. The parser's
schema errors, the rules and the sandbox all build their XPaths here so they agree.
"""

from __future__ import annotations

ROOT = "/HocBaSo"
DATA = f"{ROOT}/DLHocBa"
SIGNATURES = f"{ROOT}/DSCKS"

MISSING_SUBJECT = "/HocBa/DLHocBa/KetQuaHocTap"
"""Where a missing compulsory subject is reported (HB202, assessment-rules.md 1.0.1): the
spec's own string, kept exactly as written (an independent checker may compare it) although it
names no element of the document. A subject that is not there has no element to point at."""


def header(element: str = "") -> str:
    """An element of TTChung, or TTChung itself."""
    return f"{DATA}/TTChung/{element}" if element else f"{DATA}/TTChung"


def learner(element: str = "") -> str:
    """An element of HocSinh, or HocSinh itself."""
    return f"{DATA}/HocSinh/{element}" if element else f"{DATA}/HocSinh"


def results(primary: bool, element: str = "") -> str:
    """KetQuaTieuHoc or KetQuaTrungHoc, or one of its children."""
    base = f"{DATA}/KetQuaTieuHoc" if primary else f"{DATA}/KetQuaTrungHoc"
    return f"{base}/{element}" if element else base


def subject(primary: bool, code: str, element: str = "") -> str:
    """A MonHoc by its MaMon, or one of its children."""
    base = results(primary, f"MonHoc[@MaMon='{code}']")
    return f"{base}/{element}" if element else base


def semester(code: str, number: int, element: str = "") -> str:
    """A secondary subject's HocKy by its number, or one of its children."""
    base = subject(False, code, f"HocKy[@So='{number}']")
    return f"{base}/{element}" if element else base


def rated(kind: str, code: str) -> str:
    """A primary PhamChat or NangLuc by its Ma."""
    return results(True, f"{kind}[@Ma='{code}']")


def confirmation(element: str = "") -> str:
    """An element of XacNhan, or XacNhan itself."""
    return f"{DATA}/XacNhan/{element}" if element else f"{DATA}/XacNhan"
