"""Whom a document names for each personal signature, and whether a certificate names them.

Version 1.0.1 of the spec (transcript-document.md, check 6): a GVBM certificate's subject CN
equals the signed MonHoc's `GiaoVien/HoTen`, the GVCN's equals `XacNhan/GVCN/HoTen`, the HT's
equals `XacNhan/HieuTruong/HoTen`, compared after NFC normalisation, case folding and
collapsing white space (`hub.document.text.person_key`). The DV (the school's seal) is not
compared by name; its MaTruong is (hub.signing.roles).

The signer (hub.signing.sign, the pipeline's sign stage) and the verifier (hub.signing.roles)
both read the person here, with the one text helper, so that what the hub signs as and what
it checks can never be two readings of the same element.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from lxml import etree

from hub import xpath
from hub.document.text import child_text, person_key, text_of
from hub.signing.profile import Role, doc
from hub.signing.providers.base import Person
from hub.signing.providers.keys import common_names

__all__ = [
    "PERSONAL_ROLES",
    "common_names",
    "keys_name_person",
    "named_name",
    "named_person",
    "named_xpath",
    "names_person",
    "people_named",
]

PERSONAL_ROLES = frozenset({Role.GVBM, Role.GVCN, Role.HT})
"""The roles whose certificate is a person's and must name whom the document names."""

_TEACHER_CODE = f"{doc('GiaoVien')}/{doc('MaGV')}"
_CONFIRMING = {
    Role.GVCN: (f"{doc('XacNhan')}/{doc('GVCN')}", "GVCN/HoTen"),
    Role.HT: (f"{doc('XacNhan')}/{doc('HieuTruong')}", "HieuTruong/HoTen"),
}
_STAFF_CODE = {Role.GVBM: _TEACHER_CODE, Role.GVCN: f"{_CONFIRMING[Role.GVCN][0]}/{doc('MaGV')}"}


_NAME_STEPS = {
    Role.GVBM: (doc("GiaoVien"), doc("HoTen")),
    Role.GVCN: (doc("XacNhan"), doc("GVCN"), doc("HoTen")),
    Role.HT: (doc("XacNhan"), doc("HieuTruong"), doc("HoTen")),
}


def _first_at(parent: etree._Element, steps: tuple[str, ...]) -> etree._Element | None:
    head, rest = steps[0], steps[1:]
    for child in parent.iterchildren(head):
        found = _first_at(child, rest) if rest else child
        if found is not None:
            return found
    return None


def path_text(parent: etree._Element, steps: tuple[str, ...]) -> str | None:
    """`child_text(parent, "/".join(steps))`: the text of the first element, in document
    order, at that path of child steps, walked with lxml's C iterators instead of ElementPath
    (the verifier asks this of every personal signature)."""
    found = _first_at(parent, steps)
    return text_of(found) if found is not None else None


def named_name(signed: etree._Element, role: Role) -> str | None:
    """The HoTen the document gives the person of a `role` signature over `signed` (only the
    name: what the verifier compares; `named_person` adds the MaGV a signer may need)."""
    return path_text(signed, _NAME_STEPS[role])


def named_person(signed: etree._Element, role: Role) -> Person | None:
    """The person the document names for a `role` signature over `signed`.

    Args:
        signed: what the signature covers: the MonHoc for a GVBM, DLHocBa for GVCN and HT.
        role: a personal role (GVBM, GVCN, HT).

    Returns:
        The named person; None when the element is absent (a document outside the schema).
    """
    name = named_name(signed, role)
    if name is None:
        return None
    code = child_text(signed, _STAFF_CODE[role]) if role in _STAFF_CODE else None  # HT has none
    return Person(name, (code or "").strip() or None)


def people_named(root: etree._Element) -> list[Person]:
    """Every person a document names for a personal signature, in signing order, once each.

    The subject teachers (secondary and GDTX documents), then the homeroom teacher and the
    principal: whom a test PKI must issue certificates to (`hub pki init --people-from`).
    """
    data = root.find(doc("DLHocBa"))
    if data is None:
        return []
    found: list[Person | None] = [
        named_person(subject, Role.GVBM)
        for subject in data.iterfind(f"{doc('KetQuaTrungHoc')}/{doc('MonHoc')}")
    ]
    found += [named_person(data, Role.GVCN), named_person(data, Role.HT)]
    people: dict[str, Person] = {}
    for person in found:
        if person is not None:
            people.setdefault(person_key(person.name), person)
    return list(people.values())


def named_xpath(role: Role, subject_code: str | None) -> str:
    """Where the document names the person of a personal signature (for messages)."""
    if role is Role.GVBM:
        return xpath.subject(False, subject_code or "", "GiaoVien/HoTen")
    return xpath.confirmation(_CONFIRMING[role][1])


def names_person(names: Sequence[str], person: str) -> bool:
    """Whether a certificate with the CN values `names` names `person`.

    Exactly one CN, equal to the person's name by the spec's comparison: a certificate with
    two CNs could otherwise stand for two people.
    """
    return len(names) == 1 and person_key(names[0]) == person_key(person)


def keys_name_person(name_keys: Sequence[str], person: str) -> bool:
    """`names_person` with the CNs' `person_key`s worked out already (once per certificate)."""
    return len(name_keys) == 1 and name_keys[0] == _person_key(person)


# A school's few hundred staff names recur in every document; the key is a pure function of
# the name, so remembering it changes nothing but the time.
_person_key = lru_cache(maxsize=8192)(person_key)
